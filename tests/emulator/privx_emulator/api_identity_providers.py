# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Trusted JWT issuers in the role store: GET/POST /role-store/api/v1/identity-providers, GET/PUT/DELETE
# .../{id}, POST .../search, with the fields of the Go SDK's rolestore.IdentityProvider (docs/privx-api-admin.md,
# "Identity providers"). Every call needs the administrator role, as PrivX's API reference gives the `admin`
# scope only. Which JWTs a provider accepts is token_exchange.py's business; here it is stored and checked.

import ipaddress
import json
import urllib.parse
import uuid
from decimal import Decimal, InvalidOperation

from .context import Response
from .errors import bad_request, not_found
from .jwt_verify import KeyFormatError, check_pem_certificates, load_pem_public_key
from .store import IDENTITY_PROVIDER_SORT
from .timeutil import format_time, now, whole_seconds
from .validation import (BOOL, DATETIME, STRING, UUID, ArrayKind, EnumKind, Kind, StructKind, check_fields, parse_paging,
                         split_keywords)

MAX_TEXT = 2042
# The API reference: limit defaults to 50 and may be at most 100; sortkey defaults to id.
DEFAULT_LIMIT, MAX_LIMIT = 50, 100
TOKEN_TYPES = ("JWT",)
SUBJECT_TYPES = ("plain", "dn")
KEY_METHODS = ("static", "x5u", "x5u-publickey")
RULE_TYPES = ("string_pattern", "numeric_range", "ip_range", "ip_client")


class TextKind(Kind):
    """A string of at most MAX_TEXT characters."""

    def check(self, value: object, prop: str) -> object:
        text = STRING.check(value, prop)
        if len(text) > MAX_TEXT:
            raise bad_request("VALUE_OUT_OF_BOUNDS", f"{prop} must be at most {MAX_TEXT} characters", prop)
        return text


class PemKind(Kind):
    """A PEM text that `reader` accepts ("" is the zero value; required-ness is checked elsewhere)."""

    def __init__(self, reader, what: str) -> None:
        self.reader = reader
        self.what = what

    def check(self, value: object, prop: str) -> object:
        text = STRING.check(value, prop)
        if text:
            try:
                self.reader(text)
            except KeyFormatError as exc:
                raise bad_request("VALUE_INCORRECT_FORMAT", f"{prop} is not {self.what}: {exc}", prop) from None
        return text


class HttpsUrlKind(TextKind):
    def check(self, value: object, prop: str) -> object:
        text = super().check(value, prop)
        if text:
            parts = urllib.parse.urlsplit(text)
            if parts.scheme != "https" or not parts.netloc:
                raise bad_request("VALUE_INCORRECT_FORMAT", f"{prop} must be an https URL", prop)
        return text


TEXT = TextKind()
RULE_FIELDS = {"field_name": TEXT, "type": EnumKind(*RULE_TYPES, allow_empty=True), "expected_value": TEXT, "start": TEXT, "end": TEXT}
# A `-----BEGIN PUBLIC KEY-----` block; one or more `-----BEGIN CERTIFICATE-----` blocks.
PUBLIC_KEY = PemKind(load_pem_public_key, "a PEM public key")
CERTIFICATES = PemKind(check_pem_certificates, "PEM certificates")
KEY_FIELDS = {"key_id": TEXT, "comment": TEXT, "public_key": PUBLIC_KEY}
WRITABLE_FIELDS = {
    "name": TEXT,
    "token_type": EnumKind(*TOKEN_TYPES, allow_empty=True),
    "jwt_issuer": TEXT,
    "jwt_audience": TEXT,
    "jwt_subject_type": EnumKind(*SUBJECT_TYPES, allow_empty=True),
    "jwt_subject_dn_username_attribute": TEXT,
    "custom_attributes": ArrayKind(StructKind(RULE_FIELDS)),
    "public_keys": ArrayKind(StructKind(KEY_FIELDS)),
    "public_key_method": EnumKind(*KEY_METHODS, allow_empty=True),
    "x5u_trust_anchor": CERTIFICATES,
    "x5u_tls_trust_anchor": CERTIFICATES,
    "x5u_prefix": HttpsUrlKind(),
    "users_directory": UUID,
    "enabled": BOOL,
}
# Sent back as read (the Go SDK sends "" for each on a create): type-checked, then ignored.
READ_ONLY_FIELDS = {"id": UUID, "author": STRING, "created": DATETIME, "updated": DATETIME, "updated_by": STRING}
SEARCH_FIELDS = {"keywords": STRING}
# Zero values of the writable fields, which is what a field left out of a create or PUT becomes.
ZERO = {key: [] if isinstance(kind, ArrayKind) else False if kind is BOOL else "" for key, kind in WRITABLE_FIELDS.items()}


def _require(values: dict, key: str) -> str:
    if not values.get(key):
        raise bad_request("REQUIRED_VALUE_MISSING", f"{key} is required", key)
    return values[key]


def _number(text: str, prop: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise bad_request("VALUE_INCORRECT_FORMAT", f"{prop} must be a number written as a string", prop)
    return number


def _address(text: str, prop: str):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise bad_request("VALUE_INCORRECT_FORMAT", f"{prop} must be an IP address", prop) from None


def _check_rule(rule: dict, prop: str) -> dict:
    """One custom_attributes entry: field_name and type always, and what its type needs. Values a type does not use
    are kept as given [emulator's choice: PrivX's handling of them is not documented]."""
    rule = dict({key: "" for key in RULE_FIELDS}, **rule)
    for key in ("field_name", "type"):
        if not rule[key]:
            raise bad_request("REQUIRED_VALUE_MISSING", f"{prop}.{key} is required", f"{prop}.{key}")
    kind = rule["type"]
    if kind == "string_pattern" and not rule["expected_value"]:
        raise bad_request("REQUIRED_VALUE_MISSING", f"{prop}.expected_value (the pattern) is required", f"{prop}.expected_value")
    if kind in ("numeric_range", "ip_range"):
        for key in ("start", "end"):
            if not rule[key]:
                raise bad_request("REQUIRED_VALUE_MISSING", f"{prop}.{key} is required for {kind}", f"{prop}.{key}")
        parse = _number if kind == "numeric_range" else _address
        start, end = parse(rule["start"], f"{prop}.start"), parse(rule["end"], f"{prop}.end")
        if kind == "ip_range" and start.version != end.version:
            raise bad_request("VALUE_OUT_OF_BOUNDS", f"{prop}.start and end must be of the same IP version", f"{prop}.end")
        if end < start:
            raise bad_request("VALUE_OUT_OF_BOUNDS", f"{prop}.end must not be below start", f"{prop}.end")
    return rule


def _check_keys(keys: list) -> list:
    checked, seen = [], set()
    for index, key in enumerate(keys):
        prop = f"public_keys[{index}]"
        key = dict({"key_id": "", "comment": "", "public_key": ""}, **(key or {}))
        for name in ("key_id", "public_key"):
            if not key[name]:
                raise bad_request("REQUIRED_VALUE_MISSING", f"{prop}.{name} is required", f"{prop}.{name}")
        if key["key_id"] in seen:
            raise bad_request("VALUE_DUPLICATE", f"{prop}.key_id {key['key_id']!r} is used by another key", f"{prop}.key_id")
        seen.add(key["key_id"])
        checked.append(key)
    return checked


def check_provider(body: dict, directory_known, own_id: str | None = None) -> dict:
    """Every writable field of an IdentityProvider body, checked as PrivX documents them; ApiError naming the
    property otherwise. `directory_known(id)` tells whether a users_directory exists."""
    if "public_key" in body and "public_keys" not in body:
        raise bad_request("INVALID_REQUEST_DATA", "unknown property public_key (the key list is public_keys)", "public_key")
    given = check_fields(body, dict(WRITABLE_FIELDS, **READ_ONLY_FIELDS))
    if own_id is not None and given.get("id") and given["id"] != own_id:
        raise bad_request("INVALID_REQUEST_DATA", f"id {given['id']!r} contradicts the path, which names {own_id!r}", "id")
    values = dict(ZERO, **{key: value for key, value in given.items() if key in WRITABLE_FIELDS})
    name = _require(values, "name")
    if len(name.strip()) < 2:
        raise bad_request("VALUE_OUT_OF_BOUNDS", "name must be 2 to 2042 characters", "name")
    _require(values, "token_type")
    _require(values, "jwt_issuer")
    if _require(values, "jwt_subject_type") == "dn":
        _require(values, "jwt_subject_dn_username_attribute")
    values["custom_attributes"] = [_check_rule(rule or {}, f"custom_attributes[{index}]")
                                   for index, rule in enumerate(values["custom_attributes"])]
    values["public_keys"] = _check_keys(values["public_keys"])
    method = _require(values, "public_key_method")
    needed = {"static": "public_keys", "x5u": "x5u_trust_anchor", "x5u-publickey": "x5u_prefix"}[method]
    if not values[needed]:
        raise bad_request("REQUIRED_VALUE_MISSING", f"{needed} is required with public_key_method {method}", needed)
    directory = _require(values, "users_directory")
    if not directory_known(directory):
        raise bad_request("INVALID_REQUEST_DATA", f"users_directory {directory!r} names no user directory", "users_directory")
    return values


def render_provider(row: dict) -> dict:
    data = json.loads(row["data"])
    return {
        "id": row["id"],
        "name": row["name"],
        "token_type": row["token_type"],
        "jwt_issuer": row["jwt_issuer"],
        "jwt_audience": data["jwt_audience"],
        "jwt_subject_type": data["jwt_subject_type"],
        "jwt_subject_dn_username_attribute": data["jwt_subject_dn_username_attribute"],
        "custom_attributes": data["custom_attributes"],
        "public_keys": data["public_keys"],
        "public_key_method": data["public_key_method"],
        "x5u_trust_anchor": data["x5u_trust_anchor"],
        "x5u_tls_trust_anchor": data["x5u_tls_trust_anchor"],
        "x5u_prefix": data["x5u_prefix"],
        "users_directory": data["users_directory"],
        "enabled": bool(row["enabled"]),
        "author": data["author"],
        "created": format_time(row["created"]),
        # [emulator's choice] updated and updated_by (both omitempty) appear once the provider was updated.
        "updated": format_time(row["updated"]) if data.get("updated_by") else "",
        "updated_by": data.get("updated_by", ""),
    }


def provider_row(values: dict, provider_id: str, created: int, updated: int, author: str, updated_by: str = "") -> dict:
    """The store row of a checked provider."""
    data = {key: values[key] for key in WRITABLE_FIELDS if key not in ("name", "token_type", "jwt_issuer", "enabled")}
    data.update(author=author, updated_by=updated_by)
    return {"id": provider_id, "name": values["name"], "token_type": values["token_type"], "jwt_issuer": values["jwt_issuer"],
            "enabled": int(values["enabled"]), "created": created, "updated": updated, "data": json.dumps(data, sort_keys=True)}


def provider_settings(row: dict) -> dict:
    """What token_exchange.py needs of a stored provider: the row's columns and its data, merged."""
    return dict(json.loads(row["data"]), **{key: row[key] for key in row if key != "data"})


def _require_provider(store, ctx) -> dict:
    row = store.get_identity_provider(ctx.params["identityProviderID"])
    if row is None:
        raise not_found("identity provider not found", "identityProviderID")
    return row


def _refuse_duplicate_name(store, name: str, own_id: str | None = None) -> None:
    other = store.identity_provider_by_name(name)
    if other is not None and other["id"] != own_id:
        raise bad_request("VALUE_DUPLICATE", f"an identity provider named {name!r} already exists", "name")


def _page(ctx, keywords: list) -> Response:
    paging = parse_paging(ctx.query, DEFAULT_LIMIT, IDENTITY_PROVIDER_SORT, "id")
    if paging.limit > MAX_LIMIT:
        raise bad_request("VALUE_OUT_OF_BOUNDS", f"limit must be at most {MAX_LIMIT}", "limit")
    with ctx.store.transaction(write=False) as store:
        count, rows = store.page_identity_providers(keywords, paging)
    return Response(200, {"count": count, "items": [render_provider(row) for row in rows]})


def list_providers(ctx) -> Response:
    """GET /role-store/api/v1/identity-providers ?offset&limit&sortkey&sortdir"""
    return _page(ctx, [])


def search_providers(ctx) -> Response:
    """POST .../identity-providers/search {keywords} (omitempty in the Go SDK: {} lists all); keywords match the
    name and jwt_issuer."""
    criteria = check_fields(ctx.json_body(), SEARCH_FIELDS)
    return _page(ctx, split_keywords(criteria.get("keywords", "")))


def create_provider(ctx) -> Response:
    """POST .../identity-providers -> 201 {"id"}"""
    when = whole_seconds(now())
    with ctx.store.transaction() as store:
        values = check_provider(ctx.json_body(), lambda directory: store.get_user_directory(directory) is not None)
        _refuse_duplicate_name(store, values["name"])
        row = provider_row(values, str(uuid.uuid4()), when, when, ctx.caller["user_id"])
        store.insert_identity_provider(row)
    return Response(201, {"id": row["id"]})


def get_provider(ctx) -> Response:
    with ctx.store.transaction(write=False) as store:
        return Response(200, render_provider(_require_provider(store, ctx)))


def replace_provider(ctx) -> Response:
    """PUT .../identity-providers/{id}: the body replaces every writable field."""
    with ctx.store.transaction() as store:
        current = _require_provider(store, ctx)
        values = check_provider(ctx.json_body(), lambda directory: store.get_user_directory(directory) is not None, current["id"])
        _refuse_duplicate_name(store, values["name"], current["id"])
        author = json.loads(current["data"])["author"]
        row = provider_row(values, current["id"], current["created"], whole_seconds(now()), author, ctx.caller["user_id"])
        store.update_identity_provider(current["id"], {key: value for key, value in row.items() if key != "id"})
    return Response.empty()


def delete_provider(ctx) -> Response:
    """DELETE .../identity-providers/{id}: tokens it vouched for live on until they expire, but cannot be refreshed."""
    with ctx.store.transaction() as store:
        store.delete_identity_provider(_require_provider(store, ctx)["id"])
    return Response.empty()
