# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX credential plugin for PrivX: a linked credential field's value from a PrivX checkout.

AWX calls ``privx_plugin.backend(**kwargs)`` with the values of ``inputs['fields']`` (entered
once, on the PrivX credential) and ``inputs['metadata']`` (entered for each linked field). With AWX's
workload identity on (FEATURE_OIDC_WORKLOAD_IDENTITY_ENABLED), a credential type with an ``internal``
field ``workload_identity_token`` gets a JWT of the job, minted for the audience of the credential's
``url``, as that keyword: the plugin exchanges it for a PrivX token, so no PrivX secret is stored. All
PrivX calls go through the privx.secrets collection's client core, which the build copies unchanged
into ``_core`` (see hatch_build.py): same retries, Retry-After, timeouts, TLS handling and
one-line errors without secrets as the collection's modules and lookup.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import ssl
import stat
import tempfile
import time

import requests

from awx_privx_credential_plugin._core.client import PrivXClient
from awx_privx_credential_plugin._core.connection import ConnectionSettings
from awx_privx_credential_plugin._core.errors import PrivXConfigError, PrivXError
from awx_privx_credential_plugin._core.fields import shown
from awx_privx_credential_plugin._core.secrets import IN_DOUBT_TIMEOUTS, AccountSecrets, current_secret, release_through_outage

__all__ = ['CredentialPlugin', 'PrivXCredentialError', 'privx_backend', 'privx_inputs', 'privx_plugin']

try:  # AWX's own type where awx-plugins-core is installed; AWX reads only name, inputs and backend
    from awx_plugins.credentials.plugin import CredentialPlugin
except ImportError:
    CredentialPlugin = collections.namedtuple('CredentialPlugin', ['name', 'inputs', 'backend'])

LOG = logging.getLogger('awx.main.credential_plugins.privx')

RETURN_SECRET = 'secret'
RETURN_USERNAME = 'username'
# The JWT AWX passed, unchanged: for a 'PrivX token exchange' credential (meta/awx/credential_type_exchange.yml), whose
# injector writes it to the file PRIVX_EXCHANGE_TOKEN_FILE names, so that the job's modules exchange it themselves.
RETURN_WORKLOAD_TOKEN = 'workload_identity_token'
RELEASE_ON_EXPIRY = 'on_expiry'
RELEASE_IMMEDIATELY = 'immediately'
WORKLOAD_IDENTITY_TOKEN = 'workload_identity_token'
API_CLIENT_FIELDS = ('client_id', 'client_secret', 'oauth_client_secret')

privx_inputs = {
    'fields': [
        {'id': 'url', 'label': 'PrivX URL', 'type': 'string', 'format': 'url',
         'help_text': 'The address of PrivX, for example https://privx.example.com'},
        {'id': 'client_id', 'label': 'API Client ID', 'type': 'string',
         'help_text': ("The PrivX API client's ID (Settings > Deployment > API clients). Leave the API client fields "
                       "empty to connect with AWX's workload identity token instead.")},
        {'id': 'client_secret', 'label': 'API Client Secret', 'type': 'string', 'secret': True,
         'help_text': "The PrivX API client's secret"},
        {'id': 'oauth_client_id', 'label': 'OAuth Client ID', 'type': 'string', 'default': 'privx-external',
         'help_text': "The OAuth client ID shown with the API client (privx-external unless changed)"},
        {'id': 'oauth_client_secret', 'label': 'OAuth Client Secret', 'type': 'string', 'secret': True,
         'help_text': 'The OAuth client secret shown with the API client'},
        {'id': 'ca_bundle', 'label': 'CA Bundle (PEM)', 'type': 'string', 'multiline': True,
         'help_text': "PEM text of the CA that signed PrivX's TLS certificate. Empty: the system's trusted CAs."},
        {'id': 'verify_tls', 'label': 'Verify TLS Certificate', 'type': 'boolean', 'default': True,
         'help_text': "Check PrivX's TLS certificate. Turn off only for a test installation."},
        # Never shown nor stored: AWX fills it for each job with a JWT whose audience is the url above (awx PR #16286,
        # #16432), when FEATURE_OIDC_WORKLOAD_IDENTITY_ENABLED is on. docs/docsite/rst/guide_no_stored_secret.rst says what PrivX needs.
        {'id': WORKLOAD_IDENTITY_TOKEN, 'label': 'Workload Identity Token', 'type': 'string', 'secret': True, 'internal': True,
         'help_text': "Filled in by AWX for each job; PrivX exchanges it for a token when no API client secret is given."},
    ],
    'metadata': [
        {'id': 'secret_path', 'label': 'Secret Path', 'type': 'string',
         'help_text': ("The account secret's path as PrivX lists it, for example corp.example.com/db_admin "
                       "(privx.secrets.account_secret_info lists them). Or leave it empty and give Target "
                       "Domain and Username.")},
        {'id': 'target_domain', 'label': 'Target Domain', 'type': 'string',
         'help_text': "The target domain's name or ID, with Username, instead of Secret Path."},
        {'id': 'username', 'label': 'Username', 'type': 'string',
         'help_text': 'The managed account in that target domain, with Target Domain, instead of Secret Path.'},
        {'id': 'return_value', 'label': 'Value to Return', 'type': 'string',
         'choices': [RETURN_SECRET, RETURN_USERNAME, RETURN_WORKLOAD_TOKEN], 'default': RETURN_SECRET,
         'help_text': ("secret: check the secret out and return its newest version. username: return the "
                       "account's username, without a checkout. workload_identity_token: return the job's workload "
                       "identity token, for the Exchange Token of a 'PrivX token exchange' credential (no secret path).")},
        {'id': 'release', 'label': 'Release the Checkout', 'type': 'string',
         'choices': [RELEASE_ON_EXPIRY, RELEASE_IMMEDIATELY], 'default': RELEASE_ON_EXPIRY,
         'help_text': ("on_expiry: PrivX has no hook at the end of an AWX job, so the checkout stays active "
                       "until the password policy's max_checkout_duration expires (and the password is rotated "
                       "then if the policy has rotate_on_release). Under max_concurrent_checkouts: 1 nobody "
                       "else can check the account out until then. immediately: release right after reading; "
                       "only for policies without rotate_on_release, which would change the password before "
                       "the job logs in with it. Only a checkout this call made is released, never one that was "
                       "already active (another job, a slice or a play of this API client).")},
    ],
    # The API client fields are needed unless AWX passes a workload identity token: _settings says which is missing.
    'required': ['url'],
}
LABELS = {field['id']: field['label'] for field in privx_inputs['fields'] + privx_inputs['metadata']}


class PrivXCredentialError(Exception):
    """What AWX shows for a failed lookup (the "Test" button, a job's start): one line, never a secret."""


def privx_backend(**kwargs):
    """The value of one linked credential field."""
    try:
        return _lookup(kwargs)
    except PrivXError as error:
        # from None: AWX logs the exception with its chain; the client's error is complete and safe on its own.
        raise PrivXCredentialError(' '.join(str(error).split()).replace(
            'the token in exchange_token', "AWX's workload identity token")) from None


DESCRIPTION = ('Checks a PrivX account secret out and returns its newest version. The checkout ends when the '
               "password policy's max_checkout_duration expires, or right after reading with Release: immediately.")

if 'plugin_description' in CredentialPlugin._fields:  # newer awx-plugins-core shows it
    privx_plugin = CredentialPlugin('PrivX Secrets Manager Checkout', inputs=privx_inputs, backend=privx_backend,
                                    plugin_description=DESCRIPTION)
else:
    privx_plugin = CredentialPlugin('PrivX Secrets Manager Checkout', inputs=privx_inputs, backend=privx_backend)


def _lookup(kwargs):
    returned = _choice(kwargs, 'return_value', (RETURN_SECRET, RETURN_USERNAME, RETURN_WORKLOAD_TOKEN))
    if returned == RETURN_WORKLOAD_TOKEN:
        return _workload_identity_token(kwargs)
    path, target_domain, username = _text(kwargs, 'secret_path'), _text(kwargs, 'target_domain'), _text(kwargs, 'username')
    if path and (target_domain or username):
        raise PrivXConfigError('give either Secret Path or Target Domain with Username, not both')
    if not path and not (target_domain and username):
        raise PrivXConfigError('give Secret Path, or Target Domain and Username')
    release = _choice(kwargs, 'release', (RELEASE_ON_EXPIRY, RELEASE_IMMEDIATELY))
    # AWX hands a boolean field's value as a bool (None when the credential was saved before the field existed):
    # ConnectionSettings refuses anything else.
    verify = kwargs.get('verify_tls')
    with _ca_file(_ca_bundle(kwargs) if verify is not False else None) as ca_path:
        settings = _settings(kwargs, verify, ca_path)
        with requests.Session() as session:
            secrets = AccountSecrets(PrivXClient(settings, log=LOG.debug, session=session))
            if returned == RETURN_USERNAME:
                return _username(secrets, path, target_domain, username)
            path = path or secrets.path_of(target_domain, username)
            return _checked_out_secret(secrets, path, release == RELEASE_IMMEDIATELY)


def _settings(kwargs, verify, ca_path):
    """The connection: the API client when the credential holds one, else AWX's workload identity token, exchanged.

    AWX passes the token to every plugin whose type declares the field, whether or not this credential needs it: a
    credential with an API client secret keeps using it.
    """
    options = {'url': _text(kwargs, 'url'), 'validate_certs': verify, 'ca_path': ca_path}
    if any(kwargs.get(name) for name in API_CLIENT_FIELDS) or not kwargs.get(WORKLOAD_IDENTITY_TOKEN):
        if not any(kwargs.get(name) for name in API_CLIENT_FIELDS):
            raise PrivXConfigError(
                'no PrivX credentials: fill in API Client ID, API Client Secret and OAuth Client Secret, or leave them empty '
                'and turn on AWX\'s workload identity (FEATURE_OIDC_WORKLOAD_IDENTITY_ENABLED), so that AWX passes a '
                'workload identity token that PrivX trusts')
        options.update((name, kwargs.get(name)) for name in API_CLIENT_FIELDS + ('oauth_client_id',))
    else:
        options['exchange_token'] = kwargs[WORKLOAD_IDENTITY_TOKEN]
    return ConnectionSettings(options)


def _workload_identity_token(kwargs):
    """The JWT AWX minted for this job (audience: this credential's url); PrivX checks it when the job exchanges it."""
    token = kwargs.get(WORKLOAD_IDENTITY_TOKEN)
    if not token:
        raise PrivXConfigError('AWX passed no workload identity token: turn on FEATURE_OIDC_WORKLOAD_IDENTITY_ENABLED')
    if not isinstance(token, str):
        raise PrivXConfigError('the workload identity token AWX passed is not text')
    return token.strip()


def _username(secrets, path, target_domain, username):
    """The account's username as PrivX has it; no checkout, so nothing is held or rotated."""
    if not path:
        secrets.path_of(target_domain, username)  # PrivX knows this account and lets this client use it
        return username
    found = [item for item in secrets.list() if item.get('path') == path]
    if not found or not found[0].get('username'):
        raise PrivXConfigError('no account secret at path %s that this API client may check out' % shown(path))
    return found[0]['username']


def _checked_out_secret(secrets, path, release):
    # PrivX answers a second checkout by the same API client with the active one, and does not say which it did.
    # Such a checkout belongs to whoever made it (another job, a play's lookup), so only one this call made is
    # released: one absent from the list taken just before. Calls on this AWX node take turns per path (_turn),
    # so no other call's checkout can land between that list and ours.
    with _turn(secrets.client.settings, path):
        held_before = {item.get('id') for item in secrets.active_checkouts() if item.get('path') == path} if release else set()
        sent = time.monotonic()
        checkout = secrets.checkout(path)
        # An answer slower than the timeout came to a retry: the unanswered attempt may still reach PrivX, which answers
        # it with this checkout while it is active, but would make a new one, that nobody releases, once it is released.
        in_doubt = time.monotonic() - sent >= secrets.client.settings.timeout
        try:
            return current_secret(checkout)
        finally:
            if release and checkout['id'] not in held_before:
                if in_doubt:
                    time.sleep(IN_DOUBT_TIMEOUTS * secrets.client.settings.timeout)
                _release(secrets, checkout)


@contextlib.contextmanager
def _turn(settings, path):
    """This node's calls for one path (of one PrivX and API client) one at a time: an flock on a file of its own.

    The files are empty and stay, in a directory only AWX's user may enter. Where it cannot be used, calls go on
    without taking turns, as before, and the log says why.
    """
    digest = hashlib.sha256(json.dumps([settings.url, settings.client_id, path]).encode()).hexdigest()
    directory = os.path.join(tempfile.gettempdir(), 'awx-privx-credential-plugin-%d' % os.getuid())
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        info = os.lstat(directory)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise OSError('%s is not a directory of this user closed to others' % directory)
        handle = os.open(os.path.join(directory, digest + '.lock'), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as error:
        LOG.warning('PrivX: checkouts of %r do not take turns with other jobs on this node (%s)', path, error)
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _release(secrets, checkout):
    try:
        release_through_outage(secrets, checkout['id'])
    except PrivXError as error:
        # The value was read: fail no job over it; PrivX ends the checkout when it expires.
        LOG.warning('PrivX: could not release the checkout of %r (%s); it ends when it expires at %s',
                    checkout.get('path'), error, checkout.get('expires') or 'its expiry')


@contextlib.contextmanager
def _ca_file(pem):
    """The CA certificate as a file only this process may read, for requests' ``verify``; removed after."""
    if not pem:
        yield None
        return
    if '-----BEGIN CERTIFICATE-----' not in pem:
        raise PrivXConfigError('CA Bundle is not PEM text (-----BEGIN CERTIFICATE----- ...)')
    try:
        ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, ValueError):
        # Its markers around what is no certificate: said here, in the field's name, not as a failed connection.
        raise PrivXConfigError('CA Bundle holds no certificate that can be read: paste the whole PEM text of the CA') from None
    directory = tempfile.mkdtemp(prefix='privx-ca-')  # mode 0700
    try:
        path = os.path.join(directory, 'ca.pem')
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), 'w', encoding='utf-8') as handle:
            handle.write(pem.strip() + '\n')
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _text(kwargs, name):
    value = kwargs.get(name)
    if value is None:
        return ''
    if not isinstance(value, str):
        # Its str() would go to PrivX as a path or a name: a dict's text never names anything.
        raise PrivXConfigError('%s must be text, not %s' % (LABELS.get(name, name), type(value).__name__))
    return value.strip()


def _ca_bundle(kwargs):
    """The CA Bundle field; a credential saved by version 0.1.0 of the plugin has it under its old id, ca_cert."""
    return _text(kwargs, 'ca_bundle') or _text(kwargs, 'ca_cert')


def _choice(kwargs, name, choices):
    value = _text(kwargs, name) or choices[0]
    if value not in choices:
        raise PrivXConfigError('%s must be one of %s, got %s' % (name, ', '.join(choices), shown(value)))
    return value
