# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vault lookup against the emulator: whole data, one key, a personal secret, the errors, and the must-show counts:
many hosts, forks and tasks read each secret once with one token (the emulator's request log and its per-secret
data_reads), through the run's agent, which leaves no file behind.
"""

from __future__ import annotations

import importlib.util
import os

from conftest import HERE, REPO, connection_env
from harness import AnsibleRunner

EMULATOR_FIXTURE = os.path.join(REPO, 'tests', 'emulator', 'fixtures', 'test.json')
TOKEN_PATH = '/auth/api/v1/oauth/token'


def load_benchmarks():
    spec = importlib.util.spec_from_file_location('privx_benchmarks_run', os.path.join(os.path.dirname(HERE), 'benchmarks', 'run.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def digest(name, expression):
    return {'name': name, 'ansible.builtin.set_fact': {name.replace(' ', '_'): "{{ (%s) | to_json | hash('sha256') }}" % expression},
            'ignore_errors': True}


def test_data_key_personal_and_errors(collections_path, privx, tmp_path):
    tasks = [
        {'name': 'whole', 'ansible.builtin.set_fact': {'whole': "{{ lookup('privx.secrets.vault', 'db/app') }}"}},
        {'name': 'key', 'ansible.builtin.set_fact': {'key': "{{ lookup('privx.secrets.vault', 'db/app', key='options') }}"}},
        {'name': 'two', 'ansible.builtin.set_fact': {'two': "{{ query('privx.secrets.vault', ['db/app', 'notes/user'], key='note', "
                                                            "personal=true) }}"}, 'ignore_errors': True},
        {'name': 'personal', 'ansible.builtin.set_fact': {'personal': "{{ lookup('privx.secrets.vault', 'notes/user', personal=true) }}"}},
        digest('missing key', "lookup('privx.secrets.vault', 'db/app', key='pasword')"),
        digest('missing secret', "lookup('privx.secrets.vault', 'no/such')"),
        digest('no role', "lookup('privx.secrets.vault', 'ops/api-key')"),
        # The admin (privx-admin: vault-manage) may see every secret, but read only where it holds a read role.
        dict(digest('no read role', "lookup('privx.secrets.vault', 'ops/api-key')"), vars={
            'privx_client_id': privx.clients['admin']['client_id'], 'privx_client_secret': privx.clients['admin']['client_secret']}),
        digest('not a string', "lookup('privx.secrets.vault', none)"),
        digest('misspelt option', "lookup('privx.secrets.vault', 'db/app', kye='port')"),
    ]
    # The user API client holds secrets-users (a read role of db/app) and owns notes/user.
    runner = AnsibleRunner(collections_path, str(tmp_path), dict(connection_env(privx, 'user'), ANSIBLE_CALLBACKS_ENABLED=(
        'privx_test_results,privx.secrets.checkouts')))
    mark = privx.control.mark()
    run = runner.playbook([{'name': 'vault', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}])
    assert run.rc == 0, run.output[-3000:]
    facts = run.task('whole')['ansible_facts']
    assert facts['whole'] == {'username': 'app', 'password': 'test-db-app-password', 'port': 5432, 'options': {'ssl': True}}
    assert run.task('key')['ansible_facts']['key'] == {'ssl': True}
    assert run.task('personal')['ansible_facts']['personal'] == {'note': 'test-user-personal-note'}
    # db/app is not a personal secret of the user
    assert "no personal Vault secret named 'db/app'" in run.task('two')['msg']
    expected = {
        'missing key': "privx.secrets.vault: Vault secret 'db/app' has no field 'pasword'; its fields: options, password, port, username",
        'missing secret': "no Vault secret named 'no/such'",
        'no role': "this API client holds no role that gives it access to the Vault secret 'ops/api-key'",
        'no read role': "this API client may see the Vault secret 'ops/api-key' but not read its data",
        'not a string': 'a Vault secret name must be a string, not None',
        'misspelt option': 'unknown option kye',
    }
    for name, text in expected.items():
        result = run.task(name)
        assert result['failed'] is True and text in result['msg'], (name, result)
        assert '\n' not in result['msg']
    calls = [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)]
    # one token per API client (the admin's for one lookup); db/app read once for the whole data and the key; the user's id asked once for its personal paths
    assert calls.count(('POST', TOKEN_PATH)) == 2, calls
    assert calls.count(('GET', '/vault/api/v1/secrets/db/app')) == 1, calls
    assert calls.count(('GET', '/role-store/api/v1/users/current')) == 1, calls
    assert privx.control.vault_secret('db/app')['data_reads'] == 1


def test_many_hosts_forks_and_tasks_read_each_secret_once_with_one_token(collections_path, tmp_path):
    """Must-show (a), at a size for CI: the benchmark's own function, with the benchmark's play."""
    result = load_benchmarks().bench_vault(str(tmp_path), collections_path, hosts=20, forks=10, rounds=1, vendor_style=False)
    assert result['token_grants'] == [1], result['http_calls']
    assert result['secret_reads'] == [3], result['http_calls']
    assert result['data_reads_per_secret'] == {'bench/api': 1, 'bench/db': 1, 'bench/tls': 1}
    assert result['lookups_per_run'] == 120 and result['vendor_style_http_calls']['total'] == 240
