# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identity providers: options to fields, the comparison with what PrivX holds, and the body it is sent; and the
expiry the client reads from a JWT before exchanging it."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core.client import jwt_expiry
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.resources.identity_providers import (
    RETURNED_IDENTITY_PROVIDER,
    desired_identity_provider,
    identity_provider_body,
    identity_provider_changes,
    identity_provider_options_spec,
    returned_identity_provider,
)

PEM = '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAt7TdpLcYEiMZBnYpBAvB\n-----END PUBLIC KEY-----\n'
HELD = {'id': 'bf720f68', 'name': 'ci', 'token_type': 'JWT', 'jwt_issuer': 'https://ci.example.com', 'jwt_audience': 'privx',
        'jwt_subject_type': 'plain', 'public_key_method': 'static', 'users_directory': 'dir', 'enabled': True,
        'public_keys': [{'key_id': 'b', 'comment': '', 'public_key': PEM}, {'key_id': 'a', 'comment': 'old', 'public_key': PEM}],
        'custom_attributes': [{'field_name': 'ref', 'type': 'string_pattern', 'expected_value': 'main', 'start': '', 'end': ''}],
        'author': 'someone', 'created': '2026-12-01T09:00:00Z'}


def options(**given):
    spec = identity_provider_options_spec()
    values = {name: None for name in spec}
    values.update(given)
    return values


def test_options_are_named_as_claims_and_become_privx_fields():
    desired = desired_identity_provider(options(issuer='https://ci.example.com', audience='', subject_type='plain',
                                                claim_rules=[{'field_name': 'ref', 'type': 'ip_client'}]))
    assert desired == {'jwt_issuer': 'https://ci.example.com', 'jwt_audience': '', 'jwt_subject_type': 'plain',
                       'custom_attributes': [{'field_name': 'ref', 'type': 'ip_client', 'expected_value': '', 'start': '', 'end': ''}]}
    spec = identity_provider_options_spec()
    assert spec['public_keys']['no_log'] is False and spec['public_keys']['options']['public_key']['no_log'] is False
    assert spec['subject_type']['choices'] == ['plain', 'dn']


def test_keys_and_rules_compare_in_any_order_and_pem_without_its_line_ends():
    crlf = PEM.replace('\n', '\r\n') + '\r\n'
    same = desired_identity_provider(options(public_keys=[{'key_id': 'a', 'comment': 'old', 'public_key': crlf},
                                                          {'key_id': 'b', 'public_key': '  ' + PEM}]))
    assert identity_provider_changes(HELD, same) == {}
    other_comment = desired_identity_provider(options(public_keys=[{'key_id': 'a', 'public_key': PEM}, {'key_id': 'b', 'public_key': PEM}]))
    assert list(identity_provider_changes(HELD, other_comment)) == ['public_keys']
    assert identity_provider_changes(HELD, desired_identity_provider(options(claim_rules=[]))) == {'custom_attributes': []}


def test_an_update_sends_the_whole_provider_with_the_changes():
    body = identity_provider_body('ci', {'enabled': False}, HELD)
    assert body['enabled'] is False and body['jwt_issuer'] == HELD['jwt_issuer'] and body['token_type'] == 'JWT'
    assert [key['key_id'] for key in body['public_keys']] == ['b', 'a']
    assert 'author' not in body and 'id' not in body


@pytest.mark.parametrize('desired, missing', [
    ({'users_directory': 'dir', 'public_keys': [{'key_id': 'a', 'comment': '', 'public_key': PEM}]}, 'needs issuer'),
    ({'jwt_issuer': 'i', 'public_keys': [{'key_id': 'a', 'comment': '', 'public_key': PEM}]}, 'needs users_directory'),
    ({'jwt_issuer': 'i', 'users_directory': 'd'}, 'needs public_keys'),
    ({'jwt_issuer': 'i', 'users_directory': 'd', 'public_key_method': 'x5u-publickey'}, 'needs x5u_prefix'),
    ({'jwt_issuer': 'i', 'users_directory': 'd', 'public_keys': [{'key_id': 'a', 'comment': '', 'public_key': PEM}],
      'jwt_subject_type': 'dn'}, 'needs subject_dn_username_attribute'),
])
def test_a_provider_privx_would_refuse_is_one_line_before_any_call(desired, missing):
    with pytest.raises(PrivXConfigError) as caught:
        identity_provider_body('new', desired)
    assert missing in str(caught.value) and str(caught.value).startswith("identity provider 'new' needs")


def test_a_key_id_given_twice_is_refused():
    with pytest.raises(PrivXConfigError, match="public_keys: key_id 'a' is given more than once"):
        desired_identity_provider(options(public_keys=[{'key_id': 'a', 'public_key': PEM}, {'key_id': 'a', 'public_key': PEM}]))


def test_every_field_is_returned_with_its_empty_value():
    returned = returned_identity_provider({'id': 'x', 'name': 'n', 'unknown': 1})
    assert set(returned) == set(RETURNED_IDENTITY_PROVIDER) and 'unknown' not in returned
    assert (returned['public_keys'], returned['enabled'], returned['x5u_prefix']) == ([], False, '')


def jwt_with(payload):
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b'=').decode()
    return 'eyJhbGciOiJSUzI1NiJ9.%s.c2lnbmF0dXJl' % encoded


@pytest.mark.parametrize('token, expected', [
    (jwt_with({'exp': 1767225600}), '2026-01-01T00:00:00Z'),
    (jwt_with({'exp': 1767225600.5}), '2026-01-01T00:00:00Z'),
    (jwt_with({'exp': 4102444800}), None),
    (jwt_with({'sub': 'no exp'}), None),
    (jwt_with(['not', 'an', 'object']), None),
    (jwt_with({'exp': 'soon'}), None),
    ('not-a-jwt', None),
    ('a.!!!.c', None),
])
def test_the_expiry_is_read_without_verifying_and_only_a_past_one_counts(token, expected):
    assert jwt_expiry(token, now=1796000000) == expected
