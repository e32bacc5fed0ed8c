# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Host secrets (docs/privx-api-admin.md, "Host secrets"): what Secrets Manager keeps for a host whose local
# accounts it rotates, its metadata (address, protocol, policy, script template, main account) and its accounts
# with their rotation state. PrivX's host store writes a host's secret whenever the host is saved ("secret
# definitions from admin via host store"); sync_host_secret does the same here. The endpoints read, write and
# delete one directly.

import uuid

from .context import Response
from .errors import bad_request, not_found
from .timeutil import format_time, now, whole_seconds
from .validation import BOOL, PORT, STRING, UUID, ArrayKind, EnumKind, Kind, StructKind, check_fields

WINRM_DEFAULT_PORT = 5986
SSH_DEFAULT_PORT = 22


class OperatingSystemKind(Kind):
    """linux or windows, in any letter case (the host store writes them upper case, this API lower case)."""

    def check(self, value: object, prop: str) -> object:
        text = STRING.check(value, prop)
        if text.lower() not in ("linux", "windows", ""):
            raise bad_request("VALUE_OUT_OF_BOUNDS", f"{prop} must be linux or windows", prop)
        return text.lower()


METADATA = StructKind({
    "host_id": UUID, "access_group_id": UUID, "address": STRING, "port": PORT, "operating_system": OperatingSystemKind(),
    "protocol": EnumKind("SSH", "WINRM", allow_empty=True), "certificate_validation_options": EnumKind("DISABLED", "ENABLED", allow_empty=True),
    "winrm_host_certificate_trust_anchors": STRING, "use_main_account": BOOL, "main_account": STRING,
    # The Go SDK's name and the API reference's: either is taken.
    "policy_id": UUID, "password_policy_id": UUID, "script_template_id": UUID,
    # The API reference's: stored to Vault by PrivX; accepted and not kept here (the emulator runs no WinRM).
    "winrm_main_account_password": STRING,
    "created": STRING, "created_by": STRING, "updated": STRING, "updated_by": STRING,
})
ACCOUNT = StructKind({
    "account": STRING, "host_id": UUID, "initial_password": STRING,
    "rotation_initiate": STRING, "last_rotated": STRING, "last_error": STRING, "last_error_details": STRING,
    "created": STRING, "created_by": STRING,
})
BODY = {"metadata": METADATA, "accounts": ArrayKind(ACCOUNT)}
METADATA_REQUIRED = ("address", "operating_system", "policy_id", "script_template_id")


def access_roles(principal: dict | None) -> str:
    """The roles of a principal as store.host_account_details keeps them ('' when it has none)."""
    keys = sorted({key.lower() for role in (principal or {}).get("roles") or [] for key in (role.get("id"), role.get("name")) if key})
    return "".join(f",{key}" for key in keys) + "," if keys else ""


def _principals(host: dict) -> dict:
    return {principal["principal"]: principal for principal in host["data"].get("principals") or []}


def _policy_max_versions(store, policy_id: str | None) -> int:
    policy = store.get_policy(policy_id)
    return policy["max_versions"] if policy else 0


# -- the host store writes a host's secret -------------------------------------------------------------------------

def _rotation_endpoint(host: dict, rotation: dict) -> tuple:
    """(address, port) rotation connects to: WinRM's, or the SSH service marked for rotation (else the first SSH
    service, else the first address on port 22) [emulator's choice]."""
    addresses = host["addresses"] or [""]
    if rotation.get("protocol") == "WINRM":
        return rotation.get("winrm_address") or addresses[0], rotation.get("winrm_port") or WINRM_DEFAULT_PORT
    services = [service for service in host["data"].get("services") or [] if service.get("service", "").upper() == "SSH"]
    service = next((item for item in services if item.get("use_for_password_rotation")), services[0] if services else {})
    return service.get("address") or addresses[0], service.get("port") or SSH_DEFAULT_PORT


def _metadata_from_host(host: dict, previous: dict | None, caller_id: str, when: int) -> dict:
    data = host["data"]
    rotation = data["password_rotation"]
    address, port = _rotation_endpoint(host, rotation)
    main = [name for name, principal in _principals(host).items() if principal.get("use_for_password_rotation")]
    return {
        "host_id": host["id"], "access_group_id": rotation.get("access_group_id") or data.get("access_group_id", ""),
        "address": address, "port": port, "operating_system": rotation.get("operating_system", "").lower(),
        "protocol": rotation.get("protocol", ""), "certificate_validation_options": rotation.get("certificate_validation_options") or "DISABLED",
        "winrm_host_certificate_trust_anchors": rotation.get("winrm_host_certificate_trust_anchors", ""),
        "use_main_account": bool(rotation.get("use_main_account")),
        "main_account": main[0] if rotation.get("use_main_account") and main else "",
        "policy_id": rotation.get("password_policy_id", ""), "script_template_id": rotation.get("script_template_id", ""),
        "created": (previous or {}).get("created", when), "created_by": (previous or {}).get("created_by", caller_id),
        "updated": when, "updated_by": caller_id,
    }


def _put_account(store, host: dict, username: str, existing: dict, caller_id: str, when: int) -> str:
    """The id of the host secret's account `username`, made when it is new."""
    if username in existing:
        return existing[username]["id"]
    account_id = str(uuid.uuid4())
    store.insert_host_account({"id": account_id, "host_id": host["id"], "username": username, "created": when, "updated": when})
    store.set_host_account_details(account_id, created_by=caller_id)
    return account_id


def _set_accounts(store, host: dict, passwords: dict, caller_id: str, when: int) -> None:
    """The host secret's accounts become exactly those of `passwords` {username: password to store, or ""}."""
    existing = {account["username"]: account for account in store.host_accounts(host["id"])}
    for username, account in existing.items():
        if username not in passwords:
            store.delete_host_account(account["id"])
    principals = _principals(host)
    max_versions = _policy_max_versions(store, (store.get_host_secret(host["id"]) or {}).get("policy_id"))
    for username, password in passwords.items():
        account_id = _put_account(store, host, username, existing, caller_id, when)
        store.set_host_account_details(account_id, access_roles=access_roles(principals.get(username)))
        if password:
            store.add_secret_version(account_id, password, when, max_versions)


def _bare_metadata(host: dict, caller_id: str, when: int) -> dict:
    """The metadata of a host secret made without rotation settings: an address, port 22, nothing else."""
    return {"host_id": host["id"], "access_group_id": "", "address": (host["addresses"] or [""])[0], "port": SSH_DEFAULT_PORT,
            "operating_system": "", "protocol": "", "certificate_validation_options": "", "winrm_host_certificate_trust_anchors": "",
            "use_main_account": False, "main_account": "", "policy_id": "", "script_template_id": "", "created": when,
            "created_by": caller_id, "updated": when, "updated_by": caller_id}


def add_account(store, host: dict, username: str, passwords: list, account_id: str | None, caller_id: str, when: int) -> str:
    """Put an account with these secret versions (oldest first) into the host's secret, made without rotation settings
    when the host has none: how a fixture seeds a host account that does not rotate. Returns the account's id."""
    if store.get_host_secret(host["id"]) is None:
        store.set_host_secret(host["id"], _bare_metadata(host, caller_id, when))
    existing = {account["username"]: account for account in store.host_accounts(host["id"])}
    if username not in existing and account_id:
        existing[username] = {"id": account_id}
        store.insert_host_account({"id": account_id, "host_id": host["id"], "username": username, "created": when, "updated": when})
        store.set_host_account_details(account_id, created_by=caller_id)
    account_id = _put_account(store, host, username, existing, caller_id, when)
    store.set_host_account_details(account_id, access_roles=access_roles(_principals(host).get(username)))
    for password in passwords:
        store.add_secret_version(account_id, password, when)
    return account_id


def sync_host_secret(store, host: dict, old_values: dict, caller_id: str, when: int) -> None:
    """Write the host secret a host's rotation settings call for [emulator's choice of the rules, which PrivX's
    documents leave open]: a host with rotation enabled has one, whose accounts are its principals with `rotate`;
    a new account's passphrase is its initial password, and a passphrase that differs from the one stored before
    is a new secret version. Disabling rotation deletes the host secret (its accounts and their secrets go); a host
    whose rotation was off before and stays off leaves its host secret, if any, as it is."""
    if not host["rotation_enabled"]:
        if old_values.get("password_rotation_enabled"):
            store.delete_host_secret(host["id"])
        return
    store.set_host_secret(host["id"], _metadata_from_host(host, store.get_host_secret(host["id"]), caller_id, when))
    before = {principal["principal"]: principal.get("passphrase", "") for principal in old_values.get("principals") or []}
    existing = {account["username"] for account in store.host_accounts(host["id"])}
    passwords = {}
    for name, principal in _principals(host).items():
        if principal.get("rotate"):
            passphrase = principal.get("passphrase", "")
            passwords[name] = passphrase if name not in existing or passphrase != before.get(name, "") else ""
    _set_accounts(store, host, passwords, caller_id, when)


def rotation_status(store, host: dict) -> list:
    """RotationStatusItems of the host's rotating accounts, in the order of its principals."""
    accounts = {account["username"]: account for account in store.host_accounts(host["id"])}
    return [{
        "principal": name,
        "last_rotated": format_time(accounts[name]["last_rotated"]),
        "last_error": format_time(accounts[name]["last_error"]),
        "last_error_details": accounts[name]["last_error_details"],
    } for name in _principals(host) if name in accounts]


# -- the endpoints -----------------------------------------------------------------------------------------------

def render_host_secret(store, host_id: str, metadata: dict) -> dict:
    accounts = [{
        "account": account["username"], "host_id": host_id,
        "rotation_initiate": format_time(account["rotation_initiated"]), "last_rotated": format_time(account["last_rotated"]),
        "last_error": format_time(account["last_error"]), "last_error_details": account["last_error_details"],
        "created": format_time(account["created"]), "created_by": account["created_by"],
    } for account in store.host_accounts(host_id)]
    shown = dict(metadata, created=format_time(metadata.get("created")), updated=format_time(metadata.get("updated")))
    return {"metadata": shown, "accounts": accounts}


def _require_host(store, host_id: str) -> dict:
    host = store.get_host(host_id)
    if host is None:
        raise not_found("host not found", "hostID")
    return host


def _require_secret(store, host_id: str) -> dict:
    metadata = store.get_host_secret(host_id)
    if metadata is None:
        raise not_found("host secret not found", "hostID")
    return metadata


def get_host_secret(ctx) -> Response:
    """GET SM/host-secret/{host_id} -> HostSecretMetadata (never a password)"""
    with ctx.store.transaction(write=False) as store:
        host = _require_host(store, ctx.params["hostID"])
        return Response(200, render_host_secret(store, host["id"], _require_secret(store, host["id"])))


def _checked_metadata(store, metadata: dict, host_id: str) -> dict:
    if metadata.get("host_id") and metadata["host_id"] != host_id:
        raise bad_request("INVALID_REQUEST_DATA", f"metadata.host_id {metadata['host_id']!r} contradicts the path", "metadata.host_id")
    aliases = {metadata.get("policy_id"), metadata.get("password_policy_id")} - {None, ""}
    if len(aliases) > 1:
        raise bad_request("INVALID_REQUEST_DATA", "metadata.policy_id and metadata.password_policy_id name different policies", "metadata.policy_id")
    metadata["policy_id"] = aliases.pop() if aliases else ""
    for key in METADATA_REQUIRED:
        if not metadata.get(key):
            raise bad_request("REQUIRED_VALUE_MISSING", f"metadata.{key} is required", f"metadata.{key}")
    if not metadata.get("port"):
        raise bad_request("REQUIRED_VALUE_MISSING", "metadata.port is required", "metadata.port")
    if metadata.get("use_main_account") and not metadata.get("main_account"):
        raise bad_request("REQUIRED_VALUE_MISSING", "metadata.main_account is required with use_main_account", "metadata.main_account")
    if store.get_policy(metadata["policy_id"]) is None:
        raise bad_request("INVALID_REQUEST_DATA", f"no password policy {metadata['policy_id']!r}", "metadata.policy_id")
    if store.get_script_template(metadata["script_template_id"]) is None:
        raise bad_request("INVALID_REQUEST_DATA", f"no script template {metadata['script_template_id']!r}", "metadata.script_template_id")
    keys = ("access_group_id", "address", "port", "operating_system", "protocol", "certificate_validation_options",
            "winrm_host_certificate_trust_anchors", "use_main_account", "main_account", "policy_id", "script_template_id")
    defaults = {"port": 0, "use_main_account": False}
    return {key: metadata.get(key, defaults.get(key, "")) for key in keys}


def _checked_accounts(accounts: list) -> dict:
    """{username: initial password or ""} of the body's accounts; their read-only fields are ignored."""
    passwords = {}
    for index, account in enumerate(accounts):
        if not (account or {}).get("account"):
            raise bad_request("REQUIRED_VALUE_MISSING", f"accounts[{index}].account is required", f"accounts[{index}].account")
        if account["account"] in passwords:
            raise bad_request("VALUE_DUPLICATE", f"account {account['account']!r} is listed twice", f"accounts[{index}].account")
        passwords[account["account"]] = account.get("initial_password", "")
    return passwords


def create_host_secret(ctx) -> Response:
    """POST SM/host-secret/{host_id} {metadata, accounts} -> the stored HostSecretMetadata. It replaces the host's
    secret: accounts left out go, an initial_password is stored as a new secret version. The host's own rotation
    settings stay as they are."""
    values = check_fields(ctx.json_body(), BODY)
    if "metadata" not in values:
        raise bad_request("REQUIRED_VALUE_MISSING", "metadata is required", "metadata")
    when = whole_seconds(now())
    with ctx.store.transaction() as store:
        host = _require_host(store, ctx.params["hostID"])
        metadata = _checked_metadata(store, values["metadata"], host["id"])
        passwords = _checked_accounts(values.get("accounts") or [])
        previous = store.get_host_secret(host["id"]) or {}
        metadata.update(host_id=host["id"], created=previous.get("created", when), created_by=previous.get("created_by", ctx.caller["user_id"]),
                        updated=when, updated_by=ctx.caller["user_id"])
        store.set_host_secret(host["id"], metadata)
        _set_accounts(store, host, passwords, ctx.caller["user_id"], when)
        body = render_host_secret(store, host["id"], metadata)
    return Response(200, body)


def delete_host_secret(ctx) -> Response:
    """DELETE SM/host-secret/{host_id}: the secret, its accounts and their versions and checkouts."""
    with ctx.store.transaction() as store:
        host = _require_host(store, ctx.params["hostID"])
        _require_secret(store, host["id"])
        store.delete_host_secret(host["id"])
    return Response.empty()
