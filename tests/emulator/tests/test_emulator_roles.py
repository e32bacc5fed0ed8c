# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The role store's roles (privx_emulator/api_roles.py): the list, one role, names resolved to roles, who may
# read them, and that they are the very roles API clients hold (users/current) and Vault secrets name.

import pytest

from emulator_helpers import UNKNOWN_ID, Api, assert_error

RS = "/role-store/api/v1"
PRIVX_ADMIN_ID = "7a32374b-d7c5-4e76-9a16-005f39692f63"
PRIVX_USER_ID = "a382cd90-336e-41d2-9432-f28e9afe85c9"
OPS_ID = "098e2116-8dcb-4a31-9c40-28ec3e4227ef"
TEST_ROLES = ["audit-readers", "ops", "privx-admin", "privx-user", "secrets-users", "vault-writers"]


def test_list_has_the_server_shape(admin: Api) -> None:
    answer = admin.get(RS + "/roles").json()
    assert answer["count"] == 6 and [role["name"] for role in answer["items"]] == TEST_ROLES
    roles = {role["name"]: role for role in answer["items"]}
    builtin = roles["privx-admin"]
    assert builtin["id"] == PRIVX_ADMIN_ID and roles["privx-user"]["id"] == PRIVX_USER_ID and roles["ops"]["id"] == OPS_ID
    # As a captured PrivX answer: `updatedby` without an underscore, no false booleans, no creation time on PrivX's own roles.
    assert builtin["system"] is True and builtin["author"] == "Superuser" and "created" not in builtin and "updatedby" not in builtin
    assert roles["privx-user"]["permissions"] == [
        "authorized-keys-manage", "webauthn-credentials-manage", "workflows-requests", "workflows-requests-on-behalf"]
    ops = roles["ops"]
    assert ops["author"] == ops["updatedby"] == "admin" and ops["created"] == ops["updated"]
    assert ops["permissions"] == [] and roles["vault-writers"]["permissions"] == ["vault-add"]
    for role in answer["items"]:
        assert not {"explicit", "implicit", "updated_by"} & set(role), role
        assert role.get("system", False) == (role["name"] in ("privx-admin", "privx-user"))
        assert role["source_rules"] == {"type": "GROUP", "match": "ANY", "rules": []} and role["context"]["ip_masks"] == ["0.0.0.0/0"]


def test_list_paging(admin: Api) -> None:
    page = admin.get(RS + "/roles", params={"offset": 1, "limit": 2, "sortkey": "name", "sortdir": "DESC"}).json()
    assert page["count"] == 6 and [role["name"] for role in page["items"]] == ["secrets-users", "privx-user"]
    by_id = admin.get(RS + "/roles", params={"sortkey": "id"}).json()["items"]
    assert [role["id"] for role in by_id] == sorted(role["id"] for role in by_id)
    assert_error(admin.get(RS + "/roles", params={"limit": 1001}), 400, "VALUE_OUT_OF_BOUNDS", "limit")
    assert_error(admin.get(RS + "/roles", params={"sortkey": "permissions"}), 400, "VALUE_OUT_OF_BOUNDS", "sortkey")


def test_get_one_role(admin: Api) -> None:
    role = admin.get(f"{RS}/roles/{OPS_ID.upper()}").json()
    assert role == next(item for item in admin.get(RS + "/roles").json()["items"] if item["id"] == OPS_ID)
    assert_error(admin.get(f"{RS}/roles/{UNKNOWN_ID}"), 404, "GENERAL_ERROR", "roleID")
    assert_error(admin.get(f"{RS}/roles/ops"), 400, "VALUE_INCORRECT_FORMAT", "roleID")


def test_resolve_names(admin: Api) -> None:
    answer = admin.post(RS + "/roles/resolve", json=["vault-writers", "no-such-role", "privx-admin", "vault-writers", "PRIVX-ADMIN"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 2 and [(role["name"], role["id"]) for role in body["items"]] == [
        ("vault-writers", "a4811ff3-bac9-416b-bd1c-ef47d2844fd0"), ("privx-admin", PRIVX_ADMIN_ID)], "unknown names are left out"
    assert body["items"][1] == admin.get(f"{RS}/roles/{PRIVX_ADMIN_ID}").json(), "a whole Role, as the list has it"
    assert admin.post(RS + "/roles/resolve", json=[]).json() == {"count": 0, "items": []}
    go_nil = admin.post(RS + "/roles/resolve", data=b"null", headers={"Content-Type": "application/json"})
    assert go_nil.json() == {"count": 0, "items": []}
    assert_error(admin.post(RS + "/roles/resolve", json={"names": ["ops"]}), 400, "INVALID_REQUEST_DATA")
    assert_error(admin.post(RS + "/roles/resolve", json=["ops", 7]), 400, "VALUE_INCORRECT_TYPE", "[1]")
    assert_error(admin.post(RS + "/roles/resolve"), 400, "INVALID_REQUEST_DATA")
    assert admin.get(RS + "/roles/resolve").headers["Allow"] == "POST"


@pytest.mark.parametrize("client", ["user", "ops", "noroles"])
def test_reading_roles_needs_roles_view(emu, client: str) -> None:
    api = Api(emu, client)
    for answer in (api.get(RS + "/roles"), api.get(f"{RS}/roles/{OPS_ID}"), api.post(RS + "/roles/resolve", json=["ops"])):
        assert_error(answer, 403, "PERMISSION_DENIED")


@pytest.mark.parametrize("client, held", [
    ("admin", ["privx-admin"]), ("user", ["secrets-users"]), ("ops", ["ops", "vault-writers"]), ("noroles", []),
])
def test_clients_hold_the_role_store_roles(emu, admin: Api, client: str, held: list) -> None:
    """One source: the roles in users/current are the role store's, and the permissions their union."""
    current = Api(emu, client).get(RS + "/users/current").json()
    roles = {role["id"]: role for role in admin.get(RS + "/roles").json()["items"]}
    assert [role["name"] for role in current["roles"]] == held
    for role in current["roles"]:
        assert role.pop("explicit") is True
        assert role == roles[role["id"]]
    assert current["permissions"] == sorted({permission for role in current["roles"] for permission in role["permissions"]})


def test_admin_permissions_are_unchanged(admin: Api, ops: Api) -> None:
    assert admin.get(RS + "/users/current").json()["permissions"] == [
        "connections-authorize", "hosts-manage", "privx-admin", "roles-view", "target-domains-view", "users-view", "vault-manage"]
    assert ops.get(RS + "/users/current").json()["permissions"] == ["vault-add"]
    # A role without the privx-admin permission reaches no administration call.
    assert_error(ops.get("/secrets-manager/api/v1/password-policies"), 403, "PERMISSION_DENIED")
