# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Token exchange: POST /auth/api/v1/token/login {token, client_id, scope} trades a JWT from a trusted issuer for
# a PrivX access token (docs/privx-api.md, "Token exchange"). The JWT is checked as PrivX documents it: typ JWT
# and alg in its header, iss naming an enabled identity provider (api_identity_providers.py), a signature that
# one of the provider's static public keys verifies, exp/nbf/iat against the clock (LEEWAY seconds either
# way), aud against the provider's jwt_audience, the provider's custom_attributes rules, and sub resolving to a
# user of the provider's users_directory. That user's roles (from the fixture) are the token's. The answer,
# and the token, are those of any other grant (tokens.py).
#
# Every refusal is 400 with the OAuth body {error, error_description}: invalid_request for a request or token
# that is not well-formed, invalid_client for an unknown client_id, invalid_grant for a well-formed token PrivX
# will not accept [emulator's choice of status: a 401 would be retried by the Go SDK, which then hides the body].
# A description never contains the token or any part of it; it may name claims' values (iss, aud, sub).

import fnmatch
import functools
import ipaddress
from decimal import Decimal, InvalidOperation
from string import hexdigits

from .api_identity_providers import provider_settings
from .errors import ApiError, OAuthError
from .jwt_verify import SUPPORTED_ALGORITHMS, MalformedToken, decode_jws, load_pem_public_key, verify_signature
from .timeutil import format_time, now
from .tokens import PUBLIC_CLIENTS, TOKEN_EXCHANGE, identity_caller, issue
from .validation import parse_json_object

EXCHANGE_PATH = "/auth/api/v1/token/login"
# Seconds of clock difference allowed when checking exp, nbf and iat [emulator's choice].
LEEWAY = 30
REQUEST_FIELDS = ("token", "client_id", "scope")
# Claim values quoted in an answer are cut to this length.
SHOWN_LENGTH = 120


def _invalid_request(message: str) -> OAuthError:
    return OAuthError(400, "invalid_request", message)


def _invalid_grant(message: str) -> OAuthError:
    return OAuthError(400, "invalid_grant", message)


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH] + "..."


def _request(raw: bytes) -> dict:
    """{token, client_id, scope}, each a string ("" or null: not given); the Go SDK always sends all three."""
    try:
        body = parse_json_object(raw)
    except ApiError:
        raise _invalid_request("the request body must be a JSON object {token, client_id, scope}") from None
    for key in body:
        if key not in REQUEST_FIELDS:
            raise _invalid_request(f"unknown property {_shown(key)} (expected token, client_id, scope)")
    values = {}
    for key in REQUEST_FIELDS:
        value = "" if body.get(key) is None else body[key]
        if not isinstance(value, str):
            raise _invalid_request(f"{key} must be a string")
        values[key] = value
    if not values["token"].strip():
        raise _invalid_request("token is required")
    return values


def _check_client(store, client_id: str) -> None:
    # [emulator's choice] "" (the Go SDK's default), PrivX's public UI client and any OAuth client an API client
    # of the fixture uses; PrivX's rule is not documented.
    if client_id and client_id not in PUBLIC_CLIENTS and client_id not in store.oauth_client_ids():
        raise OAuthError(400, "invalid_client", f"unknown OAuth client {_shown(client_id)}")


def _decoded(token: str):
    try:
        jws = decode_jws(token.strip())
    except MalformedToken as exc:
        raise _invalid_request(f"token is not a well-formed JWT: {exc}") from None
    algorithm, kind = jws.header.get("alg"), jws.header.get("typ")
    if not isinstance(algorithm, str) or not algorithm:
        raise _invalid_request("token is not a well-formed JWT: its header has no alg")
    # PrivX's documentation requires typ JWT (media types compare without regard to case, RFC 7515 4.1.9).
    if not isinstance(kind, str) or kind.upper() != "JWT":
        raise _invalid_request("token is not a well-formed JWT: its header's typ is not JWT")
    if "crit" in jws.header:
        raise _invalid_grant("token header names critical extensions (crit), which are not supported")
    return jws


def _string_claim(payload: dict, claim: str) -> str:
    value = payload.get(claim)
    if value is None:
        raise _invalid_grant(f"token has no {claim} claim")
    if not isinstance(value, str) or not value:
        raise _invalid_grant(f"token claim {claim} must be a non-empty string")
    return value


def _providers_for(store, issuer: str) -> list:
    rows = store.identity_providers_by_issuer(issuer)
    if not rows:
        raise _invalid_grant(f"no identity provider trusts the token's issuer {_shown(issuer)}")
    enabled = [provider_settings(row) for row in rows if row["enabled"]]
    if not enabled:
        raise _invalid_grant(f"identity provider {_shown(rows[0]['name'])} (issuer {_shown(issuer)}) is disabled")
    return enabled


@functools.lru_cache(maxsize=128)
def _public_key(pem: str):
    return load_pem_public_key(pem)


def _check_signature(provider: dict, jws) -> None:
    name = _shown(provider["name"])
    algorithm = jws.header["alg"]
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise _invalid_grant(f"token algorithm {_shown(algorithm)} is not accepted (the emulator verifies "
                             f"{', '.join(SUPPORTED_ALGORITHMS)})")
    if provider["public_key_method"] != "static":
        raise _invalid_grant(f"identity provider {name} takes its keys from x5u URLs ({provider['public_key_method']}); "
                             "the emulator verifies static public keys only")
    keys = provider["public_keys"]
    kid = jws.header.get("kid")
    # [emulator's choice] A kid naming one of the provider's key_ids picks that key; otherwise every key is tried.
    candidates = [key for key in keys if key["key_id"] == kid] or keys
    for key in candidates:
        if verify_signature(algorithm, _public_key(key["public_key"]), jws.signing_input, jws.signature):
            return
    raise _invalid_grant(f"token signature does not verify with the public keys of identity provider {name}")


def _time_text(value) -> str:
    try:
        return format_time(value)
    except (OverflowError, OSError, ValueError):
        return f"{value} seconds after 1970"


def _time_claim(payload: dict, claim: str):
    value = payload.get(claim)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise _invalid_grant(f"token claim {claim} must be a number of seconds (NumericDate)")
    return value


def _check_times(payload: dict, when: float) -> None:
    expires, not_before, issued = (_time_claim(payload, claim) for claim in ("exp", "nbf", "iat"))
    if expires is not None and when > expires + LEEWAY:
        raise _invalid_grant(f"token expired at {_time_text(expires)}")
    if not_before is not None and when + LEEWAY < not_before:
        raise _invalid_grant(f"token is not valid before {_time_text(not_before)}")
    if issued is not None and issued > when + LEEWAY:
        raise _invalid_grant(f"token was issued in the future ({_time_text(issued)})")


def _check_audience(provider: dict, payload: dict) -> None:
    wanted = provider["jwt_audience"]
    if not wanted:
        return
    audience = payload.get("aud")
    expectation = f"identity provider {_shown(provider['name'])} expects audience {_shown(wanted)}"
    if audience is None:
        raise _invalid_grant(f"token has no aud claim; {expectation}")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or not all(isinstance(item, str) for item in audiences):
        raise _invalid_grant("token claim aud must be a string or an array of strings")
    if wanted not in audiences:
        raise _invalid_grant(f"token audience {_shown(audience)} does not match: {expectation}")


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _address(value):
    try:
        return ipaddress.ip_address(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _satisfies(rule: dict, value, client_address: str | None) -> bool:
    kind = rule["type"]
    if kind == "string_pattern":
        # [emulator's choice] shell-style globs (*, ?, [...]), case-sensitive; PrivX's pattern syntax is not documented.
        return isinstance(value, str) and fnmatch.fnmatchcase(value, rule["expected_value"])
    if kind == "numeric_range":
        number = _number(value)
        return number is not None and Decimal(rule["start"]) <= number <= Decimal(rule["end"])
    address = _address(value)
    if kind == "ip_range":
        start, end = ipaddress.ip_address(rule["start"]), ipaddress.ip_address(rule["end"])
        return address is not None and address.version == start.version and start <= address <= end
    return address is not None and client_address is not None and address == _address(client_address)


def _check_rules(provider: dict, payload: dict, client_address: str | None) -> None:
    """custom_attributes: each rule's claim must be there and satisfy it; a claim holding an array satisfies a
    rule when one of its items does [emulator's choice]."""
    name = _shown(provider["name"])
    for rule in provider["custom_attributes"]:
        claim = rule["field_name"]
        if claim not in payload:
            raise _invalid_grant(f"token has no {claim} claim, which identity provider {name} requires")
        values = payload[claim] if isinstance(payload[claim], list) else [payload[claim]]
        if not any(_satisfies(rule, value, client_address) for value in values):
            raise _invalid_grant(f"token claim {claim} does not satisfy the {rule['type']} rule of identity provider {name}")


def _split_unescaped(text: str, separators: str) -> list:
    parts, current, index = [], "", 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            current += text[index:index + 2]
            index += 2
            continue
        if text[index] in separators:
            parts.append(current)
            current = ""
        else:
            current += text[index]
        index += 1
    return parts + [current]


def _unescape(value: str) -> str:
    raw, index = bytearray(), 0
    while index < len(value):
        pair = value[index + 1:index + 3]
        if value[index] == "\\" and len(pair) == 2 and all(char in hexdigits for char in pair):
            raw += bytes.fromhex(pair)
            index += 3
        elif value[index] == "\\" and index + 1 < len(value):
            raw += value[index + 1].encode("utf-8")
            index += 2
        else:
            raw += value[index].encode("utf-8")
            index += 1
    return raw.decode("utf-8", "replace")


def dn_attribute(dn: str, attribute: str) -> str | None:
    """The value of the first `attribute=value` of an RFC 4514 distinguished name (CN=alice,DC=example,DC=com),
    the attribute's name compared without regard to case; None when it has none."""
    for part in _split_unescaped(dn, ",+"):
        name, equals, value = part.partition("=")
        if equals and name.strip().lower() == attribute.lower():
            return _unescape(value.strip()) or None
    return None


def _principal(provider: dict, payload: dict) -> str:
    subject = _string_claim(payload, "sub")
    if provider["jwt_subject_type"] != "dn":
        return subject
    attribute = provider["jwt_subject_dn_username_attribute"]
    principal = dn_attribute(subject, attribute)
    if principal is None:
        raise _invalid_grant(f"token subject {_shown(subject)} is not a DN with a {_shown(attribute)} attribute")
    return principal


def _accept(provider: dict, jws, when: float, client_address: str | None) -> str:
    """The username the provider maps the token to; invalid_grant naming the first check it fails."""
    _check_signature(provider, jws)
    _check_times(jws.payload, when)
    _check_audience(provider, jws.payload)
    _check_rules(provider, jws.payload, client_address)
    return _principal(provider, jws.payload)


def exchange_token(ctx):
    """POST /auth/api/v1/token/login {token, client_id, scope} -> 200 {access_token, token_type, expires_in,
    refresh_token, scope}"""
    request = _request(ctx.raw_body)
    jws = _decoded(request["token"])
    issuer = _string_claim(jws.payload, "iss")
    with ctx.store.transaction(write=False) as store:
        _check_client(store, request["client_id"])
        providers = _providers_for(store, issuer)
    when = now()
    failure = None
    # Several enabled providers may trust one issuer: the first (by name) that accepts the token wins; when none
    # does, the first one's reason is the answer.
    for provider in providers:
        try:
            principal = _accept(provider, jws, when, ctx.remote_address)
            with ctx.store.transaction() as store:
                user = store.find_directory_user(provider["users_directory"], principal)
                if user is None:
                    raise _invalid_grant(f"no user {_shown(principal)} in the users directory of identity provider "
                                         f"{_shown(provider['name'])}")
                caller = identity_caller(user)
                ctx.client_id = caller["client_id"]
                return issue(ctx, store, caller, request["scope"], TOKEN_EXCHANGE, provider["id"])
        except OAuthError as exc:
            failure = failure or exc
    raise failure
