# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Injected faults (control API): answer an error status, drop the connection, or delay the answer,
# for the next N API requests whose path matches a regular expression. "echo" answers an error status
# (default 400) whose error_message and property repeat the request's headers and body, as a careless
# proxy or server does: the collection's leak tests check that no secret comes back out of it.
# "ignore_offset" answers a list call as if it had no offset and reports a count of IGNORED_OFFSET_COUNT, as a
# caching proxy that keys on the path alone would in front of a list that seems never to end.

import re
import threading

from .errors import bad_request, error_body
from .validation import check_number

ACTIONS = ("status", "drop", "delay", "echo", "ignore_offset")
IGNORED_OFFSET_COUNT = 1000000
# error_code of a faulted status answer, unless the fault names its own. MAX_LOAD and TOO_MANY_CONNECTIONS
# come with 429 or 503 (docs/privx-api.md, emulator's choice).
ERROR_CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    401: "GENERAL_ERROR",
    403: "PERMISSION_DENIED",
    404: "GENERAL_ERROR",
    429: "MAX_LOAD",
    500: "GENERAL_ERROR",
    502: "INTRA_SERVICE_COMMUNICATION_ERROR",
    503: "TOO_MANY_CONNECTIONS",
    504: "INTRA_SERVICE_COMMUNICATION_ERROR",
}
_FIELDS = ("path", "method", "count", "skip", "action", "status", "retry_after", "delay", "error_code", "message", "applied")


def _number(spec: dict, key: str, default, minimum: float, integer: bool = False):
    value = spec.get(key, default)
    return None if value is None else check_number(value, key, minimum, integer)


def _string(spec: dict, key: str) -> str | None:
    value = spec.get(key)
    if value is not None and not isinstance(value, str):
        raise bad_request("VALUE_INCORRECT_TYPE", f"{key} must be a string", key)
    return value


class Fault:
    def __init__(self, fault_id: int, spec: dict) -> None:
        for key in spec:
            if key not in _FIELDS:
                raise bad_request("INVALID_REQUEST_DATA", f"unknown property {key}", key)
        self.id = fault_id
        self.path = self._pattern(spec)
        self.method = (_string(spec, "method") or "").upper() or None
        self.action = spec.get("action")
        if self.action not in ACTIONS:
            raise bad_request("VALUE_OUT_OF_BOUNDS", f"action must be one of {', '.join(ACTIONS)}", "action")
        # count null means "until the faults are cleared".
        self.remaining = _number(spec, "count", 1, 1, integer=True)
        self.skip = _number(spec, "skip", 0, 0, integer=True)
        self.status = _number(spec, "status", {"status": 503, "echo": 400}.get(self.action), 100, integer=True)
        self.retry_after = _number(spec, "retry_after", None, 0)
        self.delay = _number(spec, "delay", None, 0) or 0.0
        if self.action == "delay" and not self.delay:
            raise bad_request("REQUIRED_VALUE_MISSING", "a delay fault needs delay (seconds)", "delay")
        # A drop happens before the request is handled (nothing applied), or with `applied` after it (the change is
        # made, the answer lost): on a write a client cannot tell the two apart, which is what the option is for.
        self.applied = spec.get("applied", False)
        if not isinstance(self.applied, bool):
            raise bad_request("VALUE_INCORRECT_TYPE", "applied must be a boolean", "applied")
        if self.applied and self.action != "drop":
            raise bad_request("INVALID_REQUEST_DATA", "applied is for action drop only", "applied")
        self.error_code = _string(spec, "error_code") or ERROR_CODE_BY_STATUS.get(self.status, "GENERAL_ERROR")
        self.message = _string(spec, "message") or "fault injected by the PrivX emulator"
        self.hits = 0

    @staticmethod
    def _pattern(spec: dict):
        text = _string(spec, "path")
        if not text:
            raise bad_request("REQUIRED_VALUE_MISSING", "path (a regular expression) is required", "path")
        try:
            return re.compile(text)
        except re.error as exc:
            raise bad_request("VALUE_INCORRECT_FORMAT", f"path is not a regular expression: {exc}", "path") from None

    def matches(self, method: str, path: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method and self.method != method:
            return False
        return bool(self.path.search(path))

    def headers(self) -> dict:
        if self.retry_after is None:
            return {}
        value = self.retry_after
        return {"Retry-After": str(int(value)) if float(value).is_integer() else str(value)}

    def body(self, ctx=None) -> dict:
        if self.action == "echo" and ctx is not None:
            echo = echoed_request(ctx)
            return error_body(self.error_code, f"{self.message}: {echo}", echo)
        return error_body(self.error_code, self.message)

    def describe(self) -> dict:
        return {
            "applied": self.applied,
            "id": self.id, "path": self.path.pattern, "method": self.method, "action": self.action,
            "remaining": self.remaining, "skip": self.skip, "status": self.status, "retry_after": self.retry_after,
            "delay": self.delay, "error_code": self.error_code if self.action in ("status", "echo") else None, "hits": self.hits,
        }


def echoed_request(ctx) -> str:
    """The request as text: method, path, every header (Authorization included) and the body."""
    headers = "; ".join(f"{name}: {value}" for name, value in ctx.headers.items())
    body = ctx.raw_body.decode("utf-8", "replace")
    return f"{ctx.method} {ctx.path} headers: {headers} body: {body}"


class FaultSet:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults = []
        self._next_id = 1

    def add(self, spec: dict) -> Fault:
        with self._lock:
            fault = Fault(self._next_id, spec)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The fault to apply to this request, if any. The first matching fault decides: while it still
        has requests to skip, the request passes untouched."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                if fault.skip:
                    fault.skip -= 1
                    return None
                if fault.remaining is not None:
                    fault.remaining -= 1
                fault.hits += 1
                return fault
            return None

    def listing(self) -> list:
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
