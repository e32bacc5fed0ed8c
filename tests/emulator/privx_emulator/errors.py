# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The two error shapes PrivX answers with: its own error body for every API call, and the OAuth body
# for the token endpoint.

ERROR_CODES = frozenset([
    "GENERAL_ERROR", "BAD_REQUEST", "PERMISSION_DENIED", "INVALID_REQUEST_DATA", "REQUIRED_VALUE_MISSING",
    "VALUE_OUT_OF_BOUNDS", "VALUE_INCORRECT_TYPE", "VALUE_INCORRECT_FORMAT", "VALUE_DUPLICATE",
    "CONFIGURATION_ERROR", "OUT_OF_RESOURCES", "MAX_LOAD", "TOO_MANY_CONNECTIONS", "DATABASE_ERROR",
    "CACHE_ERROR", "INTRA_SERVICE_COMMUNICATION_ERROR",
])


def error_body(error_code: str, message: str, prop: str = "") -> dict:
    """PrivX's error body; `property` and `details` are always present."""
    return {"error_code": error_code, "error_message": message, "property": prop, "details": []}


class ApiError(Exception):
    """An answer with PrivX's error body."""

    def __init__(self, status: int, error_code: str, message: str, prop: str = "", headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.prop = prop
        self.headers = headers or {}

    def body(self) -> dict:
        return error_body(self.error_code, self.message, self.prop)


class OAuthError(Exception):
    """An answer of the token endpoint, in the OAuth 2.0 error format (RFC 6749 section 5.2)."""

    def __init__(self, status: int, error: str, description: str, headers: dict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


def bad_request(error_code: str, message: str, prop: str = "") -> ApiError:
    return ApiError(400, error_code, message, prop)


def not_found(message: str, prop: str = "") -> ApiError:
    # The PrivX code list has no NOT_FOUND: 404 comes with GENERAL_ERROR (docs/privx-api.md, Transport).
    return ApiError(404, "GENERAL_ERROR", message, prop)


def permission_denied(message: str) -> ApiError:
    return ApiError(403, "PERMISSION_DENIED", message)
