# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The emulator's standard-library JWT code against an independent implementation (PyJWT and cryptography): the
# DER reader of public keys, RS256/RS384/RS512 and ES256 signatures, the throwaway test key the fixtures trust,
# the stdlib minting helper, and the fixture checks of identity providers. No emulator process.

import ast
import json
import os

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import serialization

from identity_helpers import CI_KEY, new_ec_key, new_rsa_key, public_pem
from privx_emulator import jwt_mint, jwt_verify
from privx_emulator.fixture import FixtureError, check_fixture, load_fixture
from privx_emulator.harness import fixture_path

EMULATOR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("algorithm", ["RS256", "RS384", "RS512", "ES256"])
def test_signatures_verify_and_any_change_breaks_them(algorithm: str) -> None:
    private = new_ec_key() if algorithm == "ES256" else new_rsa_key()
    key = jwt_verify.load_pem_public_key(public_pem(private))
    for number in range(5):
        parts = jwt_verify.decode_jws(jwt.encode({"sub": "x", "n": number}, private, algorithm=algorithm))
        assert jwt_verify.verify_signature(algorithm, key, parts.signing_input, parts.signature)
        flipped = bytearray(parts.signature)
        flipped[number] ^= 0x01
        assert not jwt_verify.verify_signature(algorithm, key, parts.signing_input, bytes(flipped))
        assert not jwt_verify.verify_signature(algorithm, key, parts.signing_input + b"x", parts.signature)
    other = jwt_verify.load_pem_public_key(public_pem(new_ec_key() if algorithm == "ES256" else new_rsa_key()))
    assert not jwt_verify.verify_signature(algorithm, other, parts.signing_input, parts.signature)


def test_signature_edge_cases() -> None:
    rsa_key = jwt_verify.load_pem_public_key(public_pem(CI_KEY))
    ec_key = jwt_verify.load_pem_public_key(public_pem(new_ec_key()))
    message = b"header.payload"
    assert not jwt_verify.verify_signature("RS256", rsa_key, message, b"\x00" * 255), "a signature one byte short"
    assert not jwt_verify.verify_signature("RS256", rsa_key, message, (rsa_key.n + 1).to_bytes(256, "big")), "a value above n"
    assert not jwt_verify.verify_signature("RS256", ec_key, message, b"\x00" * 64), "a key of the wrong type"
    order = jwt_verify.P256.n.to_bytes(32, "big")
    for signature in (b"\x00" * 64, order + b"\x01" * 32, b"\x01" * 32 + order, b"\x01" * 63):
        assert not jwt_verify.verify_signature("ES256", ec_key, message, signature)
    assert not jwt_verify.verify_signature("PS256", rsa_key, message, b"\x00" * 256)


def test_keys_are_read_as_cryptography_writes_them() -> None:
    private = new_ec_key()
    numbers = private.public_key().public_numbers()
    assert jwt_verify.load_pem_public_key(public_pem(private)) == jwt_verify.EcPublicKey(numbers.x, numbers.y)
    compressed = private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    assert jwt_verify.P256.decode_point(compressed) == (numbers.x, numbers.y)
    rsa_numbers = CI_KEY.public_key().public_numbers()
    assert jwt_verify.load_pem_public_key(public_pem(CI_KEY)) == jwt_verify.RsaPublicKey(rsa_numbers.n, rsa_numbers.e)
    p384 = jwt_verify.load_pem_public_key(public_pem(ec.generate_private_key(ec.SECP384R1())))
    assert p384 == jwt_verify.UnsupportedPublicKey("EC P-384")


def _der_of(pem: str) -> bytes:
    return jwt_verify.pem_blocks(pem)[0][1]


@pytest.mark.parametrize("damage, message", [
    (lambda der: der + b"\x00", "trailing data"),
    (lambda der: der[:-1], "DER element longer than its container"),
    (lambda der: b"\x30\x81\x10" + der[2:], "shortest form"),
    (lambda der: der[:-2] + b"\xff\xff", "not on the curve"),
])
def test_malformed_keys_are_refused(damage, message: str) -> None:
    der = _der_of(public_pem(new_ec_key()))
    with pytest.raises(jwt_verify.KeyFormatError, match=message):
        jwt_verify.public_key_from_der(damage(der))


@pytest.mark.parametrize("text, message", [
    ("", "no PEM block"),
    ("ssh-rsa AAAA", "text outside the PEM blocks"),
    ("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----", "not base64"),
    ("-----BEGIN PUBLIC KEY-----\nMA==\n-----END CERTIFICATE-----", "labels differ"),
    ("junk\n" + public_pem(CI_KEY), "text outside the PEM blocks"),
    (public_pem(CI_KEY) * 2, "expected one PEM block"),
])
def test_pem_texts_that_are_no_public_key(text: str, message: str) -> None:
    with pytest.raises(jwt_verify.KeyFormatError, match=message):
        jwt_verify.load_pem_public_key(text)


def test_the_fixtures_trust_the_throwaway_key() -> None:
    public = public_pem(CI_KEY)
    for name in ("test.json", "demo.json"):
        with open(fixture_path(name), encoding="utf-8") as handle:
            providers = json.load(handle)["identity_providers"]
        ci = next(provider for provider in providers if provider["name"] == "ci.example.com")
        assert ci["jwt_issuer"] == jwt_mint.ISSUER and ci["jwt_audience"] == jwt_mint.AUDIENCE, name
        assert [key["public_key"] for key in ci["public_keys"]] == [public], name
        assert load_fixture(fixture_path(name))["identity_providers"][0]["enabled"] is True, name
    with open(jwt_mint.THROWAWAY_KEY, encoding="ascii") as handle:
        assert handle.read().startswith("THROWAWAY TEST KEY: NOT A SECRET, NEVER TRUST IT.")


def test_stdlib_minted_tokens_verify_with_pyjwt() -> None:
    token = jwt_mint.mint(jwt_mint.claims_for("ci-runner", ttl=60, extra={"env": "prod"}))
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT", "kid": "ci-2026"}
    payload = jwt.decode(token, public_pem(CI_KEY), algorithms=["RS256"], audience="privx", issuer="https://ci.example.com")
    assert payload["sub"] == "ci-runner" and payload["env"] == "prod" and payload["exp"] - payload["iat"] == 60
    other = new_rsa_key()
    pkcs1 = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    assert jwt.decode(jwt_mint.mint({"sub": "x"}, pkcs1, kid=None), public_pem(other), algorithms=["RS256"]) == {"sub": "x"}


def _fixture(**identity) -> dict:
    with open(fixture_path("test.json"), encoding="utf-8") as handle:
        fixture = json.load(handle)
    fixture.update(identity)
    return fixture


def _provider(**changes) -> dict:
    return dict({"name": "prov", "jwt_issuer": "https://p.example.com", "users_directory": "ci-users",
                 "public_keys": [{"key_id": "k", "public_key": public_pem(CI_KEY)}]}, **changes)


@pytest.mark.parametrize("change, message", [
    ({"identity_providers": [_provider(public_keys=[{"key_id": "k", "public_key": "nope"}])]},
     "identity_providers[0].public_keys[0].public_key: public_keys[0].public_key is not a PEM public key"),
    ({"identity_providers": [_provider(users_directory="nobody")]}, "identity_providers[0].users_directory"),
    ({"identity_providers": [_provider(jwks_uri="https://x")]}, "identity_providers[0].jwks_uri: unknown key"),
    ({"identity_providers": [_provider(), _provider()]}, "identity_providers[1]: duplicate name 'prov'"),
    ({"identity_providers": [_provider(public_key_method="x5u")]}, "identity_providers[0].x5u_trust_anchor: x5u_trust_anchor is required"),
    ({"user_directories": [{"name": "d", "users": [{"principal": "a", "role": "user"}, {"principal": "A", "role": "user"}]}],
      "identity_providers": []}, "user_directories[0].users[1]: duplicate principal"),
    ({"user_directories": [{"name": "d", "users": [{"principal": "a", "role": "root"}]}], "identity_providers": []},
     "user_directories[0].users[0].role: must be one of admin, user, none"),
    ({"user_directories": [{"name": "d", "users": [{"principal": "a", "role": "user", "user_id": "f2d8ff62-6432-4147-aa94-6f44a27f21bb"}]}],
      "identity_providers": []}, "duplicate client_id or user_id"),
])
def test_fixture_identity_errors_name_the_entry(change: dict, message: str) -> None:
    with pytest.raises(FixtureError) as caught:
        check_fixture(_fixture(**change))
    assert message in str(caught.value)


def test_fixture_defaults_make_a_static_enabled_provider() -> None:
    fixture = check_fixture(_fixture(identity_providers=[_provider()]))
    [provider] = fixture["identity_providers"]
    assert (provider["token_type"], provider["jwt_subject_type"], provider["public_key_method"], provider["enabled"]) == (
        "JWT", "plain", "static", True)
    assert provider["users_directory"] == "18416f2b-b38c-4838-8c01-ed25c7fe49a6", "the directory's name became its id"


@pytest.mark.parametrize("name", ["jwt_verify.py", "jwt_mint.py", "token_exchange.py", "tokens.py", "api_identity_providers.py",
                                  "fixture_identity.py"])
def test_new_modules_parse_as_python_3_9(name: str) -> None:
    with open(os.path.join(EMULATOR, "privx_emulator", name), encoding="utf-8") as handle:
        ast.parse(handle.read(), feature_version=(3, 9))


def test_jacobian_scalar_multiplication_matches_affine_arithmetic() -> None:
    """combine() (Jacobian, Shamir's trick) against plain affine double-and-add, edge cases included."""
    curve = jwt_verify.P256

    def multiply(scalar: int, point):
        result = None
        while scalar:
            if scalar & 1:
                result = curve.add(result, point)
            point = curve.add(point, point)
            scalar >>= 1
        return result

    other = multiply(0x1234567890ABCDEF, curve.g)
    for u1, u2 in ((1, 1), (2, 0), (0, 3), (curve.n - 1, 1), (0xDEADBEEF, curve.n - 2), (curve.n // 3, curve.n // 5)):
        assert curve.combine(u1, u2, other) == curve.add(multiply(u1, curve.g), multiply(u2, other)), (u1, u2)
    assert curve.combine(1, curve.n - 1, curve.g) is None, "G + (n-1)G is the point at infinity"
    assert curve.combine(1, 1, multiply(curve.n - 1, curve.g)) is None, "G + (-G), Q being -G"
