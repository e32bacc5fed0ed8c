# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# JSON Web Tokens as the token exchange (token_exchange.py) reads them, with the standard library only:
# the compact JWS form (RFC 7515), PEM public keys (SubjectPublicKeyInfo, RFC 5280) read by a small DER
# parser, and signature checks for RS256/RS384/RS512 (RSASSA-PKCS1-v1_5, RFC 8017 section 8.2) and ES256
# (ECDSA on P-256, FIPS 186-4). Other algorithms (PS*, ES384, EdDSA, HMAC) are the emulator's limit: a
# token signed with one of them is refused as unsupported.
#
# Nothing here puts any part of a token into an exception message: callers pass the messages on to clients.

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import NamedTuple


class MalformedToken(ValueError):
    """The token is not a compact JWS with a JSON header and payload; the message says why, without token content."""


class KeyFormatError(ValueError):
    """A PEM text that is not a public key (or certificate) the emulator can read."""


# -- DER ----------------------------------------------------------------------------------------------

SEQUENCE, INTEGER_TAG, BIT_STRING, NULL_TAG, OID_TAG = 0x30, 0x02, 0x03, 0x05, 0x06


def der_element(data: bytes, offset: int, end: int) -> tuple:
    """(tag, value start, value end) of the DER element at offset; KeyFormatError when it does not fit."""
    if offset + 2 > end:
        raise KeyFormatError("truncated DER element")
    tag, length = data[offset], data[offset + 1]
    if tag & 0x1F == 0x1F:
        raise KeyFormatError("multi-byte DER tags are not used in keys")
    position = offset + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or position + count > end:
            raise KeyFormatError("bad DER length")
        length = int.from_bytes(data[position:position + count], "big")
        if length < 0x80 or data[position] == 0:
            raise KeyFormatError("DER length not in its shortest form")
        position += count
    if position + length > end:
        raise KeyFormatError("DER element longer than its container")
    return tag, position, position + length


def der_children(data: bytes, start: int, end: int) -> list:
    """The elements of a constructed value, each (tag, start, end)."""
    items = []
    while start < end:
        item = der_element(data, start, end)
        items.append(item)
        start = item[2]
    return items


def der_expect(item: tuple, tag: int, what: str) -> tuple:
    if item[0] != tag:
        raise KeyFormatError(f"{what}: unexpected DER tag 0x{item[0]:02x}")
    return item


def der_sequence(data: bytes, what: str, count: int | None = None) -> list:
    """The elements of the DER SEQUENCE that is the whole of data; `count`: how many it must have."""
    top = der_expect(der_element(data, 0, len(data)), SEQUENCE, what)
    if top[2] != len(data):
        raise KeyFormatError(f"trailing data after the {what}")
    parts = der_children(data, top[1], top[2])
    if count is not None and len(parts) != count:
        raise KeyFormatError(f"{what}: {len(parts)} elements where {count} belong")
    return parts


def der_unsigned(data: bytes, item: tuple, what: str) -> int:
    _tag, start, end = der_expect(item, INTEGER_TAG, what)
    value = data[start:end]
    if not value or value[0] & 0x80 or (len(value) > 1 and value[0] == 0 and not value[1] & 0x80):
        raise KeyFormatError(f"{what} is not a non-negative DER integer")
    return int.from_bytes(value, "big")


def _oid(data: bytes, item: tuple) -> str:
    _tag, start, end = der_expect(item, OID_TAG, "algorithm")
    raw = data[start:end]
    if not raw or raw[-1] & 0x80:
        raise KeyFormatError("malformed object identifier")
    numbers, value = [], 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            numbers.append(value)
            value = 0
    first = min(numbers[0] // 40, 2)
    return ".".join(str(part) for part in [first, numbers[0] - 40 * first] + numbers[1:])


# -- public keys ----------------------------------------------------------------------------------------

RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
P256_OID = "1.2.840.10045.3.1.7"
# Key types PrivX may accept but the emulator cannot verify with, named in its answers.
_KNOWN_OIDS = {"1.3.101.112": "Ed25519", "1.3.101.113": "Ed448", "1.3.132.0.34": "EC P-384", "1.3.132.0.35": "EC P-521",
               "1.2.840.113549.1.1.10": "RSA-PSS"}


class RsaPublicKey(NamedTuple):
    n: int
    e: int

    @property
    def description(self) -> str:
        return f"RSA {self.n.bit_length()} bits"


class EcPublicKey(NamedTuple):
    x: int
    y: int

    @property
    def description(self) -> str:
        return "EC P-256"


class UnsupportedPublicKey(NamedTuple):
    """A well-formed SubjectPublicKeyInfo of a type the emulator does not verify signatures with."""
    description: str


def _rsa_key(bits: bytes) -> RsaPublicKey:
    parts = der_sequence(bits, "RSA public key", 2)
    n, e = der_unsigned(bits, parts[0], "RSA modulus"), der_unsigned(bits, parts[1], "RSA exponent")
    if n.bit_length() < 512 or e < 3 or e % 2 == 0:
        raise KeyFormatError("not a usable RSA public key")
    return RsaPublicKey(n, e)


def _ec_key(data: bytes, parameters: tuple | None, point: bytes):
    if parameters is None or parameters[0] != OID_TAG:
        raise KeyFormatError("an EC public key names its curve")
    curve = _oid(data, parameters)
    if curve != P256_OID:
        return UnsupportedPublicKey(_KNOWN_OIDS.get(curve, f"EC curve {curve}"))
    x, y = P256.decode_point(point)
    return EcPublicKey(x, y)


def public_key_from_der(der: bytes):
    """RsaPublicKey, EcPublicKey or UnsupportedPublicKey from a DER SubjectPublicKeyInfo."""
    parts = der_sequence(der, "public key", 2)
    algorithm = der_children(der, der_expect(parts[0], SEQUENCE, "algorithm")[1], parts[0][2])
    _tag, start, end = der_expect(parts[1], BIT_STRING, "public key bits")
    if not algorithm or len(algorithm) > 2 or start == end or der[start] != 0:
        raise KeyFormatError("malformed SubjectPublicKeyInfo")
    oid = _oid(der, algorithm[0])
    parameters = algorithm[1] if len(algorithm) == 2 else None
    bits = der[start + 1:end]
    if oid == RSA_ENCRYPTION:
        if parameters is not None and (parameters[0] != NULL_TAG or parameters[1] != parameters[2]):
            raise KeyFormatError("RSA key parameters must be NULL")
        return _rsa_key(bits)
    if oid == EC_PUBLIC_KEY:
        return _ec_key(der, parameters, bits)
    return UnsupportedPublicKey(_KNOWN_OIDS.get(oid, f"algorithm {oid}"))


_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END ([A-Z0-9 ]+)-----", re.S)


def pem_blocks(text: str) -> list:
    """[(label, DER bytes)] of a PEM text that holds only PEM blocks (and white space between them)."""
    blocks, position = [], 0
    for match in _PEM_BLOCK.finditer(text):
        if text[position:match.start()].strip():
            raise KeyFormatError("text outside the PEM blocks")
        if match.group(1) != match.group(3):
            raise KeyFormatError("PEM BEGIN and END labels differ")
        try:
            der = base64.b64decode("".join(match.group(2).split()), validate=True)
        except (binascii.Error, ValueError):
            raise KeyFormatError("PEM body is not base64") from None
        blocks.append((match.group(1), der))
        position = match.end()
    if text[position:].strip():
        raise KeyFormatError("text outside the PEM blocks")
    if not blocks:
        raise KeyFormatError("no PEM block")
    return blocks


def load_pem_public_key(text: str):
    """The key of a PEM text holding exactly one `-----BEGIN PUBLIC KEY-----` block (PKIX, as PrivX stores keys)."""
    blocks = pem_blocks(text)
    if len(blocks) != 1 or blocks[0][0] != "PUBLIC KEY":
        raise KeyFormatError("expected one PEM block -----BEGIN PUBLIC KEY-----")
    return public_key_from_der(blocks[0][1])


def check_pem_certificates(text: str) -> int:
    """How many `-----BEGIN CERTIFICATE-----` blocks a PEM text holds, each a DER SEQUENCE (the emulator does not
    verify certificates: it checks the form only)."""
    blocks = pem_blocks(text)
    for label, der in blocks:
        if label != "CERTIFICATE":
            raise KeyFormatError("expected PEM blocks -----BEGIN CERTIFICATE-----")
        der_sequence(der, "certificate", 3)
    return len(blocks)


# -- P-256 ----------------------------------------------------------------------------------------------

class _Curve:
    """A short Weierstrass curve y^2 = x^3 + ax + b over GF(p), a = -3 (as P-256's), with a base point of prime
    order n. Affine points are (x, y) tuples, None the point at infinity; the scalar multiplication runs in
    Jacobian coordinates (x/z^2, y/z^3), so that it needs one modular inverse instead of hundreds."""

    def __init__(self, p: int, a: int, b: int, gx: int, gy: int, n: int) -> None:
        self.p, self.a, self.b, self.g, self.n = p, a, b, (gx, gy), n
        self.size = (p.bit_length() + 7) // 8

    def on_curve(self, point) -> bool:
        x, y = point
        return 0 <= x < self.p and 0 <= y < self.p and (y * y - (x * x * x + self.a * x + self.b)) % self.p == 0

    def decode_point(self, raw: bytes) -> tuple:
        """An uncompressed (04 x y) or compressed (02/03 x) point, checked to lie on the curve."""
        size = self.size
        if len(raw) == 1 + 2 * size and raw[0] == 4:
            point = (int.from_bytes(raw[1:1 + size], "big"), int.from_bytes(raw[1 + size:], "big"))
        elif len(raw) == 1 + size and raw[0] in (2, 3):
            x = int.from_bytes(raw[1:], "big")
            rhs = (x * x * x + self.a * x + self.b) % self.p
            y = pow(rhs, (self.p + 1) // 4, self.p)  # p = 3 (mod 4) for P-256
            if y * y % self.p != rhs:
                raise KeyFormatError("EC point is not on the curve")
            point = (x, y if y % 2 == raw[0] % 2 else self.p - y)
        else:
            raise KeyFormatError("malformed EC point")
        if not self.on_curve(point):
            raise KeyFormatError("EC point is not on the curve")
        return point

    def add(self, first, second):
        """The sum of two affine points (used once per verification, for G + Q)."""
        if first is None:
            return second
        if second is None:
            return first
        p = self.p
        (x1, y1), (x2, y2) = first, second
        if x1 == x2:
            if (y1 + y2) % p == 0:
                return None
            slope = (3 * x1 * x1 + self.a) * pow(2 * y1, -1, p) % p
        else:
            slope = (y2 - y1) * pow(x2 - x1, -1, p) % p
        x3 = (slope * slope - x1 - x2) % p
        return x3, (slope * (x1 - x3) - y1) % p

    def _double(self, point):
        # "dbl-2001-b" (a = -3), Explicit-Formulas Database
        if point is None or point[1] == 0:
            return None
        p = self.p
        x, y, z = point
        delta, gamma = z * z % p, y * y % p
        beta = x * gamma % p
        alpha = 3 * (x - delta) * (x + delta) % p
        x3 = (alpha * alpha - 8 * beta) % p
        z3 = ((y + z) * (y + z) - gamma - delta) % p
        return x3, (alpha * (4 * beta - x3) - 8 * gamma * gamma) % p, z3

    def _add_affine(self, point, affine):
        # "madd-2007-bl": a Jacobian point plus an affine one
        if affine is None:
            return point
        if point is None:
            return affine[0], affine[1], 1
        p = self.p
        (x1, y1, z1), (x2, y2) = point, affine
        z1z1 = z1 * z1 % p
        h = (x2 * z1z1 - x1) % p
        r = 2 * (y2 * z1 * z1z1 - y1) % p
        if h == 0:
            return self._double(point) if r == 0 else None
        hh = h * h % p
        i = 4 * hh % p
        j, v = h * i % p, x1 * i % p
        x3 = (r * r - j - 2 * v) % p
        return x3, (r * (v - x3) - 2 * y1 * j) % p, ((z1 + h) * (z1 + h) - z1z1 - hh) % p

    def combine(self, u1: int, u2: int, point):
        """u1*G + u2*point (affine, or None), both multiplications at once (Shamir's trick)."""
        addends = {(1, 1): self.add(self.g, point), (1, 0): self.g, (0, 1): point}
        result = None
        for bit in reversed(range(max(u1.bit_length(), u2.bit_length()))):
            result = self._double(result)
            pick = ((u1 >> bit) & 1, (u2 >> bit) & 1)
            if pick in addends:
                result = self._add_affine(result, addends[pick])
        if result is None:
            return None
        x, y, z = result
        inverse = pow(z, -1, self.p)
        return x * inverse * inverse % self.p, y * inverse * inverse * inverse % self.p


P256 = _Curve(
    p=0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
    a=0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC,
    b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    gx=0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    gy=0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
    n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
)


# -- signatures -----------------------------------------------------------------------------------------

# The DER DigestInfo prefix of each hash (RFC 8017 section 9.2, note 1).
_RSA_ALGORITHMS = {
    "RS256": (hashlib.sha256, bytes.fromhex("3031300d060960864801650304020105000420")),
    "RS384": (hashlib.sha384, bytes.fromhex("3041300d060960864801650304020205000430")),
    "RS512": (hashlib.sha512, bytes.fromhex("3051300d060960864801650304020305000440")),
}
SUPPORTED_ALGORITHMS = tuple(_RSA_ALGORITHMS) + ("ES256",)


def _verify_rsa(algorithm: str, key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
    digest, prefix = _RSA_ALGORITHMS[algorithm]
    size = (key.n.bit_length() + 7) // 8
    encoded_digest = prefix + digest(message).digest()
    if len(signature) != size or size < len(encoded_digest) + 11:
        return False
    value = int.from_bytes(signature, "big")
    if value >= key.n:
        return False
    expected = b"\x00\x01" + b"\xff" * (size - len(encoded_digest) - 3) + b"\x00" + encoded_digest
    return hmac.compare_digest(pow(value, key.e, key.n).to_bytes(size, "big"), expected)


def _verify_es256(key: EcPublicKey, message: bytes, signature: bytes) -> bool:
    # JWS carries r and s as two fixed-size big-endian numbers (RFC 7518 section 3.4), not as DER.
    n = P256.n
    if len(signature) != 2 * P256.size:
        return False
    r, s = int.from_bytes(signature[:P256.size], "big"), int.from_bytes(signature[P256.size:], "big")
    if not (0 < r < n and 0 < s < n):
        return False
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")
    w = pow(s, -1, n)
    point = P256.combine(e * w % n, r * w % n, (key.x, key.y))
    return point is not None and point[0] % n == r


def verify_signature(algorithm: str, key, message: bytes, signature: bytes) -> bool:
    """True when `signature` is `algorithm`'s signature of `message` under `key`; False for any mismatch,
    a key of another type included."""
    if algorithm in _RSA_ALGORITHMS and isinstance(key, RsaPublicKey):
        return _verify_rsa(algorithm, key, message, signature)
    if algorithm == "ES256" and isinstance(key, EcPublicKey):
        return _verify_es256(key, message, signature)
    return False


# -- compact JWS ----------------------------------------------------------------------------------------

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class Jws(NamedTuple):
    header: dict
    payload: dict
    signing_input: bytes
    signature: bytes


def b64url_decode(text: str) -> bytes:
    """Base64url without padding (RFC 7515 section 2); ValueError otherwise."""
    if not _BASE64URL.match(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json_object(part: str, what: str) -> dict:
    try:
        value = json.loads(b64url_decode(part).decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedToken(f"its {what} is not base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise MalformedToken(f"its {what} is not a JSON object")
    return value


def _no_constant(_name: str) -> None:
    raise ValueError("NaN and Infinity are not JSON")


def decode_jws(token: str) -> Jws:
    """The parts of a compact JWS (header.payload.signature); MalformedToken when it is none."""
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedToken(f"it has {len(parts)} dot-separated part{'s' if len(parts) != 1 else ''}; a JWT has 3")
    header = _json_object(parts[0], "header")
    payload = _json_object(parts[1], "payload")
    try:
        signature = b64url_decode(parts[2])
    except ValueError:
        raise MalformedToken("its signature is not base64url") from None
    return Jws(header, payload, (parts[0] + "." + parts[1]).encode("ascii"), signature)
