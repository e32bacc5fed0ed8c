# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role variables as users give them (typed, key=value text, survey text), read against the roles' own argument specs."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.privx.secrets.plugins.plugin_utils._role_arguments import read_role_arguments

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def role_spec(role):
    with open(os.path.join(REPO, 'roles', role, 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['argument_specs']['main']['options']


ACCOUNTS = role_spec('managed_accounts')
ROTATION = role_spec('rotation')


def read(spec, **variables):
    return read_role_arguments(variables, spec)


def arguments(spec, **variables):
    result = read(spec, **variables)
    assert result['errors'] == []
    return result['arguments']


def error(spec, **variables):
    (line,) = read(spec, **variables)['errors']
    assert '\n' not in line
    return line


@pytest.mark.parametrize('text, value', [('false', False), ('False', False), ('NO', False), ('off', False), ('0', False),
                                         ('true', True), ('Yes', True), ('ON', True), ('1', True), (False, False), (True, True)])
def test_booleans_in_every_spelling(text, value):
    assert arguments(ACCOUNTS, privx_password_policies_exclusive=text)['privx_password_policies_exclusive'] is value


def test_not_set_null_and_empty_text_take_the_default():
    assert arguments(ACCOUNTS) == {
        'privx_password_policies': [], 'privx_password_policies_exclusive': False, 'privx_password_policies_allow_delete_all': False,
        'privx_target_domains': [], 'privx_managed_accounts': [], 'managed_accounts_batch_size': 500,
        'privx_script_templates': [], 'privx_host_password_rotation': [],
        'privx_vault_secrets': [], 'privx_vault_secrets_exclusive': False, 'privx_vault_secrets_allow_delete_all': False}
    assert arguments(ACCOUNTS, privx_password_policies_exclusive=None, privx_target_domains='  ', managed_accounts_batch_size='') == \
        arguments(ACCOUNTS)


def test_numbers_as_text():
    assert arguments(ACCOUNTS, managed_accounts_batch_size='7')['managed_accounts_batch_size'] == 7
    assert arguments(ROTATION, rotation_target_domains='d', rotation_wait_timeout='90')['rotation_wait_timeout'] == 90


@pytest.mark.parametrize('given', ['corp.example.com, dbdomain', ' corp.example.com,,dbdomain ,', 'corp.example.com\ndbdomain\n',
                                   '["corp.example.com", "dbdomain"]', ['corp.example.com', 'dbdomain']])
def test_lists_as_comma_separated_text_lines_json_text_or_a_list(given):
    assert arguments(ROTATION, rotation_target_domains=given)['rotation_target_domains'] == ['corp.example.com', 'dbdomain']


def test_text_stays_text_and_empty_text_is_kept_where_the_type_is_str():
    read_back = arguments(ROTATION, rotation_target_domains='d', rotation_older_than='')
    assert read_back['rotation_older_than'] == '' and read_back['rotation_usernames'] == []
    assert arguments(ROTATION, rotation_target_domains='d', rotation_older_than=None)['rotation_older_than'] == '30d'


def test_a_list_of_dicts_as_json_text_is_read_and_its_entries_typed_keeping_only_the_keys_given():
    text = '[{"name": "quarterly", "rotation_interval": "90d", "password_min_length": "20", "rotate_on_release": "no"}]'
    assert arguments(ACCOUNTS, privx_password_policies=text)['privx_password_policies'] == [
        {'name': 'quarterly', 'rotation_interval': '90d', 'password_min_length': 20, 'rotate_on_release': False}]
    domains = [{'name': 'ad', 'scan': True, 'wait': 'yes', 'endpoints': [{'type': 'AD', 'ldap_port': '636'}]}]
    assert arguments(ACCOUNTS, privx_target_domains=domains)['privx_target_domains'] == [
        {'name': 'ad', 'scan': 'true', 'wait': True, 'endpoints': [{'type': 'AD', 'ldap_port': 636}]}]


@pytest.mark.parametrize('variables, words', [
    ({'privx_password_policies': '[{"name": "a",}]'}, ['privx_password_policies is not valid JSON', 'line 1 column']),
    ({'privx_managed_accounts': 'corp.example.com'}, ['privx_managed_accounts must be a list', 'JSON text']),
    ({'privx_managed_accounts': '{"target_domain": "d", "accounts": []}'}, ['privx_managed_accounts must be a list']),
    ({'privx_managed_accounts': ['corp.example.com']}, ['privx_managed_accounts[0] must be a dict, not str']),
    ({'privx_password_policies': [{'name': 'p', 'rotation_intervall': '30d'}]},
     ["privx_password_policies[0]: unknown key 'rotation_intervall' (did you mean 'rotation_interval'?)"]),
    ({'privx_target_domains': [{'name': 'd', 'endpoints': [{'type': 'AD', 'ldap_bind_pasword': 'x'}]}]},
     ["privx_target_domains[0].endpoints[0]: unknown key 'ldap_bind_pasword'"]),
    ({'privx_password_policies': [{'name': 'p'}, {'name': 'q', 'password_min_length': 'twelve'}]},
     ['privx_password_policies[1]', 'password_min_length', 'int']),
    ({'privx_managed_accounts': [{'target_domain': 'd', 'accounts': [], 'state': 'gone'}]},
     ['privx_managed_accounts[0]', 'state', 'gone']),
    ({'privx_password_policies_exclusive': 'perhaps'}, ['privx_password_policies_exclusive', 'perhaps', 'boolean']),
    ({'managed_accounts_batch_size': 'big'}, ['managed_accounts_batch_size', 'int']),
])
def test_what_cannot_be_read_is_one_line_naming_the_variable(variables, words):
    line = error(ACCOUNTS, **variables)
    for word in words:
        assert word in line, line


def test_every_variable_that_cannot_be_read_is_named_and_the_others_are_still_read():
    result = read(ROTATION, rotation_target_domains='["a",', rotation_wait='perhaps', rotation_wait_timeout='soon')
    assert [line.split()[0].strip("'") for line in result['errors']] == ['rotation_target_domains', 'argument', 'argument']
    assert 'rotation_wait' in result['errors'][1] and 'rotation_wait_timeout' in result['errors'][2]
    assert result['arguments']['rotation_older_than'] == '30d'


def test_a_required_variable_not_set_is_named():
    # The rotation role's target domains stopped being required when rotation_hosts came (either may name what rotates).
    assert error({'rotation_target_domains': {'type': 'list', 'elements': 'str', 'required': True}}) == 'rotation_target_domains is required'


def test_no_secret_in_a_message_and_no_json_text_either():
    bind = 'planted-bind-S3cr3t'
    line = error(ACCOUNTS, privx_target_domains=[{'name': 'd', 'endpoints': [{'type': bind, 'ldap_bind_password': bind}]}])
    assert bind not in line and '********' in line
    line = error(ACCOUNTS, privx_target_domains='[{"name": "d", "endpoints": [{"ldap_bind_password": "%s"}]' % bind)
    assert bind not in line
