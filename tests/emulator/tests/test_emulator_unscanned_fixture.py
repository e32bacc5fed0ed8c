# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# fixtures/unscanned.json, PrivX's setup order through the raw API: policies, then the target domain
# (configured, scanned), then managed accounts; the emulator side of issue 12's must-show.

import pytest

from emulator_helpers import SM, Api
from privx_emulator.harness import EmulatorProcess, fixture_path

TD_AD = "3f0d7a52-1c9e-4d36-9a57-0c2b9e6f4a10"


@pytest.fixture(scope="module")
def unscanned():
    with EmulatorProcess(fixture=fixture_path("unscanned.json"), scan_delay=0.2) as process:
        yield process


def test_setup_order_from_scratch(unscanned) -> None:
    unscanned.control.reset()
    admin = Api(unscanned, "admin")
    assert admin.get(SM + "/password-policies").json() == {"count": 0, "items": []}
    domain = admin.get(f"{SM}/targetdomains/{TD_AD}").json()
    assert domain["enabled"] is True and domain["endpoints"] is None and "scan_status" not in domain
    assert admin.get(f"{SM}/targetdomains/{TD_AD}/accounts").json()["count"] == 0
    assert len(unscanned.control.directory("ad.example.com")) == 60

    policy_ids = []
    for name, interval in (("servers", "P30D"), ("services", "P90D")):
        answer = admin.post(SM + "/password-policy", json={"name": name, "rotation_interval": interval, "max_checkout_duration": "PT1H"})
        assert answer.status_code == 201
        policy_ids.append(answer.json()["id"])
    domain.update(domain_name="ad.example.com", endpoints=[{
        "type": "AD", "ldap_address": "dc.ad.example.com", "ldap_base_dn": "DC=ad,DC=example,DC=com", "ldap_bind_password": "s3cret",
    }])
    assert admin.put(f"{SM}/targetdomains/{TD_AD}", json=domain).status_code == 200
    assert admin.post(f"{SM}/targetdomains/{TD_AD}/refresh").status_code == 200

    def scanned():
        current = admin.get(f"{SM}/targetdomains/{TD_AD}").json()
        return current if current.get("scan_status") == "SUCCESS" else None
    done = unscanned.wait_until(scanned, message="the scan")
    assert done["last_scanned"]
    found = admin.get(f"{SM}/targetdomains/{TD_AD}/accounts", params={"limit": 100}).json()
    assert found["count"] == 60 and {item["state"] for item in found["items"]} == {"NEW"}
    ids = [item["id"] for item in found["items"][:50]]
    answer = admin.post(f"{SM}/targetdomains/{TD_AD}/managedaccounts/batch/create",
                        json={"ids": ids, "data": {"enabled": True, "password_policy": {"id": policy_ids[0]}}})
    assert answer.status_code == 201 and len(answer.json()["ids"]) == 50
    managed = unscanned.control.managed_accounts("ad.example.com")
    assert len(managed) == 50 and {account["password_policy"]["name"] for account in managed} == {"servers"}
    assert "s3cret" not in admin.get(f"{SM}/targetdomains/{TD_AD}").text
