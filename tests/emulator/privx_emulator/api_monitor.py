# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The monitor service (docs/privx-api-admin.md, "Audit events"): search and list the audit log that audit.py
# records, the catalogue of event codes, and the server's clock. The search body is the Go SDK's AuditEventSearch,
# whose nine keys the SDK always sends ("" when unset: no filter); paging, sort and fuzzycount are query parameters.

from . import audit
from .context import Response
from .errors import bad_request
from .timeutil import now
from .validation import DATETIME, STRING, UUID, check_fields, parse_json, parse_paging, split_keywords

MONITOR_DEFAULT_LIMIT = 50
AUDIT_SORT = ("created",)
SEARCH_FIELDS = {
    "keywords": STRING, "user_id": UUID, "connection_id": UUID, "host_id": UUID, "source_id": UUID, "session_id": UUID,
    "access_group_id": UUID, "start_time": DATETIME, "end_time": DATETIME,
}
# Filters no event of the emulator's carries (it runs no connections, sessions, access groups or user sources):
# a search by one of them finds nothing.
UNTRACKED_FILTERS = ("connection_id", "source_id", "session_id", "access_group_id")
# What Go's strconv.ParseBool takes, as PrivX's server parses a boolean query parameter.
_BOOLEAN_TEXTS = ("1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False")


def _search_body(raw: bytes) -> dict:
    """The AuditEventSearch of the body; the JSON null (Go's Post of a nil pointer) is every filter empty."""
    if not raw.strip():
        raise bad_request("INVALID_REQUEST_DATA", "request body is missing")
    body = parse_json(raw)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad_request("INVALID_REQUEST_DATA", "request body must be a JSON object")
    return check_fields(body, SEARCH_FIELDS)


def _criteria(values: dict) -> dict:
    start, end = values.get("start_time"), values.get("end_time")
    if start is not None and end is not None and end < start:
        raise bad_request("VALUE_OUT_OF_BOUNDS", "end_time must not be before start_time", "end_time")
    criteria = {"keywords": split_keywords(values.get("keywords", "")), "user_id": values.get("user_id", ""),
                "host_id": values.get("host_id", "")}
    criteria["start"] = audit.to_micros(start) if start is not None else None
    criteria["end"] = audit.to_micros(end) if end is not None else None
    criteria["untracked"] = any(values.get(key) for key in UNTRACKED_FILTERS)
    return criteria


def _check_fuzzycount(query: dict) -> None:
    # fuzzycount allows an approximate count when keywords are given; the emulator's count is always exact.
    for text in query.get("fuzzycount", []):
        if text not in _BOOLEAN_TEXTS:
            raise bad_request("VALUE_INCORRECT_TYPE", "fuzzycount must be a boolean (true or false)", "fuzzycount")


def _events(ctx, criteria: dict) -> Response:
    paging = parse_paging(ctx.query, MONITOR_DEFAULT_LIMIT, AUDIT_SORT, "created")
    _check_fuzzycount(ctx.query)
    if criteria.get("untracked"):
        return Response(200, {"count": 0, "items": []})
    with ctx.store.transaction(write=False) as store:
        count, rows = store.page_audit_events(criteria, paging)
    return Response(200, {"count": count, "items": [audit.render_event(row) for row in rows]})


def search_audit_events(ctx) -> Response:
    """POST /monitor-service/api/v1/auditevents/search AuditEventSearch ?offset&limit&sortkey&sortdir&fuzzycount"""
    return _events(ctx, _criteria(_search_body(ctx.raw_body)))


def list_audit_events(ctx) -> Response:
    """GET /monitor-service/api/v1/auditevents ?offset&limit&sortkey&sortdir&fuzzycount"""
    return _events(ctx, {})


def audit_event_codes(_ctx) -> Response:
    """GET /monitor-service/api/v1/auditevents/codes"""
    return Response(200, audit.codes())


def server_time(_ctx) -> Response:
    """GET /monitor-service/api/v1/time: the server's clock, so that a poller can take its time windows from it."""
    return Response(200, {"time_utc": audit.format_event_time(audit.to_micros(now()))})
