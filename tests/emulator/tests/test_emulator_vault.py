# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Vault secrets (privx_emulator/api_vault.py): who may read, see, write and delete what, names and data
# refused, personal secrets kept apart, lists, search, the control API's view and the request log.
# fixtures/test.json holds db/app (read: secrets-users, privx-admin; write: privx-admin), ops/api-key (read and
# write: ops) and notes/user (the user client's personal secret); the ops client holds ops and vault-writers.

import json
import urllib.parse

import pytest

from emulator_helpers import Api, assert_error
from privx_emulator.fixture import FixtureError, check_fixture
from privx_emulator.harness import EmulatorProcess, fixture_path

VAULT = "/vault/api/v1"
SECRETS = VAULT + "/secrets"
ROLE_IDS = {"privx-admin": "7a32374b-d7c5-4e76-9a16-005f39692f63", "ops": "098e2116-8dcb-4a31-9c40-28ec3e4227ef",
            "vault-writers": "a4811ff3-bac9-416b-bd1c-ef47d2844fd0"}
USER_ID = "e676ade6-57a6-4489-9932-5258ee4dc20c"
USER2_ID = "c0f0905b-3149-47a4-a36a-8f031692d3db"
OPS_ID = "7f9135a2-6f6b-4d7f-8dcb-bd167924ef2a"
ADMIN_ID = "debe3ca0-827a-4c87-a9f8-e1328ecf7082"
DB_APP_DATA = {"username": "app", "password": "test-db-app-password", "port": 5432, "options": {"ssl": True}}


def handles(*names: str) -> list:
    """Role handles as clients send them: the id, and a name PrivX ignores."""
    return [{"id": ROLE_IDS[name], "name": ""} for name in names]


def create(api: Api, name: str, data=None, read=(), write=(), **extra) -> None:
    body = dict({"name": name, "read_roles": handles(*read), "write_roles": handles(*write), "data": data or {"k": "v"}}, **extra)
    answer = api.post(SECRETS, json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"name": name}


def stored(emu, name: str) -> dict | None:
    return emu.control.vault_secret(name)


# -- reading: who sees what -------------------------------------------------------------------------------

# client -> secret -> (status, carries data)
READS = {
    "admin": {"db/app": (200, True), "ops/api-key": (200, False), "notes/user": (200, False)},
    "user": {"db/app": (200, True), "ops/api-key": (403, False), "notes/user": (200, True)},
    "user2": {"db/app": (200, True), "ops/api-key": (403, False), "notes/user": (403, False)},
    "ops": {"db/app": (403, False), "ops/api-key": (200, True), "notes/user": (403, False)},
    "noroles": {"db/app": (403, False), "ops/api-key": (403, False), "notes/user": (403, False)},
}


@pytest.mark.parametrize("client", sorted(READS))
def test_read_and_metadata_follow_the_roles(emu, client: str) -> None:
    api = Api(emu, client)
    for name, (status, with_data) in READS[client].items():
        before = stored(emu, name)["data_reads"]
        secret = api.get(f"{SECRETS}/{name}")
        metadata = api.get(f"{VAULT}/metadata/secrets/{name}")
        if status == 403:
            assert_error(secret, 403, "PERMISSION_DENIED")
            assert_error(metadata, 403, "PERMISSION_DENIED")
            assert "data" not in secret.text
        else:
            assert secret.status_code == metadata.status_code == 200, (secret.text, metadata.text)
            assert ("data" in secret.json()) is with_data, (client, name)
            assert "data" not in metadata.json()
            assert {key: value for key, value in secret.json().items() if key != "data"} == metadata.json()
        assert stored(emu, name)["data_reads"] == before + int(with_data), "only answers carrying the data count"


def test_a_reader_gets_the_data_and_role_names(user: Api) -> None:
    secret = user.get(f"{SECRETS}/db/app").json()
    assert secret["data"] == DB_APP_DATA
    assert [role["name"] for role in secret["read_roles"]] == ["secrets-users", "privx-admin"]
    assert secret["write_roles"] == [{"id": ROLE_IDS["privx-admin"], "name": "privx-admin"}]
    assert secret["author"] == secret["updated_by"] == ADMIN_ID and secret["path"] == "secrets/db/app"
    assert "owner_id" not in secret and secret["created"] == secret["updated"]


def test_missing_secret_answers_secret_not_found(emu, admin: Api, user: Api) -> None:
    for answer in (admin.get(f"{SECRETS}/no/such"), admin.get(f"{VAULT}/metadata/secrets/no/such"), user.get(f"{SECRETS}/2F0vZqCe0Z3XU5"),
                   admin.put(f"{SECRETS}/no/such", json={"data": {}}), admin.delete(f"{SECRETS}/no/such"),
                   user.get(f"{VAULT}/user/{USER_ID}/secrets/db/app")):
        body = assert_error(answer, 404, "GENERAL_ERROR", "name")
        assert "secret not found" in body["error_message"].lower()
    assert stored(emu, "no/such") is None


def test_a_name_with_slashes_is_one_secret_however_it_is_encoded(user: Api) -> None:
    as_segments = user.get(f"{SECRETS}/db/app").json()
    as_go_sends_it = user.get(f"{SECRETS}/db%2Fapp").json()
    assert as_segments == as_go_sends_it and as_segments["name"] == "db/app"


def test_lists_show_what_the_caller_may_see_never_data(admin: Api, user: Api, ops: Api, noroles: Api) -> None:
    seen = {}
    for api in (admin, user, ops):
        answer = api.get(SECRETS).json()
        assert answer["count"] == len(answer["items"])
        assert all("data" not in item for item in answer["items"])
        seen[api.name] = [item["name"] for item in answer["items"]]
    assert seen == {"admin": ["db/app", "notes/user", "ops/api-key"], "user": ["db/app", "notes/user"], "ops": ["ops/api-key"]}
    assert_error(noroles.get(SECRETS), 403, "PERMISSION_DENIED")
    assert_error(noroles.get(SECRETS, params={"limit": 101}), 403, "PERMISSION_DENIED")


def test_list_paging(admin: Api) -> None:
    for index in range(5):
        create(admin, f"page/{index}")
    first = admin.get(SECRETS, params={"limit": 3}).json()
    second = admin.get(SECRETS, params={"limit": 3, "offset": 3}).json()
    assert first["count"] == second["count"] == 8
    names = [item["name"] for item in first["items"] + second["items"]]
    assert names == sorted(names) and len(set(names)) == 6
    assert admin.get(SECRETS, params={"offset": 100}).json() == {"count": 8, "items": []}
    assert len(admin.get(SECRETS, params={"limit": 100}).json()["items"]) == 8
    assert_error(admin.get(SECRETS, params={"limit": 101}), 400, "VALUE_OUT_OF_BOUNDS", "limit")
    assert_error(admin.get(SECRETS, params={"offset": "x"}), 400, "VALUE_INCORRECT_TYPE", "offset")


# -- writing --------------------------------------------------------------------------------------------


def test_create_read_update_delete(emu, admin: Api, user: Api) -> None:
    body = {"name": "team/db", "read_roles": [{"id": ROLE_IDS["privx-admin"], "name": "any name: ignored"}], "write_roles": None,
            "data": {"password": "planted-v1"}}
    answer = admin.post(SECRETS, json=body)
    assert answer.status_code == 201 and answer.json() == {"name": "team/db"}
    assert answer.headers["Location"] == f"{SECRETS}/team/db"
    secret = admin.get(f"{SECRETS}/team/db").json()
    assert secret["read_roles"] == [{"id": ROLE_IDS["privx-admin"], "name": "privx-admin"}] and secret["write_roles"] is None
    assert secret["data"] == {"password": "planted-v1"} and secret["author"] == ADMIN_ID
    assert_error(user.get(f"{SECRETS}/team/db"), 403, "PERMISSION_DENIED")
    # PUT replaces the roles; data given replaces the data.
    assert admin.put(f"{SECRETS}/team/db", json={"read_roles": handles("privx-admin", "ops"), "write_roles": handles("ops"),
                                                 "data": {"password": "planted-v2", "user": "db"}}).status_code == 200
    # data left out (the Go SDK's nil pointer) keeps it.
    assert admin.put(f"{SECRETS}/team/db", json={"name": "team/db", "read_roles": handles("privx-admin"), "write_roles": None}).status_code == 200
    state = stored(emu, "team/db")
    assert state["data"] == {"password": "planted-v2", "user": "db"}
    assert [role["name"] for role in state["read_roles"]] == ["privx-admin"] and state["write_roles"] is None
    assert [version["data"] for version in state["versions"]] == [
        {"password": "planted-v1"}, {"password": "planted-v2", "user": "db"}, {"password": "planted-v2", "user": "db"}]
    assert [[role["name"] for role in version["read_roles"]] for version in state["versions"]] == [
        ["privx-admin"], ["privx-admin", "ops"], ["privx-admin"]]
    assert admin.delete(f"{SECRETS}/team/db").status_code == 200
    assert stored(emu, "team/db") is None
    assert_error(admin.get(f"{SECRETS}/team/db"), 404, "GENERAL_ERROR")


def test_create_needs_vault_add(emu, user: Api, ops: Api, noroles: Api) -> None:
    assert_error(user.post(SECRETS, json={"name": "x", "data": {}}), 403, "PERMISSION_DENIED")
    assert_error(noroles.post(SECRETS, json={"name": "x", "data": {}}), 403, "PERMISSION_DENIED")
    assert_error(noroles.post(SECRETS, json={"name": 7}), 403, "PERMISSION_DENIED")  # refused before its body is read
    assert stored(emu, "x") is None
    create(ops, "ops/new", read=("ops",), write=("ops",))
    assert stored(emu, "ops/new")["author"] == OPS_ID
    # vault-add creates; deleting takes vault-manage.
    assert_error(ops.delete(f"{SECRETS}/ops/new"), 403, "PERMISSION_DENIED")
    assert stored(emu, "ops/new") is not None


def test_a_write_role_changes_data_but_not_roles(emu, ops: Api, user: Api) -> None:
    same_roles = {"read_roles": handles("ops"), "write_roles": handles("ops")}
    assert ops.put(f"{SECRETS}/ops/api-key", json=dict(same_roles, data={"api_key": "planted-rotated"})).status_code == 200
    assert ops.get(f"{SECRETS}/ops/api-key").json()["data"] == {"api_key": "planted-rotated"}
    assert stored(emu, "ops/api-key")["updated_by"] == OPS_ID
    widened = {"read_roles": handles("ops", "privx-admin"), "write_roles": handles("ops"), "data": {"api_key": "planted-x"}}
    assert_error(ops.put(f"{SECRETS}/ops/api-key", json=widened), 403, "PERMISSION_DENIED")
    assert len(stored(emu, "ops/api-key")["versions"]) == 2, "the refused write changed nothing"
    # A read role alone does not write.
    assert_error(user.put(f"{SECRETS}/db/app", json={"data": {"password": "planted-y"}}), 403, "PERMISSION_DENIED")
    assert stored(emu, "db/app")["data"] == DB_APP_DATA


def test_vault_manage_writes_what_it_cannot_read(emu, admin: Api) -> None:
    body = {"read_roles": handles("ops"), "write_roles": handles("ops"), "data": {"api_key": "planted-by-admin"}}
    assert admin.put(f"{SECRETS}/ops/api-key", json=body).status_code == 200
    assert "data" not in admin.get(f"{SECRETS}/ops/api-key").json()
    assert stored(emu, "ops/api-key")["data"] == {"api_key": "planted-by-admin"}
    assert admin.delete(f"{SECRETS}/ops/api-key").status_code == 200


def test_put_body_rules(emu, admin: Api) -> None:
    read = admin.get(f"{SECRETS}/db/app").json()
    # What a GET answered goes back as it is (read-only fields are checked, then ignored).
    assert admin.put(f"{SECRETS}/db/app", json=dict(read, data={"password": "planted-round-trip"})).status_code == 200
    state = stored(emu, "db/app")
    assert state["data"] == {"password": "planted-round-trip"} and state["created"] == read["created"]
    assert_error(admin.put(f"{SECRETS}/db/app", json={"name": "db/other"}), 400, "INVALID_REQUEST_DATA", "name")
    assert_error(admin.put(f"{SECRETS}/db/app", json={"owner_id": USER_ID}), 400, "INVALID_REQUEST_DATA", "owner_id")
    assert_error(admin.put(f"{SECRETS}/db/app", json={"colour": "red"}), 400, "INVALID_REQUEST_DATA", "colour")
    assert_error(admin.put(f"{SECRETS}/db/app", json={"created": "yesterday"}), 400, "VALUE_INCORRECT_FORMAT", "created")
    assert_error(admin.put(f"{SECRETS}/db/app", data=b"[]"), 400, "INVALID_REQUEST_DATA")
    assert len(stored(emu, "db/app")["versions"]) == 2


@pytest.mark.parametrize("name, error_code", [
    ("", "REQUIRED_VALUE_MISSING"),
    ("x" * 256, "VALUE_OUT_OF_BOUNDS"),
    ("/leading", "VALUE_INCORRECT_FORMAT"),
    ("trailing/", "VALUE_INCORRECT_FORMAT"),
    ("a//b", "VALUE_INCORRECT_FORMAT"),
    ("./a", "VALUE_INCORRECT_FORMAT"),
    ("a/../b", "VALUE_INCORRECT_FORMAT"),
    (" padded", "VALUE_INCORRECT_FORMAT"),
    ("padded ", "VALUE_INCORRECT_FORMAT"),
    ("new\nline", "VALUE_INCORRECT_FORMAT"),
    ("nul\x00", "VALUE_INCORRECT_FORMAT"),
    (7, "VALUE_INCORRECT_TYPE"),
    ("db/app", "VALUE_DUPLICATE"),
])
def test_bad_names_are_refused(emu, admin: Api, name, error_code: str) -> None:
    before = [item["name"] for item in emu.control.vault_secrets()]
    assert_error(admin.post(SECRETS, json={"name": name, "data": {}}), 400, error_code, "name")
    assert [item["name"] for item in emu.control.vault_secrets()] == before


@pytest.mark.parametrize("name", ["Example Secret 01", "folder/a b", "ünïcode/名前", "x" * 255, "50%off?#&", "a/.b/c..d"])
def test_good_names_work_as_paths(emu, admin: Api, name: str) -> None:
    create(admin, name, data={"n": name}, read=("privx-admin",))
    for path in (urllib.parse.quote(name, safe="/"), urllib.parse.quote(name, safe="")):
        answer = admin.get(f"{SECRETS}/{path}")
        assert answer.status_code == 200 and answer.json()["data"] == {"n": name}, path
    assert stored(emu, name)["name"] == name


@pytest.mark.parametrize("data", ["a string", [1, 2], 5, True])
def test_data_must_be_a_json_object(emu, admin: Api, data) -> None:
    assert_error(admin.post(SECRETS, json={"name": "typed", "data": data}), 400, "VALUE_INCORRECT_TYPE", "data")
    assert_error(admin.put(f"{SECRETS}/db/app", json={"data": data}), 400, "VALUE_INCORRECT_TYPE", "data")
    assert stored(emu, "typed") is None and stored(emu, "db/app")["data"] == DB_APP_DATA


def test_data_is_any_json_object_kept_as_go_keeps_it(admin: Api) -> None:
    data = {"z": [1, {"deep": None}], "a": "text", "whole": 1.0, "half": 0.5, "big": 2 ** 60 + 1, "yes": False}
    create(admin, "typed/any", data=data, read=("privx-admin",))
    answer = admin.get(f"{SECRETS}/typed/any")
    # Keys sorted as Go writes a map; numbers as a float64 holds them, written in their shortest digits.
    assert list(answer.json()["data"]) == ["a", "big", "half", "whole", "yes", "z"]
    assert answer.json()["data"] == dict(data, whole=1, big=1152921504606847000)
    assert '"whole": 1,' in answer.text and '"big": 1152921504606847000,' in answer.text
    assert_error(admin.post(SECRETS, data=b'{"name": "huge", "data": {"n": 1e400}}', headers={"Content-Type": "application/json"}),
                 400, "VALUE_OUT_OF_BOUNDS", "data")


def test_empty_and_missing_data(admin: Api, user: Api) -> None:
    """A secret created without data holds {}: a reader sees `"data": {}`, which is not the same as no data."""
    assert admin.post(SECRETS, json={"name": "empty", "read_roles": handles("privx-admin"), "write_roles": None}).status_code == 201
    assert admin.get(f"{SECRETS}/empty").json()["data"] == {}
    assert user.get(f"{SECRETS}/notes/user").json()["data"] == {"note": "test-user-personal-note"}


def test_role_handles_are_checked(emu, admin: Api) -> None:
    cases = [
        ([{"id": "00000000-0000-4000-8000-000000000000"}], "INVALID_REQUEST_DATA", "read_roles[0].id"),
        ([{"name": "ops"}], "REQUIRED_VALUE_MISSING", "read_roles[0].id"),
        ([None], "REQUIRED_VALUE_MISSING", "read_roles[0].id"),
        ([{"id": "ops"}], "VALUE_INCORRECT_FORMAT", "read_roles[0].id"),
        ([{"id": ROLE_IDS["ops"], "colour": "red"}], "INVALID_REQUEST_DATA", "read_roles[0].colour"),
        (["ops"], "VALUE_INCORRECT_TYPE", "read_roles[0]"),
        ({"id": ROLE_IDS["ops"]}, "VALUE_INCORRECT_TYPE", "read_roles"),
    ]
    for roles, error_code, prop in cases:
        assert_error(admin.post(SECRETS, json={"name": "roles", "read_roles": roles}), 400, error_code, prop)
    assert stored(emu, "roles") is None
    body = {"name": "roles", "read_roles": [{"id": ROLE_IDS["ops"].upper(), "name": "wrong", "deleted": True}, {"id": ROLE_IDS["ops"]}]}
    assert admin.post(SECRETS, json=body).status_code == 201
    assert stored(emu, "roles")["read_roles"] == [{"id": ROLE_IDS["ops"], "name": "ops", "deleted": False}], "one handle, its real name"


# -- personal secrets -----------------------------------------------------------------------------------------


def test_personal_secrets_belong_to_their_owner(emu, user: Api, user2: Api, admin: Api) -> None:
    mine = f"{VAULT}/user/{USER_ID}/secrets"
    answer = user.post(mine, json={"name": "notes/second", "read_roles": None, "write_roles": None, "data": {"pin": "planted-1234"}})
    assert answer.status_code == 201 and answer.headers["Location"] == f"{mine}/notes/second"
    assert [item["name"] for item in user.get(mine).json()["items"]] == ["notes/second", "notes/user"]
    assert user.get(f"{mine}/notes/second").json()["data"] == {"pin": "planted-1234"}
    assert user.get(f"{SECRETS}/notes/second").json()["owner_id"] == USER_ID, "also by name"
    assert user.put(f"{mine}/notes/second", json={"data": {"pin": "planted-5678"}}).status_code == 200
    assert stored(emu, "notes/second")["data"] == {"pin": "planted-5678"} and stored(emu, "notes/second")["author"] == USER_ID
    # Not the other user's: their path is refused, and by name the secret is out of reach.
    for answer in (user2.get(mine), user2.get(f"{mine}/notes/second"), user2.post(mine, json={"name": "intruder", "data": {}}),
                   user2.get(f"{SECRETS}/notes/second"), user2.delete(f"{SECRETS}/notes/second"),
                   user2.get(f"{VAULT}/user/{USER_ID}/metadata/secrets/notes/second")):
        assert_error(answer, 403, "PERMISSION_DENIED")
    assert user2.get(f"{VAULT}/user/{USER2_ID}/secrets").json() == {"count": 0, "items": []}
    # An administrator (vault-manage) sees and manages them, but reads no data without a read role.
    assert [item["name"] for item in admin.get(mine).json()["items"]] == ["notes/second", "notes/user"]
    assert "data" not in admin.get(f"{mine}/notes/second").json()
    assert admin.get(f"{VAULT}/user/{USER_ID}/metadata/secrets/notes/second").json()["owner_id"] == USER_ID
    assert user.delete(f"{mine}/notes/second").status_code == 200
    assert stored(emu, "notes/second") is None
    assert_error(user.get(f"{mine}/db/app"), 404, "GENERAL_ERROR", "name")


def test_personal_secret_rules(emu, user: Api, admin: Api, ops: Api) -> None:
    mine = f"{VAULT}/user/{USER_ID}/secrets"
    # Granting roles on a personal secret takes vault-add.
    assert_error(user.post(mine, json={"name": "shared-note", "read_roles": handles("ops"), "data": {}}), 403, "PERMISSION_DENIED")
    assert_error(user.put(f"{mine}/notes/user", json={"read_roles": handles("ops")}), 403, "PERMISSION_DENIED")
    assert_error(user.post(mine, json={"name": "x", "owner_id": USER2_ID, "data": {}}), 400, "INVALID_REQUEST_DATA", "owner_id")
    # owner_id through /secrets: one's own personal secret, or (vault-manage) anyone's.
    assert user.post(SECRETS, json={"name": "mine/by-body", "owner_id": USER_ID, "data": {}}).status_code == 201
    assert_error(ops.post(SECRETS, json={"name": "theirs", "owner_id": USER_ID, "data": {}}), 403, "PERMISSION_DENIED")
    assert admin.post(f"{VAULT}/user/{USER2_ID}/secrets", json={"name": "for-user2", "data": {"k": "planted"}}).status_code == 201
    assert stored(emu, "for-user2")["owner_id"] == USER2_ID and stored(emu, "for-user2")["path"] == f"user/{USER2_ID}/secrets/for-user2"
    assert stored(emu, "mine/by-body")["owner_id"] == USER_ID
    assert_error(user.get(f"{VAULT}/user/not-a-uuid/secrets"), 400, "VALUE_INCORRECT_FORMAT", "userID")


# -- search ---------------------------------------------------------------------------------------------------


def test_search(admin: Api, user: Api, ops: Api) -> None:
    create(admin, "Team/DB-prod", read=("privx-admin",))
    create(admin, "team/api-prod", read=("ops",), write=("ops",))

    def names(api: Api, body: dict, **query) -> list:
        answer = api.post(f"{VAULT}/search/secrets", json=body, params=query)
        assert answer.status_code == 200, answer.text
        assert all("data" not in item for item in answer.json()["items"])
        return [item["name"] for item in answer.json()["items"]]

    assert names(admin, {"keywords": "team prod"}) == ["Team/DB-prod", "team/api-prod"]
    assert names(admin, {"keywords": "db,PROD"}) == ["Team/DB-prod"]
    assert names(admin, {}) == ["Team/DB-prod", "db/app", "notes/user", "ops/api-key", "team/api-prod"]
    assert names(admin, {"filter": "readable"}) == ["Team/DB-prod", "db/app"]
    assert names(admin, {"filter": "writable"}) == names(admin, {})
    assert names(admin, {"filter": "shared"}) == ["Team/DB-prod", "db/app", "ops/api-key", "team/api-prod"]
    assert names(admin, {"owner_id": [USER_ID]}) == ["notes/user"]
    assert names(user, {"filter": "personal"}) == ["notes/user"]
    assert names(user, {"filter": "writable"}) == ["notes/user"]
    assert names(ops, {"filter": "accessible"}) == ["ops/api-key", "team/api-prod"]
    assert names(user, {"filter": ""}) == ["db/app", "notes/user"]
    # Paging: the query's, else the body's (the Go SDK sends it with zero values).
    assert names(admin, {"limit": 2, "offset": 1, "sortkey": "name", "sortdir": "DESC"}) == ["ops/api-key", "notes/user"]
    assert names(admin, {"limit": 2}, limit=1) == ["Team/DB-prod"]
    assert names(admin, {"keywords": "", "sortdir": "", "sortkey": "", "filter": "", "owner_id": None, "limit": 0, "offset": 0}) == names(admin, {})
    search = f"{VAULT}/search/secrets"
    assert_error(admin.post(search, json={"filter": "mine"}), 400, "VALUE_OUT_OF_BOUNDS", "filter")
    assert_error(admin.post(search, json={}, params={"limit": 101}), 400, "VALUE_OUT_OF_BOUNDS", "limit")
    assert_error(admin.post(search, json={}, params={"sortkey": "author"}), 400, "VALUE_OUT_OF_BOUNDS", "sortkey")
    assert_error(admin.post(search, json={"data": {}}), 400, "INVALID_REQUEST_DATA", "data")
    assert_error(admin.post(search), 400, "INVALID_REQUEST_DATA")


def test_schemas(user: Api, noroles: Api) -> None:
    answer = user.get(f"{VAULT}/schemas")
    assert answer.status_code == 200 and answer.json() == []
    assert_error(noroles.get(f"{VAULT}/schemas"), 403, "PERMISSION_DENIED")


def test_wrong_methods(admin: Api) -> None:
    answer = admin.post(f"{SECRETS}/db/app", json={})
    assert_error(answer, 405, "GENERAL_ERROR")
    assert answer.headers["Allow"] == "DELETE, GET, PUT"
    assert admin.get(f"{VAULT}/search/secrets").headers["Allow"] == "POST"


# -- what tests read back: the control API and the request log -------------------------------------------------


def test_control_api_shows_stored_state_past_the_roles(emu, admin: Api) -> None:
    state = stored(emu, "ops/api-key")
    assert state["data"] == {"api_key": "test-ops-api-key"} and state["data_reads"] == 0
    assert state["versions"] == [{"version": 1, "data": {"api_key": "test-ops-api-key"}, "read_roles": state["read_roles"],
                                  "write_roles": state["write_roles"], "updated": state["updated"], "updated_by": ADMIN_ID}]
    everything = emu.control.vault_secrets()
    assert [item["name"] for item in everything] == ["db/app", "notes/user", "ops/api-key"]
    assert all("versions" not in item and "data" in item for item in everything)
    assert admin.delete(f"{SECRETS}/db/app").status_code == 200
    emu.control.reset()
    assert stored(emu, "db/app")["data"] == DB_APP_DATA, "reset seeds the fixture's secrets again"


def test_request_log_records_reads_by_path_but_never_data(emu, admin: Api, user: Api) -> None:
    planted = "planted-vault-value-6f0e"
    mark = emu.control.mark()
    create(admin, "log/check", data={"password": planted}, read=("privx-admin",))
    assert admin.get(f"{SECRETS}/log%2Fcheck").json()["data"] == {"password": planted}
    assert admin.put(f"{SECRETS}/log/check", json={"read_roles": handles("privx-admin"), "data": {"password": planted + "2"}}).status_code == 200
    assert user.get(f"{SECRETS}/db/app").status_code == 200
    logged = emu.control.requests(since=mark)
    assert [(entry["method"], entry["path"], entry["status"]) for entry in logged] == [
        ("POST", SECRETS, 201), ("GET", f"{SECRETS}/log/check", 200), ("PUT", f"{SECRETS}/log/check", 200), ("GET", f"{SECRETS}/db/app", 200)]
    text = json.dumps(logged)
    assert planted not in text and DB_APP_DATA["password"] not in text


# -- fixtures ------------------------------------------------------------------------------------------------


def test_fixture_format_errors() -> None:
    with open(fixture_path("test.json"), encoding="utf-8") as handle:
        base = handle.read()
    cases = [
        (lambda f: f["api_clients"][0].update(roles=["nope"]), "api_clients[0].roles[0]: no role named 'nope'"),
        (lambda f: f["roles"].append({"name": "privx-user"}), "roles[2].name: 'privx-user' is a built-in role"),
        (lambda f: f["roles"].append({"name": "ops"}), "duplicate name 'ops'"),
        (lambda f: f["roles"][0].update(permissions=["vault-everything"]), "roles[0].permissions[0]: unknown permission"),
        (lambda f: f["vault_secrets"][0].update(name="a//b"), "vault_secrets[0].name: name must not"),
        (lambda f: f["vault_secrets"][0].update(read_roles=["nope"]), "vault_secrets[0].read_roles[0]: no role named 'nope'"),
        (lambda f: f["vault_secrets"][0].update(owner="nobody"), "vault_secrets[0].owner: no API client named 'nobody'"),
        (lambda f: f["vault_secrets"][0].update(data=[1]), "vault_secrets[0].data: must be an object"),
        (lambda f: f["vault_secrets"][0].update(data={"n": 1e400}), "vault_secrets[0].data: data holds a number beyond"),
        (lambda f: f["vault_secrets"][0].update(colour="red"), "vault_secrets[0].colour: unknown key"),
        (lambda f: (f["vault_secrets"].append({"name": "gen-2"}), f.update(generate_vault_secrets={"count": 3, "prefix": "gen-"})),
         "duplicate name 'gen-2'"),
        (lambda f: f.update(generate_vault_secrets={"count": 2, "prefix": "bad//"}), "generate_vault_secrets.prefix"),
        (lambda f: f.update(generate_vault_secrets={"count": 2, "write_roles": ["nope"]}), "generate_vault_secrets.write_roles[0]"),
        (lambda f: f.update(generate_vault_secrets={"prefix": "x"}), "generate_vault_secrets.count: is required"),
    ]
    for change, message in cases:
        fixture = json.loads(base)
        change(fixture)
        with pytest.raises(FixtureError) as caught:
            check_fixture(fixture)
        assert message in str(caught.value), (message, str(caught.value))


def test_generated_secrets_page_by_page(tmp_path) -> None:
    """generate_vault_secrets declares hundreds of secrets cheaply; a caller pages through them 100 at a time."""
    with open(fixture_path("test.json"), encoding="utf-8") as handle:
        fixture = json.load(handle)
    fixture["generate_vault_secrets"] = {"count": 250, "prefix": "gen/app-", "width": 3, "read_roles": ["secrets-users"],
                                         "write_roles": ["privx-admin"]}
    path = tmp_path / "generated.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")
    with EmulatorProcess(fixture=str(path)) as emulator:
        user = Api(emulator, "user")
        names = []
        for offset in (0, 100, 200):
            page = user.get(SECRETS, params={"offset": offset, "limit": 100}).json()
            assert page["count"] == 252  # the generated ones, db/app and the user's notes/user
            names += [item["name"] for item in page["items"]]
        assert len(names) == 252 and names == sorted(names) and names[:2] == ["db/app", "gen/app-001"]
        secret = user.get(f"{SECRETS}/gen/app-250").json()
        assert secret["data"] == {"username": "gen/app-250", "password": "gen/app-250-password", "number": 250}
        assert [role["name"] for role in secret["read_roles"]] == ["secrets-users"]
        assert [role["name"] for role in secret["write_roles"]] == ["privx-admin"]
        assert len(emulator.control.vault_secrets()) == 253
