# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vault_secret and vault_secret_info against the emulator: check mode, real run, idempotent rerun, the update_data
choices, key-only diffs, bad input, and a client that may write but not resolve roles.

What PrivX holds is read back between steps through the emulator's control API (data and every accepted write).
"""

from __future__ import annotations

import json
import os

import yaml

from ansible_collections.privx.secrets.plugins.module_utils.core.client import PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings

from conftest import REPO, connection_env, example_tasks, failed_cleanly, plugin_examples
from harness import AnsibleRunner

EMULATOR_FIXTURE = os.path.join(REPO, 'tests', 'emulator', 'fixtures', 'test.json')
MODULE = 'privx.secrets.vault_secret'
DATA = {'username': 'svc-app-user', 'password': 'vault-test-password-one', 'port': 5432}


def writes(privx, mark):
    return [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)
            if entry['method'] in ('POST', 'PUT', 'DELETE') and not entry['path'].endswith(('/resolve', '/oauth/token'))]


def held(privx, name):
    """(data, read role names, write role names, accepted writes) of a secret as the emulator stores it."""
    secret = privx.control.vault_secret(name)
    if secret is None:
        return None
    names = [sorted(handle['name'] for handle in secret[field] or []) for field in ('read_roles', 'write_roles')]
    return secret['data'], names[0], names[1], len(secret['versions'])


def test_create_in_check_mode_then_for_real_then_reruns_change_nothing_and_diffs_show_keys_only(ansible, privx):
    args = {'name': 'app/config', 'data': DATA, 'read_roles': ['ops', 'privx-admin'], 'write_roles': ['privx-admin']}
    mark = privx.control.mark()
    result, run = ansible.module(MODULE, args, check=True, diff=True)
    assert result['failed'] is False and result['changed'] is True
    assert result['diff']['before'] == {}
    assert result['diff']['after'] == {'name': 'app/config', 'read_roles': ['ops', 'privx-admin'], 'write_roles': ['privx-admin'],
                                       'data': {'password': '<hidden>', 'port': '<hidden>', 'username': '<hidden>'}}
    assert result['data_changes'] == {'added': ['password', 'port', 'username'], 'changed': [], 'removed': []}
    assert writes(privx, mark) == [] and held(privx, 'app/config') is None
    assert DATA['password'] not in run.output

    mark = privx.control.mark()
    result, run = ansible.module(MODULE, args)
    assert result['failed'] is False and result['changed'] is True
    assert writes(privx, mark) == [('POST', '/vault/api/v1/secrets')]
    assert held(privx, 'app/config') == (DATA, ['ops', 'privx-admin'], ['privx-admin'], 1)
    assert result['vault_secret']['read_roles'] == ['ops', 'privx-admin'] and result['vault_secret']['created']
    assert 'data' not in result['vault_secret'] and DATA['password'] not in json.dumps(result)

    # Reruns: the same data with a number written as a float and the roles in another order change nothing.
    rerun = dict(args, data=dict(DATA, port=5432.0), read_roles=['privx-admin', 'ops'])
    for check in (True, False):
        mark = privx.control.mark()
        result, _run = ansible.module(MODULE, rerun, check=check, diff=True)
        assert result['failed'] is False and result['changed'] is False, result
        assert result['diff'] == {'before': {}, 'after': {}}
        assert writes(privx, mark) == []
    assert held(privx, 'app/config')[3] == 1, 'no write was accepted after the first'

    # One key changed, one added, one removed: the diff names them, never a value; roles change by name.
    changed = {'username': 'svc-app-user', 'password': 'vault-test-password-two', 'tls': True}
    mark = privx.control.mark()
    result, run = ansible.module(MODULE, dict(args, data=changed, read_roles=['privx-admin']), diff=True, verbosity=4)
    assert result['changed'] is True
    assert result['data_changes'] == {'added': ['tls'], 'changed': ['password'], 'removed': ['port']}
    assert result['diff'] == {
        'before': {'read_roles': ['ops', 'privx-admin'], 'data': {'password': '<hidden>', 'port': '<hidden>', 'username': '<hidden>'}},
        'after': {'read_roles': ['privx-admin'], 'data': {'password': '<hidden, changed>', 'tls': '<hidden, changed>',
                                                          'username': '<hidden>'}}}
    assert writes(privx, mark) == [('PUT', '/vault/api/v1/secrets/app/config')]
    assert held(privx, 'app/config') == (changed, ['privx-admin'], ['privx-admin'], 2)
    for value in (DATA['password'], changed['password']):
        assert value not in run.output

    # update_data: on_create never reads nor writes data; always writes it every run.
    reads = privx.control.vault_secret('app/config')['data_reads']
    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, dict(args, data={'password': 'ignored'}, update_data='on_create', read_roles=['privx-admin']))
    assert result['changed'] is False and writes(privx, mark) == []
    assert privx.control.vault_secret('app/config')['data_reads'] == reads, 'on_create reads metadata only'
    result, _run = ansible.module(MODULE, {'name': 'app/config', 'data': changed, 'update_data': 'always'})
    assert result['changed'] is True and held(privx, 'app/config') == (changed, ['privx-admin'], ['privx-admin'], 3)

    # absent: check mode, real, rerun
    for check, expected_changed, expected_writes in ((True, True, []), (False, True, [('DELETE', '/vault/api/v1/secrets/app/config')]),
                                                     (False, False, [])):
        mark = privx.control.mark()
        result, _run = ansible.module(MODULE, {'name': 'app/config', 'state': 'absent'}, check=check, diff=True)
        assert result['changed'] is expected_changed and writes(privx, mark) == expected_writes, result
        assert result['vault_secret'] == {}
    assert result['diff'] == {'before': {}, 'after': {}}
    assert held(privx, 'app/config') is None


def test_info_returns_metadata_never_data(ansible, privx):
    tasks = [
        {'name': 'all', 'privx.secrets.vault_secret_info': {}},
        {'name': 'one', 'privx.secrets.vault_secret_info': {'name': 'db/app'}},
        {'name': 'none', 'privx.secrets.vault_secret_info': {'name': 'no/such'}},
        {'name': 'search', 'privx.secrets.vault_secret_info': {'keywords': 'api'}},
    ]
    run = ansible.playbook([{'name': 'info', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], check=True)
    assert run.rc == 0, run.output[-2000:]
    everything = run.task('all')['vault_secrets']
    # the admin (privx-admin, vault-manage) sees every secret, the personal one of another user included
    assert sorted(secret['name'] for secret in everything) == ['db/app', 'notes/user', 'ops/api-key']
    one = run.task('one')['vault_secrets']
    assert len(one) == 1 and one[0]['read_roles'] == ['privx-admin', 'secrets-users'] and one[0]['write_roles'] == ['privx-admin']
    assert sorted(one[0]) == ['author', 'created', 'name', 'owner_id', 'path', 'read_roles', 'updated', 'updated_by', 'write_roles']
    assert run.task('none')['vault_secrets'] == []
    assert [secret['name'] for secret in run.task('search')['vault_secrets']] == ['ops/api-key']
    assert 'test-db-app-password' not in run.output and 'test-ops-api-key' not in run.output
    assert all(secret['data_reads'] == 0 for secret in privx.control.vault_secrets()), 'info never reads data'


def test_bad_input_fails_in_one_line_before_any_write(ansible, privx):
    cases = [
        ({'name': 'a//b', 'data': {'k': 'v'}}, "name 'a//b' must not begin or end with '/'"),
        ({'name': ' padded', 'data': {'k': 'v'}}, "name ' padded' has leading or trailing spaces"),
        ({'name': 'new/secret', 'read_roles': ['ops', 'no-such-role']}, "read_roles: PrivX has no role named 'no-such-role'"),
        ({'name': 'new/secret', 'data': 'not-a-dict'}, 'data'),
    ]
    tasks = [dict({'name': 'case %d' % index, MODULE: args}, ignore_errors=True) for index, (args, _text) in enumerate(cases)]
    mark = privx.control.mark()
    run = ansible.playbook([{'name': 'bad', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}])
    for index, (_args, text) in enumerate(cases):
        failed_cleanly(run.task('case %d' % index), text)
    assert writes(privx, mark) == [] and held(privx, 'new/secret') is None


def test_a_writer_without_roles_view_updates_data_but_cannot_name_roles(collections_path, privx, tmp_path):
    """The ops client holds the ops role (read and write of ops/api-key) and vault-add, but not roles-view."""
    ops = AnsibleRunner(collections_path, str(tmp_path), connection_env(privx, 'ops'))
    new = {'api_key': 'vault-test-ops-key-two'}
    tasks = [
        {'name': 'roles', MODULE: {'name': 'ops/api-key', 'read_roles': ['ops']}, 'ignore_errors': True},
        {'name': 'data', MODULE: {'name': 'ops/api-key', 'data': new}},
        {'name': 'again', MODULE: {'name': 'ops/api-key', 'data': new}},
    ]
    run = ops.playbook([{'name': 'ops', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}])
    failed_cleanly(run.task('roles'), 'naming roles needs the roles-view permission')
    assert run.task('data')['changed'] is True and run.task('again')['changed'] is False
    assert held(privx, 'ops/api-key') == (new, ['ops'], ['ops'], 2)


def test_examples_run(ansible, privx, collections_path, tmp_path):
    """The EXAMPLES of vault_secret, vault_secret_info and the vault lookup, with the fixture's roles in place of the
    examples' and their variables set; the lookup's as the ops API client, which the examples give read roles."""
    text = json.dumps(example_tasks('vault_secret')).replace('app-servers', 'ops').replace('"dba"', '"privx-admin"')
    play = [{'name': 'examples', 'hosts': 'localhost', 'gather_facts': False, 'tasks': json.loads(text) + example_tasks('vault_secret_info'),
             'vars': {'vault_db_app_password': 'vault-test-example', 'initial_api_key': 'vault-test-example-key'}}]
    run = ansible.playbook(play)
    assert run.rc == 0, run.output[-2000:]
    assert held(privx, 'db/app')[0]['password'] == 'vault-test-example'
    assert held(privx, 'ops/api-key')[0] == {'api_key': 'test-ops-api-key'}, 'on_create leaves an existing secret alone'
    assert [secret['name'] for secret in run.task('The secrets about databases')['vault_secrets']] == ['db/app']

    ops = connection_env(privx, 'ops')
    client = PrivXClient(ConnectionSettings({'url': ops['PRIVX_URL'], 'client_id': ops['PRIVX_CLIENT_ID'],
                                             'client_secret': ops['PRIVX_CLIENT_SECRET'], 'oauth_client_secret': ops['PRIVX_OAUTH_CLIENT_SECRET'],
                                             'ca_path': privx.ca_path}))
    client.post('/vault/api/v1/user/%s/secrets' % privx.clients['ops']['user_id'], {'name': 'notes/deploy', 'data': {'note': 'n'}})
    (tmp_path / 'app.conf.j2').write_text('user={{ db.username }} port={{ db.port }}\n')
    config_dir = tmp_path / 'config'
    config_dir.mkdir()
    runner = AnsibleRunner(collections_path, str(tmp_path), ops)
    tasks = yaml.safe_load(plugin_examples()['/'.join(('lookup', 'vault'))])
    run = runner.playbook([{'name': 'lookup examples', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks,
                            'vars': {'app_config_dir': str(config_dir)}}])
    assert run.rc == 0, run.output[-2000:]
    assert (config_dir / 'app.conf').read_text() == 'user=app port=5432\n'
    assert 'vault-test-example' not in run.output
