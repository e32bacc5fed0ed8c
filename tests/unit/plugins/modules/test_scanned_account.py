# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""scanned_account: the batch edit it sends, and what it refuses, without a server."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.modules import scanned_account

from ansible_collections.privx.secrets.plugins.module_utils.core import paths

from fake_privx import DOMAIN, DOMAIN_ID


@pytest.fixture
def scanned(privx):
    privx.scanned[:] = [{'id': 's-alice', 'username': 'alice', 'ignored': True, 'comment': 'x'},
                        {'id': 's-bob', 'username': 'bob', 'ignored': False},
                        {'id': 's-carol', 'username': 'carol', 'ignored': False}]
    return privx.scanned


def test_one_batch_edit_for_the_differing_accounts_only(run_module, privx, scanned):
    result = run_module(scanned_account, {'target_domain': DOMAIN, 'usernames': ['alice', 'bob', 'bob'], 'ignored': True, 'comment': 'x',
                                          '_ansible_diff': True})
    assert result['changed'] is True and result['changed_accounts'] == ['bob']
    assert privx.writes() == [('POST', paths.scanned_account_batch_edit(DOMAIN_ID), {'ids': ['s-bob'], 'changes': {'ignored': True, 'comment': 'x'}})]
    assert result['diff'] == {'before': {'bob': {'ignored': False, 'comment': ''}}, 'after': {'bob': {'ignored': True, 'comment': 'x'}}}


def test_a_change_set_names_only_the_declared_field(run_module, privx, scanned):
    result = run_module(scanned_account, {'target_domain': DOMAIN, 'usernames': ['alice', 'carol'], 'comment': 'x'})
    assert result['changed_accounts'] == ['carol']
    assert privx.writes()[0][2] == {'ids': ['s-carol'], 'changes': {'comment': 'x'}}


def test_nothing_to_change_and_check_mode_make_no_write(run_module, privx, scanned):
    result = run_module(scanned_account, {'target_domain': DOMAIN, 'usernames': ['alice'], 'ignored': True})
    assert result['changed'] is False and result['changed_accounts'] == []
    result = run_module(scanned_account, {'target_domain': DOMAIN, 'usernames': ['bob'], 'ignored': True, '_ansible_check_mode': True})
    assert result['changed'] is True and result['changed_accounts'] == ['bob']
    assert privx.writes() == []


def test_unknown_usernames_fail_naming_them_before_any_write(run_module, privx, scanned):
    result = run_module(scanned_account, {'target_domain': DOMAIN, 'usernames': ['bob', 'zed', 'yan'], 'ignored': True})
    assert result['failed'] is True
    assert result['msg'] == "not in the scanned accounts of target domain 'corp.example.com': zed, yan"
    assert privx.writes() == []


def test_a_change_set_is_required(run_module, privx, scanned):
    result = run_module(scanned_account, {'target_domain': DOMAIN, 'usernames': ['bob']})
    assert result['failed'] is True and 'ignored, comment' in result['msg'] and privx.calls == []


def test_more_accounts_than_one_batch_takes_go_in_chunks(run_module, privx):
    privx.scanned[:] = [{'id': 's-%04d' % number, 'username': 'user%04d' % number, 'ignored': False} for number in range(1001)]
    result = run_module(scanned_account, {'target_domain': DOMAIN, 'usernames': ['user%04d' % number for number in range(1001)], 'ignored': True})
    assert len(result['changed_accounts']) == 1001
    assert [len(body['ids']) for _method, _path, body in privx.writes()] == [1000, 1]
