# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options: one definition for every module and plugin.

``CONNECTION_OPTIONS`` is the single source of the option names, types,
defaults and environment variables. Modules get an argument spec built from
it; plugins get the same options through the ``privx.secrets.connection``
doc fragment, and both validate the values with ``ConnectionSettings``.
"""

from __future__ import annotations

import os
from collections import namedtuple
from contextlib import contextmanager
from urllib.parse import urlparse

from ansible.module_utils.basic import AnsibleFallbackNotFound
from ansible.module_utils.common.validation import check_type_bool, check_type_int

from ansible_collections.privx.secrets.plugins.module_utils._errors import PrivXConfigError

DEFAULT_OAUTH_CLIENT_ID = 'privx-external'
DEFAULT_TIMEOUT = 30
DEFAULT_RETRIES = 5


class ConnectionOption(namedtuple('ConnectionOption', 'type default no_log env')):
    """One connection option: its type, default, whether it is secret, and its environment variables
    (the first one set to a non-empty value wins). The doc fragment privx.secrets.connection describes the same
    options; tests/unit/plugins/module_utils/test_connection.py holds the two to each other."""

    __slots__ = ()


CONNECTION_OPTIONS = {
    'url': ConnectionOption('str', None, False, ('PRIVX_URL', 'PRIVX_API_BASE_URL')),
    'client_id': ConnectionOption('str', None, False, ('PRIVX_CLIENT_ID', 'PRIVX_API_CLIENT_ID')),
    'client_secret': ConnectionOption('str', None, True, ('PRIVX_CLIENT_SECRET', 'PRIVX_API_CLIENT_SECRET')),
    'oauth_client_id': ConnectionOption('str', DEFAULT_OAUTH_CLIENT_ID, False, ('PRIVX_OAUTH_CLIENT_ID', 'PRIVX_API_OAUTH_CLIENT_ID')),
    'oauth_client_secret': ConnectionOption('str', None, True, ('PRIVX_OAUTH_CLIENT_SECRET', 'PRIVX_API_OAUTH_CLIENT_SECRET')),
    'access_token': ConnectionOption('str', None, True, ('PRIVX_ACCESS_TOKEN',)),
    'validate_certs': ConnectionOption('bool', True, False, ('PRIVX_VALIDATE_CERTS',)),
    'ca_path': ConnectionOption('path', None, False, ('PRIVX_CA_PATH',)),
    'timeout': ConnectionOption('int', DEFAULT_TIMEOUT, False, ('PRIVX_TIMEOUT',)),
    'retries': ConnectionOption('int', DEFAULT_RETRIES, False, ('PRIVX_RETRIES',)),
}

CREDENTIAL_OPTIONS = ('client_id', 'client_secret', 'oauth_client_secret')

# The variable of each connection option for plugins (doc fragment privx.secrets.connection.plugins).
PLUGIN_VARIABLE = 'privx_%s'

# Shown by modules and the lookup alike, in the same words, so that Ansible shows it once per run however many
# hosts and tasks repeat it (the controller shows a warning text only once).
INSECURE_WARNING = ("privx.secrets: validate_certs is false, so PrivX's TLS certificate is not verified and whoever sits "
                    "on the network path can read the API credentials and secrets: give ca_path instead")


def env_fallback_non_empty(*names):
    """Like Ansible's env_fallback, but an empty variable counts as unset (AWX injects '' for an empty field)."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def plugin_connection_options(get_option):
    """The connection options of a plugin, where (as for modules) an empty environment variable counts as unset.

    Ansible's own resolution takes the last variable of an option's list that is set, even to ''.
    """
    options = {}
    for name, option in CONNECTION_OPTIONS.items():
        value = get_option(name)
        if value is None or value == '':
            value = next((os.environ[env] for env in option.env if os.environ.get(env)), None)
        options[name] = value
    return options


def set_plugin_options(plugin, variables, direct):
    """``plugin.set_options`` for a plugin with the connection options, where (as for modules) an empty value counts
    as unset and a bad boolean or number fails naming the option.

    ansible-core converts a plugin's options to their documented types itself: it reads '' and a misspelt boolean
    ('ture') as false, which would turn certificate checks off, makes an empty path the current directory, and fails
    on an empty number in words of its own. So empty values of the options that are not text are dropped; each bool
    and int option is taken here from the first of its keyword, variable and environment variables that is set and
    not empty, converted as ConnectionSettings converts it, and handed over as a direct value; and while ansible-core
    resolves the rest (ansible.cfg, defaults), their empty environment variables are out of its sight.
    Text options keep an empty value: plugin_connection_options reads past it.
    """
    variables = {name: value for name, value in variables.items() if not (name in _TYPED_VARIABLES and value == '')}
    direct = {name: value for name, value in direct.items() if not (name in _TYPED and value == '')}
    for name in _TYPED:
        option = CONNECTION_OPTIONS[name]
        if option.type in _CONVERTERS:
            given = [direct.get(name), variables.get(PLUGIN_VARIABLE % name)] + [os.environ.get(env) for env in option.env]
            value = next((value for value in given if value is not None and value != ''), None)
            if value is not None:
                direct[name] = _CONVERTERS[option.type](name, value)
    with _empty_environment_variables_unset(env for name in _TYPED for env in CONNECTION_OPTIONS[name].env):
        plugin.set_options(var_options=variables, direct=direct)


@contextmanager
def _empty_environment_variables_unset(names):
    """ansible-core reads os.environ itself and nothing else; the variables are back as soon as it has resolved."""
    empty = [name for name in names if os.environ.get(name) == '']
    for name in empty:
        del os.environ[name]
    try:
        yield
    finally:
        for name in empty:
            os.environ[name] = ''


def connection_argument_spec():
    """The argument spec fragment every module merges into its own."""
    spec = {}
    for name, option in CONNECTION_OPTIONS.items():
        spec[name] = {'type': option.type, 'fallback': (env_fallback_non_empty, list(option.env))}
        if option.default is not None:
            spec[name]['default'] = option.default
        if option.no_log:
            spec[name]['no_log'] = True
    spec['url']['required'] = True
    return spec


def _env_hint(name):
    return ' or '.join(CONNECTION_OPTIONS[name].env)


class ConnectionSettings:
    """Validated connection values; the only input PrivXClient accepts."""

    def __init__(self, options, also_mask=()):
        self.url = _validated_url(options.get('url'))
        self.client_id = _credential('client_id', options.get('client_id'))
        self.client_secret = _credential('client_secret', options.get('client_secret'))
        self.oauth_client_id = _credential('oauth_client_id', options.get('oauth_client_id')) or DEFAULT_OAUTH_CLIENT_ID
        self.oauth_client_secret = _credential('oauth_client_secret', options.get('oauth_client_secret'))
        self.access_token = _credential('access_token', options.get('access_token'))
        self.validate_certs = _as_bool(options.get('validate_certs'), default=True)
        self.ca_path = _validated_ca_path(options.get('ca_path'))
        self.timeout = _bounded_int('timeout', options.get('timeout'), DEFAULT_TIMEOUT, minimum=1)
        self.retries = _bounded_int('retries', options.get('retries'), DEFAULT_RETRIES, minimum=0)
        # Other secrets that error text from PrivX must not show (a module's no_log values: a password it sends,
        # which a server may echo back). Never sent anywhere; the client only masks them.
        self.also_mask = tuple(value for value in also_mask if isinstance(value, str))
        self._check_credentials()

    def _check_credentials(self):
        given = [name for name in CREDENTIAL_OPTIONS if getattr(self, name)]
        if self.access_token:
            if given:
                raise PrivXConfigError(
                    'access_token and API client credentials (%s) are both set: use one or the other' % ', '.join(given))
            return
        if not given:
            raise PrivXConfigError(
                'no PrivX credentials: set client_id, client_secret and oauth_client_secret '
                '(environment: PRIVX_CLIENT_ID, PRIVX_CLIENT_SECRET, PRIVX_OAUTH_CLIENT_SECRET), or access_token')
        missing = [name for name in CREDENTIAL_OPTIONS if name not in given]
        if missing:
            raise PrivXConfigError('incomplete API client credentials: %s not set (environment: %s)' % (
                ', '.join(missing), '; '.join(_env_hint(name) for name in missing)))

    @property
    def verify(self):
        """What requests expects for ``verify``."""
        if self.ca_path:
            return self.ca_path
        return self.validate_certs

    @property
    def insecure(self):
        """True when PrivX's certificate goes unverified (validate_certs false and no ca_path)."""
        return self.verify is False

    @property
    def identity(self):
        """Who this is, for messages: the API client id or 'access token'."""
        return self.client_id or 'access token'

    def cache_key(self):
        """A key that differs whenever the credentials or endpoint differ (contains secrets: keep in memory only)."""
        return (self.url, self.client_id, self.client_secret, self.oauth_client_id, self.oauth_client_secret,
                self.access_token, self.validate_certs, self.ca_path, self.timeout, self.retries)

    def __repr__(self):
        return 'ConnectionSettings(url=%r, client_id=%r)' % (self.url, self.client_id)


def _credential(name, value):
    """A credential without surrounding white space (a file's final newline, say); None when empty.

    White space or control characters inside it would end up in an HTTP header: refuse them,
    naming the option but never showing the value.
    """
    if value is None:
        return None
    value = str(value).strip()
    if any(character.isspace() or ord(character) < 32 or ord(character) == 127 for character in value):
        raise PrivXConfigError('%s contains white space or control characters' % name)
    return value or None


def _validated_url(url):
    if not url:
        raise PrivXConfigError('url is required: set url (environment: %s)' % _env_hint('url'))
    parsed = urlparse(url)
    if parsed.scheme not in ('https', 'http') or not parsed.netloc:
        if '://' not in url:
            raise PrivXConfigError("url %r has no scheme: write it as https://%s" % (url, url.lstrip('/')))
        raise PrivXConfigError("url %r is not an http(s) URL: write it as https://<privx-host>" % url)
    if parsed.username or parsed.password:
        raise PrivXConfigError('url must not carry credentials (user:password@): give them as client_id and client_secret')
    if parsed.query or parsed.fragment:
        raise PrivXConfigError('url %r must not carry a query or fragment' % url)
    if parsed.path.strip('/'):
        # PrivX serves its API at the root (/auth/api/v1/..., docs/privx-api.md): a path would be put in front of
        # every call and end in a puzzling 404 from the token call.
        raise PrivXConfigError('url %r must not carry a path (%s): give the base URL, %s://%s' % (
            url, parsed.path, parsed.scheme, parsed.netloc))
    return url.rstrip('/')


def _validated_ca_path(ca_path):
    if not ca_path:
        return None
    # Absolute, so that it names the same file wherever it is read: the checkout agent runs with cwd '/'
    # (plugins/plugin_utils/_agent_connection.py), and plugin options of type str are not made absolute by Ansible.
    ca_path = os.path.abspath(os.path.expanduser(str(ca_path)))
    if not os.path.exists(ca_path):
        raise PrivXConfigError('ca_path %r does not exist' % ca_path)
    if not os.path.isfile(ca_path):
        raise PrivXConfigError('ca_path %r is not a file (give a PEM bundle)' % ca_path)
    return ca_path


def _as_bool(value, default):
    """A boolean as Ansible reads one (check_type_bool); empty is unset, as for modules."""
    if value is None or value == '':
        return default
    return _boolean('validate_certs', value)


def _boolean(name, value):
    try:
        return check_type_bool(value)
    except TypeError:
        raise PrivXConfigError('%s must be a boolean, got %r' % (name, value)) from None


def _whole_number(name, value):
    try:
        return check_type_int(value.strip() if isinstance(value, str) else value)
    except TypeError:
        raise PrivXConfigError('%s must be a whole number, got %r' % (name, value)) from None


_CONVERTERS = {'bool': _boolean, 'int': _whole_number}
_TYPED = tuple(name for name, option in CONNECTION_OPTIONS.items() if option.type != 'str')
_TYPED_VARIABLES = tuple(PLUGIN_VARIABLE % name for name in _TYPED)


def _bounded_int(name, value, default, minimum):
    """A whole number as Ansible reads one (check_type_int); empty is unset, as for modules."""
    if value is None or value == '':
        return default
    number = _whole_number(name, value)
    if number < minimum:
        raise PrivXConfigError('%s must be at least %d, got %d' % (name, minimum, number))
    return number
