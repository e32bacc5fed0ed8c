# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Scale for an event source (issue 24: 10 target domains, 10,000 managed accounts, a poll every 30 s): fixtures/scale.json
# seeds it from generate_managed_accounts in about a second, and the emulator answers the cheap polls: one audit event
# search finds every rotation failure and discovered account since the last poll, where reading every account takes
# 10 requests and 10,000 accounts; an updated_after search finds the accounts changed through the API. The request
# counts come from the emulator's request log.

import copy
import datetime
import json
import time

import pytest

from emulator_helpers import SM, Api, managed_path
from privx_emulator.fixture import FixtureError, check_fixture
from privx_emulator.harness import EmulatorProcess, fixture_path

SEARCH = "/monitor-service/api/v1/auditevents/search"
DOMAINS = [f"td{number:02d}.example.com" for number in range(1, 11)]


@pytest.fixture(scope="module")
def scale():
    started = time.monotonic()
    with EmulatorProcess(fixture=fixture_path("scale.json")) as process:
        process.seconds_to_start = time.monotonic() - started
        yield process


def _requests_and_bytes(emu, call) -> tuple:
    mark = emu.control.mark()
    size = call()
    return len(emu.control.requests(since=mark)), size


def _read_everything(admin: Api) -> tuple:
    """What a poller without the audit log reads: every managed account of every domain, pages of 1,000."""
    accounts, size = [], 0
    for domain in admin.get(SM + "/targetdomains", params={"limit": 1000}).json()["items"]:
        offset = 0
        while True:
            answer = admin.get(managed_path(domain["id"]), params={"offset": offset, "limit": 1000})
            size += len(answer.content)
            page = answer.json()
            accounts += page["items"]
            offset += 1000
            if offset >= page["count"]:
                break
    return accounts, size


def test_the_fixture_seeds_10000_managed_accounts(scale) -> None:
    admin = Api(scale, "admin")
    domains = admin.get(SM + "/targetdomains").json()["items"]
    assert sorted(domain["name"] for domain in domains) == DOMAINS
    counts = [admin.get(managed_path(domain["id"]), params={"limit": 1}).json()["count"] for domain in domains]
    assert counts == [1000] * 10
    first = admin.get(managed_path(domains[0]["id"]), params={"limit": 1}).json()["items"][0]
    assert (first["username"], first["email"], first["password_policy"]["name"], first["rotation_enabled"]) == (
        "svc0001", f"svc0001@{domains[0]['name']}", "default", True)
    print(f"\nscale.json: emulator started with 10,000 managed accounts in {scale.seconds_to_start:.2f} s")
    assert scale.seconds_to_start < 10


def test_one_audit_search_per_poll_finds_what_changed(scale) -> None:
    admin, auditor = Api(scale, "admin"), Api(scale, "auditor")
    watermark = auditor.get("/monitor-service/api/v1/time").json()["time_utc"]
    failed = scale.control.managed_account("td03.example.com", "svc0042")
    scale.control.fail_rotation("td03.example.com", "svc0042", count=1)
    assert admin.post(managed_path(failed["target_domain"]["id"], f"/{failed['id']}/rotate")).status_code == 200
    scale.control.add_to_directory("td07.example.com", "svc_new")
    td07 = next(domain for domain in admin.get(SM + "/targetdomains").json()["items"] if domain["name"] == "td07.example.com")
    assert admin.post(f"{SM}/targetdomains/{td07['id']}/refresh").status_code == 200
    scale.wait_until(lambda: admin.get(f"{SM}/targetdomains/{td07['id']}").json()["scan_status"] == "SUCCESS", message="the scan")
    scale.wait_until(lambda: not scale.control.managed_account("td03.example.com", "svc0042")["locked"], message="the rotation")

    def poll() -> int:
        answer = auditor.post(SEARCH, params={"limit": 1000, "sortdir": "ASC"}, json={"start_time": watermark})
        poll.events = [event for event in answer.json()["items"] if event["event_name"] != "Access-token-granted"]
        return len(answer.content)

    requests, size = _requests_and_bytes(scale, poll)
    assert requests == 1
    names = [event["event_name"] for event in poll.events]
    assert sorted(names) == sorted(["Managed-account-rotation-started", "Managed-account-rotation-failed", "Target-domain-scan-started",
                                    "Scanned-account-discovered", "Target-domain-scan-succeeded"])
    failure = next(event["message"] for event in poll.events if event["event_name"] == "Managed-account-rotation-failed")
    assert (failure["targetDomainName"], failure["targetUsername"], failure["status"]) == ("td03.example.com", "svc0042", "ERROR")
    found = next(event["message"] for event in poll.events if event["event_name"] == "Scanned-account-discovered")
    assert (found["targetDomainName"], found["targetUsername"], found["state"]) == ("td07.example.com", "svc_new", "NEW")
    full_requests, full_size = _requests_and_bytes(scale, lambda: _read_everything(admin)[1])
    assert full_requests == 11
    print(f"\none poll at 10 domains / 10,000 managed accounts: audit search {requests} request, {size:,} bytes, {len(poll.events)} events; "
          f"reading every account instead: {full_requests} requests, {full_size:,} bytes")
    assert size * 50 < full_size


def test_updated_after_reads_only_changed_accounts(scale) -> None:
    admin = Api(scale, "admin")
    scale.control.advance_clock(2)
    admin.login()
    server_now = Api(scale, "auditor").get("/monitor-service/api/v1/time").json()["time_utc"]
    # updated_after compares whole seconds: one second before the server's now, after the seed (the clock moved 2 s).
    cutoff = (datetime.datetime.strptime(server_now[:19], "%Y-%m-%dT%H:%M:%S") - datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    changed = scale.control.managed_account("td05.example.com", "svc0500")
    assert admin.post(managed_path(changed["target_domain"]["id"], "/batch/edit"),
                      json={"ids": [changed["id"]], "changes": {"comment": "moved"}}).status_code == 200
    domains = admin.get(SM + "/targetdomains").json()["items"]

    def poll() -> int:
        poll.found = []
        for domain in domains:
            poll.found += admin.post(managed_path(domain["id"], "/search"), params={"limit": 1000}, json={"updated_after": cutoff}).json()["items"]
        return 0

    requests, _size = _requests_and_bytes(scale, poll)
    assert requests == 10 and [(item["target_domain"]["name"], item["username"]) for item in poll.found] == [("td05.example.com", "svc0500")]


# -- the generator's checks ---------------------------------------------------------------------------------

def _fixture_with(generate: dict) -> dict:
    with open(fixture_path("scale.json"), encoding="utf-8") as handle:
        fixture = json.load(handle)
    fixture["target_domains"] = [dict(fixture["target_domains"][0], generate_managed_accounts=generate)]
    return fixture


@pytest.mark.parametrize("generate, message", [
    ({"prefix": "svc"}, "generate_managed_accounts.count: is required"),
    ({"count": 2, "password_policy": "nope"}, "password_policy: no password policy named 'nope'"),
    ({"count": 2, "colour": "red"}, "generate_managed_accounts.colour: unknown key"),
    ({"count": 2, "explicit_checkout": "yes"}, "generate_managed_accounts.explicit_checkout: must be true or false"),
    ({"count": 2000000}, "generate_managed_accounts.count: at most 1000000"),
])
def test_generator_errors_name_the_entry(generate: dict, message: str) -> None:
    with pytest.raises(FixtureError) as caught:
        check_fixture(_fixture_with(generate))
    assert message in str(caught.value)


def test_generated_and_written_accounts_must_not_collide() -> None:
    fixture = _fixture_with({"count": 3, "prefix": "app", "explicit_checkout": True, "start": 5, "width": 2})
    accounts = check_fixture(copy.deepcopy(fixture))["target_domains"][0]["managed_accounts"]
    assert [(account["username"], account["explicit_checkout"], account["password_policy"]) for account in accounts] == [
        ("app05", True, None), ("app06", True, None), ("app07", True, None)]
    fixture["target_domains"][0]["managed_accounts"] = [{"username": "APP06"}]
    with pytest.raises(FixtureError, match="duplicate username"):
        check_fixture(fixture)
