# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Request validation: JSON bodies checked field by field against a spec, path ids, and paging parameters.
# PrivX is written in Go, so the rules follow encoding/json: a JSON null or a missing field is the zero
# value, `1` or "true" is not a boolean, and a property the struct does not know is refused.

import json
import re

from .errors import ApiError, bad_request
from .timeutil import parse_datetime

UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# ASCII digits only: \d would also accept other scripts' digits, which Go's strconv does not.
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_KEYWORD_SEPARATORS = re.compile(r"[\s,]+")

MAX_LIMIT = 1000
INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1
# Larger offsets are capped: any list is shorter, and SQLite's integers are 64 bits.
MAX_OFFSET = 2 ** 62
# More digits than this cannot be a useful offset; int() of thousands of digits is refused by Python itself.
_MAX_COUNT_DIGITS = 18
# Deeper bodies are refused: no API object nests anywhere near this deep, and Python's json (unlike
# Go's) gives up with RecursionError at about 1,000 levels, also when an answer echoes the value back.
MAX_JSON_DEPTH = 100
# json.loads keeps an escaped lone surrogate (\ud800) as it is, which no UTF-8 text (nor SQLite) can hold.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and bool(UUID_PATTERN.match(value))


def _reject_constant(name: str) -> None:
    # json accepts NaN and Infinity by default; they are not JSON.
    raise ValueError(f"invalid JSON constant {name}")


def _too_deep(value: object) -> bool:
    """True when containers nest deeper than MAX_JSON_DEPTH; iterative, so that it cannot recurse itself."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _nested_too_deeply() -> ApiError:
    return bad_request("INVALID_REQUEST_DATA", f"request body is nested too deeply (more than {MAX_JSON_DEPTH} levels)")


def _replace_surrogates(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text)


def _clean_strings(value: object) -> object:
    """Lone surrogates become U+FFFD, as Go's encoding/json decodes them; keys included. Iterative."""
    if isinstance(value, str):
        return _replace_surrogates(value)
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in list(item):
                child = item.pop(key)
                if isinstance(child, str):
                    child = _replace_surrogates(child)
                else:
                    stack.append(child)
                item[_replace_surrogates(key)] = child
        elif isinstance(item, list):
            for index, child in enumerate(item):
                if isinstance(child, str):
                    item[index] = _replace_surrogates(child)
                else:
                    stack.append(child)
    return value


def parse_json(raw: bytes) -> object:
    """Any JSON value; INVALID_REQUEST_DATA when it is not JSON or nests too deeply."""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad_request("INVALID_REQUEST_DATA", f"malformed JSON in request body: {exc}") from None
    except RecursionError:
        raise _nested_too_deeply() from None
    if _too_deep(value):
        raise _nested_too_deeply()
    if _SURROGATE_ESCAPE.search(raw):
        # Only an escape can produce a surrogate: the UTF-8 decoder refuses encoded ones.
        value = _clean_strings(value)
    return value


def parse_json_object(raw: bytes) -> dict:
    if not raw.strip():
        raise bad_request("INVALID_REQUEST_DATA", "request body is missing")
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise bad_request("INVALID_REQUEST_DATA", "request body must be a JSON object")
    return value


class Kind:
    """How one body field is checked; check() returns the value to use or raises ApiError."""

    def check(self, value: object, prop: str) -> object:
        raise NotImplementedError


class StringKind(Kind):
    def check(self, value: object, prop: str) -> object:
        if not isinstance(value, str):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be a string", prop)
        return value


class EmailKind(StringKind):
    def check(self, value: object, prop: str) -> object:
        text = super().check(value, prop)
        if text and "@" not in text:
            raise bad_request("VALUE_INCORRECT_FORMAT", f"{prop} is not an email address", prop)
        return text


class UuidKind(StringKind):
    """A UUID string; the empty string is the zero value (no filter)."""

    def check(self, value: object, prop: str) -> object:
        text = super().check(value, prop)
        if text and not is_uuid(text):
            raise bad_request("VALUE_INCORRECT_FORMAT", f"{prop} is not a UUID", prop)
        return text.lower()


class BoolKind(Kind):
    def check(self, value: object, prop: str) -> object:
        if not isinstance(value, bool):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be a boolean", prop)
        return value


class ObjectKind(Kind):
    def check(self, value: object, prop: str) -> object:
        if not isinstance(value, dict):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be an object", prop)
        return value


class StringMapKind(Kind):
    """A JSON object of string values (Go's map[string]string)."""

    def check(self, value: object, prop: str) -> object:
        if not isinstance(value, dict):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be an object of strings", prop)
        for key, item in value.items():
            if not isinstance(item, str):
                raise bad_request("VALUE_INCORRECT_TYPE", f"{prop}.{key} must be a string", f"{prop}.{key}")
        return dict(value)


class IntegerKind(Kind):
    """A JSON integer that fits Go's int (64 bits); 1.0 and true are not integers to encoding/json."""

    def check(self, value: object, prop: str) -> object:
        if isinstance(value, bool) or not isinstance(value, int) or not INT64_MIN <= value <= INT64_MAX:
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be a 64-bit integer", prop)
        return value


class RangeKind(Kind):
    """An integer from `low` to `high`."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def check(self, value: object, prop: str) -> object:
        number = IntegerKind().check(value, prop)
        if not self.low <= number <= self.high:
            raise bad_request("VALUE_OUT_OF_BOUNDS", f"{prop} must be between {self.low} and {self.high}", prop)
        return number


class EnumKind(Kind):
    """One of the values; with allow_empty, "" too (Go's zero value of the string type)."""

    def __init__(self, *values: str, allow_empty: bool = False) -> None:
        self.values = values
        self.allow_empty = allow_empty

    def check(self, value: object, prop: str) -> object:
        if not isinstance(value, str):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be a string", prop)
        if value not in self.values and not (self.allow_empty and value == ""):
            raise bad_request("VALUE_OUT_OF_BOUNDS", f"{prop} must be one of {', '.join(self.values)}", prop)
        return value


class ArrayKind(Kind):
    """A JSON array whose items are checked one by one; a null item is the item type's zero value."""

    def __init__(self, item: Kind) -> None:
        self.item = item

    def check(self, value: object, prop: str) -> object:
        if not isinstance(value, list):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be an array", prop)
        return [None if item is None else self.item.check(item, f"{prop}[{index}]") for index, item in enumerate(value)]


class StructKind(Kind):
    """A JSON object with known fields (a Go struct): unknown ones are refused, as at the top level."""

    def __init__(self, fields: dict) -> None:
        self.fields = fields

    def check(self, value: object, prop: str) -> object:
        if not isinstance(value, dict):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be an object", prop)
        return check_fields(value, self.fields, prefix=f"{prop}.")


class DateTimeKind(StringKind):
    """An RFC 3339 date-time, returned as epoch seconds; "" is the zero value and returns None."""

    def check(self, value: object, prop: str) -> object:
        text = super().check(value, prop)
        if not text:
            return None
        try:
            return parse_datetime(text)
        except ValueError:
            raise bad_request("VALUE_INCORRECT_FORMAT", f"{prop} is not an RFC 3339 date-time", prop) from None


class PolicyHandleKind(Kind):
    """A policy handle {id, name}; which policy it names is resolved against the store by the caller."""

    def check(self, value: object, prop: str) -> object:
        if not isinstance(value, dict):
            raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be an object with id and/or name", prop)
        handle = {}
        for key, item in value.items():
            if key not in ("id", "name"):
                raise bad_request("INVALID_REQUEST_DATA", f"unknown property {prop}.{key}", f"{prop}.{key}")
            if item is None:
                continue
            if not isinstance(item, str):
                raise bad_request("VALUE_INCORRECT_TYPE", f"{prop}.{key} must be a string", prop)
            if item:
                handle[key] = item
        if not handle:
            raise bad_request("INVALID_REQUEST_DATA", f"{prop} must name a password policy by id or name", prop)
        return handle


STRING = StringKind()
EMAIL = EmailKind()
UUID = UuidKind()
BOOL = BoolKind()
INTEGER = IntegerKind()
OBJECT = ObjectKind()
STRING_MAP = StringMapKind()
DATETIME = DateTimeKind()
POLICY_HANDLE = PolicyHandleKind()
PORT = RangeKind(0, 65535)


def check_fields(body: dict, spec: dict, prefix: str = "") -> dict:
    """Check body against spec {name: Kind}; return the converted values of the fields that were given.

    Fields are checked in body order, so the first offending field is the one reported.
    """
    values = {}
    for key, value in body.items():
        prop = prefix + key
        kind = spec.get(key)
        if kind is None:
            raise bad_request("INVALID_REQUEST_DATA", f"unknown property {prop}", prop)
        if value is None:
            # Go decodes null as the zero value, exactly as if the field had been left out.
            continue
        values[key] = kind.check(value, prop)
    return values


def check_number(value: object, prop: str, minimum: float = 0, integer: bool = False):
    """A JSON number (not a boolean) of at least `minimum`; for the control API's settings and faults."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be {'an integer' if integer else 'a number'}", prop)
    if value < minimum:
        raise bad_request("VALUE_OUT_OF_BOUNDS", f"{prop} must be at least {minimum}", prop)
    return value


def require_string(values: dict, key: str, prop: str | None = None) -> str:
    text = values.get(key, "")
    if not text:
        name = prop or key
        raise bad_request("REQUIRED_VALUE_MISSING", f"{name} is required", name)
    return text


def split_keywords(text: str) -> list:
    """`keywords` is a space or comma separated list; each must match (case-insensitively)."""
    return [word.lower() for word in _KEYWORD_SEPARATORS.split(text or "") if word]


class Paging:
    """offset/limit/sortkey/sortdir of a list call."""

    def __init__(self, offset: int, limit: int, sortkey: str, descending: bool) -> None:
        self.offset = offset
        self.limit = limit
        self.sortkey = sortkey
        self.descending = descending


def _query_value(query: dict, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def parse_count(text: str, name: str) -> int:
    """A non-negative decimal integer, capped at MAX_OFFSET (so neither Python nor SQLite overflows)."""
    if not _INTEGER.match(text):
        raise bad_request("VALUE_INCORRECT_TYPE", f"{name} must be an integer", name)
    digits = text.lstrip("+-").lstrip("0") or "0"
    if text.startswith("-") and digits != "0":
        raise bad_request("VALUE_OUT_OF_BOUNDS", f"{name} must not be negative", name)
    if len(digits) > _MAX_COUNT_DIGITS:
        return MAX_OFFSET
    return min(int(digits), MAX_OFFSET)


def _query_count(query: dict, name: str, default: int, max_limit: int = MAX_LIMIT) -> int:
    text = _query_value(query, name)
    if text is None or text == "":
        return default
    number = parse_count(text, name)
    if name == "limit" and number > max_limit:
        raise bad_request("VALUE_OUT_OF_BOUNDS", f"limit must be at most {max_limit}", name)
    return number


def parse_paging(query: dict, default_limit: int, sortkeys, default_sortkey: str, max_limit: int = MAX_LIMIT) -> Paging:
    offset = _query_count(query, "offset", 0)
    limit = _query_count(query, "limit", default_limit, max_limit)
    sortkey = _query_value(query, "sortkey") or default_sortkey
    if sortkey not in sortkeys:
        raise bad_request("VALUE_OUT_OF_BOUNDS", f"sortkey must be one of {', '.join(sorted(sortkeys))}", "sortkey")
    sortdir = (_query_value(query, "sortdir") or "ASC").upper()
    if sortdir not in ("ASC", "DESC"):
        raise bad_request("VALUE_OUT_OF_BOUNDS", "sortdir must be ASC or DESC", "sortdir")
    return Paging(offset, limit, sortkey, sortdir == "DESC")
