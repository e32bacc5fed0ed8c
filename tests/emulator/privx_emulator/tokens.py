# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Access and refresh tokens, whoever they are granted to: an API client (the password grant, api_auth.py) or a
# user that a token exchange mapped a JWT's subject to (token_exchange.py). Both kinds of caller are the same
# to the rest of the emulator: a dict with client_id (what tokens, checkouts and the request log key on),
# name, role and user_id. Also here: the refresh grant, and the control calls on tokens.
#
# The refresh grant [emulator's choice, docs/privx-api.md "Refresh"]: a refresh token is good once, until 24
# hours after its access token expired; using it issues a new access token and a new refresh token, and
# leaves the old access token valid until it expires. A refresh token of an exchanged token is refused once
# the identity provider that vouched for it is deleted or disabled, and any refresh token once its caller is
# gone.

import secrets

from . import audit
from .context import Response
from .errors import OAuthError, bad_request
from .timeutil import format_time, now
from .validation import parse_json_object

# How long an expired token is remembered, so that a late call hears "expired" rather than "invalid", and
# how long after its access token expired a refresh token may still be used.
EXPIRED_TOKEN_MEMORY = 24 * 3600
# The OAuth clients that may use the refresh grant without client authentication: PrivX's own web UI
# client, which the Go SDK names in its refresh (oauth/authcode.go).
PUBLIC_CLIENTS = ("privx-ui",)
PASSWORD, TOKEN_EXCHANGE, REFRESH = "password", "token_exchange", "refresh_token"
ACTIVE, USED, REVOKED = "active", "used", "revoked"
# [emulator's choice] How a user resolved by a token exchange is labelled in users/current.
EXCHANGED_USER_SOURCE_TYPE = "LOCAL"


def identity_caller(user: dict) -> dict:
    """A directory user (store row) as a caller."""
    return {"client_id": user["user_id"], "name": user["principal"], "role": user["role"], "user_id": user["user_id"],
            "source": user["directory_id"], "source_type": EXCHANGED_USER_SOURCE_TYPE}


def caller_by_id(store, caller_id: str) -> dict | None:
    """The API client, or the exchanged identity, that a token was granted to."""
    client = store.get_api_client(caller_id)
    if client is not None:
        return client
    user = store.get_directory_user(caller_id)
    return identity_caller(user) if user is not None else None


def issue(ctx, store, caller: dict, scope: str, grant_type: str, identity_provider_id: str = "") -> Response:
    """A new access and refresh token for the caller; the OAuth answer."""
    issued = now()
    lifetime = ctx.app.settings.token_lifetime
    token = {
        "access_token": secrets.token_urlsafe(32),
        "refresh_token": secrets.token_urlsafe(32),
        "client_id": caller["client_id"],
        "issued": issued,
        "expires": issued + lifetime,
    }
    store.insert_token(token)
    store.insert_token_grant({"access_token": token["access_token"], "grant_type": grant_type, "scope": scope,
                              "identity_provider_id": identity_provider_id, "refresh_state": ACTIVE})
    store.purge_tokens(issued - EXPIRED_TOKEN_MEMORY)
    audit.record(store, "Access-token-granted", user=caller, grantType=grant_type, expiresIn=lifetime)
    body = {
        "access_token": token["access_token"],
        "token_type": "bearer",
        "expires_in": lifetime,
        "refresh_token": token["refresh_token"],
        "scope": scope,
    }
    return Response(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def _refresh_client(form: dict, client_authenticated: bool | None) -> None:
    """The client of a refresh grant: an OAuth client in a Basic header, or a public client named by client_id."""
    if client_authenticated is False:
        raise OAuthError(401, "invalid_client", "unknown OAuth client or wrong OAuth client secret")
    if client_authenticated:
        return
    client_id = form.get("client_id")
    if not client_id:
        raise OAuthError(401, "invalid_client", "client authentication with HTTP Basic, or the client_id of a public client, is required")
    if client_id not in PUBLIC_CLIENTS:
        raise OAuthError(401, "invalid_client", f"OAuth client {client_id!r} must authenticate with HTTP Basic")


def _usable_grant(store, form: dict, when: float) -> tuple:
    """(token row with its grant, caller) of the form's refresh token; invalid_grant naming why it is not usable."""
    refresh_token = form.get("refresh_token")
    if not refresh_token:
        raise OAuthError(400, "invalid_request", "refresh_token is required")
    row = store.token_by_refresh(refresh_token)
    if row is None:
        raise OAuthError(400, "invalid_grant", "refresh token is invalid")
    if row["refresh_state"] == USED:
        raise OAuthError(400, "invalid_grant", "refresh token has already been used")
    if row["refresh_state"] == REVOKED:
        raise OAuthError(400, "invalid_grant", "refresh token has been revoked")
    if when > row["expires"] + EXPIRED_TOKEN_MEMORY:
        raise OAuthError(400, "invalid_grant", "refresh token expired")
    caller = caller_by_id(store, row["client_id"])
    if caller is None:
        raise OAuthError(400, "invalid_grant", "the user this refresh token was issued to no longer exists")
    if row["identity_provider_id"]:
        provider = store.get_identity_provider(row["identity_provider_id"])
        if provider is None or not provider["enabled"]:
            state = "deleted" if provider is None else "disabled"
            raise OAuthError(400, "invalid_grant", f"the identity provider that vouched for this refresh token is {state}")
    return row, caller


def refresh_grant(ctx, store, form: dict, client_authenticated: bool | None) -> Response:
    """grant_type=refresh_token at POST /auth/api/v1/oauth/token, as the Go SDK sends it (form fields client_id
    privx-ui, redirect_uri, grant_type, refresh_token; no Basic header); redirect_uri and scope are ignored."""
    _refresh_client(form, client_authenticated)
    row, caller = _usable_grant(store, form, now())
    ctx.client_id = caller["client_id"]
    store.set_refresh_state(row["access_token"], USED, row)
    # A token from before token_grants existed was an API client's: its scope was the client's role.
    scope = row["scope"] if row["scope"] is not None else caller["role"]
    return issue(ctx, store, caller, scope, REFRESH, row["identity_provider_id"])


# -- control calls (/_emulator/tokens...) ---------------------------------------------------------------

def _client_filter(value) -> str | None:
    if value is not None and not isinstance(value, str):
        raise bad_request("VALUE_INCORRECT_TYPE", "client_id must be a string", "client_id")
    return value or None


def _refresh_state(row: dict, when: float) -> str:
    if row["refresh_state"] == ACTIVE and when > row["expires"] + EXPIRED_TOKEN_MEMORY:
        return "expired"
    return row["refresh_state"]


def list_tokens(app, query: dict, _raw: bytes) -> Response:
    """GET /_emulator/tokens?client_id=: every remembered token, without the token values."""
    client_id = _client_filter((query.get("client_id") or [None])[0])
    when = now()
    with app.store.transaction() as store:
        rows = store.token_grants(client_id)
        items = [{
            "client_id": row["client_id"],
            "grant_type": row["grant_type"],
            "scope": row["scope"] if row["scope"] is not None else "",
            "identity_provider_id": row["identity_provider_id"],
            "issued": format_time(row["issued"]),
            "expires": format_time(row["expires"]),
            "expires_epoch": row["expires"],
            "expired": row["expires"] <= when,
            "refresh": _refresh_state(row, when),
        } for row in rows]
    return Response(200, {"count": len(items), "items": items})


def revoke_refresh_tokens(app, _query: dict, raw: bytes) -> Response:
    """POST /_emulator/tokens/revoke-refresh {client_id?}: every refresh token still usable (of that caller) is
    revoked; the access tokens live on until they expire."""
    body = parse_json_object(raw) if raw.strip() else {}
    for key in body:
        if key != "client_id":
            raise bad_request("INVALID_REQUEST_DATA", f"unknown property {key}", key)
    client_id = _client_filter(body.get("client_id"))
    revoked = 0
    with app.store.transaction() as store:
        for row in store.token_grants(client_id):
            if row["refresh_state"] == ACTIVE:
                store.set_refresh_state(row["access_token"], REVOKED, row)
                revoked += 1
    return Response(200, {"revoked": revoked})


CONTROL_ROUTES = {
    "tokens": {"GET": list_tokens},
    "tokens/revoke-refresh": {"POST": revoke_refresh_tokens},
}
