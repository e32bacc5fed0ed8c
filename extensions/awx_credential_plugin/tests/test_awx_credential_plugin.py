# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential plugin (extensions/awx_credential_plugin), built and installed as AWX gets it (awx_plugin.py).

awx_plugin_runner.py runs in the plugin's venv: it discovers the plugin through its entry points as AWX does and calls
its backend against the collection's emulator; the test reads the emulator's request log and state.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
import subprocess
import sys
import time
import types
import zipfile

import jsonschema
import pytest
import requests

from .awx_plugin import CORE, PLUGIN_DIR, RUNNER, credential, plugin_venv, run_plugin  # noqa: F401  pylint: disable=unused-import
from .conftest import PLANTED_SECRETS, assert_no_secret, exchange_tokens

TOKEN = ('POST', '/auth/api/v1/oauth/token')
EXCHANGE = ('POST', '/auth/api/v1/token/login')
CHECKOUTS = '/authorizer/api/v1/secrets/checkouts'
SEARCH = ('POST', '/authorizer/api/v1/secrets/search')
PATH = 'corp.example.com/svc_backup'
PLANTED = 'planted-svc-backup-S3cr3t'
WRONG_SECRET = 'planted-wrong-client-secret'


@pytest.fixture(scope='module')
def described(plugin_venv):  # pylint: disable=redefined-outer-name
    return run_plugin(plugin_venv, {'action': 'describe', 'name': 'privx', 'peer': 'hashivault_kv'})[0]


@pytest.fixture
def backend(plugin_venv, privx, tmp_path):
    """Calls the backend once; returns (answer, requests it sent).

    Checks every call: the CA certificate was a file only its owner could read, in a private directory,
    and is gone afterwards; the log has no secret.
    """
    scratch = tmp_path / 'tmp'
    scratch.mkdir()

    def call(kwargs):
        mark = privx.control.mark()
        answer, log = run_plugin(plugin_venv, {'action': 'backend', 'name': 'privx', 'kwargs': kwargs}, env={'TMPDIR': str(scratch)})
        sent = [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)]
        assert_only_turn_locks_left(str(scratch))
        ca_files = answer.pop('ca_files')
        assert all(seen == {'file': 0o600, 'directory': 0o700} for seen in ca_files), ca_files
        assert bool(ca_files) == bool((kwargs.get('ca_bundle') or kwargs.get('ca_cert')) and kwargs.get('verify_tls') and sent), ca_files
        assert 'PrivX POST %s' % (EXCHANGE[1] if kwargs.get('workload_identity_token') and not kwargs.get('client_secret')
                                  else TOKEN[1]) in log or not sent, log
        assert_no_secret(log, PLANTED_SECRETS + [WRONG_SECRET] + [kwargs[name] for name in (
            'client_secret', 'oauth_client_secret', 'workload_identity_token') if kwargs.get(name)])
        assert 'Bearer' not in log
        call.logs.append(log)
        return answer, sent
    call.logs = []
    return call


def assert_only_turn_locks_left(scratch):
    """A call leaves nothing in the temporary directory but the empty lock files through which calls take turns."""
    left = os.listdir(scratch)
    turns = 'awx-privx-credential-plugin-%d' % os.getuid()
    assert set(left) <= {turns}, 'the backend left files behind: %s' % left
    for name in os.listdir(os.path.join(scratch, turns)) if left else []:
        path = os.path.join(scratch, turns, name)
        assert name.endswith('.lock') and os.path.getsize(path) == 0 and stat.S_IMODE(os.stat(path).st_mode) == 0o600, name
    if left:
        assert stat.S_IMODE(os.stat(os.path.join(scratch, turns)).st_mode) == 0o700


def assert_clean_error(answer, fragment, privx, client='admin'):
    """One line naming the cause; no planted secret, API client secret or header anywhere in what AWX sees."""
    assert 'value' not in answer, answer
    assert answer['error_type'] == 'PrivXCredentialError', answer['traceback']
    message = answer['error']
    assert len(message.splitlines()) == 1 and message.strip() == message, message
    assert fragment in message, message
    clients = privx.clients[client]
    for text in (message, answer['traceback']):
        assert_no_secret(text, PLANTED_SECRETS + [WRONG_SECRET, clients['client_secret'], clients['oauth_client_secret']])
        assert 'Bearer' not in text and 'Authorization' not in text


# -- discovery and AWX's input schema -------------------------------------------------------------------


def test_awx_discovers_the_plugin_through_both_entry_point_groups(described):
    assert 'privx' in described['groups']['awx_plugins.credentials']
    assert 'hashivault_kv' in described['groups']['awx_plugins.credentials']  # found beside AWX's own plugins
    assert 'privx' in described['groups']['awx.credential_plugins']
    for group in ('awx_plugins.credentials', 'awx.credential_plugins'):
        plugin = described[group]
        assert plugin['name'] == 'PrivX Secrets Manager Checkout'
        assert plugin['backend_callable'] and plugin['is_tuple']
        # With awx-plugins-core installed the plugin is AWX's own CredentialPlugin type, like the peer.
        assert plugin['type'] == described['peer']['type'] == 'awx_plugins.credentials.plugin.CredentialPlugin'
        assert 'max_checkout_duration' in plugin['description']
    assert sorted(described['awx_plugins.credentials']['inputs']) == sorted(described['peer']['inputs']) == ['fields', 'metadata', 'required']


# The schema of awx/main/fields.py CredentialTypeInputField (AWX is not a library on PyPI, so the
# rules are written down here), applied to fields and, as AWX renders them the same way, metadata.
FIELD_SCHEMA = {
    'type': 'object',
    'properties': {
        'type': {'enum': ['string', 'boolean']},
        'format': {'enum': ['ssh_private_key', 'url']},
        'choices': {'type': 'array', 'minItems': 1, 'items': {'type': 'string'}, 'uniqueItems': True},
        'id': {'type': 'string', 'pattern': '^[a-zA-Z_]+[a-zA-Z0-9_]*$'},
        'label': {'type': 'string'},
        'help_text': {'type': 'string'},
        'multiline': {'type': 'boolean'},
        'secret': {'type': 'boolean'},
        'ask_at_runtime': {'type': 'boolean'},
        # Since AWX's workload identity (ansible/awx PR #16370): a field AWX fills itself and never shows.
        'internal': {'type': 'boolean'},
        'default': {},
    },
    'additionalProperties': False,
    'required': ['id', 'label'],
}


def check_awx_field_rules(fields):
    """CredentialTypeInputField.validate's checks of each field; returns the ids."""
    ids = []
    for field in fields:
        jsonschema.Draft4Validator(FIELD_SCHEMA).validate(field)
        assert field['id'] != 'tower', '"tower" is a reserved field name'
        assert field['id'] not in ids, 'field IDs must be unique (%s)' % field['id']
        ids.append(field['id'])
        kind = field.get('type', 'string')
        if 'default' in field:
            assert isinstance(field['default'], {'string': str, 'boolean': bool}[kind]), '%s is not a %s' % (field['default'], kind)
        for key in ('choices', 'multiline', 'format', 'secret'):
            assert key not in field or kind == 'string', '%s not allowed for %s type (%s)' % (key, kind, field['id'])
        if 'choices' in field and 'default' in field:
            assert field['default'] in field['choices']
    return ids


def test_inputs_pass_awx_credential_type_validation(described):
    inputs = described['awx_plugins.credentials']['inputs']
    assert set(inputs) <= {'fields', 'metadata', 'required'}
    field_ids = check_awx_field_rules(inputs['fields'])
    metadata_ids = check_awx_field_rules(inputs['metadata'])
    assert not set(field_ids) & set(metadata_ids)
    assert set(inputs['required']) <= set(field_ids) | set(metadata_ids), 'required names an undefined field'
    assert field_ids == ['url', 'client_id', 'client_secret', 'oauth_client_id', 'oauth_client_secret', 'ca_bundle', 'verify_tls',
                         'workload_identity_token']
    assert metadata_ids == ['secret_path', 'target_domain', 'username', 'return_value', 'release']
    # The API client fields are not required: with AWX's workload identity, no PrivX secret is stored.
    assert inputs['required'] == ['url']
    secret_fields = [field['id'] for field in inputs['fields'] if field.get('secret')]
    assert secret_fields == ['client_secret', 'oauth_client_secret', 'workload_identity_token']
    # AWX asks its gateway for a token for the plugins whose type has this field, and hides it (ansible/awx PR #16370).
    assert [field['id'] for field in inputs['fields'] if field.get('internal')] == ['workload_identity_token']
    release = next(field for field in inputs['metadata'] if field['id'] == 'release')
    assert release['choices'] == ['on_expiry', 'immediately'] and release['default'] == 'on_expiry'
    for phrase in ('max_checkout_duration', 'rotate_on_release', 'max_concurrent_checkouts: 1'):
        assert phrase in release['help_text']

    # AWX validates a credential's inputs and an input source's metadata with the field lists as the
    # properties of a JSON schema (CredentialInputField, DynamicCredentialInputField): these must be valid.
    def as_schema(fields):
        properties = {field['id']: dict(field, enum=field['choices']) if field.get('choices') else dict(field) for field in fields}
        return {'type': 'object', 'properties': properties, 'additionalProperties': False}
    jsonschema.Draft4Validator(as_schema(inputs['fields'])).validate(
        {'url': 'https://privx.example.com', 'client_id': 'id', 'client_secret': 's', 'oauth_client_secret': 's', 'verify_tls': False})
    jsonschema.Draft4Validator(as_schema(inputs['metadata'])).validate({'secret_path': PATH, 'release': 'immediately'})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(as_schema(inputs['metadata'])).validate({'secret_path': PATH, 'release': 'at_once'})


# -- the backend against the emulator ---------------------------------------------------------------


def test_a_secret_by_path_is_checked_out_and_left_to_expire(backend, privx):
    answer, sent = backend(credential(privx, secret_path=PATH))
    assert answer == {'value': PLANTED}
    assert sent == [TOKEN, ('POST', CHECKOUTS)]
    assert [checkout['path'] for checkout in privx.control.checkouts()] == [PATH]


def test_a_secret_by_target_domain_and_username(backend, privx):
    answer, sent = backend(credential(privx, target_domain='corp.example.com', username='svc_backup'))
    assert answer == {'value': PLANTED}
    assert sent == [TOKEN, SEARCH, ('POST', CHECKOUTS)]


def rotate(privx, domain, username):
    """Rotate an account through PrivX's API as the admin client, and wait for the new version."""
    clients = privx.clients['admin']
    with requests.Session() as session:
        token = session.post(privx.url + TOKEN[1], auth=(clients['oauth_client_id'], clients['oauth_client_secret']),
                             data={'grant_type': 'password', 'username': clients['client_id'], 'password': clients['client_secret']},
                             timeout=30, verify=privx.ca_path).json()['access_token']
        account = privx.control.managed_account(domain, username)
        versions = len(privx.control.secrets(domain, username))
        answer = session.post('%s/secrets-manager/api/v1/targetdomains/%s/managedaccounts/%s/rotate' % (
            privx.url, account['target_domain']['id'], account['id']), headers={'Authorization': 'Bearer ' + token}, timeout=30,
            verify=privx.ca_path)
        assert answer.status_code < 300, answer.text
    privx.wait_until(lambda: len(privx.control.secrets(domain, username)) > versions, message='rotation of %s' % username)
    return max(privx.control.secrets(domain, username), key=lambda entry: entry['version'])['secret']


def test_the_newest_version_is_returned(backend, privx):
    newest = rotate(privx, 'corp.example.com', 'svc_backup')
    assert newest != PLANTED
    answer, _sent = backend(credential(privx, secret_path=PATH))
    assert answer == {'value': newest}


def test_username_is_returned_without_a_checkout(backend, privx):
    answer, sent = backend(credential(privx, secret_path=PATH, return_value='username'))
    assert answer == {'value': 'svc_backup'}
    assert sent == [TOKEN, ('GET', '/authorizer/api/v1/secrets')]
    answer, sent = backend(credential(privx, target_domain='corp.example.com', username='svc_backup', return_value='username'))
    assert answer == {'value': 'svc_backup'}
    assert sent == [TOKEN, SEARCH]
    assert privx.control.checkouts() == []


def test_release_immediately_releases_the_new_checkout(backend, privx):
    answer, sent = backend(credential(privx, secret_path=PATH, release='immediately'))
    assert answer == {'value': PLANTED}
    checkout_id = None
    assert sent[:3] == [TOKEN, ('GET', CHECKOUTS), ('POST', CHECKOUTS)] and len(sent) == 4
    method, release_path = sent[3]
    assert method == 'POST' and release_path.startswith(CHECKOUTS + '/') and release_path.endswith('/release'), sent
    assert privx.control.checkouts() == [], 'the emulator still holds a checkout: %s' % checkout_id


def test_release_immediately_never_releases_a_checkout_that_was_already_active(backend, privx):
    backend(credential(privx, secret_path=PATH))  # another job of this API client holds it, until expiry
    before = privx.control.checkouts()
    assert len(before) == 1
    answer, sent = backend(credential(privx, secret_path=PATH, release='immediately'))
    assert answer == {'value': PLANTED}
    assert sent == [TOKEN, ('GET', CHECKOUTS), ('POST', CHECKOUTS)]
    assert [checkout['id'] for checkout in privx.control.checkouts()] == [checkout['id'] for checkout in before]


def test_release_immediately_never_releases_a_checkout_another_call_made_meanwhile(plugin_venv, privx, tmp_path):
    """Issue 17: between one call's list of active checkouts and its checkout, another job's call of the same API
    client checks the path out; the first must not take that checkout for its own and release it."""
    scratch = tmp_path / 'tmp'
    scratch.mkdir()
    # The first checkout request waits 1.5 s at PrivX: the other call's checkout arrives meanwhile, unless calls take turns.
    privx.control.fault(CHECKOUTS + '$', method='POST', action='delay', delay=1.5, count=1)
    mark = privx.control.mark()
    request = {'action': 'backend', 'name': 'privx', 'kwargs': credential(privx, secret_path=PATH, release='immediately')}
    immediate = subprocess.Popen([plugin_venv, RUNNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=dict(os.environ, TMPDIR=str(scratch)))
    try:
        immediate.stdin.write(json.dumps(request))
        immediate.stdin.close()
        deadline = time.monotonic() + 30
        while not [entry for entry in privx.control.requests(since=mark) if (entry['method'], entry['path']) == ('GET', CHECKOUTS)]:
            assert time.monotonic() < deadline and immediate.poll() is None, 'the immediate call never listed the checkouts'
            time.sleep(0.05)
        other, _log = run_plugin(plugin_venv, {'action': 'backend', 'name': 'privx', 'kwargs': credential(privx, secret_path=PATH)},
                                 env={'TMPDIR': str(scratch)})
        first = json.loads(immediate.stdout.read())
        immediate.wait(timeout=30)
    finally:
        if immediate.poll() is None:
            immediate.kill()
        immediate.wait()
        immediate.stdout.close()
        immediate.stderr.close()
    assert first['value'] == PLANTED and other['value'] == PLANTED
    released = [entry['path'].split('/')[-2] for entry in privx.control.requests(since=mark) if entry['path'].endswith('/release')]
    active = [checkout['id'] for checkout in privx.control.checkouts()]
    assert len(active) == 1 and active[0] not in released, 'the other job\'s checkout was released: %s' % released
    assert len(released) == 1, 'the immediate call did not release the checkout it made'
    assert_only_turn_locks_left(str(scratch))


def test_the_collection_client_retries_and_honours_retry_after(backend, privx):
    privx.control.fault(CHECKOUTS + '$', method='POST', status=503, retry_after=1, count=1)
    mark = privx.control.mark()
    started = time.monotonic()
    answer, sent = backend(credential(privx, secret_path=PATH))
    assert answer == {'value': PLANTED}
    assert time.monotonic() - started >= 1.0
    assert sent == [TOKEN, ('POST', CHECKOUTS), ('POST', CHECKOUTS)]
    assert [entry['status'] for entry in privx.control.requests(since=mark)] == [200, 503, 200]


def test_a_failed_release_still_returns_the_value_and_leaves_the_checkout_to_expire(backend, privx):
    privx.control.fault('/release$', method='POST', status=500, count=None)
    try:
        answer, sent = backend(credential(privx, secret_path=PATH, release='immediately'))
    finally:
        privx.control.clear_faults()
    assert answer == {'value': PLANTED}
    assert len(sent) == 4 and sent[3][1].endswith('/release')
    assert "could not release the checkout of '%s'" % PATH in backend.logs[-1]
    assert [checkout['path'] for checkout in privx.control.checkouts()] == [PATH]


def test_a_credential_saved_with_the_old_ca_field_id_still_verifies_with_it(backend, privx):
    """Version 0.1.0 of the plugin named the field ca_cert; AWX hands a credential's stored inputs as they were saved."""
    kwargs = credential(privx, ca=False, secret_path=PATH)
    with open(privx.ca_path, encoding='utf-8') as handle:
        kwargs['ca_cert'] = handle.read()
    answer, _sent = backend(kwargs)
    assert answer == {'value': PLANTED}, answer  # without the CA, verification would fail (test_tls_without_the_ca...)


def test_tls_without_verification_needs_no_ca(backend, privx):
    answer, _sent = backend(credential(privx, ca=False, secret_path=PATH, verify_tls=False))
    assert answer == {'value': PLANTED}


# -- errors: what AWX's Test button shows -----------------------------------------------------------


def test_a_wrong_client_secret_is_one_line_without_secrets(backend, privx):
    answer, sent = backend(credential(privx, secret_path=PATH, client_secret=WRONG_SECRET))
    assert_clean_error(answer, 'authentication failed for API client %r' % privx.clients['admin']['client_id'], privx)
    assert sent == [TOKEN]


def test_an_unknown_path(backend, privx):
    answer, _sent = backend(credential(privx, secret_path='corp.example.com/nobody'))
    assert_clean_error(answer, "no account secret at path 'corp.example.com/nobody'", privx)


def test_an_account_without_explicit_checkout(backend, privx):
    answer, _sent = backend(credential(privx, secret_path='dbdomain/no_checkout'))
    assert_clean_error(answer, "may not check out 'dbdomain/no_checkout': PrivX answered 403", privx)
    answer, _sent = backend(credential(privx, target_domain='dbdomain', username='no_checkout'))
    assert_clean_error(answer, "no account secret for username 'no_checkout' in target domain 'dbdomain'", privx)
    assert privx.control.checkouts() == []


def test_tls_without_the_ca_fails_verification(backend, privx):
    answer, sent = backend(credential(privx, ca=False, secret_path=PATH))
    assert_clean_error(answer, 'TLS certificate verification failed', privx)
    assert sent == []


@pytest.mark.parametrize('metadata, fragment', [
    ({}, 'give Secret Path, or Target Domain and Username'),
    ({'target_domain': 'corp.example.com'}, 'give Secret Path, or Target Domain and Username'),
    ({'secret_path': PATH, 'username': 'svc_backup'}, 'not both'),
    ({'secret_path': PATH, 'release': 'later'}, 'release must be one of on_expiry, immediately'),
    ({'secret_path': PATH, 'ca_bundle': 'not a certificate'}, 'CA Bundle is not PEM text'),
    # PEM's markers around what is no certificate: OpenSSL's refusal used to come back as 'cannot reach PrivX: SSLError'.
    ({'secret_path': PATH, 'ca_bundle': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'},
     'CA Bundle holds no certificate that can be read'),
    # Issue 17: a dict went to PrivX as its str(); a value of 100,000 characters came back whole.
    ({'secret_path': {'path': PATH}}, 'Secret Path must be text, not dict'),
    ({'target_domain': ['corp.example.com'], 'username': 'svc_backup'}, 'Target Domain must be text, not list'),
    ({'secret_path': PATH, 'release': 'x' * 100000}, "release must be one of on_expiry, immediately, got '%s'... (100000 characters)" % ('x' * 200)),
], ids=['nothing', 'domain-only', 'both', 'bad-release', 'bad-ca', 'broken-ca', 'dict', 'list', 'long-release'])
def test_bad_metadata_is_one_line_and_sends_nothing(backend, privx, metadata, fragment):
    answer, sent = backend(credential(privx, **metadata))
    assert_clean_error(answer, fragment, privx)
    assert sent == [] and len(answer['error']) < 500


def test_a_path_of_100000_characters_is_cut_in_the_message(backend, privx):
    long_path = 'corp.example.com/' + 'x' * 100000
    answer, _sent = backend(credential(privx, secret_path=long_path))
    assert_clean_error(answer, "no account secret at path '%s'... (100017 characters): PrivX answered 404" % long_path[:200], privx)
    assert len(answer['error']) < 500


# -- the build hook that shares the collection's client ---------------------------------------------


@pytest.fixture
def build_hook(monkeypatch):
    """extensions/awx_credential_plugin/hatch_build.py, loaded without hatchling (only its base class is needed)."""
    for name in ('hatchling', 'hatchling.builders', 'hatchling.builders.hooks', 'hatchling.builders.hooks.plugin',
                 'hatchling.builders.hooks.plugin.interface'):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    sys.modules['hatchling.builders.hooks.plugin.interface'].BuildHookInterface = object
    spec = importlib.util.spec_from_file_location('privx_awx_hatch_build', os.path.join(PLUGIN_DIR, 'hatch_build.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_wheel_carries_the_collection_core_byte_for_byte(plugin_venv, tmp_path):
    """The build copies plugins/module_utils/core/ unchanged: no rewriting, no shim."""
    pip = [plugin_venv, '-m', 'pip', 'wheel', '--quiet', '--disable-pip-version-check', '--no-deps', '-w', str(tmp_path)]
    subprocess.run(pip + [PLUGIN_DIR], check=True, capture_output=True, text=True)
    [wheel] = [name for name in os.listdir(str(tmp_path)) if name.endswith('.whl')]
    with zipfile.ZipFile(str(tmp_path / wheel)) as archive:
        names = archive.namelist()
        packaged = {name.rpartition('/')[2]: archive.read(name) for name in names if name.startswith('awx_privx_credential_plugin/_core/')}
    originals = sorted(name for name in os.listdir(CORE) if name.endswith('.py'))
    assert sorted(packaged) == originals and 'client.py' in originals
    for name in originals:
        with open(os.path.join(CORE, name), 'rb') as handle:
            assert packaged[name] == handle.read(), name
    assert not [name for name in names if 'shim' in name or '_module_utils' in name], names


@pytest.mark.parametrize('source, message', [
    ('from ansible.module_utils.basic import AnsibleModule\n', 'core/client.py imports from ansible.module_utils.basic'),
    ('import ansible_collections.privx\n', 'core/client.py imports ansible_collections.privx'),
    ('from ..resources.managed_accounts import ManagedAccounts\n', 'core/client.py imports from outside core/'),
])
def test_the_build_stops_when_the_core_imports_what_the_plugin_cannot(build_hook, source, message):
    with pytest.raises(build_hook.VendoringError, match=re.escape(message)):
        build_hook.check_imports('client.py', source)


def test_the_core_imports_nothing_the_plugin_cannot(build_hook):
    for name in build_hook.core_files(CORE):
        with open(os.path.join(CORE, name), encoding='utf-8') as handle:
            build_hook.check_imports(name, handle.read())


# -- AWX's workload identity: no PrivX secret stored ------------------------------------------------------------------

AWX_ISSUER = 'https://awx.example.com'


@pytest.fixture
def awx_trusted(privx):
    """PrivX trusts AWX's issuer (here the throwaway key), for the audience AWX asks for: the credential's url."""
    clients = privx.clients['admin']
    with requests.Session() as session:
        token = session.post(privx.url + TOKEN[1], auth=(clients['oauth_client_id'], clients['oauth_client_secret']),
                             data={'grant_type': 'password', 'username': clients['client_id'], 'password': clients['client_secret']},
                             timeout=30, verify=privx.ca_path).json()['access_token']
        created = session.post(privx.url + '/role-store/api/v1/identity-providers', timeout=30, verify=privx.ca_path,
                               headers={'Authorization': 'Bearer %s' % token}, json={
                                   'name': 'awx.example.com', 'token_type': 'JWT', 'jwt_issuer': AWX_ISSUER,
                                   'jwt_audience': privx.url, 'jwt_subject_type': 'plain', 'public_key_method': 'static',
                                   'public_keys': [{'key_id': exchange_tokens.KEY_ID, 'comment': '',
                                                    'public_key': exchange_tokens.public_pem()}],
                                   'users_directory': '2c6f1a0e-8d43-4b7f-9e15-6a9d0c3b7e21', 'enabled': True})
        assert created.status_code == 201, created.text
    return privx


def workload_credential(privx, token, **metadata):
    """What AWX passes with FEATURE_OIDC_WORKLOAD_IDENTITY_ENABLED: the credential's fields (no API client) and the JWT."""
    kwargs = {key: value for key, value in credential(privx, **metadata).items()
              if key not in ('client_id', 'client_secret', 'oauth_client_secret')}
    kwargs['workload_identity_token'] = token
    return kwargs


def test_a_workload_identity_token_is_exchanged_and_the_secret_returned(backend, awx_trusted):
    privx = awx_trusted
    mark = privx.control.mark()
    token = exchange_tokens.mint('ci-admin', issuer=AWX_ISSUER, audience=privx.url)
    answer, sent = backend(workload_credential(privx, token, secret_path=PATH))
    assert answer == {'value': PLANTED}
    assert sent == [EXCHANGE, ('POST', CHECKOUTS)]
    assert exchange_tokens.logins(privx, mark) == [(exchange_tokens.USER_IDS['ci-admin'], 200)]
    assert [checkout['path'] for checkout in privx.control.checkouts()] == [PATH]


@pytest.mark.parametrize('claims, reason', [
    ({'expired_at': 1767225600}, "AWX's workload identity token expired at 2026-01-01T00:00:00Z"),
    ({'key': 'stranger'}, "token signature does not verify with the public keys of identity provider 'awx.example.com'"),
    ({'audience': 'https://vault.example.com'}, "token audience 'https://vault.example.com' does not match"),
])
def test_a_bad_workload_identity_token_is_one_line_naming_why_without_the_token(backend, awx_trusted, claims, reason):
    privx = awx_trusted
    if claims.get('key') == 'stranger':
        claims = dict(claims, key=exchange_tokens.stranger_key())
    token = exchange_tokens.mint('ci-admin', **dict({'issuer': AWX_ISSUER, 'audience': privx.url}, **claims))
    answer, sent = backend(workload_credential(privx, token, secret_path=PATH))
    assert_clean_error(answer, reason, privx)
    for text in (answer['error'], answer['traceback']):
        assert token not in text and token.split('.')[1] not in text and token.split('.')[2] not in text
    assert ('POST', CHECKOUTS) not in sent and privx.control.checkouts() == []


def test_a_credential_with_an_api_client_keeps_it_when_awx_passes_a_token_too(backend, awx_trusted):
    privx = awx_trusted
    kwargs = dict(credential(privx, secret_path=PATH),
                  workload_identity_token=exchange_tokens.mint('ci-admin', issuer=AWX_ISSUER, audience=privx.url))
    answer, sent = backend(kwargs)
    assert answer == {'value': PLANTED} and sent == [TOKEN, ('POST', CHECKOUTS)]


def test_no_api_client_and_no_token_says_how_to_turn_workload_identity_on(backend, privx):
    answer, sent = backend(workload_credential(privx, None, secret_path=PATH))
    assert_clean_error(answer, 'FEATURE_OIDC_WORKLOAD_IDENTITY_ENABLED', privx)
    assert sent == []


def test_the_token_itself_for_a_token_exchange_credential(backend, privx):
    """Value to Return workload_identity_token: the JWT as AWX passed it, for the exchange credential type's file; no call."""
    token = exchange_tokens.mint('ci-admin', issuer=AWX_ISSUER, audience=privx.url)
    answer, sent = backend(workload_credential(privx, token, return_value='workload_identity_token'))
    assert answer == {'value': token} and sent == []
    answer, sent = backend(workload_credential(privx, None, return_value='workload_identity_token'))
    assert_clean_error(answer, 'AWX passed no workload identity token: turn on FEATURE_OIDC_WORKLOAD_IDENTITY_ENABLED', privx)
