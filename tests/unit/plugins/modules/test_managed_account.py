# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""managed_account: argument handling and result shaping, without a server."""

from __future__ import annotations

from ansible.module_utils.common.parameters import PASS_VARS

from ansible_collections.privx.secrets.plugins.modules import managed_account

from ansible_collections.privx.secrets.plugins.module_utils.core import paths

from fake_privx import DOMAIN, DOMAIN_ID


def test_creates_with_defaults_and_returns_every_documented_key(run_module, privx):
    privx.scanned.append({'id': 's-1', 'username': 'db_admin', 'email': 'db@example.com'})
    result = run_module(managed_account, {'target_domain': DOMAIN, 'username': 'db_admin', 'comment': 'dba', 'password': 'planted-pw'})
    assert result['changed'] is True and 'diff' not in result
    account = result['managed_account']
    assert account['username'] == 'db_admin' and account['comment'] == 'dba' and account['email'] == 'db@example.com'
    assert {'rotation_history', 'checkouts', 'locked'} <= set(account)
    (method, _path, body), = privx.writes()
    assert method == 'POST' and body['password'] == 'planted-pw' and body['explicit_checkout'] is False
    assert 'planted-pw' not in str(result)


def test_check_mode_predicts_and_sends_no_write(run_module, privx):
    privx.account('db_admin', comment='old')
    result = run_module(managed_account, {'target_domain': DOMAIN, 'username': 'db_admin', 'comment': 'new',
                                          '_ansible_check_mode': True, '_ansible_diff': True})
    assert result['changed'] is True and result['managed_account']['comment'] == 'new'
    assert result['diff'] == {'before': {'comment': 'old'}, 'after': {'comment': 'new'}}
    assert privx.writes() == []


def test_an_unchanged_account_reports_no_change_and_no_diff_without_diff_mode(run_module, privx):
    privx.account('db_admin', comment='same')
    result = run_module(managed_account, {'target_domain': DOMAIN, 'username': 'db_admin', 'comment': 'same'})
    assert result['changed'] is False and 'diff' not in result and privx.writes() == []


def test_password_always_stores_a_version_and_masks_it_in_the_diff(run_module, privx):
    account = privx.account('db_admin')
    privx.answers[('POST', paths.managed_account_password(DOMAIN_ID, account['id']))] = {'version': 4}
    result = run_module(managed_account, {'target_domain': DOMAIN, 'username': 'db_admin', 'password': 'planted-pw',
                                          'update_password': 'always', '_ansible_diff': True})
    assert result['changed'] is True and result['password_version'] == 4
    assert result['diff']['after'] == {'password': '(a new password will be stored)'}


def test_absent_deletes_and_a_rerun_reports_no_change(run_module, privx):
    privx.account('old_service')
    result = run_module(managed_account, {'target_domain': DOMAIN, 'username': 'old_service', 'state': 'absent'})
    assert result['changed'] is True and result['managed_account'] == {}
    assert [call[0] for call in privx.writes()] == ['DELETE']
    result = run_module(managed_account, {'target_domain': DOMAIN, 'username': 'old_service', 'state': 'absent'})
    assert result['changed'] is False


def test_bad_input_is_one_line_before_any_call(run_module, privx):
    result = run_module(managed_account, {'target_domain': DOMAIN, 'username': ' padded'})
    assert result['failed'] is True and result['msg'] == "username ' padded' has leading or trailing spaces"
    result = run_module(managed_account, {'target_domain': DOMAIN, 'username': 'x', 'account_state': 'BOGUS'})
    assert result['failed'] is True and 'account_state' in result['msg']
    assert privx.calls == []


def test_an_answer_of_an_unexpected_shape_is_one_line_with_the_traceback_aside(run_module, privx):
    privx.answers[('POST', paths.managed_account_search(DOMAIN_ID))] = ['not an account']
    # ansible-core 2.19 and later return the traceback only when asked to; older ones always do.
    asked = {'_ansible_tracebacks_for': ['error']} if 'tracebacks_for' in PASS_VARS else {}
    result = run_module(managed_account, dict(target_domain=DOMAIN, username='db_admin', _ansible_module_name='managed_account', **asked))
    assert result['failed'] is True
    assert result['msg'].startswith('managed_account failed on something it did not expect')
    assert 'Traceback' in result['exception'] and '\n' not in result['msg']
