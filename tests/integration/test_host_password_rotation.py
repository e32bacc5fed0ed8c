# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_password_rotation(_info) and script_template(_info) against the emulator: check mode, real run, idempotent
rerun, the host written back whole, bad input, no initial password in any output, and the modules' EXAMPLES.

The emulator's test fixture holds hosts web01 (no rotation), app01 (rotating, with services, roles and tags) and
win01, the policies default and rotate-on-release and the templates linux-chpasswd and windows-net-user. PrivX's
state is read back through its API (the collection's own client) and the emulator's control API between steps.
"""

from __future__ import annotations

import copy
import json

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.client import PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings

from conftest import assert_no_secret, connection_env, example_tasks, failed_cleanly
from privx_emulator.harness import fixture_path

EMULATOR_FIXTURE = fixture_path('test.json')
MODULE = 'privx.secrets.host_password_rotation'
TEMPLATE_MODULE = 'privx.secrets.script_template'
INITIAL = 'planted-web01-root-initial-S3cr3t'
GOOD_SCRIPT = "echo '{{.Username}}:{{.Password}}' | chpasswd -c SHA512"
BROKEN_SCRIPT = "echo '{{.Username}}:{{.Password}' | chpasswd"


def raw(script):
    """A script as a playbook gives it: PrivX's template actions are not Ansible's."""
    return '{%% raw %%}%s{%% endraw %%}' % script


def api(privx):
    env = connection_env(privx)
    return PrivXClient(ConnectionSettings({
        'url': env['PRIVX_URL'], 'client_id': env['PRIVX_CLIENT_ID'], 'client_secret': env['PRIVX_CLIENT_SECRET'],
        'oauth_client_id': env['PRIVX_OAUTH_CLIENT_ID'], 'oauth_client_secret': env['PRIVX_OAUTH_CLIENT_SECRET'],
        'ca_path': privx.ca_path}))


def host(privx, common_name):
    return next(item for item in api(privx).paginate(paths.HOSTS) if item['common_name'] == common_name)


def templates(privx):
    return {item['name']: item for item in api(privx).paginate(paths.SCRIPT_TEMPLATES)}


def writes(privx, mark):
    """Calls that change something: searches, token grants and compilations read."""
    return [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)
            if entry['method'] in ('POST', 'PUT', 'DELETE')
            and not entry['path'].endswith(('/search', '/oauth/token', '/script-template/compile'))]


def without_rotation(held, *principal_flags):
    """The host without what a rotation change may change: its rotation fields, ``updated`` and the named flags."""
    held = copy.deepcopy(held)
    for key in ('password_rotation', 'password_rotation_enabled', 'updated', 'updated_by'):
        held.pop(key, None)
    for principal in held['principals']:
        for flag in principal_flags:
            principal.pop(flag, None)
    return held


def play(tasks):
    return [{'name': 'host rotation', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]


def test_enable_rotation_of_a_host_in_check_mode_then_for_real_then_again(ansible, privx):
    before = host(privx, 'web01')
    assert before['password_rotation_enabled'] is False
    args = {'host': 'web01', 'operating_system': 'LINUX', 'password_policy': 'default', 'script_template': 'linux-chpasswd',
            'accounts': [{'username': 'root', 'initial_password': INITIAL}]}
    mark = privx.control.mark()
    result, run = ansible.module(MODULE, args, check=True, diff=True, verbosity=3)
    assert result['changed'] is True and writes(privx, mark) == [] and host(privx, 'web01') == before
    assert result['diff']['before'] == {}
    after = result['diff']['after']
    assert after['password_rotation_enabled'] is True and after['protocol'] == 'SSH' and after['password_policy'] == 'default'
    assert after['accounts']['root'] == {'rotate': True, 'use_for_password_rotation': False}
    assert after['accounts']['deploy'] == {'rotate': False, 'use_for_password_rotation': False}
    assert_no_secret(run.output + json.dumps(result), [INITIAL])

    mark = privx.control.mark()
    result, run = ansible.module(MODULE, args, diff=True, verbosity=3)
    assert result['changed'] is True and result['host_password_rotation']['script_template'] == 'linux-chpasswd'
    assert writes(privx, mark) == [('PUT', paths.host(before['id']))]
    held = host(privx, 'web01')
    assert held['password_rotation_enabled'] is True and held['password_rotation']['operating_system'] == 'LINUX'
    assert [principal['rotate'] for principal in held['principals']] == [True, False]
    # The initial password became root's current secret; nothing else on the host changed.
    assert privx.control.host_secrets('web01', 'root')[-1]['secret'] == INITIAL
    assert without_rotation(held, 'rotate', 'passphrase') == without_rotation(before, 'rotate', 'passphrase')
    assert_no_secret(run.output + json.dumps(result), [INITIAL])

    for check in (True, False):
        mark = privx.control.mark()
        result, _run = ansible.module(MODULE, dict(args, host=before['id']), check=check, diff=True)
        assert result['changed'] is False and result['diff'] == {'before': {}, 'after': {}}, result
        assert writes(privx, mark) == []
    assert host(privx, 'web01') == held

    # The info module reads it back: web01 now rotates, root's secret is there and has not rotated yet.
    run = ansible.playbook(play([
        {'name': 'every rotating host', 'privx.secrets.host_password_rotation_info': {}, 'register': 'every'},
        {'name': 'one host by address', 'privx.secrets.host_password_rotation_info': {'host': '10.0.0.5'}},
    ]))
    rotating = {item['common_name']: item for item in run.task('every rotating host')['hosts']}
    assert sorted(rotating) == ['app01', 'web01', 'win01']
    assert rotating['web01']['accounts'][0]['username'] == 'root' and rotating['web01']['password_policy'] == 'default'
    assert rotating['app01']['accounts'][0]['last_rotated'] == '2026-01-01T00:00:00Z'
    assert [item['common_name'] for item in run.task('one host by address')['hosts']] == ['web01']

    # Disabling: one write, rotation off, the settings and everything else kept; again: nothing.
    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, {'host': 'web01', 'state': 'absent'}, diff=True)
    assert result['changed'] is True and result['diff']['after'] == {} and result['diff']['before']['password_rotation_enabled']
    assert writes(privx, mark) == [('PUT', paths.host(before['id']))] and host(privx, 'web01')['password_rotation_enabled'] is False
    result, _run = ansible.module(MODULE, {'host': 'web01', 'state': 'absent'})
    assert result['changed'] is False


def test_a_change_of_a_host_with_services_roles_and_tags_keeps_them_byte_for_byte(ansible, privx):
    before = host(privx, 'app01')
    assert before['services'] and before['tags'] and before['principals'][0]['roles']
    args = {'host': 'app01.example.com', 'password_policy': 'rotate-on-release', 'accounts': [{'username': 'svc_app', 'rotate': False}]}
    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, args, diff=True)
    assert result['changed'] is True
    assert result['diff'] == {'before': {'password_policy': 'default', 'accounts': {'svc_app': {'rotate': True}}},
                              'after': {'password_policy': 'rotate-on-release', 'accounts': {'svc_app': {'rotate': False}}}}
    put = [entry for entry in privx.control.requests(since=mark) if entry['method'] == 'PUT']
    assert len(put) == 1
    after = host(privx, 'app01')
    assert after['password_rotation']['password_policy_id'] != before['password_rotation']['password_policy_id']
    assert [principal['rotate'] for principal in after['principals']] == [True, False, False]
    unchanged_before, unchanged_after = without_rotation(before, 'rotate'), without_rotation(after, 'rotate')
    assert json.dumps(unchanged_after, sort_keys=True) == json.dumps(unchanged_before, sort_keys=True)
    assert {key: value for key, value in after['password_rotation'].items() if key not in ('password_policy_id', 'updated', 'rotation_status')} == \
        {key: value for key, value in before['password_rotation'].items() if key not in ('password_policy_id', 'updated', 'rotation_status')}
    result, _run = ansible.module(MODULE, args)
    assert result['changed'] is False


def test_bad_input_fails_with_one_line_before_any_write(ansible, privx):
    mark = privx.control.mark()
    run = ansible.playbook(play([
        {'name': 'no such host', MODULE: {'host': 'nosuchhost', 'operating_system': 'LINUX'}, 'ignore_errors': True},
        {'name': 'no such account', MODULE: {'host': 'web01', 'operating_system': 'LINUX', 'password_policy': 'default',
                                             'script_template': 'linux-chpasswd', 'accounts': [{'username': 'rooot'}]},
         'ignore_errors': True},
        {'name': 'no such policy', MODULE: {'host': 'web01', 'operating_system': 'LINUX', 'password_policy': 'nope',
                                            'script_template': 'linux-chpasswd'}, 'ignore_errors': True},
        {'name': 'settings missing', MODULE: {'host': 'web01', 'accounts': [{'username': 'root'}]}, 'ignore_errors': True},
        {'name': 'two main accounts', MODULE: {'host': 'app01', 'accounts': [
            {'username': 'root', 'use_for_password_rotation': True}, {'username': 'svc_app', 'use_for_password_rotation': True}]},
         'ignore_errors': True},
        {'name': 'template without os', TEMPLATE_MODULE: {'name': 'new', 'script': raw(GOOD_SCRIPT)}, 'ignore_errors': True},
    ]))
    failed_cleanly(run.task('no such host'), "host 'nosuchhost' is not in PrivX's host store")
    failed_cleanly(run.task('no such account'), "host 'web01' has no account 'rooot'; its accounts: deploy, root")
    failed_cleanly(run.task('no such policy'), "password_policy 'nope' does not exist")
    failed_cleanly(run.task('settings missing'), "host 'web01' has no operating_system, password_policy, script_template")
    failed_cleanly(run.task('two main accounts'), 'only one account may have use_for_password_rotation, not root, svc_app')
    failed_cleanly(run.task('template without os'), "script template 'new' does not exist yet; creating it needs operating_system")
    assert writes(privx, mark) == []


def test_script_template_check_mode_compiles_then_real_run_then_again_and_a_broken_script_writes_nothing(ansible, privx, tmp_path):
    script_file = tmp_path / 'chpasswd.tmpl'
    script_file.write_text(GOOD_SCRIPT)
    args = {'name': 'linux-sha512', 'operating_system': 'LINUX', 'script_file': str(script_file)}
    mark = privx.control.mark()
    result, _run = ansible.module(TEMPLATE_MODULE, args, check=True, diff=True)
    created = {'name': 'linux-sha512', 'operating_system': 'LINUX', 'script': GOOD_SCRIPT}
    assert result['changed'] is True and result['diff'] == {'before': {}, 'after': created}
    sent = [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark) if entry['method'] != 'GET']
    assert ('POST', paths.SCRIPT_TEMPLATE_COMPILE) in sent and writes(privx, mark) == [] and 'linux-sha512' not in templates(privx)

    result, _run = ansible.module(TEMPLATE_MODULE, args)
    assert result['changed'] is True and result['script_template']['id'] == templates(privx)['linux-sha512']['id']
    assert templates(privx)['linux-sha512']['script'] == GOOD_SCRIPT
    for check in (True, False):
        mark = privx.control.mark()
        result, _run = ansible.module(TEMPLATE_MODULE, dict(args, script=raw(GOOD_SCRIPT), script_file=None), check=check)
        assert result['changed'] is False and writes(privx, mark) == []

    held = templates(privx)
    mark = privx.control.mark()
    run = ansible.playbook(play([
        {'name': 'broken new', TEMPLATE_MODULE: {'name': 'broken', 'operating_system': 'LINUX', 'script': raw(BROKEN_SCRIPT)},
         'ignore_errors': True},
        {'name': 'broken change', TEMPLATE_MODULE: {'name': 'linux-sha512', 'script': raw(BROKEN_SCRIPT)}, 'ignore_errors': True},
    ]), check=True)
    failed_cleanly(run.task('broken new'), "script of script template 'broken' does not compile: template: script:1:")
    failed_cleanly(run.task('broken change'), "script of script template 'linux-sha512' does not compile")
    assert writes(privx, mark) == [] and templates(privx) == held

    result, _run = ansible.module(TEMPLATE_MODULE, {'name': 'linux-sha512', 'state': 'absent'}, diff=True)
    assert result['changed'] is True and result['diff']['after'] == {} and 'linux-sha512' not in templates(privx)
    result, _run = ansible.module(TEMPLATE_MODULE, {'name': 'linux-chpasswd', 'state': 'absent'})
    failed_cleanly(result, "PrivX refuses to delete script template 'linux-chpasswd' because it is in use")


def test_examples_run_as_written(ansible, privx, tmp_path):
    (tmp_path / 'files').mkdir()
    (tmp_path / 'files' / 'net-user.tmpl').write_text('net user {{.Username}} "{{.Password}}" /Y')
    tasks = example_tasks('script_template') + example_tasks('script_template_info') + example_tasks('host_password_rotation') + \
        example_tasks('host_password_rotation_info')
    run = ansible.playbook(play(tasks), extra_vars={'web01_root_password': INITIAL})
    assert run.rc == 0, run.output[-3000:]
    assert templates(privx)['linux-chpasswd-sha512']['script'] == "echo '{{.Username}}:{{.Password}}' | chpasswd -c SHA512"
    assert templates(privx)['windows-net-user']['script'] == 'net user {{.Username}} "{{.Password}}" /Y'
    assert run.task('Every script template')['script_templates'][0]['name'] == 'linux-chpasswd'
    assert [item['common_name'] for item in run.task('Every host with rotation')['hosts']] == ['app01', 'web01']
    assert host(privx, 'web01')['password_rotation_enabled'] is True and host(privx, 'win01')['password_rotation_enabled'] is False
    assert privx.control.host_secrets('web01', 'root')[-1]['secret'] == INITIAL
    assert_no_secret(run.output, [INITIAL])


def test_rotate_a_hosts_due_accounts_and_wait_then_a_failure_is_reported_with_privx_details(ansible, privx):
    privx.control.settings(rotation_delay=0.2)
    args = {'host': 'app01', 'all': True, 'older_than': '30d'}
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.rotate', args, check=True)
    assert result['changed'] is True and [line['status'] for line in result['rotated']] == ['WOULD_ROTATE', 'WOULD_ROTATE']
    assert writes(privx, mark) == []

    versions = len(privx.control.host_secrets('app01', 'root'))
    result, _run = ansible.module('privx.secrets.rotate', args)
    assert result['failed'] is False and result['changed'] is True, result
    assert [(line['username'], line['status']) for line in result['rotated']] == [('root', 'SUCCESS'), ('svc_app', 'SUCCESS')]
    # operator does not rotate: not even named as skipped with all: true
    assert result['skipped_accounts'] == []
    assert len(privx.control.host_secrets('app01', 'root')) == versions + 1
    assert privx.control.host_account('app01', 'root')['last_rotated'] == result['rotated'][0]['rotated']

    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.rotate', args)
    assert result['changed'] is False and result['rotated'] == [] and writes(privx, mark) == []
    assert [entry['reason'][:24] for entry in result['skipped_accounts']] == ['not due: last rotated 20'] * 2

    details = 'chpasswd: Authentication token manipulation error'
    privx.control.fail_host_rotation('win01', 'Administrator', details=details)
    run = ansible.playbook(play([
        {'name': 'win01', 'privx.secrets.rotate': {'host': 'win01', 'usernames': ['Administrator']}, 'ignore_errors': True},
        {'name': 'no such account', 'privx.secrets.rotate': {'host': 'win01', 'usernames': ['Admin']}, 'ignore_errors': True},
    ]))
    failed = failed_cleanly(run.task('win01'), '1 of 1 rotation(s) did not succeed: Administrator (ERROR: %s)' % details)
    assert run.task('win01')['rotated'][0]['last_error_details'] == details and failed
    failed_cleanly(run.task('no such account'), "not accounts of host 'win01': Admin; its accounts: Administrator")


def test_a_play_checks_out_root_of_a_host_by_host_and_username_once_and_releases_it_at_its_end(ansible, privx):
    import hashlib  # pylint: disable=import-outside-toplevel
    inventory = ansible.inventory(['node%02d' % number for number in range(1, 6)])
    expression = "lookup('privx.secrets.checkout', host='app01', username='root')"
    plays = [{'name': 'deploy', 'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': 'first use', 'ansible.builtin.set_fact': {'digest': "{{ (%s) | hash('sha256') }}" % expression}},
        {'name': 'by address', 'ansible.builtin.set_fact': {'digest': "{{ (%s) | hash('sha256') }}" % expression.replace("'app01'", "'10.0.1.10'")}},
    ]}, {'name': 'bad', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'both', 'ansible.builtin.debug': {'msg': "{{ lookup('privx.secrets.checkout', host='app01', target_domain='d', username='root') }}"},
         'ignore_errors': True},
        {'name': 'no such account', 'ansible.builtin.debug': {'msg': "{{ lookup('privx.secrets.checkout', host='app01', username='nobody') }}"},
         'ignore_errors': True},
    ]}]
    mark = privx.control.mark()
    run = ansible.playbook(plays, inventory=inventory, forks=5, env={'ANSIBLE_CALLBACKS_ENABLED': 'privx_test_results,privx.secrets.checkouts'})
    assert run.rc == 0, run.output[-3000:]
    secret = privx.control.host_secrets('app01', 'root')[-1]['secret']
    for node in ('node%02d' % number for number in range(1, 6)):
        for task in ('first use', 'by address'):
            assert run.task(task, node)['ansible_facts']['digest'] == hashlib.sha256(secret.encode()).hexdigest()
    logged = privx.control.requests(since=mark)
    checkouts = [entry for entry in logged if entry['method'] == 'POST' and entry['path'] == paths.CHECKOUTS]
    releases = [entry for entry in logged if entry['path'].endswith('/release')]
    assert len(checkouts) == 1 and len(releases) == 1
    assert privx.control.checkouts() == []
    assert 'give target_domain or host, not both' in run.task('both', 'localhost')['msg']
    assert "no account secret for username 'nobody' on host 'app01'" in run.task('no such account', 'localhost')['msg']
    assert secret not in run.output
