# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Managed accounts of a target domain (docs/privx-api.md): list, search, create, get, replace (PUT), delete,
# rotate and provide password. The batch endpoints are in api_batch.py.

import json
import uuid

from . import audit
from .api_secrets_manager import SM_DEFAULT_LIMIT, require_target_domain, resolve_policy
from .context import Response
from .errors import bad_request, not_found
from .render import render_embedded_checkout, render_managed_account
from .rotation import FAILURE_STATUSES, rotation_refusal, schedule_rotation
from .store import MANAGED_SORT
from .timeutil import format_time, now, whole_seconds
from .validation import (
    BOOL, DATETIME, EMAIL, INTEGER, OBJECT, POLICY_HANDLE, STRING, STRING_MAP, UUID, ArrayKind, EnumKind, StructKind, check_fields, parse_paging,
    require_string, split_keywords,
)

ACCOUNT_STATES = ("MANAGED", "UNMANAGED", "NEW", "REMOVED")
ROTATION_TRIGGERS = ("ONRELEASE", "ONEXPIRY", "PERIODIC", "MANUAL")
ROTATION_STATUSES = ("SUCCESS",) + FAILURE_STATUSES
# What a new account's state is when the create body leaves it out (or sends "", its zero value).
CREATE_STATE = "MANAGED"

WRITABLE_FIELDS = {
    "username": STRING,
    "email": EMAIL,
    "full_name": STRING,
    "sam_account_name": STRING,
    "source_id": STRING,
    "security_id": STRING,
    # map[string]string in PrivX's model: a value of another type is refused (docs/privx-api-fields.md).
    "additional_data": STRING_MAP,
    "password_policy": POLICY_HANDLE,
    "enabled": BOOL,
    "rotation_enabled": BOOL,
    "explicit_checkout": BOOL,
    # "" is the string's zero value: what a client sends back for an account whose state is empty.
    "state": EnumKind(*ACCOUNT_STATES, allow_empty=True),
    "comment": STRING,
    "disable_rdp_cert_auth": BOOL,
}
CREATE_FIELDS = dict(WRITABLE_FIELDS, password=STRING, rotate=BOOL)
# Read-only fields of the ManagedAccount, which a client may send back ("send back everything you read").
# They are type-checked as docs/privx-api-fields.md types them (updated is a date-time, updated_by a user
# id), then discarded, except that an id or target domain contradicting the path is refused.
_CHECKOUT_SECRET = StructKind({"version": INTEGER, "secret": STRING, "created": DATETIME})
_EMBEDDED_CHECKOUT = StructKind({
    "id": UUID, "type": EnumKind("TARGET_DOMAIN_SECRET", "HOST_SECRET", allow_empty=True), "user_id": UUID,
    "expires": DATETIME, "created": DATETIME, "explicit_checkout": BOOL, "secrets": ArrayKind(_CHECKOUT_SECRET),
    "username": STRING, "email": STRING, "full_name": STRING, "target_domain_id": UUID, "managed_account_id": UUID,
    "host_id": UUID, "secret_name": STRING, "meta": OBJECT,
})
_HISTORY_ENTRY = StructKind({
    "version": INTEGER, "rotated": DATETIME, "trigger": EnumKind(*ROTATION_TRIGGERS, allow_empty=True),
    "status": EnumKind(*ROTATION_STATUSES, allow_empty=True),
})
READ_ONLY_FIELDS = {
    "id": UUID,
    "target_domain": StructKind({"id": UUID, "name": STRING, "deleted": BOOL}),
    "locked": BOOL,
    "locked_timestamp": DATETIME,
    "rotation_history": ArrayKind(_HISTORY_ENTRY),
    "checkouts": ArrayKind(_EMBEDDED_CHECKOUT),
    "created": DATETIME,
    "author": UUID,
    "updated": DATETIME,
    "updated_by": UUID,
}
SEARCH_FIELDS = {
    "keywords": STRING,
    "enabled": BOOL,
    "created_after": DATETIME,
    "created_before": DATETIME,
    "updated_after": DATETIME,
    "updated_before": DATETIME,
    "state": EnumKind(*ACCOUNT_STATES),
    "rotation_enabled": BOOL,
    "explicit_checkout": BOOL,
}
STRING_COLUMNS = ("email", "full_name", "sam_account_name", "source_id", "security_id", "comment")
FLAG_COLUMNS = ("enabled", "rotation_enabled", "explicit_checkout", "disable_rdp_cert_auth")


def require_managed_account(ctx, target_domain: dict) -> dict:
    account = ctx.store.get_managed_account(target_domain["id"], ctx.params["managedAccountID"])
    if account is None:
        raise not_found("managed account not found", "managedAccountID")
    return account


def render_accounts(store, rows: list, caller: dict) -> list:
    """ManagedAccounts with their history and the caller's live checkouts (secrets included, as PrivX does)."""
    ids = [row["id"] for row in rows]
    history = store.history_for(ids)
    checkouts = store.checkouts_of_accounts(caller["client_id"], ids, now())
    items = []
    for row in rows:
        embedded = [render_embedded_checkout(checkout, store.secret_versions(row["id"])) for checkout in checkouts[row["id"]]]
        items.append(render_managed_account(row, history[row["id"]], embedded))
    return items


def split_read_only(body: dict, spec: dict) -> tuple:
    """(writable values, read-only values) of a ManagedAccount body, every field type-checked."""
    values = check_fields(body, dict(spec, **READ_ONLY_FIELDS))
    read_only = {key: values.pop(key) for key in READ_ONLY_FIELDS if key in values}
    return values, read_only


def _contradiction(prop: str, given: str, actual: str):
    return bad_request("INVALID_REQUEST_DATA", f"{prop} {given!r} contradicts the path, which names {actual!r}", prop)


def refuse_contradictions(read_only: dict, target_domain: dict, account: dict | None = None) -> None:
    """A non-empty id or target_domain id/name sent back must be the path's: a client must not believe it
    changed another account (or domain) than the one it did. Empty values are zero values, not claims."""
    if account is not None and read_only.get("id") and read_only["id"] != account["id"]:
        raise _contradiction("id", read_only["id"], account["id"])
    handle = read_only.get("target_domain") or {}
    if handle.get("id") and handle["id"] != target_domain["id"]:
        raise _contradiction("target_domain.id", handle["id"], target_domain["id"])
    if handle.get("name") and handle["name"] != target_domain["name"]:
        raise _contradiction("target_domain.name", handle["name"], target_domain["name"])


def account_columns(store, values: dict, empty_state: str) -> dict:
    """Columns for the writable fields: every field left out gets its zero value (PUT replaces everything).

    A state left out (or "") becomes `empty_state`: "" for PUT, MANAGED for create."""
    policy_id = None
    if "password_policy" in values:
        policy_id = resolve_policy(store, values["password_policy"], "password_policy")["id"]
    columns = {column: values.get(column, "") for column in STRING_COLUMNS}
    columns.update({column: int(values.get(column, False)) for column in FLAG_COLUMNS})
    columns["additional_data"] = json.dumps(values.get("additional_data", {}), sort_keys=True)
    columns["password_policy_id"] = policy_id
    columns["state"] = values.get("state") or empty_state
    return columns


def new_account_row(target_domain: dict, username: str, columns: dict, caller: dict, when: int) -> dict:
    row = {
        "id": str(uuid.uuid4()),
        "target_domain_id": target_domain["id"],
        "scanned_account_id": None,
        "username": username,
        "username_key": username.lower(),
        "locked": 0,
        "locked_timestamp": None,
        "created": when,
        "author": caller["user_id"],
        "updated": when,
        "updated_by": caller["user_id"],
    }
    row.update(columns)
    return row


def link_scanned_account(store, row: dict, when: int) -> None:
    """A managed account takes over the scanned account of the same username, which becomes MANAGED."""
    scanned = store.find_scanned_by_username(row["target_domain_id"], row["username_key"])
    if scanned is not None:
        row["scanned_account_id"] = scanned["id"]
        store.set_scanned_state(scanned["id"], "MANAGED", when)


def refuse_duplicate(store, target_domain: dict, username: str, prop: str = "username") -> None:
    if store.find_managed_by_username(target_domain["id"], username.lower()) is not None:
        raise bad_request("VALUE_DUPLICATE", f"a managed account {username!r} already exists in this target domain", prop)


def list_managed_accounts(ctx) -> Response:
    """GET SM/targetdomains/{td}/managedaccounts"""
    return _managed_accounts(ctx, {})


def search_managed_accounts(ctx) -> Response:
    """POST SM/targetdomains/{td}/managedaccounts/search"""
    criteria = check_fields(ctx.json_body(), SEARCH_FIELDS)
    criteria["keywords"] = split_keywords(criteria.get("keywords", ""))
    return _managed_accounts(ctx, criteria)


def _managed_accounts(ctx, criteria: dict) -> Response:
    paging = parse_paging(ctx.query, SM_DEFAULT_LIMIT, MANAGED_SORT, "username")
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        count, rows = store.page_managed_accounts(target_domain["id"], criteria, paging)
        items = render_accounts(store, rows, ctx.caller)
    return Response(200, {"count": count, "items": items})


def create_managed_account(ctx) -> Response:
    """POST SM/targetdomains/{td}/managedaccounts -> 201 {"id"}"""
    values, read_only = split_read_only(ctx.json_body(), CREATE_FIELDS)
    username = require_string(values, "username")
    if values.get("rotate") and not values.get("enabled"):
        raise bad_request("BAD_REQUEST", "rotate needs an enabled account: a disabled account cannot be rotated", "rotate")
    when = now()
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        # A create has no account id in its path: a body id is checked, then ignored (PrivX picks the id).
        refuse_contradictions(read_only, target_domain)
        refuse_duplicate(store, target_domain, username)
        row = new_account_row(target_domain, username, account_columns(store, values, CREATE_STATE), ctx.caller, whole_seconds(when))
        link_scanned_account(store, row, whole_seconds(when))
        store.insert_managed_account(row)
        audit.record_account(store, "Managed-account-added", row, passwordPolicyID=row["password_policy_id"])
        if values.get("password"):
            store.add_secret_version(row["id"], values["password"], whole_seconds(when), _max_versions(store, row))
        if values.get("rotate"):
            schedule_rotation(ctx.app, store, row["id"], "MANUAL", when)
    return Response(201, {"id": row["id"]})


def _max_versions(store, row: dict) -> int:
    policy = store.get_policy(row["password_policy_id"])
    return policy["max_versions"] if policy else 0


def get_managed_account(ctx) -> Response:
    """GET SM/targetdomains/{td}/managedaccounts/{ma}"""
    with ctx.store.transaction() as store:
        account = require_managed_account(ctx, require_target_domain(ctx))
        item = render_accounts(store, [account], ctx.caller)[0]
    return Response(200, item)


def replace_managed_account(ctx) -> Response:
    """PUT SM/targetdomains/{td}/managedaccounts/{ma}: the body replaces every writable field."""
    values, read_only = split_read_only(ctx.json_body(), WRITABLE_FIELDS)
    username = require_string(values, "username")
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        account = require_managed_account(ctx, target_domain)
        refuse_contradictions(read_only, target_domain, account)
        if username != account["username"]:
            raise bad_request("BAD_REQUEST", f"username cannot be changed (it is {account['username']!r})", "username")
        columns = account_columns(store, values, "")
        columns.update({"updated": whole_seconds(now()), "updated_by": ctx.caller["user_id"]})
        store.update_managed_account(account["id"], columns)
        audit.record_account(store, "Managed-account-modified", account)
    return Response.empty()


def delete_managed_account(ctx) -> Response:
    """DELETE SM/targetdomains/{td}/managedaccounts/{ma}"""
    with ctx.store.transaction() as store:
        account = require_managed_account(ctx, require_target_domain(ctx))
        remove_account(store, account)
        audit.record_account(store, "Managed-account-removed", account)
    return Response.empty()


def remove_account(store, account: dict) -> None:
    store.delete_managed_account(account["id"])
    if account["scanned_account_id"]:
        store.set_scanned_state(account["scanned_account_id"], "NEW", whole_seconds(now()))


def rotate_managed_account(ctx) -> Response:
    """POST SM/targetdomains/{td}/managedaccounts/{ma}/rotate: answers at once, the rotation runs later."""
    with ctx.store.transaction() as store:
        account = require_managed_account(ctx, require_target_domain(ctx))
        refusal = rotation_refusal(account)
        if refusal:
            raise bad_request("BAD_REQUEST", refusal, "managedAccountID")
        schedule_rotation(ctx.app, store, account["id"], "MANUAL", now())
    return Response.empty()


def provide_password(ctx) -> Response:
    """POST SM/targetdomains/{td}/managedaccounts/{ma}/password -> {"version", "created"}"""
    values = check_fields(ctx.json_body(), {"password": STRING})
    password = require_string(values, "password")
    with ctx.store.transaction() as store:
        account = require_managed_account(ctx, require_target_domain(ctx))
        if account["locked"]:
            raise bad_request("BAD_REQUEST", f"managed account {account['id']} is locked: a rotation is in progress", "managedAccountID")
        created = whole_seconds(now())
        version = store.add_secret_version(account["id"], password, created, _max_versions(store, account))
        audit.record_account(store, "Managed-account-password-provided", account, secretVersion=version)
    return Response(200, {"version": version, "created": format_time(created)})
