# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JWTs for the token exchange tests, minted with PyJWT (a test dependency), signed with the throwaway key that the
collection fixture's identity provider ci.example.com trusts (tests/integration/fixtures/collection.json), and the
ids of the users they map to. Every token minted here is remembered in MINTED, so that leak scans look for it."""

from __future__ import annotations

import os
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = os.path.dirname(os.path.abspath(__file__))
KEY_PATH = os.path.join(os.path.dirname(HERE), 'emulator', 'fixtures', 'throwaway-ci-issuer-key.pem')
ISSUER = 'https://ci.example.com'
AUDIENCE = 'privx'
KEY_ID = 'ci-2026'
EXCHANGE_PATH = '/auth/api/v1/token/login'
# The users of the fixture's ci-users directory, by the id the emulator logs as the caller of token/login.
USER_IDS = {
    'ci-admin': 'c4a8e2f6-1b3d-4e5f-8a7c-9d0e1f2a3b4c',
    'ci-admin-next': 'd5b9f3a7-2c4e-4f60-9b8d-0e1f2a3b4c5d',
    'no-roles': 'e6c0a4b8-3d5f-4a71-8c9e-1f2a3b4c5d6e',
}
MINTED = []

with open(KEY_PATH, encoding='ascii') as _handle:
    THROWAWAY_KEY = serialization.load_pem_private_key(_handle.read().encode('ascii'), None)


def stranger_key():
    """A key nobody trusts: a token it signs does not verify."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(private_key=None):
    return (private_key or THROWAWAY_KEY).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode('ascii')


def mint(subject='ci-admin', ttl=600, issuer=ISSUER, audience=AUDIENCE, key=None, expired_at=None, **claims):
    """A signed JWT; ``expired_at`` (epoch seconds) makes one whose exp has passed."""
    issued = int(time.time()) if expired_at is None else int(expired_at) - ttl
    payload = {'iss': issuer, 'sub': subject, 'aud': audience, 'iat': issued, 'nbf': issued, 'exp': issued + ttl,
               'jti': str(uuid.uuid4())}
    payload.update(claims)
    token = jwt.encode(payload, key or THROWAWAY_KEY, algorithm='RS256', headers={'kid': KEY_ID})
    MINTED.append(token)
    return token


def logins(emulator, since):
    """The callers (user ids) of the token exchanges the emulator logged since ``since``, in order, with their status."""
    return [(entry['client'], entry['status']) for entry in emulator.control.requests(since=since)
            if entry['path'] == EXCHANGE_PATH]
