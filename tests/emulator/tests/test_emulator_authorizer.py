# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Authorizer: account secrets, checkouts, release, expiry, concurrency limits, rotate on release.

import time

from emulator_helpers import AZ, HOST_DB01, HOST_WEB01, TD_DB, UNKNOWN_ID, Api, account_id, assert_error, managed_path, wait_unlocked

EXPECTED_PATHS = [
    "corp.example.com/svc_backup",
    "dbdomain/app_admin",
    "dbdomain/disabled_acct",
    "dbdomain/release_me",
    "dbdomain/short_lived",
    "dbdomain/single",
    "dbdomain/trimmed",
    "hosts/db01/postgres",
    "hosts/web01/deploy",
    "hosts/web01/root",
]


def checkout(api: Api, path: str) -> dict:
    answer = api.post(AZ + "/secrets/checkouts", json={"path": path})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_list_secrets(user: Api) -> None:
    body = user.get(AZ + "/secrets").json()
    assert body["count"] == len(EXPECTED_PATHS)
    assert [item["path"] for item in body["items"]] == EXPECTED_PATHS
    app_admin = body["items"][1]
    assert app_admin["type"] == "TARGET_DOMAIN_SECRET" and app_admin["username"] == "app_admin"
    # Go sends the handle structs even when empty (docs/privx-api-fields.md): an unset host is {"id": "", "addresses": null}.
    assert app_admin["target_domain"] == {"id": TD_DB, "name": "dbdomain"} and app_admin["host"] == {"id": "", "addresses": None}
    root = body["items"][-1]
    assert root["type"] == "HOST_SECRET" and root["target_domain"] == {"id": ""}
    assert root["host"] == {"id": HOST_WEB01, "addresses": ["10.0.0.5", "web01.example.com"], "common_name": "web01",
                            "external_id": "ext-web01", "instance_id": "i-0123456789abcdef0"}
    assert all("secret" not in item and "secrets" not in item for item in body["items"])
    assert [item["path"] for item in user.get(AZ + "/secrets", params={"sortdir": "DESC", "limit": 2}).json()["items"]] == EXPECTED_PATHS[::-1][:2]


def test_search_secrets(user: Api) -> None:
    def paths(body: dict) -> list:
        answer = user.post(AZ + "/secrets/search", json=body)
        assert answer.status_code == 200, answer.text
        return [item["path"] for item in answer.json()["items"]]

    assert paths({"username": "root"}) == ["hosts/web01/root"]
    assert paths({"username": "ROOT"}) == []
    assert paths({"host_id": HOST_DB01}) == ["hosts/db01/postgres"]
    assert paths({"host_id": HOST_WEB01, "username": "deploy"}) == ["hosts/web01/deploy"]
    assert paths({"keywords": "dbdomain single"}) == ["dbdomain/single"]
    assert paths({"keywords": "BACKUP@corp"}) == ["corp.example.com/svc_backup"]
    assert paths({"keywords": "", "host_id": "", "username": ""}) == EXPECTED_PATHS
    assert_error(user.post(AZ + "/secrets/search", json={"host_id": "web01"}), 400, "VALUE_INCORRECT_FORMAT", "host_id")
    assert_error(user.post(AZ + "/secrets/search", json={"username": 1}), 400, "VALUE_INCORRECT_TYPE", "username")
    assert_error(user.post(AZ + "/secrets/search", json={"path": "x"}), 400, "INVALID_REQUEST_DATA", "path")


def test_checkout_and_release(emu, user: Api) -> None:
    record = checkout(user, "dbdomain/app_admin")
    assert record["path"] == "dbdomain/app_admin" and record["type"] == "TARGET_DOMAIN_SECRET"
    assert record["explicit_checkout"] is True and record["username"] == "app_admin" and record["full_name"] == "Application administrator"
    assert record["secrets"] == [{"version": 1, "secret": "app-admin-v1", "created": record["secrets"][0]["created"]}]
    assert record["managed_account_id"] == account_id(emu, "dbdomain", "app_admin")
    assert record["user_id"] == "e676ade6-57a6-4489-9932-5258ee4dc20c"
    assert record["target_domain"]["name"] == "dbdomain" and record["host"] == {"id": "", "addresses": None}
    assert record["expires"] > record["created"]
    assert checkout(user, "dbdomain/app_admin")["id"] == record["id"], "a second checkout returns the active one"
    listed = user.get(AZ + "/secrets/checkouts").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == record["id"]
    assert user.get(AZ + f"/secrets/checkouts/{record['id']}").json() == record
    answer = user.post(AZ + f"/secrets/checkouts/{record['id']}/release")
    assert answer.status_code == 200 and answer.content == b""
    assert_error(user.get(AZ + f"/secrets/checkouts/{record['id']}"), 404, "GENERAL_ERROR", "checkoutID")
    assert_error(user.post(AZ + f"/secrets/checkouts/{record['id']}/release"), 404, "GENERAL_ERROR", "checkoutID")
    assert user.get(AZ + "/secrets/checkouts").json() == {"count": 0, "items": []}
    assert checkout(user, "dbdomain/app_admin")["id"] != record["id"]


def test_wrapped_checkout_answer(emu, user: Api) -> None:
    emu.control.settings(wrap_checkout=True)
    answer = user.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/app_admin"}).json()
    assert answer["count"] == 1 and answer["items"][0]["path"] == "dbdomain/app_admin"
    assert user.get(AZ + f"/secrets/checkouts/{answer['items'][0]['id']}").json()["id"] == answer["items"][0]["id"]


def test_checkout_secrets_oldest_first(user: Api) -> None:
    record = checkout(user, "dbdomain/trimmed")
    assert [(item["version"], item["secret"]) for item in record["secrets"]] == [(1, "trimmed-v1"), (2, "trimmed-v2"), (3, "trimmed-v3")]


def test_host_checkout(user: Api) -> None:
    record = checkout(user, "hosts/web01/root")
    assert record["type"] == "HOST_SECRET" and record["host"]["id"] == HOST_WEB01 and record["target_domain"] == {"id": ""}
    assert "managed_account_id" not in record and record["secrets"][0]["secret"] == "web01-root-v1"


def test_checkout_errors(user: Api) -> None:
    assert_error(user.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/nobody"}), 404, "GENERAL_ERROR", "path")
    assert_error(user.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/no_checkout"}), 403, "PERMISSION_DENIED")
    assert_error(user.post(AZ + "/secrets/checkouts", json={}), 400, "REQUIRED_VALUE_MISSING", "path")
    assert_error(user.post(AZ + "/secrets/checkouts", json={"path": 3}), 400, "VALUE_INCORRECT_TYPE", "path")
    assert_error(user.post(AZ + "/secrets/checkouts", json={"path": "x", "ttl": 3}), 400, "INVALID_REQUEST_DATA", "ttl")
    assert_error(user.get(AZ + f"/secrets/checkouts/{UNKNOWN_ID}"), 404, "GENERAL_ERROR", "checkoutID")
    assert_error(user.get(AZ + "/secrets/checkouts/abc"), 400, "VALUE_INCORRECT_FORMAT", "checkoutID")
    assert_error(user.post(AZ + "/secrets/checkouts/abc/release"), 400, "VALUE_INCORRECT_FORMAT", "checkoutID")
    assert_error(user.delete(AZ + "/secrets/checkouts"), 405, "GENERAL_ERROR")


def test_checkouts_are_per_caller(emu, user: Api, user2: Api) -> None:
    mine = checkout(user, "dbdomain/app_admin")
    theirs = checkout(user2, "dbdomain/app_admin")
    assert mine["id"] != theirs["id"] and theirs["user_id"] == "c0f0905b-3149-47a4-a36a-8f031692d3db"
    assert_error(user2.get(AZ + f"/secrets/checkouts/{mine['id']}"), 404, "GENERAL_ERROR", "checkoutID")
    assert_error(user2.post(AZ + f"/secrets/checkouts/{mine['id']}/release"), 404, "GENERAL_ERROR", "checkoutID")
    assert [item["id"] for item in user2.get(AZ + "/secrets/checkouts").json()["items"]] == [theirs["id"]]
    everything = emu.control.checkouts()
    assert {(item["id"], item["client_id"]) for item in everything} == {
        (mine["id"], user.client["client_id"]), (theirs["id"], user2.client["client_id"]),
    }


def test_max_concurrent_checkouts(user: Api, user2: Api) -> None:
    first = checkout(user, "dbdomain/single")
    assert checkout(user, "dbdomain/single")["id"] == first["id"], "the same caller gets its own checkout back"
    assert_error(user2.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/single"}), 400, "BAD_REQUEST", "path")
    assert user.post(AZ + f"/secrets/checkouts/{first['id']}/release").status_code == 200
    assert checkout(user2, "dbdomain/single")["user_id"] == "c0f0905b-3149-47a4-a36a-8f031692d3db"


def test_rotate_on_release(emu, user: Api) -> None:
    record = checkout(user, "dbdomain/release_me")
    assert user.post(AZ + f"/secrets/checkouts/{record['id']}/release").status_code == 200
    assert emu.control.managed_account("dbdomain", "release_me")["locked"] is True
    account = wait_unlocked(emu, "dbdomain", "release_me")
    assert [(entry["version"], entry["trigger"], entry["status"]) for entry in account["rotation_history"]] == [(2, "ONRELEASE", "SUCCESS")]
    again = checkout(user, "dbdomain/release_me")
    assert [item["version"] for item in again["secrets"]] == [1, 2]


def test_release_without_rotate_on_release_does_not_rotate(emu, user: Api) -> None:
    record = checkout(user, "dbdomain/app_admin")
    assert user.post(AZ + f"/secrets/checkouts/{record['id']}/release").status_code == 200
    account = emu.control.managed_account("dbdomain", "app_admin")
    assert account["locked"] is False and account["rotation_history"] == []


def test_checkout_expiry_rotates_on_expiry(emu, user: Api, admin: Api) -> None:
    record = checkout(user, "dbdomain/short_lived")
    assert [item["id"] for item in user.get(AZ + "/secrets/checkouts").json()["items"]] == [record["id"]]
    time.sleep(2.3)
    assert user.get(AZ + "/secrets/checkouts").json()["count"] == 0
    assert_error(user.get(AZ + f"/secrets/checkouts/{record['id']}"), 404, "GENERAL_ERROR", "checkoutID")
    assert_error(user.post(AZ + f"/secrets/checkouts/{record['id']}/release"), 404, "GENERAL_ERROR", "checkoutID")
    assert emu.control.checkouts() == []
    account = wait_unlocked(emu, "dbdomain", "short_lived")
    assert [(entry["trigger"], entry["status"]) for entry in account["rotation_history"]] == [("ONEXPIRY", "SUCCESS")]
    ma = account_id(emu, "dbdomain", "short_lived")
    assert "checkouts" not in admin.get(managed_path(TD_DB, f"/{ma}")).json()


def test_account_without_explicit_checkout_disappears_from_secrets(emu, admin: Api, user: Api) -> None:
    ma = account_id(emu, "dbdomain", "app_admin")
    assert admin.post(managed_path(TD_DB, "/batch/edit"), json={"ids": [ma], "changes": {"explicit_checkout": False}}).status_code == 200
    assert "dbdomain/app_admin" not in [item["path"] for item in user.get(AZ + "/secrets").json()["items"]]
    assert_error(user.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/app_admin"}), 403, "PERMISSION_DENIED")


def test_checkout_limit_default_100(emu, admin: Api, user: Api) -> None:
    # 10 secrets exist; 95 more explicit-checkout accounts make 105.
    for number in range(95):
        body = {"username": f"bulk{number:03d}", "explicit_checkout": True}
        assert admin.post(managed_path(TD_DB), json=body).status_code == 201
    body = user.get(AZ + "/secrets").json()
    assert body["count"] == 105 and len(body["items"]) == 100
    assert len(user.get(AZ + "/secrets", params={"offset": 100}).json()["items"]) == 5
