# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A write whose answer never came: the modules say that its outcome is unknown, never that it was not applied.

The emulator's delay fault holds the request longer than the client's timeout and then applies it, as a slow
PrivX would (issue 9).
"""

from __future__ import annotations

DOMAIN = 'corp.example.com'
SLOW = {'PRIVX_TIMEOUT': '1'}


def usernames(privx):
    return sorted(account['username'] for account in privx.control.managed_accounts(DOMAIN))


def test_a_batch_create_without_an_answer_is_reported_as_unknown_and_a_rerun_converges(ansible, privx):
    privx.control.fault(path='/managedaccounts/batch/create$', action='delay', delay=3, count=1)
    args = {'target_domain': DOMAIN, 'accounts': [{'username': 'bob'}, {'username': 'carol'}]}
    result, run = ansible.module('privx.secrets.managed_account_batch', args, env=SLOW)
    assert result['failed'] is True
    assert result['changed'] is True
    assert 'not applied' not in result['msg'] and 'were not applied' not in result['msg']
    assert result['msg'].startswith('batch create chunk 1 of 1 got no answer, so whether its 2 account(s) were applied is unknown '
                                    '(bob, carol): ')
    assert result['unknown'] == {'created': ['bob', 'carol'], 'updated': [], 'deleted': []}
    assert result['not_applied'] == {'created': [], 'updated': [], 'deleted': []}
    assert 'Traceback' not in run.output
    privx.wait_until(lambda: {'bob', 'carol'} <= set(usernames(privx)), message='the delayed batch create')
    result, _run = ansible.module('privx.secrets.managed_account_batch', args)
    assert result['failed'] is False and result['changed'] is False


def test_a_single_create_without_an_answer_says_it_may_have_been_applied(ansible, privx):
    privx.control.fault(path='/managedaccounts$', method='POST', action='delay', delay=3, count=1)
    args = {'target_domain': DOMAIN, 'username': 'dave', 'comment': 'slow'}
    result, _run = ansible.module('privx.secrets.managed_account', args, env=SLOW)
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'].endswith('PrivX may have applied this change before its answer was lost: '
                                  'run the task again to see what PrivX holds')
    privx.wait_until(lambda: 'dave' in usernames(privx), message='the delayed create')
    result, _run = ansible.module('privx.secrets.managed_account', args)
    assert result['failed'] is False and result['changed'] is False


def test_a_delete_whose_retries_all_time_out_says_it_may_have_been_applied(ansible, privx):
    privx.control.fault(path='/managedaccounts/[^/]+$', method='DELETE', action='delay', delay=2, count=3)
    result, _run = ansible.module('privx.secrets.managed_account', {'target_domain': DOMAIN, 'username': 'app_reader', 'state': 'absent'},
                                  env=dict(SLOW, PRIVX_RETRIES='2'))
    assert result['failed'] is True and result['changed'] is True
    assert 'PrivX may have applied this change' in result['msg']


def test_a_read_that_times_out_is_not_called_a_change(ansible, privx):
    privx.control.fault(path='/managedaccounts$', method='GET', action='delay', delay=2, count=3)
    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': DOMAIN}, env=dict(SLOW, PRIVX_RETRIES='2'))
    assert result['failed'] is True and not result.get('changed')
    assert 'may have applied' not in result['msg']


def test_a_delete_whose_gateway_error_is_followed_by_not_done_answers_says_it_may_have_been_applied(ansible, privx):
    """Review finding 1: the 502 of the first attempt may come after the work; the 503s after it do not undo that."""
    privx.control.fault(path='/managedaccounts/[^/]+$', method='DELETE', action='status', status=502, count=1)
    privx.control.fault(path='/managedaccounts/[^/]+$', method='DELETE', action='status', status=503, retry_after=0, count=2)
    result, _run = ansible.module('privx.secrets.managed_account', {'target_domain': DOMAIN, 'username': 'app_reader', 'state': 'absent'},
                                  env={'PRIVX_RETRIES': '2'})
    assert result['failed'] is True and result['changed'] is True
    assert 'PrivX may have applied this change' in result['msg']


def test_a_failed_delete_after_create_lists_the_fields_set_after_create_as_applied(ansible, privx):
    """Review finding 3: the PUT after batch create went through, so a later batch delete failure must not list it."""
    privx.control.fault(path='/managedaccounts/batch/delete$', action='status', status=400, error_code='INVALID', count=None)
    args = {'target_domain': DOMAIN, 'exclusive': True, 'allow_delete_all': True,
            'accounts': [{'username': 'svc_backup'}, {'username': 'dave', 'email': 'dave@example.org'}]}
    result, _run = ansible.module('privx.secrets.managed_account_batch', args)
    assert result['failed'] is True and result['changed'] is True, result['msg']
    assert result['applied']['created'] == ['dave'] and result['applied']['updated'] == ['dave']
    assert result['not_applied']['updated'] == [] and result['not_applied']['deleted']
    dave = [account for account in privx.control.managed_accounts(DOMAIN) if account['username'] == 'dave']
    assert dave and dave[0]['email'] == 'dave@example.org'
