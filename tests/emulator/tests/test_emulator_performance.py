# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Scale: pages of 1,000 out of 10,000 scanned and managed accounts are served well under a second.

import time

import pytest

from emulator_helpers import SM, Api, managed_path
from privx_emulator.harness import EmulatorProcess, fixture_path

TD_LARGE = "89e599cf-60e4-42eb-84f2-d829ff7966a7"
PAGE_SECONDS = 1.0


@pytest.fixture(scope="module")
def large():
    with EmulatorProcess(fixture=fixture_path("large.json")) as process:
        yield process


def timed(call):
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def test_page_of_scanned_accounts(large) -> None:
    admin = Api(large, "admin")
    answer, elapsed = timed(lambda: admin.get(SM + f"/targetdomains/{TD_LARGE}/accounts", params={"offset": 8500, "limit": 1000}))
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 10000 and len(body["items"]) == 1000
    assert body["items"][0]["username"] == "user08501" and body["items"][-1]["username"] == "user09500"
    assert body["items"][0]["email"] == "user08501@large.example.com"
    assert elapsed < PAGE_SECONDS, f"a page of 1,000 scanned accounts took {elapsed:.3f} s"
    answer, elapsed = timed(lambda: admin.post(SM + f"/targetdomains/{TD_LARGE}/accounts/search", params={"limit": 1000},
                                               json={"keywords": "user09"}))
    assert answer.json()["count"] == 1000
    assert elapsed < PAGE_SECONDS, f"a keyword search over 10,000 scanned accounts took {elapsed:.3f} s"


def test_page_of_managed_accounts(large) -> None:
    admin = Api(large, "admin")
    ids = []
    offset = 0
    while True:
        page = admin.get(SM + f"/targetdomains/{TD_LARGE}/accounts", params={"offset": offset, "limit": 1000}).json()["items"]
        if not page:
            break
        ids += [item["id"] for item in page]
        offset += 1000
    assert len(ids) == 10000
    started = time.monotonic()
    for start in range(0, len(ids), 1000):
        body = {"ids": ids[start:start + 1000], "data": {"enabled": True, "explicit_checkout": True}}
        answer = admin.post(managed_path(TD_LARGE, "/batch/create"), json=body)
        assert answer.status_code == 201, answer.text
    batch_seconds = time.monotonic() - started
    answer, elapsed = timed(lambda: admin.get(managed_path(TD_LARGE), params={"offset": 9000, "limit": 1000}))
    body = answer.json()
    assert body["count"] == 10000 and len(body["items"]) == 1000 and body["items"][-1]["username"] == "user10000"
    assert elapsed < PAGE_SECONDS, f"a page of 1,000 managed accounts took {elapsed:.3f} s (batch create of 10 x 1,000: {batch_seconds:.2f} s)"
    answer, elapsed = timed(lambda: admin.post(managed_path(TD_LARGE, "/search"), params={"limit": 1000, "sortdir": "DESC"},
                                               json={"keywords": "user0", "explicit_checkout": True}))
    assert answer.json()["count"] == 9999
    assert elapsed < PAGE_SECONDS, f"a search page of 1,000 managed accounts took {elapsed:.3f} s"
    answer, elapsed = timed(lambda: Api(large, "user").get("/authorizer/api/v1/secrets", params={"limit": 1000, "offset": 5000}))
    assert answer.json()["count"] == 10000
    assert elapsed < PAGE_SECONDS, f"a page of 1,000 account secrets took {elapsed:.3f} s"
