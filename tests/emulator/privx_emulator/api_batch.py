# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Batch endpoints for managed accounts (docs/privx-api.md). Create takes *scanned* account ids, edit/delete/rotate
# take *managed* account ids. Each call is one transaction: every id is checked before anything is
# written, and any error leaves the store as it was.

from . import audit
from .api_managed_accounts import link_scanned_account, new_account_row, remove_account
from .api_secrets_manager import require_target_domain, resolve_policy
from .context import Response
from .errors import bad_request
from .rotation import rotation_refusal, schedule_rotation
from .timeutil import now, whole_seconds
from .validation import BOOL, POLICY_HANDLE, STRING, check_fields, is_uuid

MAX_BATCH = 1000

CHANGE_FIELDS = {
    "enabled": BOOL,
    "rotation_enabled": BOOL,
    "explicit_checkout": BOOL,
    "password_policy": POLICY_HANDLE,
    "comment": STRING,
    "disable_rdp_cert_auth": BOOL,
}
CREATE_DATA_FIELDS = dict(CHANGE_FIELDS, rotate=BOOL)
# The scanned account's identity fields copied into the new managed account.
COPIED_FIELDS = ("email", "full_name", "sam_account_name", "source_id", "security_id")


def _ids_error(error_code: str, message: str):
    return bad_request(error_code, message, "ids")


def parse_ids(body: dict) -> list:
    ids = body.get("ids")
    if ids is None:
        raise _ids_error("REQUIRED_VALUE_MISSING", "ids is required")
    if not isinstance(ids, list):
        raise _ids_error("VALUE_INCORRECT_TYPE", "ids must be an array of UUID strings")
    if not ids:
        raise _ids_error("REQUIRED_VALUE_MISSING", "ids must not be empty")
    if len(ids) > MAX_BATCH:
        raise _ids_error("VALUE_OUT_OF_BOUNDS", f"at most {MAX_BATCH} ids per batch, got {len(ids)}")
    seen = set()
    for item in ids:
        if not isinstance(item, str):
            raise _ids_error("VALUE_INCORRECT_TYPE", f"ids must be strings, got {item!r}")
        if not is_uuid(item):
            raise _ids_error("VALUE_INCORRECT_FORMAT", f"id {item!r} is not a UUID")
        if item.lower() in seen:
            raise _ids_error("VALUE_DUPLICATE", f"id {item} appears more than once")
        seen.add(item.lower())
    return [item.lower() for item in ids]


def _batch_body(ctx, section: str | None, fields: dict) -> tuple:
    """(ids, section values) of a batch body {"ids": [...], section: {...}}."""
    body = ctx.json_body()
    allowed = {"ids"} | ({section} if section else set())
    for key in body:
        if key not in allowed:
            raise bad_request("INVALID_REQUEST_DATA", f"unknown property {key}", key)
    ids = parse_ids(body)
    values = {}
    if section and body.get(section) is not None:
        if not isinstance(body[section], dict):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{section} must be an object", section)
        values = check_fields(body[section], fields, prefix=f"{section}.")
    return ids, values


def _managed_accounts(store, target_domain: dict, ids: list) -> list:
    accounts = []
    for account_id in ids:
        account = store.get_managed_account(target_domain["id"], account_id)
        if account is None:
            raise _ids_error("INVALID_REQUEST_DATA", f"no managed account {account_id} in this target domain")
        accounts.append(account)
    return accounts


def _scanned_accounts(store, target_domain: dict, ids: list) -> list:
    accounts, usernames = [], set()
    for account_id in ids:
        scanned = store.get_scanned_account(target_domain["id"], account_id)
        if scanned is None:
            raise _ids_error("INVALID_REQUEST_DATA", f"no scanned account {account_id} in this target domain")
        taken = store.find_managed_by_username(target_domain["id"], scanned["username_key"]) is not None
        if scanned["state"] == "MANAGED" or taken or scanned["username_key"] in usernames:
            raise _ids_error("VALUE_DUPLICATE", f"scanned account {account_id} ({scanned['username']}) is already managed")
        usernames.add(scanned["username_key"])
        accounts.append(scanned)
    return accounts


def _policy_id(store, values: dict, prop: str) -> str | None:
    if "password_policy" not in values:
        return None
    return resolve_policy(store, values["password_policy"], prop)["id"]


def batch_create(ctx) -> Response:
    """POST .../managedaccounts/batch/create {"ids": [scanned ids], "data": {...}} -> 201 {"ids": [managed ids]}"""
    ids, data = _batch_body(ctx, "data", CREATE_DATA_FIELDS)
    if data.get("rotate") and not data.get("enabled"):
        raise bad_request("BAD_REQUEST", "data.rotate needs data.enabled: a disabled account cannot be rotated", "data.rotate")
    when = now()
    created = []
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        scanned_accounts = _scanned_accounts(store, target_domain, ids)
        columns = _create_columns(store, data)
        for scanned in scanned_accounts:
            row = new_account_row(target_domain, scanned["username"], dict(columns), ctx.caller, whole_seconds(when))
            row.update({field: scanned[field] for field in COPIED_FIELDS})
            link_scanned_account(store, row, whole_seconds(when))
            store.insert_managed_account(row)
            audit.record_account(store, "Managed-account-added", row, passwordPolicyID=row["password_policy_id"])
            if data.get("rotate"):
                schedule_rotation(ctx.app, store, row["id"], "MANUAL", when)
            created.append(row["id"])
    return Response(201, {"ids": created})


def _create_columns(store, data: dict) -> dict:
    return {
        "email": "", "full_name": "", "sam_account_name": "", "source_id": "", "security_id": "",
        "additional_data": "{}",
        "password_policy_id": _policy_id(store, data, "data.password_policy"),
        "enabled": int(data.get("enabled", False)),
        "rotation_enabled": int(data.get("rotation_enabled", False)),
        "explicit_checkout": int(data.get("explicit_checkout", False)),
        "state": "MANAGED",
        "comment": data.get("comment", ""),
        "disable_rdp_cert_auth": int(data.get("disable_rdp_cert_auth", False)),
    }


def batch_edit(ctx) -> Response:
    """POST .../managedaccounts/batch/edit {"ids": [...], "changes": {...}}: only the keys given change."""
    ids, changes = _batch_body(ctx, "changes", CHANGE_FIELDS)
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        accounts = _managed_accounts(store, target_domain, ids)
        columns = {key: (int(value) if isinstance(value, bool) else value) for key, value in changes.items() if key != "password_policy"}
        if "password_policy" in changes:
            columns["password_policy_id"] = _policy_id(store, changes, "changes.password_policy")
        columns.update({"updated": whole_seconds(now()), "updated_by": ctx.caller["user_id"]})
        for account in accounts:
            store.update_managed_account(account["id"], columns)
            audit.record_account(store, "Managed-account-modified", account)
    return Response.empty()


def batch_delete(ctx) -> Response:
    """POST .../managedaccounts/batch/delete {"ids": [...]}"""
    ids = _batch_body(ctx, None, {})[0]
    with ctx.store.transaction() as store:
        for account in _managed_accounts(store, require_target_domain(ctx), ids):
            remove_account(store, account)
            audit.record_account(store, "Managed-account-removed", account)
    return Response.empty()


def batch_rotate(ctx) -> Response:
    """POST .../managedaccounts/batch/rotate {"ids": [...]}: refused as a whole if any account cannot rotate."""
    ids = _batch_body(ctx, None, {})[0]
    when = now()
    with ctx.store.transaction() as store:
        accounts = _managed_accounts(store, require_target_domain(ctx), ids)
        for account in accounts:
            refusal = rotation_refusal(account)
            if refusal:
                raise _ids_error("BAD_REQUEST", refusal)
        for account in accounts:
            schedule_rotation(ctx.app, store, account["id"], "MANUAL", when)
    return Response.empty()
