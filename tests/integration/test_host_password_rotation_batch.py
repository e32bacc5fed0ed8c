# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_password_rotation_batch against the emulator: check mode, real run and idempotent rerun over three hosts (one
starting, one changing, one stopping), what goes over the wire for them, the changing host written back whole, bad input
failing with one line before any call, no initial password in any output, and the module's EXAMPLES.

The emulator's test fixture holds hosts web01 (no rotation), db01 (no rotation), app01 (rotating, with services,
roles and tags) and win01 (rotating); host reads go through the collection's own client (test_host_password_rotation.py).
"""

from __future__ import annotations

import json

from ansible_collections.privx.secrets.plugins.module_utils.core import paths

from conftest import assert_no_secret, example_tasks, failed_cleanly
from privx_emulator.harness import fixture_path
from test_host_password_rotation import host, play, without_rotation, writes

EMULATOR_FIXTURE = fixture_path('test.json')
MODULE = 'privx.secrets.host_password_rotation_batch'
INITIAL = 'planted-batch-web01-root-initial-S3cr3t'
TOKEN = '/auth/api/v1/oauth/token'


def calls(privx, mark):
    return [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)]


def test_three_hosts_in_check_mode_then_for_real_then_again(ansible, privx):
    before = {name: host(privx, name) for name in ('web01', 'app01', 'win01')}
    assert before['app01']['services'] and before['app01']['tags'] and before['app01']['principals'][0]['roles']
    hosts = [
        {'host': 'web01', 'operating_system': 'LINUX', 'password_policy': 'default', 'script_template': 'linux-chpasswd',
         'accounts': [{'username': 'root', 'initial_password': INITIAL}]},
        {'host': 'app01.example.com', 'password_policy': 'rotate-on-release', 'accounts': [{'username': 'svc_app', 'rotate': False}]},
        {'host': 'win01', 'state': 'absent'},
    ]
    lists = {'created': ['web01'], 'updated': ['app01'], 'deleted': ['win01']}
    mark = privx.control.mark()
    result, run = ansible.module(MODULE, {'hosts': hosts}, check=True, diff=True, verbosity=3)
    assert result['changed'] is True and {key: result[key] for key in lists} == lists, result
    assert result['msg'] == 'would create 1, update 1, delete 1: win01'
    assert writes(privx, mark) == [] and {name: host(privx, name) for name in before} == before
    diffs = {diff['before_header']: diff for diff in result['diff']}
    assert diffs['web01']['before'] == {} and diffs['web01']['after']['accounts']['root']['rotate'] is True
    assert diffs['app01'] == {'before_header': 'app01', 'after_header': 'app01',
                              'before': {'password_policy': 'default', 'accounts': {'svc_app': {'rotate': True}}},
                              'after': {'password_policy': 'rotate-on-release', 'accounts': {'svc_app': {'rotate': False}}}}
    assert diffs['win01']['after'] == {} and diffs['win01']['before']['password_rotation_enabled'] is True
    assert_no_secret(run.output + json.dumps(result), [INITIAL])

    mark = privx.control.mark()
    result, run = ansible.module(MODULE, {'hosts': hosts}, diff=True, verbosity=3)
    assert result['changed'] is True and {key: result[key] for key in lists} == lists and result['msg'] == 'created 1, updated 1, deleted 1: win01'
    # The hosts in two searches (every common name at once, then the address no common name matched), the policy and
    # template lists once, then one PUT per host: the host store has no batch write.
    sent = [call for call in calls(privx, mark) if call[1] != TOKEN]
    assert sent == [('POST', paths.HOST_SEARCH), ('POST', paths.HOST_SEARCH), ('GET', paths.PASSWORD_POLICIES),
                    ('GET', paths.SCRIPT_TEMPLATES)] + [('PUT', paths.host(before[name]['id'])) for name in ('web01', 'app01', 'win01')], sent
    assert [item['common_name'] for item in result['host_password_rotations']] == ['web01', 'app01', 'win01']
    after = {name: host(privx, name) for name in before}
    assert after['web01']['password_rotation_enabled'] is True and privx.control.host_secrets('web01', 'root')[-1]['secret'] == INITIAL
    assert after['win01']['password_rotation_enabled'] is False and after['win01'].get('password_rotation') is None
    assert [principal['rotate'] for principal in after['app01']['principals']] == [True, False, False]
    # app01's services, principals' roles, tags and every other field went back byte for byte.
    assert json.dumps(without_rotation(after['app01'], 'rotate'), sort_keys=True) == \
        json.dumps(without_rotation(before['app01'], 'rotate'), sort_keys=True)
    assert_no_secret(run.output + json.dumps(result), [INITIAL])

    for check in (True, False):
        mark = privx.control.mark()
        result, _run = ansible.module(MODULE, {'hosts': hosts}, check=check, diff=True)
        assert result['changed'] is False and result['msg'] == 'no change' and result['diff'] == [], result
        assert writes(privx, mark) == []
        assert len([call for call in calls(privx, mark) if call[1] != TOKEN]) == 4
    assert {name: host(privx, name) for name in before} == after


def test_bad_input_fails_with_one_line_and_no_call(ansible, privx):
    mark = privx.control.mark()
    web01 = {'host': 'web01', 'operating_system': 'LINUX', 'password_policy': 'default', 'script_template': 'linux-chpasswd'}
    run = ansible.playbook(play([
        {'name': 'misspelt key', MODULE: {'hosts': [dict(web01, acounts=[{'username': 'root'}])]}, 'ignore_errors': True},
        {'name': 'twice', MODULE: {'hosts': [web01, dict(web01, host='WEB01')]}, 'ignore_errors': True},
        {'name': 'two main accounts', MODULE: {'hosts': [web01, {'host': 'app01', 'accounts': [
            {'username': 'root', 'use_for_password_rotation': True}, {'username': 'svc_app', 'use_for_password_rotation': True}]}]},
         'ignore_errors': True},
    ]))
    failed_cleanly(run.task('misspelt key'), 'acounts')
    failed_cleanly(run.task('twice'), "hosts[0] and hosts[1] both name host 'WEB01'")
    failed_cleanly(run.task('two main accounts'), 'hosts[1]: accounts: only one account may have use_for_password_rotation')
    assert calls(privx, mark) == []

    run = ansible.playbook(play([
        {'name': 'unknown hosts', MODULE: {'hosts': [web01, {'host': 'nosuch1'}, {'host': 'nosuch2'}]}, 'ignore_errors': True},
        {'name': 'the same host twice', MODULE: {'hosts': [web01, dict(web01, host='10.0.0.5')]}, 'ignore_errors': True},
        {'name': 'no such account', MODULE: {'hosts': [web01, dict(web01, host='db01', accounts=[{'username': 'rooot'}])]},
         'ignore_errors': True},
    ]))
    failed_cleanly(run.task('unknown hosts'), "2 hosts are not in PrivX's host store", 'nosuch1, nosuch2')
    failed_cleanly(run.task('the same host twice'), "hosts names host 'web01' twice (as 'web01' and as '10.0.0.5')")
    failed_cleanly(run.task('no such account'), "host 'db01' has no account 'rooot'")
    assert writes(privx, mark) == []


def test_examples_run_as_written(ansible, privx):
    """On the fixture (reset for each test), web01 starts rotating, app01 already matches, win01 stops."""
    tasks = example_tasks('host_password_rotation_batch')
    run = ansible.playbook(play(tasks), extra_vars={'web01_root_password': INITIAL})
    assert run.rc == 0, run.output[-3000:]
    result = run.task(tasks[0]['name'])
    assert (result['created'], result['updated'], result['deleted']) == (['web01'], [], ['win01']), result
    assert host(privx, 'web01')['password_rotation_enabled'] is True and host(privx, 'win01')['password_rotation_enabled'] is False
    assert privx.control.host_secrets('web01', 'root')[-1]['secret'] == INITIAL
    assert_no_secret(run.output, [INITIAL])
