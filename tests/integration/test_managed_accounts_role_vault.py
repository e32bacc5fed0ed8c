# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The managed_accounts role's privx_vault_secrets level: check mode, real run, the no-change rerun (0 writes), a
--check --diff of a changed key that names the key and no value (at -vvvv), exclusive removal that spares personal
secrets, and bad input refused in one line before any call. The emulator is read back between steps.
"""

from __future__ import annotations

import os

from conftest import REPO

EMULATOR_FIXTURE = os.path.join(REPO, 'tests', 'emulator', 'fixtures', 'test.json')
ROLE = 'privx.secrets.managed_accounts'
RESULTS = 'privx.secrets.managed_accounts : Create, update and delete the Vault secrets'


def declared(password='role-vault-value-one'):
    return [{'name': 'team/app%d' % number, 'read_roles': ['ops', 'privx-admin'], 'write_roles': ['privx-admin'],
             'data': {'login': 'team-app-%d' % number, 'password': '%s-%d' % (password, number)}} for number in range(1, 4)] + [
        {'name': 'db/app', 'state': 'absent'}]


def role_play(variables):
    return [{'name': 'role', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'vault level', 'ansible.builtin.include_role': {'name': ROLE}, 'vars': variables}]}]


def writes(privx, mark):
    return [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)
            if entry['method'] in ('POST', 'PUT', 'DELETE') and not entry['path'].endswith(('/resolve', '/oauth/token'))]


def held(privx):
    return {secret['name']: secret['data'] for secret in privx.control.vault_secrets()}


def test_check_real_rerun_and_a_check_diff_that_names_keys_not_values(ansible, privx):
    before = held(privx)
    mark = privx.control.mark()
    run = ansible.playbook(role_play({'privx_vault_secrets': declared()}), check=True)
    assert run.rc == 0, run.output[-3000:]
    # The loop is no_log: ansible-core before 2.19 hands callbacks only its 'changed', so that is what is judged here.
    assert run.task(RESULTS)['changed'] is True
    assert writes(privx, mark) == [] and held(privx) == before

    mark = privx.control.mark()
    run = ansible.playbook(role_play({'privx_vault_secrets': declared()}))
    assert run.rc == 0, run.output[-3000:]
    assert sorted(writes(privx, mark)) == [('DELETE', '/vault/api/v1/secrets/db/app')] + [('POST', '/vault/api/v1/secrets')] * 3
    assert {name: data for name, data in held(privx).items() if name.startswith('team/')} == {
        item['name']: item['data'] for item in declared()[:3]}
    assert 'db/app' not in held(privx)

    mark = privx.control.mark()
    run = ansible.playbook(role_play({'privx_vault_secrets': declared()}))
    assert run.rc == 0 and run.task(RESULTS)['changed'] is False
    assert writes(privx, mark) == []

    # One secret's password changes: --check --diff names it and the key, and no value appears at -vvvv.
    changed = declared()
    changed[1]['data']['password'] = 'role-vault-value-two'
    mark = privx.control.mark()
    run = ansible.playbook(role_play({'privx_vault_secrets': changed}), check=True, diff=True, verbosity=4)
    assert run.rc == 0, run.output[-3000:]
    assert writes(privx, mark) == []
    shown = run.task('privx.secrets.managed_accounts : Show what changes in the Vault secrets (roles by name, keys of the data; never a value)')['msg']
    assert shown == {'team/app2': {'before': {'data': {'login': '<hidden>', 'password': '<hidden>'}},
                                   'after': {'data': {'login': '<hidden>', 'password': '<hidden, changed>'}}}}
    for value in ['role-vault-value-two'] + [item['data']['password'] for item in declared()[:3]]:
        assert value not in run.output


def test_exclusive_removes_undeclared_shared_secrets_only_with_an_explicit_allow_and_spares_personal_ones(ansible, privx):
    keep = [{'name': 'ops/api-key'}]
    run = ansible.playbook(role_play({'privx_vault_secrets': [], 'privx_vault_secrets_exclusive': 'true'}))
    assert run.rc != 0 and 'privx_vault_secrets_allow_delete_all' in run.output
    assert sorted(held(privx)) == ['db/app', 'notes/user', 'ops/api-key']
    # as text, the way -e and AWX surveys give it
    mark = privx.control.mark()
    run = ansible.playbook(role_play({'privx_vault_secrets': keep, 'privx_vault_secrets_exclusive': 'yes'}))
    assert run.rc == 0, run.output[-3000:]
    assert writes(privx, mark) == [('DELETE', '/vault/api/v1/secrets/db/app')]
    assert sorted(held(privx)) == ['notes/user', 'ops/api-key'], 'the personal secret stays'


def test_bad_input_is_refused_in_one_line_before_any_call(ansible, privx):
    mark = privx.control.mark()
    run = ansible.playbook(role_play({'privx_vault_secrets': '[{"name": "x/y", "raed_roles": ["ops"], "data": {"k": "role-vault-typo"}}]'}))
    assert run.rc != 0
    message = run.task('privx.secrets.managed_accounts : Refuse role variables that cannot be read')['msg']
    assert message == "privx_vault_secrets[0]: unknown key 'raed_roles' (did you mean 'read_roles'?)"
    assert privx.control.requests(since=mark) == []
    assert 'role-vault-typo' not in run.output
