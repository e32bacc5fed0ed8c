# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# OAuth token endpoint, bearer authentication, token expiry and the admin/user role split.

import base64
import http.client
import json
import socket
import time

import pytest
import requests

from emulator_helpers import AZ, SM, TD_DB, TOKEN_PATH, Api, account_id, assert_error, managed_path


def oauth_error(answer: requests.Response, status: int, error: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error", "error_description"}, body
    assert body["error"] == error
    assert body["error_description"]


def test_token_for_admin_and_user(admin: Api, user: Api) -> None:
    for api, scope in ((admin, "admin"), (user, "user")):
        answer = api.token_response()
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 300
        assert body["scope"] == scope
        assert len(body["access_token"]) >= 40 and body["access_token"] != body["refresh_token"]
    assert admin.token_response().json()["access_token"] != admin.token_response().json()["access_token"]


def test_token_basic_credentials_may_be_form_encoded(emu, admin: Api) -> None:
    # RFC 6749 2.3.1 encoding (Go's oauth2 library) and the raw form (PrivX's Python SDK) both work.
    header = base64.b64encode(b"privx-external:test-oauth-secret").decode()
    form = {"grant_type": "password", "username": admin.client["client_id"], "password": admin.client["client_secret"]}
    answer = requests.post(emu.url + TOKEN_PATH, headers={"Authorization": "Basic " + header}, data=form, timeout=10)
    assert answer.status_code == 200


@pytest.mark.parametrize("basic", [None, ("privx-external", "wrong"), ("other-client", "test-oauth-secret")])
def test_token_bad_oauth_client_is_invalid_client(admin: Api, basic) -> None:
    answer = admin.token_response(basic=basic)
    oauth_error(answer, 401, "invalid_client")
    assert answer.headers["WWW-Authenticate"].startswith("Basic")


def test_token_malformed_basic_header_is_invalid_client(emu, admin: Api) -> None:
    form = {"grant_type": "password", "username": admin.client["client_id"], "password": admin.client["client_secret"]}
    for header in ("Basic !!!notbase64", "Bearer abc", "Basic " + base64.b64encode(b"no-colon").decode()):
        answer = requests.post(emu.url + TOKEN_PATH, headers={"Authorization": header}, data=form, timeout=10)
        oauth_error(answer, 401, "invalid_client")


def test_token_wrong_api_client_is_invalid_grant(admin: Api) -> None:
    oauth_error(admin.token_response(password="wrong"), 400, "invalid_grant")
    oauth_error(admin.token_response(username="f0000000-0000-4000-8000-000000000000"), 400, "invalid_grant")


def test_token_grant_type_and_missing_fields(admin: Api) -> None:
    oauth_error(admin.token_response(grant_type="client_credentials"), 400, "unsupported_grant_type")
    # The refresh grant exists (test_emulator_token_exchange.py); without a refresh_token it is malformed.
    oauth_error(admin.token_response(grant_type="refresh_token"), 400, "invalid_request")
    oauth_error(admin.token_response(grant_type=None), 400, "invalid_request")
    oauth_error(admin.token_response(username=None), 400, "invalid_request")
    oauth_error(admin.token_response(password=""), 400, "invalid_request")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_token_endpoint_wrong_method_answers_oauth_error(emu, method: str) -> None:
    answer = requests.request(method, emu.url + TOKEN_PATH, timeout=10)
    oauth_error(answer, 405, "invalid_request")
    assert answer.headers["Allow"] == "POST" and answer.headers["Cache-Control"] == "no-store"
    assert "WWW-Authenticate" not in answer.headers
    head = requests.head(emu.url + TOKEN_PATH, timeout=10)
    assert head.status_code == 405 and head.content == b"" and head.headers["Allow"] == "POST"


def test_token_endpoint_unreadable_body_answers_oauth_error(emu) -> None:
    host, port = emu.url.split("//", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"POST {TOKEN_PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".encode("ascii"))
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        assert answer.status == 400
        body = json.loads(answer.read())
    assert set(body) == {"error", "error_description"} and body["error"] == "invalid_request"


def test_bearer_missing_invalid(emu) -> None:
    url = emu.url + SM + "/targetdomains"
    body = assert_error(requests.get(url, timeout=10), 401, "GENERAL_ERROR")
    assert "missing" in body["error_message"]
    body = assert_error(requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10), 401, "GENERAL_ERROR")
    assert "invalid" in body["error_message"]
    body = assert_error(requests.get(url, headers={"Authorization": "Basic abc"}, timeout=10), 401, "GENERAL_ERROR")
    assert "missing" in body["error_message"]


def test_expire_tokens_by_control_call(emu, admin: Api, user: Api) -> None:
    assert admin.get(SM + "/targetdomains").status_code == 200
    assert emu.control.expire_tokens(admin.client["client_id"]) >= 1
    body = assert_error(admin.get(SM + "/targetdomains"), 401, "GENERAL_ERROR")
    assert "expired" in body["error_message"]
    assert user.get(AZ + "/secrets").status_code == 200, "only the admin client's tokens expired"
    emu.control.expire_tokens()
    assert_error(user.get(AZ + "/secrets"), 401, "GENERAL_ERROR")
    admin.login()
    assert admin.get(SM + "/targetdomains").status_code == 200


def test_short_token_lifetime(emu, admin: Api) -> None:
    emu.control.settings(token_lifetime=1)
    token = admin.login()
    assert token["expires_in"] == 1
    assert admin.get(SM + "/targetdomains").status_code == 200
    time.sleep(1.1)
    body = assert_error(admin.get(SM + "/targetdomains"), 401, "GENERAL_ERROR")
    assert "expired" in body["error_message"]


@pytest.mark.parametrize("method, path", [
    ("GET", SM + "/targetdomains"),
    ("POST", SM + "/targetdomains/search"),
    ("GET", SM + f"/targetdomains/{TD_DB}"),
    ("GET", SM + f"/targetdomains/{TD_DB}/accounts"),
    ("GET", managed_path(TD_DB)),
    ("POST", managed_path(TD_DB)),
    ("POST", managed_path(TD_DB, "/search")),
    ("POST", managed_path(TD_DB, "/batch/rotate")),
    ("GET", SM + "/password-policies"),
])
def test_user_role_cannot_use_secrets_manager(user: Api, method: str, path: str) -> None:
    assert_error(user.call(method, path, json={}), 403, "PERMISSION_DENIED")


def test_user_role_cannot_touch_one_account(emu, user: Api) -> None:
    ma = account_id(emu, "dbdomain", "app_admin")
    for method, suffix in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/rotate"), ("POST", "/password")):
        assert_error(user.call(method, managed_path(TD_DB, f"/{ma}{suffix}"), json={}), 403, "PERMISSION_DENIED")


def test_user_and_admin_roles_can_use_authorizer(admin: Api, user: Api) -> None:
    for api in (admin, user):
        assert api.get(AZ + "/secrets").status_code == 200
        assert api.post(AZ + "/secrets/search", json={}).status_code == 200
        assert api.get(AZ + "/secrets/checkouts").status_code == 200
        checkout = api.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/app_admin"})
        assert checkout.status_code == 200
        checkout_id = checkout.json()["id"]
        assert api.get(AZ + f"/secrets/checkouts/{checkout_id}").status_code == 200
        assert api.post(AZ + f"/secrets/checkouts/{checkout_id}/release").status_code == 200
