# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# OAuth2 for API clients: the token endpoint (password grant with the OAuth client in a Basic header, and the
# refresh grant of tokens.py), bearer-token authentication of every other call, and what the caller's roles
# permit (api_identity.py). A bearer token may also come from a token exchange (token_exchange.py).

import base64
import binascii
import urllib.parse

from . import audit
from .api_identity import ADMIN_PERMISSION, permissions_of, roles_of
from .context import Response
from .errors import ApiError, OAuthError, permission_denied
from .timeutil import now
from .tokens import PASSWORD, caller_by_id, issue, refresh_grant


def _basic_credentials(header: str | None) -> tuple:
    """(id, secret) from "Basic base64(id:secret)", or None when absent or malformed."""
    if not header:
        return None
    scheme, _space, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, client_secret = decoded.partition(":")
    if not colon:
        return None
    return client_id, client_secret


def _oauth_client_matches(store, credentials: tuple) -> bool:
    # RFC 6749 2.3.1 form-encodes id and secret before base64 (Go's oauth2 does); PrivX's Python SDK
    # does not. Both spellings are accepted.
    client_id, client_secret = credentials
    if store.oauth_client_known(client_id, client_secret):
        return True
    return store.oauth_client_known(urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(client_secret))


def _form_fields(raw_body: bytes) -> dict:
    try:
        text = raw_body.decode("utf-8")
    except UnicodeDecodeError:
        raise OAuthError(400, "invalid_request", "request body is not UTF-8 form data") from None
    fields = urllib.parse.parse_qs(text, keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


# The audit events of a refused login, by the OAuth error it answers with.
_REFUSED_LOGINS = {"invalid_client": "OAuth-client-authentication-failed", "invalid_grant": "User-login-failed"}


def issue_token(ctx) -> Response:
    """POST /auth/api/v1/oauth/token; a refused login is audited once its own transaction has rolled back."""
    try:
        return _grant_token(ctx)
    except OAuthError as exc:
        if exc.error in _REFUSED_LOGINS:
            _audit_refused_login(ctx, _REFUSED_LOGINS[exc.error], exc.description)
        raise


def _audit_refused_login(ctx, event: str, reason: str) -> None:
    """Names who tried (the OAuth client, or the API client id in the form), never a secret."""
    if event == "User-login-failed":
        who = {"username": _form_fields(ctx.raw_body).get("username", "")}
    else:
        who = {"oauthClientID": (_basic_credentials(ctx.headers.get("Authorization")) or ("",))[0]}
    with ctx.store.transaction() as store:
        audit.record(store, event, error=reason, **who)


def _grant_token(ctx) -> Response:
    credentials = _basic_credentials(ctx.headers.get("Authorization"))
    with ctx.store.transaction() as store:
        form = _form_fields(ctx.raw_body)
        if form.get("grant_type") == "refresh_token":
            return refresh_grant(ctx, store, form, None if credentials is None else _oauth_client_matches(store, credentials))
        if credentials is None:
            raise OAuthError(401, "invalid_client", "client authentication with HTTP Basic is required")
        if not _oauth_client_matches(store, credentials):
            raise OAuthError(401, "invalid_client", "unknown OAuth client or wrong OAuth client secret")
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError(400, "invalid_request", "grant_type is required")
        if grant_type != "password":
            raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
        username, password = form.get("username"), form.get("password")
        if not username or not password:
            raise OAuthError(400, "invalid_request", "username and password are required")
        client = store.get_api_client(username)
        if client is not None:
            ctx.client_id = client["client_id"]
        if client is None or client["client_secret"] != password or not _belongs_to(client, credentials):
            raise OAuthError(400, "invalid_grant", "wrong API client id or secret")
        return issue(ctx, store, client, client["role"], PASSWORD)


def _belongs_to(client: dict, credentials: tuple) -> bool:
    oauth_id, oauth_secret = credentials
    pairs = {(oauth_id, oauth_secret), (urllib.parse.unquote_plus(oauth_id), urllib.parse.unquote_plus(oauth_secret))}
    return (client["oauth_client_id"], client["oauth_client_secret"]) in pairs


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "GENERAL_ERROR", message, headers={"WWW-Authenticate": 'Bearer realm="privx"'})


def bearer_token(headers) -> str | None:
    header = headers.get("Authorization")
    if not header:
        return None
    scheme, _space, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(ctx) -> dict:
    """The API client behind the bearer token; 401 when the token is missing, unknown or expired."""
    if not ctx.headers.get("Authorization"):
        raise _unauthorized("authorization token missing")
    token = bearer_token(ctx.headers)
    if token is None:
        raise _unauthorized("authorization token missing: expected 'Authorization: Bearer <token>'")
    with ctx.store.transaction() as store:
        row = store.get_token(token)
        client = caller_by_id(store, row["client_id"]) if row else None
    if row is None or client is None:
        raise _unauthorized("authorization token invalid")
    ctx.client_id = client["client_id"]
    if row["expires"] <= now():
        raise _unauthorized("authorization token expired")
    ctx.caller = client
    return client


def client_id_for_log(store, headers) -> str | None:
    """Best effort: who sent a request that never reached authentication (a faulted one)."""
    token = bearer_token(headers)
    if token is None:
        return None
    with store.transaction():
        row = store.get_token(token)
    return row["client_id"] if row else None


def authorize(caller: dict, route) -> None:
    """Let the caller through when its roles permit the route: `privx-admin` permits everything, any of the route's
    permissions (when it names some) that route, any role the user-scope calls, and any caller, even one without
    roles, the status and identity reads."""
    permissions = permissions_of(caller)
    if route.any_caller or ADMIN_PERMISSION in permissions or set(route.permissions) & set(permissions):
        return
    if route.user_allowed and roles_of(caller):
        return
    if (route.permissions or route.user_allowed) and not roles_of(caller):
        raise permission_denied("this API client has no role")
    needed = " nor ".join((ADMIN_PERMISSION,) + tuple(route.permissions))
    if route.permissions:
        raise permission_denied(f"this API client's roles grant neither {needed}, which this call needs")
    raise permission_denied(f"this API client's roles do not grant the {ADMIN_PERMISSION} permission this call needs")
