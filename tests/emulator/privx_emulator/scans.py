# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Asynchronous target domain scans. A refresh marks the domain SCANNING and queues a pending scan in
# the store; the background worker finishes it after the scan delay: it compares the domain's directory
# content (the fixture's, changed through the control API) with the scanned accounts, adds the new ones
# (and, with auto_onboarding, makes them managed accounts with the domain's auto-onboarding policy),
# marks the vanished ones REMOVED, and ends SUCCESS with last_scanned; or ERROR with scan_message when
# a test injected a failure, or when the domain has no endpoint to scan.

import threading
import uuid

from . import audit
from .timeutil import whole_seconds

IDENTITY_FIELDS = ("email", "full_name", "sam_account_name", "source_id", "security_id")
DEFAULT_FAILURE = "LDAP bind failed: invalid credentials (emulated failure)"
NO_ENDPOINT = "the target domain has no endpoint to scan"


def start_scan(app, store, td_id: str, when: float) -> bool:
    """Queue a scan; a domain already being scanned keeps its running scan (False)."""
    if store.pending_scan(td_id) is not None:
        return False
    store.set_scan_state(td_id, "SCANNING", "", None)
    store.add_pending_scan(td_id, when, when + app.settings.scan_delay)
    return True


def _new_scanned_row(td_id: str, entry: dict, when: int) -> dict:
    row = {field: entry.get(field, "") for field in IDENTITY_FIELDS}
    row.update({
        "id": str(uuid.uuid4()), "target_domain_id": td_id, "username": entry["username"],
        "username_key": entry["username"].lower(), "state": "NEW", "ignored": 0, "created": when, "updated": when,
    })
    return row


def _onboard(store, target_domain: dict, scanned: dict, policy_id: str, author: str, when: int) -> None:
    """A newly found account becomes a managed account: enabled, rotating, with the domain's policy."""
    # Imported here: api_managed_accounts imports rotation, whose worker runs the scans.
    from .api_managed_accounts import link_scanned_account, new_account_row  # pylint: disable=import-outside-toplevel
    columns = {field: scanned[field] for field in IDENTITY_FIELDS}
    columns.update({
        "comment": "", "additional_data": "{}", "password_policy_id": policy_id, "enabled": 1, "rotation_enabled": 1,
        "explicit_checkout": 0, "disable_rdp_cert_auth": 0, "state": "MANAGED",
    })
    row = new_account_row(target_domain, scanned["username"], columns, {"user_id": author}, when)
    link_scanned_account(store, row, when)
    store.insert_managed_account(row)
    audit.record_account(store, "Managed-account-added", dict(row, target_domain_name=target_domain["name"]),
                         passwordPolicyID=policy_id, origin="auto-onboarding")


def _apply_directory(store, target_domain: dict, details: dict, when: int) -> tuple:
    """Brings the scanned accounts in line with the directory; (how many were found, how many went missing)."""
    td_id = target_domain["id"]
    existing = {row["username_key"]: row for row in store.all_scanned_accounts(td_id)}
    found = set()
    new_rows, returned = [], []
    for entry in store.directory(td_id):
        key = entry["username"].lower()
        found.add(key)
        row = existing.get(key)
        if row is None:
            new_rows.append(_new_scanned_row(td_id, entry, when))
            continue
        changes = {field: entry.get(field, "") for field in IDENTITY_FIELDS if entry.get(field, "") != row[field]}
        if row["state"] == "REMOVED":
            managed = store.find_managed_by_username(td_id, key) is not None
            changes["state"] = "MANAGED" if managed else "NEW"
            returned.append(row)
            audit.record_scanned(store, "Scanned-account-discovered", target_domain, row, state=changes["state"])
        if changes:
            changes["updated"] = when
            store.update_scanned_account(row["id"], changes)
    missing = [row for key, row in existing.items() if key not in found and row["state"] != "REMOVED"]
    for row in missing:
        store.update_scanned_account(row["id"], {"state": "REMOVED", "updated": when})
        audit.record_scanned(store, "Scanned-account-missing", target_domain, row, state="REMOVED")
    store.insert_scanned_accounts(new_rows)
    for row in new_rows:
        audit.record_scanned(store, "Scanned-account-discovered", target_domain, row, state="NEW")
    policy = store.get_policy(details["auto_onboarding_policy_id"])
    if target_domain["auto_onboarding"] and policy is not None:
        author = details["data"].get("updated_by") or details["data"].get("author", "")
        for row in new_rows:
            _onboard(store, target_domain, row, policy["id"], author, when)
    return len(new_rows) + len(returned), len(missing)


def complete_scan(app, store, pending: dict, when: float) -> None:
    td_id = pending["target_domain_id"]
    store.delete_pending_scan(td_id)
    target_domain = store.get_target_domain(td_id)
    if target_domain is None:
        return
    details = store.target_domain_details(td_id)
    failure = app.scan_failures.consume(td_id)
    if failure is None and not details["data"].get("endpoints"):
        failure = NO_ENDPOINT
    if failure is not None:
        store.set_scan_state(td_id, "ERROR", failure, None)
        audit.record(store, "Target-domain-scan-failed", targetDomainID=td_id, targetDomainName=target_domain["name"], scanStatus="ERROR",
                     scanMessage=failure)
        return
    finished = whole_seconds(when)
    found, missing = _apply_directory(store, target_domain, details, finished)
    store.set_scan_state(td_id, "SUCCESS", "", finished)
    audit.record(store, "Target-domain-scan-succeeded", targetDomainID=td_id, targetDomainName=target_domain["name"], scanStatus="SUCCESS",
                 discoveredAccounts=found, missingAccounts=missing)


def run_due_scans(app, store, when: float) -> None:
    for pending in store.due_scans(when):
        complete_scan(app, store, pending, when)


class ScanFailures:
    """Injected scan failures (control API): {target domain id: [message, remaining or None]}."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures = {}

    def add(self, td_id: str, message: str, count: int | None) -> None:
        with self._lock:
            self._failures[td_id] = [message, count]

    def consume(self, td_id: str) -> str | None:
        with self._lock:
            failure = self._failures.get(td_id)
            if failure is None:
                return None
            message, remaining = failure
            if remaining is not None:
                failure[1] = remaining - 1
                if failure[1] <= 0:
                    del self._failures[td_id]
            return message

    def listing(self) -> list:
        with self._lock:
            return [{"target_domain_id": td_id, "message": message, "remaining": remaining}
                    for td_id, (message, remaining) in sorted(self._failures.items())]

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()
