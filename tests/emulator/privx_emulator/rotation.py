# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Asynchronous password rotation (docs/privx-api.md, Behaviours): a rotate call locks the account and
# queues a pending rotation in the store; the background worker completes it after the rotation delay
# (history entry, new secret version, unlock) and also sweeps expired checkouts. Pending rotations live
# in SQLite, so a restarted emulator finishes what the previous one started.

import secrets
import string
import sys
import threading
import traceback

from . import audit, scans
from .timeutil import now, whole_seconds

SECRET_ALPHABET = string.ascii_letters + string.digits + "-_.!#%+=@"
SECRET_LENGTH = 24
FAILURE_STATUSES = ("ERROR", "MAX_ROTATION_RETRIES_ERROR")


def generate_secret() -> str:
    return "".join(secrets.choice(SECRET_ALPHABET) for _position in range(SECRET_LENGTH))


def policy_max_versions(store, account: dict) -> int:
    policy = store.get_policy(account["password_policy_id"])
    return policy["max_versions"] if policy else 0


def rotation_refusal(account: dict) -> str | None:
    """Why this account cannot be rotated now, or None."""
    if account["locked"]:
        return f"managed account {account['id']} is locked: a rotation is already in progress"
    if not account["enabled"]:
        return f"managed account {account['id']} is disabled"
    return None


def schedule_rotation(app, store, account_id: str, trigger: str, when: float, delay: float | None = None) -> None:
    """Lock the account and queue its rotation (taking `delay`, by default the setting); the caller has checked rotation_refusal()."""
    store.update_managed_account(account_id, {"locked": 1, "locked_timestamp": whole_seconds(when)})
    store.add_pending_rotation(account_id, trigger, when, when + (app.settings.rotation_delay if delay is None else delay))
    audit.record_rotation_start(store, account_id, trigger)


def rotate_after_checkout(app, store, checkout: dict, trigger: str, when: float) -> None:
    """Release or expiry of a checkout rotates when the account's policy says rotate_on_release.

    A locked account is already being rotated and a disabled one cannot be; both are left alone,
    because the release itself must not fail. A host account's rotation follows its host's policy (host_rotation.py).
    """
    if checkout["host_account_id"]:
        # Imported here: host_rotation builds on this module.
        from . import host_rotation  # pylint: disable=import-outside-toplevel
        host_rotation.rotate_after_checkout(app, store, checkout, trigger, when)
        return
    if not checkout["managed_account_id"]:
        return
    account = store.get_managed_account_by_id(checkout["managed_account_id"])
    if account is None:
        return
    policy = store.get_policy(account["password_policy_id"])
    if policy is None or not policy["rotate_on_release"] or rotation_refusal(account):
        return
    schedule_rotation(app, store, account["id"], trigger, when)


def complete_rotation(app, store, pending: dict, when: float) -> None:
    store.delete_pending_rotation(pending["managed_account_id"])
    account = store.get_managed_account_by_id(pending["managed_account_id"])
    if account is None:
        # Host accounts' rotations share the queue; their ids are never a managed account's.
        # Imported here: host_rotation builds on this module.
        from . import host_rotation  # pylint: disable=import-outside-toplevel
        host_rotation.complete_rotation(app, store, pending, when)
        return
    failure = app.rotation_failures.consume(account["target_domain_id"], account["username_key"])
    rotated = whole_seconds(when)
    if failure:
        # A failed rotation leaves the secret as it was: the entry names the unchanged current version.
        version = store.current_secret_version(account["id"])
        status = failure
    else:
        version = store.add_secret_version(account["id"], generate_secret(), rotated, policy_max_versions(store, account))
        status = "SUCCESS"
    store.append_history(account["id"], version, rotated, pending["trigger"], status)
    store.update_managed_account(account["id"], {"locked": 0, "locked_timestamp": None})
    audit.record_account(store, "Managed-account-rotation-failed" if failure else "Managed-account-rotation-succeeded", account,
                         trigger=pending["trigger"], status=status, secretVersion=version)


class RotationFailures:
    """Injected failures (control API): {(target domain id, username key): [status, remaining or None]}."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures = {}

    def add(self, td_id: str, username: str, status: str, count: int | None) -> None:
        with self._lock:
            self._failures[(td_id, username.lower())] = [status, count]

    def consume(self, td_id: str, username_key: str) -> str | None:
        with self._lock:
            failure = self._failures.get((td_id, username_key))
            if failure is None:
                return None
            status, remaining = failure
            if remaining is not None:
                failure[1] = remaining - 1
                if failure[1] <= 0:
                    del self._failures[(td_id, username_key)]
            return status

    def listing(self) -> list:
        with self._lock:
            return [
                {"target_domain_id": td_id, "username": username, "status": status, "remaining": remaining}
                for (td_id, username), (status, remaining) in sorted(self._failures.items())
            ]

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()


class BackgroundWorker(threading.Thread):
    """Completes due rotations and expires checkouts, a few times per second."""

    TICK_SECONDS = 0.05

    def __init__(self, app) -> None:
        super().__init__(name="privx-emulator-worker", daemon=True)
        self.app = app
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout=5)

    def run(self) -> None:
        while not self._stopping.wait(self.TICK_SECONDS):
            try:
                self.run_once(now())
            except Exception:  # pylint: disable=broad-except
                # The worker must outlive one bad row; the traceback is for whoever runs the emulator.
                traceback.print_exc(file=sys.stderr)

    def run_once(self, when: float) -> None:
        # An idle tick only reads, so that it does not take the write lock from other processes
        # twenty times a second; the write transaction looks again, as things may have changed.
        with self.app.store.transaction(write=False) as store:
            idle = not store.due_rotations(when) and not store.expired_checkouts(when) and not store.due_scans(when)
        if idle:
            return
        with self.app.store.transaction() as store:
            for pending in store.due_rotations(when):
                complete_rotation(self.app, store, pending, when)
            for checkout in store.expired_checkouts(when):
                store.delete_checkout(checkout["id"])
                audit.record_checkout(store, "Secret-checkout-expired", checkout)
                rotate_after_checkout(self.app, store, checkout, "ONEXPIRY", when)
            scans.run_due_scans(self.app, store, when)
