# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Store rows to API objects. The render_* functions give every field they know, empty or not; `marshal`
# then writes an object the way PrivX's Go server does, from the field tables (fields.py): a field the
# table does not declare is an emulator bug, an always-sent field goes out with its zero value, an
# omitempty one only when set. The "sparse" rendering leaves out every empty field but booleans and
# numbers instead (what the emulator answered before the tables), so that the collection's tests can show
# that absent and empty mean the same to it.

import json

from .fields import ALWAYS, ANSWERS, ARRAY, BOOLEAN, DATETIME, INTEGER, NEVER, OBJECT, OBJECTS, WHEN_NOT_NIL, WHEN_SET
from .timeutil import format_time

GO = "go"
SPARSE = "sparse"
RENDERINGS = (GO, SPARSE)


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, (str, dict, list)) and not value)


def _go_empty(value: object) -> bool:
    """What Go's omitempty leaves out: false, 0, "", nil, and empty slices and maps."""
    return _is_empty(value) or value is False or (type(value) is int and value == 0)  # pylint: disable=unidiomatic-typecheck


def omit_empty(fields: dict) -> dict:
    return {key: value for key, value in fields.items() if not _is_empty(value)}


class UndeclaredField(Exception):
    """The emulator rendered a field its object's table does not declare."""


def _marshal_value(field, value, rendering: str):
    if field.kind == DATETIME and value == "":
        return None  # a time that was never set (timeutil.format_time(None))
    if field.kind == OBJECT:
        if value is None and field.sent == ALWAYS and field.zero_value() == "struct":
            value = {}
        return None if value is None else marshal(field.ref, value, rendering)
    if field.kind == ARRAY and field.ref in OBJECTS and value is not None:
        return [marshal(field.ref, item, rendering) for item in value]
    return value


def marshal(name: str, values: dict, rendering: str = GO) -> dict:
    """One object as PrivX writes it (`rendering` GO), or with its empty fields left out (SPARSE)."""
    table = OBJECTS[name]
    undeclared = sorted(set(values) - {field.name for field in table.fields})
    if undeclared:
        raise UndeclaredField(f"{name} has no field {', '.join(undeclared)} in fields.py")
    body = {}
    for field in table.fields:
        if field.sent == NEVER:
            continue
        value = _marshal_value(field, values.get(field.name), rendering)
        if value is None and field.sent == ALWAYS and field.kind in (BOOLEAN, INTEGER):
            value = field.zero_value()  # booleans and numbers are sent in both renderings
        if field.sent == WHEN_SET and _go_empty(value):
            continue
        if field.sent == WHEN_NOT_NIL:
            # A pointer: `false` or `{}` means something (tofu off, an empty secret) that leaving it out would not, in
            # either rendering.
            if value is not None:
                body[field.name] = value
            continue
        if rendering == SPARSE and _is_empty(value):
            continue
        if value is None and field.sent == ALWAYS:
            value = field.zero_value()
        body[field.name] = value
    return body


def shape_answer(method: str, template: str, body: object, rendering: str) -> object:
    """A handler's answer written by the field tables: the one place every API answer passes through."""
    if (method, template) not in ANSWERS:
        raise UndeclaredField(f"{method} {template} has no answer in fields.ANSWERS: declare what it answers there")
    answer = ANSWERS[(method, template)]
    if answer is None or body is None:
        return body
    shape, name = answer
    if shape == "raw":
        return body
    if shape == "map":
        return {key: marshal(name, value, rendering) for key, value in body.items()}
    if isinstance(body, dict) and "items" in body and shape in ("list", "checkout"):
        return dict(body, items=[marshal(name, item, rendering) for item in body["items"]])
    return marshal(name, body, rendering)


def target_domain_handle(td_id: str | None, name: str | None) -> dict | None:
    if not td_id:
        return None
    return {"id": td_id, "name": name, "deleted": False}


def render_scanned_account(row: dict, target_domain: dict) -> dict:
    """A ScannedAccount without `comment` and `updated_by` (the caller adds them). The store keeps a
    sam_account_name for each directory entry, which the model has no field for: it shows only on the
    managed accounts made from the entry."""
    return {
        "id": row["id"],
        "username": row["username"],
        "email": row["email"],
        "full_name": row["full_name"],
        "source_id": row["source_id"],
        "security_id": row["security_id"],
        "additional_data": None,
        "state": row["state"],
        "ignored": bool(row["ignored"]),
        "target_domain": target_domain_handle(target_domain["id"], target_domain["name"]),
        "created": format_time(row["created"]),
        "updated": format_time(row["updated"]),
    }


def render_history(rows: list) -> list:
    return [
        {"version": row["version"], "rotated": format_time(row["rotated"]), "trigger": row["trigger"], "status": row["status"]}
        for row in rows
    ]


def render_secrets(rows: list) -> list:
    """Secret versions, oldest first: the current secret is the highest version."""
    return [{"version": row["version"], "secret": row["secret"], "created": format_time(row["created"])} for row in rows]


def render_host(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {
        "id": row["id"],
        "addresses": list(row["addresses"]),
        "common_name": row["common_name"],
        "external_id": row["external_id"],
        "instance_id": row["instance_id"],
    }


def _checkout_fields(row: dict, secrets: list) -> dict:
    """What both checkout shapes (inside a managed account, and the authorizer's) carry."""
    return {
        "id": row["id"],
        "type": row["type"],
        "user_id": row["user_id"],
        "expires": format_time(row["expires"]),
        "created": format_time(row["created"]),
        "explicit_checkout": True,
        "secrets": render_secrets(secrets),
        "username": row["username"],
        "email": row["email"],
        "full_name": row["full_name"],
        "managed_account_id": row["managed_account_id"],
    }


def render_embedded_checkout(row: dict, secrets: list) -> dict:
    """A checkout as listed inside a ManagedAccount (docs/privx-api-fields.md)."""
    return dict(_checkout_fields(row, secrets), target_domain_id=row["target_domain_id"], host_id=row["host_id"])


def render_checkout(row: dict, secrets: list, host: dict | None) -> dict:
    """A checkout of the authorizer API (Checkout in docs/privx-api-fields.md)."""
    return dict(_checkout_fields(row, secrets), path=row["path"],
                target_domain=target_domain_handle(row["target_domain_id"], row["target_domain_name"]),
                host=render_host(host))


def render_account_secret(row: dict, host: dict | None) -> dict:
    return {
        "path": row["path"],
        "type": row["type"],
        "username": row["username"],
        "email": row["email"],
        "full_name": row["full_name"],
        "target_domain": target_domain_handle(row["target_domain_id"], row["target_domain_name"]),
        "host": render_host(host),
        "created": format_time(row["created"]),
        "updated": format_time(row["updated"]),
    }


def managed_account_fields(row: dict, history: list, checkouts: list) -> dict:
    """Every ManagedAccount field, before omitempty (the control API shows them all)."""
    policy = None
    if row["password_policy_id"]:
        policy = {"id": row["password_policy_id"], "name": row["password_policy_name"]}
    return {
        "id": row["id"],
        "username": row["username"],
        "email": row["email"],
        "full_name": row["full_name"],
        "sam_account_name": row["sam_account_name"],
        "source_id": row["source_id"],
        "security_id": row["security_id"],
        "additional_data": json.loads(row["additional_data"]),
        "target_domain": target_domain_handle(row["target_domain_id"], row["target_domain_name"]),
        "password_policy": policy,
        "enabled": bool(row["enabled"]),
        "rotation_enabled": bool(row["rotation_enabled"]),
        "explicit_checkout": bool(row["explicit_checkout"]),
        "state": row["state"],
        "comment": row["comment"],
        "locked": bool(row["locked"]),
        "locked_timestamp": format_time(row["locked_timestamp"]) if row["locked"] else None,
        "rotation_history": render_history(history),
        "checkouts": checkouts,
        "created": format_time(row["created"]),
        "author": row["author"],
        "updated": format_time(row["updated"]),
        "updated_by": row["updated_by"],
        "disable_rdp_cert_auth": bool(row["disable_rdp_cert_auth"]),
    }


def render_managed_account(row: dict, history: list, checkouts: list) -> dict:
    return managed_account_fields(row, history, checkouts)
