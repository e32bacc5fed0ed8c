# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Managed accounts: create, get, search, PUT (replaces everything), delete, provide password.

import pytest

from emulator_helpers import AZ, POLICY_DEFAULT, TD_CORP, TD_DB, TD_EMPTY, UNKNOWN_ID, Api, account_id, assert_error, managed_path

FULL_ACCOUNT = {
    "username": "svc_deploy",
    "email": "deploy@corp.example.com",
    "full_name": "Deploy service",
    "sam_account_name": "svc_deploy",
    "source_id": "ad-2000",
    "security_id": "S-1-5-21-1-2000",
    "additional_data": {"team": "ops", "tier": "2"},
    "password_policy": {"name": "default"},
    "enabled": True,
    "rotation_enabled": True,
    "explicit_checkout": True,
    "state": "MANAGED",
    "comment": "deploys things",
    "disable_rdp_cert_auth": True,
}


def create(admin: Api, body: dict, td: str = TD_CORP) -> str:
    answer = admin.post(managed_path(td), json=body)
    assert answer.status_code == 201, answer.text
    assert set(answer.json()) == {"id"}
    return answer.json()["id"]


def test_create_and_get_full_account(emu, admin: Api) -> None:
    ma = create(admin, dict(FULL_ACCOUNT, password="first-secret"))
    item = admin.get(managed_path(TD_CORP, f"/{ma}")).json()
    for key, value in FULL_ACCOUNT.items():
        if key != "password_policy":
            assert item[key] == value, key
    assert item["password_policy"] == {"id": POLICY_DEFAULT, "name": "default"}
    assert item["target_domain"] == {"id": TD_CORP, "name": "corp.example.com"}
    assert item["locked"] is False and "locked_timestamp" not in item
    assert item["author"] == item["updated_by"] == "debe3ca0-827a-4c87-a9f8-e1328ecf7082"
    assert item["created"] == item["updated"] and item["created"].endswith("Z")
    assert "rotation_history" not in item and "checkouts" not in item, "omitempty"
    assert "password" not in item and "rotate" not in item
    assert emu.control.secrets("corp.example.com", "svc_deploy") == [
        {"version": 1, "secret": "first-secret", "created": item["created"]},
    ]


def test_create_minimal_account_gets_zero_values(admin: Api) -> None:
    ma = create(admin, {"username": "minimal"})
    item = admin.get(managed_path(TD_CORP, f"/{ma}")).json()
    assert item["enabled"] is False and item["rotation_enabled"] is False and item["explicit_checkout"] is False
    assert item["disable_rdp_cert_auth"] is False and item["state"] == "MANAGED"
    for key in ("email", "full_name", "comment", "additional_data", "password_policy", "sam_account_name"):
        assert key not in item, key


def test_create_links_scanned_account_and_delete_unlinks(admin: Api) -> None:
    accounts = SM_ACCOUNTS(TD_CORP)
    ma = create(admin, {"username": "Alice", "enabled": True})
    assert state_of(admin, accounts, "alice") == "MANAGED"
    assert admin.delete(managed_path(TD_CORP, f"/{ma}")).status_code == 200
    assert state_of(admin, accounts, "alice") == "NEW"
    assert_error(admin.get(managed_path(TD_CORP, f"/{ma}")), 404, "GENERAL_ERROR", "managedAccountID")
    assert_error(admin.delete(managed_path(TD_CORP, f"/{ma}")), 404, "GENERAL_ERROR", "managedAccountID")


def SM_ACCOUNTS(td: str) -> str:  # pylint: disable=invalid-name
    return f"/secrets-manager/api/v1/targetdomains/{td}/accounts"


def state_of(admin: Api, path: str, username: str) -> str:
    items = admin.get(path).json()["items"]
    return next(item["state"] for item in items if item["username"] == username)


# What a client reads back from a managed account (ManagedAccount in docs/privx-api.md), read-only fields included.
READ_BACK = {
    "id": UNKNOWN_ID,
    "target_domain": {"id": TD_CORP, "name": "corp.example.com"},
    "locked": True,
    "locked_timestamp": "2023-06-07T17:32:28Z",
    "rotation_history": [{"version": 9, "rotated": "2023-06-07T17:32:28Z", "trigger": "ONRELEASE", "status": "SUCCESS"}],
    "checkouts": [{
        "id": UNKNOWN_ID, "type": "TARGET_DOMAIN_SECRET", "user_id": UNKNOWN_ID, "expires": "2023-06-07T17:32:28Z",
        "created": "2023-06-07T17:32:28Z", "explicit_checkout": True,
        "secrets": [{"version": 1, "secret": "s", "created": "2023-06-07T17:32:28Z"}],
        "username": "u", "email": "u@x", "full_name": "U", "target_domain_id": TD_CORP, "managed_account_id": UNKNOWN_ID,
        "host_id": UNKNOWN_ID, "secret_name": "n", "meta": {"k": 1},
    }],
    "created": "2023-06-07T17:32:28Z",
    "author": UNKNOWN_ID,
    "updated": "2023-06-07T17:32:28+02:00",
    "updated_by": UNKNOWN_ID,
}


def test_read_only_fields_are_checked_then_ignored(admin: Api) -> None:
    ma = create(admin, dict(READ_BACK, username="readonly"))
    item = admin.get(managed_path(TD_CORP, f"/{ma}")).json()
    assert item["id"] == ma != UNKNOWN_ID and item["locked"] is False and item["target_domain"]["id"] == TD_CORP
    assert "rotation_history" not in item and "checkouts" not in item and item["author"] != UNKNOWN_ID
    # null and empty values are Go's zero values: accepted, and ignored as well.
    zero = {key: None for key in READ_BACK}
    zero.update(id="", locked_timestamp="", created="", target_domain={"id": "", "name": None, "deleted": None},
                rotation_history=[{}], checkouts=[{"secrets": [None], "type": "", "meta": None}])
    create(admin, dict(zero, username="zero_values"))


@pytest.mark.parametrize("change, error_code, prop", [
    ({"id": 123}, "VALUE_INCORRECT_TYPE", "id"),
    ({"id": "not-a-uuid"}, "VALUE_INCORRECT_FORMAT", "id"),
    ({"locked": "yes"}, "VALUE_INCORRECT_TYPE", "locked"),
    ({"locked_timestamp": "yesterday"}, "VALUE_INCORRECT_FORMAT", "locked_timestamp"),
    ({"created": "garbage"}, "VALUE_INCORRECT_FORMAT", "created"),
    ({"created": 1700000000}, "VALUE_INCORRECT_TYPE", "created"),
    ({"updated": UNKNOWN_ID}, "VALUE_INCORRECT_FORMAT", "updated"),
    ({"author": "me"}, "VALUE_INCORRECT_FORMAT", "author"),
    ({"updated_by": 7}, "VALUE_INCORRECT_TYPE", "updated_by"),
    ({"target_domain": "corp.example.com"}, "VALUE_INCORRECT_TYPE", "target_domain"),
    ({"target_domain": {"id": 5}}, "VALUE_INCORRECT_TYPE", "target_domain.id"),
    ({"target_domain": {"id": "corp"}}, "VALUE_INCORRECT_FORMAT", "target_domain.id"),
    ({"target_domain": {"deleted": "no"}}, "VALUE_INCORRECT_TYPE", "target_domain.deleted"),
    ({"target_domain": {"colour": "red"}}, "INVALID_REQUEST_DATA", "target_domain.colour"),
    ({"rotation_history": 5}, "VALUE_INCORRECT_TYPE", "rotation_history"),
    ({"rotation_history": {"version": 1}}, "VALUE_INCORRECT_TYPE", "rotation_history"),
    ({"rotation_history": [5]}, "VALUE_INCORRECT_TYPE", "rotation_history[0]"),
    ({"rotation_history": [{}, {"version": "1"}]}, "VALUE_INCORRECT_TYPE", "rotation_history[1].version"),
    ({"rotation_history": [{"version": 1.5}]}, "VALUE_INCORRECT_TYPE", "rotation_history[0].version"),
    ({"rotation_history": [{"version": True}]}, "VALUE_INCORRECT_TYPE", "rotation_history[0].version"),
    ({"rotation_history": [{"version": 2 ** 64}]}, "VALUE_INCORRECT_TYPE", "rotation_history[0].version"),
    ({"rotation_history": [{"rotated": "x"}]}, "VALUE_INCORRECT_FORMAT", "rotation_history[0].rotated"),
    ({"rotation_history": [{"trigger": "SOMETIMES"}]}, "VALUE_OUT_OF_BOUNDS", "rotation_history[0].trigger"),
    ({"rotation_history": [{"status": 1}]}, "VALUE_INCORRECT_TYPE", "rotation_history[0].status"),
    ({"rotation_history": [{"extra": 1}]}, "INVALID_REQUEST_DATA", "rotation_history[0].extra"),
    ({"checkouts": {}}, "VALUE_INCORRECT_TYPE", "checkouts"),
    ({"checkouts": [1]}, "VALUE_INCORRECT_TYPE", "checkouts[0]"),
    ({"checkouts": [{"user_id": "me"}]}, "VALUE_INCORRECT_FORMAT", "checkouts[0].user_id"),
    ({"checkouts": [{"type": "VAULT"}]}, "VALUE_OUT_OF_BOUNDS", "checkouts[0].type"),
    ({"checkouts": [{"expires": "soon"}]}, "VALUE_INCORRECT_FORMAT", "checkouts[0].expires"),
    ({"checkouts": [{"explicit_checkout": 1}]}, "VALUE_INCORRECT_TYPE", "checkouts[0].explicit_checkout"),
    ({"checkouts": [{"secrets": "s"}]}, "VALUE_INCORRECT_TYPE", "checkouts[0].secrets"),
    ({"checkouts": [{"secrets": [{"version": "x"}]}]}, "VALUE_INCORRECT_TYPE", "checkouts[0].secrets[0].version"),
    ({"checkouts": [{"secrets": [{"secret": 5}]}]}, "VALUE_INCORRECT_TYPE", "checkouts[0].secrets[0].secret"),
    ({"checkouts": [{"meta": []}]}, "VALUE_INCORRECT_TYPE", "checkouts[0].meta"),
    ({"checkouts": [{"host_id": "h"}]}, "VALUE_INCORRECT_FORMAT", "checkouts[0].host_id"),
    ({"checkouts": [{"path": "dbdomain/x"}]}, "INVALID_REQUEST_DATA", "checkouts[0].path"),
])
def test_read_only_fields_are_type_checked(emu, admin: Api, change: dict, error_code: str, prop: str) -> None:
    body = dict(READ_BACK, username="ro1")
    body.update(change)
    assert_error(admin.post(managed_path(TD_CORP), json=body), 400, error_code, prop)
    assert admin.get(managed_path(TD_CORP)).json()["count"] == 2, "nothing created"
    ma = account_id(emu, "corp.example.com", "svc_backup")
    before = admin.get(managed_path(TD_CORP, f"/{ma}")).json()
    put = dict(before)
    put.update(change)
    assert_error(admin.put(managed_path(TD_CORP, f"/{ma}"), json=put), 400, error_code, prop)
    assert admin.get(managed_path(TD_CORP, f"/{ma}")).json() == before


def test_review_example_body_is_refused(admin: Api) -> None:
    body = {"username": "ro1", "id": 123, "locked": "yes", "created": "garbage", "rotation_history": 5}
    assert_error(admin.post(managed_path(TD_CORP), json=body), 400, "VALUE_INCORRECT_TYPE", "id")


@pytest.mark.parametrize("change, prop", [
    ({"target_domain": {"id": TD_CORP}}, "target_domain.id"),
    ({"target_domain": {"id": TD_DB, "name": "corp.example.com"}}, "target_domain.name"),
    ({"target_domain": {"name": "corp.example.com"}}, "target_domain.name"),
    ({"target_domain": {"id": UNKNOWN_ID, "name": "dbdomain"}}, "target_domain.id"),
])
def test_create_refuses_another_target_domain(admin: Api, change: dict, prop: str) -> None:
    assert_error(admin.post(managed_path(TD_DB), json=dict(change, username="elsewhere")), 400, "INVALID_REQUEST_DATA", prop)
    assert admin.get(managed_path(TD_DB)).json()["count"] == 7, "nothing created"
    matching = {"id": TD_DB.upper(), "name": "dbdomain"}
    create(admin, {"username": "here", "target_domain": matching}, td=TD_DB)


def test_put_refuses_another_account_or_domain(emu, admin: Api) -> None:
    ma = account_id(emu, "dbdomain", "app_admin")
    other = account_id(emu, "dbdomain", "single")
    before = admin.get(managed_path(TD_DB, f"/{ma}")).json()
    for change, prop in (
        ({"id": other}, "id"),
        ({"target_domain": {"id": TD_CORP, "name": "dbdomain"}}, "target_domain.id"),
        ({"target_domain": {"id": TD_DB, "name": "corp.example.com"}}, "target_domain.name"),
    ):
        assert_error(admin.put(managed_path(TD_DB, f"/{ma}"), json=dict(before, **change)), 400, "INVALID_REQUEST_DATA", prop)
    assert admin.get(managed_path(TD_DB, f"/{ma}")).json() == before
    # What the client read, sent back as it is (ids in any letter case, empty values), is accepted.
    same = dict(before, id=ma.upper(), target_domain={"id": TD_DB.upper(), "name": "dbdomain"})
    assert admin.put(managed_path(TD_DB, f"/{ma}"), json=same).status_code == 200
    assert admin.put(managed_path(TD_DB, f"/{ma}"), json=dict(before, id="", target_domain={"id": "", "name": ""})).status_code == 200


def test_duplicate_username_is_case_insensitive(admin: Api) -> None:
    assert_error(admin.post(managed_path(TD_CORP), json={"username": "SVC_Backup"}), 400, "VALUE_DUPLICATE", "username")
    create(admin, {"username": "svc_backup"}, td=TD_EMPTY)


@pytest.mark.parametrize("body, error_code, prop", [
    ({}, "REQUIRED_VALUE_MISSING", "username"),
    ({"username": ""}, "REQUIRED_VALUE_MISSING", "username"),
    ({"username": None}, "REQUIRED_VALUE_MISSING", "username"),
    ({"username": 7}, "VALUE_INCORRECT_TYPE", "username"),
    ({"username": "x", "enabled": "true"}, "VALUE_INCORRECT_TYPE", "enabled"),
    ({"username": "x", "explicit_checkout": 1}, "VALUE_INCORRECT_TYPE", "explicit_checkout"),
    ({"username": "x", "rotate": "yes"}, "VALUE_INCORRECT_TYPE", "rotate"),
    ({"username": "x", "additional_data": []}, "VALUE_INCORRECT_TYPE", "additional_data"),
    ({"username": "x", "additional_data": {"tier": 2}}, "VALUE_INCORRECT_TYPE", "additional_data.tier"),
    ({"username": "x", "comment": ["a"]}, "VALUE_INCORRECT_TYPE", "comment"),
    ({"username": "x", "password": 1234}, "VALUE_INCORRECT_TYPE", "password"),
    ({"username": "x", "email": "not-an-email"}, "VALUE_INCORRECT_FORMAT", "email"),
    ({"username": "x", "state": "ACTIVE"}, "VALUE_OUT_OF_BOUNDS", "state"),
    ({"username": "x", "password_policy": {"name": "nope"}}, "INVALID_REQUEST_DATA", "password_policy"),
    ({"username": "x", "password_policy": {"id": UNKNOWN_ID}}, "INVALID_REQUEST_DATA", "password_policy"),
    ({"username": "x", "password_policy": {"id": POLICY_DEFAULT, "name": "short-checkout"}}, "INVALID_REQUEST_DATA", "password_policy"),
    ({"username": "x", "password_policy": {}}, "INVALID_REQUEST_DATA", "password_policy"),
    ({"username": "x", "password_policy": "default"}, "VALUE_INCORRECT_TYPE", "password_policy"),
    ({"username": "x", "password_policy": {"name": "default", "extra": 1}}, "INVALID_REQUEST_DATA", "password_policy.extra"),
    ({"username": "x", "nickname": "y"}, "INVALID_REQUEST_DATA", "nickname"),
    ({"username": "x", "rotate": True}, "BAD_REQUEST", "rotate"),
])
def test_create_validation(admin: Api, body: dict, error_code: str, prop: str) -> None:
    assert_error(admin.post(managed_path(TD_CORP), json=body), 400, error_code, prop)
    assert admin.get(managed_path(TD_CORP)).json()["count"] == 2, "nothing created"


def test_create_policy_by_id_and_empty_email(admin: Api) -> None:
    ma = create(admin, {"username": "by_id", "password_policy": {"id": POLICY_DEFAULT.upper()}, "email": ""})
    item = admin.get(managed_path(TD_CORP, f"/{ma}")).json()
    assert item["password_policy"]["name"] == "default" and "email" not in item


def test_create_in_unknown_domain(admin: Api) -> None:
    assert_error(admin.post(managed_path(UNKNOWN_ID), json={"username": "x"}), 404, "GENERAL_ERROR", "targetDomainID")
    assert_error(admin.get(managed_path("nope")), 400, "VALUE_INCORRECT_FORMAT", "targetDomainID")


def test_get_errors(emu, admin: Api) -> None:
    ma = account_id(emu, "dbdomain", "app_admin")
    assert admin.get(managed_path(TD_DB, f"/{ma}")).json()["username"] == "app_admin"
    assert_error(admin.get(managed_path(TD_CORP, f"/{ma}")), 404, "GENERAL_ERROR", "managedAccountID")
    assert_error(admin.get(managed_path(TD_DB, f"/{UNKNOWN_ID}")), 404, "GENERAL_ERROR", "managedAccountID")
    assert_error(admin.get(managed_path(TD_DB, "/12345")), 400, "VALUE_INCORRECT_FORMAT", "managedAccountID")


def test_put_replaces_everything(emu, admin: Api, admin2: Api) -> None:
    ma = create(admin, dict(FULL_ACCOUNT))
    before = admin.get(managed_path(TD_CORP, f"/{ma}")).json()
    answer = admin2.put(managed_path(TD_CORP, f"/{ma}"), json={"username": "svc_deploy", "comment": "only this"})
    assert answer.status_code == 200 and answer.content == b""
    item = admin.get(managed_path(TD_CORP, f"/{ma}")).json()
    assert item["comment"] == "only this"
    for key in ("email", "full_name", "sam_account_name", "source_id", "security_id", "additional_data", "password_policy"):
        assert key not in item, f"{key} was not reset"
    for key in ("enabled", "rotation_enabled", "explicit_checkout", "disable_rdp_cert_auth"):
        assert item[key] is False, key
    assert item["state"] == "", "a PUT without state resets it to empty (sent as \"\": the model has no omitempty)"
    assert emu.control.managed_account("corp.example.com", "svc_deploy")["state"] == ""
    assert item["updated_by"] == "9f17bad8-9a2d-4f2b-a772-ebf6cd390c7f" != before["updated_by"]
    assert item["updated"] >= before["updated"] and item["created"] == before["created"] and item["author"] == before["author"]
    # Sending back everything read (read-only fields included) restores it.
    restored = dict(before)
    assert admin.put(managed_path(TD_CORP, f"/{ma}"), json=restored).status_code == 200
    again = admin.get(managed_path(TD_CORP, f"/{ma}")).json()
    assert {key: again[key] for key in FULL_ACCOUNT} == {key: before[key] for key in FULL_ACCOUNT}
    assert emu.control.managed_account("corp.example.com", "svc_deploy")["state"] == "MANAGED"


def test_state_empty_and_missing(emu, admin: Api) -> None:
    ma = create(admin, {"username": "stateless", "state": ""})
    assert admin.get(managed_path(TD_CORP, f"/{ma}")).json()["state"] == "MANAGED", "create: empty or missing state is MANAGED"
    assert admin.put(managed_path(TD_CORP, f"/{ma}"), json={"username": "stateless", "state": "NEW"}).status_code == 200
    assert admin.get(managed_path(TD_CORP, f"/{ma}")).json()["state"] == "NEW"
    assert admin.put(managed_path(TD_CORP, f"/{ma}"), json={"username": "stateless", "state": ""}).status_code == 200
    assert admin.get(managed_path(TD_CORP, f"/{ma}")).json()["state"] == ""
    assert admin.put(managed_path(TD_CORP, f"/{ma}"), json={"username": "stateless", "state": "REMOVED"}).status_code == 200
    assert admin.put(managed_path(TD_CORP, f"/{ma}"), json={"username": "stateless"}).status_code == 200
    assert admin.get(managed_path(TD_CORP, f"/{ma}")).json()["state"] == ""
    assert emu.control.managed_account("corp.example.com", "stateless")["state"] == ""


@pytest.mark.parametrize("body, error_code, prop", [
    ({}, "REQUIRED_VALUE_MISSING", "username"),
    ({"username": "someone_else"}, "BAD_REQUEST", "username"),
    ({"username": "APP_ADMIN"}, "BAD_REQUEST", "username"),
    ({"username": "app_admin", "password": "x"}, "INVALID_REQUEST_DATA", "password"),
    ({"username": "app_admin", "rotate": True}, "INVALID_REQUEST_DATA", "rotate"),
    ({"username": "app_admin", "enabled": "false"}, "VALUE_INCORRECT_TYPE", "enabled"),
    ({"username": "app_admin", "state": "managed"}, "VALUE_OUT_OF_BOUNDS", "state"),
])
def test_put_validation(emu, admin: Api, body: dict, error_code: str, prop: str) -> None:
    ma = account_id(emu, "dbdomain", "app_admin")
    before = admin.get(managed_path(TD_DB, f"/{ma}")).json()
    assert_error(admin.put(managed_path(TD_DB, f"/{ma}"), json=body), 400, error_code, prop)
    assert admin.get(managed_path(TD_DB, f"/{ma}")).json() == before


def test_put_unknown_account(admin: Api) -> None:
    assert_error(admin.put(managed_path(TD_DB, f"/{UNKNOWN_ID}"), json={"username": "x"}), 404, "GENERAL_ERROR", "managedAccountID")


def test_search_managed_accounts(emu, admin: Api) -> None:
    path = managed_path(TD_DB, "/search")

    def names(body: dict) -> list:
        answer = admin.post(path, json=body)
        assert answer.status_code == 200, answer.text
        return [item["username"] for item in answer.json()["items"]]

    assert names({}) == ["app_admin", "disabled_acct", "no_checkout", "release_me", "short_lived", "single", "trimmed"]
    assert names({"keywords": "ADMIN"}) == ["app_admin"]
    assert names({"keywords": "app administrator"}) == ["app_admin"]
    assert names({"keywords": "app,nomatch"}) == []
    assert names({"enabled": False}) == ["disabled_acct"]
    assert names({"explicit_checkout": False}) == ["no_checkout"]
    assert names({"rotation_enabled": True}) == ["app_admin"]
    assert names({"state": "UNMANAGED"}) == []
    created = admin.get(managed_path(TD_DB, f"/{account_id(emu, 'dbdomain', 'app_admin')}")).json()["created"]
    assert len(names({"created_after": "2000-01-01T00:00:00Z", "created_before": "2999-01-01T00:00:00+02:00"})) == 7
    assert names({"created_after": created}) == []
    assert len(names({"updated_before": "2999-12-31T23:59:59.5Z", "created_after": ""})) == 7
    assert_error(admin.post(path, json={"created_after": "yesterday"}), 400, "VALUE_INCORRECT_FORMAT", "created_after")
    assert_error(admin.post(path, json={"updated_before": "2026-13-01T00:00:00Z"}), 400, "VALUE_INCORRECT_FORMAT", "updated_before")
    assert_error(admin.post(path, json={"enabled": "yes"}), 400, "VALUE_INCORRECT_TYPE", "enabled")
    assert_error(admin.post(path, json={"state": "BOGUS"}), 400, "VALUE_OUT_OF_BOUNDS", "state")
    assert_error(admin.post(path, json={"username": "app_admin"}), 400, "INVALID_REQUEST_DATA", "username")
    assert admin.post(path, params={"limit": 2, "offset": 1}, json={}).json()["count"] == 7


def test_provide_password(emu, admin: Api) -> None:
    ma = account_id(emu, "dbdomain", "app_admin")
    answer = admin.post(managed_path(TD_DB, f"/{ma}/password"), json={"password": "manual-v2"})
    assert answer.status_code == 200
    assert answer.json()["version"] == 2 and answer.json()["created"].endswith("Z")
    assert [item["secret"] for item in emu.control.secrets("dbdomain", "app_admin")] == ["app-admin-v1", "manual-v2"]
    assert_error(admin.post(managed_path(TD_DB, f"/{ma}/password"), json={}), 400, "REQUIRED_VALUE_MISSING", "password")
    assert_error(admin.post(managed_path(TD_DB, f"/{ma}/password"), json={"password": ""}), 400, "REQUIRED_VALUE_MISSING", "password")
    assert_error(admin.post(managed_path(TD_DB, f"/{ma}/password"), json={"password": 5}), 400, "VALUE_INCORRECT_TYPE", "password")
    assert_error(admin.post(managed_path(TD_DB, f"/{ma}/password"), json={"password": "x", "v": 1}), 400, "INVALID_REQUEST_DATA", "v")
    assert_error(admin.post(managed_path(TD_DB, f"/{UNKNOWN_ID}/password"), json={"password": "x"}), 404, "GENERAL_ERROR", "managedAccountID")


def test_max_versions_trims_oldest(emu, admin: Api) -> None:
    ma = account_id(emu, "dbdomain", "trimmed")
    assert admin.post(managed_path(TD_DB, f"/{ma}/password"), json={"password": "trimmed-v4"}).json()["version"] == 4
    versions = emu.control.secrets("dbdomain", "trimmed")
    assert [(item["version"], item["secret"]) for item in versions] == [(2, "trimmed-v2"), (3, "trimmed-v3"), (4, "trimmed-v4")]


def test_account_lists_only_the_callers_checkouts(emu, admin: Api, admin2: Api) -> None:
    checkout = admin.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/app_admin"}).json()
    ma = account_id(emu, "dbdomain", "app_admin")
    mine = admin.get(managed_path(TD_DB, f"/{ma}")).json()["checkouts"]
    assert len(mine) == 1 and mine[0]["id"] == checkout["id"] and mine[0]["managed_account_id"] == ma
    assert mine[0]["secrets"] == [{"version": 1, "secret": "app-admin-v1", "created": mine[0]["secrets"][0]["created"]}]
    assert mine[0]["type"] == "TARGET_DOMAIN_SECRET" and mine[0]["target_domain_id"] == TD_DB
    assert "checkouts" not in admin2.get(managed_path(TD_DB, f"/{ma}")).json()
    listed = admin.get(managed_path(TD_DB)).json()["items"]
    assert next(item for item in listed if item["id"] == ma)["checkouts"][0]["id"] == checkout["id"]
