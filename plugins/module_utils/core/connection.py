# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options: one definition for every module and plugin, and the settings the client takes.

``CONNECTION_OPTIONS`` is the single source of the option names, types,
defaults and environment variables, as plain data. Modules get an argument
spec built from it and plugins read their options by it (``module/options.py``,
which needs ansible-core); plugins document the same options through the
``privx.secrets.connection`` doc fragment. Both hand ``ConnectionSettings``
typed values (a bool, an int), which it validates: this file imports nothing
from ansible, so that the AWX credential plugin runs it as it is.
"""

from __future__ import annotations

import os
from collections import namedtuple
from urllib.parse import urlparse

from .errors import PrivXConfigError

DEFAULT_OAUTH_CLIENT_ID = 'privx-external'
DEFAULT_TIMEOUT = 30
DEFAULT_RETRIES = 5
# A JWT is a few kilobytes; a token file larger than this is the wrong file (a log, /dev/zero behind a symlink): read
# no more of it than this, so that a mistake fails with one line instead of filling the memory.
MAX_TOKEN_FILE_BYTES = 64 * 1024


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
    'exchange_token': ConnectionOption('str', None, True, ('PRIVX_EXCHANGE_TOKEN',)),
    'exchange_token_file': ConnectionOption('path', None, False, ('PRIVX_EXCHANGE_TOKEN_FILE',)),
    'exchange_scope': ConnectionOption('str', None, False, ('PRIVX_EXCHANGE_SCOPE',)),
    'validate_certs': ConnectionOption('bool', True, False, ('PRIVX_VALIDATE_CERTS',)),
    'ca_path': ConnectionOption('path', None, False, ('PRIVX_CA_PATH',)),
    'timeout': ConnectionOption('int', DEFAULT_TIMEOUT, False, ('PRIVX_TIMEOUT',)),
    'retries': ConnectionOption('int', DEFAULT_RETRIES, False, ('PRIVX_RETRIES',)),
}

CREDENTIAL_OPTIONS = ('client_id', 'client_secret', 'oauth_client_secret')
# The three ways to connect; a connection uses exactly one (ConnectionSettings._check_credentials).
METHOD_ACCESS_TOKEN = 'access_token'
METHOD_EXCHANGE = 'a token to exchange (%s)'
METHOD_API_CLIENT = 'API client credentials (%s)'

# The variable of each connection option for plugins (doc fragment privx.secrets.connection.plugins).
PLUGIN_VARIABLE = 'privx_%s'

# Shown by modules and the lookup alike, in the same words, so that Ansible shows it once per run however many
# hosts and tasks repeat it (the controller shows a warning text only once).
INSECURE_WARNING = ("privx.secrets: validate_certs is false, so PrivX's TLS certificate is not verified and whoever sits "
                    "on the network path can read the API credentials and secrets: give ca_path instead")


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
        self.exchange_token = _credential('exchange_token', options.get('exchange_token'))
        self.exchange_token_file = _validated_token_file(options.get('exchange_token_file'))
        self.exchange_scope = _credential('exchange_scope', options.get('exchange_scope')) or ''
        self.validate_certs = _typed_bool('validate_certs', options.get('validate_certs'), default=True)
        self.ca_path = _validated_ca_path(options.get('ca_path'))
        self.timeout = _bounded_int('timeout', options.get('timeout'), DEFAULT_TIMEOUT, minimum=1)
        self.retries = _bounded_int('retries', options.get('retries'), DEFAULT_RETRIES, minimum=0)
        # Other secrets that error text from PrivX must not show (a module's no_log values: a password it sends,
        # which a server may echo back). Never sent anywhere; the client only masks them.
        self.also_mask = tuple(value for value in also_mask if isinstance(value, str))
        self._check_credentials()

    def _check_credentials(self):
        given = [name for name in CREDENTIAL_OPTIONS if getattr(self, name)]
        if self.exchange_token and self.exchange_token_file:
            raise PrivXConfigError('exchange_token and exchange_token_file are both set: give the token or the file it is in, not both')
        exchange = 'exchange_token' if self.exchange_token else 'exchange_token_file'
        methods = [method for method, used in ((METHOD_ACCESS_TOKEN, self.access_token),
                                               (METHOD_EXCHANGE % exchange, self.exchange),
                                               (METHOD_API_CLIENT % ', '.join(given), given)) if used]
        if len(methods) > 1:
            raise PrivXConfigError('%s are all set: a connection uses one of them' % ' and '.join(methods)
                                   if len(methods) > 2 else '%s and %s are both set: use one or the other' % tuple(methods))
        if self.access_token or self.exchange:
            return
        if not given:
            raise PrivXConfigError(
                'no PrivX credentials: set client_id, client_secret and oauth_client_secret '
                '(environment: PRIVX_CLIENT_ID, PRIVX_CLIENT_SECRET, PRIVX_OAUTH_CLIENT_SECRET), access_token, '
                'or exchange_token_file (environment: PRIVX_EXCHANGE_TOKEN_FILE) or exchange_token')
        missing = [name for name in CREDENTIAL_OPTIONS if name not in given]
        if missing:
            raise PrivXConfigError('incomplete API client credentials: %s not set (environment: %s)' % (
                ', '.join(missing), '; '.join(_env_hint(name) for name in missing)))

    @property
    def exchange(self):
        """True when the connection trades a JWT for its PrivX token (token exchange)."""
        return bool(self.exchange_token or self.exchange_token_file)

    def token_to_exchange(self):
        """The JWT to exchange: exchange_token, or exchange_token_file as it reads NOW.

        Read again at every grant, because a platform rotates the file (a Kubernetes projected service-account
        token, a CI job's id token): whatever it holds at the time is the token.
        """
        if self.exchange_token:
            return self.exchange_token
        try:
            with open(self.exchange_token_file, encoding='utf-8') as handle:
                text = handle.read(MAX_TOKEN_FILE_BYTES + 1)
        except (OSError, UnicodeDecodeError) as error:
            raise PrivXConfigError('exchange_token_file %r cannot be read: %s' % (
                self.exchange_token_file, getattr(error, 'strerror', None) or type(error).__name__)) from None
        if len(text) > MAX_TOKEN_FILE_BYTES:
            raise PrivXConfigError('exchange_token_file %r is larger than %d bytes: it holds no single token' % (
                self.exchange_token_file, MAX_TOKEN_FILE_BYTES))
        token = _credential('exchange_token_file', text)
        if not token:
            raise PrivXConfigError('exchange_token_file %r is empty' % self.exchange_token_file)
        return token

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
        """Who this is, for messages: the API client id, 'access token' or 'exchange token'."""
        return self.client_id or ('exchange token' if self.exchange else 'access token')

    def cache_key(self):
        """A key that differs whenever the credentials or endpoint differ (contains secrets: keep in memory only)."""
        return (self.url, self.client_id, self.client_secret, self.oauth_client_id, self.oauth_client_secret,
                self.access_token, self.exchange_token, self.exchange_token_file, self.exchange_scope, self.validate_certs,
                self.ca_path, self.timeout, self.retries)

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


def _validated_token_file(path):
    if not path:
        return None
    # Absolute for the same reason as ca_path (below): the checkout agent reads it with cwd '/'.
    path = os.path.abspath(os.path.expanduser(str(path)))
    if not os.path.isfile(path):
        raise PrivXConfigError('exchange_token_file %r %s' % (
            path, 'is not a file' if os.path.exists(path) else 'does not exist'))
    return path


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


def _typed_bool(name, value, default):
    """A boolean as the caller read it (an argument spec, module/options.py, AWX's boolean field); None is unset."""
    if value is None:
        return default
    if not isinstance(value, bool):
        raise PrivXConfigError('%s must be a boolean, got %r' % (name, value))
    return value


def _bounded_int(name, value, default, minimum):
    """A whole number as the caller read it (an argument spec, module/options.py); None is unset."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise PrivXConfigError('%s must be a whole number, got %r' % (name, value))
    if value < minimum:
        raise PrivXConfigError('%s must be at least %d, got %d' % (name, minimum, value))
    return value
