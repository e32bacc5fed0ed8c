# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Helpers of the emulator's own tests: ids of fixtures/test.json, an API session per client, and
# assertions for PrivX's error body.

import os
import sys

import requests

EMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, EMULATOR_DIR)

from privx_emulator.harness import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position

SM = "/secrets-manager/api/v1"
AZ = "/authorizer/api/v1"
TOKEN_PATH = "/auth/api/v1/oauth/token"

# Fixed ids of fixtures/test.json
TD_CORP = "6aeaa659-5950-4aab-8297-716838bafe32"
TD_DB = "b56f24ea-767c-4df9-a479-e6bfa7331886"
TD_EMPTY = "dbb92542-7cea-47db-aaeb-20d102ed3ba8"
POLICY_DEFAULT = "c3b1681f-63b0-45ff-8dd3-ae7648ff4496"
HOST_WEB01 = "888fd472-1d32-4023-a1c3-b6e002938f87"
HOST_DB01 = "5406ad3a-e82d-42cb-9bc0-3bc64da21f2c"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
ROTATION_DELAY = 0.2


def managed_path(td_id: str, suffix: str = "") -> str:
    return f"{SM}/targetdomains/{td_id}/managedaccounts{suffix}"


class Api:
    """A requests.Session logged in as one of the fixture's API clients."""

    def __init__(self, emulator: EmulatorProcess, name: str) -> None:
        self.emulator = emulator
        self.name = name
        self.client = emulator.clients[name]
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = emulator.ca_path or True
        self.login()

    def token_response(self, **overrides) -> requests.Response:
        basic = overrides.pop("basic", (self.client["oauth_client_id"], self.client["oauth_client_secret"]))
        form = {"grant_type": "password", "username": self.client["client_id"], "password": self.client["client_secret"]}
        form.update(overrides)
        form = {key: value for key, value in form.items() if value is not None}
        return requests.post(self.emulator.url + TOKEN_PATH, auth=basic, data=form, verify=self.session.verify, timeout=10)

    def login(self) -> dict:
        answer = self.token_response()
        assert answer.status_code == 200, answer.text
        self.session.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
        return answer.json()

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.emulator.url + path, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.call("DELETE", path, **kwargs)


def assert_error(answer: requests.Response, status: int, error_code: str, prop: str | None = None) -> dict:
    """A PrivX error answer with this status, error_code and (when given) property."""
    assert answer.status_code == status, f"{answer.status_code} {answer.text}"
    body = answer.json()
    assert set(body) == {"error_code", "error_message", "property", "details"}, body
    assert body["error_code"] == error_code, body
    assert body["details"] == [], body
    assert body["error_message"], body
    if prop is not None:
        assert body["property"] == prop, body
    return body


def account_id(emulator: EmulatorProcess, target_domain: str, username: str) -> str:
    account = emulator.control.managed_account(target_domain, username)
    assert account is not None, f"no managed account {username} in {target_domain}"
    return account["id"]


def wait_unlocked(emulator: EmulatorProcess, target_domain: str, username: str, timeout: float = 5) -> dict:
    def unlocked():
        account = emulator.control.managed_account(target_domain, username)
        return account if not account["locked"] else None
    return emulator.wait_until(unlocked, timeout=timeout, message=f"{username} to unlock")
