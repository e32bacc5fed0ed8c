# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Control API: request log, faults (status, drop, delay, skip), reset, settings, state reads.

import threading
import time

import pytest
import requests

from emulator_helpers import SM, TD_DB, TOKEN_PATH, Api, assert_error, managed_path
from privx_emulator.harness import ControlError

TARGET_DOMAINS = SM + "/targetdomains"


def test_request_log(emu, admin: Api) -> None:
    mark = emu.control.mark()
    admin.login()
    admin.get(TARGET_DOMAINS, params={"limit": 5})
    requests.get(emu.url + TARGET_DOMAINS, timeout=10)
    admin.get(SM + "/nothing")
    emu.control.health()
    log = emu.control.requests(since=mark)
    assert [(item["method"], item["path"], item["status"]) for item in log] == [
        ("POST", TOKEN_PATH, 200),
        ("GET", TARGET_DOMAINS, 200),
        ("GET", TARGET_DOMAINS, 401),
        ("GET", SM + "/nothing", 404),
    ], "control calls are not logged"
    assert [item["seq"] for item in log] == list(range(mark + 1, mark + 5))
    assert log[1]["query"] == "limit=5" and log[0]["query"] == ""
    assert [item["client"] for item in log] == [admin.client["client_id"], admin.client["client_id"], None, admin.client["client_id"]]
    assert all(item["duration_ms"] >= 0 and item["time"] > 1.7e9 for item in log)
    assert log == sorted(log, key=lambda item: item["time"])
    assert emu.control.mark() == mark + 4
    emu.control.clear_requests()
    assert emu.control.requests() == [] and emu.control.mark() == mark + 4, "seq keeps counting after a clear"


def test_fault_429_with_retry_after(emu, admin: Api) -> None:
    mark = emu.control.mark()
    emu.control.fault(r"/targetdomains$", status=429, retry_after=2, count=2)
    for _attempt in range(2):
        answer = admin.get(TARGET_DOMAINS)
        assert_error(answer, 429, "MAX_LOAD")
        assert answer.headers["Retry-After"] == "2"
    assert admin.get(TARGET_DOMAINS).status_code == 200
    assert admin.get(SM + f"/targetdomains/{TD_DB}").status_code == 200, "the regex did not match"
    fault = emu.control.faults()[0]
    assert fault["remaining"] == 0 and fault["hits"] == 2
    log = emu.control.requests(since=mark)
    assert [item["status"] for item in log] == [429, 429, 200, 200]
    assert log[0]["client"] == admin.client["client_id"], "a faulted request still names its client"


def test_fault_503_method_and_skip(emu, admin: Api) -> None:
    emu.control.fault("managedaccounts", status=503, method="post", skip=1, count=1)
    assert admin.get(managed_path(TD_DB)).status_code == 200, "GET does not match a POST fault"
    assert admin.post(managed_path(TD_DB, "/search"), json={}).status_code == 200, "skipped"
    assert_error(admin.post(managed_path(TD_DB, "/search"), json={}), 503, "TOO_MANY_CONNECTIONS")
    assert admin.post(managed_path(TD_DB, "/search"), json={}).status_code == 200


def test_fault_on_token_endpoint_and_error_code(emu, admin: Api) -> None:
    emu.control.fault("oauth/token", status=500, error_code="DATABASE_ERROR")
    assert_error(admin.token_response(), 500, "DATABASE_ERROR")
    assert admin.token_response().status_code == 200


def test_fault_drop(emu, admin: Api) -> None:
    mark = emu.control.mark()
    emu.control.fault(r"/targetdomains$", action="drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        admin.get(TARGET_DOMAINS)
    assert admin.get(TARGET_DOMAINS).status_code == 200, "a new connection works"
    assert [item["status"] for item in emu.control.requests(since=mark)] == [0, 200]


def test_fault_delay_does_not_block_others(emu, admin: Api) -> None:
    emu.control.fault(r"/targetdomains$", action="delay", delay=0.8)
    results = {}

    def slow() -> None:
        started = time.monotonic()
        results["status"] = Api(emu, "admin").get(TARGET_DOMAINS).status_code
        results["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.1)
    started = time.monotonic()
    assert admin.get(managed_path(TD_DB)).status_code == 200
    assert time.monotonic() - started < 0.5, "other requests are served during the delay"
    thread.join()
    assert results["status"] == 200 and results["elapsed"] >= 0.8
    delayed = [item for item in emu.control.requests() if item["path"] == TARGET_DOMAINS]
    assert delayed[0]["duration_ms"] >= 800


def test_fault_unlimited_until_cleared(emu, admin: Api) -> None:
    emu.control.fault("password-policies", status=503, count=None)
    for _attempt in range(3):
        assert admin.get(SM + "/password-policies").status_code == 503
    emu.control.clear_faults()
    assert emu.control.faults() == []
    assert admin.get(SM + "/password-policies").status_code == 200


@pytest.mark.parametrize("spec, prop", [
    ({"action": "explode"}, "action"),
    ({"action": "status", "path": "("}, "path"),
    ({"action": "status", "count": 0}, "count"),
    ({"action": "delay"}, "delay"),
    ({"action": "status", "colour": "red"}, "colour"),
])
def test_fault_validation(emu, spec: dict, prop: str) -> None:
    body = dict({"path": "x"}, **spec)
    with pytest.raises(ControlError) as caught:
        emu.control.call("POST", "faults", body)
    assert caught.value.status == 400 and caught.value.body["property"] == prop


def test_reset_restores_everything(emu, admin: Api) -> None:
    assert admin.post(managed_path(TD_DB), json={"username": "temporary"}).status_code == 201
    emu.control.fault("nothing-matches", status=503)
    emu.control.settings(token_lifetime=5, rotation_delay=3)
    emu.control.fail_rotation("dbdomain", "app_admin")
    emu.control.reset()
    assert emu.control.managed_account("dbdomain", "temporary") is None
    assert emu.control.faults() == [] and emu.control.requests() == []
    assert emu.control.settings() == {"rotation_delay": 0.2, "token_lifetime": 300, "wrap_checkout": False, "scan_delay": 0.5, "render": "go"}
    assert emu.control.call("GET", "rotation-failures")["items"] == []
    admin.login()
    assert admin.get(managed_path(TD_DB)).json()["count"] == 7


def test_settings_validation(emu) -> None:
    for body, prop in (({"token_lifetime": 0}, "token_lifetime"), ({"rotation_delay": "1"}, "rotation_delay"), ({"speed": 1}, "speed"),
                       ({"wrap_checkout": "yes"}, "wrap_checkout"), ({"rotation_delay": 1, "token_lifetime": 1.5}, "token_lifetime"),
                       ({"render": "omitempty"}, "render")):
        with pytest.raises(ControlError) as caught:
            emu.control.call("POST", "settings", body)
        assert caught.value.body["property"] == prop
    assert emu.control.settings() == {"rotation_delay": 0.2, "token_lifetime": 300, "wrap_checkout": False, "scan_delay": 0.5, "render": "go"}


def test_state_reads(emu, user: Api) -> None:
    accounts = emu.control.managed_accounts("dbdomain")
    assert len(accounts) == 7 and all("locked" in item and "rotation_history" in item for item in accounts)
    assert emu.control.managed_accounts(TD_DB) == accounts
    assert emu.control.host_secrets("web01", "root")[0]["secret"] == "web01-root-v1"
    health = emu.control.health()
    assert health["status"] == "ok" and health["fixture"] == "test.json"
    for path, query in (("managed-accounts", {"target_domain": "nope"}), ("secrets", {"target_domain": "dbdomain", "username": "nobody"})):
        with pytest.raises(ControlError) as caught:
            emu.control.call("GET", path, query=query)
        assert caught.value.status == 404
    with pytest.raises(ControlError) as caught:
        emu.control.call("GET", "nothing")
    assert caught.value.status == 404
    with pytest.raises(ControlError) as caught:
        emu.control.call("PUT", "reset")
    assert caught.value.status == 405
    assert user.get("/_emulator/health").status_code == 200, "no auth on the control API"
