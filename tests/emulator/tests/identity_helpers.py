# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Helpers of the token exchange and identity provider tests: the ids fixtures/test.json gives them, JWTs minted
# with PyJWT (a signer independent of the emulator's verifier), key pairs made at test time, and identity
# provider bodies as the Go SDK marshals them.

import time

import jwt
import requests
import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from emulator_helpers import Api
from privx_emulator.harness import fixture_path

IDP = "/role-store/api/v1/identity-providers"
EXCHANGE_PATH = "/auth/api/v1/token/login"
TOKEN_PATH = "/auth/api/v1/oauth/token"
# fixtures/test.json
CI_PROVIDER = "bf720f68-4dc4-41fb-8409-57a458f2d924"
RETIRED_PROVIDER = "0fd18a35-46f9-416f-8af8-200fd041bf3e"
CI_DIRECTORY = "18416f2b-b38c-4838-8c01-ed25c7fe49a6"
DEPLOYER = "54ce8572-fe82-49c0-ac3e-662b6cf44802"
CI_ADMIN = "87d49ae6-8ae6-4458-85c8-4c9d3bf01fc7"
NO_ROLES = "b993b3ec-7bbb-42b7-9074-abc14abc42a4"
CI_ISSUER = "https://ci.example.com"
CI_KEY_ID = "ci-2026"
AUDIENCE = "privx"

with open(fixture_path("throwaway-ci-issuer-key.pem"), encoding="ascii") as _handle:
    CI_KEY = serialization.load_pem_private_key(_handle.read().encode("ascii"), None)


def public_pem(private_key) -> str:
    return private_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def new_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def new_ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def certificate_pem() -> str:
    return trustme.CA().cert_pem.bytes().decode("ascii")


def claims(subject: str = "deployer", ttl: int = 300, **extra) -> dict:
    issued = int(time.time())
    values = {"iss": CI_ISSUER, "sub": subject, "aud": AUDIENCE, "iat": issued, "nbf": issued, "exp": issued + ttl}
    values.update(extra)
    return {key: value for key, value in values.items() if value is not None}


def mint(payload: dict | None = None, key=None, algorithm: str = "RS256", kid: str | None = CI_KEY_ID, **headers) -> str:
    """A JWT signed by PyJWT; the CI issuer's throwaway key and claims(), unless told otherwise."""
    header = dict(headers)
    if kid is not None:
        header["kid"] = kid
    return jwt.encode(claims() if payload is None else payload, CI_KEY if key is None else key, algorithm=algorithm, headers=header)


def exchange(emu, token: str, client_id: str = "", scope: str = "", **body) -> requests.Response:
    """POST token/login exactly as the Go SDK sends it: JSON with all three keys, "" for the unset ones, no auth."""
    payload = dict({"token": token, "client_id": client_id, "scope": scope}, **body)
    return requests.post(emu.url + EXCHANGE_PATH, json=payload, timeout=10)


def refresh(emu, refresh_token: str, **form) -> requests.Response:
    """The refresh grant exactly as the Go SDK's authRefreshToken sends it (oauth/authcode.go)."""
    fields = {"client_id": "privx-ui", "redirect_uri": "/privx/oauth-callback", "grant_type": "refresh_token",
              "refresh_token": refresh_token}
    fields.update(form)
    return requests.post(emu.url + TOKEN_PATH, data={key: value for key, value in fields.items() if value is not None}, timeout=10)


class Bearer(Api):
    """An emulator_helpers.Api session with an access token that a token exchange (or its refresh) gave, instead
    of one of a fixture client's password grant."""

    def __init__(self, emu, access_token: str, name: str = "exchanged") -> None:  # pylint: disable=super-init-not-called
        self.emulator = emu
        self.name = name
        self.client = None
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["Authorization"] = "Bearer " + access_token


def go_identity_provider(name: str, public_key: str | None = None, **overrides) -> dict:
    """rolestore.IdentityProvider as the Go SDK marshals it for CreateIdentityProvider: every field without
    omitempty, id, author and created too, as ""."""
    body = {
        "id": "", "name": name, "token_type": "JWT", "jwt_issuer": f"https://{name}.example.com", "jwt_audience": AUDIENCE,
        "jwt_subject_type": "plain", "public_key_method": "static",
        "public_keys": [{"key_id": "k1", "public_key": public_key or public_pem(CI_KEY)}],
        "users_directory": CI_DIRECTORY, "enabled": True, "author": "", "created": "",
    }
    body.update(overrides)
    return body


def create_provider(admin: Api, body: dict) -> str:
    answer = admin.post(IDP, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def make_rich_identity_provider(admin: Api) -> str:
    """A provider with every field set, updated once (so updated and updated_by are there too)."""
    body = go_identity_provider(
        "rich-idp", jwt_subject_type="dn", jwt_subject_dn_username_attribute="cn",
        custom_attributes=[
            {"field_name": "email", "type": "string_pattern", "expected_value": "*@example.com", "start": "", "end": ""},
            {"field_name": "uid", "type": "numeric_range", "expected_value": "", "start": "1000", "end": "65535"},
            {"field_name": "addr", "type": "ip_range", "expected_value": "", "start": "10.0.0.1", "end": "10.0.0.254"},
            {"field_name": "client", "type": "ip_client", "expected_value": "", "start": "", "end": ""},
        ],
        public_keys=[{"key_id": "rich-1", "comment": "the rich key", "public_key": public_pem(CI_KEY)}],
        x5u_trust_anchor=certificate_pem(), x5u_tls_trust_anchor=certificate_pem(), x5u_prefix="https://keys.rich.example.com/",
    )
    provider_id = create_provider(admin, body)
    current = admin.get(f"{IDP}/{provider_id}").json()
    assert admin.put(f"{IDP}/{provider_id}", json=dict(current, enabled=True)).status_code == 200
    return provider_id


def identity_provider_reads(admin: Api, rich_id: str) -> list:
    """(client, method, template, params, body) of every identity provider read, for the field-table check."""
    return [
        (admin, "GET", IDP, {}, None),
        (admin, "POST", IDP + "/search", {}, {"keywords": "example"}),
        (admin, "GET", IDP + "/{identityProviderID}", {"identityProviderID": rich_id}, None),
        (admin, "GET", IDP + "/{identityProviderID}", {"identityProviderID": CI_PROVIDER}, None),
    ]
