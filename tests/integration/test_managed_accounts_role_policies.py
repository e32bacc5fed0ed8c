# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The managed_accounts role's policy level: checked before any call, converged before the accounts, deleted after them."""

from __future__ import annotations

import pytest

from conftest import find_account
from test_password_policy import policies, writes

ROLE = 'privx.secrets.managed_accounts'
ROLE_TASK = ROLE + ' : %s'
BIND_PASSWORD = 'planted-role-bind-password'


def role_play(**role_vars):
    return [{'name': 'converge', 'hosts': 'localhost', 'gather_facts': False, 'roles': [dict(role=ROLE, **role_vars)]}]


ENDPOINT = {'type': 'AD', 'ldap_address': 'dc01.example.com', 'ldap_base_dn': 'DC=example,DC=com', 'ldap_bind_password': BIND_PASSWORD}


@pytest.mark.parametrize('role_vars, named', [
    ({'privx_password_policies': [{'name': 'p', 'rotation_intervall': '30d'}]}, 'rotation_intervall'),
    ({'privx_password_policies': [{'rotation_interval': '30d'}]}, 'name'),
    ({'privx_password_policies': [{'name': 'p', 'password_min_length': 'twelve'}]}, 'password_min_length'),
    ({'privx_password_policies': [{'name': 'p', 'state': 'gone'}]}, 'state'),
    ({'privx_password_policies_exlusive': True}, 'privx_password_policies_exlusive'),
    ({'privx_target_domains': [{'name': 'corp.example.com', 'domian_name': 'corp'}]}, 'domian_name'),
    ({'privx_target_domains': [{'name': 'corp.example.com', 'endpoints': [dict(ENDPOINT, ldap_bind_pasword='x')]}]},
     'ldap_bind_pasword'),
    ({'privx_target_domains': [{'name': 'corp.example.com', 'endpoints': [dict(ENDPOINT, type='NIS')]}]}, 'type'),
    ({'privx_target_domains': [{'name': 'corp.example.com', 'scan': 'sometimes', 'endpoints': [ENDPOINT]}]}, 'scan'),
    ({'privx_target_domains': [{'name': 'corp.example.com', 'wait_timeout': 'long'}]}, 'wait_timeout'),
    ({'privx_password_policies': [{'name': 'p'}], 'privx_managed_accounts': [{'target_domain': 'dbdomain', 'acounts': []}]}, 'acounts'),
])
def test_a_misspelt_key_or_a_wrong_type_at_any_level_fails_before_any_call(ansible, privx, role_vars, named):
    before = policies(privx)
    mark = privx.control.mark()
    run = ansible.playbook(role_play(**role_vars))
    assert run.rc != 0
    (failure,) = [entry for entry in run.results if entry['status'] == 'failed']
    # ansible-core's check of the argument spec refuses unknown variables; the role's first task every entry's keys.
    assert ("Validating arguments against arg spec 'main'" in failure['task']
            or failure['task'] == ROLE_TASK % 'Refuse role variables that cannot be read'), failure
    assert named in failure['result']['msg'], failure
    print(failure['result']['msg'])
    assert privx.control.requests(since=mark) == [], 'the role called PrivX'
    assert policies(privx) == before
    assert BIND_PASSWORD not in run.output and 'Traceback' not in run.output


def test_policies_are_created_before_the_accounts_that_name_them_and_a_rerun_writes_nothing(ansible, privx):
    role_vars = {
        'privx_password_policies': [
            {'name': 'quarterly', 'rotation_interval': '90d', 'max_checkout_duration': '8h', 'max_versions': 4},
            {'name': 'strict', 'rotation_interval': 'P7D', 'password_min_length': 24},
        ],
        'privx_managed_accounts': [{'target_domain': 'corp.example.com', 'accounts': [
            {'username': 'svc_backup', 'password_policy': 'quarterly'}, {'username': 'alice', 'password_policy': 'strict'}]}],
    }
    run = ansible.playbook(role_play(**role_vars))
    assert run.rc == 0, run.output[-3000:]
    held = policies(privx)
    assert held['quarterly']['rotation_interval'] == 'P90D' and held['quarterly']['max_checkout_duration'] == 'PT8H'
    assert held['strict']['password_min_length'] == 24 and held['strict']['max_versions'] == 5
    assert find_account(privx, 'corp.example.com', 'svc_backup')['password_policy']['name'] == 'quarterly'
    assert find_account(privx, 'corp.example.com', 'alice')['password_policy']['name'] == 'strict'

    for check in (True, False):
        mark = privx.control.mark()
        run = ansible.playbook(role_play(**role_vars), check=check)
        assert run.rc == 0 and 'changed=0' in run.output, run.output[-3000:]
        assert writes(privx, mark) == []


def test_exclusive_deletes_undeclared_policies_last_after_the_accounts_left_them(ansible, privx):
    # 'default' is used by accounts of both domains: they move to 'strict' in the same run, so its deletion succeeds.
    moved = {'corp.example.com': ['svc_backup'], 'dbdomain': ['app_admin', 'app_ro']}
    role_vars = {
        'privx_password_policies': [{'name': 'strict'}],
        'privx_password_policies_exclusive': True,
        'privx_managed_accounts': [{'target_domain': domain, 'accounts': [{'username': name, 'password_policy': 'strict'} for name in names]}
                                   for domain, names in moved.items()],
    }
    mark = privx.control.mark()
    run = ansible.playbook(role_play(**role_vars), check=True, diff=True)
    assert run.rc == 0, run.output[-3000:]
    deletion = run.task(ROLE_TASK % 'Delete the password policies declared absent, or not declared at all')
    assert [(item['item'], item['changed']) for item in deletion['results']] == [('default', True)]
    assert writes(privx, mark) == [] and sorted(policies(privx)) == ['default', 'strict']

    run = ansible.playbook(role_play(**role_vars))
    assert run.rc == 0, run.output[-3000:]
    assert sorted(policies(privx)) == ['strict']
    for domain, names in moved.items():
        assert {find_account(privx, domain, name)['password_policy']['name'] for name in names} == {'strict'}
    mark = privx.control.mark()
    run = ansible.playbook(role_play(**role_vars))
    assert run.rc == 0 and 'changed=0' in run.output and writes(privx, mark) == []


def test_a_policy_declared_absent_that_accounts_still_use_fails_naming_it(ansible, privx):
    run = ansible.playbook(role_play(privx_password_policies=[{'name': 'default', 'state': 'absent'}, {'name': 'strict', 'state': 'absent'}]))
    assert run.rc != 0
    deletion = run.task(ROLE_TASK % 'Delete the password policies declared absent, or not declared at all')
    # Every item says what it did: the refusal, and the deletion that went through.
    messages = {item['item']: item['msg'] for item in deletion['results']}
    assert sorted(messages) == ['default', 'strict'], messages
    assert messages['default'].startswith("PrivX refuses to delete password policy 'default' because it is in use")
    assert messages['strict'] == "deleted password policy 'strict'"
    assert sorted(policies(privx)) == ['default'], 'strict, unused, is deleted; default stays'


def test_deleting_every_policy_needs_allow_delete_all_before_any_call(ansible, privx):
    mark = privx.control.mark()
    run = ansible.playbook(role_play(privx_password_policies=[{'name': 'strict', 'state': 'absent'}], privx_password_policies_exclusive=True))
    assert run.rc != 0 and 'set privx_password_policies_allow_delete_all: true' in run.output, run.output[-3000:]
    assert privx.control.requests(since=mark) == []
    assert sorted(policies(privx)) == ['default', 'strict']
