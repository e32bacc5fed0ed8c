# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""identity_provider and identity_provider_info against the emulator: check mode, real run, idempotent rerun (no
write), update, delete, bad input; and that a provider the module declared makes the token exchange work.

The emulator's state is read back between steps through PrivX's own API (an admin client of the collection).
"""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.client import PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings

from conftest import example_tasks
from exchange_tokens import USER_IDS, logins, mint, public_pem, stranger_key
from test_password_policy import policy_client

MODULE = 'privx.secrets.identity_provider'
DIRECTORY = '2c6f1a0e-8d43-4b7f-9e15-6a9d0c3b7e21'  # ci-users of tests/integration/fixtures/collection.json
NEW_KEY = stranger_key()
# Written as a person pastes it: CRLF line ends and a blank line after; compared without them.
PASTED_PEM = '\r\n'.join(public_pem(NEW_KEY).splitlines()) + '\r\n\r\n'
CREATE = {'name': 'gitlab.example.com', 'issuer': 'https://gitlab.example.com', 'audience': 'privx',
          'users_directory': DIRECTORY, 'public_keys': [{'key_id': 'gitlab-2026', 'public_key': PASTED_PEM}]}


def providers(privx):
    """PrivX's identity providers by name, read through its API."""
    return {provider['name']: provider for provider in policy_client(privx).paginate(paths.IDENTITY_PROVIDERS, page_size=100)}


def writes(privx, mark):
    return [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)
            if entry['method'] in ('POST', 'PUT', 'DELETE') and not entry['path'].endswith(('/search', '/oauth/token'))]


def assert_reruns_change_nothing(ansible, privx, args):
    for check in (True, False):
        mark = privx.control.mark()
        result, _run = ansible.module(MODULE, args, check=check, diff=True)
        assert result['failed'] is False and result['changed'] is False, result
        assert result['diff'] == {'before': {}, 'after': {}}
        assert writes(privx, mark) == []


@pytest.mark.both_renderings
def test_create_in_check_mode_then_for_real_then_reruns_change_nothing(ansible, privx):
    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, CREATE, check=True, diff=True)
    assert result['failed'] is False and result['changed'] is True, result
    assert result['diff']['before'] == {}
    after = result['diff']['after']
    assert (after['jwt_issuer'], after['jwt_audience'], after['jwt_subject_type'], after['public_key_method'], after['enabled'],
            after['token_type']) == ('https://gitlab.example.com', 'privx', 'plain', 'static', True, 'JWT')
    assert after['public_keys'] == [{'key_id': 'gitlab-2026', 'comment': '', 'public_key': public_pem(NEW_KEY)}]
    assert result['identity_provider']['id'] == '' and writes(privx, mark) == []
    assert 'gitlab.example.com' not in providers(privx)

    result, run = ansible.module(MODULE, CREATE, diff=True)
    assert result['failed'] is False and result['changed'] is True, result
    assert 'WARNING' not in run.output
    held = providers(privx)['gitlab.example.com']
    assert writes(privx, mark) == [('POST', paths.IDENTITY_PROVIDERS)]
    assert (held['jwt_issuer'], held['users_directory'], held['enabled']) == ('https://gitlab.example.com', DIRECTORY, True)
    assert held['public_keys'][0]['public_key'] == public_pem(NEW_KEY)
    assert result['identity_provider']['id'] == held['id'] and result['identity_provider']['author']

    assert_reruns_change_nothing(ansible, privx, CREATE)
    # The same keys in another order, the same PEM written otherwise: still the same.
    assert_reruns_change_nothing(ansible, privx, dict(CREATE, public_keys=[{'key_id': 'gitlab-2026', 'public_key': public_pem(NEW_KEY)}]))
    assert providers(privx)['gitlab.example.com'] == held

    result, _run = ansible.module('privx.secrets.identity_provider_info', {'name': 'gitlab.example.com'})
    assert [provider['id'] for provider in result['identity_providers']] == [held['id']]
    assert set(result['identity_providers'][0]) >= {'jwt_issuer', 'custom_attributes', 'x5u_prefix', 'updated_by'}
    result, _run = ansible.module('privx.secrets.identity_provider_info', {})
    assert [provider['name'] for provider in result['identity_providers']] == ['ci.example.com', 'gitlab.example.com']


def test_update_then_delete_and_a_declared_provider_makes_the_exchange_work(ansible, privx):
    ansible.module(MODULE, CREATE)
    before = providers(privx)['gitlab.example.com']
    token = mint('ci-admin', issuer='https://gitlab.example.com', key=NEW_KEY)
    exchange = PrivXClient(ConnectionSettings({'url': privx.url, 'ca_path': privx.ca_path, 'exchange_token': token}))
    mark = privx.control.mark()
    exchange.get(paths.TARGET_DOMAINS)
    assert logins(privx, mark) == [(USER_IDS['ci-admin'], 200)]

    update = {'name': 'gitlab.example.com', 'audience': 'https://privx.example.com', 'enabled': False,
              'claim_rules': [{'field_name': 'namespace_path', 'type': 'string_pattern', 'expected_value': 'infra*'}]}
    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, update, check=True, diff=True)
    rule = {'field_name': 'namespace_path', 'type': 'string_pattern', 'expected_value': 'infra*', 'start': '', 'end': ''}
    assert result['changed'] is True and result['diff'] == {
        'before': {'jwt_audience': 'privx', 'enabled': True, 'custom_attributes': []},
        'after': {'jwt_audience': 'https://privx.example.com', 'enabled': False, 'custom_attributes': [rule]}}
    assert writes(privx, mark) == [] and providers(privx)['gitlab.example.com'] == before

    result, _run = ansible.module(MODULE, update, diff=True)
    assert result['changed'] is True and result['identity_provider']['enabled'] is False
    assert result['msg'] == "updated identity provider 'gitlab.example.com' (custom_attributes, enabled, jwt_audience)", result['msg']
    assert (result['created'], result['updated'], result['deleted']) == ([], ['gitlab.example.com'], [])
    assert writes(privx, mark) == [('PUT', paths.identity_provider(before['id']))]
    after = providers(privx)['gitlab.example.com']
    assert (after['jwt_audience'], after['enabled'], after['custom_attributes']) == ('https://privx.example.com', False, [rule])
    # Only the declared fields changed: the key and the issuer stay.
    assert (after['public_keys'], after['jwt_issuer']) == (before['public_keys'], before['jwt_issuer'])
    assert_reruns_change_nothing(ansible, privx, update)

    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, {'name': 'gitlab.example.com', 'state': 'absent'}, check=True, diff=True)
    assert result['changed'] is True and result['diff']['after'] == {} and result['diff']['before']['enabled'] is False
    assert writes(privx, mark) == [] and 'gitlab.example.com' in providers(privx)
    result, _run = ansible.module(MODULE, {'name': 'gitlab.example.com', 'state': 'absent'}, diff=True)
    assert result['changed'] is True and result['identity_provider'] == {}
    assert writes(privx, mark) == [('DELETE', paths.identity_provider(before['id']))]
    assert 'gitlab.example.com' not in providers(privx)
    assert_reruns_change_nothing(ansible, privx, {'name': 'gitlab.example.com', 'state': 'absent'})


@pytest.mark.parametrize('args, expected', [
    ({'name': 'new', 'users_directory': DIRECTORY, 'public_keys': []},
     "identity provider 'new' needs issuer, public_keys (public_key_method static, subject_type plain)"),
    (dict(CREATE, name='new', subject_type='dn'), 'needs subject_dn_username_attribute'),
    (dict(CREATE, name='new', public_key_method='x5u'), 'needs x5u_trust_anchor'),
    (dict(CREATE, name='GitLab.example.com '), "name 'GitLab.example.com ' has leading or trailing spaces"),
    (dict(CREATE, public_keys=[{'key_id': 'a', 'public_key': 'x'}, {'key_id': 'a', 'public_key': 'y'}]),
     "public_keys: key_id 'a' is given more than once"),
])
def test_bad_input_is_one_line_before_any_write(ansible, privx, args, expected):
    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, args)
    assert result['failed'] is True and expected in result['msg'] and '\n' not in result['msg'], result['msg']
    assert writes(privx, mark) == []


def test_examples_run(ansible, privx):
    """The EXAMPLES of identity_provider and identity_provider_info, with the fixture's user directory and a key of the
    test's own in place of the examples' file."""
    pem_lookup = "{{ lookup('ansible.builtin.file', 'gitlab-oidc.pub.pem') }}"
    tasks = example_tasks('identity_provider')
    assert tasks[0][MODULE]['public_keys'][0]['public_key'] == pem_lookup
    tasks[0][MODULE]['public_keys'][0]['public_key'] = public_pem(NEW_KEY)
    tasks[0][MODULE]['users_directory'] = DIRECTORY
    tasks[1]['register'], tasks[2]['register'] = 'disabled', 'gone'
    mark = privx.control.mark()
    run = ansible.playbook([{'name': 'examples', 'hosts': 'localhost', 'gather_facts': False,
                             'tasks': tasks[:2] + example_tasks('identity_provider_info') + tasks[2:]}])
    assert run.rc == 0, run.output[-2000:]
    assert run.task('Stop trusting it for now')['identity_provider']['enabled'] is False
    assert 'https://gitlab.example.com' in run.task('Their issuers')['msg']
    assert run.task('Gone')['deleted'] == ['gitlab.example.com'] and 'gitlab.example.com' not in providers(privx)
    assert ('DELETE' in [method for method, _path in writes(privx, mark)])
