# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Batch create (from scanned accounts), edit, delete and rotate; every batch is all or nothing.

import uuid

import pytest

from emulator_helpers import SM, TD_CORP, TD_DB, UNKNOWN_ID, Api, account_id, assert_error, managed_path, wait_unlocked


def scanned_ids(admin: Api, *usernames: str) -> list:
    items = admin.get(SM + f"/targetdomains/{TD_CORP}/accounts").json()["items"]
    by_name = {item["username"]: item["id"] for item in items}
    return [by_name[name] for name in usernames]


def managed_count(admin: Api, td: str = TD_CORP) -> int:
    return admin.get(managed_path(td)).json()["count"]


def test_batch_create(emu, admin: Api) -> None:
    ids = scanned_ids(admin, "carol", "alice")
    data = {"enabled": True, "explicit_checkout": True, "password_policy": {"name": "default"}, "comment": "onboarded"}
    answer = admin.post(managed_path(TD_CORP, "/batch/create"), json={"ids": ids, "data": data})
    assert answer.status_code == 201, answer.text
    new_ids = answer.json()["ids"]
    assert len(new_ids) == 2 and len(set(new_ids)) == 2
    carol = admin.get(managed_path(TD_CORP, f"/{new_ids[0]}")).json()
    assert carol["username"] == "carol", "same order as the scanned ids"
    assert carol["email"] == "carol@corp.example.com" and carol["full_name"] == "Carol Carlsson"
    assert carol["sam_account_name"] == "carol" and carol["source_id"] == "ad-1003" and carol["security_id"] == "S-1-5-21-1-1003"
    assert carol["enabled"] is True and carol["explicit_checkout"] is True and carol["rotation_enabled"] is False
    assert carol["comment"] == "onboarded" and carol["password_policy"]["name"] == "default"
    states = {item["username"]: item["state"] for item in admin.get(SM + f"/targetdomains/{TD_CORP}/accounts").json()["items"]}
    assert states["carol"] == states["alice"] == "MANAGED" and states["bob"] == "NEW"
    assert_error(admin.post(managed_path(TD_CORP, "/batch/create"), json={"ids": ids[:1]}), 400, "VALUE_DUPLICATE", "ids")


def test_batch_create_with_rotate(emu, admin: Api) -> None:
    ids = scanned_ids(admin, "dave")
    answer = admin.post(managed_path(TD_CORP, "/batch/create"), json={"ids": ids, "data": {"enabled": True, "rotate": True}})
    assert answer.status_code == 201
    assert emu.control.managed_account("corp.example.com", "dave")["locked"] is True
    dave = wait_unlocked(emu, "corp.example.com", "dave")
    assert [(entry["version"], entry["trigger"], entry["status"]) for entry in dave["rotation_history"]] == [(1, "MANUAL", "SUCCESS")]
    assert_error(admin.post(managed_path(TD_CORP, "/batch/create"), json={"ids": scanned_ids(admin, "erin"), "data": {"rotate": True}}),
                 400, "BAD_REQUEST", "data.rotate")


@pytest.mark.parametrize("body, error_code, prop", [
    ({}, "REQUIRED_VALUE_MISSING", "ids"),
    ({"ids": []}, "REQUIRED_VALUE_MISSING", "ids"),
    ({"ids": "abc"}, "VALUE_INCORRECT_TYPE", "ids"),
    ({"ids": [5]}, "VALUE_INCORRECT_TYPE", "ids"),
    ({"ids": ["not-a-uuid"]}, "VALUE_INCORRECT_FORMAT", "ids"),
    ({"ids": [str(uuid.uuid4()) for _number in range(1001)]}, "VALUE_OUT_OF_BOUNDS", "ids"),
    ({"ids": [UNKNOWN_ID]}, "INVALID_REQUEST_DATA", "ids"),
    ({"ids": [UNKNOWN_ID], "extra": 1}, "INVALID_REQUEST_DATA", "extra"),
    ({"ids": [UNKNOWN_ID], "data": []}, "VALUE_INCORRECT_TYPE", "data"),
])
def test_batch_create_invalid(admin: Api, body: dict, error_code: str, prop: str) -> None:
    assert_error(admin.post(managed_path(TD_CORP, "/batch/create"), json=body), 400, error_code, prop)
    assert managed_count(admin) == 2


@pytest.mark.parametrize("data, error_code, prop", [
    ({"enabled": "yes"}, "VALUE_INCORRECT_TYPE", "data.enabled"),
    ({"comment": 1}, "VALUE_INCORRECT_TYPE", "data.comment"),
    ({"username": "x"}, "INVALID_REQUEST_DATA", "data.username"),
    ({"password_policy": {"name": "missing"}}, "INVALID_REQUEST_DATA", "data.password_policy"),
])
def test_batch_create_invalid_data(admin: Api, data: dict, error_code: str, prop: str) -> None:
    body = {"ids": scanned_ids(admin, "bob"), "data": data}
    assert_error(admin.post(managed_path(TD_CORP, "/batch/create"), json=body), 400, error_code, prop)
    assert managed_count(admin) == 2


def test_batch_create_is_atomic(admin: Api) -> None:
    good = scanned_ids(admin, "bob", "carol")
    for ids, error_code in ((good + [UNKNOWN_ID], "INVALID_REQUEST_DATA"),
                            (good + [good[0]], "VALUE_DUPLICATE"),
                            (good + scanned_ids(admin, "svc_backup"), "VALUE_DUPLICATE")):
        body = assert_error(admin.post(managed_path(TD_CORP, "/batch/create"), json={"ids": ids}), 400, error_code, "ids")
        assert ids[-1] in body["error_message"], "the message names the offending id"
        assert managed_count(admin) == 2


def test_batch_edit(emu, admin: Api, admin2: Api) -> None:
    ids = [account_id(emu, "dbdomain", name) for name in ("app_admin", "single")]
    before = {ma: admin.get(managed_path(TD_DB, f"/{ma}")).json() for ma in ids}
    changes = {"comment": "edited", "explicit_checkout": False, "password_policy": {"name": "three-versions"}}
    answer = admin2.post(managed_path(TD_DB, "/batch/edit"), json={"ids": ids, "changes": changes})
    assert answer.status_code == 200 and answer.content == b""
    for ma in ids:
        item = admin.get(managed_path(TD_DB, f"/{ma}")).json()
        assert item["comment"] == "edited" and item["explicit_checkout"] is False
        assert item["password_policy"]["name"] == "three-versions"
        assert item["enabled"] == before[ma]["enabled"] and item["rotation_enabled"] == before[ma]["rotation_enabled"]
        assert item.get("full_name") == before[ma].get("full_name")
        assert item["updated_by"] == "9f17bad8-9a2d-4f2b-a772-ebf6cd390c7f"
    untouched = admin.get(managed_path(TD_DB, f"/{account_id(emu, 'dbdomain', 'trimmed')}")).json()
    assert "comment" not in untouched


@pytest.mark.parametrize("changes, error_code, prop", [
    ({"rotate": True}, "INVALID_REQUEST_DATA", "changes.rotate"),
    ({"username": "x"}, "INVALID_REQUEST_DATA", "changes.username"),
    ({"enabled": 0}, "VALUE_INCORRECT_TYPE", "changes.enabled"),
    ({"password_policy": {"name": "missing"}}, "INVALID_REQUEST_DATA", "changes.password_policy"),
])
def test_batch_edit_invalid_changes(emu, admin: Api, changes: dict, error_code: str, prop: str) -> None:
    ids = [account_id(emu, "dbdomain", "app_admin")]
    assert_error(admin.post(managed_path(TD_DB, "/batch/edit"), json={"ids": ids, "changes": changes}), 400, error_code, prop)


def test_batch_edit_is_atomic(emu, admin: Api) -> None:
    good = account_id(emu, "dbdomain", "app_admin")
    other_domain = account_id(emu, "corp.example.com", "svc_backup")
    for ids, error_code in (([good, UNKNOWN_ID], "INVALID_REQUEST_DATA"), ([good, other_domain], "INVALID_REQUEST_DATA"),
                            ([good, good.upper()], "VALUE_DUPLICATE")):
        body = {"ids": ids, "changes": {"comment": "should not stick"}}
        assert_error(admin.post(managed_path(TD_DB, "/batch/edit"), json=body), 400, error_code, "ids")
    assert "comment" not in admin.get(managed_path(TD_DB, f"/{good}")).json()


def test_batch_delete(emu, admin: Api) -> None:
    ids = [account_id(emu, "corp.example.com", name) for name in ("svc_backup", "app_reader")]
    assert_error(admin.post(managed_path(TD_CORP, "/batch/delete"), json={"ids": ids + [UNKNOWN_ID]}), 400, "INVALID_REQUEST_DATA", "ids")
    assert managed_count(admin) == 2
    assert_error(admin.post(managed_path(TD_CORP, "/batch/delete"), json={"ids": ids, "data": {}}), 400, "INVALID_REQUEST_DATA", "data")
    answer = admin.post(managed_path(TD_CORP, "/batch/delete"), json={"ids": ids})
    assert answer.status_code == 200
    assert managed_count(admin) == 0
    states = {item["username"]: item["state"] for item in admin.get(SM + f"/targetdomains/{TD_CORP}/accounts").json()["items"]}
    assert states["svc_backup"] == "NEW"


def test_batch_rotate(emu, admin: Api) -> None:
    ids = [account_id(emu, "dbdomain", name) for name in ("app_admin", "single")]
    assert admin.post(managed_path(TD_DB, "/batch/rotate"), json={"ids": ids}).status_code == 200
    assert all(emu.control.managed_account("dbdomain", name)["locked"] for name in ("app_admin", "single"))
    # While app_admin is locked, a batch including it is refused as a whole.
    trimmed = account_id(emu, "dbdomain", "trimmed")
    assert_error(admin.post(managed_path(TD_DB, "/batch/rotate"), json={"ids": [trimmed, ids[0]]}), 400, "BAD_REQUEST", "ids")
    assert emu.control.managed_account("dbdomain", "trimmed")["locked"] is False
    for name in ("app_admin", "single"):
        assert wait_unlocked(emu, "dbdomain", name)["rotation_history"][-1]["status"] == "SUCCESS"


def test_batch_rotate_refuses_disabled(emu, admin: Api) -> None:
    ids = [account_id(emu, "dbdomain", name) for name in ("app_admin", "disabled_acct")]
    assert_error(admin.post(managed_path(TD_DB, "/batch/rotate"), json={"ids": ids}), 400, "BAD_REQUEST", "ids")
    assert emu.control.managed_account("dbdomain", "app_admin")["locked"] is False
