# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Vault secrets: names, numbers compared as PrivX keeps them, key-only diffs, and converge against the one fake."""

from __future__ import annotations

import json

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.converge.vault_secret import converge_vault_secret
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.resources.roles import Roles
from ansible_collections.privx.secrets.plugins.module_utils.resources.vault_secrets import (
    VaultSecrets,
    checked_vault_secret_name,
    data_key_changes,
    desired_vault_secret,
    go_numbers,
)

SECRET_VALUE = 'planted-unit-vault-value'


def converge(privx, name, desired, state='present', update_data='when_changed', check_mode=False):
    client = privx.client()
    return converge_vault_secret(VaultSecrets(client), Roles(client), name, desired, state=state, update_data=update_data,
                                 check_mode=check_mode)


@pytest.mark.parametrize('name', ['', ' a', 'a/', '/a', 'a//b', 'a/./b', 'a/../b', 'x' * 256, 'a\tb'])
def test_names_privx_would_refuse_are_refused_before_any_call(name):
    with pytest.raises(PrivXConfigError):
        checked_vault_secret_name(name)


def test_numbers_compare_as_the_floats_privx_keeps():
    assert go_numbers({'a': 1, 'b': [2**60 + 1], 'c': True}) == {'a': 1.0, 'b': [float(2**60 + 1)], 'c': True}
    assert go_numbers(2**60 + 1) == go_numbers(1152921504606847000)
    assert data_key_changes({'a': 1, 'b': 'x', 'gone': 1}, {'a': 1.0, 'b': 'y', 'new': 2}) == {
        'added': ['new'], 'changed': ['b'], 'removed': ['gone']}


def test_desired_roles_are_each_once_and_never_blank():
    assert desired_vault_secret({'read_roles': ['ops', 'ops'], 'data': None}) == {'read_roles': ['ops']}
    with pytest.raises(PrivXConfigError, match='write_roles must not hold an empty role name'):
        desired_vault_secret({'write_roles': [' ']})


def test_create_then_no_change_then_a_changed_key_diff_names_keys_only(privx):
    desired = {'data': {'password': SECRET_VALUE, 'port': 5432}, 'read_roles': ['ops'], 'write_roles': ['privx-admin']}
    result = converge(privx, 'db/app', desired)
    assert result['changed'] is True and privx.vault['db/app']['data'] == desired['data']
    assert result['vault_secret']['read_roles'] == ['ops'] and 'data' not in result['vault_secret']
    calls = len(privx.writes())
    result = converge(privx, 'db/app', dict(desired, data={'password': SECRET_VALUE, 'port': 5432.0}))
    assert result['changed'] is False and len(privx.writes()) == calls
    result = converge(privx, 'db/app', dict(desired, data={'password': 'planted-unit-vault-other'}))
    assert result['diff'] == {'before': {'data': {'password': '<hidden>', 'port': '<hidden>'}},
                              'after': {'data': {'password': '<hidden, changed>'}}}
    assert result['data_changes'] == {'added': [], 'changed': ['password'], 'removed': ['port']}
    assert SECRET_VALUE not in json.dumps(result) and 'planted-unit-vault-other' not in json.dumps(result)


def test_a_client_that_cannot_read_writes_and_warns_and_on_create_leaves_data_alone(privx):
    privx.vault_secret('ops/key', {'key': SECRET_VALUE}, read_roles=['ops'], write_roles=['ops'], readable=False)
    result = converge(privx, 'ops/key', {'data': {'key': 'planted-unit-vault-new'}})
    assert result['changed'] is True and result['warnings'] and privx.vault['ops/key']['data'] == {'key': 'planted-unit-vault-new'}
    assert result['diff']['before'] == {'data': '<not readable by this API client>'}
    writes = len(privx.writes())
    result = converge(privx, 'ops/key', {'data': {'key': 'other'}}, update_data='on_create')
    assert result['changed'] is False and len(privx.writes()) == writes


def test_unknown_role_names_fail_naming_them_before_any_write(privx):
    with pytest.raises(PrivXConfigError, match="read_roles: PrivX has no role named 'nobody'"):
        converge(privx, 'x/y', {'read_roles': ['ops', 'nobody']})
    assert privx.writes() == []


def test_check_mode_and_absent(privx):
    privx.vault_secret('gone', {'a': 'b'}, read_roles=['ops'])
    assert converge(privx, 'gone', {}, state='absent', check_mode=True)['changed'] is True and 'gone' in privx.vault
    result = converge(privx, 'gone', {}, state='absent')
    assert result['changed'] is True
    assert result['diff'] == {'before': {'name': 'gone', 'read_roles': ['ops'], 'write_roles': []}, 'after': {}}
    assert 'gone' not in privx.vault
    assert converge(privx, 'gone', {}, state='absent')['changed'] is False


def test_the_lookup_side_reads_data_personal_secrets_and_refuses_unreadable_ones(privx):
    privx.vault_secret('db/app', {'password': SECRET_VALUE})
    privx.vault_secret('seen/only', {'password': SECRET_VALUE}, readable=False)
    vault = VaultSecrets(privx.client())
    assert vault.data('db/app') == {'password': SECRET_VALUE}
    assert vault.data('db/app', personal=True) == {'password': SECRET_VALUE}
    with pytest.raises(PrivXError, match="may see the Vault secret 'seen/only' but not read its data"):
        vault.data('seen/only')
    with pytest.raises(PrivXError, match="no Vault secret named 'nope'"):
        vault.data('nope')
