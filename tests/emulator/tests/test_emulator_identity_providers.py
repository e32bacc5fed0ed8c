# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Identity providers in the role store: create (201 {id}), read, replace, delete, list and search as PrivX's SDKs
# call them, every refusal of a body PrivX documents as invalid (with the property it blames, and nothing
# stored), and who may call them (administrators only).

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from emulator_helpers import UNKNOWN_ID, Api, assert_error
from identity_helpers import (CI_DIRECTORY, CI_PROVIDER, IDP, Bearer, certificate_pem, create_provider, exchange,
                              go_identity_provider, mint, claims, new_ec_key, public_pem)


def _names(admin: Api, **query) -> list:
    answer = admin.get(IDP, params=query)
    assert answer.status_code == 200, answer.text
    return [item["name"] for item in answer.json()["items"]]


def test_create_read_replace_delete(emu, admin: Api) -> None:
    mark = emu.control.mark()
    body = go_identity_provider("gitlab", jwt_issuer="https://gitlab.example.com", jwt_audience="https://privx.example.com")
    created = admin.post(IDP, json=body)
    assert created.status_code == 201 and list(created.json()) == ["id"], created.text
    provider_id = created.json()["id"]
    provider = admin.get(f"{IDP}/{provider_id}").json()
    assert provider["name"] == "gitlab" and provider["jwt_issuer"] == "https://gitlab.example.com"
    assert provider["jwt_audience"] == "https://privx.example.com" and provider["enabled"] is True
    assert provider["users_directory"] == CI_DIRECTORY and provider["public_keys"][0]["key_id"] == "k1"
    admin_user_id = admin.get("/role-store/api/v1/users/current").json()["id"]
    assert provider["author"] == admin_user_id
    assert provider["created"] and "updated" not in provider and "updated_by" not in provider
    assert "custom_attributes" not in provider, "omitempty: none given"
    changed = dict(provider, enabled=False, jwt_audience="privx")
    replaced = admin.put(f"{IDP}/{provider_id}", json=changed)
    assert replaced.status_code == 200 and replaced.content == b""
    after = admin.get(f"{IDP}/{provider_id}").json()
    assert after["enabled"] is False and after["jwt_audience"] == "privx"
    assert after["created"] == provider["created"] and after["author"] == provider["author"]
    assert after["updated"] >= after["created"] and after["updated_by"] == admin_user_id
    assert admin.delete(f"{IDP}/{provider_id}").status_code == 200
    assert_error(admin.get(f"{IDP}/{provider_id}"), 404, "GENERAL_ERROR", "identityProviderID")
    assert_error(admin.delete(f"{IDP}/{provider_id}"), 404, "GENERAL_ERROR")
    logged = [(entry["method"], entry["path"], entry["status"]) for entry in emu.control.requests(since=mark)]
    assert logged == [("POST", IDP, 201), ("GET", f"{IDP}/{provider_id}", 200), ("GET", "/role-store/api/v1/users/current", 200),
                      ("PUT", f"{IDP}/{provider_id}", 200),
                      ("GET", f"{IDP}/{provider_id}", 200), ("DELETE", f"{IDP}/{provider_id}", 200),
                      ("GET", f"{IDP}/{provider_id}", 404), ("DELETE", f"{IDP}/{provider_id}", 404)]


def test_list_sorts_pages_and_search_matches_name_and_issuer(admin: Api) -> None:
    for name in ("alpha", "beta", "gamma"):
        create_provider(admin, go_identity_provider(name, jwt_issuer=f"https://{name}.issuer.test"))
    assert _names(admin, sortkey="name") == ["alpha", "beta", "ci.example.com", "gamma", "retired-ci"]
    assert _names(admin, sortkey="name", sortdir="desc", offset=1, limit=2) == ["gamma", "ci.example.com"]
    assert admin.get(IDP, params={"limit": 2}).json()["count"] == 5
    assert_error(admin.get(IDP, params={"limit": 101}), 400, "VALUE_OUT_OF_BOUNDS", "limit")
    assert_error(admin.get(IDP, params={"sortkey": "enabled"}), 400, "VALUE_OUT_OF_BOUNDS", "sortkey")
    search = admin.post(IDP + "/search", json={"keywords": "BETA"}).json()
    assert [item["name"] for item in search["items"]] == ["beta"] and search["count"] == 1
    by_issuer = admin.post(IDP + "/search", params={"sortkey": "jwt_issuer"}, json={"keywords": "issuer.test"}).json()
    assert [item["name"] for item in by_issuer["items"]] == ["alpha", "beta", "gamma"]
    assert admin.post(IDP + "/search", json={}).json()["count"] == 5, "{} (Go's omitempty keywords) lists all"
    # The Python SDK's search_idendity_providers sends the bare keywords string as the body.
    assert_error(admin.post(IDP + "/search", json="beta"), 400, "INVALID_REQUEST_DATA")
    assert_error(admin.post(IDP + "/search", json={"keyword": "beta"}), 400, "INVALID_REQUEST_DATA", "keyword")


def _rule(kind: str, **values) -> dict:
    return dict({"field_name": "claim", "type": kind, "expected_value": "", "start": "", "end": ""}, **values)


REFUSALS = [
    ("no name", {"name": ""}, "REQUIRED_VALUE_MISSING", "name"),
    ("one-character name", {"name": "x"}, "VALUE_OUT_OF_BOUNDS", "name"),
    ("duplicate name", {"name": "ci.example.com"}, "VALUE_DUPLICATE", "name"),
    ("no token type", {"token_type": ""}, "REQUIRED_VALUE_MISSING", "token_type"),
    ("token type other than JWT", {"token_type": "SAML"}, "VALUE_OUT_OF_BOUNDS", "token_type"),
    ("no issuer", {"jwt_issuer": ""}, "REQUIRED_VALUE_MISSING", "jwt_issuer"),
    ("issuer too long", {"jwt_issuer": "https://" + "x" * 2040}, "VALUE_OUT_OF_BOUNDS", "jwt_issuer"),
    ("no subject type", {"jwt_subject_type": ""}, "REQUIRED_VALUE_MISSING", "jwt_subject_type"),
    ("unknown subject type", {"jwt_subject_type": "email"}, "VALUE_OUT_OF_BOUNDS", "jwt_subject_type"),
    ("dn without its attribute", {"jwt_subject_type": "dn"}, "REQUIRED_VALUE_MISSING", "jwt_subject_dn_username_attribute"),
    ("no key method", {"public_key_method": ""}, "REQUIRED_VALUE_MISSING", "public_key_method"),
    ("JWKS is no key method", {"public_key_method": "jwks"}, "VALUE_OUT_OF_BOUNDS", "public_key_method"),
    ("static without keys", {"public_keys": None}, "REQUIRED_VALUE_MISSING", "public_keys"),
    ("key that is not PEM", {"public_keys": [{"key_id": "k", "public_key": "ssh-rsa AAAAB3Nza"}]}, "VALUE_INCORRECT_FORMAT",
     "public_keys[0].public_key"),
    ("key given as a certificate", {"public_keys": [{"key_id": "k", "public_key": "CERTIFICATE"}]}, "VALUE_INCORRECT_FORMAT",
     "public_keys[0].public_key"),
    ("PEM key with a broken body", {"public_keys": [{"key_id": "k", "public_key": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"}]},
     "VALUE_INCORRECT_FORMAT", "public_keys[0].public_key"),
    ("key without key_id", {"public_keys": [{"key_id": "", "public_key": "KEY"}]}, "REQUIRED_VALUE_MISSING", "public_keys[0].key_id"),
    ("key without its key", {"public_keys": [{"key_id": "k"}]}, "REQUIRED_VALUE_MISSING", "public_keys[0].public_key"),
    ("two keys with one key_id", {"public_keys": [{"key_id": "k", "public_key": "KEY"}, {"key_id": "k", "public_key": "KEY"}]},
     "VALUE_DUPLICATE", "public_keys[1].key_id"),
    ("unknown key property", {"public_keys": [{"key_id": "k", "public_key": "KEY", "kty": "RSA"}]}, "INVALID_REQUEST_DATA",
     "public_keys[0].kty"),
    ("x5u without trust anchor", {"public_key_method": "x5u"}, "REQUIRED_VALUE_MISSING", "x5u_trust_anchor"),
    ("trust anchor that is a key", {"public_key_method": "x5u", "x5u_trust_anchor": "KEY"}, "VALUE_INCORRECT_FORMAT", "x5u_trust_anchor"),
    ("TLS trust anchor not PEM", {"x5u_tls_trust_anchor": "not pem"}, "VALUE_INCORRECT_FORMAT", "x5u_tls_trust_anchor"),
    ("x5u-publickey without prefix", {"public_key_method": "x5u-publickey"}, "REQUIRED_VALUE_MISSING", "x5u_prefix"),
    ("x5u prefix over http", {"public_key_method": "x5u-publickey", "x5u_prefix": "http://keys.example.com/"},
     "VALUE_INCORRECT_FORMAT", "x5u_prefix"),
    ("rule of unknown type", {"custom_attributes": [_rule("regex")]}, "VALUE_OUT_OF_BOUNDS", "custom_attributes[0].type"),
    ("rule without claim", {"custom_attributes": [_rule("ip_client", field_name="")]}, "REQUIRED_VALUE_MISSING",
     "custom_attributes[0].field_name"),
    ("pattern rule without pattern", {"custom_attributes": [_rule("string_pattern")]}, "REQUIRED_VALUE_MISSING",
     "custom_attributes[0].expected_value"),
    ("numeric range without end", {"custom_attributes": [_rule("numeric_range", start="1")]}, "REQUIRED_VALUE_MISSING",
     "custom_attributes[0].end"),
    ("numeric range of words", {"custom_attributes": [_rule("numeric_range", start="one", end="9")]}, "VALUE_INCORRECT_FORMAT",
     "custom_attributes[0].start"),
    ("numeric range backwards", {"custom_attributes": [_rule("numeric_range", start="10", end="9")]}, "VALUE_OUT_OF_BOUNDS",
     "custom_attributes[0].end"),
    ("IP range of two versions", {"custom_attributes": [_rule("ip_range", start="10.0.0.1", end="::1")]}, "VALUE_OUT_OF_BOUNDS",
     "custom_attributes[0].end"),
    ("IP range of a name", {"custom_attributes": [_rule("ip_range", start="10.0.0.1", end="gateway")]}, "VALUE_INCORRECT_FORMAT",
     "custom_attributes[0].end"),
    ("no users directory", {"users_directory": ""}, "REQUIRED_VALUE_MISSING", "users_directory"),
    ("users directory that is not a UUID", {"users_directory": "ci-users"}, "VALUE_INCORRECT_FORMAT", "users_directory"),
    ("unknown users directory", {"users_directory": UNKNOWN_ID}, "INVALID_REQUEST_DATA", "users_directory"),
    ("enabled as text", {"enabled": "true"}, "VALUE_INCORRECT_TYPE", "enabled"),
    ("unknown property", {"jwks_uri": "https://x"}, "INVALID_REQUEST_DATA", "jwks_uri"),
    ("the v1 SDK's singular public_key", {"public_keys": None, "public_key": []}, "INVALID_REQUEST_DATA", "public_key"),
    ("created that is no date", {"created": "yesterday"}, "VALUE_INCORRECT_FORMAT", "created"),
]


@pytest.mark.parametrize("mutation, error_code, prop", [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS])
def test_create_refuses_invalid_bodies(admin: Api, mutation: dict, error_code: str, prop: str) -> None:
    key = public_pem(new_ec_key())
    body = go_identity_provider("refused")
    for name, value in mutation.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    for entry in body.get("public_keys") or []:
        entry["public_key"] = {"KEY": key, "CERTIFICATE": certificate_pem()}.get(entry.get("public_key"), entry.get("public_key"))
    if body.get("x5u_trust_anchor") == "KEY":
        body["x5u_trust_anchor"] = key
    before = admin.get(IDP).json()["count"]
    body_error = assert_error(admin.post(IDP, json=body), 400, error_code, prop)
    assert prop in body_error["error_message"] or prop.split(".")[-1] in body_error["error_message"]
    assert admin.get(IDP).json()["count"] == before, "nothing stored"


def test_replace_refusals(admin: Api) -> None:
    provider_id = create_provider(admin, go_identity_provider("to-change"))
    current = admin.get(f"{IDP}/{provider_id}").json()
    assert_error(admin.put(f"{IDP}/{provider_id}", json=dict(current, id=CI_PROVIDER)), 400, "INVALID_REQUEST_DATA", "id")
    assert_error(admin.put(f"{IDP}/{provider_id}", json=dict(current, name="ci.example.com")), 400, "VALUE_DUPLICATE", "name")
    assert_error(admin.put(f"{IDP}/{provider_id}", json=dict(current, public_keys=[])), 400, "REQUIRED_VALUE_MISSING", "public_keys")
    assert admin.get(f"{IDP}/{provider_id}").json() == current, "a refused PUT changes nothing"
    assert_error(admin.put(f"{IDP}/{UNKNOWN_ID}", json=current), 404, "GENERAL_ERROR", "identityProviderID")
    assert_error(admin.get(f"{IDP}/not-a-uuid"), 400, "VALUE_INCORRECT_FORMAT", "identityProviderID")
    # A PUT replaces everything: a field left out is reset to its zero value.
    sparse = {key: current[key] for key in ("name", "token_type", "jwt_issuer", "jwt_subject_type", "public_key_method",
                                            "public_keys", "users_directory")}
    assert admin.put(f"{IDP}/{provider_id}", json=sparse).status_code == 200
    after = admin.get(f"{IDP}/{provider_id}").json()
    assert after["enabled"] is False and after["jwt_audience"] == ""


def test_keys_of_other_types_are_stored(admin: Api) -> None:
    """EC P-256 keys verify ES256 tokens; a well-formed key of a type the emulator cannot verify with (Ed25519) is
    stored all the same, as PrivX may support it."""
    ec_pem = public_pem(new_ec_key())
    ed_pem = public_pem(ed25519.Ed25519PrivateKey.generate())
    body = go_identity_provider("mixed-keys", public_keys=[{"key_id": "ec", "comment": "P-256", "public_key": ec_pem},
                                                           {"key_id": "ed", "public_key": ed_pem}])
    provider = admin.get(f"{IDP}/{create_provider(admin, body)}").json()
    assert provider["public_keys"] == [{"key_id": "ec", "comment": "P-256", "public_key": ec_pem}, {"key_id": "ed", "public_key": ed_pem}]


def test_x5u_providers_are_stored(admin: Api) -> None:
    anchor = certificate_pem()
    body = go_identity_provider("x5u-issuer", public_key_method="x5u", public_keys=None, x5u_trust_anchor=anchor,
                                x5u_tls_trust_anchor=anchor + certificate_pem())
    provider = admin.get(f"{IDP}/{create_provider(admin, body)}").json()
    assert provider["public_key_method"] == "x5u" and provider["x5u_trust_anchor"] == anchor and "public_keys" not in provider
    body = go_identity_provider("x5u-keys", public_key_method="x5u-publickey", public_keys=None, x5u_prefix="https://keys.example.com/")
    assert admin.get(f"{IDP}/{create_provider(admin, body)}").json()["x5u_prefix"] == "https://keys.example.com/"


ROUTES = [("GET", IDP, None), ("POST", IDP, "body"), ("POST", IDP + "/search", {}), ("GET", f"{IDP}/{CI_PROVIDER}", None),
          ("PUT", f"{IDP}/{CI_PROVIDER}", "body"), ("DELETE", f"{IDP}/{CI_PROVIDER}", None)]


@pytest.mark.parametrize("method, path, body", ROUTES, ids=[f"{route[0]} {route[1][-12:]}" for route in ROUTES])
def test_only_administrators_manage_identity_providers(emu, user: Api, method: str, path: str, body) -> None:
    payload = go_identity_provider("not-allowed") if body == "body" else body
    assert_error(user.call(method, path, json=payload), 403, "PERMISSION_DENIED")
    deployer = exchange(emu, mint()).json()["access_token"]
    assert_error(Bearer(emu, deployer).call(method, path, json=payload), 403, "PERMISSION_DENIED")


def test_an_exchanged_administrator_may_manage_them(emu) -> None:
    ci_admin = Bearer(emu, exchange(emu, mint(claims("ci-admin"))).json()["access_token"])
    assert ci_admin.get(IDP).json()["count"] == 2
    created = ci_admin.post(IDP, json=go_identity_provider("by-ci-admin"))
    assert created.status_code == 201, created.text


# -- as the SDKs call them --------------------------------------------------------------------------------

def _go_round_trip(admin: Api, provider_id: str) -> dict:
    """Go's UpdateIdentityProvider sends back the struct GetIdentityProvider returned."""
    return dict(admin.get(f"{IDP}/{provider_id}").json(), jwt_audience="changed")


# (SDK calls (Python name / Go name), method, path, query, body (a function of ids, or None), expected status,
#  answer check (None: empty body))
SDK_CALLS = [
    ("list_all_idendity_providers / GetIdentityProviders", "GET", IDP, {"offset": 0, "limit": 50, "sortkey": "name", "sortdir": "ASC"},
     None, 200, lambda body: set(body) == {"count", "items"}),
    ("create_idendity_provider / CreateIdentityProvider", "POST", IDP, None, lambda admin, ids: go_identity_provider("sdk-new"), 201,
     lambda body: list(body) == ["id"] and len(body["id"]) == 36),
    ("get_idendity_provider_by_id / GetIdentityProvider", "GET", IDP + "/{provider}", None, None, 200,
     lambda body: body["name"] == "sdk-existing"),
    ("update_idendity_provider / UpdateIdentityProvider", "PUT", IDP + "/{provider}", None,
     lambda admin, ids: _go_round_trip(admin, ids["provider"]), 200, None),
    ("search_idendity_providers / SearchIdentityProviders", "POST", IDP + "/search", {"offset": 0, "limit": 10},
     lambda admin, ids: {"keywords": "sdk"}, 200, lambda body: body["count"] == 1),
    ("search_idendity_providers without keywords (Python sends {})", "POST", IDP + "/search", None, lambda admin, ids: {}, 200,
     lambda body: body["count"] == 3),
    ("delete_idendity_provider / DeleteIdentityProvider", "DELETE", IDP + "/{provider}", None, None, 200, None),
]


@pytest.mark.parametrize("name, method, path, query, body, status, check", SDK_CALLS, ids=[call[0] for call in SDK_CALLS])
def test_sdk_call(emu, admin: Api, name: str, method: str, path: str, query, body, status: int, check) -> None:
    ids = {"provider": create_provider(admin, go_identity_provider("sdk-existing"))}
    url = path.format(**ids)
    kwargs = {"params": query}
    if body is not None:
        kwargs["json"] = body(admin, ids)
    mark = emu.control.mark()
    answer = admin.call(method, url, **kwargs)
    assert answer.status_code == status, f"{name}: {answer.status_code} {answer.text}"
    if check is None:
        assert answer.content == b""
    else:
        assert check(answer.json()), answer.text
    assert [(entry["method"], entry["path"], entry["status"]) for entry in emu.control.requests(since=mark)] == [(method, url, status)]
