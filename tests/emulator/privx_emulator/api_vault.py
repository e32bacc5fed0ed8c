# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# PrivX Vault (docs/privx-api.md, "Vault"): named JSON secrets with read and write roles, shared ones and
# personal ones (a user's own, under /user/{userID}/...). Names are unique across both kinds, and a
# personal secret is also reachable by name under /secrets/ [our choice: the vendor's Terraform provider
# creates a secret with owner_id through /secrets and reads it back there by name].
#
# Who may do what (PrivX's "Secrets Vault" and "Role Permissions" pages; the rest marked as our choice):
# - reading a secret's data takes one of its read roles, or owning it (a personal secret). No permission
#   replaces that, not even privx-admin: "if no role is given read access, no user can read the secret".
# - a caller who may see the secret but not read it gets the secret without `data` (PrivX's external-secrets
#   provider documents that a read without a read role "will succeed at the API level but return no data");
#   seeing takes a read or write role, ownership, or vault-manage. Anyone else is refused (403), and a name
#   that does not exist answers 404 "secret not found" (which the vendor's clients look for in the message).
# - writing data takes a write role, ownership or vault-manage; changing the roles takes ownership or
#   vault-manage, and giving a personal secret any role vault-add or vault-manage; deleting takes ownership
#   or vault-manage; creating a shared secret vault-add or vault-manage, another user's personal secret
#   vault-manage. privx-admin counts as vault-manage.

import decimal
import json
import math
import re
import urllib.parse

from .api_identity import ADMIN_PERMISSION, roles_of
from .context import Response
from .errors import bad_request, not_found, permission_denied
from .store import VAULT_SORT
from .timeutil import format_time, now, whole_seconds
from .validation import (BOOL, DATETIME, INTEGER, OBJECT, STRING, UUID, ArrayKind, EnumKind, Kind, check_fields, parse_paging,
                         split_keywords)

VAULT = "/vault/api/v1"
# Default and maximum page size of every Vault list (PrivX's API reference: default 100, max 100).
VAULT_LIMIT = 100
# [our choice] PrivX documents no limit; names this long fit any path.
MAX_NAME_LENGTH = 255
NOT_FOUND = "secret not found"
MANAGE_PERMISSIONS = frozenset(("vault-manage", ADMIN_PERMISSION))
ADD_PERMISSIONS = MANAGE_PERMISSIONS | {"vault-add"}
SEARCH_FILTERS = ("personal", "shared", "readable", "writable", "accessible")
# [our choice] the schema setting of a PrivX that defines no custom secret types.
DEFAULT_SCHEMAS = []
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")


def name_problem(name: str) -> tuple | None:
    """(error code, message) when `name` cannot name a secret [our choice, docs/privx-api.md "Vault"]; None when it can."""
    if not name:
        return "REQUIRED_VALUE_MISSING", "name is required"
    if len(name) > MAX_NAME_LENGTH:
        return "VALUE_OUT_OF_BOUNDS", f"name must be at most {MAX_NAME_LENGTH} characters long"
    if _CONTROL_CHARACTERS.search(name):
        return "VALUE_INCORRECT_FORMAT", "name must not contain control characters"
    if name != name.strip():
        return "VALUE_INCORRECT_FORMAT", "name must not begin or end with white space"
    if any(segment in ("", ".", "..") for segment in name.split("/")):
        return "VALUE_INCORRECT_FORMAT", "name must not begin or end with '/', hold '//', or have '.' or '..' between slashes"
    return None


def go_numbers(value: object) -> object:
    """`data` as PrivX keeps it: Go decodes a JSON number in a map[string]interface{} to a float64, so 1.0 comes
    back as 1 and an integer beyond 2**53 loses its low digits; a number beyond float64's range is refused."""
    if isinstance(value, dict):
        return {key: go_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [go_numbers(item) for item in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if math.isinf(number):
        raise bad_request("VALUE_OUT_OF_BOUNDS", "data holds a number beyond the range of a 64-bit float", "data")
    if number.is_integer() and abs(number) < 1e21:
        # Go writes such a float64 without an exponent, in its shortest digits padded with zeros.
        return int(decimal.Decimal(repr(number)))
    return number


class RoleHandleKind(Kind):
    """A role handle {id, name, deleted} in a request: only the id counts (PrivX ignores the name)."""

    def check(self, value: object, prop: str) -> object:
        if not isinstance(value, dict):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be an object {{id, name}}", prop)
        handle = check_fields(value, {"id": UUID, "name": STRING, "deleted": BOOL}, prefix=f"{prop}.")
        if not handle.get("id"):
            raise bad_request("REQUIRED_VALUE_MISSING", f"{prop}.id is required: PrivX ignores a role's name in requests", f"{prop}.id")
        return handle["id"]


ROLE_HANDLES = ArrayKind(RoleHandleKind())
SECRET_FIELDS = {"name": STRING, "read_roles": ROLE_HANDLES, "write_roles": ROLE_HANDLES, "data": OBJECT, "owner_id": UUID}
# What a Secret read answers besides: type-checked and ignored when a client sends it back.
READ_ONLY_FIELDS = {"created": DATETIME, "updated": DATETIME, "updated_by": STRING, "author": STRING, "path": STRING}
SEARCH_FIELDS = {"keywords": STRING, "filter": EnumKind(*SEARCH_FILTERS, allow_empty=True), "owner_id": ArrayKind(UUID),
                 "sortkey": STRING, "sortdir": STRING, "limit": INTEGER, "offset": INTEGER}


class Caller:
    """The caller as Vault sees it: its user id, its role ids and the two permissions that matter."""

    def __init__(self, client: dict) -> None:
        roles = roles_of(client)
        permissions = {permission for role in roles for permission in role["permissions"]}
        self.user_id = client["user_id"]
        self.role_ids = {role["id"] for role in roles}
        self.manage = bool(permissions & MANAGE_PERMISSIONS)
        self.add = bool(permissions & ADD_PERMISSIONS)


class Access:
    """What a caller may do with one stored secret (the module comment has the rules)."""

    def __init__(self, caller: Caller, row: dict, roles: dict) -> None:
        owner = bool(row["owner_id"]) and row["owner_id"] == caller.user_id
        self.read = owner or bool(caller.role_ids & set(roles["read"]))
        self.write = owner or caller.manage or bool(caller.role_ids & set(roles["write"]))
        self.see = self.read or self.write
        self.change_roles = self.delete = owner or caller.manage


# -- rendering -----------------------------------------------------------------------------------------


def secret_path(row: dict) -> str:
    """[our choice] What `path` holds: the secret's path under /vault/api/v1."""
    return f"user/{row['owner_id']}/secrets/{row['name']}" if row["owner_id"] else f"secrets/{row['name']}"


def _handles(role_ids: list, known: dict) -> list | None:
    handles = [{"id": role_id, "name": known[role_id]["name"] if role_id in known else "", "deleted": role_id not in known}
               for role_id in role_ids]
    return handles or None


def render_secrets(store, rows: list) -> list:
    """Secrets without data (VaultSecret in docs/privx-api-fields.md), role names filled in from the role store."""
    roles = store.vault_roles([row["name"] for row in rows])
    known = store.roles_by("id", [role_id for entry in roles.values() for role_id in entry["read"] + entry["write"]])
    return [{
        "name": row["name"],
        "read_roles": _handles(roles[row["name"]]["read"], known),
        "write_roles": _handles(roles[row["name"]]["write"], known),
        "owner_id": row["owner_id"],
        "created": format_time(row["created"]),
        "updated": format_time(row["updated"]),
        "updated_by": row["updated_by"],
        "author": row["author"],
        "path": secret_path(row),
    } for row in rows]


def stored_state(store, row: dict, with_versions: bool) -> dict:
    """Everything the emulator holds about a secret, data included, for the control API."""
    state = render_secrets(store, [row])[0]
    state.update(data=json.loads(row["data"]), data_reads=row["data_reads"])
    if with_versions:
        versions = store.vault_versions(row["name"])
        known = store.roles_by("id", [role_id for version in versions for key in ("read_roles", "write_roles")
                                      for role_id in json.loads(version[key])])
        state["versions"] = [{"version": version["version"], "data": json.loads(version["data"]),
                              "read_roles": _handles(json.loads(version["read_roles"]), known) or [],
                              "write_roles": _handles(json.loads(version["write_roles"]), known) or [],
                              "updated": format_time(version["updated"]), "updated_by": version["updated_by"]} for version in versions]
    return state


# -- shared steps ----------------------------------------------------------------------------------------


def insert_secret(store, name: str, owner_id: str, data: dict, read_ids: list, write_ids: list, user_id: str, when: int) -> None:
    """A new secret and its first version (also how fixtures are seeded)."""
    text = json.dumps(data, sort_keys=True)
    store.insert_vault_secret({"name": name, "owner_id": owner_id, "data": text, "author": user_id, "created": when, "updated": when,
                               "updated_by": user_id}, read_ids, write_ids)
    store.add_vault_version(name, text, read_ids, write_ids, when, user_id)


def _check_body(ctx) -> dict:
    values = check_fields(ctx.json_body(), dict(SECRET_FIELDS, **READ_ONLY_FIELDS))
    if "data" in values:
        values["data"] = go_numbers(values["data"])
    return values


def _role_ids(store, values: dict, key: str) -> list:
    """The role ids a request names under `key`, each once, every one a role the role store knows."""
    ids = values.get(key) or []
    for index, role_id in enumerate(ids):
        if role_id is None:
            raise bad_request("REQUIRED_VALUE_MISSING", f"{key}[{index}] must be a role {{id}}, not null", f"{key}[{index}].id")
    known = store.roles_by("id", ids)
    for index, role_id in enumerate(ids):
        if role_id not in known:
            raise bad_request("INVALID_REQUEST_DATA", f"{key}[{index}].id: no role has the id {role_id!r}", f"{key}[{index}].id")
    return list(dict.fromkeys(ids))


def _find(store, name: str, owner: str | None) -> tuple:
    """(row, roles) of the secret; 404 when there is none (or, under /user/{userID}/, none of that owner's)."""
    row = store.get_vault_secret(name)
    if row is None or (owner is not None and row["owner_id"] != owner):
        raise not_found(NOT_FOUND, "name")
    return row, store.vault_roles([name])[name]


def _owner_of_path(ctx, caller: Caller) -> str:
    """The userID of a /user/{userID}/... path: the caller's own, or anyone's for vault-manage."""
    owner = ctx.params["userID"]
    if owner != caller.user_id and not caller.manage:
        raise permission_denied("another user's personal secrets need the vault-manage permission")
    return owner


def _refuse_grant(caller: Caller, owner: str, read_ids: list, write_ids: list) -> None:
    if owner and (read_ids or write_ids) and not caller.add:
        raise permission_denied("giving roles access to a personal secret needs the vault-add or vault-manage permission")


def _list(ctx, caller: Caller, criteria: dict, paging) -> Response:
    criteria.update(user_id=caller.user_id, role_ids=caller.role_ids, manage=caller.manage)
    with ctx.store.transaction(write=False) as store:
        count, rows = store.page_vault_secrets(criteria, paging)
        items = render_secrets(store, rows)
    return Response(200, {"count": count, "items": items})


def _paging(query: dict):
    return parse_paging(query, VAULT_LIMIT, VAULT_SORT, "name", max_limit=VAULT_LIMIT)


# -- the operations, shared by /secrets/... and /user/{userID}/secrets/... ------------------------------------


def _create(ctx, caller: Caller, values: dict, owner: str) -> Response:
    if owner and owner != caller.user_id and not caller.manage:
        raise permission_denied("creating another user's personal secret needs the vault-manage permission")
    if not owner and not caller.add:
        raise permission_denied("creating a secret needs the vault-add or vault-manage permission")
    name = values.get("name", "")
    problem = name_problem(name)
    if problem:
        raise bad_request(problem[0], problem[1], "name")
    with ctx.store.transaction() as store:
        read_ids, write_ids = _role_ids(store, values, "read_roles"), _role_ids(store, values, "write_roles")
        _refuse_grant(caller, owner, read_ids, write_ids)
        if store.get_vault_secret(name) is not None:
            raise bad_request("VALUE_DUPLICATE", f"a secret named {name!r} already exists", "name")
        insert_secret(store, name, owner, values.get("data", {}), read_ids, write_ids, caller.user_id, whole_seconds(now()))
    location = VAULT + (f"/user/{owner}/secrets/" if owner else "/secrets/") + urllib.parse.quote(name, safe="/")
    return Response(201, {"name": name}, {"Location": location})


def _read(ctx, name: str, owner: str | None, with_data: bool) -> Response:
    caller = Caller(ctx.caller)
    with ctx.store.transaction() as store:
        row, roles = _find(store, name, owner)
        access = Access(caller, row, roles)
        if not access.see:
            raise permission_denied(f"this API client's roles give no access to the secret {name!r}")
        item = render_secrets(store, [row])[0]
        if with_data and access.read:
            item["data"] = json.loads(row["data"])
            store.count_vault_read(name)
    return Response(200, item)


def _update(ctx, name: str, owner: str | None) -> Response:
    caller = Caller(ctx.caller)
    values = _check_body(ctx)
    if values.get("name") and values["name"] != name:
        raise bad_request("INVALID_REQUEST_DATA", f"name {values['name']!r} differs from the path's {name!r}: secrets cannot be renamed", "name")
    with ctx.store.transaction() as store:
        row, roles = _find(store, name, owner)
        access = Access(caller, row, roles)
        if not access.write:
            raise permission_denied(f"writing the secret {name!r} needs one of its write roles")
        if values.get("owner_id") and values["owner_id"] != row["owner_id"]:
            raise bad_request("INVALID_REQUEST_DATA", "owner_id cannot change", "owner_id")
        read_ids, write_ids = _role_ids(store, values, "read_roles"), _role_ids(store, values, "write_roles")
        if set(read_ids) != set(roles["read"]) or set(write_ids) != set(roles["write"]):
            if not access.change_roles:
                raise permission_denied(f"changing the read_roles or write_roles of {name!r} needs the vault-manage permission")
            _refuse_grant(caller, row["owner_id"], read_ids, write_ids)
        # `data` is a pointer in PrivX's model: left out (or null), the secret keeps its data.
        data = json.dumps(values["data"], sort_keys=True) if "data" in values else row["data"]
        when = whole_seconds(now())
        store.update_vault_secret(name, {"data": data, "updated": when, "updated_by": caller.user_id})
        store.set_vault_roles(name, read_ids, write_ids)
        store.add_vault_version(name, data, read_ids, write_ids, when, caller.user_id)
    return Response.empty()


def _delete(ctx, name: str, owner: str | None) -> Response:
    caller = Caller(ctx.caller)
    with ctx.store.transaction() as store:
        row, roles = _find(store, name, owner)
        if not Access(caller, row, roles).delete:
            raise permission_denied(f"deleting the secret {name!r} needs the vault-manage permission")
        store.delete_vault_secret(name)
    return Response.empty()


# -- handlers --------------------------------------------------------------------------------------------


def list_secrets(ctx) -> Response:
    """GET VAULT/secrets ?offset&limit: the secrets the caller may see, shared and personal, without data"""
    caller = Caller(ctx.caller)
    return _list(ctx, caller, {}, _paging(ctx.query))


def create_secret(ctx) -> Response:
    """POST VAULT/secrets {name, read_roles, write_roles, data, owner_id} -> 201 {"name"}"""
    caller = Caller(ctx.caller)
    values = _check_body(ctx)
    return _create(ctx, caller, values, values.get("owner_id", ""))


def get_secret(ctx) -> Response:
    """GET VAULT/secrets/{name}: with data when the caller may read it"""
    return _read(ctx, ctx.params["name"], None, with_data=True)


def update_secret(ctx) -> Response:
    """PUT VAULT/secrets/{name}"""
    return _update(ctx, ctx.params["name"], None)


def delete_secret(ctx) -> Response:
    """DELETE VAULT/secrets/{name}"""
    return _delete(ctx, ctx.params["name"], None)


def get_metadata(ctx) -> Response:
    """GET VAULT/metadata/secrets/{name}: the secret without data"""
    return _read(ctx, ctx.params["name"], None, with_data=False)


def search_secrets(ctx) -> Response:
    """POST VAULT/search/secrets {keywords, filter, owner_id, sortkey, sortdir, limit, offset} ?offset&limit&sortkey&sortdir.
    Paging in the query wins; the body's (which the Go SDK always sends, zero when unset) counts when the query has none."""
    caller = Caller(ctx.caller)
    values = check_fields(ctx.json_body(), SEARCH_FIELDS)
    query = dict(ctx.query)
    for key in ("offset", "limit", "sortkey", "sortdir"):
        if key not in query and values.get(key) not in (None, "", 0):
            query[key] = [str(values[key])]
    criteria = {"keywords": split_keywords(values.get("keywords", ""))}
    owner_ids = [owner for owner in values.get("owner_id", []) if owner]
    if owner_ids:
        criteria["owner_ids"] = owner_ids
    wanted = values.get("filter", "")
    if wanted in ("personal", "shared"):
        criteria["owner"] = caller.user_id if wanted == "personal" else ""
    criteria["readable"] = wanted in ("readable", "accessible")
    criteria["writable"] = wanted in ("writable", "accessible")
    return _list(ctx, caller, criteria, _paging(query))


def get_schemas(ctx) -> Response:
    """GET VAULT/schemas: the custom secret types, raw JSON; any caller with a role (routes.py)"""
    del ctx
    return Response(200, list(DEFAULT_SCHEMAS))


def list_user_secrets(ctx) -> Response:
    """GET VAULT/user/{userID}/secrets ?offset&limit"""
    caller = Caller(ctx.caller)
    owner = _owner_of_path(ctx, caller)
    return _list(ctx, caller, {"owner": owner}, _paging(ctx.query))


def create_user_secret(ctx) -> Response:
    """POST VAULT/user/{userID}/secrets -> 201 {"name"}"""
    caller = Caller(ctx.caller)
    owner = _owner_of_path(ctx, caller)
    values = _check_body(ctx)
    if values.get("owner_id") and values["owner_id"] != owner:
        raise bad_request("INVALID_REQUEST_DATA", "owner_id differs from the path's user id", "owner_id")
    return _create(ctx, caller, values, owner)


def get_user_secret(ctx) -> Response:
    """GET VAULT/user/{userID}/secrets/{name}"""
    return _read(ctx, ctx.params["name"], _owner_of_path(ctx, Caller(ctx.caller)), with_data=True)


def update_user_secret(ctx) -> Response:
    """PUT VAULT/user/{userID}/secrets/{name}"""
    return _update(ctx, ctx.params["name"], _owner_of_path(ctx, Caller(ctx.caller)))


def delete_user_secret(ctx) -> Response:
    """DELETE VAULT/user/{userID}/secrets/{name}"""
    return _delete(ctx, ctx.params["name"], _owner_of_path(ctx, Caller(ctx.caller)))


def get_user_metadata(ctx) -> Response:
    """GET VAULT/user/{userID}/metadata/secrets/{name}"""
    return _read(ctx, ctx.params["name"], _owner_of_path(ctx, Caller(ctx.caller)), with_data=False)
