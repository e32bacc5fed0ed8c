# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""password_policy and password_policy_info against the emulator: check mode, real run, idempotent rerun, bad input.

The emulator's state is read back between steps through PrivX's own API (an admin client of the collection).
"""

from __future__ import annotations


import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.client import PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings

from conftest import connection_env, example_tasks

MODULE = 'privx.secrets.password_policy'
NEW_DEFAULTS = {'password_min_length': 12, 'password_max_length': 32, 'use_special_characters': True, 'use_lower_case': True,
                'use_upper_case': True, 'use_numbers': True, 'max_versions': 0, 'number_of_retries': 3, 'retry_interval': 'PT5M',
                'max_concurrent_checkouts': 0, 'rotate_on_release': False, 'verify_after_rotation': False}


def policy_client(privx):
    """The collection's own client as the admin API client, to read PrivX back through its API."""
    env = connection_env(privx)
    return PrivXClient(ConnectionSettings({
        'url': env['PRIVX_URL'], 'client_id': env['PRIVX_CLIENT_ID'], 'client_secret': env['PRIVX_CLIENT_SECRET'],
        'oauth_client_id': env['PRIVX_OAUTH_CLIENT_ID'], 'oauth_client_secret': env['PRIVX_OAUTH_CLIENT_SECRET'],
        'ca_path': privx.ca_path}))


def policies(privx):
    """PrivX's policies by name, read through its API."""
    return {policy['name']: policy for policy in policy_client(privx).paginate(paths.PASSWORD_POLICIES)}


def writes(privx, mark):
    return [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)
            if entry['method'] in ('POST', 'PUT', 'DELETE') and not entry['path'].endswith(('/search', '/oauth/token'))]


@pytest.mark.both_renderings
def test_create_in_check_mode_then_for_real_then_a_rerun_in_other_duration_forms_changes_nothing(ansible, privx):
    args = {'name': 'corp-monthly', 'rotation_interval': '30d', 'max_checkout_duration': '12h', 'retry_interval': '30m',
            'password_min_length': 16, 'rotate_on_release': True}
    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, args, check=True, diff=True)
    assert result['failed'] is False and result['changed'] is True
    assert result['password_policy']['rotation_interval'] == 'P30D' and result['password_policy']['id'] == ''
    assert result['diff']['before'] == {}
    assert result['diff']['after'] == dict(NEW_DEFAULTS, name='corp-monthly', rotation_interval='P30D', max_checkout_duration='PT12H',
                                           retry_interval='PT30M', password_min_length=16, rotate_on_release=True)
    assert writes(privx, mark) == [] and 'corp-monthly' not in policies(privx)

    mark = privx.control.mark()
    result, run = ansible.module(MODULE, args)
    assert result['failed'] is False and result['changed'] is True
    assert 'WARNING' not in run.output, 'no warning (Ansible suspects options named password* of being secrets)'
    held = policies(privx)['corp-monthly']
    assert writes(privx, mark) == [('POST', paths.PASSWORD_POLICY)]
    assert (held['rotation_interval'], held['max_checkout_duration'], held['retry_interval']) == ('P30D', 'PT12H', 'PT30M')
    assert held['password_min_length'] == 16 and held['rotate_on_release'] is True and held['use_numbers'] is True
    assert result['password_policy']['id'] == held['id'] and result['password_policy']['created_by']

    for rerun in (args, dict(args, rotation_interval='P30D', max_checkout_duration='PT720M', retry_interval='PT30M')):
        for check in (True, False):
            mark = privx.control.mark()
            result, _run = ansible.module(MODULE, rerun, check=check, diff=True)
            assert result['failed'] is False and result['changed'] is False, result
            assert result['diff'] == {'before': {}, 'after': {}}
            assert writes(privx, mark) == []
    assert policies(privx)['corp-monthly'] == held


@pytest.mark.both_renderings
def test_an_update_changes_only_the_declared_fields_and_keeps_the_rest(ansible, privx):
    before = policies(privx)['strict']
    args = {'name': 'strict', 'password_min_length': 20, 'rotation_interval': '1w', 'max_versions': 5}
    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, args, check=True, diff=True)
    assert result['changed'] is True and result['diff'] == {'before': {'password_min_length': 12}, 'after': {'password_min_length': 20}}
    assert result['password_policy']['password_min_length'] == 20 and result['password_policy']['id'] == before['id']
    assert writes(privx, mark) == [] and policies(privx)['strict'] == before

    result, _run = ansible.module(MODULE, args, diff=True)
    assert result['changed'] is True and result['diff']['after'] == {'password_min_length': 20}
    after = policies(privx)['strict']
    assert writes(privx, mark) == [('PUT', paths.password_policy(before['id']))]
    assert after['password_min_length'] == 20
    assert {key: value for key, value in after.items() if key not in ('password_min_length', 'updated', 'updated_by')} == \
        {key: value for key, value in before.items() if key not in ('password_min_length', 'updated', 'updated_by')}

    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, args)
    assert result['changed'] is False and writes(privx, mark) == []


def test_absent_in_check_mode_then_for_real_then_again(ansible, privx):
    args = {'name': 'strict', 'state': 'absent'}
    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, args, check=True, diff=True)
    assert result['changed'] is True and result['password_policy'] == {}
    assert result['diff']['after'] == {} and result['diff']['before']['rotation_interval'] == 'P7D'
    assert writes(privx, mark) == [] and 'strict' in policies(privx)
    result, _run = ansible.module(MODULE, args)
    assert result['changed'] is True and 'strict' not in policies(privx)
    mark = privx.control.mark()
    result, _run = ansible.module(MODULE, args)
    assert result['failed'] is False and result['changed'] is False and writes(privx, mark) == []


def test_deleting_a_policy_in_use_fails_with_one_line_and_changes_nothing(ansible, privx):
    before = policies(privx)
    result, run = ansible.module(MODULE, {'name': 'default', 'state': 'absent'})
    assert result['failed'] is True and result.get('changed') is not True
    assert result['msg'].startswith("PrivX refuses to delete password policy 'default' because it is in use (")
    assert 'managed account' in result['msg'] and '\n' not in result['msg'] and 'Traceback' not in run.output
    assert policies(privx) == before


@pytest.mark.parametrize('args, message', [
    ({'password_min_length': 'twelve'}, 'password_min_length'),
    ({'rotate_on_release': 'maybe'}, 'rotate_on_release'),
    ({'rotation_interval': '30x'}, "rotation_interval '30x' is not a duration"),
    ({'max_checkout_duration': 'P'}, "max_checkout_duration 'P' is not a duration"),
    ({'retry_interval': '30'}, "retry_interval '30' is not a duration"),
    ({'rotation_interval': '0d'}, "rotation_interval must be longer than zero, got '0d'"),
    ({'rotation_intervall': '30d'}, 'rotation_intervall'),
    ({'password_min_length': 40, 'password_max_length': 20}, 'password_min_length (40) must not be larger than password_max_length (20)'),
    ({'password_min_length': 40}, 'password_min_length (40) must not be larger than password_max_length (32)'),
    ({'max_versions': -1}, 'max_versions must be 0 or more, got -1'),
    ({'name': ' strict'}, "name ' strict' has leading or trailing spaces"),
    ({'name': 'STRICT', 'max_versions': 2}, "name 'STRICT' differs only in letter case from password policy 'strict'"),
])
@pytest.mark.parametrize('check', [False, True])
def test_bad_input_fails_with_one_line_and_no_change(ansible, privx, args, message, check):
    before = policies(privx)
    mark = privx.control.mark()
    result, run = ansible.module(MODULE, dict({'name': 'strict'}, **args), check=check)
    assert result['failed'] is True and result.get('changed') is not True
    assert message in result['msg'] and '\n' not in result['msg'].strip(), result['msg']
    assert 'Traceback' not in run.output
    assert writes(privx, mark) == [] and policies(privx) == before


@pytest.mark.both_renderings
def test_info_reads_all_policies_or_one_by_name(ansible, privx):
    held = policies(privx)
    result, _run = ansible.module('privx.secrets.password_policy_info', {})
    assert result['changed'] is False
    assert [policy['name'] for policy in result['password_policies']] == sorted(held)
    assert result['password_policies'][0] == held['default']
    result, _run = ansible.module('privx.secrets.password_policy_info', {'name': 'strict'})
    assert result['password_policies'] == [held['strict']]
    result, _run = ansible.module('privx.secrets.password_policy_info', {'name': 'STRICT'})
    assert result['password_policies'] == []


def test_the_examples_run_as_written(ansible, privx):
    tasks = example_tasks('password_policy')[:2] + example_tasks('password_policy_info') + example_tasks('password_policy')[2:]
    run = ansible.playbook([{'name': 'examples', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}])
    assert run.rc == 0, run.output[-3000:]
    held = policies(privx)
    assert 'service-accounts' not in held
    assert held['corp-monthly']['max_checkout_duration'] == 'PT12H' and held['corp-monthly']['password_max_length'] == 64
    listed = run.task('Every password policy')['password_policies']
    assert [policy['name'] for policy in listed] == ['corp-monthly', 'default', 'service-accounts', 'strict']
    assert run.task('One policy')['password_policies'][0]['rotate_on_release'] is True


@pytest.mark.parametrize('existing', [False, True])
def test_a_read_failing_after_the_write_still_reports_the_change(ansible, privx, existing):
    """Review finding 4: the policy was created or replaced; the GET after it failed."""
    args = {'name': 'corp-after', 'password_min_length': 20}
    if existing:
        result, _run = ansible.module(MODULE, dict(args, password_min_length=18))
        assert result['changed'] is True
    privx.control.fault(path='/password-policy/[^/]+$', method='GET', action='status', status=500, error_code='BOOM', count=1)
    result, _run = ansible.module(MODULE, args, diff=True)
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'].startswith("PrivX applied the change to password policy 'corp-after' (%s), then PrivX GET " % (
        'replaced' if existing else 'created'))
    assert result['diff']['after']['password_min_length'] == 20
    assert policies(privx)['corp-after']['password_min_length'] == 20
    result, _run = ansible.module(MODULE, args)
    assert result['failed'] is False and result['changed'] is False
