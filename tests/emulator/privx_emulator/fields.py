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
# - WHEN_NOT_NIL: `omitempty` on a pointer (to a bool, number, string, struct or map): left out only while nil, so a
#   pointer to false, 0, "" or an empty map is sent (a client that set `tofu: false` reads it back; a Vault
#   secret's `data` of `{}` is sent as `{}`).
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
HS_MODEL = "privx-sdk-go api/hoststore/model.go"
STATUS_MODEL = "privx-sdk-go api/response/response.go"
MONITOR_MODEL = "privx-sdk-go api/monitor/model.go"
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
    ObjectTable("ScriptTemplate", SM_MODEL + " ScriptTemplate", (
        _f("id", STRING),
        _f("name", STRING),
        _f("operating_system", STRING, note="LINUX or WINDOWS"),
        _f("script", STRING, note="a Go text/template (docs/privx-api-admin.md)"),
        _f("created", DATETIME, WHEN_SET, note="pointer"),
        _f("created_by", STRING),
        _f("updated", DATETIME, WHEN_SET, note="pointer"),
        _f("updated_by", STRING),
    )),
    ObjectTable("CompileScriptResponse", SM_MODEL + " CompileScriptResponse", (
        _f("script", STRING, note="the script rendered with test data"),
    )),
    ObjectTable("HostSecretMetadata", SM_MODEL + " HostSecretMetadata", (
        _f("metadata", OBJECT, ALWAYS, "HostSecret"),
        _f("accounts", ARRAY, ALWAYS, "HostSecretAccount", NULL),
    ), "the answer of GET and POST .../host-secret/{host_id}"),
    ObjectTable("HostSecret", SM_MODEL + " HostSecret", (
        _f("host_id", STRING),
        _f("access_group_id", STRING),
        _f("address", STRING),
        _f("port", INTEGER),
        _f("operating_system", STRING, note="linux or windows: lower case here, as the API reference has it"),
        _f("protocol", STRING, note="SSH or WINRM"),
        _f("certificate_validation_options", STRING),
        _f("winrm_host_certificate_trust_anchors", STRING),
        _f("use_main_account", BOOLEAN),
        _f("main_account", STRING),
        _f("policy_id", STRING, note="the API reference calls it password_policy_id; the model's name is sent"),
        _f("script_template_id", STRING),
        _f("created", DATETIME, WHEN_SET, note="pointer"),
        _f("created_by", STRING),
        _f("updated", DATETIME, WHEN_SET, note="pointer"),
        _f("updated_by", STRING),
    )),
    ObjectTable("HostSecretAccount", SM_MODEL + " AccountSecret", (
        _f("account", STRING),
        _f("host_id", STRING),
        _f("rotation_initiate", DATETIME, WHEN_SET, note="sic; pointer: while a rotation runs"),
        _f("last_rotated", DATETIME, WHEN_SET, note="pointer"),
        _f("last_error", DATETIME, WHEN_SET, note="pointer: the last failed rotation; cleared by a success"),
        _f("last_error_details", STRING),
        _f("initial_password", STRING, NEVER, note="write-only"),
        _f("created", DATETIME, WHEN_SET, note="pointer"),
        _f("created_by", STRING),
    )),
    ObjectTable("Host", HS_MODEL + " Host", (
        _f("id", STRING),
        _f("deployable", BOOLEAN, WHEN_NOT_NIL, note="*bool"),
        _f("tofu", BOOLEAN, WHEN_NOT_NIL, note="*bool"),
        _f("toch", BOOLEAN, ALWAYS, zero=NULL, note="*bool without omitempty: null while unset"),
        _f("stand_alone_host", BOOLEAN, note="read-only"),
        _f("external_id", STRING),
        _f("instance_id", STRING),
        _f("ssh_host_public_keys", ARRAY, ALWAYS, "HostSSHPubKeys", NULL),
        _f("host_certificate_raw", STRING),
        _f("host_certificate", OBJECT, WHEN_NOT_NIL, "HostCertificateInfo", note="read-only; the emulator parses no certificate"),
        _f("contact_address", STRING),
        _f("password_rotation_enabled", BOOLEAN),
        _f("services", ARRAY, ALWAYS, "HostService", NULL),
        _f("principals", ARRAY, ALWAYS, "HostPrincipals", NULL, "the host's accounts"),
        _f("password_rotation", OBJECT, WHEN_NOT_NIL, "RotationMetadata", note="pointer: absent without rotation settings"),
        _f("source_id", STRING),
        _f("access_group_id", STRING),
        _f("cloud_provider", STRING),
        _f("cloud_provider_region", STRING),
        _f("status", ARRAY, ALWAYS, "HostStatus", NULL, "read-only"),
        _f("created", DATETIME, zero="", note="read-only; a string in the model"),
        _f("updated", DATETIME, zero="", note="read-only; a string in the model"),
        _f("updated_by", STRING, note="read-only"),
        _f("distinguished_name", STRING),
        _f("common_name", STRING),
        _f("organization", STRING),
        _f("organizational_unit", STRING),
        _f("zone", STRING),
        _f("scope", ARRAY, ALWAYS, "string", NULL),
        _f("host_type", STRING),
        _f("host_classification", STRING),
        _f("comment", STRING),
        _f("addresses", ARRAY, ALWAYS, "string", NULL),
        _f("audit_enabled", BOOLEAN, WHEN_NOT_NIL, note="*bool"),
        _f("tags", ARRAY, ALWAYS, "string", NULL, "answered sorted"),
        _f("user_message", STRING),
        _f("disabled", STRING, note="a string in the model"),
        _f("session_recording_options", OBJECT, WHEN_NOT_NIL, "SessionRecordingOptions"),
        _f("deleted", BOOLEAN, WHEN_SET, note="read-only"),
    )),
    ObjectTable("HostSSHPubKeys", HS_MODEL + " HostSSHPubKeys", (
        _f("key", STRING),
        _f("fingerprint", STRING),
    )),
    ObjectTable("HostCertificateInfo", HS_MODEL + " HostCertificateInfo", (
        _f("subject", STRING, WHEN_SET),
        _f("issuer", STRING, WHEN_SET),
        _f("serial", STRING, WHEN_SET),
        _f("not_before", STRING, WHEN_SET),
        _f("not_after", STRING, WHEN_SET),
        _f("dns_names", ARRAY, WHEN_SET, "string"),
        _f("email_addresses", ARRAY, WHEN_SET, "string"),
        _f("ip_addresses", ARRAY, WHEN_SET, "string"),
        _f("uris", ARRAY, WHEN_SET, "string"),
        _f("fingerprint_sha1", STRING, WHEN_SET),
        _f("fingerprint_sha256", STRING, WHEN_SET),
    ), "every field omitempty"),
    ObjectTable("HostStatus", HS_MODEL + " HostStatus", (
        _f("k", STRING),
        _f("v", STRING),
    )),
    ObjectTable("SessionRecordingOptions", HS_MODEL + " SessionRecordingOptions", (
        _f("disable_clipboard_recording", BOOLEAN),
        _f("disable_file_transfer_recording", BOOLEAN),
    )),
    ObjectTable("HostService", HS_MODEL + " HostService", (
        _f("service", STRING, note="SSH, RDP, WEB, VNC, DB, ..."),
        _f("address", STRING),
        _f("port", INTEGER),
        _f("use_for_password_rotation", BOOLEAN),
        _f("ssh_tunnel_port", INTEGER),
        _f("use_plaintext_vnc", BOOLEAN),
        _f("source", STRING),
        _f("realm", STRING, WHEN_SET),
        _f("login_page_url", STRING),
        _f("username_field_name", STRING),
        _f("password_field_name", STRING),
        _f("login_request_url", STRING),
        _f("login_request_password_property", STRING),
        _f("auth_type", STRING),
        _f("status", STRING, note="health check result; the emulator runs none"),
        _f("status_updated", STRING),
        _f("allowed_domains", ARRAY, ALWAYS, "string", NULL),
        _f("browser", STRING),
        _f("kiosk_mode", BOOLEAN),
        _f("enable_urlbar", BOOLEAN),
        _f("enable_navibar", BOOLEAN),
        _f("autohide_navibar", BOOLEAN),
        _f("enable_devtools", BOOLEAN),
        _f("enable_popups", BOOLEAN),
        _f("enable_web_compatibility_mode", BOOLEAN),
        _f("timezone", STRING),
        _f("idle_time_limit", INTEGER),
        _f("web_x11_backend", STRING),
        _f("service_version", STRING),
        _f("created", DATETIME, note="time.Time"),
        _f("updated", DATETIME, note="time.Time"),
        _f("certificate_template", STRING),
        _f("allow_modified_web_params", BOOLEAN),
        _f("protocol_version", STRING, WHEN_SET),
        _f("latency_in_microseconds", INTEGER, WHEN_SET),
        _f("db", OBJECT, ALWAYS, "HostServiceDBParameters"),
        _f("use_legacy_cipher_suites", BOOLEAN),
        _f("tls_min_version", STRING),
        _f("tls_max_version", STRING),
        _f("rds_type", STRING),
        _f("rds_lb", OBJECT, ALWAYS, "HostServiceRDSLoadBalancerParams"),
        _f("rds_broker", OBJECT, ALWAYS, "HostServiceRDSBrokerParams"),
    )),
    ObjectTable("HostServiceDBParameters", HS_MODEL + " HostServiceDBParameters", (
        _f("protocol", STRING),
        _f("tls_certificate_validation", STRING),
        _f("tls_certificate_trust_anchors", STRING),
        _f("audit_skip_bytes", INTEGER),
    )),
    ObjectTable("HostServiceRDSLoadBalancerParams", HS_MODEL + " HostServiceRDSLoadBalancerParams", (
        _f("session_hosts_count", INTEGER, WHEN_SET),
    )),
    ObjectTable("HostServiceRDSBrokerParams", HS_MODEL + " HostServiceRDSBrokerParams", (
        _f("broker_hostname", STRING, WHEN_SET),
        _f("broker_port", INTEGER, WHEN_SET),
        _f("collection_name", STRING, WHEN_SET),
        _f("session_hosts_count", INTEGER, WHEN_SET),
    )),
    ObjectTable("HostPrincipals", HS_MODEL + " HostPrincipals", (
        _f("principal", STRING, note="the account's name"),
        _f("target_domain", OBJECT, WHEN_NOT_NIL, "TargetDomainHandle"),
        _f("passphrase", STRING, note="write-only: answered as ******** when one is stored, else empty"),
        _f("rotate", BOOLEAN),
        _f("use_for_password_rotation", BOOLEAN, note="the main account that rotates the others"),
        _f("username_attribute", STRING),
        _f("use_user_account", BOOLEAN),
        _f("source", STRING),
        _f("roles", ARRAY, ALWAYS, "HostRole", NULL),
        _f("applications", ARRAY, ALWAYS, "HostPrincipalApplications", NULL),
        _f("service_options", OBJECT, WHEN_NOT_NIL, "HostServiceOptions"),
        _f("command_restrictions", OBJECT, ALWAYS, "HostCommandRestrictions", note="struct: tagged omitempty, sent anyway"),
    )),
    ObjectTable("HostRole", HS_MODEL + " HostRole", (
        _f("id", STRING),
        _f("name", STRING),
        _f("deleted", BOOLEAN, WHEN_SET),
    )),
    ObjectTable("HostPrincipalApplications", HS_MODEL + " HostPrincipalApplications", (
        _f("name", STRING, WHEN_SET),
        _f("application", STRING, WHEN_SET),
        _f("arguments", STRING, WHEN_SET),
        _f("working_directory", STRING, WHEN_SET),
    ), "every field omitempty"),
    ObjectTable("HostServiceOptions", HS_MODEL + " HostServiceOptions", (
        _f("ssh", OBJECT, WHEN_NOT_NIL, "SSHServiceOptions"),
        _f("rdp", OBJECT, WHEN_NOT_NIL, "RDPServiceOptions"),
        _f("web", OBJECT, WHEN_NOT_NIL, "WebServiceOptions"),
        _f("vnc", OBJECT, WHEN_NOT_NIL, "VNCServiceOptions"),
        _f("db", OBJECT, WHEN_NOT_NIL, "DBServiceOptions"),
    )),
    ObjectTable("SSHServiceOptions", HS_MODEL + " SSHServiceOptions", (
        _f("shell", BOOLEAN),
        _f("file_transfer", BOOLEAN),
        _f("exec", BOOLEAN),
        _f("tunnels", BOOLEAN),
        _f("x11", BOOLEAN),
        _f("other", BOOLEAN),
    )),
    ObjectTable("RDPServiceOptions", HS_MODEL + " RDPServiceOptions", (
        _f("file_transfer", BOOLEAN),
        _f("audio", BOOLEAN),
        _f("clipboard", BOOLEAN),
    )),
    ObjectTable("WebServiceOptions", HS_MODEL + " WebServiceOptions", (
        _f("file_transfer", BOOLEAN),
        _f("audio", BOOLEAN),
        _f("clipboard", BOOLEAN),
    )),
    ObjectTable("VNCServiceOptions", HS_MODEL + " VNCServiceOptions", (
        _f("file_transfer", BOOLEAN),
        _f("clipboard", BOOLEAN),
    )),
    ObjectTable("DBServiceOptions", HS_MODEL + " DBServiceOptions", (
        _f("max_bytes_upload", INTEGER, WHEN_SET),
        _f("max_bytes_download", INTEGER, WHEN_SET),
    )),
    ObjectTable("HostCommandRestrictions", HS_MODEL + " HostCommandRestrictions", (
        _f("enabled", BOOLEAN),
        _f("rshell_variant", STRING, WHEN_SET),
        _f("default_whitelist", OBJECT, ALWAYS, "WhiteListHandle"),
        _f("whitelists", ARRAY, ALWAYS, "WhiteListGrant", NULL),
        _f("allow_no_match", BOOLEAN, WHEN_SET),
        _f("audit_match", BOOLEAN, WHEN_SET),
        _f("audit_no_match", BOOLEAN, WHEN_SET),
        _f("banner", STRING, WHEN_SET),
    )),
    ObjectTable("WhiteListHandle", HS_MODEL + " WhiteListHandle", (
        _f("id", STRING, WHEN_SET),
        _f("name", STRING, WHEN_SET),
        _f("deleted", BOOLEAN, WHEN_SET),
    ), "every field omitempty: an unset handle is {}"),
    ObjectTable("WhiteListGrant", HS_MODEL + " WhiteListGrant", (
        _f("whitelist", OBJECT, ALWAYS, "WhiteListHandle"),
        _f("roles", ARRAY, ALWAYS, "HostRole", NULL),
    )),
    ObjectTable("RotationMetadata", HS_MODEL + " RotationMetadata", (
        _f("access_group_id", STRING),
        _f("use_main_account", BOOLEAN),
        _f("operating_system", STRING, note="LINUX or WINDOWS"),
        _f("winrm_address", STRING),
        _f("winrm_port", INTEGER, WHEN_SET),
        _f("certificate_validation_options", STRING, note="DISABLED or ENABLED"),
        _f("winrm_host_certificate_trust_anchors", STRING),
        _f("protocol", STRING, note="SSH or WINRM"),
        _f("rotation_status", ARRAY, WHEN_SET, "RotationStatusItem", note="read-only: one entry per rotating account"),
        _f("password_policy_id", STRING),
        _f("script_template_id", STRING),
        _f("created", DATETIME, WHEN_SET, note="read-only; pointer"),
        _f("updated", DATETIME, WHEN_SET, note="read-only; pointer"),
        _f("created_by", STRING, WHEN_SET, note="read-only"),
        _f("updated_by", STRING, WHEN_SET, note="read-only"),
    )),
    ObjectTable("RotationStatusItem", HS_MODEL + " RotationStatusItem", (
        _f("principal", STRING),
        _f("last_rotated", DATETIME, WHEN_SET, note="pointer"),
        _f("last_error", DATETIME, WHEN_SET, note="pointer: cleared by a successful rotation"),
        _f("last_error_details", STRING),
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
    ObjectTable("TargetDomainsResolve", SM_MODEL + " TargetDomainsResolve", (
        _f("id", STRING),
        _f("target_domain_name", STRING),
    ), "an item of the answer of POST SM/targetdomains/resolve"),
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
    ObjectTable("AuditEvent", MONITOR_MODEL + " AuditEvent", (
        _f("service_id", STRING, WHEN_SET),
        _f("service_name", STRING, WHEN_SET),
        _f("event_id", STRING, WHEN_SET, note="the event's code, as a string (an integer in AuditEventInfo)"),
        _f("event_name", STRING, WHEN_SET),
        _f("created", DATETIME, WHEN_SET, note="a string in the model; RFC 3339 with up to microseconds"),
        _f("message", MAP, WHEN_SET, note="the event's details: map[string]string, so every value is a string"),
    ), "every field omitempty"),
    ObjectTable("AuditEventInfo", MONITOR_MODEL + " AuditEventInfo", (
        _f("event_id", INTEGER),
        _f("event_name", STRING),
        _f("event_desc", STRING),
    ), "the values of the codes answer, an object keyed by the code as a string (Go's map[int]AuditEventInfo)"),
    ObjectTable("Clock", MONITOR_MODEL + " Clock", (
        _f("time_utc", DATETIME, zero="", note="a string in the model; RFC 3339 with up to microseconds"),
    )),
    ObjectTable("IdentityProvider", RS_MODEL + " IdentityProvider", (
        _f("id", STRING),
        _f("name", STRING),
        _f("token_type", STRING, note="JWT"),
        _f("jwt_issuer", STRING),
        _f("jwt_audience", STRING),
        _f("jwt_subject_type", STRING, note="plain or dn"),
        _f("jwt_subject_dn_username_attribute", STRING, WHEN_SET),
        _f("custom_attributes", ARRAY, WHEN_SET, "CustomAttributeValidation"),
        _f("public_keys", ARRAY, WHEN_SET, "IdentityProviderPublicKey"),
        _f("public_key_method", STRING, note="static, x5u or x5u-publickey"),
        _f("x5u_trust_anchor", STRING, WHEN_SET),
        _f("x5u_tls_trust_anchor", STRING, WHEN_SET),
        _f("x5u_prefix", STRING, WHEN_SET),
        _f("users_directory", STRING),
        _f("enabled", BOOLEAN),
        _f("author", STRING),
        _f("created", DATETIME, note="a string in the model"),
        _f("updated", DATETIME, WHEN_SET, note="a string in the model; set by an update"),
        _f("updated_by", STRING, WHEN_SET),
    ), "a trusted issuer of the JWTs a token exchange accepts"),
    ObjectTable("CustomAttributeValidation", RS_MODEL + " CustomAttributeValidation", (
        _f("field_name", STRING),
        _f("type", STRING, note="string_pattern, numeric_range, ip_range or ip_client"),
        _f("expected_value", STRING),
        _f("start", STRING),
        _f("end", STRING),
    ), "a rule a claim of the JWT must satisfy"),
    ObjectTable("IdentityProviderPublicKey", RS_MODEL + " PublicKey", (
        _f("key_id", STRING),
        _f("comment", STRING, WHEN_SET),
        _f("public_key", STRING, WHEN_SET, note="PEM, -----BEGIN PUBLIC KEY-----"),
    )),
)}

# What each endpoint answers: (method, path template) -> ('object' | 'list' | 'checkout' | 'map' | 'raw', object
# name), or None for an empty body. 'list' is {count, items: [...]}; 'checkout' is an object, or the same as a list
# when the emulator wraps checkouts (docs/privx-api.md); 'map' an object whose values are the objects (Go's
# map[int]T: the keys are integers written as strings); 'raw' is JSON that PrivX passes through as it is
# configured (no model). The path templates are those of routes.py.
SM = "/secrets-manager/api/v1"
AZ = "/authorizer/api/v1"
RS = "/role-store/api/v1"
TD = SM + "/targetdomains/{targetDomainID}"
MA = TD + "/managedaccounts"
POLICY = SM + "/password-policy"
SCRIPT_TEMPLATE = SM + "/script-template"
HS = "/host-store/api/v1"
MONITOR = "/monitor-service/api/v1"
IDP = RS + "/identity-providers"
VAULT = "/vault/api/v1"
USER_SECRETS = VAULT + "/user/{userID}/secrets"
RAW = ("raw", "JSON")

ANSWERS = {
    ("GET", SM + "/targetdomains"): ("list", "TargetDomain"),
    ("POST", SM + "/targetdomains"): ("object", "Identifier"),
    ("POST", SM + "/targetdomains/search"): ("list", "TargetDomain"),
    ("POST", SM + "/targetdomains/resolve"): ("list", "TargetDomainsResolve"),
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
    ("GET", SM + "/script-templates"): ("list", "ScriptTemplate"),
    ("POST", SCRIPT_TEMPLATE): ("object", "Identifier"),
    ("POST", SCRIPT_TEMPLATE + "/compile"): ("object", "CompileScriptResponse"),
    ("GET", SCRIPT_TEMPLATE + "/{scriptTemplateID}"): ("object", "ScriptTemplate"),
    ("PUT", SCRIPT_TEMPLATE + "/{scriptTemplateID}"): None,
    ("DELETE", SCRIPT_TEMPLATE + "/{scriptTemplateID}"): None,
    ("GET", SM + "/host-secret/{hostID}"): ("object", "HostSecretMetadata"),
    ("POST", SM + "/host-secret/{hostID}"): ("object", "HostSecretMetadata"),
    ("DELETE", SM + "/host-secret/{hostID}"): None,
    ("POST", SM + "/rotate/{hostID}/{account:text}"): None,
    ("GET", HS + "/hosts"): ("list", "Host"),
    ("POST", HS + "/hosts"): ("object", "Identifier"),
    ("POST", HS + "/hosts/search"): ("list", "Host"),
    ("GET", HS + "/hosts/{hostID}"): ("object", "Host"),
    ("PUT", HS + "/hosts/{hostID}"): None,
    ("DELETE", HS + "/hosts/{hostID}"): None,
    ("GET", AZ + "/secrets"): ("list", "AccountSecret"),
    ("POST", AZ + "/secrets/search"): ("list", "AccountSecret"),
    ("GET", AZ + "/secrets/checkouts"): ("list", "Checkout"),
    ("POST", AZ + "/secrets/checkouts"): ("checkout", "Checkout"),
    ("GET", AZ + "/secrets/checkouts/{checkoutID}"): ("object", "Checkout"),
    ("POST", AZ + "/secrets/checkouts/{checkoutID}/release"): None,
    ("GET", RS + "/users/current"): ("object", "CurrentUser"),
    ("POST", MONITOR + "/auditevents/search"): ("list", "AuditEvent"),
    ("GET", MONITOR + "/auditevents"): ("list", "AuditEvent"),
    ("GET", MONITOR + "/auditevents/codes"): ("map", "AuditEventInfo"),
    ("GET", MONITOR + "/time"): ("object", "Clock"),
    ("GET", IDP): ("list", "IdentityProvider"),
    ("POST", IDP): ("object", "Identifier"),
    ("POST", IDP + "/search"): ("list", "IdentityProvider"),
    ("GET", IDP + "/{identityProviderID}"): ("object", "IdentityProvider"),
    ("PUT", IDP + "/{identityProviderID}"): None,
    ("DELETE", IDP + "/{identityProviderID}"): None,
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
    "monitor-service": "/monitor-service/api/v1/status",
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
    lines.append("A `{name}` in a path is one segment, a UUID; `{name:text}` one segment of text; `{name:path}` the rest of the")
    lines.append("path, slashes included.")
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
        elif answer[0] == "map":
            text = f"an object of {answer[1]}, keyed by code"
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
