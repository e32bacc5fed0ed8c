# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Fixtures: JSON files that say what the emulator starts with (API clients, password policies, target
# domains with scanned and managed accounts, hosts, roles, Vault secrets). load_fixture() checks a file
# completely and fills in defaults, so that a typo is one clear error at start-up instead of a puzzling
# test; seed() writes a checked fixture into an empty store.

import copy
import json
import os
import uuid

from .api_identity import BUILTIN_ROLES, CLIENT_ROLES, SYSTEM_AUTHOR, role_data, role_id_for
from .api_roles import PERMISSIONS
from .api_vault import go_numbers, insert_secret, name_problem
from .errors import ApiError
from .timeutil import parse_datetime, parse_duration, whole_seconds
from .validation import is_uuid

FIXTURES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
DEFAULT_FIXTURE = os.path.join(FIXTURES_DIR, "demo.json")
REQUIRED = object()


class FixtureError(Exception):
    """A fixture that cannot be used; the message names the file and the offending entry."""


def _fail(where: str, message: str) -> FixtureError:
    return FixtureError(f"{where}: {message}")


def _check_str(value, where):
    if not isinstance(value, str):
        raise _fail(where, "must be a string")
    return value


def _check_name(value, where):
    if not _check_str(value, where).strip():
        raise _fail(where, "must not be empty")
    return value


def _check_bool(value, where):
    if not isinstance(value, bool):
        raise _fail(where, "must be true or false")
    return value


def _check_count(value, where):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(where, "must be a non-negative integer")
    return value


def _check_uuid(value, where):
    if not is_uuid(value):
        raise _fail(where, "must be a UUID")
    return value.lower()


def _check_duration(value, where):
    try:
        parse_duration(value)
    except ValueError:
        raise _fail(where, "must be an ISO-8601 duration such as P30D or PT1H") from None
    return value


def _check_datetime(value, where):
    try:
        return whole_seconds(parse_datetime(_check_str(value, where)))
    except ValueError:
        raise _fail(where, "must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z") from None


def _check_enum(*allowed):
    def check(value, where):
        if value not in allowed:
            raise _fail(where, f"must be one of {', '.join(allowed)}")
        return value
    return check


def _check_strings(value, where):
    if not isinstance(value, list):
        raise _fail(where, "must be a list of strings")
    return [_check_str(item, f"{where}[{index}]") for index, item in enumerate(value)]


def _check_object(value, where):
    if not isinstance(value, dict):
        raise _fail(where, "must be an object")
    return value


def _check_list(value, where):
    if not isinstance(value, list):
        raise _fail(where, "must be a list")
    return value


def _entry(value, where: str, spec: dict) -> dict:
    """Check an object against spec {key: (check, default or REQUIRED)}; unknown keys are typos."""
    if not isinstance(value, dict):
        raise _fail(where, "must be an object")
    for key in value:
        if key not in spec:
            raise _fail(f"{where}.{key}", f"unknown key (expected one of {', '.join(sorted(spec))})")
    result = {}
    for key, (check, default) in spec.items():
        if key in value:
            result[key] = check(value[key], f"{where}.{key}")
        elif default is REQUIRED:
            raise _fail(f"{where}.{key}", "is required")
        else:
            result[key] = copy.deepcopy(default)
    return result


CLIENT_SPEC = {
    "name": (_check_name, REQUIRED),
    "role": (_check_enum("admin", "user", "none", "auditor"), REQUIRED),
    "client_id": (_check_name, REQUIRED),
    "client_secret": (_check_name, REQUIRED),
    "oauth_client_id": (_check_name, "privx-external"),
    "oauth_client_secret": (_check_name, REQUIRED),
    "user_id": (_check_uuid, None),
    # Roles the client holds besides those its `role` stands for (names of the fixture's `roles`, or built-in ones).
    "roles": (_check_strings, []),
}
POLICY_SPEC = {
    "id": (_check_uuid, None),
    "name": (_check_name, REQUIRED),
    "rotation_interval": (_check_duration, "P30D"),
    "max_versions": (_check_count, 0),
    "max_concurrent_checkouts": (_check_count, 0),
    "max_checkout_duration": (_check_duration, "PT1H"),
    "rotate_on_release": (_check_bool, False),
    "verify_after_rotation": (_check_bool, False),
    # The defaults are api_policies.DETAIL_DEFAULTS.
    "password_min_length": (_check_count, 12),
    "password_max_length": (_check_count, 32),
    "use_special_characters": (_check_bool, True),
    "use_lower_case": (_check_bool, True),
    "use_upper_case": (_check_bool, True),
    "use_numbers": (_check_bool, True),
    "number_of_retries": (_check_count, 3),
    "retry_interval": (_check_duration, "PT5M"),
}
POLICY_DETAILS = ("password_min_length", "password_max_length", "use_special_characters", "use_lower_case", "use_upper_case",
                  "use_numbers", "number_of_retries", "retry_interval")
DIRECTORY_SPEC = {
    "username": (_check_name, REQUIRED),
    "email": (_check_str, ""),
    "full_name": (_check_str, ""),
    "sam_account_name": (_check_str, ""),
    "source_id": (_check_str, ""),
    "security_id": (_check_str, ""),
}
SCANNED_SPEC = {
    "id": (_check_uuid, None),
    "username": (_check_name, REQUIRED),
    "email": (_check_str, ""),
    "full_name": (_check_str, ""),
    "sam_account_name": (_check_str, ""),
    "source_id": (_check_str, ""),
    "security_id": (_check_str, ""),
    "ignored": (_check_bool, False),
}
GENERATE_SPEC = {
    "count": (_check_count, REQUIRED),
    "prefix": (_check_name, "user"),
    "start": (_check_count, 1),
    "width": (_check_count, 0),
}
# Generated managed accounts (each also scanned, as every managed account of a fixture is): their flags and policy.
GENERATE_MANAGED_SPEC = dict(GENERATE_SPEC, prefix=(_check_name, "svc"), password_policy=(_check_name, None), enabled=(_check_bool, True),
                             rotation_enabled=(_check_bool, False), explicit_checkout=(_check_bool, False))
HISTORY_SPEC = {
    "version": (_check_count, REQUIRED),
    "rotated": (_check_datetime, REQUIRED),
    "trigger": (_check_enum("ONRELEASE", "ONEXPIRY", "PERIODIC", "MANUAL"), "MANUAL"),
    "status": (_check_enum("SUCCESS", "ERROR", "MAX_ROTATION_RETRIES_ERROR"), "SUCCESS"),
}
MANAGED_SPEC = dict(SCANNED_SPEC)
del MANAGED_SPEC["ignored"]
MANAGED_SPEC.update({
    "additional_data": (_check_object, {}),
    "password_policy": (_check_name, None),
    "enabled": (_check_bool, True),
    "rotation_enabled": (_check_bool, False),
    "explicit_checkout": (_check_bool, False),
    "state": (_check_enum("MANAGED", "UNMANAGED", "NEW", "REMOVED"), "MANAGED"),
    "comment": (_check_str, ""),
    "disable_rdp_cert_auth": (_check_bool, False),
    "password": (_check_name, None),
    "passwords": (_check_strings, []),
    "rotation_history": (_check_list, []),
})
TARGET_DOMAIN_SPEC = {
    "id": (_check_uuid, None),
    "name": (_check_name, REQUIRED),
    "comment": (_check_str, ""),
    "enabled": (_check_bool, True),
    "auto_onboarding": (_check_bool, False),
    "auto_onboarding_policy": (_check_name, None),
    "domain_name": (_check_str, ""),
    "periodic_scan": (_check_bool, False),
    "periodic_scan_interval": (_check_count, 0),
    "endpoints": (_check_list, []),
    # What the directory holds, i.e. what a scan finds; left out: the scanned and managed accounts.
    "directory": (_check_list, None),
    # Generated directory users (as generate_scanned_accounts generates scanned ones), in addition to `directory`.
    "generate_directory": (_check_object, None),
    "scanned_accounts": (_check_list, []),
    "generate_scanned_accounts": (_check_object, None),
    "managed_accounts": (_check_list, []),
    "generate_managed_accounts": (_check_object, None),
}
HOST_ACCOUNT_SPEC = {
    "id": (_check_uuid, None),
    "username": (_check_name, REQUIRED),
    "password": (_check_name, None),
    "passwords": (_check_strings, []),
    "rotate": (_check_bool, False),
    "use_for_password_rotation": (_check_bool, False),
    "roles": (_check_strings, []),
    "last_rotated": (_check_datetime, None),
    "last_error": (_check_datetime, None),
    "last_error_details": (_check_str, ""),
}
ROTATION_SPEC = {
    "operating_system": (_check_enum("LINUX", "WINDOWS"), REQUIRED),
    "protocol": (_check_enum("SSH", "WINRM"), None),
    "use_main_account": (_check_bool, False),
    "password_policy": (_check_name, REQUIRED),
    "script_template": (_check_name, REQUIRED),
    "certificate_validation_options": (_check_enum("DISABLED", "ENABLED"), "DISABLED"),
    "winrm_address": (_check_str, ""),
    "winrm_port": (_check_count, 0),
    "access_group_id": (_check_uuid, None),
}
HOST_SPEC = {
    "id": (_check_uuid, None),
    "common_name": (_check_name, REQUIRED),
    "addresses": (_check_strings, []),
    "external_id": (_check_str, ""),
    "instance_id": (_check_str, ""),
    "comment": (_check_str, ""),
    "tags": (_check_strings, []),
    "access_group_id": (_check_uuid, None),
    "services": (_check_list, []),
    "accounts": (_check_list, []),
    "password_rotation": (_check_object, None),
    # Left out: true when password_rotation is given.
    "password_rotation_enabled": (_check_bool, None),
}
GENERATE_HOSTS_SPEC = {
    "count": (_check_count, REQUIRED),
    "prefix": (_check_name, "host"),
    "start": (_check_count, 1),
    "width": (_check_count, 3),
    "operating_system": (_check_enum("LINUX", "WINDOWS"), "LINUX"),
    "accounts": (_check_strings, []),
    "tags": (_check_strings, []),
    "password_rotation": (_check_object, None),
}
SCRIPT_TEMPLATE_SPEC = {
    "id": (_check_uuid, None),
    "name": (_check_name, REQUIRED),
    "operating_system": (_check_enum("LINUX", "WINDOWS"), REQUIRED),
    "script": (_check_name, REQUIRED),
}
ROLE_SPEC = {
    "id": (_check_uuid, None),
    "name": (_check_name, REQUIRED),
    "comment": (_check_str, ""),
    "permissions": (_check_strings, []),
}
VAULT_SECRET_SPEC = {
    "name": (_check_name, REQUIRED),
    "read_roles": (_check_strings, []),
    "write_roles": (_check_strings, []),
    "data": (_check_object, {}),
    # The API client (by name) whose personal secret this is; left out: a shared secret.
    "owner": (_check_name, None),
}
GENERATE_VAULT_SPEC = {
    "count": (_check_count, REQUIRED),
    "prefix": (_check_name, "secret-"),
    "start": (_check_count, 1),
    "width": (_check_count, 0),
    "read_roles": (_check_strings, []),
    "write_roles": (_check_strings, []),
}
TOP_SPEC = {
    "description": (_check_str, ""),
    "api_clients": (_check_list, REQUIRED),
    "password_policies": (_check_list, []),
    "script_templates": (_check_list, []),
    "target_domains": (_check_list, []),
    "hosts": (_check_list, []),
    "generate_hosts": (_check_list, []),
    "roles": (_check_list, []),
    "vault_secrets": (_check_list, []),
    "generate_vault_secrets": (_check_object, None),
    # Token exchange: fixture_identity.py
    "user_directories": (_check_list, []),
    "identity_providers": (_check_list, []),
}
MAX_GENERATED = 1000000


def _unique(items: list, key, where: str, what: str) -> None:
    seen = set()
    for index, item in enumerate(items):
        value = key(item)
        if value is None:
            continue
        if value in seen:
            raise _fail(f"{where}[{index}]", f"duplicate {what} {value!r}")
        seen.add(value)


def _generated_names(spec: dict) -> list:
    return [f"{spec['prefix']}{number:0{spec['width']}d}" for number in range(spec["start"], spec["start"] + spec["count"])]


def _check_managed(raw, where: str, policy_names: set) -> dict:
    account = _entry(raw, where, MANAGED_SPEC)
    if account["password_policy"] is not None and account["password_policy"] not in policy_names:
        raise _fail(f"{where}.password_policy", f"no password policy named {account['password_policy']!r}")
    if account["password"] is not None and account["passwords"]:
        raise _fail(where, "give either password or passwords, not both")
    account["rotation_history"] = [
        _entry(item, f"{where}.rotation_history[{index}]", HISTORY_SPEC) for index, item in enumerate(account["rotation_history"])
    ]
    return account


def _generated_directory(domain_name: str, spec: dict) -> list:
    entries = []
    for offset, name in enumerate(_generated_names(spec)):
        number = spec["start"] + offset
        entries.append({
            "username": name, "email": f"{name}@{domain_name}", "full_name": f"{spec['prefix'].capitalize()} {number:0{spec['width']}d}",
            "sam_account_name": name[:20], "source_id": f"directory-{number}",
            "security_id": f"S-1-5-21-2004336348-1177238915-682003330-{1000 + number}",
        })
    return entries


def _check_target_domain(raw, where: str, policy_names: set) -> dict:
    domain = _entry(raw, where, TARGET_DOMAIN_SPEC)
    if domain["auto_onboarding_policy"] is not None and domain["auto_onboarding_policy"] not in policy_names:
        raise _fail(f"{where}.auto_onboarding_policy", f"no password policy named {domain['auto_onboarding_policy']!r}")
    if domain["auto_onboarding"] and domain["auto_onboarding_policy"] is None:
        raise _fail(f"{where}.auto_onboarding_policy", "is required with auto_onboarding")
    # Imported here: api_target_domains imports the API modules, which a fixture check does not otherwise need.
    from .api_target_domains import fixture_endpoints  # pylint: disable=import-outside-toplevel
    try:
        domain["endpoints"] = fixture_endpoints(domain["endpoints"], where)
    except ValueError as exc:
        raise FixtureError(str(exc)) from None
    if domain["directory"] is not None:
        domain["directory"] = [
            _entry(item, f"{where}.directory[{index}]", DIRECTORY_SPEC) for index, item in enumerate(domain["directory"])
        ]
    if domain["generate_directory"] is not None:
        generate = domain["generate_directory"] = _checked_generate(domain, "generate_directory", where)
        domain["directory"] = (domain["directory"] or []) + _generated_directory(domain["name"], generate)
    if domain["directory"] is not None:
        _unique(domain["directory"], lambda item: item["username"].lower(), f"{where}.directory", "username (compared case-insensitively)")
    domain["scanned_accounts"] = [
        _entry(item, f"{where}.scanned_accounts[{index}]", SCANNED_SPEC) for index, item in enumerate(domain["scanned_accounts"])
    ]
    if domain["generate_scanned_accounts"] is not None:
        domain["generate_scanned_accounts"] = _checked_generate(domain, "generate_scanned_accounts", where)
    domain["managed_accounts"] = [
        _check_managed(item, f"{where}.managed_accounts[{index}]", policy_names) for index, item in enumerate(domain["managed_accounts"])
    ]
    if domain["generate_managed_accounts"] is not None:
        domain["managed_accounts"] += _generated_managed(domain, where, policy_names)
    usernames = [account["username"].lower() for account in domain["scanned_accounts"]]
    if domain["generate_scanned_accounts"]:
        usernames += [name.lower() for name in _generated_names(domain["generate_scanned_accounts"])]
    _unique(usernames, lambda name: name, f"{where}.scanned_accounts", "username (compared case-insensitively)")
    _unique(domain["managed_accounts"], lambda item: item["username"].lower(), f"{where}.managed_accounts",
            "username (compared case-insensitively)")
    return domain


def _check_host(raw, where: str, policy_names: set, template_names: set) -> dict:
    host = _entry(raw, where, HOST_SPEC)
    host["accounts"] = [_entry(item, f"{where}.accounts[{index}]", HOST_ACCOUNT_SPEC) for index, item in enumerate(host["accounts"])]
    _unique(host["accounts"], lambda item: item["username"], f"{where}.accounts", "username")
    for index, account in enumerate(host["accounts"]):
        if account["password"] is not None and account["passwords"]:
            raise _fail(f"{where}.accounts[{index}]", "give either password or passwords, not both")
    # Imported here, as api_target_domains is for target domains: the API modules are not otherwise needed to check a fixture.
    from .api_hosts import checked_fixture_host  # pylint: disable=import-outside-toplevel
    try:
        checked_fixture_host({"services": host["services"]}, where)
    except ValueError as exc:
        raise FixtureError(str(exc)) from None
    if host["password_rotation"] is not None:
        rotation = host["password_rotation"] = _entry(host["password_rotation"], f"{where}.password_rotation", ROTATION_SPEC)
        if rotation["password_policy"] not in policy_names:
            raise _fail(f"{where}.password_rotation.password_policy", f"no password policy named {rotation['password_policy']!r}")
        if rotation["script_template"] not in template_names:
            raise _fail(f"{where}.password_rotation.script_template", f"no script template named {rotation['script_template']!r}")
        if rotation["protocol"] is None:
            rotation["protocol"] = "SSH" if rotation["operating_system"] == "LINUX" else "WINRM"
    if host["password_rotation_enabled"] is None:
        host["password_rotation_enabled"] = host["password_rotation"] is not None
    elif host["password_rotation_enabled"] and host["password_rotation"] is None:
        raise _fail(f"{where}.password_rotation", "is required with password_rotation_enabled")
    return host


def _generated_hosts(raw, where: str, number: int) -> list:
    """Hosts of the `number`th generate_hosts entry: <prefix><number>, an address and an SSH (LINUX) or RDP (WINDOWS)
    service each, the named accounts without passwords; with the entry's password_rotation (none by default) every
    account rotates, through the first one."""
    spec = _entry(raw, where, GENERATE_HOSTS_SPEC)
    if spec["count"] > MAX_GENERATED:
        raise _fail(f"{where}.count", f"at most {MAX_GENERATED}")
    service, port = ("SSH", 22) if spec["operating_system"] == "LINUX" else ("RDP", 3389)
    rotation = spec["password_rotation"]
    hosts = []
    for offset, name in enumerate(_generated_names(spec)):
        address = f"10.{100 + number % 150}.{offset // 256 % 256}.{offset % 256}"
        host = {"common_name": name, "addresses": [address, f"{name}.example.com"], "tags": list(spec["tags"]),
                "services": [{"service": service, "address": address, "port": port}],
                "accounts": [{"username": account, "rotate": rotation is not None, "use_for_password_rotation": rotation is not None and not index}
                             for index, account in enumerate(spec["accounts"])]}
        if rotation is not None:
            host["password_rotation"] = dict(rotation, operating_system=spec["operating_system"])
        hosts.append(host)
    return hosts


def _check_script_template(raw, where: str) -> dict:
    template = _entry(raw, where, SCRIPT_TEMPLATE_SPEC)
    from .script_template import TemplateError, compile_script  # pylint: disable=import-outside-toplevel
    try:
        compile_script(template["script"])
    except TemplateError as exc:
        raise _fail(f"{where}.script", str(exc)) from None
    return template


def check_fixture(raw) -> dict:
    fixture = _entry(raw, "fixture", TOP_SPEC)
    fixture["api_clients"] = [_entry(item, f"api_clients[{index}]", CLIENT_SPEC) for index, item in enumerate(fixture["api_clients"])]
    if not fixture["api_clients"]:
        raise _fail("api_clients", "at least one API client is needed")
    _unique(fixture["api_clients"], lambda item: item["name"], "api_clients", "name")
    _unique(fixture["api_clients"], lambda item: item["client_id"], "api_clients", "client_id")
    fixture["password_policies"] = [
        _entry(item, f"password_policies[{index}]", POLICY_SPEC) for index, item in enumerate(fixture["password_policies"])
    ]
    _unique(fixture["password_policies"], lambda item: item["name"], "password_policies", "name")
    policy_names = {policy["name"] for policy in fixture["password_policies"]}
    fixture["target_domains"] = [
        _check_target_domain(item, f"target_domains[{index}]", policy_names) for index, item in enumerate(fixture["target_domains"])
    ]
    _unique(fixture["target_domains"], lambda item: item["name"], "target_domains", "name")
    fixture["script_templates"] = [
        _check_script_template(item, f"script_templates[{index}]") for index, item in enumerate(fixture["script_templates"])
    ]
    _unique(fixture["script_templates"], lambda item: item["name"], "script_templates", "name")
    template_names = {template["name"] for template in fixture["script_templates"]}
    fixture["hosts"] = [_check_host(item, f"hosts[{index}]", policy_names, template_names) for index, item in enumerate(fixture["hosts"])]
    _unique(fixture["hosts"], lambda item: item["common_name"], "hosts", "common_name")
    names = {host["common_name"] for host in fixture["hosts"]}
    for index, item in enumerate(fixture["generate_hosts"]):
        where = f"generate_hosts[{index}]"
        for host in _generated_hosts(item, where, index):
            if host["common_name"] in names:
                raise _fail(where, f"generates the common_name {host['common_name']!r}, which another host has")
            names.add(host["common_name"])
            fixture["hosts"].append(_check_host(host, where, policy_names, template_names))
    known_roles = _check_roles(fixture)
    for index, host in enumerate(fixture["hosts"]):
        for number, account in enumerate(host["accounts"]):
            _check_role_names(account["roles"], f"hosts[{index}].accounts[{number}].roles", known_roles)
    _check_vault_secrets(fixture)
    _unique_ids(fixture)
    # Imported here: fixture_identity imports this module.
    from .fixture_identity import check_identity  # pylint: disable=import-outside-toplevel
    check_identity(fixture)
    return fixture


def _check_role_names(names: list, where: str, known: set) -> None:
    for index, name in enumerate(names):
        if name not in known:
            raise _fail(f"{where}[{index}]", f"no role named {name!r} (roles: {', '.join(sorted(known))})")


def _check_roles(fixture: dict) -> set:
    """The fixture's roles, and the roles its clients name; built-in role names are taken. Returns every role name."""
    builtin = {role["name"] for role in BUILTIN_ROLES}
    roles = fixture["roles"] = [_entry(item, f"roles[{index}]", ROLE_SPEC) for index, item in enumerate(fixture["roles"])]
    for index, role in enumerate(roles):
        if role["name"] in builtin:
            raise _fail(f"roles[{index}].name", f"{role['name']!r} is a built-in role")
        _check_permissions(role["permissions"], f"roles[{index}].permissions")
    _unique(roles, lambda item: item["name"], "roles", "name")
    known = builtin | {role["name"] for role in roles}
    for index, client in enumerate(fixture["api_clients"]):
        _check_role_names(client["roles"], f"api_clients[{index}].roles", known)
    return known


def _check_permissions(permissions: list, where: str) -> None:
    for index, permission in enumerate(permissions):
        if permission not in PERMISSIONS:
            raise _fail(f"{where}[{index}]", f"unknown permission {permission!r}")


def _check_vault_secrets(fixture: dict) -> None:
    known = {role["name"] for role in BUILTIN_ROLES} | {role["name"] for role in fixture["roles"]}
    clients = {client["name"] for client in fixture["api_clients"]}
    secrets = fixture["vault_secrets"] = [_entry(item, f"vault_secrets[{index}]", VAULT_SECRET_SPEC)
                                          for index, item in enumerate(fixture["vault_secrets"])]
    if fixture["generate_vault_secrets"] is not None:
        generate = _entry(fixture["generate_vault_secrets"], "generate_vault_secrets", GENERATE_VAULT_SPEC)
        if generate["count"] > MAX_GENERATED:
            raise _fail("generate_vault_secrets.count", f"at most {MAX_GENERATED}")
        for key in ("read_roles", "write_roles"):
            _check_role_names(generate[key], f"generate_vault_secrets.{key}", known)
        fixture["generate_vault_secrets"] = generate
        longest = _generated_names(dict(generate, count=1, start=generate["start"] + generate["count"] - 1))[0]
        if generate["count"] and name_problem(longest):
            raise _fail("generate_vault_secrets.prefix", f"makes names such as {longest!r}: {name_problem(longest)[1]}")
    for index, secret in enumerate(secrets):
        where = f"vault_secrets[{index}]"
        problem = name_problem(secret["name"])
        if problem:
            raise _fail(f"{where}.name", problem[1])
        for key in ("read_roles", "write_roles"):
            _check_role_names(secret[key], f"{where}.{key}", known)
        try:
            secret["data"] = go_numbers(secret["data"])
        except ApiError as exc:
            raise _fail(f"{where}.data", exc.message) from None
        if secret["owner"] is not None and secret["owner"] not in clients:
            raise _fail(f"{where}.owner", f"no API client named {secret['owner']!r}")
    names = [secret["name"] for secret in secrets] + _generated_vault_names(fixture["generate_vault_secrets"])
    _unique(names, lambda name: name, "vault_secrets", "name")


def _generated_vault_names(spec: dict | None) -> list:
    return _generated_names(spec) if spec else []


def _unique_ids(fixture: dict) -> None:
    ids = [policy["id"] for policy in fixture["password_policies"]] + [template["id"] for template in fixture["script_templates"]]
    ids += [role["id"] for role in fixture["roles"]]
    for domain in fixture["target_domains"]:
        ids.append(domain["id"])
        ids += [account["id"] for account in domain["scanned_accounts"] + domain["managed_accounts"]]
    for host in fixture["hosts"]:
        ids.append(host["id"])
        ids += [account["id"] for account in host["accounts"]]
    _unique(ids, lambda value: value, "fixture ids", "id")


def load_fixture(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            raw = json.load(handle)
    except OSError as exc:
        raise FixtureError(f"cannot read fixture {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise FixtureError(f"fixture {path} is not valid JSON: {exc}") from None
    try:
        return check_fixture(raw)
    except FixtureError as exc:
        raise FixtureError(f"fixture {path}: {exc}") from None


# -- seeding -------------------------------------------------------------------------------------


def _id(given: str | None) -> str:
    return given or str(uuid.uuid4())


def seed(store, fixture: dict, when: float) -> None:
    """Write a checked fixture into the (empty) store; the caller holds the transaction."""
    created = whole_seconds(when)
    author = ""
    user_ids = {}
    role_ids = _seed_roles(store, fixture, created)
    for client in fixture["api_clients"]:
        row = {key: client[key] for key in ("name", "role", "client_id", "client_secret", "oauth_client_id", "oauth_client_secret")}
        row["user_id"] = user_ids[client["name"]] = _id(client["user_id"])
        store.insert_api_client(row)
        for name in CLIENT_ROLES[client["role"]] + tuple(client["roles"]):
            store.grant_role(row["client_id"], role_ids[name])
        if not author and client["role"] == "admin":
            author = row["user_id"]
    policy_ids = {}
    for policy in fixture["password_policies"]:
        row = {key: value for key, value in policy.items() if key not in POLICY_DETAILS}
        row.update(id=_id(policy["id"]), created=created, updated=created)
        row["rotate_on_release"] = int(row["rotate_on_release"])
        row["verify_after_rotation"] = int(row["verify_after_rotation"])
        store.insert_policy(row)
        details = {key: policy[key] for key in POLICY_DETAILS}
        store.set_policy_details(row["id"], dict(details, created_by=author, updated_by=author))
        policy_ids[policy["name"]] = row["id"]
    template_ids = {}
    for template in fixture["script_templates"]:
        row = dict(template, id=_id(template["id"]), created=created, created_by=author, updated=created, updated_by=author)
        store.insert_script_template(row)
        template_ids[template["name"]] = row["id"]
    for domain in fixture["target_domains"]:
        _seed_target_domain(store, domain, policy_ids, author, created)
    for host in fixture["hosts"]:
        _seed_host(store, host, policy_ids, template_ids, role_ids, author, created)
    _seed_vault_secrets(store, fixture, role_ids, user_ids, author, created)
    # Imported here: fixture_identity imports this module.
    from .fixture_identity import seed_identity  # pylint: disable=import-outside-toplevel
    seed_identity(store, fixture, created, author)


def _seed_roles(store, fixture: dict, created: int) -> dict:
    """PrivX's own roles and the fixture's; {name: id}. PrivX's system roles carry no creation time; a fixture
    role names as its author the first administrator client (a name, as PrivX's role store does)."""
    admin = next((client["name"] for client in fixture["api_clients"] if client["role"] == "admin"), SYSTEM_AUTHOR)
    ids = {}
    for role in BUILTIN_ROLES + tuple(fixture["roles"]):
        role_id = ids[role["name"]] = role.get("id") or role_id_for(role["name"])
        author = SYSTEM_AUTHOR if role in BUILTIN_ROLES else admin
        store.insert_role({"id": role_id, "name": role["name"], "created": None if role.get("system") else created,
                           "updated": created, "data": json.dumps(role_data(role, author))})
    return ids


def _seed_vault_secrets(store, fixture: dict, role_ids: dict, user_ids: dict, author: str, created: int) -> None:
    secrets = list(fixture["vault_secrets"])
    generate = fixture["generate_vault_secrets"]
    for offset, name in enumerate(_generated_vault_names(generate)):
        secrets.append({"name": name, "owner": None, "read_roles": generate["read_roles"], "write_roles": generate["write_roles"],
                        "data": {"username": name, "password": f"{name}-password", "number": generate["start"] + offset}})
    for secret in secrets:
        owner = user_ids[secret["owner"]] if secret["owner"] else ""
        insert_secret(store, secret["name"], owner, secret["data"], [role_ids[name] for name in secret["read_roles"]],
                      [role_ids[name] for name in secret["write_roles"]], owner or author, created)


def _scanned_row(td_id: str, account: dict, created: int) -> dict:
    row = {key: account.get(key, "") for key in ("email", "full_name", "sam_account_name", "source_id", "security_id")}
    row.update({
        "id": _id(account.get("id")),
        "target_domain_id": td_id,
        "username": account["username"],
        "username_key": account["username"].lower(),
        "state": "NEW",
        "ignored": int(account.get("ignored", False)),
        "created": created,
        "updated": created,
    })
    return row


def _generated_rows(td_id: str, domain_name: str, spec: dict, created: int) -> list:
    rows = []
    for offset, name in enumerate(_generated_names(spec)):
        number = spec["start"] + offset
        account = {
            "username": name,
            "email": f"{name}@{domain_name}",
            "full_name": f"{spec['prefix'].capitalize()} {number:0{spec['width']}d}",
            "sam_account_name": name[:20],
            "source_id": f"generated-{number}",
            "security_id": f"S-1-5-21-1004336348-1177238915-682003330-{1000 + number}",
        }
        rows.append(_scanned_row(td_id, account, created))
    return rows


def _seed_target_domain(store, domain: dict, policy_ids: dict, author: str, created: int) -> None:
    td_id = _id(domain["id"])
    store.insert_target_domain({
        "id": td_id, "name": domain["name"], "comment": domain["comment"], "enabled": int(domain["enabled"]),
        "auto_onboarding": int(domain["auto_onboarding"]), "created": created, "updated": created,
    })
    scanned = [_scanned_row(td_id, account, created) for account in domain["scanned_accounts"]]
    if domain["generate_scanned_accounts"]:
        scanned += _generated_rows(td_id, domain["name"], domain["generate_scanned_accounts"], created)
    by_username = {row["username_key"]: row for row in scanned}
    # A managed account without a scanned account of its username is scanned too (PrivX found it first).
    for account in domain["managed_accounts"]:
        if account["username"].lower() not in by_username:
            row = _scanned_row(td_id, dict(account, id=None), created)
            scanned.append(row)
            by_username[row["username_key"]] = row
    for account in domain["managed_accounts"]:
        by_username[account["username"].lower()]["state"] = "MANAGED"
    store.insert_scanned_accounts(scanned)
    for account in domain["managed_accounts"]:
        link = by_username[account["username"].lower()]
        _seed_managed_account(store, td_id, account, link, policy_ids, author, created)
    _seed_target_domain_details(store, td_id, domain, scanned, policy_ids, author, created)


def _seed_target_domain_details(store, td_id: str, domain: dict, scanned: list, policy_ids: dict, author: str, created: int) -> None:
    """The administration fields, the directory content, and the scan state: a domain with accounts was scanned
    when it was created, one without never was."""
    data = {key: domain[key] for key in ("domain_name", "periodic_scan", "periodic_scan_interval", "endpoints")}
    data.update(author=author, updated_by=author)
    store.set_target_domain_details(td_id, {
        "data": data,
        "auto_onboarding_policy_id": policy_ids.get(domain["auto_onboarding_policy"]),
        "scan_status": "SUCCESS" if scanned else "",
        "scan_message": "",
        "last_scanned": created if scanned else None,
    })
    if domain["directory"] is not None:
        entries = domain["directory"]
    else:
        entries = [{field: row[field] for field in ("username", "email", "full_name", "sam_account_name", "source_id", "security_id")}
                   for row in scanned]
    store.put_directory_entries(td_id, entries)


def _seed_managed_account(store, td_id: str, account: dict, scanned: dict, policy_ids: dict, author: str, created: int) -> None:
    policy_id = policy_ids.get(account["password_policy"]) if account["password_policy"] else None
    row = {key: account[key] for key in (
        "username", "email", "full_name", "sam_account_name", "source_id", "security_id", "state", "comment",
    )}
    row.update({
        "id": _id(account["id"]),
        "target_domain_id": td_id,
        "scanned_account_id": scanned["id"],
        "username_key": account["username"].lower(),
        "additional_data": json.dumps(account["additional_data"], sort_keys=True),
        "password_policy_id": policy_id,
        "locked": 0,
        "locked_timestamp": None,
        "created": created,
        "author": author,
        "updated": created,
        "updated_by": author,
    })
    for flag in ("enabled", "rotation_enabled", "explicit_checkout", "disable_rdp_cert_auth"):
        row[flag] = int(account[flag])
    store.insert_managed_account(row)
    passwords = [account["password"]] if account["password"] is not None else account["passwords"]
    for password in passwords:
        store.add_secret_version(row["id"], password, created)
    for entry in account["rotation_history"]:
        store.append_history(row["id"], entry["version"], entry["rotated"], entry["trigger"], entry["status"])


def _host_body(host: dict, policy_ids: dict, template_ids: dict, role_ids: dict) -> dict:
    """The Host an API client would have sent for a fixture host, passphrases left out (_seed_host stores them)."""
    body = {key: host[key] for key in ("common_name", "addresses", "external_id", "instance_id", "comment", "tags", "services")}
    body["access_group_id"] = host["access_group_id"]
    body["principals"] = [{
        "principal": account["username"], "rotate": account["rotate"], "use_for_password_rotation": account["use_for_password_rotation"],
        "roles": [{"id": role_ids[name], "name": name} for name in account["roles"]],
    } for account in host["accounts"]]
    body["password_rotation_enabled"] = host["password_rotation_enabled"]
    rotation = host["password_rotation"]
    if rotation is not None:
        body["password_rotation"] = {key: value for key, value in rotation.items() if key not in ("password_policy", "script_template")}
        body["password_rotation"].update(password_policy_id=policy_ids[rotation["password_policy"]],
                                         script_template_id=template_ids[rotation["script_template"]])
    return body


def _seed_host(store, host: dict, policy_ids: dict, template_ids: dict, role_ids: dict, author: str, created: int) -> None:
    """A fixture host, written as the host store writes one; then its accounts' secrets and rotation state. An account
    with a password on a host without rotation is put in a host secret too (as made through Secrets Manager's API)."""
    from .api_host_secrets import add_account  # pylint: disable=import-outside-toplevel
    from .api_hosts import check_host_body, write_host  # pylint: disable=import-outside-toplevel
    host_id = _id(host["id"])
    values, _read_only = check_host_body(_host_body(host, policy_ids, template_ids, role_ids))
    write_host(store, host_id, values, None, author, created)
    stored = store.get_host(host_id)
    in_secret = {account["username"]: account["id"] for account in store.host_accounts(host_id)}
    passphrases = {}
    for account in host["accounts"]:
        passwords = [account["password"]] if account["password"] is not None else account["passwords"]
        if passwords:
            passphrases[account["username"]] = passwords[-1]
        if account["username"] in in_secret:
            for password in passwords:
                store.add_secret_version(in_secret[account["username"]], password, created)
        elif passwords and not host["password_rotation_enabled"]:
            in_secret[account["username"]] = add_account(store, stored, account["username"], passwords, account["id"], author, created)
        if account["username"] in in_secret:
            store.set_host_account_details(in_secret[account["username"]], last_rotated=account["last_rotated"],
                                           last_error=account["last_error"], last_error_details=account["last_error_details"])
    for principal in stored["data"].get("principals") or []:
        principal["passphrase"] = passphrases.get(principal["principal"], "")
    store.set_host_details(host_id, stored["data"], stored["rotation_enabled"], stored["password_policy_id"], stored["script_template_id"])


def _generated_managed(domain: dict, where: str, policy_names: set) -> list:
    """The managed accounts generate_managed_accounts asks for, checked like written ones."""
    spec = domain["generate_managed_accounts"] = _checked_generate(domain, "generate_managed_accounts", where, GENERATE_MANAGED_SPEC)
    flags = {key: spec[key] for key in ("enabled", "rotation_enabled", "explicit_checkout")}
    if spec["password_policy"] is not None:
        flags["password_policy"] = spec["password_policy"]
    accounts = []
    for offset, name in enumerate(_generated_names(spec)):
        number = spec["start"] + offset
        raw = dict(flags, username=name, email=f"{name}@{domain['name']}", full_name=f"{spec['prefix'].capitalize()} {number:0{spec['width']}d}",
                   sam_account_name=name[:20], source_id=f"managed-{number}")
        accounts.append(_check_managed(raw, f"{where}.generate_managed_accounts", policy_names))
    return accounts


def _checked_generate(domain: dict, key: str, where: str, spec: dict | None = None) -> dict:
    """A domain's generate_* entry, checked: how many to make is bounded, so that a fixture cannot exhaust memory."""
    generate = _entry(domain[key], f"{where}.{key}", spec or GENERATE_SPEC)
    if generate["count"] > MAX_GENERATED:
        raise _fail(f"{where}.{key}.count", f"at most {MAX_GENERATED}")
    return generate
