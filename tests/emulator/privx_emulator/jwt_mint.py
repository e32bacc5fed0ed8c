# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# JWTs of the fixtures' CI issuer, signed with the throwaway test key (fixtures/throwaway-ci-issuer-key.pem) by
# the standard library alone (RS256: RSASSA-PKCS1-v1_5 with SHA-256), so that the demo, a guide or a quick
# manual test can show a token exchange without PyJWT. The emulator's own tests mint their tokens with PyJWT
# instead, so that the emulator's verifier (jwt_verify.py) is checked against an independent signer.
#
#     python3 tests/emulator/mint_jwt.py --sub ci-runner --ttl 600 > token.jwt

import argparse
import base64
import hashlib
import json
import os
import re
import sys
import time

from .jwt_verify import KeyFormatError, der_sequence, der_unsigned

FIXTURES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
THROWAWAY_KEY = os.path.join(FIXTURES_DIR, "throwaway-ci-issuer-key.pem")
# The identity provider that trusts the throwaway key in fixtures/test.json and fixtures/demo.json.
ISSUER = "https://ci.example.com"
AUDIENCE = "privx"
KEY_ID = "ci-2026"
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
_PRIVATE_KEY = re.compile(r"-----BEGIN (RSA )?PRIVATE KEY-----\s*(.*?)\s*-----END (RSA )?PRIVATE KEY-----", re.S)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rsa_private_key(pem: str) -> tuple:
    """(n, d) of the first RSA private key in a PEM text (PKCS#8 or PKCS#1); text around the block is ignored."""
    match = _PRIVATE_KEY.search(pem)
    if match is None:
        raise KeyFormatError("no PEM block -----BEGIN PRIVATE KEY-----")
    der = base64.b64decode("".join(match.group(2).split()))
    parts = der_sequence(der, "private key")
    if not match.group(1):
        # PKCS#8: {version, algorithm, OCTET STRING holding the PKCS#1 key}
        _tag, start, end = parts[2]
        der = der[start:end]
        parts = der_sequence(der, "RSA private key")
    return der_unsigned(der, parts[1], "modulus"), der_unsigned(der, parts[3], "private exponent")


def mint(claims: dict, key_pem: str | None = None, kid: str | None = KEY_ID) -> str:
    """A compact RS256 JWT of the claims, signed with key_pem (default: the throwaway test key)."""
    if key_pem is None:
        with open(THROWAWAY_KEY, encoding="ascii") as handle:
            key_pem = handle.read()
    modulus, exponent = rsa_private_key(key_pem)
    header = {"alg": "RS256", "typ": "JWT"}
    if kid:
        header["kid"] = kid
    signing_input = ".".join(_b64url(json.dumps(part, separators=(",", ":")).encode("utf-8")) for part in (header, claims))
    size = (modulus.bit_length() + 7) // 8
    digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(signing_input.encode("ascii")).digest()
    encoded = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
    signature = pow(int.from_bytes(encoded, "big"), exponent, modulus).to_bytes(size, "big")
    return signing_input + "." + _b64url(signature)


def claims_for(subject: str, ttl: int = 600, issuer: str = ISSUER, audience: str = AUDIENCE, extra: dict | None = None) -> dict:
    issued = int(time.time())
    return dict({"iss": issuer, "sub": subject, "aud": audience, "iat": issued, "nbf": issued, "exp": issued + ttl}, **(extra or {}))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Print a JWT of the throwaway CI issuer, for the emulator's token exchange.")
    parser.add_argument("--sub", required=True, help="subject: a user of the provider's users_directory (fixtures: ci-runner, deployer)")
    parser.add_argument("--ttl", type=int, default=600, help="seconds until exp (negative: already expired)")
    parser.add_argument("--iss", default=ISSUER)
    parser.add_argument("--aud", default=AUDIENCE)
    parser.add_argument("--kid", default=KEY_ID)
    parser.add_argument("--claim", action="append", default=[], metavar="NAME=VALUE", help="an extra string claim")
    parser.add_argument("--key", help="PEM file of the RSA private key (default: the throwaway test key)")
    args = parser.parse_args(argv)
    extra = dict(item.split("=", 1) for item in args.claim if "=" in item)
    key_pem = None
    if args.key:
        with open(args.key, encoding="ascii") as handle:
            key_pem = handle.read()
    print(mint(claims_for(args.sub, args.ttl, args.iss, args.aud, extra), key_pem, args.kid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
