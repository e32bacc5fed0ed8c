# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# In-process tests of the pieces without HTTP: fixture checks, time formats, and the promise that
# the server itself needs nothing outside the standard library.

import copy
import json
import subprocess
import sys

import pytest

from emulator_helpers import EMULATOR_DIR
from privx_emulator.fixture import FixtureError, check_fixture
from privx_emulator.harness import fixture_path
from privx_emulator.timeutil import format_time, parse_datetime, parse_duration


def load(name: str) -> dict:
    with open(fixture_path(name), encoding="utf-8") as handle:
        return json.load(handle)


@pytest.mark.parametrize("name", ["demo.json", "test.json", "large.json", "unscanned.json", "hosts.json"])
def test_shipped_fixtures_are_valid(name: str) -> None:
    fixture = check_fixture(load(name))
    assert fixture["api_clients"]


def test_demo_fixture_has_what_the_readme_promises() -> None:
    fixture = check_fixture(load("demo.json"))
    assert sorted(client["role"] for client in fixture["api_clients"]) == ["admin", "none", "user"], "admin, user, and a client without roles for the preflight"
    assert len(fixture["password_policies"]) == 2 and any(policy["rotate_on_release"] for policy in fixture["password_policies"])
    assert [host["common_name"] for host in fixture["hosts"]] == ["app01", "win01", "web01"]
    assert [host["common_name"] for host in fixture["hosts"] if host["password_rotation_enabled"]] == ["app01", "win01"]
    assert [template["operating_system"] for template in fixture["script_templates"]] == ["LINUX", "WINDOWS"]
    # Two configured domains, and the never-scanned one that playbooks/demo.yml configures and scans.
    assert [domain["name"] for domain in fixture["target_domains"]] == ["corp.example.com", "dbdomain", "ad.example.com"]
    assert not fixture["target_domains"][2]["endpoints"] and fixture["target_domains"][2]["generate_directory"]["count"] == 60
    assert any(account["explicit_checkout"] for domain in fixture["target_domains"] for account in domain["managed_accounts"])


@pytest.mark.parametrize("change, message", [
    (lambda f: f.pop("api_clients"), "api_clients: is required"),
    (lambda f: f["api_clients"][0].update(role="root"), "api_clients[0].role: must be one of admin, user"),
    (lambda f: f["api_clients"].append(copy.deepcopy(f["api_clients"][0])), "duplicate name 'admin'"),
    (lambda f: f["password_policies"][0].update(max_checkout_duration="1h"), "password_policies[0].max_checkout_duration"),
    (lambda f: f["password_policies"][0].update(max_versions=-1), "password_policies[0].max_versions"),
    (lambda f: f["target_domains"][0]["scanned_accounts"].append({"username": "ALICE"}), "duplicate username"),
    (lambda f: f["target_domains"][0].update(id="123"), "target_domains[0].id: must be a UUID"),
    (lambda f: f["target_domains"][0]["managed_accounts"][0].update(enabled="yes"), "managed_accounts[0].enabled: must be true or false"),
    (lambda f: f["target_domains"][0]["managed_accounts"][0]["rotation_history"][0].update(rotated="yesterday"), "rotated"),
    (lambda f: f["target_domains"][0].update(generate_scanned_accounts={"prefix": "u"}), "generate_scanned_accounts.count: is required"),
    (lambda f: f["hosts"][0].update(addresses="10.0.0.1"), "hosts[0].addresses: must be a list of strings"),
    (lambda f: f.update(extra=1), "fixture.extra: unknown key"),
])
def test_fixture_errors_are_clear(change, message: str) -> None:
    fixture = load("test.json")
    change(fixture)
    with pytest.raises(FixtureError) as caught:
        check_fixture(fixture)
    assert message in str(caught.value)


def test_time_formats() -> None:
    assert format_time(0) == "1970-01-01T00:00:00Z"
    assert format_time(1700000000.9) == "2023-11-14T22:13:20Z"
    assert parse_datetime("2023-11-14T22:13:20Z") == 1700000000
    assert parse_datetime("2023-11-15T00:13:20.5+02:00") == 1700000000.5
    for bad in ("2023-11-14", "2023-11-14T22:13:20", "2023-02-30T00:00:00Z", "yesterday"):
        with pytest.raises(ValueError):
            parse_datetime(bad)
    assert parse_duration("PT1H") == 3600 and parse_duration("P30D") == 30 * 86400 and parse_duration("PT2S") == 2
    assert parse_duration("P1DT1M0.5S") == 86460.5
    for bad in ("P", "PT", "1H", "P1H", "PT1D"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_server_uses_the_standard_library_only() -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import privx_emulator.cli; "
        "bad = sorted(name for name in ('requests', 'trustme', 'urllib3') if name in sys.modules); print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code, EMULATOR_DIR], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
