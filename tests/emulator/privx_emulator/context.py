# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# What a handler gets (RequestContext) and gives back (Response), independent of the HTTP plumbing.

import json

from .validation import parse_json_object


class Response:
    """An answer: status, JSON body (None for an empty body) and extra headers; `dropped` closes the
    connection without answering at all."""

    def __init__(self, status: int, body: object = None, headers: dict | None = None, dropped: bool = False) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.dropped = dropped

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        return json.dumps(self.body).encode("utf-8")

    @classmethod
    def empty(cls, status: int = 200) -> "Response":
        return cls(status)

    @classmethod
    def drop(cls) -> "Response":
        # Status 0 is what the request log records for a connection closed without an answer.
        return cls(0, dropped=True)


class RequestContext:
    """One API request as the handlers see it."""

    def __init__(self, app, method: str, path: str, query: dict, headers, raw_body: bytes) -> None:
        self.app = app
        self.store = app.store
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.raw_body = raw_body
        self.params = {}
        self.caller = None
        # The API client_id for the request log, set as soon as the caller is known.
        self.client_id = None
        # The caller's IP address: the audit log's remoteAddress, and what the token exchange's ip_client rule
        # compares a claim with.
        self.remote_address = ""
        self._body = None

    def json_body(self) -> dict:
        if self._body is None:
            self._body = parse_json_object(self.raw_body)
        return self._body
