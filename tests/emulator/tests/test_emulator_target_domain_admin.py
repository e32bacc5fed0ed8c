# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Target domain administration: create, replace, delete, endpoints with write-only secrets, scans
# (asynchronous, directory content, failures, auto-onboarding) and scanned-account change sets.

import json

import pytest

from emulator_helpers import POLICY_DEFAULT, SM, TD_CORP, TD_DB, TD_EMPTY, UNKNOWN_ID, Api, assert_error, managed_path

TDS = SM + "/targetdomains"
BIND_PASSWORD = "bind-Pa55-never-shown"
CLIENT_SECRET = "entra-secret-never-shown"
ADMIN2_USER_ID = "9f17bad8-9a2d-4f2b-a772-ebf6cd390c7f"


def ldap_endpoint(**changes) -> dict:
    endpoint = {
        "type": "AD", "scan_priority": 1, "rotation_priority": 2, "ldap_protocol": "LDAPS", "ldap_address": "dc1.lab.example",
        "ldap_port": 636, "ldap_base_dn": "DC=lab,DC=example", "ldap_bind_dn": "CN=privx,DC=lab,DC=example",
        "ldap_bind_password": BIND_PASSWORD, "ldap_user_filter": "(objectClass=user)",
        "attribute_mapping": {"username": "sAMAccountName"},
    }
    endpoint.update(changes)
    return {key: value for key, value in endpoint.items() if value is not ...}


def entra_endpoint(**changes) -> dict:
    endpoint = {
        "type": "ENTRA_ID", "scan_priority": 2, "rotation_priority": 1, "entra_base_url": "https://graph.microsoft.com",
        "entra_tenant_id": "tenant-1", "entra_client_id": "client-1", "entra_client_secret": CLIENT_SECRET,
        "entra_batch_size": 20, "entra_page_size": 100, "entra_group_filter": ["admins"],
    }
    endpoint.update(changes)
    return {key: value for key, value in endpoint.items() if value is not ...}


def domain_body(**changes) -> dict:
    body = {
        "name": "lab", "domain_name": "lab.example", "enabled": True, "periodic_scan": True, "periodic_scan_interval": 60,
        "auto_onboarding": False, "comment": "the lab", "endpoints": [ldap_endpoint()],
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def create(admin: Api, **changes) -> str:
    answer = admin.post(TDS, json=domain_body(**changes))
    assert answer.status_code == 201, answer.text
    assert set(answer.json()) == {"id"}
    return answer.json()["id"]


def wait_scanned(emu, admin: Api, td_id: str) -> dict:
    def done():
        domain = admin.get(f"{TDS}/{td_id}").json()
        return domain if domain.get("scan_status") in ("SUCCESS", "ERROR") else None
    return emu.wait_until(done, timeout=10, message="the scan to end")


def scanned(admin: Api, td_id: str) -> dict:
    return {item["username"]: item for item in admin.get(f"{TDS}/{td_id}/accounts", params={"limit": 1000}).json()["items"]}


# -- create, read, replace, delete -------------------------------------------------------------------------

def test_create_and_get(emu, admin: Api) -> None:
    td_id = create(admin, endpoints=[ldap_endpoint(), entra_endpoint()])
    domain = admin.get(f"{TDS}/{td_id}").json()
    assert domain["name"] == "lab" and domain["domain_name"] == "lab.example" and domain["enabled"] is True
    assert domain["periodic_scan"] is True and domain["periodic_scan_interval"] == 60 and domain["comment"] == "the lab"
    assert domain["author"] == domain["updated_by"] == "debe3ca0-827a-4c87-a9f8-e1328ecf7082"
    assert "scan_status" not in domain and "last_scanned" not in domain, "never scanned"
    expected_ldap = {key: value for key, value in ldap_endpoint().items() if key != "ldap_bind_password"}
    expected_entra = {key: value for key, value in entra_endpoint().items() if key != "entra_client_secret"}
    assert domain["endpoints"] == [expected_ldap, expected_entra]
    assert emu.control.target_domain_secrets("lab") == [
        {"index": 0, "type": "AD", "ldap_bind_password": BIND_PASSWORD, "entra_client_secret": ""},
        {"index": 1, "type": "ENTRA_ID", "ldap_bind_password": "", "entra_client_secret": CLIENT_SECRET},
    ]
    listed = admin.get(TDS).json()
    assert listed["count"] == 4 and domain in listed["items"]


def test_write_only_secrets_never_answered(emu, admin: Api) -> None:
    td_id = create(admin, endpoints=[ldap_endpoint(), entra_endpoint()])
    assert admin.post(f"{TDS}/{td_id}/refresh").status_code == 200
    wait_scanned(emu, admin, td_id)
    answers = [
        admin.get(TDS), admin.get(f"{TDS}/{td_id}"), admin.post(f"{TDS}/search", json={"keywords": "lab"}),
        admin.get(f"{TDS}/{td_id}/accounts"),
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert BIND_PASSWORD not in answer.text and CLIENT_SECRET not in answer.text
        assert "ldap_bind_password" not in answer.text and "entra_client_secret" not in answer.text
    corp = admin.get(f"{TDS}/{TD_CORP}").text
    assert "test-bind-secret" not in corp and "ldap_bind_password" not in corp


def test_replace_keeps_secrets_it_does_not_send(emu, admin: Api) -> None:
    td_id = create(admin, endpoints=[ldap_endpoint(), entra_endpoint()])
    domain = admin.get(f"{TDS}/{td_id}").json()
    # Sending back what was read (no secrets in it) keeps the stored secrets.
    domain["comment"] = "changed"
    assert admin.put(f"{TDS}/{td_id}", json=domain).status_code == 200
    assert admin.get(f"{TDS}/{td_id}").json()["comment"] == "changed"
    secrets = emu.control.target_domain_secrets("lab")
    assert [secrets[0]["ldap_bind_password"], secrets[1]["entra_client_secret"]] == [BIND_PASSWORD, CLIENT_SECRET]
    # A new secret replaces the stored one.
    domain["endpoints"][0]["ldap_bind_password"] = "new-bind"
    assert admin.put(f"{TDS}/{td_id}", json=domain).status_code == 200
    assert emu.control.target_domain_secrets("lab")[0]["ldap_bind_password"] == "new-bind"
    # Another directory server is another endpoint: it does not inherit the old server's password.
    domain["endpoints"][0]["ldap_address"] = "dc2.lab.example"
    del domain["endpoints"][0]["ldap_bind_password"]
    assert admin.put(f"{TDS}/{td_id}", json=domain).status_code == 200
    assert emu.control.target_domain_secrets("lab")[0]["ldap_bind_password"] == ""


def test_replace_resets_what_it_leaves_out(admin: Api, admin2: Api) -> None:
    td_id = create(admin)
    created = admin.get(f"{TDS}/{td_id}").json()
    assert admin2.put(f"{TDS}/{td_id}", json={"name": "lab2"}).status_code == 200
    domain = admin.get(f"{TDS}/{td_id}").json()
    assert domain["name"] == "lab2" and domain["enabled"] is False and domain["endpoints"] is None
    assert domain["comment"] == "" and domain["domain_name"] == "" and domain["periodic_scan_interval"] == 0
    assert domain["author"] == created["author"] and domain["updated_by"] != created["author"]
    assert_error(admin.put(f"{TDS}/{td_id}", json=dict(domain, id=TD_DB)), 400, "INVALID_REQUEST_DATA", "id")
    assert_error(admin.put(f"{TDS}/{td_id}", json={"name": "dbdomain"}), 400, "VALUE_DUPLICATE", "name")
    assert_error(admin.put(f"{TDS}/{UNKNOWN_ID}", json={"name": "x"}), 404, "GENERAL_ERROR", "targetDomainID")


def test_go_sdk_zero_values_accepted(admin: Api) -> None:
    """Go's TargetDomain marshals its time.Time fields even when unset, and nil slices as null."""
    body = domain_body(id="", created="0001-01-01T00:00:00Z", updated="0001-01-01T00:00:00Z", endpoints=None)
    td_id = create(admin, **body)
    domain = admin.get(f"{TDS}/{td_id}").json()
    assert domain["created"] != "0001-01-01T00:00:00Z" and domain["endpoints"] is None


@pytest.mark.parametrize("changes, code, prop", [
    ({"name": ...}, "REQUIRED_VALUE_MISSING", "name"),
    ({"name": "corp.example.com"}, "VALUE_DUPLICATE", "name"),
    ({"enabled": "true"}, "VALUE_INCORRECT_TYPE", "enabled"),
    ({"periodic_scan_interval": -5}, "VALUE_OUT_OF_BOUNDS", "periodic_scan_interval"),
    ({"periodic_scan_interval": "60"}, "VALUE_INCORRECT_TYPE", "periodic_scan_interval"),
    ({"domain": "lab"}, "INVALID_REQUEST_DATA", "domain"),
    ({"auto_onboarding": True}, "REQUIRED_VALUE_MISSING", "auto_onboarding_policy"),
    ({"auto_onboarding_policy": {"name": "nope"}}, "INVALID_REQUEST_DATA", "auto_onboarding_policy"),
    ({"auto_onboarding_policy": {"name": "default", "color": 1}}, "INVALID_REQUEST_DATA", "auto_onboarding_policy.color"),
    ({"auto_onboarding_policy": "default"}, "VALUE_INCORRECT_TYPE", "auto_onboarding_policy"),
    ({"endpoints": {}}, "VALUE_INCORRECT_TYPE", "endpoints"),
    ({"endpoints": [ldap_endpoint(type="KERBEROS")]}, "VALUE_OUT_OF_BOUNDS", "endpoints[0].type"),
    ({"endpoints": [ldap_endpoint(type=...)]}, "REQUIRED_VALUE_MISSING", "endpoints[0].type"),
    ({"endpoints": [ldap_endpoint(), ldap_endpoint(ldap_port=70000)]}, "VALUE_OUT_OF_BOUNDS", "endpoints[1].ldap_port"),
    ({"endpoints": [ldap_endpoint(ldap_protocol="ldap")]}, "VALUE_OUT_OF_BOUNDS", "endpoints[0].ldap_protocol"),
    ({"endpoints": [ldap_endpoint(ldap_address=...)]}, "REQUIRED_VALUE_MISSING", "endpoints[0].ldap_address"),
    ({"endpoints": [ldap_endpoint(ldap_base_dn="")]}, "REQUIRED_VALUE_MISSING", "endpoints[0].ldap_base_dn"),
    ({"endpoints": [ldap_endpoint(ldap_bind_password=5)]}, "VALUE_INCORRECT_TYPE", "endpoints[0].ldap_bind_password"),
    ({"endpoints": [ldap_endpoint(entra_tenant_id="t")]}, "INVALID_REQUEST_DATA", "endpoints[0].entra_tenant_id"),
    ({"endpoints": [ldap_endpoint(ldap_skip_strict_cert_check="no")]}, "VALUE_INCORRECT_TYPE", "endpoints[0].ldap_skip_strict_cert_check"),
    ({"endpoints": [ldap_endpoint(attribute_mapping={"username": 1})]}, "VALUE_INCORRECT_TYPE", "endpoints[0].attribute_mapping.username"),
    ({"endpoints": [ldap_endpoint(ldap_pasword="x")]}, "INVALID_REQUEST_DATA", "endpoints[0].ldap_pasword"),
    ({"endpoints": [entra_endpoint(ldap_address="dc")]}, "INVALID_REQUEST_DATA", "endpoints[0].ldap_address"),
    ({"endpoints": [entra_endpoint(entra_client_id="")]}, "REQUIRED_VALUE_MISSING", "endpoints[0].entra_client_id"),
    ({"endpoints": [entra_endpoint(entra_group_filter="admins")]}, "VALUE_INCORRECT_TYPE", "endpoints[0].entra_group_filter"),
    ({"endpoints": [entra_endpoint(entra_page_size=-1)]}, "VALUE_OUT_OF_BOUNDS", "endpoints[0].entra_page_size"),
    # read-only fields are type-checked
    ({"scan_status": "DONE"}, "VALUE_OUT_OF_BOUNDS", "scan_status"),
    ({"last_scanned": "today"}, "VALUE_INCORRECT_FORMAT", "last_scanned"),
    ({"author": 1}, "VALUE_INCORRECT_TYPE", "author"),
])
def test_create_validation(admin: Api, changes: dict, code: str, prop: str) -> None:
    assert_error(admin.post(TDS, json=domain_body(**changes)), 400, code, prop)
    assert admin.get(TDS).json()["count"] == 3, "nothing created"


def test_auto_onboarding_policy_handle(admin: Api) -> None:
    td_id = create(admin, auto_onboarding=True, auto_onboarding_policy={"id": POLICY_DEFAULT.upper(), "name": "default", "deleted": False})
    assert admin.get(f"{TDS}/{td_id}").json()["auto_onboarding_policy"] == {"id": POLICY_DEFAULT, "name": "default"}
    assert_error(admin.post(TDS, json=domain_body(name="x", auto_onboarding_policy={"id": POLICY_DEFAULT, "name": "three-versions"})),
                 400, "INVALID_REQUEST_DATA", "auto_onboarding_policy")
    # The policy a domain auto-onboards with cannot be deleted.
    policy_id = admin.post(SM + "/password-policy", json={"name": "onboard", "rotation_interval": "P1D",
                                                          "max_checkout_duration": "PT1H"}).json()["id"]
    assert admin.put(f"{TDS}/{td_id}", json=domain_body(auto_onboarding_policy={"id": policy_id})).status_code == 200
    body = assert_error(admin.delete(f"{SM}/password-policy/{policy_id}"), 400, "BAD_REQUEST", "passwordPolicyID")
    assert "lab" in body["error_message"]


def test_search_filters(admin: Api) -> None:
    create(admin, periodic_scan=False)
    search = TDS + "/search"
    assert [item["name"] for item in admin.post(search, json={"enabled": False}).json()["items"]] == ["empty.example.com"]
    assert [item["name"] for item in admin.post(search, json={"keywords": "lab", "enabled": True}).json()["items"]] == ["lab"]
    assert admin.post(search, json={"periodic_scan": True}).json()["count"] == 0
    assert admin.post(search, json={"periodic_scan": False, "keywords": "example"}).json()["count"] == 2
    create(admin, name="lab-periodic", periodic_scan=True)
    assert [item["name"] for item in admin.post(search, json={"periodic_scan": True}).json()["items"]] == ["lab-periodic"]
    assert admin.post(search, json={"auto_onboarding": False}).json()["count"] == 5
    assert_error(admin.post(search, json={"enabled": "yes"}), 400, "VALUE_INCORRECT_TYPE", "enabled")


def test_delete(emu, admin: Api) -> None:
    td_id = create(admin)
    emu.control.add_to_directory("lab", "someone")
    admin.post(f"{TDS}/{td_id}/refresh")
    wait_scanned(emu, admin, td_id)
    assert admin.delete(f"{TDS}/{td_id}").status_code == 200
    assert_error(admin.get(f"{TDS}/{td_id}"), 404, "GENERAL_ERROR", "targetDomainID")
    assert_error(admin.get(f"{TDS}/{td_id}/accounts"), 404, "GENERAL_ERROR", "targetDomainID")
    assert create(admin), "the name is free again"


def test_delete_refused_with_managed_accounts(emu, admin: Api) -> None:
    body = assert_error(admin.delete(f"{TDS}/{TD_DB}"), 400, "BAD_REQUEST", "targetDomainID")
    assert "managed account" in body["error_message"]
    assert admin.get(f"{TDS}/{TD_DB}").status_code == 200
    # Scanned accounts alone do not keep a domain (empty.example.com has none; a domain with only scanned ones).
    td_id = create(admin)
    emu.control.add_to_directory("lab", "only_scanned")
    admin.post(f"{TDS}/{td_id}/refresh")
    wait_scanned(emu, admin, td_id)
    assert admin.delete(f"{TDS}/{td_id}").status_code == 200
    assert admin.delete(f"{TDS}/{TD_EMPTY}").status_code == 200


def test_user_role_refused(admin: Api, user: Api) -> None:
    td_id = create(admin)
    account_id = next(iter(scanned(admin, TD_CORP).values()))["id"]
    for method, path, body in (
        ("GET", TDS, None), ("POST", TDS, domain_body(name="x")), ("POST", TDS + "/search", {}),
        ("GET", f"{TDS}/{td_id}", None), ("PUT", f"{TDS}/{td_id}", domain_body()), ("DELETE", f"{TDS}/{td_id}", None),
        ("POST", f"{TDS}/{td_id}/refresh", None), ("GET", f"{TDS}/{TD_CORP}/accounts", None),
        ("POST", f"{TDS}/{TD_CORP}/accounts/search", {}), ("GET", f"{TDS}/{TD_CORP}/accounts/{account_id}", None),
        ("PUT", f"{TDS}/{TD_CORP}/accounts/{account_id}", {"ignored": True}),
        ("POST", f"{TDS}/{TD_CORP}/accounts/batch/edit", {"ids": [account_id], "changes": {"ignored": True}}),
    ):
        assert_error(user.call(method, path, json=body), 403, "PERMISSION_DENIED")
    assert "scan_status" not in admin.get(f"{TDS}/{td_id}").json(), "no scan started"
    assert admin.get(f"{TDS}/{TD_CORP}/accounts/{account_id}").json()["ignored"] is False, "no change set applied"
    assert admin.get(f"{TDS}/{td_id}").json()["name"] == "lab", "not replaced nor deleted"


# -- scans -------------------------------------------------------------------------------------------------

def test_scan_finds_a_user_added_to_the_directory(emu, admin: Api) -> None:
    corp = admin.get(f"{TDS}/{TD_CORP}").json()
    assert corp["scan_status"] == "SUCCESS" and corp["last_scanned"] == corp["created"], "the fixture's accounts were scanned"
    assert "frank" not in scanned(admin, TD_CORP)
    emu.control.add_to_directory("corp.example.com", {"username": "frank", "email": "frank@corp.example.com", "full_name": "Frank F"})
    emu.control.settings(scan_delay=0.5)
    mark = emu.control.mark()
    answer = admin.post(f"{TDS}/{TD_CORP}/refresh")
    assert answer.status_code == 200 and answer.content == b""
    assert admin.get(f"{TDS}/{TD_CORP}").json()["scan_status"] == "SCANNING", "the scan runs after the answer"
    assert "frank" not in scanned(admin, TD_CORP)
    done = wait_scanned(emu, admin, TD_CORP)
    assert done["scan_status"] == "SUCCESS" and "scan_message" not in done and done["last_scanned"] >= corp["last_scanned"]
    assert done["updated"] == corp["updated"], "a scan is no configuration change"
    frank = scanned(admin, TD_CORP)["frank"]
    assert frank["state"] == "NEW" and frank["email"] == "frank@corp.example.com" and frank["full_name"] == "Frank F"
    assert emu.control.managed_account("corp.example.com", "frank") is None, "no auto-onboarding on corp"
    refreshes = [entry for entry in emu.control.requests(since=mark) if entry["path"].endswith("/refresh")]
    assert [(entry["method"], entry["status"]) for entry in refreshes] == [("POST", 200)]


def test_scan_marks_vanished_and_returning_users(emu, admin: Api) -> None:
    emu.control.settings(scan_delay=0.1)
    emu.control.remove_from_directory("corp.example.com", "bob")
    admin.post(f"{TDS}/{TD_CORP}/refresh")
    wait_scanned(emu, admin, TD_CORP)
    assert scanned(admin, TD_CORP)["bob"]["state"] == "REMOVED"
    emu.control.add_to_directory("corp.example.com", {"username": "bob", "email": "bob@new.example.com"})
    admin.post(f"{TDS}/{TD_CORP}/refresh")
    wait_scanned(emu, admin, TD_CORP)
    bob = scanned(admin, TD_CORP)["bob"]
    assert bob["state"] == "NEW" and bob["email"] == "bob@new.example.com"
    assert scanned(admin, TD_CORP)["svc_backup"]["state"] == "MANAGED", "unchanged accounts keep their state"


def test_scan_failure(emu, admin: Api) -> None:
    emu.control.settings(scan_delay=0.1)
    emu.control.add_to_directory("corp.example.com", "frank")
    emu.control.fail_scan("corp.example.com", message="LDAP: connection refused")
    admin.post(f"{TDS}/{TD_CORP}/refresh")
    failed = wait_scanned(emu, admin, TD_CORP)
    assert failed["scan_status"] == "ERROR" and failed["scan_message"] == "LDAP: connection refused"
    assert "frank" not in scanned(admin, TD_CORP), "a failed scan changes no account"
    # The failure was for one scan only: the next one succeeds.
    admin.post(f"{TDS}/{TD_CORP}/refresh")
    assert wait_scanned(emu, admin, TD_CORP)["scan_status"] == "SUCCESS"
    assert "frank" in scanned(admin, TD_CORP)


def test_scan_without_endpoint_fails(emu, admin: Api) -> None:
    emu.control.settings(scan_delay=0.1)
    td_id = create(admin, endpoints=[])
    admin.post(f"{TDS}/{td_id}/refresh")
    failed = wait_scanned(emu, admin, td_id)
    assert failed["scan_status"] == "ERROR" and "endpoint" in failed["scan_message"]


def test_refresh_refusals_and_a_running_scan(emu, admin: Api) -> None:
    assert_error(admin.post(f"{TDS}/{TD_EMPTY}/refresh"), 400, "BAD_REQUEST", "targetDomainID")
    assert_error(admin.post(f"{TDS}/{UNKNOWN_ID}/refresh"), 404, "GENERAL_ERROR", "targetDomainID")
    assert_error(admin.get(f"{TDS}/{TD_CORP}/refresh"), 405, "GENERAL_ERROR")
    emu.control.settings(scan_delay=1.0)
    emu.control.add_to_directory("corp.example.com", "frank")
    assert admin.post(f"{TDS}/{TD_CORP}/refresh").status_code == 200
    assert admin.post(f"{TDS}/{TD_CORP}/refresh").status_code == 200, "a refresh during a scan joins it"
    assert wait_scanned(emu, admin, TD_CORP)["scan_status"] == "SUCCESS"
    assert list(scanned(admin, TD_CORP)).count("frank") == 1


def test_auto_onboarding(emu, admin: Api) -> None:
    emu.control.settings(scan_delay=0.1)
    emu.control.add_to_directory("corp.example.com", "frank", "grace")
    domain = admin.get(f"{TDS}/{TD_CORP}").json()
    domain.update(auto_onboarding=True, auto_onboarding_policy={"name": "three-versions"})
    assert admin.put(f"{TDS}/{TD_CORP}", json=domain).status_code == 200
    # Already-known accounts stay as they are; only new ones are onboarded.
    ignored_first = scanned(admin, TD_CORP)
    admin.post(f"{TDS}/{TD_CORP}/refresh")
    wait_scanned(emu, admin, TD_CORP)
    after = scanned(admin, TD_CORP)
    assert after["frank"]["state"] == after["grace"]["state"] == "MANAGED"
    assert after["alice"]["state"] == ignored_first["alice"]["state"]
    frank = emu.control.managed_account("corp.example.com", "frank")
    assert frank["password_policy"]["name"] == "three-versions" and frank["enabled"] is True and frank["rotation_enabled"] is True
    assert frank["scanned_account_id"] == after["frank"]["id"]
    assert emu.control.managed_account("corp.example.com", "bob") is None
    # The domain now has more managed accounts; the next scan onboards nothing twice.
    count = len(emu.control.managed_accounts("corp.example.com"))
    admin.post(f"{TDS}/{TD_CORP}/refresh")
    wait_scanned(emu, admin, TD_CORP)
    assert len(emu.control.managed_accounts("corp.example.com")) == count


def test_directory_control_validation(emu) -> None:
    from privx_emulator.harness import ControlError  # pylint: disable=import-outside-toplevel
    for body, prop in (
        ({"target_domain": "corp.example.com", "accounts": [{"name": "x"}]}, "accounts"),
        ({"target_domain": "corp.example.com", "accounts": "x"}, "accounts"),
        ({"target_domain": "nope", "accounts": []}, "target_domain"),
        ({"target_domain": "corp.example.com", "accounts": [], "extra": 1}, "extra"),
    ):
        with pytest.raises(ControlError) as caught:
            emu.control.call("POST", "directory", body)
        assert caught.value.body["property"] == prop
    with pytest.raises(ControlError):
        emu.control.remove_from_directory("corp.example.com", "nobody")
    assert emu.control.add_to_directory("empty.example.com", "a", "b", replace=True) == 2
    assert [entry["username"] for entry in emu.control.directory("empty.example.com")] == ["a", "b"]


def test_reset_restores_directory_and_failures(emu) -> None:
    before = emu.control.directory("corp.example.com")
    emu.control.add_to_directory("corp.example.com", "frank")
    emu.control.fail_scan("corp.example.com", count=None)
    emu.control.reset()
    assert emu.control.directory("corp.example.com") == before
    assert emu.control.call("GET", "scan-failures")["items"] == []


# -- scanned accounts ----------------------------------------------------------------------------------------

def test_scanned_account_get_and_change_set(admin: Api, admin2: Api) -> None:
    alice = scanned(admin, TD_CORP)["alice"]
    path = f"{TDS}/{TD_CORP}/accounts/{alice['id']}"
    assert admin.get(path).json() == alice
    assert admin2.put(path, json={"ignored": True, "comment": "left the company"}).status_code == 200
    changed = admin.get(path).json()
    assert changed["ignored"] is True and changed["comment"] == "left the company"
    assert changed["updated_by"] == ADMIN2_USER_ID and changed["updated"] >= alice["updated"]
    # A change set changes only what it names.
    assert admin.put(path, json={"ignored": False}).status_code == 200
    assert admin.get(path).json()["comment"] == "left the company"
    assert admin.put(path, json={"comment": ""}).status_code == 200
    assert admin.get(path).json()["comment"] == "" and admin.get(path).json()["ignored"] is False
    assert admin.put(path, json={}).status_code == 200
    assert_error(admin.put(path, json={"ignored": "yes"}), 400, "VALUE_INCORRECT_TYPE", "ignored")
    assert_error(admin.put(path, json={"comment": 1}), 400, "VALUE_INCORRECT_TYPE", "comment")
    assert_error(admin.put(path, json={"state": "MANAGED"}), 400, "INVALID_REQUEST_DATA", "state")
    assert_error(admin.put(path, json={"ids": [alice["id"]]}), 400, "INVALID_REQUEST_DATA", "ids")
    assert_error(admin.get(f"{TDS}/{TD_CORP}/accounts/{UNKNOWN_ID}"), 404, "GENERAL_ERROR", "accountID")
    assert_error(admin.get(f"{TDS}/{TD_DB}/accounts/{alice['id']}"), 404, "GENERAL_ERROR", "accountID")
    assert_error(admin.get(f"{TDS}/{TD_CORP}/accounts/alice"), 400, "VALUE_INCORRECT_FORMAT", "accountID")


def test_scanned_batch_edit(admin: Api) -> None:
    accounts = scanned(admin, TD_CORP)
    ids = [accounts["alice"]["id"], accounts["bob"]["id"]]
    path = f"{TDS}/{TD_CORP}/accounts/batch/edit"
    assert admin.post(path, json={"ids": ids, "changes": {"ignored": True, "comment": "batch"}}).status_code == 200
    after = scanned(admin, TD_CORP)
    assert [after[name]["ignored"] for name in ("alice", "bob", "carol")] == [True, True, False]
    assert after["alice"]["comment"] == after["bob"]["comment"] == "batch"
    search = admin.post(f"{TDS}/{TD_CORP}/accounts/search", json={"ignored": True}).json()
    assert {item["username"] for item in search["items"]} == {"alice", "bob", "guest"}
    assert admin.post(path, json={"ids": ids, "changes": {"ignored": False}}).status_code == 200
    assert scanned(admin, TD_CORP)["alice"]["comment"] == "batch", "unnamed fields stay"
    before = json.dumps(scanned(admin, TD_CORP), sort_keys=True)
    for body, code, prop in (
        ({"changes": {"ignored": True}}, "REQUIRED_VALUE_MISSING", "ids"),
        ({"ids": [], "changes": {}}, "REQUIRED_VALUE_MISSING", "ids"),
        ({"ids": ids + [UNKNOWN_ID], "changes": {"ignored": True}}, "INVALID_REQUEST_DATA", "ids"),
        ({"ids": ["x"], "changes": {}}, "VALUE_INCORRECT_FORMAT", "ids"),
        ({"ids": ids, "changes": {"ignored": 1}}, "VALUE_INCORRECT_TYPE", "changes.ignored"),
        ({"ids": ids, "changes": {"enabled": True}}, "INVALID_REQUEST_DATA", "changes.enabled"),
        ({"ids": ids, "changes": []}, "VALUE_INCORRECT_TYPE", "changes"),
        ({"ids": ids, "change": {}}, "INVALID_REQUEST_DATA", "change"),
    ):
        assert_error(admin.post(path, json=body), 400, code, prop)
    assert json.dumps(scanned(admin, TD_CORP), sort_keys=True) == before, "a refused batch changes nothing"
    # Managed account ids are not scanned account ids.
    managed_id = admin.get(managed_path(TD_CORP)).json()["items"][0]["id"]
    assert_error(admin.post(path, json={"ids": [managed_id], "changes": {}}), 400, "INVALID_REQUEST_DATA", "ids")


def test_scanned_search_dates(admin: Api) -> None:
    search = f"{TDS}/{TD_CORP}/accounts/search"
    assert admin.post(search, json={"created_after": "2000-01-01T00:00:00Z"}).json()["count"] == 8
    assert admin.post(search, json={"created_before": "2000-01-01T00:00:00Z"}).json()["count"] == 0
    assert admin.post(search, json={"updated_after": "2999-01-01T00:00:00Z", "state": "NEW"}).json()["count"] == 0
    assert_error(admin.post(search, json={"created_after": "2000"}), 400, "VALUE_INCORRECT_FORMAT", "created_after")


def test_scan_state_survives_a_restart(tmp_path) -> None:
    """Pending scans, directory content and endpoint secrets live in the SQLite file, like pending rotations."""
    from privx_emulator.harness import EmulatorProcess, fixture_path  # pylint: disable=import-outside-toplevel
    db = str(tmp_path / "privx.db")
    with EmulatorProcess(fixture=fixture_path("test.json"), db=db, scan_delay=1.5) as first:
        first.control.add_to_directory("corp.example.com", "frank")
        admin = Api(first, "admin")
        assert admin.post(f"{TDS}/{TD_CORP}/refresh").status_code == 200
    with EmulatorProcess(fixture=fixture_path("test.json"), db=db) as second:
        admin = Api(second, "admin")
        assert "frank" in [entry["username"] for entry in second.control.directory("corp.example.com")]
        assert wait_scanned(second, admin, TD_CORP)["scan_status"] == "SUCCESS"
        assert scanned(admin, TD_CORP)["frank"]["state"] == "NEW"
        assert second.control.target_domain_secrets("corp.example.com")[0]["ldap_bind_password"] == "test-bind-secret"
