# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Hostile input answers 400 (never 500, never a traceback): huge paging numbers, deeply nested JSON,
# lone UTF-16 surrogates.

import pytest

from emulator_helpers import AZ, SM, TD_CORP, TD_DB, Api, assert_error, managed_path

HUGE = "99999999999999999999999"
LIST_PATHS = (managed_path(TD_DB), SM + f"/targetdomains/{TD_CORP}/accounts", SM + "/targetdomains", SM + "/password-policies",
              AZ + "/secrets", AZ + "/secrets/checkouts")


@pytest.fixture
def quiet(emu):
    """Fails the test when the emulator wrote anything to stderr meanwhile (a traceback, typically)."""
    before = len(emu.stderr())
    yield
    assert emu.stderr()[before:] == ""


pytestmark = pytest.mark.usefixtures("quiet")


@pytest.mark.parametrize("offset", [HUGE, "9223372036854775807", "9223372036854775808", "1" + "0" * 5000])
def test_offset_past_the_end_is_an_empty_page(admin: Api, offset: str) -> None:
    for path in LIST_PATHS:
        answer = admin.get(path, params={"offset": offset})
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"
        assert answer.json()["items"] == [], path
    answer = admin.post(managed_path(TD_DB, "/search"), params={"offset": offset}, json={})
    assert answer.status_code == 200 and answer.json() == {"count": 7, "items": []}


@pytest.mark.parametrize("params, error_code", [
    ({"limit": HUGE}, "VALUE_OUT_OF_BOUNDS"),
    ({"limit": "1" + "0" * 5000}, "VALUE_OUT_OF_BOUNDS"),
    ({"offset": "-" + HUGE}, "VALUE_OUT_OF_BOUNDS"),
])
def test_huge_limits_are_out_of_bounds(admin: Api, params: dict, error_code: str) -> None:
    prop = next(iter(params))
    for path in LIST_PATHS:
        assert_error(admin.get(path, params=params), 400, error_code, prop)


def test_control_since_may_be_huge(emu) -> None:
    assert emu.control.call("GET", "requests", query={"since": "9" * 5000})["items"] == []


@pytest.mark.parametrize("depth", [100, 5000, 200000])
def test_deeply_nested_json_is_invalid_request_data(admin: Api, depth: int) -> None:
    nested = '{"username": "deep", "additional_data": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
    answer = admin.post(managed_path(TD_CORP), data=nested, headers={"Content-Type": "application/json"})
    body = assert_error(answer, 400, "INVALID_REQUEST_DATA")
    assert "nested" in body["error_message"]
    arrays = "[" * depth + "]" * depth
    assert_error(admin.post(SM + "/targetdomains/search", data=arrays), 400, "INVALID_REQUEST_DATA")
    assert admin.get(managed_path(TD_CORP)).json()["count"] == 2


def test_moderate_nesting_is_fine(admin: Api) -> None:
    nested = {"a": 1}
    for _level in range(30):
        nested = {"a": [nested]}
    # Parsed whole, then refused by type: additional_data is a map of strings in PrivX's model.
    answer = admin.post(managed_path(TD_CORP), json={"username": "nested", "additional_data": nested})
    assert_error(answer, 400, "VALUE_INCORRECT_TYPE", "additional_data.a")


def test_lone_surrogates_become_replacement_characters(admin: Api) -> None:
    raw = (b'{"username": "\\ud800", "comment": "a\\udc00b\\ud83d\\ude00", "full_name": "\\uD800\\u0041",'
           b' "additional_data": {"k\\udfff": "\\udbff", "x": "\\ud800"}}')
    answer = admin.post(managed_path(TD_CORP), data=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 201, answer.text
    item = admin.get(managed_path(TD_CORP, "/" + answer.json()["id"])).json()
    assert item["username"] == "\ufffd"
    assert item["comment"] == "a\ufffdb\U0001f600", "a valid pair stays one character"
    assert item["full_name"] == "\ufffdA"
    assert item["additional_data"] == {"k\ufffd": "\ufffd", "x": "\ufffd"}
    search = admin.post(managed_path(TD_CORP, "/search"), data=b'{"keywords": "\\udc00"}')
    assert search.status_code == 200 and [found["id"] for found in search.json()["items"]] == [item["id"]]
    assert_error(admin.post(managed_path(TD_CORP), data=b'{"username": "\\ud800"}'), 400, "VALUE_DUPLICATE", "username")
