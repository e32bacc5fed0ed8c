# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The field tables: every object the collection reads, field by field, as PrivX's Go server marshals it.
#
# This module is the one source of the tables. The emulator renders every answer from them (render.py,
# `marshal`), the field-table test holds every answer of every read endpoint to them, and
# docs/privx-api-fields.md carries them as Markdown (`markdown()`; a test keeps the page equal to it:
# `python3 tests/emulator/privx_emulator/fields.py --write docs/privx-api-fields.md` rewrites it).
#
# How a Go struct field reaches the wire decides each row's `sent`:
# - ALWAYS: the field has no `omitempty`; an empty value goes out as its zero value ("", 0, false; null for a
#   nil slice, map or pointer, [] / {} for an empty one). A non-pointer struct field (a time.Time, a handle)
#   is ALWAYS sent even when tagged `omitempty`: encoding/json never treats a struct as empty.
# - WHEN_SET: `omitempty` on a string, number, bool, slice, map or pointer: left out while empty.
# - WHEN_NOT_NIL: `omitempty` on a pointer to a map (a Vault secret's `data`): left out while nil, sent when it
#   points to an empty map (`{}`), which Go's omitempty does not leave out.
# - NEVER: in the model, but PrivX never returns it (a write-only secret); an answer holding it is wrong.

import argparse
import sys
from typing import NamedTuple

ALWAYS = "always"
WHEN_SET = "when set"
WHEN_NOT_NIL = "when not nil"
NEVER = "never"

# JSON types. 'date-time' is a string in RFC 3339; 'map' an object of string values; 'any object' an object of
# any JSON values (Go's map[string]interface{}); 'object' and 'array' name their element in `ref` (an object of
# this module, or 'string').
STRING, INTEGER, BOOLEAN, DATETIME, MAP, OBJECT, ARRAY = "string", "integer", "boolean", "date-time", "map", "object", "array"
ANY_OBJECT = "any object"

# What stands for "not given" in a table: the Go zero value of the kind.
NULL = None
# A time.Time that was never set marshals as Go's zero time.
GO_ZERO_TIME = "0001-01-01T00:00:00Z"
_SCALAR_ZERO = {STRING: "", INTEGER: 0, BOOLEAN: False, DATETIME: GO_ZERO_TIME}


class Field(NamedTuple):
    name: str
    kind: str
    sent: str = ALWAYS
    ref: str = ""
    # The zero value an ALWAYS field goes out with; for slices, maps and pointers: NULL (nil) or [] / {}.
    zero: object = "scalar"
    note: str = ""

    def zero_value(self):
        if self.zero != "scalar":
            return self.zero
        if self.kind in _SCALAR_ZERO:
            return _SCALAR_ZERO[self.kind]
        if self.kind == OBJECT:
            return "struct"  # a non-pointer struct: its own zero object (render.marshal builds it)
        return NULL


def _f(name, kind, sent=ALWAYS, ref="", zero="scalar", note=""):
    return Field(name, kind, sent, ref, zero, note)


class ObjectTable(NamedTuple):
    name: str
    source: str
    fields: tuple
    note: str = ""

    def field(self, name: str) -> Field | None:
        return next((field for field in self.fields if field.name == name), None)


SM_MODEL = "privx-sdk-go api/secretsmanager/model.go"
AZ_MODEL = "privx-sdk-go api/authorizer/model.go"
RS_MODEL = "privx-sdk-go api/rolestore/model.go"
STATUS_MODEL = "privx-sdk-go api/response/response.go"
VAULT_MODEL = "privx-sdk-go api/vault/model.go"

OBJECTS = {table.name: table for table in (
    ObjectTable("TargetDomain", SM_MODEL + " TargetDomain", (
        _f("id", STRING),
        _f("name", STRING),
        _f("domain_name", STRING),
        _f("enabled", BOOLEAN),
        _f("periodic_scan", BOOLEAN),
        _f("periodic_scan_interval", INTEGER),
        _f("scan_status", STRING, WHEN_SET, note="absent until the first scan; SCANNING, SUCCESS or ERROR"),
        _f("scan_message", STRING, WHEN_SET, note="why the last scan failed"),
        _f("last_scanned", DATETIME, WHEN_SET, note="pointer: absent until a scan succeeded"),
        _f("auto_onboarding", BOOLEAN),
        _f("auto_onboarding_policy", OBJECT, WHEN_SET, "PasswordPolicyHandle", note="pointer: absent without a policy"),
        _f("endpoints", ARRAY, ALWAYS, "TargetDomainEndpoint", NULL, "nil slice: null for a domain without endpoints"),
        _f("comment", STRING),
        _f("created", DATETIME, note="time.Time: tagged omitempty, sent anyway"),
        _f("author", STRING, WHEN_SET),
        _f("updated", DATETIME, note="time.Time: tagged omitempty, sent anyway"),
        _f("updated_by", STRING, WHEN_SET),
    )),
    ObjectTable("TargetDomainEndpoint", SM_MODEL + " TargetDomainEndpoint", (
        _f("type", STRING),
        _f("scan_priority", INTEGER),
        _f("rotation_priority", INTEGER),
        _f("attribute_mapping", MAP, WHEN_SET),
        _f("ldap_protocol", STRING, WHEN_SET),
        _f("ldap_address", STRING, WHEN_SET),
        _f("ldap_port", INTEGER, WHEN_SET),
        _f("ldap_base_dn", STRING, WHEN_SET),
        _f("ldap_bind_dn", STRING, WHEN_SET),
        _f("ldap_bind_password", STRING, NEVER, note="write-only"),
        _f("ldap_user_filter", STRING, WHEN_SET),
        _f("ldap_root_certificates", STRING, WHEN_SET),
        _f("ldap_skip_strict_cert_check", BOOLEAN, WHEN_SET, note="omitempty bool: absent while false"),
        _f("entra_base_url", STRING, WHEN_SET),
        _f("entra_tenant_id", STRING, WHEN_SET),
        _f("entra_client_id", STRING, WHEN_SET),
        _f("entra_client_secret", STRING, NEVER, note="write-only"),
        _f("entra_batch_size", INTEGER, WHEN_SET),
        _f("entra_page_size", INTEGER, WHEN_SET),
        _f("entra_group_filter", ARRAY, WHEN_SET, "string"),
    )),
    ObjectTable("PasswordPolicyHandle", SM_MODEL + " PasswordPolicyHandle", (
        _f("id", STRING, WHEN_SET),
        _f("name", STRING, WHEN_SET),
        _f("deleted", BOOLEAN, WHEN_SET),
    ), "every field omitempty"),
    ObjectTable("TargetDomainHandle", SM_MODEL + " TargetDomainHandle (the authorizer's is the same)", (
        _f("id", STRING),
        _f("name", STRING, WHEN_SET),
        _f("deleted", BOOLEAN, WHEN_SET),
    )),
    ObjectTable("ScannedAccount", SM_MODEL + " ScannedAccount", (
        _f("id", STRING),
        _f("username", STRING),
        _f("email", STRING),
        _f("full_name", STRING),
        _f("source_id", STRING),
        _f("security_id", STRING),
        _f("additional_data", MAP, ALWAYS, zero=NULL, note="nil map: null when the directory gave nothing more"),
        _f("target_domain", OBJECT, ALWAYS, "TargetDomainHandle"),
        _f("state", STRING),
        _f("ignored", BOOLEAN),
        _f("comment", STRING),
        _f("created", DATETIME, note="time.Time: tagged omitempty, sent anyway"),
        _f("updated", DATETIME, note="time.Time: tagged omitempty, sent anyway"),
        _f("updated_by", STRING, WHEN_SET),
    ), "no sam_account_name: the model has none (the API reference lists one)"),
    ObjectTable("ManagedAccount", SM_MODEL + " ManagedAccount", (
        _f("id", STRING),
        _f("username", STRING),
        _f("email", STRING, WHEN_SET),
        _f("full_name", STRING, WHEN_SET),
        _f("sam_account_name", STRING, WHEN_SET),
        _f("source_id", STRING, WHEN_SET),
        _f("security_id", STRING, WHEN_SET),
        _f("additional_data", MAP, WHEN_SET),
        _f("target_domain", OBJECT, ALWAYS, "TargetDomainHandle"),
        _f("password_policy", OBJECT, WHEN_SET, "PasswordPolicyHandle", note="pointer: absent without a policy"),
        _f("enabled", BOOLEAN),
        _f("rotation_enabled", BOOLEAN),
        _f("explicit_checkout", BOOLEAN),
        _f("state", STRING),
        _f("comment", STRING, WHEN_SET),
        _f("secret_name", STRING, WHEN_SET, note="not in the API reference; the emulator never sets it"),
        _f("locked", BOOLEAN),
        _f("locked_timestamp", DATETIME, WHEN_SET, note="pointer: only while locked"),
        _f("rotation_history", ARRAY, WHEN_SET, "SecretRotationEvent"),
        _f("checkouts", ARRAY, WHEN_SET, "SecretCheckout", note="the caller's live checkouts, with secret values"),
        _f("created", DATETIME, note="time.Time: tagged omitempty, sent anyway"),
        _f("author", STRING, WHEN_SET),
        _f("updated", DATETIME, WHEN_SET, note="pointer"),
        _f("updated_by", STRING, WHEN_SET),
        _f("disable_rdp_cert_auth", BOOLEAN),
    )),
    ObjectTable("SecretRotationEvent", SM_MODEL + " SecretRotationEvent", (
        _f("version", INTEGER),
        _f("rotated", DATETIME),
        _f("trigger", STRING),
        _f("status", STRING),
    )),
    ObjectTable("SecretCheckout", SM_MODEL + " SecretCheckout (inside a ManagedAccount)", (
        _f("id", STRING),
        _f("type", STRING),
        _f("user_id", STRING),
        _f("expires", DATETIME),
        _f("created", DATETIME),
        _f("explicit_checkout", BOOLEAN),
        _f("secrets", ARRAY, WHEN_SET, "SecretVersion"),
        _f("username", STRING),
        _f("email", STRING, WHEN_SET),
        _f("full_name", STRING, WHEN_SET),
        _f("target_domain_id", STRING, WHEN_SET),
        _f("managed_account_id", STRING, WHEN_SET),
        _f("host_id", STRING, WHEN_SET),
        _f("secret_name", STRING, WHEN_SET),
        _f("meta", STRING, WHEN_SET, note="a string in the model, an object in the API reference; never set here"),
    )),
    ObjectTable("SecretVersion", SM_MODEL + " SecretVersion / " + AZ_MODEL + " Secrets", (
        _f("version", INTEGER),
        _f("secret", STRING),
        _f("created", DATETIME),
    )),
    ObjectTable("PasswordPolicy", SM_MODEL + " PasswordPolicy", (
        _f("id", STRING),
        _f("name", STRING),
        _f("rotation_interval", STRING),
        _f("password_min_length", INTEGER),
        _f("password_max_length", INTEGER),
        _f("use_special_characters", BOOLEAN),
        _f("use_lower_case", BOOLEAN),
        _f("use_upper_case", BOOLEAN),
        _f("use_numbers", BOOLEAN),
        _f("max_versions", INTEGER),
        _f("number_of_retries", INTEGER),
        _f("retry_interval", STRING),
        _f("max_concurrent_checkouts", INTEGER),
        _f("max_checkout_duration", STRING),
        _f("rotate_on_release", BOOLEAN),
        _f("verify_after_rotation", BOOLEAN),
        _f("created", DATETIME, WHEN_SET, note="pointer"),
        _f("created_by", STRING),
        _f("updated", DATETIME, WHEN_SET, note="pointer"),
        _f("updated_by", STRING),
    )),
    ObjectTable("AccountSecret", AZ_MODEL + " HostAccountSecret", (
        _f("path", STRING),
        _f("type", STRING),
        _f("username", STRING),
        _f("email", STRING, WHEN_SET),
        _f("full_name", STRING, WHEN_SET),
        _f("target_domain", OBJECT, ALWAYS, "TargetDomainHandle", note="struct: {\"id\": \"\"} on a host secret"),
        _f("host", OBJECT, ALWAYS, "HostPrincipalsHandle", note="struct: {\"id\": \"\", \"addresses\": null} on a target domain secret"),
        _f("created", DATETIME, WHEN_SET, note="a string in the model"),
        _f("updated", DATETIME, WHEN_SET, note="a string in the model"),
    )),
    ObjectTable("HostPrincipalsHandle", AZ_MODEL + " HostPrincipalsHandle", (
        _f("id", STRING),
        _f("addresses", ARRAY, ALWAYS, "string", NULL, "nil slice: null without a host"),
        _f("common_name", STRING, WHEN_SET),
        _f("external_id", STRING, WHEN_SET),
        _f("instance_id", STRING, WHEN_SET),
    )),
    ObjectTable("Checkout", AZ_MODEL + " Checkout", (
        _f("id", STRING),
        _f("path", STRING),
        _f("type", STRING),
        _f("expires", DATETIME),
        _f("created", DATETIME),
        _f("explicit_checkout", BOOLEAN),
        _f("secrets", ARRAY, ALWAYS, "SecretVersion", NULL),
        _f("username", STRING),
        _f("email", STRING, WHEN_SET),
        _f("full_name", STRING, WHEN_SET),
        _f("host", OBJECT, ALWAYS, "HostPrincipalsHandle", note="struct: sent on a target domain checkout too"),
        _f("target_domain", OBJECT, ALWAYS, "TargetDomainHandle", note="struct: sent on a host checkout too"),
        _f("managed_account_id", STRING, WHEN_SET),
        _f("user_id", STRING),
    )),
    ObjectTable("ServiceStatus", STATUS_MODEL + " ServiceStatus", (
        _f("variant", STRING, WHEN_SET),
        _f("version", STRING, WHEN_SET),
        _f("api_version", STRING, WHEN_SET),
        _f("status", STRING, WHEN_SET),
        _f("status_message", STRING, WHEN_SET),
        _f("app_id", STRING, WHEN_SET),
        _f("server-mode", STRING, WHEN_SET),
        _f("status_details", ARRAY, WHEN_SET, "KeyValue"),
        _f("start_time", DATETIME, note="time.Time: tagged omitempty, sent anyway"),
    ), "the answer of every service's GET .../api/v1/status"),
    ObjectTable("KeyValue", STATUS_MODEL + " KeyValue", (
        _f("k", STRING),
        _f("v", STRING),
    )),
    ObjectTable("CurrentUser", RS_MODEL + " User", (
        _f("id", STRING, WHEN_SET),
        _f("principal", STRING, WHEN_SET),
        _f("source", STRING, WHEN_SET),
        _f("source_type", STRING, WHEN_SET),
        _f("comment", STRING, WHEN_SET),
        _f("full_name", STRING, WHEN_SET),
        _f("email", STRING, WHEN_SET),
        _f("roles", ARRAY, ALWAYS, "Role", NULL),
        _f("attributes", ARRAY, ALWAYS, "UserAttribute", NULL),
        _f("permissions", ARRAY, ALWAYS, "string", NULL, "the union of the roles' permissions"),
    ), "the Go SDK reads users/current raw (json.RawMessage); the table follows its User model, cut to the "
       "fields the collection reads (User's MFA, settings and key fields are not read, and the emulator sends none)"),
    ObjectTable("Role", RS_MODEL + " Role", (
        _f("id", STRING),
        _f("created", DATETIME, WHEN_SET, note="a string in the model; PrivX's own roles have none"),
        _f("updated", DATETIME, WHEN_SET, note="a string in the model"),
        _f("author", STRING, WHEN_SET, note="a name (`Superuser` on PrivX's own roles), not a user id"),
        _f("updatedby", STRING, WHEN_SET, note="spelled without an underscore (the API reference's example says updated_by)"),
        _f("name", STRING, WHEN_SET),
        _f("explicit", BOOLEAN, WHEN_SET, note="no omitempty in the model, yet a captured role-store answer leaves false out; "
           "true on the caller's own roles in users/current"),
        _f("implicit", BOOLEAN, WHEN_SET, note="as explicit"),
        _f("system", BOOLEAN, WHEN_SET, note="as explicit: only PrivX's own roles carry it (true)"),
        _f("comment", STRING, WHEN_SET),
        _f("permissions", ARRAY, ALWAYS, "string", [], "`[]` on privx-admin in a captured answer"),
        _f("access_group_id", STRING),
        _f("owner_src", STRING),
        _f("source_rules", OBJECT, ALWAYS, "SourceRule", note="struct: tagged omitempty, sent anyway"),
        _f("context", OBJECT, ALWAYS, "ContextualLimit"),
    ), "Role's other fields (grant window, AWS, member counts, keys, permit_agent) are all omitempty and not read. Where "
       "the model and a captured role-store answer disagree on omitempty, the table follows the answer"),
    ObjectTable("RoleHandle", RS_MODEL + " RoleHandle", (
        _f("id", STRING),
        _f("name", STRING, note="ignored in requests: PrivX fills it in from the id"),
        _f("deleted", BOOLEAN, WHEN_SET, note="true once the role is gone"),
    ), "a role as a Vault secret's read_roles and write_roles name it"),
    ObjectTable("VaultSecret", VAULT_MODEL + " Secret (SecretRequest's fields embedded)", (
        _f("name", STRING),
        _f("read_roles", ARRAY, ALWAYS, "RoleHandle", NULL, "nil slice: null without roles"),
        _f("write_roles", ARRAY, ALWAYS, "RoleHandle", NULL, "nil slice: null without roles"),
        _f("data", ANY_OBJECT, WHEN_NOT_NIL, note="a pointer: only in a single secret's answer to a caller who may read "
           "it; `{}` when the secret holds an empty object"),
        _f("owner_id", STRING, WHEN_SET, note="the owner's user id, on a personal secret only"),
        _f("created", DATETIME, note="time.Time"),
        _f("updated", DATETIME, note="time.Time"),
        _f("updated_by", STRING, note="a user id"),
        _f("author", STRING, note="a user id"),
        _f("path", STRING, note="undocumented; the emulator sends secrets/<name> or user/<owner id>/secrets/<name>"),
    )),
    ObjectTable("SecretCreate", VAULT_MODEL + " SecretCreate", (
        _f("name", STRING),
    ), "the answer of a Vault create"),
    ObjectTable("SourceRule", RS_MODEL + " SourceRule", (
        _f("type", STRING, WHEN_SET),
        _f("source", STRING, WHEN_SET),
        _f("search_string", STRING, WHEN_SET),
        _f("match", STRING, WHEN_SET),
        _f("rules", ARRAY, ALWAYS, "SourceRule", NULL),
    )),
    ObjectTable("ContextualLimit", RS_MODEL + " ContextualLimit", (
        _f("enabled", BOOLEAN),
        _f("block_role", BOOLEAN, WHEN_SET),
        _f("validity", ARRAY, ALWAYS, "string", NULL),
        _f("start_time", STRING),
        _f("end_time", STRING),
        _f("timezone", STRING),
        _f("ip_masks", ARRAY, ALWAYS, "string", NULL),
    )),
    ObjectTable("UserAttribute", RS_MODEL + " UserAttribute", (
        _f("key", STRING),
        _f("value", STRING),
    )),
    ObjectTable("Identifier", "privx-sdk-go api/response/response.go Identifier", (
        _f("id", STRING),
    ), "the answer of a create"),
    ObjectTable("IDList", SM_MODEL + " IDList", (
        _f("ids", ARRAY, ALWAYS, "string", NULL),
    ), "the answer of a batch create"),
    ObjectTable("PasswordVersion", "the provide-password answer (docs/privx-api.md); no Go model", (
        _f("version", INTEGER),
        _f("created", DATETIME),
    )),
)}

# What each endpoint answers: (method, path template) -> ('object' | 'list' | 'checkout' | 'raw', object name),
# or None for an empty body. 'list' is {count, items: [...]}; 'checkout' is an object, or the same as a list
# when the emulator wraps checkouts (docs/privx-api.md); 'raw' is JSON that PrivX passes through as it is
# configured (no model). The path templates are those of routes.py.
SM = "/secrets-manager/api/v1"
AZ = "/authorizer/api/v1"
RS = "/role-store/api/v1"
TD = SM + "/targetdomains/{targetDomainID}"
MA = TD + "/managedaccounts"
POLICY = SM + "/password-policy"
VAULT = "/vault/api/v1"
USER_SECRETS = VAULT + "/user/{userID}/secrets"
RAW = ("raw", "JSON")

ANSWERS = {
    ("GET", SM + "/targetdomains"): ("list", "TargetDomain"),
    ("POST", SM + "/targetdomains"): ("object", "Identifier"),
    ("POST", SM + "/targetdomains/search"): ("list", "TargetDomain"),
    ("GET", TD): ("object", "TargetDomain"),
    ("PUT", TD): None,
    ("DELETE", TD): None,
    ("POST", TD + "/refresh"): None,
    ("GET", TD + "/accounts"): ("list", "ScannedAccount"),
    ("POST", TD + "/accounts/search"): ("list", "ScannedAccount"),
    ("GET", TD + "/accounts/{accountID}"): ("object", "ScannedAccount"),
    ("PUT", TD + "/accounts/{accountID}"): None,
    ("POST", TD + "/accounts/batch/edit"): None,
    ("GET", MA): ("list", "ManagedAccount"),
    ("POST", MA): ("object", "Identifier"),
    ("POST", MA + "/search"): ("list", "ManagedAccount"),
    ("GET", MA + "/{managedAccountID}"): ("object", "ManagedAccount"),
    ("PUT", MA + "/{managedAccountID}"): None,
    ("DELETE", MA + "/{managedAccountID}"): None,
    ("POST", MA + "/{managedAccountID}/rotate"): None,
    ("POST", MA + "/{managedAccountID}/password"): ("object", "PasswordVersion"),
    ("POST", MA + "/batch/create"): ("object", "IDList"),
    ("POST", MA + "/batch/edit"): None,
    ("POST", MA + "/batch/delete"): None,
    ("POST", MA + "/batch/rotate"): None,
    ("GET", SM + "/password-policies"): ("list", "PasswordPolicy"),
    ("POST", POLICY): ("object", "Identifier"),
    ("GET", POLICY + "/{passwordPolicyID}"): ("object", "PasswordPolicy"),
    ("PUT", POLICY + "/{passwordPolicyID}"): None,
    ("DELETE", POLICY + "/{passwordPolicyID}"): None,
    ("GET", AZ + "/secrets"): ("list", "AccountSecret"),
    ("POST", AZ + "/secrets/search"): ("list", "AccountSecret"),
    ("GET", AZ + "/secrets/checkouts"): ("list", "Checkout"),
    ("POST", AZ + "/secrets/checkouts"): ("checkout", "Checkout"),
    ("GET", AZ + "/secrets/checkouts/{checkoutID}"): ("object", "Checkout"),
    ("POST", AZ + "/secrets/checkouts/{checkoutID}/release"): None,
    ("GET", RS + "/users/current"): ("object", "CurrentUser"),
    ("GET", RS + "/roles"): ("list", "Role"),
    ("POST", RS + "/roles/resolve"): ("list", "Role"),
    ("GET", RS + "/roles/{roleID}"): ("object", "Role"),
    ("GET", VAULT + "/secrets"): ("list", "VaultSecret"),
    ("POST", VAULT + "/secrets"): ("object", "SecretCreate"),
    ("GET", VAULT + "/secrets/{name:path}"): ("object", "VaultSecret"),
    ("PUT", VAULT + "/secrets/{name:path}"): None,
    ("DELETE", VAULT + "/secrets/{name:path}"): None,
    ("GET", VAULT + "/metadata/secrets/{name:path}"): ("object", "VaultSecret"),
    ("POST", VAULT + "/search/secrets"): ("list", "VaultSecret"),
    ("GET", VAULT + "/schemas"): RAW,
    ("GET", USER_SECRETS): ("list", "VaultSecret"),
    ("POST", USER_SECRETS): ("object", "SecretCreate"),
    ("GET", USER_SECRETS + "/{name:path}"): ("object", "VaultSecret"),
    ("PUT", USER_SECRETS + "/{name:path}"): None,
    ("DELETE", USER_SECRETS + "/{name:path}"): None,
    ("GET", VAULT + "/user/{userID}/metadata/secrets/{name:path}"): ("object", "VaultSecret"),
}
# The services whose status the preflight reads (the SDKs' Status() calls, each GET <prefix>/api/v1/status).
STATUS_SERVICES = {
    "secrets-manager": "/secrets-manager/api/v1/status",
    "authorizer": "/authorizer/api/v1/status",
    "vault": "/vault/api/v1/status",
    "role-store": "/role-store/api/v1/status",
    "host-store": "/host-store/api/v1/status",
    "auth": "/auth/api/v1/status",
}
ANSWERS.update({("GET", path): ("object", "ServiceStatus") for path in STATUS_SERVICES.values()})


# -- Markdown -------------------------------------------------------------------------------------------

BEGIN = "<!-- field tables: generated from tests/emulator/privx_emulator/fields.py; do not edit by hand -->"
END = "<!-- end of field tables -->"


def _type_text(field: Field) -> str:
    if field.kind == OBJECT:
        return f"object ({field.ref})"
    if field.kind == ARRAY:
        return f"array of {field.ref}"
    return field.kind


def _sent_text(field: Field) -> str:
    if field.sent != ALWAYS:
        return field.sent
    zero = field.zero_value()
    if zero == "struct":
        return "always (empty: its zero object)"
    if zero is NULL:
        return "always (empty: null)"
    return f"always (empty: `{_json(zero)}`)"


def _json(value) -> str:
    if value is False:
        return "false"
    if value == "":
        return '""'
    return str(value)


def markdown() -> str:
    """The tables as docs/privx-api-fields.md holds them, between BEGIN and END."""
    lines = [BEGIN, ""]
    for table in OBJECTS.values():
        lines.append(f"### {table.name}")
        lines.append("")
        lines.append(f"From {table.source}." + (f" {table.note[0].upper()}{table.note[1:]}." if table.note else ""))
        lines.append("")
        lines.append("| field | JSON type | sent | note |")
        lines.append("|---|---|---|---|")
        for field in table.fields:
            lines.append(f"| `{field.name}` | {_type_text(field)} | {_sent_text(field)} | {field.note} |")
        lines.append("")
    lines.append("### Endpoints and the object they answer")
    lines.append("")
    lines.append("| method | path | answer |")
    lines.append("|---|---|---|")
    for (method, path), answer in ANSWERS.items():
        if answer is None:
            text = "empty"
        elif answer[0] == "list":
            text = f"`{{count, items}}` of {answer[1]}"
        elif answer[0] == "checkout":
            text = f"{answer[1]}, or `{{count, items}}` of {answer[1]}"
        elif answer[0] == "raw":
            text = "JSON as PrivX is configured (no model)"
        else:
            text = answer[1]
        lines.append(f"| {method} | `{path}` | {text} |")
    lines.append("")
    lines.append(END)
    return "\n".join(lines)


def replace_tables(page: str) -> str:
    head, _begin, rest = page.partition(BEGIN)
    _tables, _end, tail = rest.partition(END)
    return head + markdown() + tail


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Print the field tables as Markdown, or rewrite them in a page.")
    parser.add_argument("--write", metavar="PAGE", help="replace the tables between the markers of PAGE")
    args = parser.parse_args(argv)
    if not args.write:
        print(markdown())
        return 0
    with open(args.write, encoding="utf-8") as handle:
        page = handle.read()
    if BEGIN not in page or END not in page:
        print(f"{args.write} has no field table markers", file=sys.stderr)
        return 1
    with open(args.write, "w", encoding="utf-8") as handle:
        handle.write(replace_tables(page))
    return 0


if __name__ == "__main__":
    sys.exit(main())
