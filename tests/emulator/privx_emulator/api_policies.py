# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Password policies: list, create, get, replace (PUT), delete. The fields are those of the SDKs'
# PasswordPolicy (see docs/privx-api-admin.md). The rotation settings other endpoints read stay in the
# password_policies table; the rest is in the policy_details table (store.py).

import uuid

from .api_secrets_manager import SM_DEFAULT_LIMIT
from .context import Response
from .errors import bad_request, not_found
from .store import POLICY_SORT
from .timeutil import format_time, now, parse_duration, whole_seconds
from .validation import BOOL, DATETIME, INTEGER, STRING, UUID, Kind, check_fields, parse_paging, require_string

# The store's columns; everything else writable is in policy_details.
COLUMN_FIELDS = ("rotation_interval", "max_versions", "max_concurrent_checkouts", "max_checkout_duration",
                 "rotate_on_release", "verify_after_rotation")
# Defaults of the details for a policy stored before they existed, and for a fixture policy leaving them out.
DETAIL_DEFAULTS = {
    "password_min_length": 12,
    "password_max_length": 32,
    "use_special_characters": True,
    "use_lower_case": True,
    "use_upper_case": True,
    "use_numbers": True,
    "number_of_retries": 3,
    "retry_interval": "PT5M",
}
MAX_PASSWORD_LENGTH = 1024


class DurationKind(Kind):
    """An ISO-8601 duration string (P30D, PT1H, P1DT12H); "" is the zero value."""

    def check(self, value: object, prop: str) -> object:
        if not isinstance(value, str):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be a string (an ISO-8601 duration such as P30D)", prop)
        if value:
            try:
                parse_duration(value)
            except ValueError:
                raise bad_request("VALUE_INCORRECT_FORMAT", f"{prop} is not an ISO-8601 duration such as P30D or PT1H: {value!r}",
                                  prop) from None
        return value


class CountKind(Kind):
    """A non-negative integer no larger than `maximum`."""

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum

    def check(self, value: object, prop: str) -> object:
        number = INTEGER.check(value, prop)
        if not 0 <= number <= self.maximum:
            raise bad_request("VALUE_OUT_OF_BOUNDS", f"{prop} must be between 0 and {self.maximum}", prop)
        return number


DURATION = DurationKind()
WRITABLE_FIELDS = {
    "name": STRING,
    "rotation_interval": DURATION,
    "password_min_length": CountKind(MAX_PASSWORD_LENGTH),
    "password_max_length": CountKind(MAX_PASSWORD_LENGTH),
    "use_special_characters": BOOL,
    "use_lower_case": BOOL,
    "use_upper_case": BOOL,
    "use_numbers": BOOL,
    "max_versions": CountKind(10000),
    "number_of_retries": CountKind(100),
    "retry_interval": DURATION,
    "max_concurrent_checkouts": CountKind(10000),
    "max_checkout_duration": DURATION,
    "rotate_on_release": BOOL,
    "verify_after_rotation": BOOL,
}
# Sent back as read ("send back everything you read"): type-checked, then ignored; an id that contradicts
# the path is refused.
READ_ONLY_FIELDS = {"id": UUID, "created": DATETIME, "created_by": UUID, "updated": DATETIME, "updated_by": UUID}
# Durations that must be given and positive: a policy without them cannot rotate or check out.
REQUIRED_DURATIONS = ("rotation_interval", "max_checkout_duration")


def render_policy(row: dict, details: dict) -> dict:
    """A PasswordPolicy; every field is present (the SDKs' struct has no omitempty but on created/updated)."""
    merged = dict(DETAIL_DEFAULTS, **details)
    return {
        "id": row["id"],
        "name": row["name"],
        "rotation_interval": row["rotation_interval"],
        "password_min_length": merged["password_min_length"],
        "password_max_length": merged["password_max_length"],
        "use_special_characters": merged["use_special_characters"],
        "use_lower_case": merged["use_lower_case"],
        "use_upper_case": merged["use_upper_case"],
        "use_numbers": merged["use_numbers"],
        "max_versions": row["max_versions"],
        "number_of_retries": merged["number_of_retries"],
        "retry_interval": merged["retry_interval"],
        "max_concurrent_checkouts": row["max_concurrent_checkouts"],
        "max_checkout_duration": row["max_checkout_duration"],
        "rotate_on_release": bool(row["rotate_on_release"]),
        "verify_after_rotation": bool(row["verify_after_rotation"]),
        "created": format_time(row["created"]),
        "created_by": merged.get("created_by", ""),
        "updated": format_time(row["updated"]),
        "updated_by": merged.get("updated_by", ""),
    }


def require_policy(ctx) -> dict:
    policy = ctx.store.get_policy(ctx.params["passwordPolicyID"])
    if policy is None:
        raise not_found("password policy not found", "passwordPolicyID")
    return policy


def _check_body(ctx, policy: dict | None = None) -> tuple:
    """(store columns, details) from a PasswordPolicy body; fields left out get their zero values."""
    values = check_fields(ctx.json_body(), dict(WRITABLE_FIELDS, **READ_ONLY_FIELDS))
    if policy is not None and values.get("id") and values["id"] != policy["id"]:
        raise bad_request("INVALID_REQUEST_DATA", f"id {values['id']!r} contradicts the path, which names {policy['id']!r}", "id")
    name = require_string(values, "name")
    if not name.strip():
        raise bad_request("REQUIRED_VALUE_MISSING", "name must not be blank", "name")
    for key in REQUIRED_DURATIONS:
        require_string(values, key)
        if parse_duration(values[key]) <= 0:
            raise bad_request("VALUE_OUT_OF_BOUNDS", f"{key} must be longer than zero", key)
    minimum, maximum = values.get("password_min_length", 0), values.get("password_max_length", 0)
    if minimum and maximum and minimum > maximum:
        raise bad_request("VALUE_OUT_OF_BOUNDS",
                          f"password_min_length ({minimum}) must not be larger than password_max_length ({maximum})", "password_min_length")
    columns = {"name": name}
    for key in COLUMN_FIELDS:
        kind = WRITABLE_FIELDS[key]
        zero = False if kind is BOOL else "" if isinstance(kind, DurationKind) else 0
        value = values.get(key, zero)
        columns[key] = int(value) if isinstance(value, bool) else value
    details = {}
    for key in DETAIL_DEFAULTS:
        kind = WRITABLE_FIELDS[key]
        details[key] = values.get(key, False if kind is BOOL else "" if isinstance(kind, DurationKind) else 0)
    return columns, details


def _refuse_duplicate_name(store, name: str, own_id: str | None = None) -> None:
    other = store.get_policy_by_name(name)
    if other is not None and other["id"] != own_id:
        raise bad_request("VALUE_DUPLICATE", f"a password policy named {name!r} already exists", "name")


def list_policies(ctx) -> Response:
    """GET SM/password-policies -> {count, items}"""
    paging = parse_paging(ctx.query, SM_DEFAULT_LIMIT, POLICY_SORT, "name")
    with ctx.store.transaction() as store:
        count, rows = store.page_policies(paging)
        items = [render_policy(row, store.policy_details(row["id"])) for row in rows]
    return Response(200, {"count": count, "items": items})


def create_policy(ctx) -> Response:
    """POST SM/password-policy -> 201 {"id"}"""
    columns, details = _check_body(ctx)
    when = whole_seconds(now())
    with ctx.store.transaction() as store:
        _refuse_duplicate_name(store, columns["name"])
        row = dict(columns, id=str(uuid.uuid4()), created=when, updated=when)
        store.insert_policy(row)
        store.set_policy_details(row["id"], dict(details, created_by=ctx.caller["user_id"], updated_by=ctx.caller["user_id"]))
    return Response(201, {"id": row["id"]})


def get_policy(ctx) -> Response:
    """GET SM/password-policy/{id}"""
    with ctx.store.transaction() as store:
        policy = require_policy(ctx)
        item = render_policy(policy, store.policy_details(policy["id"]))
    return Response(200, item)


def replace_policy(ctx) -> Response:
    """PUT SM/password-policy/{id}: the body replaces every writable field."""
    with ctx.store.transaction() as store:
        policy = require_policy(ctx)
        columns, details = _check_body(ctx, policy)
        _refuse_duplicate_name(store, columns["name"], policy["id"])
        columns["updated"] = whole_seconds(now())
        store.update_policy(policy["id"], columns)
        previous = store.policy_details(policy["id"])
        store.set_policy_details(policy["id"], dict(details, created_by=previous.get("created_by", ""),
                                                    updated_by=ctx.caller["user_id"]))
    return Response.empty()


def delete_policy(ctx) -> Response:
    """DELETE SM/password-policy/{id}: refused while managed accounts or auto-onboarding domains use it."""
    with ctx.store.transaction() as store:
        policy = require_policy(ctx)
        accounts, domains = store.policy_users(policy["id"])
        if accounts or domains:
            users = []
            if accounts:
                users.append(f"{accounts} managed account(s)")
            if domains:
                users.append("the auto-onboarding of target domain(s) " + ", ".join(domains))
            raise bad_request("BAD_REQUEST", f"password policy {policy['name']!r} is in use by {' and '.join(users)}", "passwordPolicyID")
        store.delete_policy(policy["id"])
    return Response.empty()
