# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Who the caller is and what PrivX runs: every service's status (GET <service>/api/v1/status, the SDKs'
# Status() calls) and the role store's view of the caller (GET /role-store/api/v1/users/current), with
# the roles a fixture client's `role` stands for. Permission names are PrivX's (docs/privx-api-fields.md,
# "Permissions"): `privx-admin` is both the built-in administrator role and the permission that lets a
# caller past every check.

import uuid

from . import __version__
from .context import Response
from .timeutil import format_time

ADMIN_PERMISSION = "privx-admin"

_ROLE_NAMESPACE = uuid.UUID("6f1c8a52-4f0e-4e0b-9d55-6a2d3c1e7b90")


def role_id(name: str) -> str:
    # A fixed id per role name, so that answers are the same across restarts.
    return str(uuid.uuid5(_ROLE_NAMESPACE, name))


def _role(name: str, permissions: tuple, system: bool = False, comment: str = "") -> dict:
    return {"id": role_id(name), "name": name, "explicit": True, "implicit": False, "system": system,
            "comment": comment, "permissions": list(permissions), "access_group_id": "", "owner_src": "",
            "source_rules": {"rules": None}, "context": {"enabled": False}}


# A fixture client's `role` -> the PrivX roles it holds [our choice: PrivX grants roles to API clients in
# its UI; these are the roles a site would typically give an automation client].
ROLES = {
    "admin": (_role(ADMIN_PERMISSION, (ADMIN_PERMISSION, "target-domains-view", "connections-authorize", "vault-manage",
                                       "hosts-manage", "roles-view", "users-view"), system=True,
                    comment="built-in administrator"),),
    "user": (_role("secrets-users", ("connections-authorize",), comment="may check out the secrets its roles reach"),),
    "auditor": (_role("audit-readers", ("logs-view",), comment="may read the audit log"),),
    "none": (),
}


def roles_of(client: dict) -> tuple:
    return ROLES[client["role"]]


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
        "roles": [dict(role) for role in roles_of(client)],
        "attributes": None,
        "permissions": permissions_of(client),
    })
