# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.resources.managed_accounts import (
    comparable_account,
    create_body,
    desired_account,
    account_changes,
    account_diff,
    pick_username,
    returned_account,
    writable_body,
)
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies

from fake_privx import FakePrivX


def policies(privx=None):
    """PrivX's password policies default and strict, over the one fake."""
    privx = privx or FakePrivX()
    privx.policies[:] = [{'id': 'p-' + name, 'name': name} for name in ('default', 'strict')]
    return PasswordPolicies(privx.client())


# As PrivX renders it: empty strings and objects omitted, booleans always present.
SERVER_ACCOUNT = {
    'id': 'a1', 'username': 'app_admin', 'email': 'app@example.com', 'target_domain': {'id': 'd1', 'name': 'corp'},
    'password_policy': {'id': 'p1', 'name': 'default'}, 'enabled': True, 'rotation_enabled': False,
    'explicit_checkout': True, 'state': 'MANAGED', 'disable_rdp_cert_auth': False, 'locked': False,
    'checkouts': [{'id': 'c1', 'secrets': [{'version': 1, 'secret': 'planted-secret'}]}],
}


def test_omitted_fields_compare_as_empty():
    view = comparable_account(SERVER_ACCOUNT)
    assert view['comment'] == '' and view['additional_data'] == {} and view['password_policy'] == 'default'
    assert account_changes(SERVER_ACCOUNT, {'comment': '', 'enabled': True, 'password_policy': 'default'}) == {}


def test_only_declared_fields_that_differ_are_changes():
    desired = desired_account({'comment': 'new', 'enabled': None, 'account_state': 'MANAGED', 'email': 'app@example.com'})
    assert desired == {'comment': 'new', 'state': 'MANAGED', 'email': 'app@example.com'}
    assert account_changes(SERVER_ACCOUNT, desired) == {'comment': 'new'}


def test_put_body_carries_every_field_and_keeps_the_policy_without_a_lookup(privx):
    body = writable_body(SERVER_ACCOUNT, {'comment': 'new'}, policies(privx))
    assert privx.calls == []
    assert body['username'] == 'app_admin' and body['email'] == 'app@example.com' and body['comment'] == 'new'
    assert body['password_policy'] == {'id': 'p1', 'name': 'default'}
    assert body['explicit_checkout'] is True and body['rotation_enabled'] is False
    assert 'checkouts' not in body and 'id' not in body and 'locked' not in body


def test_put_body_resolves_a_changed_policy_and_drops_a_removed_one():
    assert writable_body(SERVER_ACCOUNT, {'password_policy': 'strict'}, policies())['password_policy'] == {'id': 'p-strict', 'name': 'strict'}
    assert 'password_policy' not in writable_body(SERVER_ACCOUNT, {'password_policy': ''}, policies())


def test_create_body_prefers_declared_then_scanned_then_defaults():
    scanned = {'username': 'svc', 'email': 'scanned@example.com', 'full_name': 'Scanned Name', 'id': 's1'}
    body = create_body('svc', {'full_name': 'Declared Name', 'enabled': False, 'password_policy': 'default'}, scanned, policies())
    assert body['email'] == 'scanned@example.com' and body['full_name'] == 'Declared Name'
    assert body['enabled'] is False and body['rotation_enabled'] is True and body['state'] == 'MANAGED'
    assert body['password_policy'] == {'id': 'p-default', 'name': 'default'}
    assert 'id' not in body


def test_a_username_in_another_letter_case_is_an_error_that_says_what_privx_holds():
    assert pick_username([SERVER_ACCOUNT], 'app_admin', 'target domain corp') is SERVER_ACCOUNT
    assert pick_username([SERVER_ACCOUNT], 'other', 'target domain corp') is None
    with pytest.raises(PrivXConfigError) as caught:
        pick_username([SERVER_ACCOUNT], 'App_Admin', "target domain 'corp'")
    assert str(caught.value) == ("username 'App_Admin' differs only in letter case from 'app_admin', which target domain 'corp' "
                                 "already holds; PrivX treats them as one account: write 'app_admin'")


def test_returned_accounts_never_carry_a_secret_and_have_every_key():
    returned = returned_account(dict(SERVER_ACCOUNT, password='planted-unexpected'))
    assert 'password' not in returned
    assert 'planted-secret' not in repr(returned) and 'planted-unexpected' not in repr(returned)
    assert returned['checkouts'] == [{'id': 'c1'}]
    assert returned['comment'] == '' and returned['rotation_history'] == []
    assert SERVER_ACCOUNT['checkouts'][0]['secrets'], 'the input must not be modified'


def test_diff_uses_option_names():
    before, after = account_diff(SERVER_ACCOUNT, {'state': 'UNMANAGED', 'comment': 'x'})
    assert before == {'account_state': 'MANAGED', 'comment': ''}
    assert after == {'account_state': 'UNMANAGED', 'comment': 'x'}


def test_additional_data_values_must_be_strings_as_privx_keeps_them():
    assert desired_account({'additional_data': {'team': 'ops', 'tier': '2'}})['additional_data'] == {'team': 'ops', 'tier': '2'}
    with pytest.raises(PrivXConfigError, match=r"^accounts\[app\]\.additional_data\.tier must be a string, got 2: .*quote"):
        desired_account({'additional_data': {'team': 'ops', 'tier': 2}}, where='accounts[app].')
