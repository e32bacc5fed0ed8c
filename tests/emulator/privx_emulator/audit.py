# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# PrivX's audit log as the emulator keeps it (docs/privx-api-admin.md, "Audit events"): the catalogue of event
# codes that GET /monitor-service/api/v1/auditevents/codes answers, and record(), which each place where something
# happens calls once, inside the transaction that makes the change: an event exists exactly when its change was
# committed, and a refused request leaves none (a refused login is recorded on its own, api_auth.py).
#
# An event names what changed (ids, names, paths, versions, statuses), never a secret: no password, secret version
# value, endpoint credential or token is ever passed to record().
#
# Who acted comes from the request being served (acting_for(), which the server wraps around every handler); what
# the background worker does (rotations ending, checkouts expiring, scans ending) is recorded without a user.

import contextlib
import json
import threading
import time
import uuid
from typing import NamedTuple

from . import __version__
from .timeutil import format_time, now

INFO = "6"
WARNING = "4"
# The audit-exposure values PrivX's "Audit Event Details" names: sensitive events are those that hand out a secret.
EXPOSURE = "SSH-PRIVX-AUDIT"
SENSITIVE_EXPOSURE = "SSH-PRIVX-SENSITIVE-AUDIT"
INSTANCE_NAME = "privx-emulator"
AUTH, SECRETS_MANAGER, AUTHORIZER, ROLE_STORE, MONITOR = "AUTH", "SECRETS-MANAGER", "AUTHORIZER", "ROLE-STORE", "MONITOR-SERVICE"
_SERVICE_NAMESPACE = uuid.UUID("0c5f7e0e-1d2b-4f7a-9a51-3e8d6f2b9c40")


class EventType(NamedTuple):
    code: int
    name: str
    service: str
    description: str
    severity: str = INFO
    # False: one of PrivX's codes the catalogue lists but the emulator never records (nothing it does causes it).
    recorded: bool = True
    sensitive: bool = False


def _privx(code: int, name: str, service: str, description: str, recorded: bool = False, severity: str = INFO) -> EventType:
    """A code from PrivX's published audit event reference (names and numbers are PrivX's; descriptions ours)."""
    return EventType(code, name, service, description, severity, recorded)


def _ours(code: int, name: str, service: str, description: str, severity: str = INFO, sensitive: bool = False) -> EventType:
    """[emulator's choice] A Secrets Manager event: PrivX's published reference shows none of these, so the code
    and name are the emulator's, in PrivX's style. Clients look names up in the codes answer, never hard-code numbers."""
    return EventType(code, name, service, description, severity, True, sensitive)


EVENT_TYPES = (
    _privx(0, "License-error", MONITOR, "The license does not allow the operation."),
    _privx(1, "Configuration-error", MONITOR, "The configuration is invalid."),
    _privx(10, "Service-starting", MONITOR, "A service is starting."),
    _privx(11, "Service-running", MONITOR, "A service is running."),
    _privx(12, "Service-stopped", MONITOR, "A service has stopped."),
    _privx(100, "User-logged-in", AUTH, "A user logged in."),
    _privx(102, "User-login-failed", AUTH, "A login was refused: unknown API client or wrong secret.", recorded=True, severity=WARNING),
    _privx(103, "User-MFA-challenge-sent", AUTH, "A login needs a second factor."),
    _privx(104, "User-MFA-challenge-accepted", AUTH, "A second factor was accepted."),
    _privx(105, "User-MFA-challenge-setup-sent", AUTH, "Second factor setup was sent to a user."),
    _privx(106, "Access-token-granted", AUTH, "An access token was granted.", recorded=True),
    _privx(110, "User-access-token-refreshed", AUTH, "An access token was refreshed."),
    _privx(111, "User-access-token-refresh-failed", AUTH, "An access token refresh was refused."),
    _privx(121, "OAuth-client-authenticated", AUTH, "An OAuth client authenticated."),
    _privx(122, "OAuth-client-authentication-failed", AUTH, "An OAuth client failed to authenticate.", recorded=True, severity=WARNING),
    _privx(130, "User-login-attempt-rate-limited", AUTH, "Login attempts were rate limited."),
    _privx(201, "Role-added", ROLE_STORE, "A role was added."),
    _privx(202, "Role-modified", ROLE_STORE, "A role was changed."),
    _privx(203, "Role-removed", ROLE_STORE, "A role was removed."),
    _privx(210, "Directory-added", ROLE_STORE, "A user directory was added."),
    _privx(211, "Directory-modified", ROLE_STORE, "A user directory was changed."),
    _privx(212, "Directory-removed", ROLE_STORE, "A user directory was removed."),
    _privx(213, "Directory-authentication-failed", ROLE_STORE, "Authentication against a user directory failed."),
    _privx(220, "User-roles-modified", ROLE_STORE, "A user's roles were changed."),
    _ours(1700, "Password-policy-added", SECRETS_MANAGER, "A password policy was created."),
    _ours(1701, "Password-policy-modified", SECRETS_MANAGER, "A password policy was changed."),
    _ours(1702, "Password-policy-removed", SECRETS_MANAGER, "A password policy was deleted."),
    _ours(1710, "Target-domain-added", SECRETS_MANAGER, "A target domain was created."),
    _ours(1711, "Target-domain-modified", SECRETS_MANAGER, "A target domain was changed."),
    _ours(1712, "Target-domain-removed", SECRETS_MANAGER, "A target domain was deleted."),
    _ours(1715, "Target-domain-scan-started", SECRETS_MANAGER, "A scan of a target domain's directory started."),
    _ours(1716, "Target-domain-scan-succeeded", SECRETS_MANAGER, "A scan of a target domain ended with scan_status SUCCESS."),
    _ours(1717, "Target-domain-scan-failed", SECRETS_MANAGER, "A scan of a target domain ended with scan_status ERROR.", WARNING),
    _ours(1720, "Scanned-account-discovered", SECRETS_MANAGER, "A scan found an account that was not in the directory before."),
    _ours(1721, "Scanned-account-missing", SECRETS_MANAGER, "A scan no longer found an account: its state became REMOVED."),
    _ours(1722, "Scanned-account-modified", SECRETS_MANAGER, "A scanned account's ignored flag or comment was changed."),
    _ours(1730, "Managed-account-added", SECRETS_MANAGER, "A managed account was created (by a call or by auto-onboarding)."),
    _ours(1731, "Managed-account-modified", SECRETS_MANAGER, "A managed account was changed."),
    _ours(1732, "Managed-account-removed", SECRETS_MANAGER, "A managed account was deleted."),
    _ours(1733, "Managed-account-password-provided", SECRETS_MANAGER, "A password was stored as a managed account's new secret version."),
    _ours(1740, "Managed-account-rotation-started", SECRETS_MANAGER, "A rotation started: the account is locked until it ends."),
    _ours(1741, "Managed-account-rotation-succeeded", SECRETS_MANAGER, "A rotation ended with status SUCCESS and a new secret version."),
    _ours(1742, "Managed-account-rotation-failed", SECRETS_MANAGER, "A rotation ended with an error status; the secret is unchanged.",
          WARNING),
    _ours(1745, "Host-account-rotation-started", SECRETS_MANAGER, "A rotation of a host account started."),
    _ours(1746, "Host-account-rotation-succeeded", SECRETS_MANAGER, "A host account's rotation ended with a new secret version."),
    _ours(1747, "Host-account-rotation-failed", SECRETS_MANAGER, "A host account's rotation ended in last_error; the secret is unchanged.",
          WARNING),
    _ours(1750, "Secret-checked-out", AUTHORIZER, "A secret was checked out.", sensitive=True),
    _ours(1751, "Secret-checkout-released", AUTHORIZER, "A checkout was released."),
    _ours(1752, "Secret-checkout-expired", AUTHORIZER, "A checkout expired without being released."),
)
EVENTS = {event.name: event for event in EVENT_TYPES}
SERVICE_IDS = {}

_local = threading.local()


def service_id(service: str) -> str:
    """A fixed id per service, so that answers are the same across restarts."""
    if service not in SERVICE_IDS:
        SERVICE_IDS[service] = str(uuid.uuid5(_SERVICE_NAMESPACE, service))
    return SERVICE_IDS[service]


def _common(event: EventType, created: int) -> dict:
    """The attributes PrivX's "Audit Event Details" puts in every event's message; derived, so not stored."""
    return {"SSH-PrivX-service": event.service, "audit-exposure": SENSITIVE_EXPOSURE if event.sensitive else EXPOSURE,
            "instanceName": INSTANCE_NAME, "severity": event.severity, "timestamp": format_event_time(created), "version": __version__}


def codes() -> dict:
    """The codes answer: {"<code>": {event_id, event_name, event_desc}} (Go's map[int]AuditEventInfo)."""
    return {str(event.code): {"event_id": event.code, "event_name": event.name, "event_desc": event.description}
            for event in EVENT_TYPES}


def to_micros(timestamp: float) -> int:
    return int(round(timestamp * 1_000_000))


def format_event_time(micros: int) -> str:
    """RFC 3339 in UTC with up to microseconds, trailing zeros cut as Go's RFC3339Nano cuts them."""
    seconds, fraction = divmod(micros, 1_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    digits = f"{fraction:06d}".rstrip("0")
    return f"{text}.{digits}Z" if digits else f"{text}Z"


@contextlib.contextmanager
def acting_for(ctx):
    """Events recorded while a handler runs name the request's caller and address."""
    _local.request = ctx
    try:
        yield
    finally:
        _local.request = None


def _text(value: object) -> str:
    # Go's SDK decodes message as map[string]string: every value goes out as a string.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def record(store, name: str, user: dict | None = None, host_id: str = "", **details) -> None:
    """Append one event; `user` ({user_id, name}) overrides the request's caller; empty details are left out."""
    event = EVENTS[name]
    request = getattr(_local, "request", None)
    if user is None and request is not None:
        user = request.caller
    created = max(to_micros(now()), store.last_audit_created())
    own = {}
    if user:
        own.update(userID=user["user_id"], username=user["name"])
    if request is not None and request.remote_address:
        own["remoteAddress"] = request.remote_address
    own.update({key: _text(value) for key, value in details.items() if value is not None and value != ""})
    store.insert_audit_event({
        "created": created, "service_id": service_id(event.service), "service_name": event.service, "event_id": event.code,
        "event_name": event.name, "user_id": user["user_id"] if user else "", "host_id": host_id or "",
        "message": json.dumps(own),
        "search_text": "\n".join([str(event.code), event.name] + list(_common(event, created).values()) + list(own.values())),
    })


def record_account(store, name: str, account: dict, **details) -> None:
    """An event about a managed account (a store row: id, username, target_domain_id, maybe target_domain_name)."""
    domain_name = account.get("target_domain_name")
    if domain_name is None:
        target_domain = store.get_target_domain(account["target_domain_id"])
        domain_name = target_domain["name"] if target_domain else ""
    record(store, name, managedAccountID=account["id"], targetUsername=account["username"],
           targetDomainID=account["target_domain_id"], targetDomainName=domain_name, **details)


def record_rotation_start(store, account_id: str, trigger: str) -> None:
    account = store.get_managed_account_by_id(account_id)
    if account is not None:
        record_account(store, "Managed-account-rotation-started", account, trigger=trigger)


def record_host_account(store, name: str, host: dict, account: dict, **details) -> None:
    """An event about a host account (store rows of the host and of the account): its host and username."""
    record(store, name, host_id=host["id"], hostID=host["id"], hostName=host["common_name"], targetUsername=account["username"], **details)


def record_checkout(store, name: str, checkout: dict) -> None:
    """An event about a checkout (a store row of store.get_checkout): path and ids, never the secret. It names the
    checkout's owner, also when the background worker records its expiry."""
    owner = store.get_api_client(checkout["client_id"])
    user = {"user_id": checkout["user_id"], "name": owner["name"] if owner else ""}
    record(store, name, user=user, host_id=checkout["host_id"] or "", checkoutID=checkout["id"], path=checkout["path"],
           secretType=checkout["type"], targetUsername=checkout["username"], managedAccountID=checkout["managed_account_id"],
           targetDomainID=checkout["target_domain_id"], targetDomainName=checkout["target_domain_name"], hostID=checkout["host_id"],
           expires=format_time(checkout["expires"]))


def render_event(row: dict) -> dict:
    """An AuditEvent (docs/privx-api-fields.md): the code goes out as a string, as in PrivX's events."""
    message = _common(EVENTS[row["event_name"]], row["created"])
    message.update(json.loads(row["message"]))
    return {"service_id": row["service_id"], "service_name": row["service_name"], "event_id": str(row["event_id"]),
            "event_name": row["event_name"], "created": format_event_time(row["created"]), "message": message}


def record_scanned(store, name: str, target_domain: dict, scanned: dict, **details) -> None:
    """An event about a scanned account (a store row) of a target domain."""
    record(store, name, scannedAccountID=scanned["id"], targetUsername=scanned["username"], targetDomainID=target_domain["id"],
           targetDomainName=target_domain["name"], **details)
