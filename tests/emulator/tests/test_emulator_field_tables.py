# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Every answer of every read endpoint, held to the field tables (privx_emulator/fields.py): no always-sent
# field missing, no type mismatch, no field the table does not declare. The emulator is filled with rich
# data first (every optional field set somewhere, a locked account, checkouts of both kinds, a failed
# scan), so that the check sees each field both empty and set. The tables are also held to the routes,
# to docs/privx-api-fields.md and to what the collection returns.

import importlib
import os
import re

import pytest

from emulator_helpers import AZ, POLICY_DEFAULT, SM, TD_CORP, TD_DB, Api, managed_path
from host_helpers import HOST_APP01, HS, PLANTED_PASSPHRASE, TEMPLATE_LINUX, make_rich_hosts
from identity_helpers import identity_provider_reads, make_rich_identity_provider
from privx_emulator import fields
from privx_emulator.api_identity import BUILTIN_ROLES
from privx_emulator.fields import (
    ALWAYS, ANSWERS, ANY_OBJECT, ARRAY, BOOLEAN, DATETIME, INTEGER, MAP, NEVER, NULL, OBJECT, OBJECTS, STRING, WHEN_NOT_NIL, WHEN_SET,
)
from privx_emulator.routes import ROUTES

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
TDS = SM + "/targetdomains"
ENTRA_SECRET = "planted-entra-client-secret"
BIND_SECRET = "planted-ldap-bind-secret"


class Findings:
    """What the check found, counted by kind, with where each one is."""

    def __init__(self) -> None:
        self.missing, self.mismatched, self.undeclared = [], [], []
        self.objects = 0
        # (object, field) pairs seen with a non-empty value: proof the data was rich.
        self.set_fields = set()

    def counts(self) -> tuple:
        return len(self.missing), len(self.mismatched), len(self.undeclared)


def _is_type(kind: str, value) -> bool:
    if kind == STRING:
        return isinstance(value, str)
    if kind == DATETIME:
        return isinstance(value, str) and bool(RFC3339.match(value))
    if kind == INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == BOOLEAN:
        return isinstance(value, bool)
    if kind == MAP:
        return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())
    if kind == ANY_OBJECT:
        return isinstance(value, dict)
    return False


def _go_empty(value) -> bool:
    return value is None or value is False or value in ("", [], {}) or (type(value) is int and value == 0)  # pylint: disable=unidiomatic-typecheck


def _nullable(field) -> bool:
    return field.sent == ALWAYS and field.zero is NULL


def check_object(name: str, value, where: str, found: Findings) -> None:
    if not isinstance(value, dict):
        found.mismatched.append(f"{where}: {name} is {type(value).__name__}")
        return
    found.objects += 1
    table = OBJECTS[name]
    for key in value:
        field = table.field(key)
        if field is None or field.sent == NEVER:
            found.undeclared.append(f"{where}.{key}")
    for field in table.fields:
        if field.name not in value:
            if field.sent == ALWAYS:
                found.missing.append(f"{where}.{field.name}")
            continue
        if field.sent == WHEN_SET and _go_empty(value[field.name]):
            found.mismatched.append(f"{where}.{field.name}: {value[field.name]!r} sent, though Go's omitempty leaves it out")
        elif field.sent == WHEN_NOT_NIL and value[field.name] is None:
            found.mismatched.append(f"{where}.{field.name}: null sent, though Go's omitempty leaves a nil pointer out")
        elif field.sent != NEVER:
            check_field(name, field, value[field.name], f"{where}.{field.name}", found)


def check_field(owner: str, field, value, where: str, found: Findings) -> None:
    if value is None:
        if not _nullable(field):
            found.mismatched.append(f"{where}: null")
        return
    if value not in ("", 0, False, [], {}) or value is True:
        found.set_fields.add((owner, field.name))
    if field.kind == OBJECT:
        check_object(field.ref, value, where, found)
    elif field.kind == ARRAY:
        if not isinstance(value, list):
            found.mismatched.append(f"{where}: not an array")
            return
        for index, item in enumerate(value):
            if field.ref in OBJECTS:
                check_object(field.ref, item, f"{where}[{index}]", found)
            elif not _is_type(field.ref, item):
                found.mismatched.append(f"{where}[{index}]: not a {field.ref}")
    elif not _is_type(field.kind, value):
        found.mismatched.append(f"{where}: {value!r} is not a {field.kind}")


def check_answer(method: str, template: str, body, where: str, found: Findings) -> None:
    shape, name = ANSWERS[(method, template)]
    if shape == "raw":
        assert isinstance(body, list), where  # Vault's schemas: whatever PrivX is configured with, a JSON array
        return
    if shape == "map":
        assert isinstance(body, dict) and body and all(key.isdigit() for key in body), where
        for key, item in body.items():
            check_object(name, item, f"{where}[{key}]", found)
    elif shape in ("list", "checkout") and isinstance(body, dict) and "items" in body:
        assert set(body) == {"count", "items"} and isinstance(body["count"], int), where
        for index, item in enumerate(body["items"]):
            check_object(name, item, f"{where}.items[{index}]", found)
    else:
        check_object(name, body, where, found)


# -- rich data -------------------------------------------------------------------------------------------

def _rich_domain(admin: Api) -> str:
    body = {
        "name": "rich.example.com", "domain_name": "rich.example.com", "enabled": True, "periodic_scan": True,
        "periodic_scan_interval": 120, "auto_onboarding": True, "auto_onboarding_policy": {"id": POLICY_DEFAULT, "name": "default"},
        "comment": "every field set",
        "endpoints": [
            {"type": "AD", "scan_priority": 1, "rotation_priority": 2, "ldap_protocol": "LDAPS", "ldap_address": "dc1.rich.example",
             "ldap_port": 636, "ldap_base_dn": "DC=rich,DC=example", "ldap_bind_dn": "CN=privx,DC=rich,DC=example",
             "ldap_bind_password": BIND_SECRET, "ldap_user_filter": "(objectClass=user)", "ldap_root_certificates": "-----BEGIN CERTIFICATE-----",
             "ldap_skip_strict_cert_check": True, "attribute_mapping": {"username": "sAMAccountName"}},
            {"type": "ENTRA_ID", "scan_priority": 2, "rotation_priority": 1, "entra_base_url": "https://graph.microsoft.com",
             "entra_tenant_id": "tenant-1", "entra_client_id": "client-1", "entra_client_secret": ENTRA_SECRET,
             "entra_batch_size": 20, "entra_page_size": 100, "entra_group_filter": ["admins"]},
        ],
    }
    answer = admin.post(TDS, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def make_rich(emu, admin: Api, user: Api) -> dict:
    """Data that sets every field the emulator can set; returns ids the reads need."""
    hosts = make_rich_hosts(emu, admin)
    rich = _rich_domain(admin)
    emu.control.fail_scan("rich.example.com", message="directory unreachable")
    assert admin.post(f"{TDS}/{rich}/refresh").status_code == 200
    emu.wait_until(lambda: admin.get(f"{TDS}/{rich}").json().get("scan_status") == "ERROR", message="the failed scan")
    assert admin.post(f"{TDS}/{TD_CORP}/refresh").status_code == 200
    emu.wait_until(lambda: admin.get(f"{TDS}/{TD_CORP}").json().get("scan_status") == "SUCCESS", message="the scan")
    scanned = admin.get(f"{TDS}/{TD_CORP}/accounts").json()["items"]
    alice = next(item for item in scanned if item["username"] == "alice")
    assert admin.put(f"{TDS}/{TD_CORP}/accounts/{alice['id']}", json={"ignored": True, "comment": "not ours"}).status_code == 200
    full = {"username": "svc_full", "email": "full@corp.example.com", "full_name": "Every field", "sam_account_name": "svc_full",
            "source_id": "src-1", "security_id": "S-1-5-21-1", "additional_data": {"team": "ops"},
            "password_policy": {"id": POLICY_DEFAULT, "name": "default"}, "enabled": True, "rotation_enabled": True,
            "explicit_checkout": True, "state": "MANAGED", "comment": "all set", "disable_rdp_cert_auth": True, "password": "planted-full-v1"}
    answer = admin.post(managed_path(TD_CORP), json=full)
    assert answer.status_code == 201, answer.text
    full_id = answer.json()["id"]
    emu.control.settings(rotation_delay=30)
    backup = next(item for item in admin.get(managed_path(TD_CORP)).json()["items"] if item["username"] == "svc_backup")
    assert admin.post(managed_path(TD_CORP, f"/{backup['id']}/rotate")).status_code == 200, "a locked account"
    checkouts = []
    for client, path in ((admin, "corp.example.com/svc_full"), (user, "dbdomain/app_admin"), (user, "hosts/web01/root")):
        answer = client.post(AZ + "/secrets/checkouts", json={"path": path})
        assert answer.status_code == 200, answer.text
        checkouts.append((client, answer.json()["id"]))
    # A Vault secret with every field: another client's personal secret, roles to read and write, data.
    roles = {role["name"]: role["id"] for role in admin.get("/role-store/api/v1/roles").json()["items"]}
    secret = {"name": "rich/every-field", "owner_id": emu.clients["user2"]["user_id"], "data": {"token": "planted-rich-token", "n": 1},
              "read_roles": [{"id": roles["privx-admin"]}], "write_roles": [{"id": roles["privx-admin"]}, {"id": roles["ops"]}]}
    answer = admin.post("/vault/api/v1/secrets", json=secret)
    assert answer.status_code == 201, answer.text
    return dict(hosts, rich=rich, scanned=alice["id"], full=full_id, checkouts=checkouts,
                identity_provider=make_rich_identity_provider(admin), vault=secret["name"])


def read_everything(emu, admin: Api, user: Api, ids: dict) -> list:
    """(method, template, where, body) of every read endpoint, answered now."""
    ma = managed_path("{targetDomainID}")
    vault, rs = "/vault/api/v1", "/role-store/api/v1"
    mine = {"userID": emu.clients["user"]["user_id"], "name": "notes/user"}
    reads = [
        (admin, "GET", SM + "/targetdomains", {}, None),
        (admin, "POST", SM + "/targetdomains/search", {}, {"keywords": "example"}),
        (admin, "POST", SM + "/targetdomains/resolve", {}, ["dbdomain", "corp.example.com", "no-such-domain"]),
        (admin, "GET", SM + "/targetdomains/{targetDomainID}", {"targetDomainID": ids["rich"]}, None),
        (admin, "GET", SM + "/targetdomains/{targetDomainID}", {"targetDomainID": TD_DB}, None),
        (admin, "GET", SM + "/targetdomains/{targetDomainID}/accounts", {"targetDomainID": TD_CORP}, None),
        (admin, "POST", SM + "/targetdomains/{targetDomainID}/accounts/search", {"targetDomainID": TD_CORP}, {"keywords": "a"}),
        (admin, "GET", SM + "/targetdomains/{targetDomainID}/accounts/{accountID}", {"targetDomainID": TD_CORP, "accountID": ids["scanned"]}, None),
        (admin, "GET", ma, {"targetDomainID": TD_CORP}, None),
        (admin, "GET", ma, {"targetDomainID": TD_DB}, None),
        (admin, "POST", ma + "/search", {"targetDomainID": TD_CORP}, {"keywords": "svc"}),
        (admin, "GET", ma + "/{managedAccountID}", {"targetDomainID": TD_CORP, "managedAccountID": ids["full"]}, None),
        (admin, "GET", SM + "/password-policies", {}, None),
        (admin, "GET", SM + "/password-policy/{passwordPolicyID}", {"passwordPolicyID": POLICY_DEFAULT}, None),
        (user, "GET", AZ + "/secrets", {}, None),
        (user, "POST", AZ + "/secrets/search", {}, {"keywords": "root"}),
        (user, "GET", AZ + "/secrets/checkouts", {}, None),
        (admin, "GET", AZ + "/secrets/checkouts", {}, None),
        (user, "POST", AZ + "/secrets/checkouts", {}, {"path": "hosts/web01/root"}),
        (user, "POST", AZ + "/secrets/checkouts", {}, {"path": "dbdomain/app_admin"}),
        (user, "GET", "/role-store/api/v1/users/current", {}, None),
        (admin, "GET", "/role-store/api/v1/users/current", {}, None),
        (admin, "GET", HS + "/hosts", {}, None),
        (admin, "POST", HS + "/hosts/search", {}, {"keywords": "rich"}),
        (admin, "GET", HS + "/hosts/{hostID}", {"hostID": ids["rich_host"]}, None),
        (admin, "GET", HS + "/hosts/{hostID}", {"hostID": HOST_APP01}, None),
        (admin, "GET", SM + "/host-secret/{hostID}", {"hostID": ids["rich_host"]}, None),
        (admin, "POST", SM + "/host-secret/{hostID}", {"hostID": ids["rich_host"]}, host_secret_body(admin, ids["rich_host"])),
        (admin, "GET", SM + "/script-templates", {}, None),
        (admin, "GET", SM + "/script-template/{scriptTemplateID}", {"scriptTemplateID": TEMPLATE_LINUX}, None),
        (admin, "POST", SM + "/script-template/compile", {}, {"operating_system": "LINUX", "script": "echo {{.Username}}"}),
        (admin, "GET", rs + "/roles", {}, None),
        (admin, "GET", rs + "/roles/{roleID}", {"roleID": BUILTIN_ROLES[0]["id"]}, None),
        (admin, "POST", rs + "/roles/resolve", {}, ["ops", "privx-admin", "no-such-role"]),
        (admin, "GET", vault + "/secrets", {}, None),
        (user, "GET", vault + "/secrets", {}, None),
        (user, "GET", vault + "/secrets/{name:path}", {"name": "db/app"}, None),
        (admin, "GET", vault + "/secrets/{name:path}", {"name": "ops/api-key"}, None),
        (admin, "GET", vault + "/secrets/{name:path}", {"name": ids["vault"]}, None),
        (user, "GET", vault + "/metadata/secrets/{name:path}", {"name": "db/app"}, None),
        (admin, "POST", vault + "/search/secrets", {}, {"keywords": "", "filter": ""}),
        (user, "GET", vault + "/schemas", {}, None),
        (user, "GET", vault + "/user/{userID}/secrets", {"userID": mine["userID"]}, None),
        (user, "GET", vault + "/user/{userID}/secrets/{name:path}", mine, None),
        (user, "GET", vault + "/user/{userID}/metadata/secrets/{name:path}", mine, None),
    ]
    for client, checkout_id in ids["checkouts"]:
        reads.append((client, "GET", AZ + "/secrets/checkouts/{checkoutID}", {"checkoutID": checkout_id}, None))
    reads += [(admin, "GET", path, {}, None) for path in fields.STATUS_SERVICES.values()]
    auditor = Api(emu, "auditor")
    reads += [
        (auditor, "POST", fields.MONITOR + "/auditevents/search", {}, dict.fromkeys(
            ("keywords", "user_id", "connection_id", "host_id", "source_id", "session_id", "access_group_id", "start_time", "end_time"), "")),
        (admin, "GET", fields.MONITOR + "/auditevents", {}, None),
        (auditor, "GET", fields.MONITOR + "/auditevents/codes", {}, None),
        (user, "GET", fields.MONITOR + "/time", {}, None),
    ]
    reads += identity_provider_reads(admin, ids["identity_provider"])
    answers = []
    for client, method, template, params, body in reads:
        path = re.sub(r":(path|text)\}", "}", template).format(**params) if params else template
        answer = client.call(method, path, json=body) if body is not None else client.call(method, path)
        assert answer.status_code == 200, f"{method} {path}: {answer.status_code} {answer.text}"
        answers.append((method, template, f"{client.name} {method} {path}", answer.json()))
    return answers


def host_secret_body(admin: Api, host_id: str) -> dict:
    """What a client read of a host secret, sent back: it replaces the secret with the same."""
    secret = admin.get(f"{SM}/host-secret/{host_id}").json()
    return {"metadata": secret["metadata"], "accounts": [{"account": account["account"]} for account in secret["accounts"]]}


READ_TEMPLATES = {key for key, answer in ANSWERS.items()
                  if answer is not None and answer[1] not in ("Identifier", "IDList", "PasswordVersion", "SecretCreate")}


def run_check(emu, admin: Api, user: Api, rendering: str) -> tuple:
    ids = make_rich(emu, admin, user)
    emu.control.settings(render=rendering)
    answers = read_everything(emu, admin, user, ids)
    assert {(method, template) for method, template, _where, _body in answers} == READ_TEMPLATES, "every read endpoint"
    found = Findings()
    for method, template, where, body in answers:
        check_answer(method, template, body, where, found)
    text = repr([body for _m, _t, _w, body in answers])
    assert ENTRA_SECRET not in text and BIND_SECRET not in text and PLANTED_PASSPHRASE not in text, "write-only secrets stay unread"
    return found, answers


def test_every_read_answer_matches_the_field_tables(emu, admin: Api, user: Api) -> None:
    found, answers = run_check(emu, admin, user, "go")
    missing, mismatched, undeclared = found.counts()
    print(f"\nfield tables, go rendering: {len(answers)} answers, {found.objects} objects of {len(READ_TEMPLATES)} read endpoints: "
          f"{missing} missing always-sent fields, {mismatched} type mismatches, {undeclared} undeclared fields")
    assert (found.missing, found.mismatched, found.undeclared) == ([], [], [])
    # Rich data: every field the emulator ever sets was seen set at least once.
    never_set_here = {("ManagedAccount", "secret_name"), ("SecretCheckout", "secret_name"), ("SecretCheckout", "meta"),
                      ("TargetDomainHandle", "deleted"), ("PasswordPolicyHandle", "deleted"), ("ServiceStatus", "server-mode"),
                      ("ScannedAccount", "additional_data"), ("CurrentUser", "comment"), ("CurrentUser", "full_name"),
                      ("CurrentUser", "email"), ("CurrentUser", "attributes"), ("Role", "implicit"),
                      ("Role", "owner_src"), ("SourceRule", "source"), ("SourceRule", "search_string"),
                      ("SourceRule", "rules"), ("ContextualLimit", "enabled"), ("ContextualLimit", "block_role"),
                      ("ContextualLimit", "validity"), ("ContextualLimit", "start_time"), ("ContextualLimit", "end_time"),
                      ("ContextualLimit", "timezone"), ("SecretCheckout", "host_id"), ("RoleHandle", "deleted"),
                      # read-only fields of a host that the emulator never fills (it parses no certificates, runs no health
                      # checks and has no discovery sources); a deleted host is never answered
                      ("Host", "stand_alone_host"), ("Host", "host_certificate"), ("Host", "status"), ("Host", "deleted")}
    never_set_here |= {("HostCertificateInfo", field.name) for field in OBJECTS["HostCertificateInfo"].fields}
    never_set_here |= {("HostStatus", field.name) for field in OBJECTS["HostStatus"].fields}
    expected = {(table.name, field.name) for table in OBJECTS.values() for field in table.fields
                if field.sent != NEVER and table.name not in ("Identifier", "IDList", "PasswordVersion", "UserAttribute", "SecretCreate")}
    assert sorted(expected - never_set_here - found.set_fields) == []


def test_sparse_rendering_leaves_out_only_empty_fields(emu, admin: Api, user: Api) -> None:
    found, _answers = run_check(emu, admin, user, "sparse")
    assert found.mismatched == [] and found.undeclared == []
    assert found.missing, "the sparse rendering does leave always-sent empty fields out"
    emu.control.settings(render="go")


def test_every_route_has_an_answer_in_the_tables() -> None:
    # The token endpoints (public: no bearer token) answer OAuth 2.0's own shapes, not PrivX models.
    routes = {(route.method, route.template) for route in ROUTES if not route.public}
    assert routes == set(ANSWERS)
    for answer in ANSWERS.values():
        assert answer is None or answer[1] in OBJECTS or answer[0] == "raw"
    for table in OBJECTS.values():
        for field in table.fields:
            assert field.sent in (ALWAYS, WHEN_SET, WHEN_NOT_NIL, NEVER)
            assert field.kind in (STRING, INTEGER, BOOLEAN, DATETIME, MAP, ANY_OBJECT, OBJECT, ARRAY), (table.name, field.name)
            assert field.kind not in (OBJECT, ARRAY) or field.ref in OBJECTS or field.ref == STRING, (table.name, field.name)


def test_docs_page_holds_the_same_tables() -> None:
    with open(os.path.join(REPO, "docs", "privx-api-fields.md"), encoding="utf-8") as handle:
        page = handle.read()
    assert fields.markdown() in page, (
        "docs/privx-api-fields.md differs from fields.py: run python3 tests/emulator/privx_emulator/fields.py --write docs/privx-api-fields.md")


def _collection_module(name: str):
    return importlib.import_module("ansible_collections.privx.secrets.plugins.module_utils." + name)


@pytest.mark.parametrize("table, module, defaults", [
    ("ManagedAccount", "resources.managed_accounts", "RETURNED_ACCOUNT"),
    ("ScannedAccount", "resources.scanned_accounts", "RETURNED_SCANNED_ACCOUNT"),
    ("TargetDomain", "resources.target_domains", "RETURNED_DOMAIN"),
    ("PasswordPolicy", "resources.password_policies", "RETURNED_POLICY"),
    ("AccountSecret", "core.secrets", "RETURNED_ACCOUNT_SECRET"),
])
def test_collection_returns_only_fields_the_models_have(table: str, module: str, defaults: str) -> None:
    returned = set(getattr(_collection_module(module), defaults))
    declared = {field.name for field in OBJECTS[table].fields if field.sent != NEVER}
    assert sorted(returned - declared) == []


def test_the_check_finds_each_kind_of_difference() -> None:
    """The check itself can fail: an answer as the emulator wrote scanned accounts before the tables."""
    found = Findings()
    old_style = {"id": "a1", "username": "alice", "sam_account_name": "alice", "state": "NEW", "ignored": "no",
                 "target_domain": {"id": "t1", "name": "corp", "deleted": False}, "created": "2026-01-01T00:00:00Z",
                 "updated": "yesterday"}
    check_object("ScannedAccount", old_style, "answer", found)
    assert sorted(found.missing) == ["answer.additional_data", "answer.comment", "answer.email", "answer.full_name",
                                     "answer.security_id", "answer.source_id"]
    assert found.undeclared == ["answer.sam_account_name"]
    assert sorted(found.mismatched) == ["answer.ignored: 'no' is not a boolean",
                                        "answer.target_domain.deleted: False sent, though Go's omitempty leaves it out",
                                        "answer.updated: 'yesterday' is not a date-time"]
