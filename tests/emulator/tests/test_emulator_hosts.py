# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The host store: list, search, create, read, replace, delete; a host is kept as it was sent (read, send back,
# read again: the same); every validation rule refuses with its own code and property, and changes nothing.

import copy

import pytest

from emulator_helpers import HOST_DB01, HOST_WEB01, POLICY_DEFAULT, SM, UNKNOWN_ID, Api, assert_error
from host_helpers import (
    HOST_APP01, HOST_WIN01, HOSTS, PLANTED_PASSPHRASE, ROLE_PRIVX_ADMIN, TEMPLATE_LINUX, create_host, rich_host_body, rotation_settings,
    simple_host,
)

ADMIN_USER_ID = "debe3ca0-827a-4c87-a9f8-e1328ecf7082"
SERVER_FIELDS = ("id", "created", "updated", "updated_by", "stand_alone_host", "status")


def names(answer) -> list:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"count", "items"} and body["count"] >= len(body["items"])
    return [item["common_name"] for item in body["items"]]


def test_fixture_hosts(admin: Api) -> None:
    app01 = admin.get(f"{HOSTS}/{HOST_APP01}").json()
    assert app01["common_name"] == "app01" and app01["addresses"] == ["10.0.1.10", "app01.example.com"]
    assert app01["tags"] == ["linux", "prod"], "answered sorted"
    assert [(item["principal"], item["passphrase"], item["rotate"], item["use_for_password_rotation"]) for item in app01["principals"]] == [
        ("root", "********", True, True), ("svc_app", "********", True, False), ("operator", "********", False, False)]
    assert app01["principals"][0]["roles"] == [{"id": ROLE_PRIVX_ADMIN, "name": "privx-admin"}]
    rotation = app01["password_rotation"]
    assert app01["password_rotation_enabled"] is True and rotation["operating_system"] == "LINUX" and rotation["protocol"] == "SSH"
    assert rotation["password_policy_id"] == POLICY_DEFAULT and rotation["script_template_id"] == TEMPLATE_LINUX
    assert rotation["rotation_status"] == [{"principal": "root", "last_rotated": "2026-01-01T00:00:00Z", "last_error_details": ""},
                                           {"principal": "svc_app", "last_error_details": ""}]
    assert rotation["created"] == rotation["updated"] == app01["created"] and rotation["created_by"]
    web01 = admin.get(f"{HOSTS}/{HOST_WEB01}").json()
    assert "password_rotation" not in web01 and web01["password_rotation_enabled"] is False
    assert [item["principal"] for item in web01["principals"]] == ["root", "deploy"] and web01["toch"] is None


def test_list_and_paging(admin: Api) -> None:
    assert names(admin.get(HOSTS)) == ["app01", "db01", "web01", "win01"]
    assert names(admin.get(HOSTS, params={"sortdir": "DESC", "limit": 2})) == ["win01", "web01"]
    listed = admin.get(HOSTS, params={"offset": 3, "limit": 10, "sortkey": "id"})
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1 and listed.json()["count"] == 4
    assert_error(admin.get(HOSTS, params={"sortkey": "zone"}), 400, "VALUE_OUT_OF_BOUNDS", "sortkey")
    assert_error(admin.get(HOSTS, params={"limit": "x"}), 400, "VALUE_INCORRECT_TYPE", "limit")


@pytest.mark.parametrize("criteria, expected", [
    ({"common_name": ["APP01"]}, ["app01"]),
    ({"common_name": ["app01", "db01", "nope"]}, ["app01", "db01"]),
    ({"address": ["10.0.0.6"]}, ["db01"]),
    ({"address": ["WEB01.example.com"]}, ["web01"]),
    ({"keywords": "prod, LINUX"}, ["app01"]),
    ({"keywords": "example.com"}, ["app01", "web01", "win01"]),
    ({"external_id": "ext-web01"}, ["web01"]),
    ({"instance_id": "i-0123456789abcdef0"}, ["web01"]),
    ({"id": HOST_DB01.upper()}, ["db01"]),
    ({"service": ["rdp"]}, ["win01"]),
    ({"port": [22, 5432]}, ["app01"]),
    ({"role": ["privx-admin"]}, ["app01", "win01"]),
    ({"role": [ROLE_PRIVX_ADMIN], "tags": ["linux"]}, ["app01"]),
    ({"deployable": True}, []),
    ({"common_name": [], "keywords": "", "ignore_disabled_sources": True, "filter": ""}, ["app01", "db01", "web01", "win01"]),
    ({}, ["app01", "db01", "web01", "win01"]),
])
def test_search(admin: Api, criteria: dict, expected: list) -> None:
    assert names(admin.post(f"{HOSTS}/search", json=criteria)) == expected


def test_search_paging_and_refusals(admin: Api) -> None:
    answer = admin.post(f"{HOSTS}/search", params={"limit": 1, "offset": 1, "sortdir": "DESC"}, json={"keywords": "example"})
    assert answer.json()["count"] == 3 and [item["common_name"] for item in answer.json()["items"]] == ["web01"]
    assert_error(admin.post(f"{HOSTS}/search", json={"common_name": "app01"}), 400, "VALUE_INCORRECT_TYPE", "common_name")
    assert_error(admin.post(f"{HOSTS}/search", json={"name": "app01"}), 400, "INVALID_REQUEST_DATA", "name")
    assert_error(admin.post(f"{HOSTS}/search", json={"port": ["22"]}), 400, "VALUE_INCORRECT_TYPE", "port[0]")
    assert_error(admin.get(f"{HOSTS}/search"), 405, "GENERAL_ERROR")


def _sent_back(read: dict) -> dict:
    """What a client sends when it PUTs back what it read."""
    return copy.deepcopy(read)


def test_a_host_is_kept_as_sent(emu, admin: Api) -> None:
    body = rich_host_body()
    host_id = create_host(admin, body)
    read = admin.get(f"{HOSTS}/{host_id}").json()
    expected = copy.deepcopy(body)
    expected["tags"] = sorted(body["tags"])
    for principal in expected["principals"]:
        principal["passphrase"] = "********"
    rotation = read["password_rotation"]
    expected["password_rotation"].update({key: rotation[key] for key in ("created", "updated", "created_by", "updated_by", "rotation_status")})
    assert rotation["rotation_status"] == [{"principal": name, "last_error_details": ""} for name in ("root", "svc_fail", "svc_pending")]
    assert rotation["created_by"] == rotation["updated_by"] == read["updated_by"] == ADMIN_USER_ID
    assert {key: value for key, value in read.items() if key not in SERVER_FIELDS} == expected
    assert read["id"] == host_id and read["stand_alone_host"] is False and read["created"] == read["updated"]
    assert PLANTED_PASSPHRASE not in repr(read)
    # Sent back as read, the host is unchanged (read-only fields ignored, masked passphrases keep the stored ones).
    before = emu.control.host_accounts("rich01")
    assert admin.put(f"{HOSTS}/{host_id}", json=_sent_back(read)).status_code == 200
    again = admin.get(f"{HOSTS}/{host_id}").json()
    assert {key: value for key, value in again.items() if key != "updated"} == {key: value for key, value in read.items() if key != "updated"}
    assert emu.control.host_accounts("rich01")["items"] == before["items"], "no new secret version from a masked passphrase"


def test_put_replaces_the_whole_host(admin: Api) -> None:
    host_id = create_host(admin, simple_host(comment="first", tofu=False, audit_enabled=True))
    read = admin.get(f"{HOSTS}/{host_id}").json()
    assert read["tofu"] is False and read["audit_enabled"] is True, "a pointer to false is sent"
    assert read["tags"] == ["a", "b"]
    body = simple_host(tags=..., comment=..., addresses=["10.9.0.2"])
    assert admin.put(f"{HOSTS}/{host_id}", json=body).status_code == 200
    after = admin.get(f"{HOSTS}/{host_id}").json()
    assert after["tags"] is None and after["comment"] == "" and "tofu" not in after and "audit_enabled" not in after
    assert after["addresses"] == ["10.9.0.2"] and after["created"] == read["created"]
    # JSON null is the zero value, as a field left out.
    assert admin.put(f"{HOSTS}/{host_id}", json=dict(body, services=None, toch=None)).status_code == 200
    assert admin.get(f"{HOSTS}/{host_id}").json()["services"] is None


def _refused(admin: Api, method: str, path: str, body: dict, code: str, prop: str, status: int = 400) -> None:
    before = admin.get(HOSTS).json()
    assert_error(admin.call(method, path, json=body), status, code, prop)
    assert admin.get(HOSTS).json() == before, "nothing changed"


def _with(changes: dict, **principal_changes) -> dict:
    body = simple_host()
    for key, value in changes.items():
        if key.startswith("password_rotation."):
            body["password_rotation"][key.split(".", 1)[1]] = value
        else:
            body[key] = value
    for index, principal in principal_changes.items():
        body["principals"][int(index[1:])].update(principal)
    if isinstance(body["password_rotation"], dict):
        body["password_rotation"] = {key: value for key, value in body["password_rotation"].items() if value is not ...}
    return {key: value for key, value in body.items() if value is not ...}


@pytest.mark.parametrize("body, code, prop", [
    (_with({"common_name": ...}), "REQUIRED_VALUE_MISSING", "common_name"),
    (_with({"common_name": "  "}), "REQUIRED_VALUE_MISSING", "common_name"),
    (_with({"common_name": "web01"}), "VALUE_DUPLICATE", "common_name"),
    (_with({"colour": "blue"}), "INVALID_REQUEST_DATA", "colour"),
    (_with({"services": [{"service": "SSH", "colour": "blue"}]}), "INVALID_REQUEST_DATA", "services[0].colour"),
    (_with({"addresses": "10.0.0.1"}), "VALUE_INCORRECT_TYPE", "addresses"),
    (_with({"tofu": "yes"}), "VALUE_INCORRECT_TYPE", "tofu"),
    (_with({"services": [{"service": "SSH", "port": 70000}]}), "VALUE_OUT_OF_BOUNDS", "services[0].port"),
    (_with({"access_group_id": "default"}), "VALUE_INCORRECT_FORMAT", "access_group_id"),
    (_with({"password_rotation.protocol": "RDP"}), "VALUE_OUT_OF_BOUNDS", "password_rotation.protocol"),
    (_with({"password_rotation.operating_system": "linux"}), "VALUE_OUT_OF_BOUNDS", "password_rotation.operating_system"),
    (_with({"password_rotation.certificate_validation_options": "STRICT"}), "VALUE_OUT_OF_BOUNDS",
     "password_rotation.certificate_validation_options"),
    (_with({"password_rotation.winrm_port": -1}), "VALUE_OUT_OF_BOUNDS", "password_rotation.winrm_port"),
    (_with({"password_rotation.script_template_id": ...}), "REQUIRED_VALUE_MISSING", "password_rotation.script_template_id"),
    (_with({"password_rotation.password_policy_id": ""}), "REQUIRED_VALUE_MISSING", "password_rotation.password_policy_id"),
    (_with({"password_rotation.operating_system": ...}), "REQUIRED_VALUE_MISSING", "password_rotation.operating_system"),
    (_with({"password_rotation.protocol": ...}), "REQUIRED_VALUE_MISSING", "password_rotation.protocol"),
    (_with({"password_rotation": ...}), "REQUIRED_VALUE_MISSING", "password_rotation"),
    (_with({"password_rotation.password_policy_id": UNKNOWN_ID}), "INVALID_REQUEST_DATA", "password_rotation.password_policy_id"),
    (_with({"password_rotation.script_template_id": UNKNOWN_ID}), "INVALID_REQUEST_DATA", "password_rotation.script_template_id"),
    (_with({"password_rotation.script_template_id": "linux-chpasswd"}), "VALUE_INCORRECT_FORMAT", "password_rotation.script_template_id"),
    (_with({"password_rotation.rotation_status": "ok"}), "VALUE_INCORRECT_TYPE", "password_rotation.rotation_status"),
    (_with({}, p0={"use_for_password_rotation": False}), "REQUIRED_VALUE_MISSING", "principals"),
    (_with({}, p1={"use_for_password_rotation": True}), "INVALID_REQUEST_DATA", "principals"),
    (_with({}, p1={"principal": "root"}), "VALUE_DUPLICATE", "principals[1].principal"),
    (_with({}, p0={"principal": ""}), "REQUIRED_VALUE_MISSING", "principals[0].principal"),
    (_with({}, p0={"roles": [{"id": "admins"}]}), "VALUE_INCORRECT_FORMAT", "principals[0].roles[0].id"),
    (_with({"created": 5}), "VALUE_INCORRECT_TYPE", "created"),
    (_with({"updated": "yesterday"}), "VALUE_INCORRECT_FORMAT", "updated"),
    (_with({"id": "x"}), "VALUE_INCORRECT_FORMAT", "id"),
])
def test_create_refusals(admin: Api, body: dict, code: str, prop: str) -> None:
    _refused(admin, "POST", HOSTS, body, code, prop)


def test_replace_refusals(admin: Api) -> None:
    read = admin.get(f"{HOSTS}/{HOST_APP01}").json()
    _refused(admin, "PUT", f"{HOSTS}/{HOST_APP01}", dict(read, id=HOST_WIN01), "INVALID_REQUEST_DATA", "id")
    _refused(admin, "PUT", f"{HOSTS}/{HOST_APP01}", dict(read, common_name="win01"), "VALUE_DUPLICATE", "common_name")
    _refused(admin, "PUT", f"{HOSTS}/{UNKNOWN_ID}", read, "GENERAL_ERROR", "hostID", status=404)
    _refused(admin, "PUT", f"{HOSTS}/app01", read, "VALUE_INCORRECT_FORMAT", "hostID")
    assert_error(admin.put(f"{HOSTS}/{HOST_APP01}", data=b"[]"), 400, "INVALID_REQUEST_DATA")
    # Its own name and id, in any letter case, are no contradiction.
    assert admin.put(f"{HOSTS}/{HOST_APP01}", json=dict(read, id=HOST_APP01.upper())).status_code == 200


def test_disabled_rotation_keeps_its_settings_checked(admin: Api) -> None:
    """With rotation off, incomplete settings are kept as sent, but the ids they name must still exist (TF's provider
    leaves password_rotation out when it disables rotation, to avoid the server's validation of stale settings)."""
    host_id = create_host(admin, simple_host(password_rotation_enabled=False, password_rotation={"protocol": "SSH"}))
    read = admin.get(f"{HOSTS}/{host_id}").json()
    assert read["password_rotation_enabled"] is False and read["password_rotation"]["protocol"] == "SSH"
    assert "rotation_status" not in read["password_rotation"]
    stale = simple_host(password_rotation_enabled=False, password_rotation=rotation_settings(script_template_id=UNKNOWN_ID))
    _refused(admin, "PUT", f"{HOSTS}/{host_id}", stale, "INVALID_REQUEST_DATA", "password_rotation.script_template_id")


def test_delete(emu, admin: Api, user: Api) -> None:
    assert admin.delete(f"{HOSTS}/{HOST_WEB01}").status_code == 200
    assert_error(admin.get(f"{HOSTS}/{HOST_WEB01}"), 404, "GENERAL_ERROR", "hostID")
    assert_error(admin.delete(f"{HOSTS}/{HOST_WEB01}"), 404, "GENERAL_ERROR", "hostID")
    assert_error(admin.get(f"{SM}/host-secret/{HOST_WEB01}"), 404, "GENERAL_ERROR", "hostID")
    paths = [item["path"] for item in user.get("/authorizer/api/v1/secrets").json()["items"]]
    assert "hosts/web01/root" not in paths and "hosts/db01/postgres" in paths
    assert names(admin.get(HOSTS)) == ["app01", "db01", "win01"]


def test_user_role_refused(emu, admin: Api, user: Api) -> None:
    """The user client's role has no hosts permission: every host store call answers 403 and changes nothing."""
    read = admin.get(f"{HOSTS}/{HOST_APP01}").json()
    for method, path, body in (("GET", HOSTS, None), ("POST", f"{HOSTS}/search", {}), ("POST", HOSTS, simple_host()),
                               ("GET", f"{HOSTS}/{HOST_APP01}", None), ("PUT", f"{HOSTS}/{HOST_APP01}", dict(read, comment="x")),
                               ("DELETE", f"{HOSTS}/{HOST_APP01}", None)):
        body_text = assert_error(user.call(method, path, json=body), 403, "PERMISSION_DENIED")["error_message"]
        assert "hosts-" in body_text
    assert admin.get(f"{HOSTS}/{HOST_APP01}").json() == read


def test_audit_in_request_log(emu, admin: Api) -> None:
    mark = emu.control.mark()
    host_id = create_host(admin, simple_host())
    admin.delete(f"{HOSTS}/{host_id}")
    client = emu.clients["admin"]["client_id"]
    assert [(entry["method"], entry["path"], entry["status"], entry["client"]) for entry in emu.control.requests(since=mark)] == [
        ("POST", HOSTS, 201, client), ("DELETE", f"{HOSTS}/{host_id}", 200, client)]
