# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""privx.secrets.managed_account through real ansible-playbook runs, reading the emulator back between steps."""

from __future__ import annotations

import pytest

import os

from conftest import assert_no_secret, connection_env, failed_cleanly, find_account

DOMAIN = 'corp.example.com'
PASSWORD = 'planted-new-account-Pa55word'
VOLATILE = ('updated', 'updated_by')


def stable(account):
    return {key: value for key, value in account.items() if key not in VOLATILE}


@pytest.mark.both_renderings
def test_check_create_rerun_change_rerun_delete_delete(ansible, privx):
    args = {'target_domain': DOMAIN, 'username': 'alice', 'comment': 'owned by team A', 'explicit_checkout': True,
            'password_policy': 'default', 'password': PASSWORD, 'additional_data': {'team': 'a'}}

    result, _run = ansible.module('privx.secrets.managed_account', args, check=True)
    assert result['changed'] is True
    assert result['managed_account']['comment'] == 'owned by team A'
    assert result['managed_account']['email'] == 'alice@corp.example.com', 'predicted from the scanned account'
    assert find_account(privx, DOMAIN, 'alice') is None, 'check mode wrote to PrivX'

    result, _run = ansible.module('privx.secrets.managed_account', args)
    assert result['changed'] is True
    created = find_account(privx, DOMAIN, 'alice')
    assert created['comment'] == 'owned by team A' and created['explicit_checkout'] is True
    assert created['password_policy']['name'] == 'default' and created['additional_data'] == {'team': 'a'}
    assert created['email'] == 'alice@corp.example.com' and created['enabled'] is True
    assert result['managed_account']['id'] == created['id']
    assert [entry['secret'] for entry in privx.control.secrets(DOMAIN, 'alice')] == [PASSWORD]

    result, _run = ansible.module('privx.secrets.managed_account', args)
    assert result['changed'] is False
    assert stable(find_account(privx, DOMAIN, 'alice')) == stable(created)

    result, _run = ansible.module('privx.secrets.managed_account', dict(args, comment='owned by team B'), diff=True)
    assert result['changed'] is True
    assert result['diff'] == {'before': {'comment': 'owned by team A'}, 'after': {'comment': 'owned by team B'}}
    changed = find_account(privx, DOMAIN, 'alice')
    assert changed['comment'] == 'owned by team B'
    assert stable(dict(changed, comment='owned by team A')) == stable(created), 'a field the task did not change was touched'

    result, _run = ansible.module('privx.secrets.managed_account', dict(args, comment='owned by team B'))
    assert result['changed'] is False

    result, _run = ansible.module('privx.secrets.managed_account', {'target_domain': DOMAIN, 'username': 'alice', 'state': 'absent'})
    assert result['changed'] is True and result['managed_account'] == {}
    assert find_account(privx, DOMAIN, 'alice') is None

    result, _run = ansible.module('privx.secrets.managed_account', {'target_domain': DOMAIN, 'username': 'alice', 'state': 'absent'})
    assert result['changed'] is False


@pytest.mark.both_renderings
def test_a_field_the_task_does_not_name_keeps_its_value(ansible, privx):
    before = find_account(privx, DOMAIN, 'svc_backup')
    result, _run = ansible.module('privx.secrets.managed_account', {'target_domain': DOMAIN, 'username': 'svc_backup', 'enabled': False})
    assert result['changed'] is True
    after = find_account(privx, DOMAIN, 'svc_backup')
    assert after['enabled'] is False
    assert stable(dict(after, enabled=True)) == stable(before)


@pytest.mark.both_renderings
def test_check_mode_update_predicts_without_writing(ansible, privx):
    before = find_account(privx, DOMAIN, 'svc_backup')
    mark = privx.control.mark()
    args = {'target_domain': DOMAIN, 'username': 'svc_backup', 'password_policy': 'strict', 'comment': 'x'}
    result, _run = ansible.module('privx.secrets.managed_account', args, check=True, diff=True)
    assert result['changed'] is True
    assert result['managed_account']['password_policy']['name'] == 'strict' and result['managed_account']['comment'] == 'x'
    assert result['diff']['after'] == {'password_policy': 'strict', 'comment': 'x'}
    assert find_account(privx, DOMAIN, 'svc_backup') == before
    assert not [entry for entry in privx.control.requests(since=mark) if entry['method'] in ('PUT', 'DELETE')
                or entry['path'].endswith(('/managedaccounts', '/password', '/rotate'))]


def test_password_on_create_is_not_sent_again_and_always_stores_a_version_each_run(ansible, privx):
    args = {'target_domain': DOMAIN, 'username': 'bob', 'password': PASSWORD}
    ansible.module('privx.secrets.managed_account', args)
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.managed_account', args)
    assert result['changed'] is False
    assert not [entry for entry in privx.control.requests(since=mark) if entry['path'].endswith('/password')]
    assert len(privx.control.secrets(DOMAIN, 'bob')) == 1

    for run in (1, 2):
        result, _run = ansible.module('privx.secrets.managed_account', dict(args, update_password='always', password='%s-%d' % (PASSWORD, run)))
        assert result['changed'] is True and result['password_version'] == run + 1
    assert [entry['secret'] for entry in privx.control.secrets(DOMAIN, 'bob')] == [PASSWORD, PASSWORD + '-1', PASSWORD + '-2']


@pytest.mark.both_renderings
def test_a_noop_rerun_makes_two_calls_by_id_and_three_by_name(ansible, privx):
    domain_id = privx.control.managed_accounts(DOMAIN)[0]['target_domain']['id']
    for target_domain, calls in ((domain_id, 2), (DOMAIN, 3)):
        args = {'target_domain': target_domain, 'username': 'svc_backup', 'comment': 'nightly backup', 'explicit_checkout': True}
        mark = privx.control.mark()
        result, _run = ansible.module('privx.secrets.managed_account', args)
        assert result['changed'] is False
        made = [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)]
        assert len(made) == calls, made
        assert made[0] == ('POST', '/auth/api/v1/oauth/token')
        assert made[-1][1].endswith('/managedaccounts/search')


def test_no_secret_in_vvvv_diff_or_files(ansible, privx, tmp_path):
    # The password reaches the task through the environment, so that no file the test writes holds it.
    args = {'target_domain': DOMAIN, 'username': 'carol', 'password': "{{ lookup('ansible.builtin.env', 'PLANTED_PASSWORD') }}",
            'update_password': 'always', 'comment': 'c'}
    outputs = []
    for _round in range(2):
        result, run = ansible.module('privx.secrets.managed_account', args, diff=True, verbosity=4, env={'PLANTED_PASSWORD': PASSWORD})
        assert result['changed'] is True
        assert result['diff']['after']['password'] == '(a new password will be stored)'
        outputs.append(run.output + repr(run.results))
    assert privx.control.secrets(DOMAIN, 'carol')[-1]['secret'] == PASSWORD
    secrets = [PASSWORD] + [connection_env(privx)[name] for name in ('PRIVX_CLIENT_SECRET', 'PRIVX_OAUTH_CLIENT_SECRET')]
    assert 'Authorization' not in ''.join(outputs)
    assert_no_secret(''.join(outputs), secrets)
    for folder, _dirs, files in os.walk(str(tmp_path)):
        for name in files:
            with open(os.path.join(folder, name), 'rb') as handle:
                content = handle.read().decode('utf-8', 'replace')
            assert_no_secret(content, [PASSWORD])


def test_bad_input_fails_with_one_clear_line_and_changes_nothing(ansible, privx):
    before = {domain: privx.control.managed_accounts(domain) for domain in (DOMAIN, 'dbdomain')}
    mark = privx.control.mark()
    cases = [
        ({'target_domain': 'no.such.domain', 'username': 'alice'}, ["unknown target_domain 'no.such.domain'", 'corp.example.com']),
        ({'target_domain': DOMAIN, 'username': ''}, ['username must not be empty']),
        ({'target_domain': DOMAIN, 'username': 'SVC_Backup', 'comment': 'x'},
         ["'SVC_Backup' differs only in letter case from 'svc_backup'", "write 'svc_backup'"]),
        ({'target_domain': DOMAIN, 'username': 'alice', 'account_state': 'ENABLED'}, ['account_state', 'ENABLED']),
        ({'target_domain': DOMAIN, 'username': 'alice', 'additional_data': 'not a dict'}, ['additional_data']),
        ({'target_domain': DOMAIN, 'username': 'alice', 'password_policy': 'nope'}, ["password_policy 'nope' does not exist", 'default, strict']),
    ]
    for args, fragments in cases:
        result, _run = ansible.module('privx.secrets.managed_account', args)
        failed_cleanly(result, *fragments)
    result, _run = ansible.module('privx.secrets.managed_account', {'target_domain': DOMAIN, 'username': 'alice'},
                                  env=connection_env(privx, 'user'))
    failed_cleanly(result, 'HTTP 403 PERMISSION_DENIED', 'is not permitted')
    assert {domain: privx.control.managed_accounts(domain) for domain in before} == before
    writes = [entry for entry in privx.control.requests(since=mark)
              if entry['method'] != 'GET' and not entry['path'].endswith(('/search', '/token'))]
    assert writes == []


def test_the_same_create_on_ten_forks_converges_on_every_host(ansible, privx):
    """Issue 17: the same managed_account create on 10 forks failed on one host with a raw VALUE_DUPLICATE."""
    hosts = ['host%02d' % number for number in range(1, 11)]
    args = {'target_domain': DOMAIN, 'username': 'alice', 'comment': 'one for all', 'password': PASSWORD}
    play = {'name': 'race', 'hosts': 'all', 'gather_facts': False, 'tasks': [{'name': 'create', 'privx.secrets.managed_account': args}]}
    # Creates wait a while before PrivX handles them, so that the hosts look for the account before any create lands.
    privx.control.fault(path='/managedaccounts$', method='POST', action='delay', delay=4, count=None)
    mark = privx.control.mark()
    run = ansible.playbook([play], inventory=ansible.inventory(hosts), forks=10)
    privx.control.clear_faults()
    assert run.rc == 0, run.output[-3000:]
    creates = [entry for entry in privx.control.requests(since=mark)
               if entry['method'] == 'POST' and entry['path'].endswith('/managedaccounts')]
    assert len(creates) > 1 and [entry['status'] for entry in creates].count(201) == 1, 'no race was run'
    created = find_account(privx, DOMAIN, 'alice')
    assert created['comment'] == 'one for all'
    assert [entry['secret'] for entry in privx.control.secrets(DOMAIN, 'alice')] == [PASSWORD]
    results = [run.task('create', host) for host in hosts]
    assert {result['managed_account']['id'] for result in results} == {created['id']}
    assert sum(result['changed'] for result in results) == 1, [result['changed'] for result in results]
