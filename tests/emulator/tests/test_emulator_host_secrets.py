# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Host secrets and host account rotation: a host's rotation settings write its host secret (initial passwords as
# the first version), rotation is asynchronous and ends in a new version or in PrivX's last_error_details, host
# accounts are checked out like managed accounts (their host's policy deciding duration and rotate on release),
# and only callers holding the principal's roles see them.

import re
import time

import pytest

from emulator_helpers import AZ, HOST_WEB01, POLICY_DEFAULT, SM, UNKNOWN_ID, Api, assert_error
from host_helpers import (
    HOST_APP01, HOST_WIN01, HOSTS, PLANTED_PASSPHRASE, TEMPLATE_LINUX, create_host, rotation_settings, simple_host, wait_rotated,
)

HOST_SECRET = SM + "/host-secret"
ROTATE = SM + "/rotate"


def secret_of(admin: Api, host_id: str) -> dict:
    answer = admin.get(f"{HOST_SECRET}/{host_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def versions(emu, host: str, username: str) -> list:
    return [item["secret"] for item in emu.control.host_account(host, username)["versions"]]


def paths(api: Api, **search) -> list:
    answer = api.post(AZ + "/secrets/search", json=search) if search else api.get(AZ + "/secrets")
    assert answer.status_code == 200, answer.text
    return [item["path"] for item in answer.json()["items"]]


def checkout(api: Api, path: str) -> dict:
    answer = api.post(AZ + "/secrets/checkouts", json={"path": path})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_enabling_rotation_writes_the_host_secret(emu, admin: Api) -> None:
    host_id = create_host(admin, simple_host(password_rotation_enabled=False, password_rotation=...))
    assert_error(admin.get(f"{HOST_SECRET}/{host_id}"), 404, "GENERAL_ERROR", "hostID")
    assert paths(admin, host_id=host_id) == []
    assert admin.put(f"{HOSTS}/{host_id}", json=simple_host()).status_code == 200
    secret = secret_of(admin, host_id)
    metadata = secret["metadata"]
    assert {key: metadata[key] for key in ("host_id", "address", "port", "operating_system", "protocol", "certificate_validation_options",
                                           "use_main_account", "main_account", "policy_id", "script_template_id")} == {
        "host_id": host_id, "address": "10.9.0.1", "port": 22, "operating_system": "linux", "protocol": "SSH",
        "certificate_validation_options": "DISABLED", "use_main_account": True, "main_account": "root", "policy_id": POLICY_DEFAULT,
        "script_template_id": TEMPLATE_LINUX}
    assert [(item["account"], item["host_id"]) for item in secret["accounts"]] == [("app", host_id), ("root", host_id)]
    assert all("initial_password" not in item and "last_rotated" not in item for item in secret["accounts"])
    assert PLANTED_PASSPHRASE not in repr(secret)
    # The passphrase is root's initial password; app has none yet.
    assert versions(emu, "new01", "root") == [PLANTED_PASSPHRASE] and versions(emu, "new01", "app") == []
    assert paths(admin, host_id=host_id) == ["hosts/new01/app", "hosts/new01/root"]


def test_passphrases_and_rotating_principals_change_the_secret(emu, admin: Api) -> None:
    host_id = create_host(admin, simple_host())
    read = admin.get(f"{HOSTS}/{host_id}").json()
    assert admin.put(f"{HOSTS}/{host_id}", json=read).status_code == 200, "masked passphrases sent back"
    assert admin.put(f"{HOSTS}/{host_id}", json=simple_host()).status_code == 200, "the same passphrase again"
    assert versions(emu, "new01", "root") == [PLANTED_PASSPHRASE]
    body = simple_host()
    body["principals"][0]["passphrase"] = "a-new-password"
    body["principals"][1]["rotate"] = False
    assert admin.put(f"{HOSTS}/{host_id}", json=body).status_code == 200
    assert versions(emu, "new01", "root") == [PLANTED_PASSPHRASE, "a-new-password"]
    assert emu.control.host_account("new01", "app") is None and paths(admin, host_id=host_id) == ["hosts/new01/root"]
    # Rotation off: the host secret goes, with its accounts and versions; the settings stay on the host.
    assert admin.put(f"{HOSTS}/{host_id}", json=simple_host(password_rotation_enabled=False)).status_code == 200
    assert_error(admin.get(f"{HOST_SECRET}/{host_id}"), 404, "GENERAL_ERROR", "hostID")
    assert emu.control.host_accounts("new01")["items"] == [] and paths(admin, host_id=host_id) == []
    assert admin.get(f"{HOSTS}/{host_id}").json()["password_rotation"]["protocol"] == "SSH"


def test_a_host_without_rotation_keeps_its_host_secret(emu, admin: Api, user: Api) -> None:
    """web01 (test.json) has a host secret without rotation settings: writing the host, rotation still off, keeps it."""
    read = admin.get(f"{HOSTS}/{HOST_WEB01}").json()
    assert admin.put(f"{HOSTS}/{HOST_WEB01}", json=dict(read, comment="changed")).status_code == 200
    assert paths(user, host_id=HOST_WEB01) == ["hosts/web01/deploy", "hosts/web01/root"]
    assert versions(emu, "web01", "root") == ["web01-root-v1"]
    assert secret_of(admin, HOST_WEB01)["metadata"]["policy_id"] == ""


def test_rotation_settings_are_stamped_when_they_change(admin: Api, admin2: Api) -> None:
    host_id = create_host(admin, simple_host())
    first = admin.get(f"{HOSTS}/{host_id}").json()["password_rotation"]
    assert admin2.put(f"{HOSTS}/{host_id}", json=simple_host(comment="only the comment")).status_code == 200
    assert admin.get(f"{HOSTS}/{host_id}").json()["password_rotation"] == first
    assert admin2.put(f"{HOSTS}/{host_id}", json=simple_host(password_rotation=rotation_settings(certificate_validation_options="ENABLED"))).status_code == 200
    changed = admin.get(f"{HOSTS}/{host_id}").json()["password_rotation"]
    assert changed["created"] == first["created"] and changed["created_by"] == first["created_by"]
    assert changed["updated"] >= first["updated"] and changed["updated_by"] != first["updated_by"]


def test_rotation_succeeds_asynchronously(emu, admin: Api) -> None:
    emu.control.settings(rotation_delay=30)
    assert admin.post(f"{ROTATE}/{HOST_APP01}/svc_app").status_code == 200
    pending = next(item for item in secret_of(admin, HOST_APP01)["accounts"] if item["account"] == "svc_app")
    assert pending["rotation_initiate"].endswith("Z")
    assert_error(admin.post(f"{ROTATE}/{HOST_APP01}/svc_app"), 400, "BAD_REQUEST", "account")
    emu.control.settings(rotation_delay=0.2)
    assert admin.post(f"{ROTATE}/{HOST_APP01}/root").status_code == 200
    root = wait_rotated(emu, "app01", "root")
    assert root["current_version"] == 2 and root["last_error"] is None and root["last_rotated"] > "2026-01-01T00:00:00Z"
    new = root["versions"][1]["secret"]
    # The host's policy ("default": 12 to 32 characters of every class) made it.
    assert len(new) == 24 and all(re.search(pattern, new) for pattern in ("[a-z]", "[A-Z]", "[0-9]", r"[-_.!#%+=@]"))
    status = admin.get(f"{HOSTS}/{HOST_APP01}").json()["password_rotation"]["rotation_status"]
    assert status[0] == {"principal": "root", "last_rotated": root["last_rotated"], "last_error_details": ""}
    assert "rotation_initiate" in next(item for item in secret_of(admin, HOST_APP01)["accounts"] if item["account"] == "svc_app")


def test_rotation_failure_then_success(emu, admin: Api) -> None:
    details = "passwd: Authentication token manipulation error"
    emu.control.fail_host_rotation("app01", "svc_app", details=details, count=1)
    assert emu.control.host_rotation_failures() == [{"host_id": HOST_APP01, "username": "svc_app", "last_error_details": details, "remaining": 1}]
    assert admin.post(f"{ROTATE}/{HOST_APP01}/svc_app").status_code == 200
    failed = wait_rotated(emu, "app01", "svc_app")
    assert failed["last_error"] and failed["last_error_details"] == details and failed["last_rotated"] is None
    assert versions(emu, "app01", "svc_app") == ["app01-svc-v1"], "the secret is unchanged"
    host = admin.get(f"{HOSTS}/{HOST_APP01}").json()
    assert host["password_rotation"]["rotation_status"][1] == {"principal": "svc_app", "last_error": failed["last_error"],
                                                               "last_error_details": details}
    account = next(item for item in secret_of(admin, HOST_APP01)["accounts"] if item["account"] == "svc_app")
    assert account["last_error"] == failed["last_error"] and account["last_error_details"] == details
    assert emu.control.host_rotation_failures() == [], "used up"
    assert admin.post(f"{ROTATE}/{HOST_APP01}/svc_app").status_code == 200
    healed = wait_rotated(emu, "app01", "svc_app")
    assert healed["last_rotated"] and healed["last_error"] is None and healed["last_error_details"] == "" and healed["current_version"] == 2


def test_failure_of_every_account_of_a_host(emu, admin: Api) -> None:
    emu.control.fail_host_rotation("app01")
    for account in ("root", "svc_app"):
        assert admin.post(f"{ROTATE}/{HOST_APP01}/{account}").status_code == 200
        state = wait_rotated(emu, "app01", account)
        assert state["last_error_details"].startswith("ssh: handshake failed") and state["current_version"] == 1
    emu.control.clear_host_rotation_failures()
    emu.control.fail_host_rotation(HOST_APP01, count=1)
    emu.control.reset()
    assert emu.control.host_rotation_failures() == [], "reset clears them"


def test_rotating_through_the_account_itself_needs_its_password(emu, admin: Api) -> None:
    host_id = create_host(admin, simple_host(password_rotation=rotation_settings(use_main_account=False)))
    for account, expected in (("root", None), ("app", "no current password of app is stored")):
        assert admin.post(f"{ROTATE}/{host_id}/{account}").status_code == 200
        state = wait_rotated(emu, "new01", account)
        if expected is None:
            assert state["last_rotated"] and state["current_version"] == 2
        else:
            assert state["last_error_details"].startswith(expected) and state["current_version"] == 0


def test_rotation_follows_the_policy(emu, admin: Api) -> None:
    body = {"name": "digits", "rotation_interval": "P1D", "max_checkout_duration": "PT1H", "password_min_length": 40,
            "password_max_length": 40, "use_special_characters": False, "use_lower_case": False, "use_upper_case": False,
            "use_numbers": True, "max_versions": 2}
    policy_id = admin.post(SM + "/password-policy", json=body).json()["id"]
    host_id = create_host(admin, simple_host(password_rotation=rotation_settings(password_policy_id=policy_id)))
    for _round in range(2):
        assert admin.post(f"{ROTATE}/{host_id}/root").status_code == 200
        wait_rotated(emu, "new01", "root")
    stored = emu.control.host_account("new01", "root")["versions"]
    assert [item["version"] for item in stored] == [2, 3], "max_versions 2"
    assert all(re.fullmatch("[0-9]{40}", item["secret"]) for item in stored)


def test_rotate_refusals(emu, admin: Api, user: Api) -> None:
    assert_error(admin.post(f"{ROTATE}/{UNKNOWN_ID}/root"), 404, "GENERAL_ERROR", "hostID")
    assert_error(admin.post(f"{ROTATE}/app01/root"), 400, "VALUE_INCORRECT_FORMAT", "hostID")
    assert_error(admin.post(f"{ROTATE}/{HOST_APP01}/operator"), 404, "GENERAL_ERROR", "account")
    assert_error(admin.post(f"{ROTATE}/{HOST_APP01}/ROOT"), 404, "GENERAL_ERROR", "account")
    assert_error(admin.post(f"{ROTATE}/{HOST_WEB01}/root"), 400, "BAD_REQUEST", "hostID")
    assert_error(user.post(f"{ROTATE}/{HOST_APP01}/root"), 403, "PERMISSION_DENIED")
    assert_error(admin.get(f"{ROTATE}/{HOST_APP01}/root"), 405, "GENERAL_ERROR")
    assert all(item["rotation_initiated"] is None for item in emu.control.host_accounts("app01")["items"])


def test_host_secret_post_replaces_and_delete_removes(emu, admin: Api) -> None:
    metadata = dict(secret_of(admin, HOST_APP01)["metadata"], main_account="svc_app", port=2222)
    body = {"metadata": metadata, "accounts": [{"account": "svc_app", "initial_password": "given-over-the-api"}, {"account": "backup"}]}
    answer = admin.post(f"{HOST_SECRET}/{HOST_APP01}", json=body)
    assert answer.status_code == 200, answer.text
    stored = answer.json()
    assert stored == secret_of(admin, HOST_APP01) and "given-over-the-api" not in answer.text
    assert stored["metadata"]["main_account"] == "svc_app" and stored["metadata"]["port"] == 2222
    assert [item["account"] for item in stored["accounts"]] == ["backup", "svc_app"]
    assert versions(emu, "app01", "svc_app") == ["app01-svc-v1", "given-over-the-api"]
    assert emu.control.host_account("app01", "root") is None, "left out, so gone"
    assert admin.get(f"{HOSTS}/{HOST_APP01}").json()["password_rotation"]["rotation_status"] == [
        {"principal": "svc_app", "last_error_details": ""}], "the host's settings are not touched, its status follows the secret"
    # The API reference's name of the policy id is taken too.
    alias = dict(metadata, password_policy_id=metadata["policy_id"])
    del alias["policy_id"]
    assert admin.post(f"{HOST_SECRET}/{HOST_APP01}", json={"metadata": alias, "accounts": []}).status_code == 200
    assert admin.delete(f"{HOST_SECRET}/{HOST_APP01}").status_code == 200
    assert_error(admin.delete(f"{HOST_SECRET}/{HOST_APP01}"), 404, "GENERAL_ERROR", "hostID")
    assert "hosts/app01/svc_app" not in paths(admin)


@pytest.mark.parametrize("change, code, prop", [
    ({"metadata": None}, "REQUIRED_VALUE_MISSING", "metadata"),
    ({"metadata.host_id": HOST_WIN01}, "INVALID_REQUEST_DATA", "metadata.host_id"),
    ({"metadata.address": ""}, "REQUIRED_VALUE_MISSING", "metadata.address"),
    ({"metadata.port": 0}, "REQUIRED_VALUE_MISSING", "metadata.port"),
    ({"metadata.port": 65536}, "VALUE_OUT_OF_BOUNDS", "metadata.port"),
    ({"metadata.operating_system": "solaris"}, "VALUE_OUT_OF_BOUNDS", "metadata.operating_system"),
    ({"metadata.protocol": "RDP"}, "VALUE_OUT_OF_BOUNDS", "metadata.protocol"),
    ({"metadata.policy_id": UNKNOWN_ID}, "INVALID_REQUEST_DATA", "metadata.policy_id"),
    ({"metadata.password_policy_id": UNKNOWN_ID}, "INVALID_REQUEST_DATA", "metadata.policy_id"),
    ({"metadata.script_template_id": ""}, "REQUIRED_VALUE_MISSING", "metadata.script_template_id"),
    ({"metadata.main_account": ""}, "REQUIRED_VALUE_MISSING", "metadata.main_account"),
    ({"metadata.colour": "x"}, "INVALID_REQUEST_DATA", "metadata.colour"),
    ({"accounts": [{"account": ""}]}, "REQUIRED_VALUE_MISSING", "accounts[0].account"),
    ({"accounts": [{"account": "a"}, {"account": "a"}]}, "VALUE_DUPLICATE", "accounts[1].account"),
    ({"accounts": [{"account": "a", "initial_password": 1}]}, "VALUE_INCORRECT_TYPE", "accounts[0].initial_password"),
])
def test_host_secret_post_refusals(emu, admin: Api, change: dict, code: str, prop: str) -> None:
    before = secret_of(admin, HOST_APP01)
    body = {"metadata": dict(before["metadata"]), "accounts": [{"account": "root"}]}
    for key, value in change.items():
        if key.startswith("metadata."):
            body["metadata"][key.split(".", 1)[1]] = value
        else:
            body[key] = value
    assert_error(admin.post(f"{HOST_SECRET}/{HOST_APP01}", json=body), 400, code, prop)
    assert secret_of(admin, HOST_APP01) == before


def test_host_secret_endpoints_need_the_administrator(emu, admin: Api, user: Api) -> None:
    assert_error(admin.post(f"{HOST_SECRET}/{UNKNOWN_ID}", json={"metadata": {}}), 404, "GENERAL_ERROR", "hostID")
    assert_error(admin.get(f"{HOST_SECRET}/{UNKNOWN_ID}"), 404, "GENERAL_ERROR", "hostID")
    for method in ("GET", "POST", "DELETE"):
        assert_error(user.call(method, f"{HOST_SECRET}/{HOST_APP01}", json={}), 403, "PERMISSION_DENIED")
    assert secret_of(admin, HOST_APP01)["accounts"][0]["account"] == "root"


def test_host_accounts_are_listed_to_their_principals_roles(admin: Api, user: Api) -> None:
    """app01's and win01's principals carry the privx-admin role: the user client (role secrets-users) sees neither."""
    assert paths(admin, username="root") == ["hosts/app01/root", "hosts/web01/root"]
    assert paths(user, username="root") == ["hosts/web01/root"]
    assert_error(user.post(AZ + "/secrets/checkouts", json={"path": "hosts/app01/root"}), 404, "GENERAL_ERROR", "path")
    body = simple_host()
    body["principals"][0]["roles"] = [{"name": "SECRETS-USERS"}]
    host_id = create_host(admin, body)
    # root's role matches by name, letter case ignored; app has no roles: every caller with a role sees it.
    assert paths(user, host_id=host_id) == ["hosts/new01/app", "hosts/new01/root"]
    assert checkout(user, "hosts/new01/root")["secrets"][-1]["secret"] == PLANTED_PASSPHRASE


def test_checkout_of_a_host_account(emu, admin: Api) -> None:
    record = checkout(admin, "hosts/app01/root")
    assert record["type"] == "HOST_SECRET" and record["username"] == "root" and record["secrets"][-1]["secret"] == "app01-root-v1"
    assert record["host"]["id"] == HOST_APP01 and record["host"]["common_name"] == "app01" and record["target_domain"] == {"id": ""}
    # app01's policy ("default") allows an hour.
    assert 3590 < emu.control.checkouts()[0]["expires_epoch"] - time.time() <= 3600
    assert checkout(admin, "hosts/app01/root")["id"] == record["id"], "the active checkout again"
    assert admin.post(f"{AZ}/secrets/checkouts/{record['id']}/release").status_code == 200
    time.sleep(0.4)
    assert emu.control.host_account("app01", "root")["current_version"] == 1, "default does not rotate on release"


def test_release_rotates_under_rotate_on_release(emu, admin: Api) -> None:
    record = checkout(admin, "hosts/win01/Administrator")
    assert admin.post(f"{AZ}/secrets/checkouts/{record['id']}/release").status_code == 200
    state = wait_rotated(emu, "win01", "Administrator")
    assert state["current_version"] == 2 and state["last_rotated"]
    assert checkout(admin, "hosts/win01/Administrator")["secrets"][-1]["secret"] == state["versions"][-1]["secret"]


def test_expiry_rotates_under_a_short_policy(emu, admin: Api) -> None:
    short = next(item["id"] for item in admin.get(SM + "/password-policies").json()["items"] if item["name"] == "short-checkout")
    create_host(admin, simple_host(password_rotation=rotation_settings(password_policy_id=short)))
    record = checkout(admin, "hosts/new01/root")
    assert 0 < emu.control.checkouts()[0]["expires_epoch"] - time.time() <= 2
    emu.wait_until(lambda: emu.control.host_account("new01", "root")["current_version"] == 2, timeout=6, message="rotation on expiry")
    assert_error(admin.get(f"{AZ}/secrets/checkouts/{record['id']}"), 404, "GENERAL_ERROR")


def test_policy_and_template_in_use_by_a_host(admin: Api) -> None:
    policy = assert_error(admin.delete(f"{SM}/password-policy/{POLICY_DEFAULT}"), 400, "BAD_REQUEST", "passwordPolicyID")
    assert "app01" in policy["error_message"]
    template = assert_error(admin.delete(f"{SM}/script-template/{TEMPLATE_LINUX}"), 400, "BAD_REQUEST", "scriptTemplateID")
    assert "app01" in template["error_message"]
