# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Password rotation of host accounts (docs/privx-api-admin.md, "Host password rotation"): POST
# SM/rotate/{host_id}/{account} answers at once and queues the rotation in the same pending_rotations table as
# managed accounts (rotation.py), whose background worker hands a host account's rotation to complete_rotation
# here. It ends in a new secret version made by the host's password policy (last_rotated), or in an error
# (last_error, last_error_details): one injected through the control API, or one the emulator finds itself.
# Release or expiry of a checkout rotates the account when the host's policy says rotate_on_release.

import secrets
import string

from . import audit
from .api_policies import DETAIL_DEFAULTS
from .context import Response
from .errors import bad_request, not_found
from .rotation import RotationFailures
from .timeutil import now, whole_seconds

# An injected failure for every account of a host.
ALL_ACCOUNTS = "*"
DEFAULT_FAILURE_DETAILS = ("ssh: handshake failed: ssh: unable to authenticate, attempted methods [none password], "
                           "no supported methods remain")
SPECIAL_CHARACTERS = "-_.!#%+=@"
DEFAULT_LENGTH = 24


class HostRotationFailures(RotationFailures):
    """Injected failures: {(host id, username or ALL_ACCOUNTS): [last_error_details, remaining or None]}."""

    def consume(self, td_id: str, username_key: str) -> str | None:
        return super().consume(td_id, username_key) or super().consume(td_id, ALL_ACCOUNTS)

    def listing(self) -> list:
        return [{"host_id": item["target_domain_id"], "username": None if item["username"] == ALL_ACCOUNTS else item["username"],
                 "last_error_details": item["status"], "remaining": item["remaining"]} for item in super().listing()]


def generate_password(details: dict) -> str:
    """A password as the policy's details ask: its length bounds and character classes."""
    details = dict(DETAIL_DEFAULTS, **details)
    classes = [alphabet for flag, alphabet in (
        ("use_lower_case", string.ascii_lowercase), ("use_upper_case", string.ascii_uppercase),
        ("use_numbers", string.digits), ("use_special_characters", SPECIAL_CHARACTERS),
    ) if details[flag]] or [string.ascii_letters + string.digits]
    shortest = max(details["password_min_length"], len(classes), 1)
    longest = max(details["password_max_length"] or DEFAULT_LENGTH, shortest)
    length = min(max(DEFAULT_LENGTH, shortest), longest)
    characters = [secrets.choice(alphabet) for alphabet in classes]
    characters += [secrets.choice("".join(classes)) for _position in range(length - len(characters))]
    secrets.SystemRandom().shuffle(characters)
    return "".join(characters)


def schedule(app, store, host: dict, account: dict, trigger: str, when: float) -> None:
    store.set_host_account_details(account["id"], rotation_initiated=when)
    store.add_pending_rotation(account["id"], trigger, when, when + app.settings.rotation_delay)
    audit.record_host_account(store, "Host-account-rotation-started", host, account, trigger=trigger)


def _own_failure(store, host: dict | None, account: dict) -> str | None:
    """Why the emulator itself cannot rotate the account [emulator's choice]: rotating an account through itself
    (no main account) needs its current password."""
    if host is None or not host["rotation_enabled"]:
        return "password rotation is not enabled on the host"
    metadata = store.get_host_secret(host["id"]) or {}
    if not metadata.get("use_main_account") and not store.current_secret_version(account["id"]):
        return (f"no current password of {account['username']} is stored: give an initial password, or rotate through "
                "a main account (use_main_account)")
    return None


def complete_rotation(app, store, pending: dict, when: float) -> None:
    """The worker's end of a host account's rotation (the pending row is gone already)."""
    account = store.get_host_account(pending["managed_account_id"])
    if account is None:
        return
    host = store.get_host(account["host_id"])
    rotated = whole_seconds(when)
    details = app.host_rotation_failures.consume(account["host_id"], account["username"].lower()) or _own_failure(store, host, account)
    if details:
        store.set_host_account_details(account["id"], rotation_initiated=None, last_error=rotated, last_error_details=details)
        if host is not None:
            audit.record_host_account(store, "Host-account-rotation-failed", host, account, trigger=pending["trigger"], error=details,
                                      secretVersion=store.current_secret_version(account["id"]))
        return
    policy_id = host["password_policy_id"]
    policy = store.get_policy(policy_id)
    password = generate_password(store.policy_details(policy_id) if policy else {})
    version = store.add_secret_version(account["id"], password, rotated, policy["max_versions"] if policy else 0)
    # A success clears the last error (the API reference: last_error is "cleared when a rotation succeeds").
    store.set_host_account_details(account["id"], rotation_initiated=None, last_rotated=rotated, last_error=None, last_error_details="")
    audit.record_host_account(store, "Host-account-rotation-succeeded", host, account, trigger=pending["trigger"], secretVersion=version)


def rotate_after_checkout(app, store, checkout: dict, trigger: str, when: float) -> None:
    """Release or expiry of a checkout of a host account, under a host policy with rotate_on_release."""
    account = store.get_host_account(checkout["host_account_id"])
    host = store.get_host(account["host_id"]) if account else None
    if host is None or not host["rotation_enabled"] or account["rotation_initiated"] is not None:
        return
    policy = store.get_policy(host["password_policy_id"])
    if policy is not None and policy["rotate_on_release"]:
        schedule(app, store, host, account, trigger, when)


def rotate_host_account(ctx) -> Response:
    """POST SM/rotate/{host_id}/{account}: answers at once, empty; the rotation runs later."""
    with ctx.store.transaction() as store:
        host = store.get_host(ctx.params["hostID"])
        if host is None:
            raise not_found("host not found", "hostID")
        if not host["rotation_enabled"]:
            raise bad_request("BAD_REQUEST", f"password rotation is not enabled on host {host['common_name']!r}", "hostID")
        username = ctx.params["account"]
        account = next((item for item in store.host_accounts(host["id"]) if item["username"] == username), None)
        if account is None:
            raise not_found(f"host {host['common_name']!r} rotates no account {username!r}", "account")
        if account["rotation_initiated"] is not None:
            raise bad_request("BAD_REQUEST", f"a rotation of {username!r} is already in progress", "account")
        schedule(ctx.app, store, host, account, "MANUAL", now())
    return Response.empty()
