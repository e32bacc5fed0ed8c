# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Token exchange (POST /auth/api/v1/token/login) and the refresh grant: a JWT of the fixture's CI issuer becomes
# a token of the user its subject names, with that user's roles; every reason PrivX refuses a JWT gets its own
# answer, none echoing the token; refresh tokens work once; the request log and stderr never hold a token.
# JWTs are minted with PyJWT, independently of the emulator's verifier.

import base64
import json
import os
import sqlite3
import subprocess
import sys
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519

from emulator_helpers import AZ, SM, Api, assert_error
from identity_helpers import (AUDIENCE, CI_ADMIN, CI_ISSUER, CI_PROVIDER, DEPLOYER, EXCHANGE_PATH, IDP, NO_ROLES, TOKEN_PATH,
                              Bearer, claims, create_provider, exchange, go_identity_provider, mint, new_ec_key, new_rsa_key,
                              public_pem, refresh)
from privx_emulator import jwt_mint
from privx_emulator.harness import EmulatorProcess, fixture_path
from privx_emulator.timeutil import format_time

CURRENT = "/role-store/api/v1/users/current"
TOKEN_KEYS = {"access_token", "token_type", "expires_in", "refresh_token", "scope"}


def oauth_refusal(answer, error: str, *fragments: str, status: int = 400) -> str:
    """An OAuth error answer: the status, {error, error_description} and nothing else; the description contains
    each fragment. Returns the description."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error", "error_description"}, body
    assert body["error"] == error, body
    assert answer.headers["Cache-Control"] == "no-store"
    for fragment in fragments:
        assert fragment in body["error_description"], body
    return body["error_description"]


def assert_token_not_echoed(answer, token: str) -> None:
    text = answer.text
    for part in [token] + [part for part in token.split(".") if len(part) > 8]:
        assert part not in text


def exchanged(emu, subject: str = "deployer", **claim_values) -> dict:
    answer = exchange(emu, mint(claims(subject, **claim_values)))
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- success --------------------------------------------------------------------------------------------------

def test_exchange_gives_a_token_of_the_mapped_user(emu) -> None:
    mark = emu.control.mark()
    token = mint()
    answer = exchange(emu, token)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == TOKEN_KEYS and body["token_type"] == "bearer" and body["expires_in"] == 300 and body["scope"] == ""
    assert body["access_token"] != body["refresh_token"] and token not in (body["access_token"], body["refresh_token"])
    assert answer.headers["Cache-Control"] == "no-store"
    me = Bearer(emu, body["access_token"]).get(CURRENT).json()
    assert (me["id"], me["principal"], me["permissions"]) == (DEPLOYER, "deployer", ["connections-authorize"])
    assert [role["name"] for role in me["roles"]] == ["secrets-users"]
    logged = emu.control.requests(since=mark)
    assert [(entry["method"], entry["path"], entry["status"], entry["client"]) for entry in logged] == [
        ("POST", EXCHANGE_PATH, 200, DEPLOYER), ("GET", CURRENT, 200, DEPLOYER)]
    [listed] = emu.control.tokens(DEPLOYER)
    assert (listed["grant_type"], listed["identity_provider_id"], listed["refresh"]) == ("token_exchange", CI_PROVIDER, "active")


def test_a_token_minted_by_the_stdlib_helper_is_accepted(emu) -> None:
    """tests/emulator/mint_jwt.py (privx_emulator/jwt_mint.py), which the demo and guides use without PyJWT."""
    answer = exchange(emu, jwt_mint.mint(jwt_mint.claims_for("deployer", ttl=60)))
    assert answer.status_code == 200, answer.text


def test_python_sdk_payload_and_scope(emu) -> None:
    """The Python SDK's documented payload: the scope comes back as asked; client_id privx-ui is PrivX's UI client."""
    answer = exchange(emu, mint(), client_id="privx-ui", scope="privx-user connections-manual")
    assert answer.status_code == 200 and answer.json()["scope"] == "privx-user connections-manual"
    assert exchange(emu, mint(), client_id="privx-external").status_code == 200, "an OAuth client of the fixture"
    oauth_refusal(exchange(emu, mint(), client_id="rogue-client"), "invalid_client", "unknown OAuth client 'rogue-client'")


def test_exchanged_user_may_check_out_but_not_administer(emu) -> None:
    deployer = Bearer(emu, exchanged(emu)["access_token"])
    assert deployer.get(AZ + "/secrets").json()["count"] > 0
    checkout = deployer.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/app_admin"})
    assert checkout.status_code == 200, checkout.text
    assert [item["user_id"] for item in emu.control.checkouts()] == [DEPLOYER], "the checkout is the exchanged user's"
    assert deployer.post(f"{AZ}/secrets/checkouts/{checkout.json()['id']}/release").status_code == 200
    for method, path in (("GET", SM + "/targetdomains"), ("GET", SM + "/password-policies"), ("GET", IDP)):
        assert_error(deployer.call(method, path), 403, "PERMISSION_DENIED")
    ci_admin = Bearer(emu, exchanged(emu, "ci-admin")["access_token"])
    assert ci_admin.get(SM + "/targetdomains").status_code == 200
    assert ci_admin.get(CURRENT).json()["id"] == CI_ADMIN
    no_roles = Bearer(emu, exchanged(emu, "no-roles")["access_token"])
    assert no_roles.get(CURRENT).json()["permissions"] == [] and no_roles.get(CURRENT).json()["id"] == NO_ROLES
    assert_error(no_roles.get(AZ + "/secrets"), 403, "PERMISSION_DENIED")


def test_subject_matches_principal_without_regard_to_case(emu) -> None:
    assert Bearer(emu, exchanged(emu, "DEPLOYER")["access_token"]).get(CURRENT).json()["id"] == DEPLOYER


def test_clock_leeway_and_optional_time_claims(emu) -> None:
    now = int(time.time())
    assert exchange(emu, mint(claims(exp=now - 10))).status_code == 200, "10 s late is within the 30 s leeway"
    assert exchange(emu, mint(claims(nbf=now + 10, iat=now + 10))).status_code == 200
    assert exchange(emu, mint(claims(exp=None, nbf=None, iat=None))).status_code == 200, "exp, nbf and iat are optional"
    assert exchange(emu, mint(claims(aud=["other", AUDIENCE]))).status_code == 200, "aud may be a list holding the audience"


# -- refusals -------------------------------------------------------------------------------------------------

def _other_key_token() -> str:
    return mint(key=new_rsa_key())


def _tampered_token() -> str:
    header, _payload, signature = mint().split(".")
    payload = base64.urlsafe_b64encode(json.dumps(claims("ci-admin")).encode()).rstrip(b"=").decode()
    return ".".join((header, payload, signature))


def _b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _unsigned(header: dict, payload: dict | None = None) -> str:
    return f"{_b64(header)}.{_b64(claims() if payload is None else payload)}.c2ln"


NOW = int(time.time())
REFUSED_TOKENS = [
    ("expired", lambda: mint(claims(exp=NOW - 300, iat=NOW - 900)), "invalid_grant", ["token expired at " + format_time(NOW - 300)]),
    ("not yet valid", lambda: mint(claims(nbf=NOW + 3600)), "invalid_grant", ["token is not valid before " + format_time(NOW + 3600)]),
    ("issued in the future", lambda: mint(claims(iat=NOW + 3600)), "invalid_grant", ["token was issued in the future"]),
    ("exp that is no number", lambda: mint(claims(exp="tomorrow")), "invalid_grant", ["claim exp must be a number"]),
    ("wrongly signed", _other_key_token, "invalid_grant", ["signature does not verify", "'ci.example.com'"]),
    ("payload changed after signing", _tampered_token, "invalid_grant", ["signature does not verify"]),
    ("wrong audience", lambda: mint(claims(aud="https://elsewhere.example.com")), "invalid_grant",
     ["audience 'https://elsewhere.example.com' does not match", "expects audience 'privx'"]),
    ("no audience", lambda: mint(claims(aud=None)), "invalid_grant", ["token has no aud claim"]),
    ("unknown issuer", lambda: mint(claims(iss="https://unknown.example.com")), "invalid_grant",
     ["no identity provider trusts the token's issuer 'https://unknown.example.com'"]),
    ("issuer differing by a slash", lambda: mint(claims(iss=CI_ISSUER + "/")), "invalid_grant", ["no identity provider trusts"]),
    ("disabled provider", lambda: mint(claims(iss="https://retired-ci.example.com")), "invalid_grant",
     ["identity provider 'retired-ci'", "is disabled"]),
    ("no subject", lambda: mint(claims(sub=None)), "invalid_grant", ["token has no sub claim"]),
    ("subject of no user", lambda: mint(claims("mallory")), "invalid_grant",
     ["no user 'mallory' in the users directory of identity provider 'ci.example.com'"]),
    ("no issuer", lambda: mint(claims(iss=None)), "invalid_grant", ["token has no iss claim"]),
    ("issuer that is a number", lambda: _unsigned({"alg": "RS256", "typ": "JWT"}, claims(iss=7)), "invalid_grant",
     ["token claim iss must be a non-empty string"]),
    ("alg none", lambda: _unsigned({"alg": "none", "typ": "JWT"}), "invalid_grant", ["algorithm 'none' is not accepted"]),
    ("HMAC", lambda: jwt.encode(claims(), "shared-secret-of-32-bytes-or-more!", algorithm="HS256"), "invalid_grant",
     ["algorithm 'HS256' is not accepted"]),
    ("PS256", lambda: mint(algorithm="PS256"), "invalid_grant", ["algorithm 'PS256' is not accepted"]),
    ("critical header", lambda: mint(crit=["exp"]), "invalid_grant", ["critical extensions"]),
    ("one part", lambda: "abc", "invalid_request", ["token is not a well-formed JWT: it has 1 dot-separated part; a JWT has 3"]),
    ("four parts", lambda: mint() + ".x", "invalid_request", ["it has 4 dot-separated parts"]),
    ("header not base64url", lambda: "e30+." + mint().split(".", 1)[1], "invalid_request", ["its header is not base64url-encoded JSON"]),
    ("header not an object", lambda: _b64([1]) + "." + mint().split(".", 1)[1], "invalid_request", ["its header is not a JSON object"]),
    ("payload not JSON", lambda: mint().split(".")[0] + ".bm90IGpzb24." + mint().split(".")[2], "invalid_request",
     ["its payload is not base64url-encoded JSON"]),
    ("signature not base64url", lambda: mint()[:-2] + "!!", "invalid_request", ["its signature is not base64url"]),
    ("no alg", lambda: _unsigned({"typ": "JWT"}), "invalid_request", ["its header has no alg"]),
    ("no typ", lambda: mint(typ=None), "invalid_request", ["its header's typ is not JWT"]),
    ("typ of an access token", lambda: mint(typ="at+jwt"), "invalid_request", ["its header's typ is not JWT"]),
]


@pytest.mark.parametrize("make_token, error, fragments", [case[1:] for case in REFUSED_TOKENS], ids=[case[0] for case in REFUSED_TOKENS])
def test_each_refusal_has_its_own_answer(emu, make_token, error: str, fragments: list) -> None:
    token = make_token()
    mark = emu.control.mark()
    answer = exchange(emu, token)
    oauth_refusal(answer, error, *fragments)
    assert_token_not_echoed(answer, token)
    [entry] = emu.control.requests(since=mark)
    assert (entry["status"], entry["client"], entry["query"]) == (400, None, "")
    assert emu.control.tokens() == [], "no token issued"


def test_the_issue_s_failure_kinds_are_told_apart(emu) -> None:
    """Expired, wrongly signed, wrong audience, unknown issuer, disabled provider, missing claim, malformed: seven
    answers, no two alike, none holding the token."""
    kinds = ("expired", "wrongly signed", "wrong audience", "unknown issuer", "disabled provider", "no subject", "one part")
    makers = {case[0]: case[1] for case in REFUSED_TOKENS}
    descriptions = set()
    for kind in kinds:
        token = makers[kind]()
        answer = exchange(emu, token)
        assert_token_not_echoed(answer, token)
        descriptions.add((answer.status_code, answer.json()["error"], answer.json()["error_description"]))
    assert len(descriptions) == len(kinds), descriptions


REFUSED_BODIES = [
    ("no token", {"token": "", "client_id": "", "scope": ""}, "token is required"),
    ("token null", {"token": None, "client_id": "", "scope": ""}, "token is required"),
    ("token as a number", {"token": 7, "client_id": "", "scope": ""}, "token must be a string"),
    ("unknown property", {"token": "a.b.c", "client_id": "", "scope": "", "grant_type": "jwt"}, "unknown property 'grant_type'"),
    ("an array", ["a.b.c"], "must be a JSON object {token, client_id, scope}"),
]


@pytest.mark.parametrize("body, fragment", [case[1:] for case in REFUSED_BODIES], ids=[case[0] for case in REFUSED_BODIES])
def test_malformed_requests(emu, body, fragment: str) -> None:
    oauth_refusal(requests.post(emu.url + EXCHANGE_PATH, json=body, timeout=10), "invalid_request", fragment)


def test_form_encoded_body_and_wrong_method(emu) -> None:
    token = mint()
    answer = requests.post(emu.url + EXCHANGE_PATH, data={"token": token}, timeout=10)
    oauth_refusal(answer, "invalid_request", "JSON object")
    assert_token_not_echoed(answer, token)
    wrong = requests.get(emu.url + EXCHANGE_PATH, timeout=10)
    oauth_refusal(wrong, "invalid_request", "method GET is not allowed", status=405)
    assert wrong.headers["Allow"] == "POST"


# -- providers made at run time: ES256, several keys, claim rules, DN subjects ----------------------------------

def test_es256_and_unsupported_key_types(emu, admin: Api) -> None:
    ec_key, ed_key = new_ec_key(), ed25519.Ed25519PrivateKey.generate()
    create_provider(admin, go_identity_provider("ec-issuer", jwt_issuer="https://ec.example.com", public_keys=[
        {"key_id": "ec", "public_key": public_pem(ec_key)}, {"key_id": "ed", "public_key": public_pem(ed_key)}]))
    token = mint(claims(iss="https://ec.example.com"), key=ec_key, algorithm="ES256", kid="ec")
    assert exchange(emu, token).status_code == 200
    oauth_refusal(exchange(emu, mint(claims(iss="https://ec.example.com"), key=new_ec_key(), algorithm="ES256", kid="ec")),
                  "invalid_grant", "signature does not verify")
    oauth_refusal(exchange(emu, mint(claims(iss="https://ec.example.com"), key=ed_key, algorithm="EdDSA", kid="ed")),
                  "invalid_grant", "algorithm 'EdDSA' is not accepted")


def test_kid_picks_the_key_and_otherwise_every_key_is_tried(emu, admin: Api) -> None:
    first, second = new_rsa_key(), new_rsa_key()
    create_provider(admin, go_identity_provider("two-keys", jwt_issuer="https://two.example.com", public_keys=[
        {"key_id": "old", "public_key": public_pem(first)}, {"key_id": "new", "public_key": public_pem(second)}]))
    payload = claims(iss="https://two.example.com")
    assert exchange(emu, mint(payload, key=second, kid="new")).status_code == 200
    assert exchange(emu, mint(payload, key=second, kid=None)).status_code == 200
    assert exchange(emu, mint(payload, key=second, kid="rotated-away")).status_code == 200
    oauth_refusal(exchange(emu, mint(payload, key=second, kid="old")), "invalid_grant", "signature does not verify")


def test_x5u_providers_are_the_emulators_limit(emu, admin: Api) -> None:
    create_provider(admin, go_identity_provider("x5u-only", jwt_issuer="https://x5u.example.com", public_key_method="x5u-publickey",
                                                public_keys=None, x5u_prefix="https://keys.example.com/"))
    oauth_refusal(exchange(emu, mint(claims(iss="https://x5u.example.com"), x5u="https://keys.example.com/k1")), "invalid_grant",
                  "takes its keys from x5u URLs (x5u-publickey); the emulator verifies static public keys only")


RULES = [
    {"field_name": "email", "type": "string_pattern", "expected_value": "*@example.com", "start": "", "end": ""},
    {"field_name": "uid", "type": "numeric_range", "expected_value": "", "start": "1000", "end": "2000"},
    {"field_name": "runner_ip", "type": "ip_range", "expected_value": "", "start": "10.0.0.1", "end": "10.0.0.254"},
    {"field_name": "caller_ip", "type": "ip_client", "expected_value": "", "start": "", "end": ""},
]
GOOD = {"email": "ci@example.com", "uid": 1500, "runner_ip": "10.0.0.7", "caller_ip": "127.0.0.1"}


@pytest.mark.parametrize("changes, fragment", [
    ({}, None),
    ({"groups": ["x"], "email": ["someone@else.org", "ci@example.com"]}, None),
    ({"uid": "1999"}, None),
    ({"email": "ci@example.org"}, "token claim email does not satisfy the string_pattern rule of identity provider 'rules'"),
    ({"uid": 2001}, "token claim uid does not satisfy the numeric_range rule"),
    ({"uid": True}, "token claim uid does not satisfy the numeric_range rule"),
    ({"runner_ip": "10.0.1.7"}, "token claim runner_ip does not satisfy the ip_range rule"),
    ({"runner_ip": "::1"}, "token claim runner_ip does not satisfy the ip_range rule"),
    ({"caller_ip": "10.9.9.9"}, "token claim caller_ip does not satisfy the ip_client rule"),
    ({"email": None}, "token has no email claim, which identity provider 'rules' requires"),
], ids=["all satisfied", "an array claim with one match", "number as text", "pattern", "range", "boolean is no number",
        "IP range", "IP version", "client IP", "missing claim"])
def test_custom_attribute_rules(emu, admin: Api, changes: dict, fragment) -> None:
    create_provider(admin, go_identity_provider("rules", jwt_issuer="https://rules.example.com", custom_attributes=RULES))
    token = mint(claims(iss="https://rules.example.com", **dict(GOOD, **changes)))
    answer = exchange(emu, token)
    if fragment is None:
        assert answer.status_code == 200, answer.text
    else:
        oauth_refusal(answer, "invalid_grant", fragment)


@pytest.mark.parametrize("subject, fragment", [
    ("CN=deployer,OU=ci,DC=example,DC=com", None),
    ("uid=x+cn=Deployer,dc=example", None),
    ("OU=ci,DC=example,DC=com", "token subject 'OU=ci,DC=example,DC=com' is not a DN with a 'cn' attribute"),
    ("CN=deploy\\,er,DC=example", "no user 'deploy,er'"),
])
def test_dn_subjects(emu, admin: Api, subject: str, fragment) -> None:
    create_provider(admin, go_identity_provider("dn-issuer", jwt_issuer="https://dn.example.com", jwt_subject_type="dn",
                                                jwt_subject_dn_username_attribute="cn"))
    answer = exchange(emu, mint(claims(subject, iss="https://dn.example.com")))
    if fragment is None:
        assert answer.status_code == 200, answer.text
        assert Bearer(emu, answer.json()["access_token"]).get(CURRENT).json()["id"] == DEPLOYER
    else:
        oauth_refusal(answer, "invalid_grant", fragment)


def test_first_enabled_provider_of_an_issuer_that_accepts_wins(emu, admin: Api) -> None:
    other = new_rsa_key()
    create_provider(admin, go_identity_provider("a-second-ci", jwt_issuer=CI_ISSUER, public_keys=[{"key_id": "o", "public_key": public_pem(other)}]))
    answer = exchange(emu, mint(key=other, kid="o"))
    assert answer.status_code == 200, answer.text
    [listed] = emu.control.tokens(DEPLOYER)
    assert listed["identity_provider_id"] != CI_PROVIDER
    oauth_refusal(exchange(emu, mint(key=new_rsa_key())), "invalid_grant", "identity provider 'a-second-ci'")


def test_disabling_and_deleting_a_provider_take_effect(emu, admin: Api) -> None:
    current = admin.get(f"{IDP}/{CI_PROVIDER}").json()
    assert admin.put(f"{IDP}/{CI_PROVIDER}", json=dict(current, enabled=False)).status_code == 200
    oauth_refusal(exchange(emu, mint()), "invalid_grant", "is disabled")
    assert admin.put(f"{IDP}/{CI_PROVIDER}", json=dict(current, enabled=True)).status_code == 200
    assert exchange(emu, mint()).status_code == 200
    assert admin.delete(f"{IDP}/{CI_PROVIDER}").status_code == 200
    oauth_refusal(exchange(emu, mint()), "invalid_grant", "no identity provider trusts")


# -- refresh, expiry and re-exchange --------------------------------------------------------------------------

def test_refresh_as_the_go_sdk_sends_it(emu) -> None:
    first = exchanged(emu)
    mark = emu.control.mark()
    renewed = refresh(emu, first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert set(second) == TOKEN_KEYS and second["refresh_token"] not in (first["refresh_token"], first["access_token"])
    assert Bearer(emu, second["access_token"]).get(CURRENT).json()["id"] == DEPLOYER
    assert Bearer(emu, first["access_token"]).get(CURRENT).status_code == 200, "the old access token lives until it expires"
    used = refresh(emu, first["refresh_token"])
    oauth_refusal(used, "invalid_grant", "refresh token has already been used")
    assert_token_not_echoed(used, first["refresh_token"])
    assert refresh(emu, second["refresh_token"]).status_code == 200, "the new refresh token works (once)"
    assert [(entry["path"], entry["status"], entry["client"]) for entry in emu.control.requests(since=mark)] == [
        (TOKEN_PATH, 200, DEPLOYER), (CURRENT, 200, DEPLOYER), (CURRENT, 200, DEPLOYER), (TOKEN_PATH, 400, None), (TOKEN_PATH, 200, DEPLOYER)]
    assert [(item["grant_type"], item["refresh"]) for item in emu.control.tokens(DEPLOYER)] == [
        ("token_exchange", "used"), ("refresh_token", "used"), ("refresh_token", "active")]


def test_refresh_client_authentication(emu, admin: Api) -> None:
    refresh_token = exchanged(emu)["refresh_token"]
    oauth_refusal(refresh(emu, refresh_token, client_id=None), "invalid_client", "HTTP Basic", status=401)
    oauth_refusal(refresh(emu, refresh_token, client_id="privx-external"), "invalid_client", "must authenticate", status=401)
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    wrong = requests.post(emu.url + TOKEN_PATH, auth=("privx-external", "wrong"), data=form, timeout=10)
    oauth_refusal(wrong, "invalid_client", status=401)
    basic = requests.post(emu.url + TOKEN_PATH, auth=(admin.client["oauth_client_id"], admin.client["oauth_client_secret"]),
                          data=form, timeout=10)
    assert basic.status_code == 200, "an OAuth client with its secret may refresh too"
    oauth_refusal(refresh(emu, "not-a-refresh-token"), "invalid_grant", "refresh token is invalid")
    oauth_refusal(refresh(emu, ""), "invalid_request", "refresh_token is required")


def test_api_client_tokens_refresh_too(emu, admin: Api) -> None:
    token = admin.login()
    renewed = refresh(emu, token["refresh_token"])
    assert renewed.status_code == 200 and renewed.json()["scope"] == "admin"
    assert Bearer(emu, renewed.json()["access_token"]).get(SM + "/targetdomains").status_code == 200


def test_expiry_refresh_revocation_and_re_exchange(emu) -> None:
    """The collection's path: the access token expires (early, by the control API) -> refresh; the refresh token is
    revoked -> refresh fails -> the same JWT is exchanged again."""
    jwt_token = mint()
    first = exchange(emu, jwt_token).json()
    deployer = Bearer(emu, first["access_token"])
    assert emu.control.expire_tokens(DEPLOYER) == 1
    assert "expired" in assert_error(deployer.get(AZ + "/secrets"), 401, "GENERAL_ERROR")["error_message"]
    second = refresh(emu, first["refresh_token"]).json()
    assert Bearer(emu, second["access_token"]).get(AZ + "/secrets").status_code == 200
    assert emu.control.revoke_refresh_tokens(DEPLOYER) == 1
    oauth_refusal(refresh(emu, second["refresh_token"]), "invalid_grant", "refresh token has been revoked")
    again = exchange(emu, jwt_token)
    assert again.status_code == 200, "a JWT may be exchanged again while it is valid"
    assert Bearer(emu, again.json()["access_token"]).get(AZ + "/secrets").status_code == 200


def test_token_lifetime_setting_applies_to_exchanged_tokens(emu) -> None:
    emu.control.settings(token_lifetime=7)
    assert exchanged(emu)["expires_in"] == 7
    [listed] = emu.control.tokens(DEPLOYER)
    assert 6 <= listed["expires_epoch"] - time.time() <= 7


@pytest.mark.parametrize("change, state", [("disable", "disabled"), ("delete", "deleted")])
def test_refresh_needs_the_provider_still_trusted(emu, admin: Api, change: str, state: str) -> None:
    refresh_token = exchanged(emu)["refresh_token"]
    if change == "disable":
        current = admin.get(f"{IDP}/{CI_PROVIDER}").json()
        assert admin.put(f"{IDP}/{CI_PROVIDER}", json=dict(current, enabled=False)).status_code == 200
    else:
        assert admin.delete(f"{IDP}/{CI_PROVIDER}").status_code == 200
    oauth_refusal(refresh(emu, refresh_token), "invalid_grant", f"the identity provider that vouched for this refresh token is {state}")


# -- no token in the log, in stderr or in the control API ---------------------------------------------------------

def test_no_token_is_ever_logged(emu) -> None:
    jwt_token = mint()
    first = exchange(emu, jwt_token).json()
    second = refresh(emu, first["refresh_token"]).json()
    # Credentials in a query string (RFC 6750's access_token, a careless client's token=) are logged by name only.
    requests.post(emu.url + EXCHANGE_PATH + "?token=" + jwt_token, json={"token": jwt_token, "client_id": "", "scope": ""}, timeout=10)
    requests.get(emu.url + AZ + "/secrets", params={"access_token": second["access_token"], "limit": 5}, timeout=10)
    exchange(emu, mint(claims(exp=NOW - 300)))
    logged = json.dumps(emu.control.requests()) + json.dumps(emu.control.tokens()) + emu.stderr()
    planted = [jwt_token, first["access_token"], first["refresh_token"], second["access_token"], second["refresh_token"]]
    planted += jwt_token.split(".")
    assert [value for value in planted if value in logged] == []
    queries = [entry["query"] for entry in emu.control.requests() if entry["query"]]
    assert queries == ["token=***", "access_token=***&limit=5"]


# -- the demo fixture, as a guide shows it --------------------------------------------------------------------

def test_demo_fixture_exchanges_a_token_from_mint_jwt() -> None:
    """The guide's steps: start the emulator on its default fixture, mint a token with tests/emulator/mint_jwt.py
    (no PyJWT), exchange it, check out a secret as ci-runner."""
    launcher = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "mint_jwt.py")
    minted = subprocess.run([sys.executable, launcher, "--sub", "ci-runner", "--ttl", "120"], check=True, capture_output=True, text=True)
    with EmulatorProcess(fixture=fixture_path("demo.json")) as demo:
        answer = exchange(demo, minted.stdout.strip())
        assert answer.status_code == 200, answer.text
        runner = Bearer(demo, answer.json()["access_token"])
        assert runner.get(CURRENT).json()["principal"] == "ci-runner"
        path = runner.get(AZ + "/secrets").json()["items"][0]["path"]
        assert runner.post(AZ + "/secrets/checkouts", json={"path": path}).status_code == 200
        assert minted.stdout.strip() not in demo.stderr() + json.dumps(demo.control.requests())


def test_refresh_tokens_end_a_day_after_their_access_token(tmp_path) -> None:
    """A day after its access token expired, a refresh token is refused; the next grant forgets both (the DB is
    changed behind the emulator's back, as a day passing would)."""
    db = str(tmp_path / "state.db")
    with EmulatorProcess(fixture=fixture_path("test.json"), db=db) as process:
        token = exchanged(process)
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE tokens SET expires = expires - 86400 - 600")
        oauth_refusal(refresh(process, token["refresh_token"]), "invalid_grant", "refresh token expired")
        assert [item["refresh"] for item in process.control.tokens()] == ["expired"]
        exchanged(process)
        assert [item["grant_type"] for item in process.control.tokens()] == ["token_exchange"], "the old token is forgotten"
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM token_grants").fetchone()[0] == 1
        oauth_refusal(refresh(process, token["refresh_token"]), "invalid_grant", "refresh token is invalid")
