# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Secrets Manager endpoints around the managed accounts: target domains, their scanned accounts and
# password policies, plus the lookups the managed-account endpoints share.

from .context import Response
from .errors import bad_request, not_found
from .render import render_policy, render_scanned_account, render_target_domain
from .store import POLICY_SORT, SCANNED_SORT, TARGET_DOMAIN_SORT
from .validation import BOOL, STRING, EnumKind, check_fields, parse_paging, split_keywords

SM_DEFAULT_LIMIT = 50
SCANNED_STATES = ("MANAGED", "UNMANAGED", "NEW", "REMOVED")

TARGET_DOMAIN_SEARCH = {"keywords": STRING}
SCANNED_SEARCH = {"keywords": STRING, "state": EnumKind(*SCANNED_STATES), "ignored": BOOL}


def require_target_domain(ctx) -> dict:
    """The target domain of the path; the caller holds the store transaction."""
    target_domain = ctx.store.get_target_domain(ctx.params["targetDomainID"])
    if target_domain is None:
        raise not_found("target domain not found", "targetDomainID")
    return target_domain


def resolve_policy(store, handle: dict, prop: str) -> dict:
    """The password policy a handle {id, name} names; both must agree when both are given."""
    policy = None
    if "id" in handle:
        policy = store.get_policy(handle["id"].lower())
        if policy is not None and "name" in handle and policy["name"] != handle["name"]:
            raise bad_request("INVALID_REQUEST_DATA", f"{prop} id and name name different password policies", prop)
    else:
        policy = store.get_policy_by_name(handle["name"])
    if policy is None:
        wanted = handle.get("id") or handle.get("name")
        raise bad_request("INVALID_REQUEST_DATA", f"{prop}: no password policy {wanted!r}", prop)
    return policy


def _list(count: int, items: list) -> Response:
    return Response(200, {"count": count, "items": items})


def list_target_domains(ctx) -> Response:
    """GET SM/targetdomains"""
    return _target_domains(ctx, [])


def search_target_domains(ctx) -> Response:
    """POST SM/targetdomains/search"""
    criteria = check_fields(ctx.json_body(), TARGET_DOMAIN_SEARCH)
    return _target_domains(ctx, split_keywords(criteria.get("keywords", "")))


def _target_domains(ctx, keywords: list) -> Response:
    paging = parse_paging(ctx.query, SM_DEFAULT_LIMIT, TARGET_DOMAIN_SORT, "name")
    with ctx.store.transaction() as store:
        count, rows = store.page_target_domains(keywords, paging)
    return _list(count, [render_target_domain(row) for row in rows])


def get_target_domain(ctx) -> Response:
    """GET SM/targetdomains/{targetDomainID}"""
    with ctx.store.transaction():
        target_domain = require_target_domain(ctx)
    return Response(200, render_target_domain(target_domain))


def list_scanned_accounts(ctx) -> Response:
    """GET SM/targetdomains/{targetDomainID}/accounts"""
    return _scanned_accounts(ctx, {})


def search_scanned_accounts(ctx) -> Response:
    """POST SM/targetdomains/{targetDomainID}/accounts/search"""
    criteria = check_fields(ctx.json_body(), SCANNED_SEARCH)
    criteria["keywords"] = split_keywords(criteria.get("keywords", ""))
    return _scanned_accounts(ctx, criteria)


def _scanned_accounts(ctx, criteria: dict) -> Response:
    paging = parse_paging(ctx.query, SM_DEFAULT_LIMIT, SCANNED_SORT, "username")
    with ctx.store.transaction() as store:
        target_domain = require_target_domain(ctx)
        count, rows = store.page_scanned_accounts(target_domain["id"], criteria, paging)
    return _list(count, [render_scanned_account(row, target_domain) for row in rows])


def list_password_policies(ctx) -> Response:
    """GET SM/password-policies"""
    paging = parse_paging(ctx.query, SM_DEFAULT_LIMIT, POLICY_SORT, "name")
    with ctx.store.transaction() as store:
        count, rows = store.page_policies(paging)
    return _list(count, [render_policy(row) for row in rows])
