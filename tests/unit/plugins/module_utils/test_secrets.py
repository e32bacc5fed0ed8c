# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the checkout and release calls make of PrivX's error statuses (declared with core/errors.py's on_api_error)."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError, PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.core.secrets import AccountSecrets


def refusing(privx, status, code=None, message=None):
    """AccountSecrets of API client 'ci-client', over the fake, whose checkout and release calls PrivX answers with ``status``."""
    for path in (paths.CHECKOUTS, paths.checkout_release('c-1')):
        privx.answers[('POST', path)] = PrivXApiError('POST', path, status, code, message)
    return AccountSecrets(privx.client(client_id='ci-client', client_secret='planted-s', oauth_client_secret='planted-o', retries=0))


def test_a_checkout_of_an_unknown_path_names_the_path_and_the_info_module(privx):
    with pytest.raises(PrivXError) as raised:
        refusing(privx, 404).checkout('corp/nobody')
    assert not isinstance(raised.value, PrivXApiError)
    assert str(raised.value) == ("no account secret at path 'corp/nobody': PrivX answered 404 "
                                 "(check the path with privx.secrets.account_secret_info)")


def test_a_forbidden_checkout_names_the_api_client_and_privx_reason(privx):
    with pytest.raises(PrivXError) as raised:
        refusing(privx, 403, 'PERMISSION_DENIED', 'explicit checkout off').checkout('corp/app')
    assert str(raised.value) == ("API client 'ci-client' may not check out 'corp/app': "
                                 "PrivX answered 403 PERMISSION_DENIED (explicit checkout off)")


def test_a_forbidden_checkout_says_not_permitted_once(privx):
    refusal = PrivXApiError('POST', '/x', 403, 'PERMISSION_DENIED', 'explicit checkout off', api_client='ci-client')
    assert "API client 'ci-client' is not permitted to do this (explicit checkout off)" in str(refusal)
    assert refusal.error_message == 'explicit checkout off', "PrivX's own reason, for callers that word it their way"
    with pytest.raises(PrivXError) as raised:
        refusing(privx, 403, 'PERMISSION_DENIED', 'explicit checkout off').checkout('corp/app')
    assert str(raised.value) == ("API client 'ci-client' may not check out 'corp/app': "
                                 "PrivX answered 403 PERMISSION_DENIED (explicit checkout off)")


def test_other_checkout_errors_pass_unchanged(privx):
    with pytest.raises(PrivXApiError) as raised:
        refusing(privx, 500).checkout('corp/app')
    assert raised.value.status == 500


def test_releasing_a_checkout_that_is_already_gone_is_no_error(privx):
    assert refusing(privx, 404).release('c-1') is None
    assert [call[:2] for call in privx.calls if call[1] != '/auth/api/v1/oauth/token'] == [('POST', paths.checkout_release('c-1'))]


def test_a_release_that_fails_otherwise_raises(privx):
    with pytest.raises(PrivXApiError):
        refusing(privx, 500).release('c-1')


def test_returned_account_secret_is_the_same_whether_privx_sends_empty_fields_or_leaves_them_out():
    from ansible_collections.privx.secrets.plugins.module_utils.core.secrets import RETURNED_ACCOUNT_SECRET, returned_account_secret
    go = {'path': 'dbdomain/app', 'type': 'TARGET_DOMAIN_SECRET', 'username': 'app', 'target_domain': {'id': 'td1', 'name': 'dbdomain'},
          'host': {'id': '', 'addresses': None}, 'created': '2026-01-01T00:00:00Z', 'secrets': ['planted-never']}
    sparse = {'path': 'dbdomain/app', 'type': 'TARGET_DOMAIN_SECRET', 'username': 'app', 'target_domain': {'id': 'td1', 'name': 'dbdomain'},
              'created': '2026-01-01T00:00:00Z', 'email': None}
    assert returned_account_secret(go) == returned_account_secret(sparse)
    assert set(returned_account_secret(go)) == set(RETURNED_ACCOUNT_SECRET) and returned_account_secret(go)['host'] == {}
    host_secret = returned_account_secret({'path': 'hosts/web01/root', 'type': 'HOST_SECRET', 'target_domain': {'id': ''},
                                           'host': {'id': 'h1', 'addresses': ['10.0.0.5']}})
    assert host_secret['target_domain'] == {} and host_secret['host'] == {'id': 'h1', 'addresses': ['10.0.0.5']}
