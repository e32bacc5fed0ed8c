# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""password_policy and password_policy_info: argument handling, comparison and result shaping, without a server."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.modules import password_policy, password_policy_info

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.dates import as_iso_duration
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError

POLICY = {'id': 'p-default', 'name': 'default', 'rotation_interval': 'P30D', 'password_min_length': 12, 'password_max_length': 32,
          'use_special_characters': True, 'use_lower_case': True, 'use_upper_case': True, 'use_numbers': True, 'max_versions': 0,
          'number_of_retries': 3, 'retry_interval': 'PT5M', 'max_concurrent_checkouts': 0, 'max_checkout_duration': 'PT1H',
          'rotate_on_release': False, 'verify_after_rotation': False, 'created': '2026-11-30T09:00:00Z', 'created_by': '',
          'updated': '2026-11-30T09:00:00Z', 'updated_by': ''}


@pytest.fixture
def policies(privx):
    """The fake PrivX with one whole policy, answering GET of one policy and POST/PUT of policies."""
    privx.policies[:] = [dict(POLICY)]
    privx.answers[('GET', paths.password_policy('p-default'))] = privx.policies[0]
    privx.answers[('POST', paths.PASSWORD_POLICY)] = {'id': 'p-new'}
    return privx


@pytest.mark.parametrize('value, iso', [('30d', 'P30D'), ('12h', 'PT12H'), ('30m', 'PT30M'), ('90s', 'PT90S'), ('2w', 'P2W'),
                                        (' 30D ', 'P30D'), ('P30D', 'P30D'), ('pt12h', 'PT12H'), ('P1DT12H', 'P1DT12H')])
def test_durations_are_sent_as_iso_8601(value, iso):
    assert as_iso_duration(value, 'rotation_interval') == iso


def test_a_duration_in_another_form_is_no_change(run_module, policies):
    result = run_module(password_policy, {'name': 'default', 'rotation_interval': '720h', 'max_checkout_duration': '60m',
                                          'retry_interval': 'PT300S', '_ansible_diff': True})
    assert result['changed'] is False and result['diff'] == {'before': {}, 'after': {}}
    assert policies.writes() == []


def test_an_update_puts_the_whole_policy_with_only_the_declared_change(run_module, policies):
    result = run_module(password_policy, {'name': 'default', 'rotation_interval': '7d', 'use_numbers': True, '_ansible_diff': True})
    assert result['changed'] is True and result['diff'] == {'before': {'rotation_interval': 'P30D'}, 'after': {'rotation_interval': 'P7D'}}
    (method, path, body), = policies.writes()
    assert (method, path) == ('PUT', paths.password_policy('p-default'))
    expected = {key: value for key, value in POLICY.items() if key not in ('id', 'created', 'created_by', 'updated', 'updated_by')}
    assert body == dict(expected, rotation_interval='P7D')


def test_check_mode_predicts_a_creation_with_the_defaults_and_writes_nothing(run_module, policies):
    result = run_module(password_policy, {'name': 'new', 'rotation_interval': '1d', '_ansible_check_mode': True})
    assert result['changed'] is True and 'diff' not in result
    predicted = result['password_policy']
    assert predicted['id'] == '' and predicted['rotation_interval'] == 'P1D' and predicted['max_checkout_duration'] == 'PT1H'
    assert predicted['password_min_length'] == 12 and predicted['use_special_characters'] is True
    assert policies.writes() == []


def test_a_creation_posts_to_the_singular_path(run_module, policies):
    policies.answers[('GET', paths.password_policy('p-new'))] = dict(POLICY, id='p-new', name='new')
    result = run_module(password_policy, {'name': 'new', 'max_versions': 5})
    (method, path, body), = policies.writes()
    assert (method, path) == ('POST', paths.PASSWORD_POLICY) and body['name'] == 'new' and body['max_versions'] == 5
    assert result['changed'] is True and result['password_policy']['id'] == 'p-new'


def test_a_policy_in_use_is_one_line(run_module, policies):
    policies.answers[('DELETE', paths.password_policy('p-default'))] = PrivXApiError(
        'DELETE', paths.password_policy('p-default'), 400, 'BAD_REQUEST', "password policy 'default' is in use by 2 managed account(s)",
        'passwordPolicyID')
    result = run_module(password_policy, {'name': 'default', 'state': 'absent'})
    assert result['failed'] is True and result.get('changed') is not True
    assert result['msg'] == ("PrivX refuses to delete password policy 'default' because it is in use (password policy 'default' "
                             "is in use by 2 managed account(s)); move its managed accounts to another policy, and change the "
                             "auto_onboarding_policy of target domains that name it, first")


@pytest.mark.parametrize('args, message', [
    ({'rotation_interval': 'soon'}, "rotation_interval 'soon' is not a duration"),
    ({'max_checkout_duration': ''}, "max_checkout_duration '' is not a duration"),
    ({'password_min_length': 33}, 'password_min_length (33) must not be larger than password_max_length (32)'),
    ({'number_of_retries': -2}, 'number_of_retries must be 0 or more, got -2'),
])
def test_bad_input_is_one_line_and_no_write(run_module, policies, args, message):
    result = run_module(password_policy, dict({'name': 'default'}, **args))
    assert result['failed'] is True and message in result['msg'] and policies.writes() == []


def test_an_empty_retry_interval_means_none(run_module, policies):
    result = run_module(password_policy, {'name': 'default', 'retry_interval': ''})
    (_method, _path, body), = policies.writes()
    assert result['changed'] is True and body['retry_interval'] == ''


def test_a_zero_retry_interval_is_none_and_compares_equal_to_it(run_module, policies):
    policies.policies[0]['retry_interval'] = ''
    result = run_module(password_policy, {'name': 'default', 'retry_interval': 'PT0S'})
    assert result['changed'] is False and policies.writes() == []


def test_a_name_differing_only_in_letter_case_is_refused_not_created_beside(run_module, policies):
    result = run_module(password_policy, {'name': 'Default', 'rotation_interval': '7d'})
    assert result['failed'] is True and policies.writes() == []
    assert result['msg'] == ("name 'Default' differs only in letter case from password policy 'default', which PrivX already holds; "
                             "write 'default' to declare that one")
    assert run_module(password_policy, {'name': 'Default', 'state': 'absent'})['changed'] is False


def test_info_lists_sorted_or_one_by_exact_name(run_module, policies):
    policies.policies.append(dict(POLICY, id='p-a', name='a-first'))
    result = run_module(password_policy_info, {})
    assert [policy['name'] for policy in result['password_policies']] == ['a-first', 'default']
    assert result['changed'] is False and set(result['password_policies'][1]) == set(POLICY)
    assert run_module(password_policy_info, {'name': 'Default'})['password_policies'] == []


@pytest.mark.parametrize('args, line, lists', [
    ({'name': 'new', 'rotation_interval': '1d'}, "created password policy 'new'", (['new'], [], [])),
    ({'name': 'new', '_ansible_check_mode': True}, "would create password policy 'new'", (['new'], [], [])),
    ({'name': 'default', 'rotation_interval': '7d', 'max_checkout_duration': '2h'},
     "updated password policy 'default' (max_checkout_duration, rotation_interval)", ([], ['default'], [])),
    ({'name': 'default', 'rotation_interval': '30d'}, 'no change', ([], [], [])),
    ({'name': 'default', 'state': 'absent', '_ansible_check_mode': True}, "would delete password policy 'default'", ([], [], ['default'])),
    ({'name': 'default', 'state': 'absent'}, "deleted password policy 'default'", ([], [], ['default'])),
    ({'name': 'gone', 'state': 'absent'}, 'no change', ([], [], [])),
])
def test_the_result_says_in_one_line_what_was_done_without_diff_mode(run_module, policies, args, line, lists):
    policies.answers[('GET', paths.password_policy('p-new'))] = dict(POLICY, id='p-new', name='new')
    result = run_module(password_policy, args)
    assert result['msg'] == line and 'diff' not in result
    assert (result['created'], result['updated'], result['deleted']) == lists
