# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Target domains (list, search, create, get, replace, delete, refresh = start a scan) and their scanned
# accounts (list, search, get, change set, batch edit). Fields follow the SDKs' TargetDomain,
# TargetDomainEndpoint, ScannedAccount and ScannedAccountChangeSet (docs/privx-api-admin.md). The scan
# itself runs in the background worker (scans.py).

import uuid

from . import audit, scans
from .api_batch import parse_ids
from .api_secrets_manager import SCANNED_STATES, SM_DEFAULT_LIMIT, require_target_domain, resolve_policy
from .context import Response
from .errors import ApiError, bad_request, not_found
from .render import render_scanned_account
from .store import SCANNED_SORT, TARGET_DOMAIN_SORT
from .timeutil import format_time, now, whole_seconds
from .validation import (
    BOOL, DATETIME, INTEGER, STRING, STRING_MAP, UUID, ArrayKind, EnumKind, Kind, StructKind, check_fields, parse_json, parse_paging,
    require_string,
    split_keywords,
)

# [our choice] The SDKs type these as plain strings; the emulator accepts these values only.
ENDPOINT_TYPES = ("AD", "LDAP", "ENTRA_ID")
LDAP_TYPES = ("AD", "LDAP")
LDAP_PROTOCOLS = ("LDAP", "LDAPS")
SCAN_STATUSES = ("SCANNING", "SUCCESS", "ERROR")
# Write-only: stored, sent to the directory, never answered.
ENDPOINT_SECRETS = ("ldap_bind_password", "entra_client_secret")


class BoundedInt(Kind):
    def __init__(self, minimum: int, maximum: int) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def check(self, value: object, prop: str) -> object:
        number = INTEGER.check(value, prop)
        if not self.minimum <= number <= self.maximum:
            raise bad_request("VALUE_OUT_OF_BOUNDS", f"{prop} must be between {self.minimum} and {self.maximum}", prop)
        return number


class PolicyHandleWithDeleted(Kind):
    """A PasswordPolicyHandle {id, name, deleted}: `deleted` is read-only (type-checked, ignored).
    An empty handle is the zero value (no policy)."""

    def check(self, value: object, prop: str) -> object:
        if not isinstance(value, dict):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be an object with id and/or name", prop)
        handle = {}
        for key, item in value.items():
            if key not in ("id", "name", "deleted"):
                raise bad_request("INVALID_REQUEST_DATA", f"unknown property {prop}.{key}", f"{prop}.{key}")
            if item is None:
                continue
            if key == "deleted":
                BOOL.check(item, f"{prop}.deleted")
                continue
            if not isinstance(item, str):
                raise bad_request("VALUE_INCORRECT_TYPE", f"{prop}.{key} must be a string", f"{prop}.{key}")
            if key == "id" and item:
                UUID.check(item, f"{prop}.id")
            if item:
                handle[key] = item
        return handle


COUNT = BoundedInt(0, 2 ** 31 - 1)
ENDPOINT_FIELDS = {
    "type": EnumKind(*ENDPOINT_TYPES, allow_empty=True),
    "scan_priority": COUNT,
    "rotation_priority": COUNT,
    "attribute_mapping": STRING_MAP,
    "ldap_protocol": EnumKind(*LDAP_PROTOCOLS, allow_empty=True),
    "ldap_address": STRING,
    "ldap_port": BoundedInt(0, 65535),
    "ldap_base_dn": STRING,
    "ldap_bind_dn": STRING,
    "ldap_bind_password": STRING,
    "ldap_user_filter": STRING,
    "ldap_root_certificates": STRING,
    "ldap_skip_strict_cert_check": BOOL,
    "entra_base_url": STRING,
    "entra_tenant_id": STRING,
    "entra_client_id": STRING,
    "entra_client_secret": STRING,
    "entra_batch_size": COUNT,
    "entra_page_size": COUNT,
    "entra_group_filter": ArrayKind(STRING),
}
LDAP_FIELDS = tuple(key for key in ENDPOINT_FIELDS if key.startswith("ldap_"))
ENTRA_FIELDS = tuple(key for key in ENDPOINT_FIELDS if key.startswith("entra_"))
# What an endpoint of each type cannot do without.
REQUIRED_ENDPOINT_FIELDS = {"AD": ("ldap_address", "ldap_base_dn"), "LDAP": ("ldap_address", "ldap_base_dn"),
                            "ENTRA_ID": ("entra_tenant_id", "entra_client_id")}

WRITABLE_FIELDS = {
    "name": STRING,
    "domain_name": STRING,
    "enabled": BOOL,
    "periodic_scan": BOOL,
    "periodic_scan_interval": COUNT,
    "auto_onboarding": BOOL,
    "auto_onboarding_policy": PolicyHandleWithDeleted(),
    "comment": STRING,
    "endpoints": ArrayKind(StructKind(ENDPOINT_FIELDS)),
}
READ_ONLY_FIELDS = {
    "id": UUID,
    "scan_status": EnumKind(*SCAN_STATUSES, allow_empty=True),
    "scan_message": STRING,
    "last_scanned": DATETIME,
    "created": DATETIME,
    "author": UUID,
    "updated": DATETIME,
    "updated_by": UUID,
}
DETAIL_FIELDS = ("domain_name", "periodic_scan", "periodic_scan_interval")
SEARCH_FIELDS = {"keywords": STRING, "enabled": BOOL, "periodic_scan": BOOL, "auto_onboarding": BOOL}
SCANNED_SEARCH_FIELDS = {
    "keywords": STRING, "state": EnumKind(*SCANNED_STATES), "ignored": BOOL,
    "created_after": DATETIME, "created_before": DATETIME, "updated_after": DATETIME, "updated_before": DATETIME,
}
CHANGE_SET_FIELDS = {"ignored": BOOL, "comment": STRING}


# -- checking a TargetDomain body ----------------------------------------------------------------------

def check_endpoint(endpoint: dict | None, prop: str) -> dict:
    """An endpoint already type-checked field by field: its type decides which fields belong to it."""
    endpoint = dict(endpoint or {})
    kind = endpoint.get("type", "")
    if not kind:
        raise bad_request("REQUIRED_VALUE_MISSING", f"{prop}.type is required (one of {', '.join(ENDPOINT_TYPES)})", f"{prop}.type")
    foreign = ENTRA_FIELDS if kind in LDAP_TYPES else LDAP_FIELDS
    for key in foreign:
        if endpoint.get(key) not in (None, "", 0, False, [], {}):
            raise bad_request("INVALID_REQUEST_DATA", f"{prop}.{key} does not apply to an endpoint of type {kind}", f"{prop}.{key}")
    for key in REQUIRED_ENDPOINT_FIELDS[kind]:
        if not endpoint.get(key, "").strip():
            raise bad_request("REQUIRED_VALUE_MISSING", f"{prop}.{key} is required for an endpoint of type {kind}", f"{prop}.{key}")
    return endpoint


def endpoint_key(endpoint: dict) -> tuple:
    """Which stored endpoint a PUT's endpoint is, so that it keeps its secret when the PUT sends none."""
    if endpoint["type"] in LDAP_TYPES:
        return endpoint["type"], endpoint.get("ldap_address", "").lower(), endpoint.get("ldap_port", 0)
    return endpoint["type"], endpoint.get("entra_tenant_id", "").lower(), endpoint.get("entra_client_id", "")


def keep_secrets(new: list, old: list) -> list:
    previous = {endpoint_key(endpoint): endpoint for endpoint in old}
    for endpoint in new:
        stored = previous.get(endpoint_key(endpoint), {})
        for secret in ENDPOINT_SECRETS:
            if not endpoint.get(secret) and stored.get(secret):
                endpoint[secret] = stored[secret]
    return new


def check_target_domain(body: dict, target_domain: dict | None = None) -> tuple:
    """(writable values, auto-onboarding policy handle or None) of a TargetDomain body."""
    values = check_fields(body, dict(WRITABLE_FIELDS, **READ_ONLY_FIELDS))
    if target_domain is not None and values.get("id") and values["id"] != target_domain["id"]:
        raise bad_request("INVALID_REQUEST_DATA", f"id {values['id']!r} contradicts the path, which names {target_domain['id']!r}", "id")
    for key in READ_ONLY_FIELDS:
        values.pop(key, None)
    name = require_string(values, "name")
    if not name.strip():
        raise bad_request("REQUIRED_VALUE_MISSING", "name must not be blank", "name")
    values["endpoints"] = [check_endpoint(endpoint, f"endpoints[{index}]") for index, endpoint in enumerate(values.get("endpoints", []))]
    handle = values.pop("auto_onboarding_policy", None) or None
    if values.get("auto_onboarding") and handle is None:
        raise bad_request("REQUIRED_VALUE_MISSING", "auto_onboarding needs auto_onboarding_policy: the policy new accounts get",
                          "auto_onboarding_policy")
    return values, handle


def _refuse_duplicate_name(store, name: str, own_id: str | None = None) -> None:
    other = store.target_domain_by_name(name)
    if other is not None and other["id"] != own_id:
        raise bad_request("VALUE_DUPLICATE", f"a target domain named {name!r} already exists", "name")


def _details(values: dict, policy_id: str | None, previous: dict, caller: dict, created: bool) -> dict:
    data = {key: values.get(key, False if key == "periodic_scan" else 0 if key == "periodic_scan_interval" else "") for key in DETAIL_FIELDS}
    data["endpoints"] = values["endpoints"]
    data["author"] = caller["user_id"] if created else previous["data"].get("author", "")
    data["updated_by"] = caller["user_id"]
    return dict(previous, data=data, auto_onboarding_policy_id=policy_id)


# -- rendering -----------------------------------------------------------------------------------------

def render_endpoint(endpoint: dict) -> dict:
    """The stored endpoint without its write-only secrets (render.marshal leaves out the empty fields)."""
    return {key: value for key, value in endpoint.items() if key not in ENDPOINT_SECRETS}


def render_target_domain(store, row: dict) -> dict:
    details = store.target_domain_details(row["id"])
    data = details["data"]
    policy = store.get_policy(details["auto_onboarding_policy_id"])
    return {
        "id": row["id"],
        "name": row["name"],
        "domain_name": data.get("domain_name", ""),
        "enabled": bool(row["enabled"]),
        "periodic_scan": bool(data.get("periodic_scan", False)),
        "periodic_scan_interval": data.get("periodic_scan_interval", 0),
        "scan_status": details["scan_status"],
        "scan_message": details["scan_message"],
        "last_scanned": format_time(details["last_scanned"]),
        "auto_onboarding": bool(row["auto_onboarding"]),
        "auto_onboarding_policy": {"id": policy["id"], "name": policy["name"]} if policy else None,
        "comment": row["comment"],
        "created": format_time(row["created"]),
        "author": data.get("author", ""),
        "updated": format_time(row["updated"]),
        "updated_by": data.get("updated_by", ""),
        "endpoints": [render_endpoint(endpoint) for endpoint in data.get("endpoints", [])] or None,
    }


def render_scanned(store, rows: list, target_domain: dict) -> list:
    details = store.scanned_details([row["id"] for row in rows])
    items = []
    for row in rows:
        item = render_scanned_account(row, target_domain)
        extra = details.get(row["id"], {})
        item.update(comment=extra.get("comment", ""), updated_by=extra.get("updated_by", ""))
        items.append(item)
    return items


# -- target domain handlers ----------------------------------------------------------------------------

def list_target_domains(ctx) -> Response:
    """GET SM/targetdomains"""
    return _target_domains(ctx, {})


def search_target_domains(ctx) -> Response:
    """POST SM/targetdomains/search {keywords, enabled, periodic_scan, auto_onboarding}"""
    criteria = check_fields(ctx.json_body(), SEARCH_FIELDS)
    criteria["keywords"] = split_keywords(criteria.get("keywords", ""))
    return _target_domains(ctx, criteria)


def resolve_target_domains(ctx) -> Response:
    """POST SM/targetdomains/resolve with a bare JSON array of names -> {count, items: [{id, target_domain_name}]}:
    the target domains of those names, in the order asked, each once; a name no domain has is left out, as
    RS/roles/resolve does (api_roles.py) [our choice: the SDKs say nothing of a missing name]. Names are compared
    exactly, letter case included."""
    if not ctx.raw_body.strip():
        raise bad_request("INVALID_REQUEST_DATA", "request body is missing: expected a JSON array of target domain names")
    names = parse_json(ctx.raw_body)
    if names is None:
        names = []  # Go's nil slice: the zero value, as everywhere
    if not isinstance(names, list):
        raise bad_request("INVALID_REQUEST_DATA", "request body must be a JSON array of target domain names")
    for index, name in enumerate(names):
        if not isinstance(name, str):
            raise bad_request("VALUE_INCORRECT_TYPE", f"[{index}] must be a string (a target domain name)", f"[{index}]")
    with ctx.store.transaction(write=False) as store:
        found = store.target_domains_by_names(names)
    items = [{"id": found[name]["id"], "target_domain_name": name} for name in dict.fromkeys(names) if name in found]
    return Response(200, {"count": len(items), "items": items})


def _target_domains(ctx, criteria: dict) -> Response:
    paging = parse_paging(ctx.query, SM_DEFAULT_LIMIT, TARGET_DOMAIN_SORT, "name")
    with ctx.store.transaction() as store:
        count, rows = store.page_target_domains(criteria, paging)
        items = [render_target_domain(store, row) for row in rows]
    return Response(200, {"count": count, "items": items})


def create_target_domain(ctx) -> Response:
    """POST SM/targetdomains -> 201 {"id"}"""
    values, handle = check_target_domain(ctx.json_body())
    when = whole_seconds(now())
    with ctx.store.transaction() as store:
        _refuse_duplicate_name(store, values["name"])
        policy_id = resolve_policy(store, handle, "auto_onboarding_policy")["id"] if handle else None
        row = {"id": str(uuid.uuid4()), "name": values["name"], "comment": values.get("comment", ""),
               "enabled": int(values.get("enabled", False)), "auto_onboarding": int(values.get("auto_onboarding", False)),
               "created": when, "updated": when}
        store.insert_target_domain(row)
        empty = store.target_domain_details(row["id"])
        store.set_target_domain_details(row["id"], _details(values, policy_id, empty, ctx.caller, created=True))
        audit.record(store, "Target-domain-added", targetDomainID=row["id"], targetDomainName=row["name"])
    return Response(201, {"id": row["id"]})


def get_target_domain(ctx) -> Response:
    """GET SM/targetdomains/{td}"""
    with ctx.store.transaction() as store:
        item = render_target_domain(store, require_target_domain(ctx))
    return Response(200, item)


def replace_target_domain(ctx) -> Response:
    """PUT SM/targetdomains/{td}: replaces every writable field; an endpoint sent without its bind password
    or client secret keeps the stored one (write-only values cannot be read back to be sent again)."""
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        values, handle = check_target_domain(ctx.json_body(), target_domain)
        _refuse_duplicate_name(store, values["name"], target_domain["id"])
        policy_id = resolve_policy(store, handle, "auto_onboarding_policy")["id"] if handle else None
        previous = store.target_domain_details(target_domain["id"])
        values["endpoints"] = keep_secrets(values["endpoints"], previous["data"].get("endpoints", []))
        store.update_target_domain(target_domain["id"], {
            "name": values["name"], "comment": values.get("comment", ""), "enabled": int(values.get("enabled", False)),
            "auto_onboarding": int(values.get("auto_onboarding", False)), "updated": whole_seconds(now()),
        })
        store.set_target_domain_details(target_domain["id"], _details(values, policy_id, previous, ctx.caller, created=False))
        audit.record(store, "Target-domain-modified", targetDomainID=target_domain["id"], targetDomainName=values["name"])
    return Response.empty()


def delete_target_domain(ctx) -> Response:
    """DELETE SM/targetdomains/{td}: refused while the domain has managed accounts."""
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        managed = store.count_managed_accounts(target_domain["id"])
        if managed:
            raise bad_request("BAD_REQUEST", f"target domain {target_domain['name']!r} has {managed} managed account(s): "
                              "delete them first", "targetDomainID")
        store.delete_target_domain(target_domain["id"])
        audit.record(store, "Target-domain-removed", targetDomainID=target_domain["id"], targetDomainName=target_domain["name"])
    return Response.empty()


def refresh_target_domain(ctx) -> Response:
    """POST SM/targetdomains/{td}/refresh: starts a scan and answers at once; the scan runs in the background."""
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        if not target_domain["enabled"]:
            raise bad_request("BAD_REQUEST", f"target domain {target_domain['name']!r} is disabled: it cannot be scanned",
                              "targetDomainID")
        if scans.start_scan(ctx.app, store, target_domain["id"], now()):
            audit.record(store, "Target-domain-scan-started", targetDomainID=target_domain["id"], targetDomainName=target_domain["name"])
    return Response.empty()


# -- scanned account handlers --------------------------------------------------------------------------

def list_scanned_accounts(ctx) -> Response:
    """GET SM/targetdomains/{td}/accounts"""
    return _scanned_accounts(ctx, {})


def search_scanned_accounts(ctx) -> Response:
    """POST SM/targetdomains/{td}/accounts/search"""
    criteria = check_fields(ctx.json_body(), SCANNED_SEARCH_FIELDS)
    criteria["keywords"] = split_keywords(criteria.get("keywords", ""))
    return _scanned_accounts(ctx, criteria)


def _scanned_accounts(ctx, criteria: dict) -> Response:
    paging = parse_paging(ctx.query, SM_DEFAULT_LIMIT, SCANNED_SORT, "username")
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        count, rows = store.page_scanned_accounts(target_domain["id"], criteria, paging)
        items = render_scanned(store, rows, target_domain)
    return Response(200, {"count": count, "items": items})


def _require_scanned(store, target_domain: dict, account_id: str) -> dict:
    account = store.get_scanned_account(target_domain["id"], account_id)
    if account is None:
        raise not_found("scanned account not found", "accountID")
    return account


def get_scanned_account(ctx) -> Response:
    """GET SM/targetdomains/{td}/accounts/{account}"""
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        account = _require_scanned(store, target_domain, ctx.params["accountID"])
        item = render_scanned(store, [account], target_domain)[0]
    return Response(200, item)


def change_scanned_account(ctx) -> Response:
    """PUT SM/targetdomains/{td}/accounts/{account} body {ignored?, comment?}: only what is given changes."""
    changes = check_fields(ctx.json_body(), CHANGE_SET_FIELDS)
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        account = _require_scanned(store, target_domain, ctx.params["accountID"])
        store.change_scanned_account(account["id"], changes, ctx.caller["user_id"], whole_seconds(now()))
        audit.record_scanned(store, "Scanned-account-modified", target_domain, account, **changes)
    return Response.empty()


def batch_edit_scanned_accounts(ctx) -> Response:
    """POST SM/targetdomains/{td}/accounts/batch/edit {"ids": [...], "changes": {ignored?, comment?}}"""
    body = ctx.json_body()
    for key in body:
        if key not in ("ids", "changes"):
            raise bad_request("INVALID_REQUEST_DATA", f"unknown property {key}", key)
    ids = parse_ids(body)
    changes = {}
    if body.get("changes") is not None:
        if not isinstance(body["changes"], dict):
            raise bad_request("VALUE_INCORRECT_TYPE", "changes must be an object", "changes")
        changes = check_fields(body["changes"], CHANGE_SET_FIELDS, prefix="changes.")
    when = whole_seconds(now())
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        accounts = []
        for account_id in ids:
            account = store.get_scanned_account(target_domain["id"], account_id)
            if account is None:
                raise bad_request("INVALID_REQUEST_DATA", f"no scanned account {account_id} in this target domain", "ids")
            accounts.append(account)
        for account in accounts:
            store.change_scanned_account(account["id"], changes, ctx.caller["user_id"], when)
            audit.record_scanned(store, "Scanned-account-modified", target_domain, account, **changes)
    return Response.empty()


def fixture_endpoints(raw: list, where: str) -> list:
    """Endpoints of a fixture's target domain, checked as the API checks them; ValueError names the entry."""
    try:
        values = check_fields({"endpoints": raw}, {"endpoints": WRITABLE_FIELDS["endpoints"]})
        return [check_endpoint(endpoint, f"endpoints[{index}]") for index, endpoint in enumerate(values.get("endpoints", []))]
    except ApiError as exc:
        raise ValueError(f"{where}.{exc.prop}: {exc.message}") from None
