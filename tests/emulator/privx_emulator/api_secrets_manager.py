# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Lookups the Secrets Manager endpoints share. The target domain, scanned account and password policy
# endpoints themselves are in api_target_domains.py and api_policies.py.

from .errors import bad_request, not_found

SM_DEFAULT_LIMIT = 50
SCANNED_STATES = ("MANAGED", "UNMANAGED", "NEW", "REMOVED")


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
