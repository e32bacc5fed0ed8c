# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Authorizer endpoints (docs/privx-api.md): the account secrets a caller may check out, and the caller's
# checkouts. Paths are `<target domain>/<username>` and `hosts/<common name>/<username>` [our choice]. A host account
# is listed to callers holding one of its principal's roles (or privx-admin), or to every caller when it has none.

import uuid

from . import audit
from .api_identity import access_keys
from .context import Response
from .errors import bad_request, not_found, permission_denied
from .render import render_account_secret, render_checkout
from .rotation import rotate_after_checkout
from .store import CHECKOUT_SORT, SECRET_SORT
from .timeutil import now, parse_duration
from .validation import STRING, UUID, check_fields, parse_paging, require_string, split_keywords

AZ_DEFAULT_LIMIT = 100
DEFAULT_CHECKOUT_SECONDS = 3600.0

SECRET_SEARCH = {"keywords": STRING, "host_id": UUID, "username": STRING}


def _list(count: int, items: list) -> Response:
    return Response(200, {"count": count, "items": items})


def list_secrets(ctx) -> Response:
    """GET AZ/secrets"""
    return _secrets(ctx, {})


def search_secrets(ctx) -> Response:
    """POST AZ/secrets/search {keywords, host_id, username}"""
    criteria = check_fields(ctx.json_body(), SECRET_SEARCH)
    criteria["keywords"] = split_keywords(criteria.get("keywords", ""))
    return _secrets(ctx, criteria)


def _secrets(ctx, criteria: dict) -> Response:
    paging = parse_paging(ctx.query, AZ_DEFAULT_LIMIT, SECRET_SORT, "path")
    with ctx.store.transaction() as store:
        count, rows = store.page_account_secrets(dict(criteria, access=access_keys(ctx.caller)), paging)
        hosts = store.hosts_by_id(row["host_id"] for row in rows)
    return _list(count, [render_account_secret(row, hosts.get(row["host_id"])) for row in rows])


def render_checkouts(store, rows: list) -> list:
    hosts = store.hosts_by_id(row["host_id"] for row in rows)
    items = []
    for row in rows:
        account_id = row["managed_account_id"] or row["host_account_id"]
        items.append(render_checkout(row, store.secret_versions(account_id), hosts.get(row["host_id"])))
    return items


def list_checkouts(ctx) -> Response:
    """GET AZ/secrets/checkouts: the caller's active checkouts"""
    paging = parse_paging(ctx.query, AZ_DEFAULT_LIMIT, CHECKOUT_SORT, "created")
    with ctx.store.transaction() as store:
        count, rows = store.page_checkouts(ctx.caller["client_id"], now(), paging)
        items = render_checkouts(store, rows)
    return _list(count, items)


def _checkout_duration(policy: dict | None) -> float:
    if policy is None:
        return DEFAULT_CHECKOUT_SECONDS
    return parse_duration(policy["max_checkout_duration"]) or DEFAULT_CHECKOUT_SECONDS


def create_checkout(ctx) -> Response:
    """POST AZ/secrets/checkouts {"path"} -> 200 Checkout (or {count, items} with the wrap_checkout setting)"""
    values = check_fields(ctx.json_body(), {"path": STRING})
    path = require_string(values, "path")
    when = now()
    with ctx.store.transaction() as store:
        secret = store.find_account_secret(path, access_keys(ctx.caller))
        if secret is None:
            raise not_found(f"no account secret at path {path!r}", "path")
        if not secret["explicit_checkout"]:
            raise permission_denied(f"the account at {path!r} does not allow explicit checkout")
        existing = store.active_checkout_of(ctx.caller["client_id"], secret["account_id"], when)
        if existing is None:
            existing = _new_checkout(ctx, store, secret, when)
        item = render_checkouts(store, [existing])[0]
    if ctx.app.settings.wrap_checkout:
        return Response(200, {"count": 1, "items": [item]})
    return Response(200, item)


def _new_checkout(ctx, store, secret: dict, when: float) -> dict:
    policy = store.get_policy(secret["password_policy_id"])
    if policy is not None and policy["max_concurrent_checkouts"] > 0:
        active = store.count_active_checkouts(secret["account_id"], when)
        if active >= policy["max_concurrent_checkouts"]:
            raise bad_request(
                "BAD_REQUEST",
                f"{secret['path']!r} is checked out {active} time(s): the policy allows {policy['max_concurrent_checkouts']}",
                "path",
            )
    checkout_id = str(uuid.uuid4())
    store.insert_checkout({
        "id": checkout_id,
        "client_id": ctx.caller["client_id"],
        "user_id": ctx.caller["user_id"],
        "path": secret["path"],
        "type": secret["type"],
        "managed_account_id": secret["managed_account_id"],
        "host_account_id": secret["host_account_id"],
        "created": when,
        "expires": when + _checkout_duration(policy),
    })
    checkout = store.get_checkout(checkout_id)
    audit.record_checkout(store, "Secret-checked-out", checkout)
    return checkout


def _own_active_checkout(ctx, store, when: float) -> dict:
    checkout = store.get_checkout(ctx.params["checkoutID"])
    if checkout is None or checkout["client_id"] != ctx.caller["client_id"] or checkout["expires"] <= when:
        raise not_found("checkout not found", "checkoutID")
    return checkout


def get_checkout(ctx) -> Response:
    """GET AZ/secrets/checkouts/{checkoutID}"""
    with ctx.store.transaction() as store:
        checkout = _own_active_checkout(ctx, store, now())
        item = render_checkouts(store, [checkout])[0]
    return Response(200, item)


def release_checkout(ctx) -> Response:
    """POST AZ/secrets/checkouts/{checkoutID}/release"""
    when = now()
    with ctx.store.transaction() as store:
        checkout = _own_active_checkout(ctx, store, when)
        store.delete_checkout(checkout["id"])
        audit.record_checkout(store, "Secret-checkout-released", checkout)
        rotate_after_checkout(ctx.app, store, checkout, "ONRELEASE", when)
    return Response.empty()
