# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""managed_account_batch: argument handling and result shaping, without a server."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.modules import managed_account_batch

from fake_privx import DOMAIN, DOMAIN_ID


def test_creates_updates_and_returns_sorted_lists(run_module, privx):
    privx.scanned.extend({'id': 's-' + name, 'username': name} for name in ('bob', 'alice'))
    privx.account('carol', comment='old')
    result = run_module(managed_account_batch, {'target_domain': DOMAIN, 'rotate': True, 'accounts': [
        {'username': 'bob'}, {'username': 'alice'}, {'username': 'carol', 'comment': 'new'}]})
    assert result['changed'] is True and 'diff' not in result
    assert (result['created'], result['updated'], result['deleted'], result['rotated']) == (['alice', 'bob'], ['carol'], [], ['alice', 'bob'])
    batch_paths = [path for _method, path, _body in privx.writes()]
    assert batch_paths == [paths.managed_account_batch(DOMAIN_ID, 'edit'), paths.managed_account_batch(DOMAIN_ID, 'create')]


def test_diff_mode_returns_one_entry_per_account(run_module, privx):
    privx.account('carol', comment='old')
    result = run_module(managed_account_batch, {'target_domain': DOMAIN, 'accounts': [{'username': 'carol', 'comment': 'new'}],
                                                '_ansible_diff': True, '_ansible_check_mode': True})
    assert result['diff'] == [{'before_header': 'carol', 'after_header': 'carol', 'before': {'comment': 'old'}, 'after': {'comment': 'new'}}]
    assert privx.writes() == []


@pytest.mark.parametrize('args, message', [
    ({'batch_size': 0}, 'batch_size must be between 1 and 1000, got 0'),
    ({'accounts': [{'username': 'a'}, {'username': 'A'}]}, 'accounts lists these usernames more than once (letter case aside): A, a'),
    ({'accounts': [{'usrname': 'a'}]}, 'username'),
])
def test_bad_input_fails_before_any_call(run_module, privx, args, message):
    result = run_module(managed_account_batch, dict({'target_domain': DOMAIN, 'accounts': [{'username': 'a'}]}, **args))
    assert result['failed'] is True and message in result['msg']
    assert privx.calls == []


def test_deleting_every_account_needs_allow_delete_all(run_module, privx):
    privx.account('a')
    result = run_module(managed_account_batch, {'target_domain': DOMAIN, 'exclusive': True, 'accounts': []})
    assert result['failed'] is True and 'allow_delete_all' in result['msg'] and privx.writes() == []
    result = run_module(managed_account_batch, {'target_domain': DOMAIN, 'exclusive': True, 'accounts': [], 'allow_delete_all': True})
    assert result['deleted'] == ['a'] and [path for _method, path, _body in privx.writes()] == [paths.managed_account_batch(DOMAIN_ID, 'delete')]


def test_the_result_counts_what_was_done_and_names_the_deleted(run_module, privx):
    privx.scanned.extend({'id': 's-' + name, 'username': name} for name in ('bob', 'alice'))
    privx.account('carol', comment='old')
    privx.account('dave')
    privx.account('erin')
    args = {'target_domain': DOMAIN, 'exclusive': True, 'accounts': [{'username': 'bob'}, {'username': 'alice'}, {'username': 'carol', 'comment': 'new'}]}
    check = run_module(managed_account_batch, dict(args, _ansible_check_mode=True))
    assert check['msg'] == 'would create 2, update 1, delete 2: dave, erin' and privx.writes() == []
    result = run_module(managed_account_batch, args)
    assert result['msg'] == 'created 2, updated 1, deleted 2: dave, erin'
