# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The fixture's part for token exchange (fixture.py calls in here): `user_directories`, the PrivX users a JWT's
# subject resolves to, each with the `role` an API client would have (api_identity.py), and `identity_providers`,
# checked by the API's own rules (api_identity_providers.check_provider). tests/emulator/README.md describes both.

import uuid

from .api_identity_providers import WRITABLE_FIELDS, check_provider, provider_row
from .errors import ApiError
from .fixture import REQUIRED, _check_enum, _check_list, _check_name, _check_uuid, _entry, _fail, _unique

USER_SPEC = {
    "principal": (_check_name, REQUIRED),
    "role": (_check_enum("admin", "user", "none"), REQUIRED),
    "user_id": (_check_uuid, None),
}
DIRECTORY_SPEC = {
    "id": (_check_uuid, None),
    "name": (_check_name, REQUIRED),
    "users": (_check_list, []),
}
# Defaults that make the shortest useful entry a static-key provider of plain subjects, enabled.
PROVIDER_DEFAULTS = {"token_type": "JWT", "jwt_subject_type": "plain", "public_key_method": "static", "enabled": True}


def _check_directory(raw, where: str) -> dict:
    directory = _entry(raw, where, DIRECTORY_SPEC)
    directory["id"] = directory["id"] or str(uuid.uuid4())
    directory["users"] = [_entry(item, f"{where}.users[{index}]", USER_SPEC) for index, item in enumerate(directory["users"])]
    _unique(directory["users"], lambda user: user["principal"].lower(), f"{where}.users", "principal (compared case-insensitively)")
    for user in directory["users"]:
        user["user_id"] = user["user_id"] or str(uuid.uuid4())
    return directory


def _check_provider(raw, where: str, directories: dict) -> dict:
    if not isinstance(raw, dict):
        raise _fail(where, "must be an object")
    unknown = sorted(set(raw) - set(WRITABLE_FIELDS) - {"id"})
    if unknown:
        raise _fail(f"{where}.{unknown[0]}", f"unknown key (expected one of {', '.join(sorted(set(WRITABLE_FIELDS) | {'id'}))})")
    body = dict(PROVIDER_DEFAULTS, **raw)
    provider_id = _check_uuid(body.pop("id"), f"{where}.id") if body.get("id") is not None else str(uuid.uuid4())
    # users_directory may name a fixture directory by its name as well as by its id.
    directory = body.get("users_directory")
    by_name = {entry["name"]: entry["id"] for entry in directories.values()}
    if isinstance(directory, str) and directory in by_name:
        body["users_directory"] = by_name[directory]
    try:
        values = check_provider(body, lambda directory_id: directory_id in directories)
    except ApiError as exc:
        raise _fail(f"{where}.{exc.prop}" if exc.prop else where, exc.message) from None
    return dict(values, id=provider_id)


def check_identity(fixture: dict) -> None:
    """Check (and complete) the fixture's user_directories and identity_providers in place."""
    fixture["user_directories"] = [_check_directory(item, f"user_directories[{index}]")
                                   for index, item in enumerate(fixture["user_directories"])]
    _unique(fixture["user_directories"], lambda item: item["name"], "user_directories", "name")
    _unique(fixture["user_directories"], lambda item: item["id"], "user_directories", "id")
    # A user id keys tokens and checkouts as an API client's client_id does: the two must never meet.
    callers = [client["client_id"] for client in fixture["api_clients"]]
    callers += [user["user_id"] for directory in fixture["user_directories"] for user in directory["users"]]
    _unique(callers, lambda value: value, "api_clients and user_directories", "client_id or user_id")
    directories = {item["id"]: item for item in fixture["user_directories"]}
    fixture["identity_providers"] = [_check_provider(item, f"identity_providers[{index}]", directories)
                                     for index, item in enumerate(fixture["identity_providers"])]
    _unique(fixture["identity_providers"], lambda item: item["name"], "identity_providers", "name")
    _unique(fixture["identity_providers"], lambda item: item["id"], "identity_providers", "id")


def seed_identity(store, fixture: dict, created: int, author: str) -> None:
    for directory in fixture["user_directories"]:
        store.insert_user_directory({"id": directory["id"], "name": directory["name"]})
        for user in directory["users"]:
            store.insert_directory_user({"user_id": user["user_id"], "directory_id": directory["id"], "principal": user["principal"],
                                         "principal_key": user["principal"].lower(), "role": user["role"]})
    for provider in fixture["identity_providers"]:
        store.insert_identity_provider(provider_row(provider, provider["id"], created, created, author))
