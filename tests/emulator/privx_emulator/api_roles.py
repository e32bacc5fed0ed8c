# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The role store's roles (docs/privx-api.md, "Role store"): list, one by id, and names resolved to roles.
# The roles are the store's, the same rows API clients hold (api_identity.py). Reading them takes
# roles-view or roles-manage (routes.py ROLES_VIEW) [our choice: PrivX's "Role Permissions" page says roles-view
# allows viewing roles; which permission the resolve call needs is not documented, the emulator asks the same].

from .api_identity import role_object
from .context import Response
from .errors import bad_request, not_found
from .store import ROLE_SORT
from .validation import parse_json, parse_paging

# The permission names a role may carry: PrivX's "Role Permissions" pages (up to PrivX 44), and privx-admin
# (api_identity.py). A fixture role naming another is refused.
PERMISSIONS = frozenset((
    "privx-admin", "access-groups-manage", "access-roles-manage", "api-clients-manage", "api-targets-manage", "api-targets-view",
    "authorized-keys-manage", "certificates-view", "connections-authorize", "connections-manage", "connections-manual",
    "connections-playback", "connections-terminate", "connections-trail", "connections-view", "hosts-manage", "hosts-view",
    "idp-clients-manage", "idp-clients-view", "licenses-manage", "logs-manage", "logs-view", "mobilegw-manage", "mobilegw-view",
    "network-targets-manage", "network-targets-view", "privx-host-provisioning", "requests-view", "role-target-resources-manage",
    "role-target-resources-view", "roles-manage", "roles-view", "settings-manage", "settings-view", "sources-data-push",
    "sources-manage", "sources-view", "target-domains-manage", "target-domains-view", "ueba-manage", "ueba-view", "users-manage",
    "users-view", "vault-add", "vault-manage", "webauthn-credentials-manage", "workflows-manage", "workflows-requests",
    "workflows-requests-on-behalf", "workflows-view",
))
# PrivX's documented list default; its maximum is the emulator's general one (1000).
ROLES_DEFAULT_LIMIT = 50


def list_roles(ctx) -> Response:
    """GET RS/roles ?offset&limit&sortkey (name, id)&sortdir -> {count, items}"""
    paging = parse_paging(ctx.query, ROLES_DEFAULT_LIMIT, ROLE_SORT, "name")
    with ctx.store.transaction(write=False) as store:
        count, rows = store.page_roles(paging)
    return Response(200, {"count": count, "items": [role_object(row) for row in rows]})


def get_role(ctx) -> Response:
    """GET RS/roles/{roleID}"""
    with ctx.store.transaction(write=False) as store:
        row = store.get_role(ctx.params["roleID"])
    if row is None:
        raise not_found("role not found", "roleID")
    return Response(200, role_object(row))


def resolve_roles(ctx) -> Response:
    """POST RS/roles/resolve with a bare JSON array of names -> {count, items}: the roles of those names, in the
    order asked, each once; a name no role has is left out [as the vendor's clients expect: they look each name
    up in the answer themselves]. Names are compared exactly."""
    if not ctx.raw_body.strip():
        raise bad_request("INVALID_REQUEST_DATA", "request body is missing: expected a JSON array of role names")
    names = parse_json(ctx.raw_body)
    if names is None:
        names = []  # Go's nil slice: the zero value, as everywhere
    if not isinstance(names, list):
        raise bad_request("INVALID_REQUEST_DATA", "request body must be a JSON array of role names")
    for index, name in enumerate(names):
        if not isinstance(name, str):
            raise bad_request("VALUE_INCORRECT_TYPE", f"[{index}] must be a string (a role name)", f"[{index}]")
    with ctx.store.transaction(write=False) as store:
        found = store.roles_by("name", names)
    items = [role_object(found[name]) for name in dict.fromkeys(names) if name in found]
    return Response(200, {"count": len(items), "items": items})
