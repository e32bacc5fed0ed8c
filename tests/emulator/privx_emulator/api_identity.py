# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Who the caller is and what PrivX runs: every service's status (GET <service>/api/v1/status, the SDKs'
# Status() calls) and the role store's view of the caller (GET /role-store/api/v1/users/current), with
# the roles a fixture client holds. Permission names are PrivX's (docs/privx-api-fields.md,
# "Permissions"): `privx-admin` is both the built-in administrator role and the permission that lets a
# caller past every check (but one: reading a Vault secret's data takes one of its read roles, api_vault.py).
#
# Roles have one source: the store's `roles` table, seeded with BUILTIN_ROLES and the fixture's `roles`
# (fixture.py). A client holds the roles its fixture `role` stands for (CLIENT_ROLES) and those its `roles`
# name; the role store's endpoints (api_roles.py) list the same rows.

import json
import uuid

from . import __version__
from .context import Response
from .timeutil import format_time

ADMIN_PERMISSION = "privx-admin"

_ROLE_NAMESPACE = uuid.UUID("6f1c8a52-4f0e-4e0b-9d55-6a2d3c1e7b90")
# [our choice] The access group every role belongs to: PrivX's default one, with a fixed id of ours.
DEFAULT_ACCESS_GROUP_ID = str(uuid.uuid5(_ROLE_NAMESPACE, "default access group"))
# PrivX's own roles name this author (a captured role-store answer, docs/privx-api.md "Role store").
SYSTEM_AUTHOR = "Superuser"


def role_id_for(name: str) -> str:
    """A fixed id per role name, so that answers are the same across restarts (fixture roles without an id)."""
    return str(uuid.uuid5(_ROLE_NAMESPACE, name))


# PrivX's own roles keep the ids a captured role-store answer shows them with; `secrets-users` is the role
# [our choice] a site would give an automation client that checks secrets out. privx-admin's permissions are
# [our choice] listed (PrivX's lists none: the role passes every check anyway), so that what it may do shows.
BUILTIN_ROLES = (
    {"id": "7a32374b-d7c5-4e76-9a16-005f39692f63", "name": ADMIN_PERMISSION, "system": True, "comment": "PrivX Administrators",
     "permissions": [ADMIN_PERMISSION, "target-domains-view", "connections-authorize", "vault-manage", "hosts-manage", "roles-view",
                     "users-view"]},
    {"id": "a382cd90-336e-41d2-9432-f28e9afe85c9", "name": "privx-user", "system": True, "comment": "PrivX Users",
     "permissions": ["authorized-keys-manage", "webauthn-credentials-manage", "workflows-requests", "workflows-requests-on-behalf"]},
    {"id": role_id_for("secrets-users"), "name": "secrets-users", "system": False, "comment": "may check out the secrets its roles reach",
     "permissions": ["connections-authorize"]},
    {"id": role_id_for("audit-readers"), "name": "audit-readers", "system": False, "comment": "may read the audit log",
     "permissions": ["logs-view"]},
)
# A fixture client's `role` -> the names of the roles it holds ("auditor": the audit log's reader, docs/privx-api-admin.md).
CLIENT_ROLES = {"admin": (ADMIN_PERMISSION,), "user": ("secrets-users",), "auditor": ("audit-readers",), "none": ()}


def role_data(definition: dict, author: str) -> dict:
    """What the store keeps as a role's JSON: every Role field but id, name and the times."""
    return {
        "comment": definition.get("comment", ""),
        "system": definition.get("system", False),
        "permissions": list(definition.get("permissions", [])),
        "author": author,
        "updatedby": "" if definition.get("system") else author,
        "access_group_id": DEFAULT_ACCESS_GROUP_ID,
        "owner_src": "",
        "source_rules": {"type": "GROUP", "match": "ANY", "rules": []},
        "context": {"enabled": False, "validity": [], "start_time": "", "end_time": "", "timezone": "", "ip_masks": ["0.0.0.0/0"]},
    }


def role_object(row: dict) -> dict:
    """A stored role as a Role (docs/privx-api-fields.md), before omitempty."""
    data = json.loads(row["data"])
    return dict(data, id=row["id"], name=row["name"], created=format_time(row["created"]), updated=format_time(row["updated"]))


def _builtin_rows(names) -> list:
    rows = [definition for definition in BUILTIN_ROLES if definition["name"] in names]
    return [{"id": row["id"], "name": row["name"], "created": None, "updated": 0, "data": json.dumps(role_data(row, SYSTEM_AUTHOR))}
            for row in rows]


def roles_of(client: dict) -> tuple:
    """The roles (Role objects) a client holds: those the store grants it (store.get_api_client), or, in a DB
    seeded before roles were stored, the built-in ones its `role` stands for."""
    rows = client.get("roles") or _builtin_rows(CLIENT_ROLES[client["role"]])
    return tuple(role_object(row) for row in rows)


def permissions_of(client: dict) -> list:
    return sorted({permission for role in roles_of(client) for permission in role["permissions"]})


def access_keys(client: dict) -> list | None:
    """What the caller's roles are known by (ids and names, lower case), matched against the roles of a host account's
    principal (docs/privx-api.md, host accounts); None for a privx-admin caller, who reaches every account."""
    if ADMIN_PERMISSION in permissions_of(client):
        return None
    return sorted({key.lower() for role in roles_of(client) for key in (role["id"], role["name"])})


def service_status(ctx) -> Response:
    """GET <service>/api/v1/status"""
    service = ctx.path.split("/")[1]
    return Response(200, {
        "variant": "privx-emulator",
        "version": __version__,
        "api_version": "v1",
        "status": "ok",
        "status_message": "OK",
        "app_id": f"{service}-emulator",
        "status_details": [{"k": "fixture", "v": ctx.app.fixture_name}],
        "start_time": format_time(ctx.app.started),
    })


def current_user(ctx) -> Response:
    """GET /role-store/api/v1/users/current: the API client as the role store sees it."""
    client = ctx.caller
    return Response(200, {
        "id": client["user_id"],
        "principal": client["name"],
        # [our choice] how PrivX labels an API client's user record is not documented. A user a token exchange
        # mapped a JWT to names its directory instead (tokens.identity_caller).
        "source": client.get("source", "api-clients"),
        "source_type": client.get("source_type", "API_CLIENT"),
        "roles": [dict(role, explicit=True) for role in roles_of(client)],
        "attributes": None,
        "permissions": permissions_of(client),
    })
