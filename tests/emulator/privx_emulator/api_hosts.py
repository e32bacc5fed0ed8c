# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The host store (docs/privx-api-admin.md, "Hosts"): list, search, create, read, replace (PUT) and delete hosts.
# A host is kept as it was sent: its body is checked field by field against the Host field table (fields.py), so
# that the checks and the answers cannot drift apart, and stored whole; the host's password rotation settings are
# checked against the rest of the store, and writing a host writes its host secret (api_host_secrets.py).

import json
import uuid

from . import api_host_secrets
from .context import Response
from .errors import ApiError, bad_request, not_found
from .fields import ARRAY, BOOLEAN, DATETIME, INTEGER, MAP, OBJECT, OBJECTS, STRING as STRING_FIELD
from .store import HOST_SORT
from .timeutil import format_time, now, parse_datetime, whole_seconds
from .validation import (
    BOOL, INTEGER as INTEGER_KIND, PORT, STRING, STRING_MAP, UUID, ArrayKind, EnumKind, Kind, RangeKind, StringKind, StructKind,
    check_fields, parse_paging, split_keywords,
)

HS = "/host-store/api/v1"
HOST_DEFAULT_LIMIT = 50
OPERATING_SYSTEMS = ("LINUX", "WINDOWS")
PROTOCOLS = ("SSH", "WINRM")
CERTIFICATE_VALIDATION = ("DISABLED", "ENABLED")
# What a stored passphrase is answered as; a passphrase of asterisks only, sent back, keeps the stored one
# [emulator's choice: PrivX answers a masked value whose exact form is not documented].
PASSPHRASE_MASK = "********"
# The fields the hosts table keeps as columns; the others are in host_details.
COLUMNS = ("common_name", "addresses", "external_id", "instance_id")
# Read-only fields: type-checked, then ignored (a client sends back what it read).
READ_ONLY = ("id", "created", "updated", "updated_by", "stand_alone_host", "status", "host_certificate", "deleted")
ROTATION_READ_ONLY = ("rotation_status", "created", "updated", "created_by", "updated_by")
ROTATION_REQUIRED = ("operating_system", "protocol", "password_policy_id", "script_template_id")


class DateTimeTextKind(StringKind):
    """An RFC 3339 date-time kept as it was sent; "" is the zero value."""

    def check(self, value: object, prop: str) -> object:
        text = super().check(value, prop)
        if text:
            try:
                parse_datetime(text)
            except ValueError:
                raise bad_request("VALUE_INCORRECT_FORMAT", f"{prop} is not an RFC 3339 date-time", prop) from None
        return text


class ZeroingArrayKind(ArrayKind):
    """An array whose null items become the item's zero value, as encoding/json decodes them."""

    def __init__(self, item: Kind, zero) -> None:
        super().__init__(item)
        self.zero = zero

    def check(self, value: object, prop: str) -> object:
        return [self.zero() if item is None else item for item in super().check(value, prop)]


COUNT = RangeKind(0, 2 ** 63 - 1)
DATETIME_TEXT = DateTimeTextKind()
# Fields whose values the Go types leave open but PrivX constrains.
OVERRIDES = {
    "Host": {"id": UUID, "access_group_id": UUID},
    "RotationMetadata": {
        "access_group_id": UUID, "operating_system": EnumKind(*OPERATING_SYSTEMS, allow_empty=True),
        "protocol": EnumKind(*PROTOCOLS, allow_empty=True),
        "certificate_validation_options": EnumKind(*CERTIFICATE_VALIDATION, allow_empty=True), "winrm_port": PORT,
        "password_policy_id": UUID, "script_template_id": UUID, "created_by": UUID, "updated_by": UUID,
    },
    "HostService": {"port": PORT, "ssh_tunnel_port": PORT, "idle_time_limit": COUNT, "latency_in_microseconds": COUNT},
    "HostServiceRDSLoadBalancerParams": {"session_hosts_count": PORT},
    "HostServiceRDSBrokerParams": {"session_hosts_count": PORT, "broker_port": PORT},
    "HostServiceDBParameters": {"audit_skip_bytes": COUNT},
    "DBServiceOptions": {"max_bytes_upload": COUNT, "max_bytes_download": COUNT},
    "HostRole": {"id": UUID},
    "TargetDomainHandle": {"id": UUID},
}


def table_kind(name: str) -> StructKind:
    """How a body object is checked, from its field table: each field by its JSON type, unknown ones refused."""
    spec = {}
    for field in OBJECTS[name].fields:
        spec[field.name] = OVERRIDES.get(name, {}).get(field.name) or _field_kind(field)
    return StructKind(spec)


def _field_kind(field) -> Kind:
    if field.kind == OBJECT:
        return table_kind(field.ref)
    if field.kind == ARRAY:
        if field.ref in OBJECTS:
            return ZeroingArrayKind(table_kind(field.ref), dict)
        return ZeroingArrayKind(STRING, str)
    return {STRING_FIELD: STRING, INTEGER: INTEGER_KIND, BOOLEAN: BOOL, DATETIME: DATETIME_TEXT, MAP: STRING_MAP}[field.kind]


HOST = table_kind("Host")
SEARCH_FIELDS = {
    "id": STRING, "keywords": STRING, "distinguished_name": ArrayKind(STRING), "external_id": STRING, "instance_id": STRING,
    "source_id": STRING, "common_name": ArrayKind(STRING), "organization": ArrayKind(STRING),
    "organizational_unit": ArrayKind(STRING), "address": ArrayKind(STRING), "service": ArrayKind(STRING),
    "port": ArrayKind(INTEGER_KIND), "zone": ArrayKind(STRING), "host_type": ArrayKind(STRING),
    "host_classification": ArrayKind(STRING), "role": ArrayKind(STRING), "scope": ArrayKind(STRING),
    "ignore_disabled_sources": BOOL, "tags": ArrayKind(STRING), "access_group_ids": ArrayKind(STRING),
    "cloud_providers": ArrayKind(STRING), "cloud_provider_regions": ArrayKind(STRING), "deployable": BOOL,
    "statuses": ArrayKind(STRING), "disabled": STRING, "filter": STRING,
}


# -- reading -----------------------------------------------------------------------------------------------------

def require_host(store, host_id: str, prop: str = "hostID") -> dict:
    host = store.get_host(host_id)
    if host is None:
        raise not_found("host not found", prop)
    return host


def host_values(host: dict) -> dict:
    """The host's fields as stored, passphrases included: what a PUT sent (plus the server's own fields)."""
    values = dict(host["data"])
    values.update({column: host[column] for column in COLUMNS})
    return values


def render_host(store, host: dict) -> dict:
    """A Host as the host store answers it: passphrases masked, the rotation status filled in."""
    values = host_values(host)
    values["principals"] = [dict(principal, passphrase=PASSPHRASE_MASK if principal.get("passphrase") else "")
                            for principal in values.get("principals") or []] or values.get("principals")
    if values.get("password_rotation") is not None:
        status = api_host_secrets.rotation_status(store, host)
        values["password_rotation"] = dict(values["password_rotation"], rotation_status=status)
    values.update(id=host["id"], created=format_time(host["created"]), updated=format_time(host["updated"]))
    return values


def _page(ctx, criteria: dict) -> Response:
    paging = parse_paging(ctx.query, HOST_DEFAULT_LIMIT, HOST_SORT, "common_name")
    direction = "DESC" if paging.descending else "ASC"
    with ctx.store.transaction(write=False) as store:
        rows = store.hosts(criteria.get("common_name") or None, f"{HOST_SORT[paging.sortkey]} {direction}, h.id {direction}")
        matching = [row for row in rows if matches(row, criteria)]
        items = [render_host(store, row) for row in matching[paging.offset:paging.offset + paging.limit]]
    return Response(200, {"count": len(matching), "items": items})


def list_hosts(ctx) -> Response:
    """GET HS/hosts"""
    return _page(ctx, {})


def search_hosts(ctx) -> Response:
    """POST HS/hosts/search, body HostSearch (docs/privx-api-admin.md: how each criterion matches)"""
    criteria = check_fields(ctx.json_body(), SEARCH_FIELDS)
    return _page(ctx, criteria)


def get_host(ctx) -> Response:
    """GET HS/hosts/{id}"""
    with ctx.store.transaction(write=False) as store:
        return Response(200, render_host(store, require_host(store, ctx.params["hostID"])))


# -- search ------------------------------------------------------------------------------------------------------

def _folded(values) -> set:
    return {str(value).casefold() for value in values if value is not None}


def _any(host_values_: list, wanted: list) -> bool:
    return bool(_folded(host_values_) & _folded(wanted))


def _searchable(values: dict) -> dict:
    """The values each search criterion is matched against."""
    services = values.get("services") or []
    principals = values.get("principals") or []
    single = ("common_name", "distinguished_name", "organization", "organizational_unit", "zone", "host_type",
              "host_classification")
    found = {key: [values.get(key, "")] for key in single}
    found.update({
        "address": list(values.get("addresses") or []) + [service.get("address", "") for service in services],
        "service": [service.get("service", "") for service in services],
        "role": [key for principal in principals for role in principal.get("roles") or [] for key in (role.get("id"), role.get("name"))],
        "scope": list(values.get("scope") or []),
        "tags": list(values.get("tags") or []),
        "access_group_ids": [values.get("access_group_id", "")],
        "cloud_providers": [values.get("cloud_provider", "")],
        "cloud_provider_regions": [values.get("cloud_provider_region", "")],
        "statuses": [status.get("v", "") for status in values.get("status") or []],
    })
    return found


def matches(host: dict, criteria: dict) -> bool:
    """Every criterion given must hold; a list criterion holds when one of its values is the host's (letter case
    ignored), and keywords each have to be part of the common name, an address, the comment, a tag, the external
    or the instance id [emulator's choice]."""
    values = host_values(host)
    if criteria.get("id") and criteria["id"].lower() != host["id"]:
        return False
    for key in ("external_id", "instance_id", "source_id", "disabled"):
        if criteria.get(key) and criteria[key] != values.get(key, ""):
            return False
    if criteria.get("deployable") and values.get("deployable") is not True:
        return False
    if criteria.get("port") and not {service.get("port") for service in values.get("services") or []} & set(criteria["port"]):
        return False
    searchable = _searchable(values)
    for key, wanted in criteria.items():
        if key in searchable and wanted and not _any(searchable[key], wanted):
            return False
    text = [values["common_name"], values.get("comment", ""), values.get("external_id", ""), values.get("instance_id", "")]
    text += list(values.get("addresses") or []) + list(values.get("tags") or [])
    folded = [item.casefold() for item in text]
    return all(any(word in item for item in folded) for word in split_keywords(criteria.get("keywords", "")))


# -- writing -----------------------------------------------------------------------------------------------------

def check_host_body(body: dict) -> tuple:
    """(writable values, read-only values) of a Host body, every field type-checked."""
    values = check_fields(body, HOST.fields)
    read_only = {key: values.pop(key) for key in READ_ONLY if key in values}
    rotation = values.get("password_rotation")
    if rotation is not None:
        values["password_rotation"] = {key: value for key, value in rotation.items() if key not in ROTATION_READ_ONLY}
    return values, read_only


def _required(values: dict, key: str, prop: str) -> None:
    if not str(values.get(key, "")).strip():
        raise bad_request("REQUIRED_VALUE_MISSING", f"{prop} is required", prop)


def _check_principals(principals: list) -> None:
    seen = set()
    for index, principal in enumerate(principals):
        prop = f"principals[{index}].principal"
        _required(principal, "principal", prop)
        if principal["principal"] in seen:
            raise bad_request("VALUE_DUPLICATE", f"the host has two principals {principal['principal']!r}", prop)
        seen.add(principal["principal"])


def _check_rotation(store, values: dict) -> None:
    """Rotation settings name a policy and a script template that exist; enabled ones are complete."""
    rotation = values.get("password_rotation")
    enabled = values.get("password_rotation_enabled", False)
    if rotation is None:
        if enabled:
            raise bad_request("REQUIRED_VALUE_MISSING", "password_rotation is required when password_rotation_enabled is true",
                              "password_rotation")
        return
    if enabled:
        for key in ROTATION_REQUIRED:
            _required(rotation, key, f"password_rotation.{key}")
    if rotation.get("password_policy_id") and store.get_policy(rotation["password_policy_id"]) is None:
        raise bad_request("INVALID_REQUEST_DATA", f"no password policy {rotation['password_policy_id']!r}", "password_rotation.password_policy_id")
    if rotation.get("script_template_id") and store.get_script_template(rotation["script_template_id"]) is None:
        raise bad_request("INVALID_REQUEST_DATA", f"no script template {rotation['script_template_id']!r}", "password_rotation.script_template_id")
    if enabled and rotation.get("use_main_account"):
        main = [principal["principal"] for principal in values.get("principals") or [] if principal.get("use_for_password_rotation")]
        if not main:
            raise bad_request("REQUIRED_VALUE_MISSING", "use_main_account needs a principal with use_for_password_rotation", "principals")
        if len(main) > 1:
            raise bad_request("INVALID_REQUEST_DATA", f"only one principal may be used for password rotation, not {', '.join(main)}",
                              "principals")


def _keep_passphrases(values: dict, previous: dict) -> None:
    """A masked passphrase sent back keeps the one stored for the same principal."""
    stored = {principal["principal"]: principal.get("passphrase", "") for principal in previous.get("principals") or []}
    for principal in values.get("principals") or []:
        passphrase = principal.get("passphrase", "")
        if passphrase and set(passphrase) == {"*"}:
            principal["passphrase"] = stored.get(principal["principal"], "")


def _stamp_rotation(values: dict, previous: dict, caller_id: str, when: int) -> None:
    """The backend's fields of the rotation settings: created once, updated when the settings change."""
    rotation, before = values.get("password_rotation"), previous.get("password_rotation")
    if rotation is None:
        return
    if before is None:
        rotation.update(created=format_time(when), created_by=caller_id, updated=format_time(when), updated_by=caller_id)
        return
    settings = {key: value for key, value in before.items() if key not in ROTATION_READ_ONLY}
    changed = settings != rotation
    rotation.update(created=before.get("created"), created_by=before.get("created_by", ""),
                    updated=format_time(when) if changed else before.get("updated"),
                    updated_by=caller_id if changed else before.get("updated_by", ""))


def write_host(store, host_id: str, values: dict, previous: dict | None, caller_id: str, when: int) -> None:
    """Check a host's writable values against the store and store them: the whole host, as sent (tags sorted),
    with its host secret written to match (api_host_secrets.sync_host_secret)."""
    _required(values, "common_name", "common_name")
    other = store.find_host(values["common_name"])
    if other is not None and other["id"] != host_id and other["common_name"] == values["common_name"]:
        raise bad_request("VALUE_DUPLICATE", f"a host named {values['common_name']!r} already exists", "common_name")
    _check_principals(values.get("principals") or [])
    _check_rotation(store, values)
    old_values = host_values(previous) if previous else {}
    _keep_passphrases(values, old_values)
    _stamp_rotation(values, old_values, caller_id, when)
    if values.get("tags") is not None:
        values["tags"] = sorted(values["tags"])
    columns = {"common_name": values["common_name"], "addresses": json.dumps(list(values.get("addresses") or [])),
               "external_id": values.get("external_id", ""), "instance_id": values.get("instance_id", ""), "updated": when}
    if previous is None:
        store.insert_host(dict(columns, id=host_id, created=when))
    else:
        store.update_host(host_id, columns)
    data = {key: value for key, value in values.items() if key not in COLUMNS}
    data["updated_by"] = caller_id
    rotation = values.get("password_rotation") or {}
    enabled = bool(values.get("password_rotation_enabled"))
    store.set_host_details(host_id, data, enabled, rotation.get("password_policy_id"), rotation.get("script_template_id"))
    api_host_secrets.sync_host_secret(store, store.get_host(host_id), old_values, caller_id, when)


def _contradiction(read_only: dict, host_id: str) -> None:
    if read_only.get("id") and read_only["id"] != host_id:
        raise bad_request("INVALID_REQUEST_DATA", f"id {read_only['id']!r} contradicts the path, which names {host_id!r}", "id")


def create_host(ctx) -> Response:
    """POST HS/hosts -> 201 {"id"} with Location"""
    values, _read_only = check_host_body(ctx.json_body())
    host_id = str(uuid.uuid4())
    with ctx.store.transaction() as store:
        write_host(store, host_id, values, None, ctx.caller["user_id"], whole_seconds(now()))
    return Response(201, {"id": host_id}, {"Location": f"{HS}/hosts/{host_id}"})


def replace_host(ctx) -> Response:
    """PUT HS/hosts/{id}: the body replaces the whole host."""
    values, read_only = check_host_body(ctx.json_body())
    with ctx.store.transaction() as store:
        host = require_host(store, ctx.params["hostID"])
        _contradiction(read_only, host["id"])
        write_host(store, host["id"], values, host, ctx.caller["user_id"], whole_seconds(now()))
    return Response.empty()


def delete_host(ctx) -> Response:
    """DELETE HS/hosts/{id}: the host and its host secret."""
    with ctx.store.transaction() as store:
        store.delete_host(require_host(store, ctx.params["hostID"])["id"])
    return Response.empty()


def checked_fixture_host(body: dict, where: str) -> tuple:
    """(writable values, read-only values) of a fixture's host body, checked as the API checks it; ValueError names the entry."""
    try:
        return check_host_body(body)
    except ApiError as exc:
        raise ValueError(f"{where}.{exc.prop}: {exc.message}") from None
