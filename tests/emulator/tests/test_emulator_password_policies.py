# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Password policies: create, read, replace, delete; validation, roles, names, deletion refusals.

import pytest

from emulator_helpers import POLICY_DEFAULT, SM, TD_DB, UNKNOWN_ID, Api, assert_error, managed_path

POLICIES = SM + "/password-policies"
POLICY = SM + "/password-policy"
ADMIN_USER_ID = "debe3ca0-827a-4c87-a9f8-e1328ecf7082"


def policy_body(**changes) -> dict:
    body = {
        "name": "servers", "rotation_interval": "P30D", "password_min_length": 16, "password_max_length": 24,
        "use_special_characters": True, "use_lower_case": True, "use_upper_case": True, "use_numbers": False,
        "max_versions": 5, "number_of_retries": 2, "retry_interval": "PT10M", "max_concurrent_checkouts": 1,
        "max_checkout_duration": "PT2H", "rotate_on_release": True, "verify_after_rotation": False,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def create(admin: Api, **changes) -> str:
    answer = admin.post(POLICY, json=policy_body(**changes))
    assert answer.status_code == 201, answer.text
    assert set(answer.json()) == {"id"}
    return answer.json()["id"]


def test_create_get_list(admin: Api) -> None:
    policy_id = create(admin)
    policy = admin.get(f"{POLICY}/{policy_id}").json()
    for key, value in policy_body().items():
        assert policy[key] == value, key
    assert policy["id"] == policy_id
    assert policy["created_by"] == policy["updated_by"] == ADMIN_USER_ID
    assert policy["created"] == policy["updated"] and policy["created"].endswith("Z")
    listed = admin.get(POLICIES).json()
    assert listed["count"] == 6
    assert policy in listed["items"]
    assert admin.get(POLICIES, params={"limit": 2, "offset": 1, "sortkey": "name", "sortdir": "DESC"}).json()["count"] == 6
    assert len(admin.get(POLICIES, params={"limit": 2}).json()["items"]) == 2
    assert_error(admin.get(POLICIES, params={"sortkey": "rotation_interval"}), 400, "VALUE_OUT_OF_BOUNDS", "sortkey")


def test_fixture_policy_has_every_field(admin: Api) -> None:
    policy = admin.get(f"{POLICY}/{POLICY_DEFAULT}").json()
    assert policy["rotation_interval"] == "P30D" and policy["max_versions"] == 10
    assert policy["password_min_length"] == 12 and policy["retry_interval"] == "PT5M"
    assert policy["created_by"] == ADMIN_USER_ID


def test_replace(admin: Api, admin2: Api) -> None:
    policy_id = create(admin)
    assert admin2.put(f"{POLICY}/{policy_id}", json=policy_body(name="servers-2", rotation_interval="P7D")).status_code == 200
    policy = admin.get(f"{POLICY}/{policy_id}").json()
    assert policy["name"] == "servers-2" and policy["rotation_interval"] == "P7D"
    assert policy["created_by"] == ADMIN_USER_ID and policy["updated_by"] != ADMIN_USER_ID
    # What a client read, sent back unchanged, is accepted (read-only fields are checked, then ignored).
    assert admin.put(f"{POLICY}/{policy_id}", json=policy).status_code == 200
    assert admin.get(f"{POLICY}/{policy_id}").json()["name"] == "servers-2"
    # PUT replaces: a field left out is reset to its zero value.
    body = policy_body(name="servers-2", number_of_retries=..., use_numbers=...)
    assert admin.put(f"{POLICY}/{policy_id}", json=body).status_code == 200
    policy = admin.get(f"{POLICY}/{policy_id}").json()
    assert policy["number_of_retries"] == 0 and policy["use_numbers"] is False
    assert_error(admin.put(f"{POLICY}/{policy_id}", json=dict(policy, id=POLICY_DEFAULT)), 400, "INVALID_REQUEST_DATA", "id")
    assert_error(admin.put(f"{POLICY}/{UNKNOWN_ID}", json=policy_body()), 404, "GENERAL_ERROR", "passwordPolicyID")
    assert_error(admin.get(f"{POLICY}/not-a-uuid"), 400, "VALUE_INCORRECT_FORMAT", "passwordPolicyID")


@pytest.mark.parametrize("changes, status, code, prop", [
    ({"name": ...}, 400, "REQUIRED_VALUE_MISSING", "name"),
    ({"name": "  "}, 400, "REQUIRED_VALUE_MISSING", "name"),
    ({"name": 5}, 400, "VALUE_INCORRECT_TYPE", "name"),
    ({"rotation_interval": "30d"}, 400, "VALUE_INCORRECT_FORMAT", "rotation_interval"),
    ({"rotation_interval": 30}, 400, "VALUE_INCORRECT_TYPE", "rotation_interval"),
    ({"rotation_interval": ...}, 400, "REQUIRED_VALUE_MISSING", "rotation_interval"),
    ({"rotation_interval": "PT0S"}, 400, "VALUE_OUT_OF_BOUNDS", "rotation_interval"),
    ({"max_checkout_duration": "1 hour"}, 400, "VALUE_INCORRECT_FORMAT", "max_checkout_duration"),
    ({"max_checkout_duration": ""}, 400, "REQUIRED_VALUE_MISSING", "max_checkout_duration"),
    ({"retry_interval": "P"}, 400, "VALUE_INCORRECT_FORMAT", "retry_interval"),
    ({"password_min_length": -1}, 400, "VALUE_OUT_OF_BOUNDS", "password_min_length"),
    ({"password_min_length": 30, "password_max_length": 20}, 400, "VALUE_OUT_OF_BOUNDS", "password_min_length"),
    ({"password_max_length": "24"}, 400, "VALUE_INCORRECT_TYPE", "password_max_length"),
    ({"max_versions": 1.5}, 400, "VALUE_INCORRECT_TYPE", "max_versions"),
    ({"use_numbers": "yes"}, 400, "VALUE_INCORRECT_TYPE", "use_numbers"),
    ({"rotate_on_release": 1}, 400, "VALUE_INCORRECT_TYPE", "rotate_on_release"),
    ({"rotation": "P1D"}, 400, "INVALID_REQUEST_DATA", "rotation"),
    # read-only fields are type-checked
    ({"created": "yesterday"}, 400, "VALUE_INCORRECT_FORMAT", "created"),
    ({"created_by": 7}, 400, "VALUE_INCORRECT_TYPE", "created_by"),
    ({"updated_by": "someone"}, 400, "VALUE_INCORRECT_FORMAT", "updated_by"),
    ({"id": "x"}, 400, "VALUE_INCORRECT_FORMAT", "id"),
    ({"name": "default"}, 400, "VALUE_DUPLICATE", "name"),
])
def test_create_validation(admin: Api, changes: dict, status: int, code: str, prop: str) -> None:
    before = admin.get(POLICIES).json()["count"]
    assert_error(admin.post(POLICY, json=policy_body(**changes)), status, code, prop)
    assert admin.get(POLICIES).json()["count"] == before, "nothing created"


def test_read_only_fields_as_an_sdk_sends_them(admin: Api) -> None:
    """Go's zero values: empty id and user ids; a client's read-back values are ignored."""
    policy_id = create(admin, id="", created_by="", updated_by="", created="2020-01-01T00:00:00Z", name="sdk")
    policy = admin.get(f"{POLICY}/{policy_id}").json()
    assert policy["created"] != "2020-01-01T00:00:00Z" and policy["created_by"] == ADMIN_USER_ID


def test_bodies_and_methods(admin: Api) -> None:
    assert_error(admin.post(POLICY, data="{nope"), 400, "INVALID_REQUEST_DATA")
    assert_error(admin.post(POLICY, json=[policy_body()]), 400, "INVALID_REQUEST_DATA")
    assert_error(admin.post(POLICY), 400, "INVALID_REQUEST_DATA")
    assert_error(admin.post(POLICIES, json=policy_body()), 405, "GENERAL_ERROR")
    assert_error(admin.get(POLICY), 405, "GENERAL_ERROR")
    assert_error(admin.post(f"{POLICY}/{POLICY_DEFAULT}", json=policy_body()), 405, "GENERAL_ERROR")


def test_unique_names(admin: Api) -> None:
    first = create(admin, name="one")
    second = create(admin, name="two")
    assert_error(admin.put(f"{POLICY}/{second}", json=policy_body(name="one")), 400, "VALUE_DUPLICATE", "name")
    assert admin.put(f"{POLICY}/{first}", json=policy_body(name="one")).status_code == 200, "its own name is no duplicate"
    # Names are compared exactly: another letter case is another name.
    create(admin, name="ONE")


def test_delete(admin: Api) -> None:
    policy_id = create(admin)
    assert admin.delete(f"{POLICY}/{policy_id}").status_code == 200
    assert_error(admin.get(f"{POLICY}/{policy_id}"), 404, "GENERAL_ERROR", "passwordPolicyID")
    assert_error(admin.delete(f"{POLICY}/{policy_id}"), 404, "GENERAL_ERROR", "passwordPolicyID")
    assert admin.get(POLICIES).json()["count"] == 5


def test_delete_refused_while_accounts_use_it(emu, admin: Api) -> None:
    policy_id = create(admin)
    answer = admin.post(managed_path(TD_DB), json={"username": "uses_policy", "password_policy": {"id": policy_id}})
    assert answer.status_code == 201
    body = assert_error(admin.delete(f"{POLICY}/{policy_id}"), 400, "BAD_REQUEST", "passwordPolicyID")
    assert "1 managed account" in body["error_message"] and "servers" in body["error_message"]
    assert admin.get(f"{POLICY}/{policy_id}").status_code == 200
    # Renaming shows in the accounts that use it.
    assert admin.put(f"{POLICY}/{policy_id}", json=policy_body(name="renamed")).status_code == 200
    assert emu.control.managed_account("dbdomain", "uses_policy")["password_policy"]["name"] == "renamed"
    assert admin.delete(managed_path(TD_DB, "/" + answer.json()["id"])).status_code == 200
    assert admin.delete(f"{POLICY}/{policy_id}").status_code == 200


def test_fixture_policy_in_use(admin: Api) -> None:
    assert_error(admin.delete(f"{POLICY}/{POLICY_DEFAULT}"), 400, "BAD_REQUEST", "passwordPolicyID")


def test_user_role_refused(admin: Api, user: Api) -> None:
    policy_id = create(admin)
    for method, path, body in (
        ("GET", POLICIES, None), ("POST", POLICY, policy_body(name="x")), ("GET", f"{POLICY}/{policy_id}", None),
        ("PUT", f"{POLICY}/{policy_id}", policy_body()), ("DELETE", f"{POLICY}/{policy_id}", None),
    ):
        assert_error(user.call(method, path, json=body), 403, "PERMISSION_DENIED")
    assert admin.get(f"{POLICY}/{policy_id}").json()["name"] == "servers"


def test_audit_in_request_log(emu, admin: Api) -> None:
    mark = emu.control.mark()
    policy_id = create(admin)
    admin.delete(f"{POLICY}/{policy_id}")
    logged = [(entry["method"], entry["path"], entry["status"], entry["client"]) for entry in emu.control.requests(since=mark)]
    client = emu.clients["admin"]["client_id"]
    assert logged == [("POST", POLICY, 201, client), ("DELETE", f"{POLICY}/{policy_id}", 200, client)]
