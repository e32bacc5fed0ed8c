# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""managed_account_info and account_secret_info: argument handling and result shaping, without a server."""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.modules import account_secret_info, managed_account_info

from fake_privx import DOMAIN, DOMAIN_ID


def test_search_options_become_privx_criteria_with_rfc3339_dates(run_module, privx):
    privx.answers[('POST', paths.managed_account_search(DOMAIN_ID))] = [{'id': 'x', 'username': 'a', 'password': 'planted-x'}]
    result = run_module(managed_account_info, {'target_domain': DOMAIN, 'keywords': 'a', 'created_after': '2026-01-31',
                                               'explicit_checkout': True})
    assert result['changed'] is False and [account['username'] for account in result['managed_accounts']] == ['a']
    assert 'password' not in result['managed_accounts'][0]
    assert privx.calls[-1][2] == {'keywords': 'a', 'created_after': '2026-01-31T00:00:00Z', 'explicit_checkout': True}


def test_an_unknown_id_is_an_empty_list_and_a_bad_id_one_line(run_module, privx):
    result = run_module(managed_account_info, {'target_domain': DOMAIN, 'id': '5bf77342-221c-11ee-be56-0242ac120002'})
    assert result['managed_accounts'] == []
    result = run_module(managed_account_info, {'target_domain': DOMAIN, 'id': 'nope'})
    assert result['failed'] is True and result['msg'].startswith("id 'nope' is not a PrivX id")


def test_username_excludes_the_search_options(run_module, privx):
    result = run_module(managed_account_info, {'target_domain': DOMAIN, 'username': 'a', 'keywords': 'b'})
    assert result['failed'] is True and 'mutually exclusive' in result['msg'] and privx.calls == []


def test_account_secrets_come_without_secret_values(run_module, privx):
    privx.secrets.append({'path': 'corp/a', 'username': 'a', 'secret': 'planted-s'})
    result = run_module(account_secret_info, {})
    # The documented keys only, the same whether PrivX sent a field empty or left it out (as this fake does); never 'secret'.
    assert result['changed'] is False and result['account_secrets'] == [{
        'path': 'corp/a', 'type': '', 'username': 'a', 'email': '', 'full_name': '', 'target_domain': {}, 'host': {},
        'created': '', 'updated': ''}]
    run_module(account_secret_info, {'username': 'a'})
    assert privx.calls[-1] == ('POST', paths.SECRET_SEARCH, {'username': 'a'})
