# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The fixture format's hosts, script templates and generate_hosts, checked in process: what loads, and the one
# line a mistake gets.

import copy
import json
import time

import pytest

# emulator_helpers puts privx_emulator on sys.path.
import emulator_helpers  # noqa: F401  pylint: disable=unused-import
from privx_emulator.fixture import FixtureError, check_fixture, seed
from privx_emulator.harness import fixture_path
from privx_emulator.store import Store


def load(name: str) -> dict:
    with open(fixture_path(name), encoding="utf-8") as handle:
        return json.load(handle)


def seeded(fixture: dict) -> Store:
    store = Store(":memory:")
    with store.transaction() as transaction:
        seed(transaction, check_fixture(fixture), time.time())
    return store


def test_test_fixture_hosts() -> None:
    store = seeded(load("test.json"))
    accounts = {host["common_name"]: [account["username"] for account in store.host_accounts(host["id"])] for host in store.hosts()}
    # Rotating hosts: the accounts with rotate; web01 and db01 (no rotation): those with a password.
    assert accounts == {"app01": ["root", "svc_app"], "db01": ["postgres"], "web01": ["deploy", "root"], "win01": ["Administrator"]}
    app01 = store.find_host("app01")
    assert app01["rotation_enabled"] == 1 and [principal["passphrase"] for principal in app01["data"]["principals"]] == [
        "app01-root-v1", "app01-svc-v1", "app01-operator-v1"]
    assert store.get_host_secret(app01["id"])["main_account"] == "root"
    assert store.get_host_secret(store.find_host("web01")["id"])["policy_id"] == "", "a host secret without rotation settings"
    assert [template["name"] for template in store._all("SELECT name FROM script_templates ORDER BY name")] == [  # pylint: disable=protected-access
        "linux-chpasswd", "windows-net-user"]


def test_generate_hosts() -> None:
    fixture = load("test.json")
    fixture["generate_hosts"] = [
        {"count": 3, "prefix": "web", "start": 8, "width": 2, "accounts": ["root", "deploy"]},
        {"count": 2, "prefix": "dc", "operating_system": "WINDOWS", "accounts": ["Administrator"], "tags": ["ad"],
         "password_rotation": {"password_policy": "default", "script_template": "windows-net-user", "use_main_account": True}},
    ]
    store = seeded(fixture)
    names = [host["common_name"] for host in store.hosts()]
    assert names == ["app01", "db01", "dc001", "dc002", "web01", "web08", "web09", "web10", "win01"]
    web = store.find_host("web10")
    assert [principal["principal"] for principal in web["data"]["principals"]] == ["root", "deploy"]
    assert not web["rotation_enabled"] and store.get_host_secret(web["id"]) is None
    dc = store.find_host("dc002")
    assert dc["rotation_enabled"] and dc["data"]["tags"] == ["ad"] and dc["data"]["services"][0]["port"] == 3389
    assert dc["data"]["password_rotation"]["protocol"] == "WINRM", "the default protocol of WINDOWS"
    assert [(account["username"], account["access_roles"]) for account in store.host_accounts(dc["id"])] == [("Administrator", "")]
    assert store.get_host_secret(dc["id"])["main_account"] == "Administrator"


def _rotating(fixture: dict) -> dict:
    return next(host for host in fixture["hosts"] if host["common_name"] == "app01")


@pytest.mark.parametrize("change, message", [
    (lambda f: f["script_templates"][0].update(script="echo {{.Username"), "script_templates[0].script: template: script:1: unclosed action"),
    (lambda f: f["script_templates"][1].update(name="linux-chpasswd"), "script_templates[1]: duplicate name 'linux-chpasswd'"),
    (lambda f: f["script_templates"][0].update(operating_system="linux"), "script_templates[0].operating_system: must be one of LINUX"),
    (lambda f: _rotating(f)["password_rotation"].update(password_policy="nope"), "password_rotation.password_policy: no password policy named 'nope'"),
    (lambda f: _rotating(f)["password_rotation"].update(script_template="nope"), "password_rotation.script_template: no script template named"),
    (lambda f: _rotating(f)["password_rotation"].update(protocol="RDP"), "password_rotation.protocol: must be one of SSH, WINRM"),
    (lambda f: _rotating(f)["password_rotation"].pop("operating_system"), "password_rotation.operating_system: is required"),
    (lambda f: _rotating(f).update(password_rotation_enabled=True) or _rotating(f).pop("password_rotation"), "password_rotation: is required with"),
    (lambda f: _rotating(f)["services"][0].update(port=70000), "hosts[2].services[0].port: services[0].port must be between 0 and 65535"),
    (lambda f: _rotating(f)["services"][0].update(colour="blue"), "hosts[2].services[0].colour: unknown property"),
    (lambda f: _rotating(f)["accounts"][0].update(passwords=["a"]), "accounts[0]: give either password or passwords"),
    (lambda f: _rotating(f)["accounts"][0].update(last_rotated="last week"), "accounts[0].last_rotated: must be an RFC 3339"),
    (lambda f: _rotating(f)["accounts"][0].update(roles="privx-admin"), "accounts[0].roles: must be a list of strings"),
    (lambda f: f.update(generate_hosts=[{"prefix": "x"}]), "generate_hosts[0].count: is required"),
    (lambda f: f.update(generate_hosts=[{"count": 1, "prefix": "web", "width": 2, "start": 1}]),
     "generate_hosts[0]: generates the common_name 'web01', which another host has"),
    (lambda f: f.update(generate_hosts=[{"count": 2, "operating_system": "AIX"}]), "generate_hosts[0].operating_system: must be one of"),
])
def test_fixture_errors_are_clear(change, message: str) -> None:
    fixture = copy.deepcopy(load("test.json"))
    change(fixture)
    with pytest.raises(FixtureError) as caught:
        check_fixture(fixture)
    assert message in str(caught.value)
