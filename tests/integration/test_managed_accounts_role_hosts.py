# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The managed_accounts role's script template and host rotation levels: checked before any call, converged in
PrivX's order (policies, script templates, ..., hosts), deleted the other way round; check mode, a real run and a
rerun that writes nothing; no initial password in any output. And the host rotation benchmark at a small size."""

from __future__ import annotations

import importlib.util
import os

import pytest

from conftest import HERE, assert_no_secret
from privx_emulator.harness import fixture_path
from test_host_password_rotation import host, templates, writes

EMULATOR_FIXTURE = fixture_path('test.json')
ROLE = 'privx.secrets.managed_accounts'
ROLE_TASK = ROLE + ' : %s'
INITIAL = 'planted-role-db01-postgres-initial'


def calls_since(privx, mark):
    return [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)]


def role_play(**role_vars):
    return [{'name': 'converge', 'hosts': 'localhost', 'gather_facts': False, 'roles': [dict(role=ROLE, **role_vars)]}]


def declaration(script_file):
    return {
        'privx_password_policies': [{'name': 'db-hosts', 'rotation_interval': '30d'}],
        'privx_script_templates': [{'name': 'linux-sha512', 'operating_system': 'LINUX', 'script_file': script_file}],
        'privx_host_password_rotation': [
            {'host': 'db01', 'operating_system': 'LINUX', 'password_policy': 'db-hosts', 'script_template': 'linux-sha512',
             'accounts': [{'username': 'postgres', 'initial_password': INITIAL}]},
            {'host': 'win01', 'password_policy': 'default'},
        ],
    }


@pytest.mark.parametrize('role_vars, named', [
    ({'privx_script_templates': [{'name': 't', 'operating_sytem': 'LINUX'}]}, 'operating_sytem'),
    ({'privx_host_password_rotation': [{'host': 'db01', 'acounts': []}]}, 'acounts'),
    ({'privx_host_password_rotation': [{'host': 'db01', 'accounts': [{'username': 'root', 'initial_pasword': INITIAL}]}]},
     'initial_pasword'),
    ({'privx_host_password_rotation': '[{"host": "db01", "winrm_port": "many"}]'}, 'winrm_port'),
])
def test_a_misspelt_key_or_a_wrong_type_fails_before_any_call(ansible, privx, role_vars, named):
    mark = privx.control.mark()
    run = ansible.playbook(role_play(**role_vars))
    assert run.rc != 0
    (failure,) = [entry for entry in run.results if entry['status'] == 'failed']
    assert named in failure['result']['msg'], failure
    assert privx.control.requests(since=mark) == []
    assert INITIAL not in run.output


def test_templates_before_hosts_check_mode_then_real_run_then_rerun_then_deletion_in_reverse(ansible, privx, tmp_path):
    script = tmp_path / 'sha512.tmpl'
    script.write_text("echo '{{.Username}}:{{.Password}}' | chpasswd -c SHA512\n")
    role_vars = declaration(str(script))
    mark = privx.control.mark()
    run = ansible.playbook(role_play(**role_vars), check=True, diff=True, verbosity=2)
    assert run.rc == 0, run.output[-3000:]
    assert writes(privx, mark) == [] and 'linux-sha512' not in templates(privx)
    # db01 names a policy and a template still to be created: skipped and named; win01 is predicted.
    assert 'Check mode cannot predict the rotation of hosts db01' in run.output
    # One call for the hosts check mode can predict: win01 alone.
    predicted = run.task(ROLE_TASK % 'Converge the password rotation of each host')
    assert predicted['changed'] is True and (predicted['created'], predicted['updated']) == ([], ['win01']), predicted
    assert [diff['before_header'] for diff in predicted['diff']] == ['win01']
    summary = run.task(ROLE_TASK % 'Summary of what changed in PrivX')['msg']
    assert [line for line in summary if line.startswith('host password rotation')] == ['host password rotation: would update win01'], summary
    assert_no_secret(run.output, [INITIAL])

    mark = privx.control.mark()
    run = ansible.playbook(role_play(**role_vars), diff=True, verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    assert_no_secret(run.output, [INITIAL])
    sent = [(method, path.split('/')[1]) for method, path in writes(privx, mark)]
    # policy, template, then the hosts: PrivX's order
    assert sent == [('POST', 'secrets-manager'), ('POST', 'secrets-manager'), ('PUT', 'host-store'), ('PUT', 'host-store')]
    result = run.task(ROLE_TASK % 'Converge the password rotation of each host')
    assert (result['created'], result['updated'], result['deleted']) == (['db01'], ['win01'], []), result
    assert [diff['before'] for diff in result['diff']] == [{}, {'password_policy': 'rotate-on-release'}]
    summary = run.task(ROLE_TASK % 'Summary of what changed in PrivX')['msg']
    assert [line for line in summary if line.startswith('host password rotation')] == \
        ['host password rotation: created db01; updated win01'], summary
    # One host search (both common names) and two PUTs at the host level.
    host_level = [(method, path) for method, path in calls_since(privx, mark) if path.startswith('/host-store/')]
    assert [method for method, _path in host_level] == ['POST', 'PUT', 'PUT'], host_level
    held = host(privx, 'db01')
    assert held['password_rotation_enabled'] is True and held['password_rotation']['script_template_id'] == templates(privx)['linux-sha512']['id']
    assert privx.control.host_secrets('db01', 'postgres')[-1]['secret'] == INITIAL

    for check in (True, False):
        mark = privx.control.mark()
        run = ansible.playbook(role_play(**role_vars), check=check)
        assert run.rc == 0 and 'changed=0' in run.output, run.output[-3000:]
        assert writes(privx, mark) == []

    # Rotation off first, then the template it named, then the policy: one run.
    gone = {'privx_password_policies': [{'name': 'db-hosts', 'state': 'absent'}],
            'privx_script_templates': [{'name': 'linux-sha512', 'state': 'absent'}],
            'privx_host_password_rotation': [{'host': 'db01', 'state': 'absent'}]}
    mark = privx.control.mark()
    run = ansible.playbook(role_play(**gone))
    assert run.rc == 0, run.output[-3000:]
    assert [method for method, _path in writes(privx, mark)] == ['PUT', 'DELETE', 'DELETE']
    assert host(privx, 'db01')['password_rotation_enabled'] is False and 'linux-sha512' not in templates(privx)


def test_the_host_rotation_benchmark_at_a_small_size(collections_path, tmp_path):
    """tests/benchmarks/host_rotation.py on 4 Linux and 2 Windows hosts of hosts.json: it asserts the emulator's state
    itself; here the call counts, which a change of the module would change."""
    spec = importlib.util.spec_from_file_location('privx_benchmarks_hosts', os.path.join(os.path.dirname(HERE), 'benchmarks', 'host_rotation.py'))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.bench_host_rotation(str(tmp_path), collections_path, linux=4, windows=2)
    first, rerun = result['first_run'], result['no_change_rerun']
    # one policy, two templates, one PUT per host (the host store has no batch write)
    assert first['writes'] == 3 + 6 and first['calls_by_endpoint']['PUT /host-store/api/v1/hosts/{id}'] == 6
    # the host level's one task: a token grant, one search for all six hosts, the policy list and the template list
    assert rerun['writes'] == 0 and rerun['calls_by_endpoint']['POST /host-store/api/v1/hosts/search'] == 1
    # the template level lists the templates once per template, the host level once for all hosts
    assert rerun['calls_by_endpoint']['GET /secrets-manager/api/v1/script-templates'] == 2 + 1


def test_the_rotation_role_rotates_due_host_accounts_waits_and_fails_after_reporting_a_failing_host(ansible, privx):
    privx.control.settings(rotation_delay=0.2)
    details = 'winrm: 401 Unauthorized: the main account password is wrong'
    privx.control.fail_host_rotation('win01', details=details)
    before = {name: len(privx.control.host_secrets('app01', name)) for name in ('root', 'svc_app')}
    # As an AWX survey or -e key=value gives them: text.
    play = [{'name': 'scheduled rotation', 'hosts': 'localhost', 'gather_facts': False, 'roles': ['privx.secrets.rotation']}]
    run = ansible.playbook(play, extra_vars=['rotation_hosts=win01/Administrator,app01', 'rotation_older_than=30d', 'rotation_wait=true'])
    assert run.rc != 0
    summary = run.task('privx.secrets.rotation : Rotation summary')['msg']
    rows = [line.split(None, 3) for line in summary[1:-1] if line.startswith('host:')]
    assert [(row[0], row[1], row[3].strip()) for row in rows] == [
        ('host:win01', 'Administrator', '-  ERROR: ' + details),
        ('host:app01', 'root', '-  SUCCESS'), ('host:app01', 'svc_app', '-  SUCCESS')], summary
    failure = run.task('privx.secrets.rotation : Fail when a rotation did not succeed')
    assert failure['msg'] == 'host:win01/Administrator: ERROR: ' + details
    assert {name: len(privx.control.host_secrets('app01', name)) for name in before} == {name: count + 1 for name, count in before.items()}
    # Due no longer: the same schedule again rotates nothing on app01.
    privx.control.clear_host_rotation_failures()
    run = ansible.playbook(play, extra_vars=['rotation_hosts=app01', 'rotation_older_than=30d'])
    assert run.rc == 0 and 'changed=0' in run.output, run.output[-3000:]
