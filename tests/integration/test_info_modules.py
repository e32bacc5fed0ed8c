# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""managed_account_info and account_secret_info: what they return, and that they never return a secret."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.resources.managed_accounts import RETURNED_ACCOUNT
from ansible_collections.privx.secrets.plugins.module_utils.core.secrets import RETURNED_ACCOUNT_SECRET

from conftest import assert_no_secret, connection_env


def usernames(accounts):
    return sorted(account['username'] for account in accounts)


@pytest.mark.both_renderings
def test_managed_account_info_by_username_id_search_and_all(ansible, privx):
    held = {account['username']: account for account in privx.control.managed_accounts('dbdomain')}

    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': 'dbdomain'})
    assert result['changed'] is False and usernames(result['managed_accounts']) == sorted(held)
    # The same keys whether PrivX sends empty fields or leaves them out (this test runs against both renderings).
    assert {frozenset(account) for account in result['managed_accounts']} == {frozenset(RETURNED_ACCOUNT)}

    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': 'dbdomain', 'username': 'app_ro'})
    assert [account['id'] for account in result['managed_accounts']] == [held['app_ro']['id']]

    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': 'dbdomain', 'id': held['app_admin']['id']})
    assert usernames(result['managed_accounts']) == ['app_admin']

    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': 'dbdomain', 'username': 'nobody'})
    assert result['managed_accounts'] == []

    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': 'dbdomain', 'explicit_checkout': False})
    assert usernames(result['managed_accounts']) == ['no_checkout']

    search = {'target_domain': 'dbdomain', 'keywords': 'app', 'created_after': '2000-01-01'}
    result, _run = ansible.module('privx.secrets.managed_account_info', search)
    assert usernames(result['managed_accounts']) == ['app_admin', 'app_ro']

    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': 'dbdomain', 'created_before': '2000-01-01'})
    assert result['managed_accounts'] == []

    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': 'dbdomain', 'username': 'x', 'keywords': 'y'})
    assert result['failed'] is True and 'mutually exclusive' in result['msg']

    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': 'dbdomain', 'updated_after': 'soon'})
    assert result['failed'] is True and result['msg'] == "updated_after 'soon' is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"


def test_info_never_returns_the_secrets_of_live_checkouts(ansible, privx):
    # A checkout by the admin client makes PrivX include it, with its secret, in the account it returns.
    play = {'name': 'p', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'check out', 'ansible.builtin.set_fact': {'held': "{{ lookup('privx.secrets.checkout', 'dbdomain/app_admin') | length }}"}},
        {'name': 'read', 'privx.secrets.managed_account_info': {'target_domain': 'dbdomain', 'username': 'app_admin'}},
    ]}
    run = ansible.playbook([play], verbosity=3)
    assert run.rc == 0, run.output[-2000:]
    account = run.task('read')['managed_accounts'][0]
    assert len(account['checkouts']) == 1 and 'secrets' not in account['checkouts'][0]
    assert_no_secret(run.output + repr(run.results))


@pytest.mark.both_renderings
def test_account_secret_info_lists_and_searches_without_secret_values(ansible, privx):
    result, run = ansible.module('privx.secrets.account_secret_info', {}, verbosity=3)
    paths = sorted(item['path'] for item in result['account_secrets'])
    assert paths == ['corp.example.com/svc_backup', 'dbdomain/app_admin', 'dbdomain/app_ro', 'hosts/web01/root']
    assert_no_secret(run.output + repr(result))

    # The same keys whether PrivX sends empty fields or leaves them out (this test runs against both renderings).
    assert {frozenset(item) for item in result['account_secrets']} == {frozenset(RETURNED_ACCOUNT_SECRET)}
    assert [item['host'] for item in result['account_secrets'] if item['type'] == 'TARGET_DOMAIN_SECRET'] == [{}] * 3

    result, _run = ansible.module('privx.secrets.account_secret_info', {'username': 'app_ro'})
    assert [item['path'] for item in result['account_secrets']] == ['dbdomain/app_ro']

    result, _run = ansible.module('privx.secrets.account_secret_info', {'keywords': 'dbdomain'})
    assert sorted(item['path'] for item in result['account_secrets']) == ['dbdomain/app_admin', 'dbdomain/app_ro']

    result, _run = ansible.module('privx.secrets.account_secret_info', {})
    web01 = [item['host']['id'] for item in result['account_secrets'] if item['type'] == 'HOST_SECRET']
    result, _run = ansible.module('privx.secrets.account_secret_info', {'host_id': web01[0]})
    assert [item['path'] for item in result['account_secrets']] == ['hosts/web01/root']


def test_a_user_role_client_may_list_secrets_but_not_managed_accounts(ansible, privx):
    user = connection_env(privx, 'user')
    result, _run = ansible.module('privx.secrets.account_secret_info', {}, env=user)
    assert result['failed'] is False and len(result['account_secrets']) == 4
    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': 'dbdomain'}, env=user)
    assert result['failed'] is True
    assert 'HTTP 403 PERMISSION_DENIED' in result['msg'] and user['PRIVX_CLIENT_ID'] in result['msg']
