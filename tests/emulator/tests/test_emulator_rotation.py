# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Asynchronous rotation: lock while running, history entry and new secret version afterwards,
# injected failures, and the refusals (locked, disabled).

import pytest

from emulator_helpers import TD_CORP, TD_DB, UNKNOWN_ID, Api, account_id, assert_error, managed_path, wait_unlocked


def test_rotation_locks_then_adds_history_and_version(emu, admin: Api) -> None:
    ma = account_id(emu, "corp.example.com", "svc_backup")
    assert admin.post(managed_path(TD_CORP, f"/{ma}/rotate")).status_code == 200
    locked = admin.get(managed_path(TD_CORP, f"/{ma}")).json()
    assert locked["locked"] is True and locked["locked_timestamp"].endswith("Z")
    assert len(locked["rotation_history"]) == 1, "the fixture's entry only, while the rotation runs"
    assert_error(admin.post(managed_path(TD_CORP, f"/{ma}/rotate")), 400, "BAD_REQUEST")
    assert_error(admin.post(managed_path(TD_CORP, f"/{ma}/password"), json={"password": "x"}), 400, "BAD_REQUEST")
    wait_unlocked(emu, "corp.example.com", "svc_backup")
    item = admin.get(managed_path(TD_CORP, f"/{ma}")).json()
    assert item["locked"] is False and "locked_timestamp" not in item
    entry = item["rotation_history"][-1]
    assert entry["version"] == 2 and entry["trigger"] == "MANUAL" and entry["status"] == "SUCCESS" and entry["rotated"].endswith("Z")
    versions = emu.control.secrets("corp.example.com", "svc_backup")
    assert [version["version"] for version in versions] == [1, 2]
    assert versions[1]["secret"] != versions[0]["secret"] and len(versions[1]["secret"]) >= 16


def test_rotation_refused_for_disabled_and_unknown(emu, admin: Api) -> None:
    ma = account_id(emu, "dbdomain", "disabled_acct")
    assert_error(admin.post(managed_path(TD_DB, f"/{ma}/rotate")), 400, "BAD_REQUEST")
    assert emu.control.managed_account("dbdomain", "disabled_acct")["locked"] is False
    assert_error(admin.post(managed_path(TD_DB, f"/{UNKNOWN_ID}/rotate")), 404, "GENERAL_ERROR", "managedAccountID")
    assert_error(admin.post(managed_path(TD_DB, "/bad-id/rotate")), 400, "VALUE_INCORRECT_FORMAT", "managedAccountID")


def test_create_with_rotate(emu, admin: Api) -> None:
    answer = admin.post(managed_path(TD_DB), json={"username": "fresh", "enabled": True, "password": "given", "rotate": True})
    assert answer.status_code == 201
    assert emu.control.managed_account("dbdomain", "fresh")["locked"] is True
    account = wait_unlocked(emu, "dbdomain", "fresh")
    assert account["rotation_history"][0]["version"] == 2 and account["rotation_history"][0]["trigger"] == "MANUAL"
    assert [item["secret"] for item in emu.control.secrets("dbdomain", "fresh")][0] == "given"


@pytest.mark.parametrize("status", ["ERROR", "MAX_ROTATION_RETRIES_ERROR"])
def test_injected_rotation_failure(emu, admin: Api, status: str) -> None:
    emu.control.fail_rotation("dbdomain", "app_admin", status)
    ma = account_id(emu, "dbdomain", "app_admin")
    for _attempt in range(2):
        assert admin.post(managed_path(TD_DB, f"/{ma}/rotate")).status_code == 200
        account = wait_unlocked(emu, "dbdomain", "app_admin")
    assert [(entry["version"], entry["status"]) for entry in account["rotation_history"]] == [(1, status), (1, status)]
    assert [item["version"] for item in emu.control.secrets("dbdomain", "app_admin")] == [1], "no new secret"
    emu.control.clear_rotation_failures()
    assert admin.post(managed_path(TD_DB, f"/{ma}/rotate")).status_code == 200
    last = wait_unlocked(emu, "dbdomain", "app_admin")["rotation_history"][-1]
    assert (last["version"], last["status"], last["trigger"]) == (2, "SUCCESS", "MANUAL")


def test_rotation_failure_with_count_and_by_domain_id(emu, admin: Api) -> None:
    emu.control.fail_rotation(TD_DB, "APP_ADMIN", "ERROR", count=1)
    ma = account_id(emu, "dbdomain", "app_admin")
    statuses = []
    for _attempt in range(2):
        assert admin.post(managed_path(TD_DB, f"/{ma}/rotate")).status_code == 200
        statuses.append(wait_unlocked(emu, "dbdomain", "app_admin")["rotation_history"][-1]["status"])
    assert statuses == ["ERROR", "SUCCESS"]


def test_rotation_respects_max_versions(emu, admin: Api) -> None:
    ma = account_id(emu, "dbdomain", "trimmed")
    assert admin.post(managed_path(TD_DB, f"/{ma}/rotate")).status_code == 200
    wait_unlocked(emu, "dbdomain", "trimmed")
    assert [item["version"] for item in emu.control.secrets("dbdomain", "trimmed")] == [2, 3, 4]


def test_rotation_delay_setting(emu, admin: Api) -> None:
    emu.control.settings(rotation_delay=30)
    ma = account_id(emu, "dbdomain", "app_admin")
    assert admin.post(managed_path(TD_DB, f"/{ma}/rotate")).status_code == 200
    assert emu.control.managed_account("dbdomain", "app_admin")["locked"] is True
    emu.control.reset()
    assert emu.control.settings()["rotation_delay"] == 0.2
    assert emu.control.managed_account("dbdomain", "app_admin")["locked"] is False
