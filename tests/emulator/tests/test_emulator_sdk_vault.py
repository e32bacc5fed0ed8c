# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The emulator answers the Vault and role store calls exactly as PrivX's SDKs make them (the same approach
# as test_emulator_sdk_conformance.py): every URL of the Python SDK's VaultEnum table with the method and the
# one status its VaultAPI expects, the Go SDK's vault.Vault and rolestore.RoleStore calls with their bodies as
# encoding/json marshals the model structs, and names with slashes as each client encodes them:
# the Python SDK quotes path parameters with safe="" and the Go SDK with url.PathEscape (both "db%2Fapp"), the
# vendor's Ansible collection quotes each segment and keeps the slashes ("folder/a%20b").

import urllib.parse

import pytest

from emulator_helpers import Api

# privx-sdk-for-python privx_api/enums.py VaultEnum.urls, as the SDK holds them.
VAULT_ENUM = {
    "METADATA": "/vault/api/v1/metadata/secrets/{name}",
    "SCHEMAS": "/vault/api/v1/schemas",
    "SEARCH": "/vault/api/v1/search/secrets",
    "SECRET": "/vault/api/v1/secrets/{name}",
    "SECRETS": "/vault/api/v1/secrets",
    "STATUS": "/vault/api/v1/status",
    "USER_SECRETS": "/vault/api/v1/user/{user_id}/secrets",
    "USER_SECRET": "/vault/api/v1/user/{user_id}/secrets/{name}",
    "USER_SECRET_METADATA": "/vault/api/v1/user/{user_id}/metadata/secrets/{name}",
}
USER_ID = "e676ade6-57a6-4489-9932-5258ee4dc20c"
ROLES = {"privx-admin": "7a32374b-d7c5-4e76-9a16-005f39692f63", "secrets-users": None}


def python_url(key: str, **params) -> str:
    """privx_api.base.format_path_components: every path parameter quoted with safe=""."""
    return VAULT_ENUM[key].format(**{name: urllib.parse.quote(value, safe="") for name, value in params.items()})


def go_secret_request(name: str, data: dict | None, read: list, write: list, owner_id: str = "") -> dict:
    """vault.SecretRequest as encoding/json writes it: name, read_roles, write_roles always (nil: null); data and
    owner_id omitempty; each rolestore.RoleHandle {id, name} with the name left empty (as the vendor's clients send it)."""
    body = {"name": name, "read_roles": [{"id": role, "name": ""} for role in read] or None,
            "write_roles": [{"id": role, "name": ""} for role in write] or None}
    if data is not None:
        body["data"] = data
    if owner_id:
        body["owner_id"] = owner_id
    return body


# (Python VaultAPI method, VaultEnum key, path parameters, HTTP method, query, body, status the SDK expects)
PYTHON_CALLS = [
    ("get_vault_service_status", "STATUS", {}, "GET", None, None, 200),
    ("create_secret", "SECRETS", {}, "POST", None,
     {"name": "Example Secret 01", "read_roles": [{"id": ROLES["privx-admin"], "name": "privx-admin"}],
      "write_roles": [{"id": ROLES["privx-admin"], "name": "privx-admin"}], "data": {"username": "alice", "password": "planted-py"}}, 201),
    ("get_secrets", "SECRETS", {}, "GET", {"offset": 0, "limit": 50}, None, 200),
    ("get_secret", "SECRET", {"name": "db/app"}, "GET", None, None, 200),
    ("update_secret", "SECRET", {"name": "Example Secret 01"}, "PUT", None,
     {"read_roles": [{"id": ROLES["privx-admin"]}], "write_roles": [{"id": ROLES["privx-admin"]}], "data": {"password": "planted-py-2"}}, 200),
    ("get_secret_metadata", "METADATA", {"name": "db/app"}, "GET", None, None, 200),
    ("search_secrets", "SEARCH", {}, "POST", {"offset": 0, "limit": 10, "sortkey": "name", "sortdir": "asc"}, {}, 200),
    ("search_secrets (payload)", "SEARCH", {}, "POST", None, {"keywords": "example", "filter": "readable"}, 200),
    ("get_vault_schemas", "SCHEMAS", {}, "GET", None, None, 200),
    ("create_user_secret", "USER_SECRETS", {"user_id": USER_ID}, "POST", None, {"name": "py/personal", "data": {"k": "planted"}}, 201),
    ("get_user_secrets", "USER_SECRETS", {"user_id": USER_ID}, "GET", {"limit": 10}, None, 200),
    ("get_user_secret", "USER_SECRET", {"user_id": USER_ID, "name": "py/personal"}, "GET", None, None, 200),
    ("update_user_secret", "USER_SECRET", {"user_id": USER_ID, "name": "py/personal"}, "PUT", None, {"data": {"k": "planted-2"}}, 200),
    ("get_user_secret_metadata", "USER_SECRET_METADATA", {"user_id": USER_ID, "name": "py/personal"}, "GET", None, None, 200),
    ("delete_user_secret", "USER_SECRET", {"user_id": USER_ID, "name": "py/personal"}, "DELETE", None, None, 200),
    ("delete_secret", "SECRET", {"name": "Example Secret 01"}, "DELETE", None, None, 200),
]


def test_python_sdk_calls_in_order(emu, admin: Api, user: Api) -> None:
    """Every VaultEnum URL, each call as the Python SDK makes it (user calls as the owner of the personal secret)."""
    assert {call[1] for call in PYTHON_CALLS} == set(VAULT_ENUM), "the whole table"
    for name, key, params, method, query, body, status in PYTHON_CALLS:
        api = user if "user_id" in params or name == "get_secret" else admin
        url = python_url(key, **params)
        mark = emu.control.mark()
        answer = api.call(method, url, params=query, json=body) if body is not None else api.call(method, url, params=query)
        assert answer.status_code == status, f"{name}: {answer.status_code} {answer.text}"
        logged = emu.control.requests(since=mark)
        assert [(entry["method"], entry["path"]) for entry in logged] == [(method, urllib.parse.unquote(url))], name
    assert emu.control.vault_secret("Example Secret 01") is None and emu.control.vault_secret("py/personal") is None


def test_python_sdk_reads_data_where_its_examples_do(user: Api, admin: Api) -> None:
    """examples/get-secret.py and get-user-secret.py read response.data["data"]."""
    assert user.get(python_url("SECRET", name="db/app")).json()["data"]["password"] == "test-db-app-password"
    assert user.get(python_url("USER_SECRET", user_id=USER_ID, name="notes/user")).json()["data"] == {"note": "test-user-personal-note"}
    # examples/create-secret.py resolves names first and raises itself for a name missing from the items.
    items = admin.post("/role-store/api/v1/roles/resolve", json=["privx-admin", "missing-role"]).json()["items"]
    assert [item["name"] for item in items] == ["privx-admin"]


def test_go_sdk_calls(emu, admin: Api, user: Api) -> None:
    secrets_users = admin.post("/role-store/api/v1/roles/resolve", json=["secrets-users"]).json()["items"][0]["id"]
    escaped = urllib.parse.quote("go/db app", safe="")  # url.PathEscape
    assert escaped == "go%2Fdb%20app"
    # CreateSecret -> 201 SecretCreate {name}
    created = admin.post("/vault/api/v1/secrets", json=go_secret_request("go/db app", {"password": "planted-go"}, [secrets_users],
                                                                         [ROLES["privx-admin"]]))
    assert created.status_code == 201 and created.json() == {"name": "go/db app"}
    # GetSecret / GetSecretsMetadata
    secret = user.get(f"/vault/api/v1/secrets/{escaped}").json()
    assert secret["data"] == {"password": "planted-go"} and secret["read_roles"] == [{"id": secrets_users, "name": "secrets-users"}]
    assert "data" not in user.get(f"/vault/api/v1/metadata/secrets/{escaped}").json()
    # UpdateSecret sends the whole SecretRequest, name included; a nil Data pointer is left out.
    update = go_secret_request("go/db app", None, [secrets_users], [ROLES["privx-admin"]])
    assert admin.put(f"/vault/api/v1/secrets/{escaped}", json=update).status_code == 200
    assert emu.control.vault_secret("go/db app")["data"] == {"password": "planted-go"}
    # GetSecrets(filters.Paging) and SearchSecrets(SecretSearch{}, opts): every SecretSearch field is sent, zero or not.
    listed = admin.get("/vault/api/v1/secrets", params={"offset": "0", "limit": "100"}).json()
    assert "go/db app" in [item["name"] for item in listed["items"]]
    search = {"keywords": "go/db", "sortdir": "", "sortkey": "", "filter": "", "owner_id": None, "limit": 0, "offset": 0}
    found = admin.post("/vault/api/v1/search/secrets", json=search, params={"sortkey": "updated", "sortdir": "DESC"}).json()
    assert [item["name"] for item in found["items"]] == ["go/db app"]
    # GetSchemas: raw JSON. CreateUserSecret / GetUserSecrets / GetUserSecret / GetUsersSecretsMetadata / Update / Delete.
    assert admin.get("/vault/api/v1/schemas").json() == []
    mine = f"/vault/api/v1/user/{USER_ID}/secrets"
    assert user.post(mine, json=go_secret_request("go/mine", {"k": "planted"}, [], [])).json() == {"name": "go/mine"}
    assert user.get(mine, params={"offset": "0", "limit": "10"}).json()["count"] == 2
    assert user.get(f"{mine}/go%2Fmine").json()["data"] == {"k": "planted"}
    assert user.get(f"/vault/api/v1/user/{USER_ID}/metadata/secrets/go%2Fmine").json()["owner_id"] == USER_ID
    assert user.put(f"{mine}/go%2Fmine", json=go_secret_request("go/mine", {"k": "planted-2"}, [], [])).status_code == 200
    assert user.delete(f"{mine}/go%2Fmine").status_code == 200
    # DeleteSecret
    assert admin.delete(f"/vault/api/v1/secrets/{escaped}").status_code == 200
    assert emu.control.vault_secret("go/db app") is None


def test_go_sdk_role_store_calls(admin: Api) -> None:
    listed = admin.get("/role-store/api/v1/roles", params={"offset": "0", "limit": "10", "sortkey": "name", "sortdir": "ASC"}).json()
    assert listed["count"] == len(listed["items"]) == 6
    assert admin.get(f"/role-store/api/v1/roles/{ROLES['privx-admin']}").json()["name"] == "privx-admin"
    assert admin.post("/role-store/api/v1/roles/resolve", json=["privx-admin"]).json()["items"][0]["id"] == ROLES["privx-admin"]


@pytest.mark.parametrize("name, path", [
    ("folder/a b", "/vault/api/v1/secrets/folder/a%20b"),
    ("folder/a b", "/vault/api/v1/secrets/folder%2Fa%20b"),
])
def test_vendor_collection_path_style(admin: Api, name: str, path: str) -> None:
    """sshcom.privx's _sanitize_secret_path keeps the slashes and quotes each segment; the Go SDK quotes them too."""
    assert admin.post("/vault/api/v1/secrets", json=go_secret_request(name, {"k": "v"}, [ROLES["privx-admin"]], [])).status_code == 201
    answer = admin.get(path)
    assert answer.status_code == 200 and answer.json()["name"] == name and answer.json()["data"] == {"k": "v"}
