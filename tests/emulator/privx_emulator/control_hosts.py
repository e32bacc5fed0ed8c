# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The control API's part for host password rotation (control.py lists it under CONTROL_ROUTES): injected
# failures of host account rotations, and a host's accounts with every stored secret version and their rotation
# state, which the API never shows.

from .errors import bad_request, not_found
from .context import Response
from .host_rotation import ALL_ACCOUNTS, DEFAULT_FAILURE_DETAILS
from .render import render_secrets
from .timeutil import format_time
from .validation import check_number, parse_json_object


def _host(store, name_or_id) -> dict:
    if not name_or_id or not isinstance(name_or_id, str):
        raise bad_request("REQUIRED_VALUE_MISSING", "host (common name or id) is required", "host")
    host = store.find_host(name_or_id)
    if host is None:
        raise not_found(f"no host {name_or_id!r}", "host")
    return host


def get_host_accounts(app, query: dict, _raw: bytes) -> Response:
    """?host=: the host's secret (metadata as stored, or null) and its accounts, every version included."""
    with app.store.transaction(write=False) as store:
        host = _host(store, (query.get("host") or [None])[0])
        items = [{
            "id": account["id"], "account": account["username"], "access_roles": account["access_roles"],
            "rotation_initiated": format_time(account["rotation_initiated"]) or None,
            "last_rotated": format_time(account["last_rotated"]) or None, "last_error": format_time(account["last_error"]) or None,
            "last_error_details": account["last_error_details"], "current_version": store.current_secret_version(account["id"]),
            "versions": render_secrets(store.secret_versions(account["id"])),
        } for account in store.host_accounts(host["id"])]
        metadata = store.get_host_secret(host["id"])
    return Response(200, {"host_id": host["id"], "common_name": host["common_name"], "rotation_enabled": bool(host["rotation_enabled"]),
                          "metadata": metadata, "count": len(items), "items": items})


def add_host_rotation_failure(app, _query_unused: dict, raw: bytes) -> Response:
    """{host, username? (left out: every account of the host), details?, count? (left out or null: every rotation)}"""
    body = parse_json_object(raw)
    for key in body:
        if key not in ("host", "username", "details", "count"):
            raise bad_request("INVALID_REQUEST_DATA", f"unknown property {key}", key)
    username = body.get("username") or ALL_ACCOUNTS
    details = body.get("details", DEFAULT_FAILURE_DETAILS)
    if not isinstance(username, str) or not isinstance(details, str) or not details:
        raise bad_request("VALUE_INCORRECT_TYPE", "username and details must be non-empty strings", "details")
    count = check_number(body["count"], "count", minimum=1, integer=True) if body.get("count") is not None else None
    with app.store.transaction(write=False) as store:
        host = _host(store, body.get("host"))
    app.host_rotation_failures.add(host["id"], username, details, count)
    return Response(201, {"host_id": host["id"], "username": body.get("username"), "last_error_details": details, "remaining": count})


def get_host_rotation_failures(app, _query_unused: dict, _raw: bytes) -> Response:
    return Response(200, {"items": app.host_rotation_failures.listing()})


def clear_host_rotation_failures(app, _query_unused: dict, _raw: bytes) -> Response:
    app.host_rotation_failures.clear()
    return Response.empty()


ROUTES = {
    "host-accounts": {"GET": get_host_accounts},
    "host-rotation-failures": {"GET": get_host_rotation_failures, "POST": add_host_rotation_failure, "DELETE": clear_host_rotation_failures},
}
