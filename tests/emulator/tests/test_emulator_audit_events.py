# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The audit log (docs/privx-api-admin.md, "Audit events"): an event for each kind of thing the emulator does, with the
# AuditEvent model's fields and no secret; the monitor service's search (filters, window, paging, sort, validation),
# codes and clock; who may read them; the control calls event-driven tests use (slow rotations, the clock).

import datetime
import json

import pytest
import requests

from emulator_helpers import AZ, HOST_WEB01, POLICY_DEFAULT, SM, TD_CORP, TD_DB, Api, account_id, assert_error, managed_path
from host_helpers import HOST_APP01, wait_rotated
from privx_emulator import audit
from privx_emulator.harness import ControlError, EmulatorProcess, fixture_path

MONITOR = "/monitor-service/api/v1"
SEARCH = MONITOR + "/auditevents/search"
SEARCH_KEYS = ("keywords", "user_id", "connection_id", "host_id", "source_id", "session_id", "access_group_id", "start_time", "end_time")
EVENT_FIELDS = {"service_id", "service_name", "event_id", "event_name", "created", "message"}
COMMON_KEYS = {"SSH-PrivX-service", "audit-exposure", "instanceName", "severity", "timestamp", "version"}
PLANTED = "planted-audit-secret"


def go_search(**filters) -> dict:
    """An AuditEventSearch as the Go SDK marshals it: all nine keys, "" for each one not set."""
    body = dict.fromkeys(SEARCH_KEYS, "")
    body.update(filters)
    return body


def server_time(api: Api) -> str:
    answer = api.get(MONITOR + "/time")
    assert answer.status_code == 200, answer.text
    return answer.json()["time_utc"]


def second_before(api: Api) -> str:
    """The server's time, one second back, cut to whole seconds: for created_after/updated_after, which compare
    the whole seconds accounts are stamped with."""
    moment = datetime.datetime.strptime(server_time(api)[:19], "%Y-%m-%dT%H:%M:%S") - datetime.timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def user_id(api: Api) -> str:
    """The PrivX user id of the API client, as fixtures/test.json gives it."""
    with open(fixture_path("test.json"), encoding="utf-8") as handle:
        return next(client["user_id"] for client in json.load(handle)["api_clients"] if client["name"] == api.name)


def search(api: Api, **filters) -> list:
    """Every matching event, oldest first, a page of 1,000 at a time."""
    items, offset = [], 0
    while True:
        answer = api.post(SEARCH, params={"offset": offset, "limit": 1000, "sortdir": "ASC"}, json=go_search(**filters))
        assert answer.status_code == 200, answer.text
        page = answer.json()["items"]
        items += page
        if len(page) < 1000:
            return items
        offset += 1000


def since(api: Api, start: str, *names: str) -> list:
    """The events from `start` on (login events left out), only those named when names are given."""
    found = [event for event in search(api, start_time=start) if event["event_name"] != "Access-token-granted"]
    return [event for event in found if not names or event["event_name"] in names]


def event_names(events: list) -> list:
    return [event["event_name"] for event in events]


def assert_well_formed(event: dict) -> None:
    """The AuditEvent model's fields, the code as a string, every message value a string (Go's map[string]string)."""
    assert set(event) == EVENT_FIELDS, event
    assert event["event_id"] == str(audit.EVENTS[event["event_name"]].code)
    assert event["service_name"] == audit.EVENTS[event["event_name"]].service == event["message"]["SSH-PrivX-service"]
    assert event["service_id"] == audit.service_id(event["service_name"])
    assert all(isinstance(value, str) for value in event["message"].values()), event["message"]
    assert COMMON_KEYS <= set(event["message"]) and event["message"]["timestamp"] == event["created"]


def assert_no_secrets(emu, events: list, *extra: str) -> None:
    """No stored secret version of any account, no token and no planted value appears anywhere in the events."""
    secrets = set(extra) | {PLANTED, "test-bind-secret", "test-admin-secret", "test-user-secret", "test-oauth-secret"}
    for domain in ("corp.example.com", "dbdomain"):
        for account in emu.control.managed_accounts(domain):
            secrets |= {version["secret"] for version in emu.control.secrets(domain, account["username"])}
    secrets |= {version["secret"] for version in emu.control.host_secrets("web01", "root")}
    text = json.dumps(events)
    assert [secret for secret in secrets if secret in text] == []


@pytest.fixture(name="auditor")
def fixture_auditor(emu) -> Api:
    return Api(emu, "auditor")


# -- what is recorded ----------------------------------------------------------------------------------

def test_rotation_events(emu, admin: Api, auditor: Api) -> None:
    start = server_time(auditor)
    backup = account_id(emu, "corp.example.com", "svc_backup")
    assert admin.post(managed_path(TD_CORP, f"/{backup}/rotate")).status_code == 200
    emu.wait_until(lambda: len(since(auditor, start)) == 2, message="the rotation to end")
    emu.control.fail_rotation("dbdomain", "app_admin", status="MAX_ROTATION_RETRIES_ERROR", count=1)
    app_admin = account_id(emu, "dbdomain", "app_admin")
    assert admin.post(managed_path(TD_DB, "/batch/rotate"), json={"ids": [app_admin]}).status_code == 200
    emu.wait_until(lambda: len(since(auditor, start)) == 4, message="the failed rotation to end")
    events = since(auditor, start)
    assert event_names(events) == ["Managed-account-rotation-started", "Managed-account-rotation-succeeded",
                                   "Managed-account-rotation-started", "Managed-account-rotation-failed"]
    for event in events:
        assert_well_formed(event)
    started, succeeded, _again, failed = (event["message"] for event in events)
    assert started["userID"] == user_id(admin) and started["username"] == "admin" and started["remoteAddress"] == "127.0.0.1"
    assert {key: started[key] for key in ("managedAccountID", "targetUsername", "targetDomainID", "targetDomainName", "trigger")} == {
        "managedAccountID": backup, "targetUsername": "svc_backup", "targetDomainID": TD_CORP, "targetDomainName": "corp.example.com",
        "trigger": "MANUAL"}
    assert "userID" not in succeeded, "the service ends a rotation, not the caller"
    history = emu.control.managed_account("corp.example.com", "svc_backup")["rotation_history"]
    assert succeeded["status"] == "SUCCESS" and succeeded["secretVersion"] == str(history[-1]["version"]) == "2"
    assert failed["status"] == "MAX_ROTATION_RETRIES_ERROR" and failed["secretVersion"] == "1", "a failure keeps the version"
    assert failed["severity"] == audit.WARNING and succeeded["severity"] == audit.INFO
    assert emu.control.managed_account("dbdomain", "app_admin")["rotation_history"][-1]["status"] == "MAX_ROTATION_RETRIES_ERROR"
    assert_no_secrets(emu, events)


def test_host_rotation_events(emu, admin: Api, auditor: Api) -> None:
    """A host account's rotation is audited as a managed account's is: started by the caller, ended by the service."""
    start = server_time(auditor)
    details = "passwd: Authentication token manipulation error"
    emu.control.fail_host_rotation("app01", "svc_app", details=details, count=1)
    for account in ("root", "svc_app"):
        assert admin.post(f"{SM}/rotate/{HOST_APP01}/{account}").status_code == 200
        wait_rotated(emu, "app01", account)
    events = since(auditor, start)
    assert [(event["event_name"], event["message"]["targetUsername"]) for event in events] == [
        ("Host-account-rotation-started", "root"), ("Host-account-rotation-succeeded", "root"),
        ("Host-account-rotation-started", "svc_app"), ("Host-account-rotation-failed", "svc_app")]
    for event in events:
        assert_well_formed(event)
        assert event["message"]["hostID"] == HOST_APP01 and event["message"]["hostName"] == "app01"
    started, succeeded, _again, failed = (event["message"] for event in events)
    assert started["userID"] == user_id(admin) and started["trigger"] == "MANUAL" and "userID" not in succeeded
    assert succeeded["secretVersion"] == str(emu.control.host_account("app01", "root")["current_version"]) == "2"
    assert failed["error"] == details and failed["secretVersion"] == "1" and failed["severity"] == audit.WARNING
    assert [event["event_name"] for event in search(auditor, start_time=start, host_id=HOST_APP01)] == event_names(events)
    secrets = [version["secret"] for account in ("root", "svc_app") for version in emu.control.host_account("app01", account)["versions"]]
    assert_no_secrets(emu, events, *secrets)


def test_checkout_events(emu, user: Api, auditor: Api) -> None:
    start = server_time(auditor)
    checkouts = {}
    for path in ("dbdomain/release_me", "dbdomain/app_admin", "hosts/web01/root"):
        answer = user.post(AZ + "/secrets/checkouts", json={"path": path})
        assert answer.status_code == 200, answer.text
        checkouts[path] = answer.json()
    assert user.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/app_admin"}).json()["id"] == checkouts["dbdomain/app_admin"]["id"]
    assert user.post(f"{AZ}/secrets/checkouts/{checkouts['dbdomain/release_me']['id']}/release").status_code == 200
    emu.control.advance_clock(3601)
    auditor.login()
    emu.wait_until(lambda: len(since(auditor, start, "Secret-checkout-expired")) == 2, message="the checkouts to expire")
    events = since(auditor, start, "Secret-checked-out", "Secret-checkout-released", "Secret-checkout-expired",
                   "Managed-account-rotation-started")
    assert [(event["event_name"], event["message"]["path"] if "path" in event["message"] else event["message"]["trigger"]) for event in events] == [
        ("Secret-checked-out", "dbdomain/release_me"), ("Secret-checked-out", "dbdomain/app_admin"), ("Secret-checked-out", "hosts/web01/root"),
        ("Secret-checkout-released", "dbdomain/release_me"), ("Managed-account-rotation-started", "ONRELEASE"),
        ("Secret-checkout-expired", "dbdomain/app_admin"), ("Secret-checkout-expired", "hosts/web01/root"),
    ], "a checkout already held is no new event; release_me's policy rotates on release"
    for event in events:
        assert_well_formed(event)
    out = events[0]["message"]
    assert out["audit-exposure"] == audit.SENSITIVE_EXPOSURE and events[3]["message"]["audit-exposure"] == audit.EXPOSURE
    assert out["checkoutID"] == checkouts["dbdomain/release_me"]["id"] and out["expires"] == checkouts["dbdomain/release_me"]["expires"]
    assert out["secretType"] == "TARGET_DOMAIN_SECRET" and out["targetUsername"] == "release_me" and out["targetDomainID"] == TD_DB
    host = events[2]["message"]
    assert host["hostID"] == HOST_WEB01 and host["secretType"] == "HOST_SECRET" and "targetDomainID" not in host
    expired = events[5]["message"]
    assert expired["userID"] == user_id(user) and expired["username"] == "user", "an expiry names the checkout's owner"
    assert "remoteAddress" not in expired, "the service expires a checkout, no request does"
    assert_no_secrets(emu, events, *(version["secret"] for checkout in checkouts.values() for version in checkout["secrets"]))


def test_scan_events_and_discovered_accounts(emu, admin: Api, auditor: Api) -> None:
    emu.control.advance_clock(2)
    start, second = server_time(auditor), second_before(auditor)
    emu.control.add_to_directory("corp.example.com", {"username": "mallory", "email": "mallory@corp.example.com"})
    emu.control.remove_from_directory("corp.example.com", "carol")
    assert admin.post(f"{SM}/targetdomains/{TD_CORP}/refresh").status_code == 200
    emu.wait_until(lambda: since(auditor, start, "Target-domain-scan-succeeded"), message="the scan")
    emu.control.fail_scan("corp.example.com", message="directory unreachable")
    assert admin.post(f"{SM}/targetdomains/{TD_CORP}/refresh").status_code == 200
    emu.wait_until(lambda: since(auditor, start, "Target-domain-scan-failed"), message="the failed scan")
    events = since(auditor, start)
    assert event_names(events) == ["Target-domain-scan-started", "Scanned-account-missing", "Scanned-account-discovered",
                                   "Target-domain-scan-succeeded", "Target-domain-scan-started", "Target-domain-scan-failed"]
    for event in events:
        assert_well_formed(event)
    started, missing, discovered, succeeded, _started, failed = (event["message"] for event in events)
    assert started["username"] == "admin" and started["targetDomainName"] == "corp.example.com"
    assert (missing["targetUsername"], missing["state"]) == ("carol", "REMOVED")
    assert (discovered["targetUsername"], discovered["state"], discovered["targetDomainID"]) == ("mallory", "NEW", TD_CORP)
    assert (succeeded["scanStatus"], succeeded["discoveredAccounts"], succeeded["missingAccounts"]) == ("SUCCESS", "1", "1")
    assert (failed["scanStatus"], failed["scanMessage"]) == ("ERROR", "directory unreachable")
    domain = admin.get(f"{SM}/targetdomains/{TD_CORP}").json()
    assert (domain["scan_status"], domain["scan_message"]) == ("ERROR", "directory unreachable"), "the domain shows what the event says"
    # The discovered account, by the search a poller uses: created after the scan began, state NEW.
    found = admin.post(f"{SM}/targetdomains/{TD_CORP}/accounts/search", json={"state": "NEW", "created_after": second}).json()
    assert [item["username"] for item in found["items"]] == ["mallory"]
    assert found["items"][0]["id"] == discovered["scannedAccountID"]
    assert_no_secrets(emu, events)


def test_auto_onboarding_event(emu, admin: Api, auditor: Api) -> None:
    domain = admin.get(f"{SM}/targetdomains/{TD_CORP}").json()
    body = dict(domain, auto_onboarding=True, auto_onboarding_policy={"id": POLICY_DEFAULT})
    assert admin.put(f"{SM}/targetdomains/{TD_CORP}", json=body).status_code == 200
    start = server_time(auditor)
    emu.control.add_to_directory("corp.example.com", "svc_new")
    assert admin.post(f"{SM}/targetdomains/{TD_CORP}/refresh").status_code == 200
    emu.wait_until(lambda: since(auditor, start, "Target-domain-scan-succeeded"), message="the scan")
    events = since(auditor, start, "Scanned-account-discovered", "Managed-account-added")
    assert event_names(events) == ["Scanned-account-discovered", "Managed-account-added"]
    added = events[1]["message"]
    assert added["origin"] == "auto-onboarding" and added["passwordPolicyID"] == POLICY_DEFAULT and added["targetUsername"] == "svc_new"
    assert added["managedAccountID"] == account_id(emu, "corp.example.com", "svc_new")


def test_configuration_events(emu, admin: Api, auditor: Api) -> None:
    start = server_time(auditor)
    policy = admin.post(SM + "/password-policy", json={"name": "audited", "rotation_interval": "P1D", "max_checkout_duration": "PT1H"})
    policy_id = policy.json()["id"]
    renamed = {"name": "audited2", "rotation_interval": "P2D", "max_checkout_duration": "PT1H"}
    assert admin.put(f"{SM}/password-policy/{policy_id}", json=renamed).status_code == 200
    assert admin.delete(f"{SM}/password-policy/{policy_id}").status_code == 200
    endpoint = {"type": "LDAP", "ldap_address": "ldap.audit.example", "ldap_base_dn": "dc=audit", "ldap_bind_password": PLANTED}
    domain_id = admin.post(SM + "/targetdomains", json={"name": "audit.example", "enabled": True, "endpoints": [endpoint]}).json()["id"]
    assert admin.put(f"{SM}/targetdomains/{domain_id}", json={"name": "audit2.example", "endpoints": [endpoint]}).status_code == 200
    assert admin.delete(f"{SM}/targetdomains/{domain_id}").status_code == 200
    created = admin.post(managed_path(TD_DB), json={"username": "svc_audit", "enabled": True, "password": PLANTED,
                                                    "password_policy": {"name": "default"}}).json()["id"]
    assert admin.put(managed_path(TD_DB, f"/{created}"), json={"username": "svc_audit", "comment": "changed"}).status_code == 200
    version = admin.post(managed_path(TD_DB, f"/{created}/password"), json={"password": PLANTED + "-2"}).json()["version"]
    assert admin.delete(managed_path(TD_DB, f"/{created}")).status_code == 200
    scanned = {item["username"]: item["id"] for item in admin.get(f"{SM}/targetdomains/{TD_CORP}/accounts").json()["items"]}
    assert admin.put(f"{SM}/targetdomains/{TD_CORP}/accounts/{scanned['bob']}", json={"ignored": True}).status_code == 200
    assert admin.post(f"{SM}/targetdomains/{TD_CORP}/accounts/batch/edit",
                      json={"ids": [scanned["dave"]], "changes": {"comment": "contractor"}}).status_code == 200
    ids = admin.post(managed_path(TD_CORP, "/batch/create"), json={"ids": [scanned["erin"]], "data": {"enabled": True}}).json()["ids"]
    assert admin.post(managed_path(TD_CORP, "/batch/edit"), json={"ids": ids, "changes": {"comment": "batch"}}).status_code == 200
    assert admin.post(managed_path(TD_CORP, "/batch/delete"), json={"ids": ids}).status_code == 200
    events = since(auditor, start)
    assert event_names(events) == [
        "Password-policy-added", "Password-policy-modified", "Password-policy-removed",
        "Target-domain-added", "Target-domain-modified", "Target-domain-removed",
        "Managed-account-added", "Managed-account-modified", "Managed-account-password-provided", "Managed-account-removed",
        "Scanned-account-modified", "Scanned-account-modified",
        "Managed-account-added", "Managed-account-modified", "Managed-account-removed",
    ]
    for event in events:
        assert_well_formed(event)
        assert event["message"]["userID"] == user_id(admin)
    messages = [event["message"] for event in events]
    assert [messages[index]["policyName"] for index in range(3)] == ["audited", "audited2", "audited2"]
    assert all(message["policyID"] == policy_id for message in messages[:3])
    assert [messages[index]["targetDomainName"] for index in range(3, 6)] == ["audit.example", "audit2.example", "audit2.example"]
    assert messages[6]["managedAccountID"] == created and messages[6]["passwordPolicyID"] == POLICY_DEFAULT
    assert messages[8]["secretVersion"] == str(version) == "2"
    assert (messages[10]["targetUsername"], messages[10]["ignored"]) == ("bob", "true")
    assert (messages[11]["targetUsername"], messages[11]["comment"]) == ("dave", "contractor")
    assert [messages[index]["managedAccountID"] for index in range(12, 15)] == ids * 3
    assert_no_secrets(emu, events, PLANTED + "-2")


def test_login_events(emu, admin: Api, auditor: Api) -> None:
    start = server_time(auditor)
    admin.login()
    assert admin.token_response(password="wrong-secret").status_code == 400
    assert admin.token_response(basic=("privx-external", "wrong-oauth-secret")).status_code == 401
    assert admin.token_response(grant_type="client_credentials").status_code == 400, "not a refused login: no event"
    events = [event for event in search(auditor, start_time=start) if event["service_name"] == "AUTH"]
    assert event_names(events) == ["Access-token-granted", "User-login-failed", "OAuth-client-authentication-failed"]
    for event in events:
        assert_well_formed(event)
    granted, refused, oauth = (event["message"] for event in events)
    assert granted["userID"] == user_id(admin) and granted["username"] == "admin" and granted["expiresIn"] == "300"
    assert refused["username"] == admin.client["client_id"] and "userID" not in refused and refused["error"]
    assert oauth["oauthClientID"] == "privx-external" and refused["severity"] == oauth["severity"] == audit.WARNING
    assert_no_secrets(emu, events, "wrong-secret", "wrong-oauth-secret", admin.session.headers["Authorization"].split()[1])


def test_refused_calls_record_nothing(emu, admin: Api, user: Api, auditor: Api) -> None:
    start = server_time(auditor)
    assert admin.post(SM + "/password-policy", json={"name": "default", "rotation_interval": "P1D",
                                                     "max_checkout_duration": "PT1H"}).status_code == 400
    assert admin.post(managed_path(TD_DB), json={"username": "app_admin"}).status_code == 400
    assert user.post(managed_path(TD_DB), json={"username": "new_one"}).status_code == 403
    disabled = account_id(emu, "dbdomain", "disabled_acct")
    assert admin.post(managed_path(TD_DB, f"/{disabled}/rotate")).status_code == 400
    assert user.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/no_checkout"}).status_code == 403
    assert admin.post(f"{SM}/targetdomains/{TD_CORP}/refresh").status_code == 200
    assert admin.post(f"{SM}/targetdomains/{TD_CORP}/refresh").status_code == 200, "joins the running scan"
    names = [name for name in event_names(since(auditor, start)) if name != "Target-domain-scan-succeeded"]
    assert names == ["Target-domain-scan-started"]


# -- search ----------------------------------------------------------------------------------------------

def _three_policies(admin: Api) -> list:
    for name in ("window-1", "window-2", "window-3"):
        assert admin.post(SM + "/password-policy", json={"name": name, "rotation_interval": "P1D", "max_checkout_duration": "PT1H"}).status_code == 201
    return [event for event in search(Api(admin.emulator, "auditor"), keywords="window") if event["event_name"] == "Password-policy-added"]


def test_time_window_is_half_open(admin: Api, auditor: Api) -> None:
    first, second, third = _three_policies(admin)
    assert first["created"] < second["created"] < third["created"]
    window = search(auditor, start_time=second["created"], end_time=third["created"], keywords="window")
    assert window == [second], "start_time is inclusive, end_time exclusive"
    assert search(auditor, start_time=third["created"], keywords="window") == [third]
    assert search(auditor, end_time=second["created"], keywords="window") == [first]
    assert search(auditor, start_time=second["created"], end_time=second["created"]) == []
    # Any offset names the same instant.
    moment = datetime.datetime.fromisoformat(first["created"].replace("Z", "+00:00"))
    shifted = moment.astimezone(datetime.timezone(datetime.timedelta(hours=2))).isoformat()
    assert shifted.endswith("+02:00") and search(auditor, start_time=shifted, keywords="window") == [first, second, third]


def test_keywords_user_and_host_filters(emu, admin: Api, user: Api, auditor: Api) -> None:
    start = server_time(auditor)
    emu.control.fail_rotation("dbdomain", "app_admin", count=1)
    for name in ("app_admin", "trimmed"):
        assert admin.post(managed_path(TD_DB, f"/{account_id(emu, 'dbdomain', name)}/rotate")).status_code == 200
    assert user.post(AZ + "/secrets/checkouts", json={"path": "hosts/web01/root"}).status_code == 200
    emu.wait_until(lambda: len(since(auditor, start, "Managed-account-rotation-failed", "Managed-account-rotation-succeeded")) == 2,
                   message="both rotations")
    assert event_names(search(auditor, start_time=start, keywords="rotation failed")) == ["Managed-account-rotation-failed"], "every keyword"
    assert event_names(search(auditor, start_time=start, keywords="ROTATION,Failed")) == ["Managed-account-rotation-failed"]
    assert [event["message"]["targetUsername"] for event in search(auditor, start_time=start, keywords="APP_ADMIN")] == ["app_admin", "app_admin"]
    assert "Managed-account-rotation-failed" in event_names(search(auditor, start_time=start, keywords="1742")), "the code matches too"
    assert {event["message"]["username"] for event in search(auditor, start_time=start, user_id=user_id(admin))} == {"admin"}
    assert event_names(search(auditor, start_time=start, user_id=user_id(user).upper())) == ["Secret-checked-out"]
    assert event_names(search(auditor, host_id=HOST_WEB01)) == ["Secret-checked-out"]
    assert search(auditor, keywords="no-such-thing") == []


@pytest.mark.parametrize("key", ["connection_id", "source_id", "session_id", "access_group_id"])
def test_filters_nothing_carries_find_nothing(admin: Api, auditor: Api, key: str) -> None:
    _three_policies(admin)
    answer = auditor.post(SEARCH, json=go_search(**{key: "21ca9e5d-617c-4c9b-8a1c-8a49d9998f93"}))
    assert answer.status_code == 200 and answer.json() == {"count": 0, "items": []}


def test_paging_and_sort(admin: Api, auditor: Api) -> None:
    _three_policies(admin)
    everything = search(auditor)
    assert len(everything) >= 6 and everything == sorted(everything, key=lambda event: event["created"])
    assert auditor.get(MONITOR + "/auditevents", params={"limit": 1000}).json() == {"count": len(everything), "items": everything}
    assert auditor.post(SEARCH, json={}).json()["items"] == everything[:50], "the documented defaults: offset 0, limit 50, ascending"
    newest = auditor.post(SEARCH, params={"sortdir": "desc", "limit": 2, "offset": 1}, json=go_search()).json()
    assert newest == {"count": len(everything), "items": [everything[-2], everything[-3]]}
    assert auditor.post(SEARCH, params={"offset": 10 ** 30, "fuzzycount": "TRUE"}, json=go_search()).json()["items"] == []
    assert auditor.post(SEARCH, params={"limit": 0}, json=go_search()).json() == {"count": len(everything), "items": []}


@pytest.mark.parametrize("body, query, code, prop", [
    (go_search(keywords=1), {}, "VALUE_INCORRECT_TYPE", "keywords"),
    (go_search(user_id="alice"), {}, "VALUE_INCORRECT_FORMAT", "user_id"),
    (go_search(host_id="web01"), {}, "VALUE_INCORRECT_FORMAT", "host_id"),
    (go_search(start_time="yesterday"), {}, "VALUE_INCORRECT_FORMAT", "start_time"),
    (go_search(end_time="2026-01-01"), {}, "VALUE_INCORRECT_FORMAT", "end_time"),
    (go_search(start_time="2026-01-02T00:00:00Z", end_time="2026-01-01T00:00:00Z"), {}, "VALUE_OUT_OF_BOUNDS", "end_time"),
    (dict(go_search(), event_id="1742"), {}, "INVALID_REQUEST_DATA", "event_id"),
    (["keywords"], {}, "INVALID_REQUEST_DATA", ""),
    (go_search(), {"limit": "1001"}, "VALUE_OUT_OF_BOUNDS", "limit"),
    (go_search(), {"limit": "ten"}, "VALUE_INCORRECT_TYPE", "limit"),
    (go_search(), {"offset": "-1"}, "VALUE_OUT_OF_BOUNDS", "offset"),
    (go_search(), {"sortkey": "event_id"}, "VALUE_OUT_OF_BOUNDS", "sortkey"),
    (go_search(), {"sortdir": "up"}, "VALUE_OUT_OF_BOUNDS", "sortdir"),
    (go_search(), {"fuzzycount": "maybe"}, "VALUE_INCORRECT_TYPE", "fuzzycount"),
], ids=["keywords type", "user_id", "host_id", "start_time", "end_time", "window backwards", "no code filter in the body", "array body",
        "limit", "limit type", "offset", "sortkey", "sortdir", "fuzzycount"])
def test_search_validation(auditor: Api, body, query: dict, code: str, prop: str) -> None:
    assert_error(auditor.post(SEARCH, params=query, json=body), 400, code, prop)


def test_search_bodies_null_and_missing(auditor: Api) -> None:
    everything = auditor.post(SEARCH, json={}).json()
    null = auditor.post(SEARCH, data=b"null", headers={"Content-Type": "application/json"})
    assert null.status_code == 200 and null.json() == everything, "Go's Post of a nil search: no filter"
    assert_error(auditor.post(SEARCH), 400, "INVALID_REQUEST_DATA")
    assert_error(auditor.post(SEARCH, data=b"{", headers={"Content-Type": "application/json"}), 400, "INVALID_REQUEST_DATA")


# -- codes, clock, permissions -----------------------------------------------------------------------------

def test_codes(auditor: Api) -> None:
    answer = auditor.get(MONITOR + "/auditevents/codes")
    assert answer.status_code == 200
    codes = answer.json()
    assert all(key == str(value["event_id"]) and isinstance(value["event_id"], int) and set(value) == {"event_id", "event_name", "event_desc"}
               for key, value in codes.items())
    by_name = {value["event_name"]: value["event_id"] for value in codes.values()}
    assert len(by_name) == len(codes), "names are unique"
    assert {name: by_name[name] for name in ("Access-token-granted", "User-login-failed", "OAuth-client-authentication-failed")} == {
        "Access-token-granted": 106, "User-login-failed": 102, "OAuth-client-authentication-failed": 122}, "PrivX's own codes"
    recorded = {event.name for event in audit.EVENT_TYPES if event.recorded}
    assert recorded <= set(by_name) and len(recorded) == 28
    assert all(by_name[name] == audit.EVENTS[name].code for name in recorded)


@pytest.mark.parametrize("client, status", [("admin", 200), ("auditor", 200), ("user", 403), ("noroles", 403)])
def test_who_may_read_the_audit_log(emu, client: str, status: int) -> None:
    api = Api(emu, client)
    for method, path, body in (("POST", SEARCH, go_search()), ("GET", MONITOR + "/auditevents", None), ("GET", MONITOR + "/auditevents/codes", None)):
        answer = api.call(method, path, json=body) if body is not None else api.call(method, path)
        if status == 200:
            assert answer.status_code == 200, answer.text
        else:
            message = assert_error(answer, 403, "PERMISSION_DENIED")["error_message"]
            assert message == ("this API client has no role" if client == "noroles"
                               else "this API client's roles grant neither privx-admin nor logs-view, which this call needs")
    assert api.get(MONITOR + "/time").status_code == 200 and api.get(MONITOR + "/status").status_code == 200, "any caller"
    assert requests.post(emu.url + SEARCH, json=go_search(), timeout=10).status_code == 401


def test_the_auditor_reads_the_log_only(auditor: Api) -> None:
    assert_error(auditor.get(SM + "/targetdomains"), 403, "PERMISSION_DENIED")
    # The authorizer's secret calls are PrivX's "user" scope: any role may make them (docs/privx-api.md).
    assert auditor.get(AZ + "/secrets").status_code == 200
    current = auditor.get("/role-store/api/v1/users/current").json()
    assert current["permissions"] == ["logs-view"] and [role["name"] for role in current["roles"]] == ["audit-readers"]


# -- the SDKs' calls -----------------------------------------------------------------------------------------

GO_DEFAULTS = {"offset": "0", "limit": "25", "sortkey": "created", "sortdir": "DESC", "fuzzycount": "true"}
SDK_CALLS = [
    ("Go SearchAuditEvents", "POST", SEARCH, GO_DEFAULTS, go_search(keywords="Managed-account")),
    ("Go GetAuditEvents", "GET", MONITOR + "/auditevents", GO_DEFAULTS, None),
    ("Go GetAuditEventCodes", "GET", MONITOR + "/auditevents/codes", {}, None),
    ("Go Status", "GET", MONITOR + "/status", {}, None),
    ("Go GetServerTime", "GET", MONITOR + "/time", {}, None),
    ("Python search_audit_events", "POST", SEARCH, {"offset": "0", "limit": "5", "query": "x", "sortdir": "asc", "fuzzycount": "false"},
     {"start_time": "2021-08-01T00:00:00Z", "end_time": "2999-10-01T00:00:00Z"}),
    ("Python search_audit_events, no params (body {})", "POST", SEARCH, {"fuzzycount": "false"}, {}),
    ("Python get_audit_events", "GET", MONITOR + "/auditevents", {"sortdir": "desc", "fuzzycount": "false"}, None),
]


@pytest.mark.parametrize("name, method, path, query, body", SDK_CALLS, ids=[call[0] for call in SDK_CALLS])
def test_sdk_call(emu, admin: Api, name: str, method: str, path: str, query: dict, body) -> None:
    account = account_id(emu, "corp.example.com", "svc_backup")
    assert admin.post(managed_path(TD_CORP, f"/{account}/rotate")).status_code == 200
    mark = emu.control.mark()
    answer = admin.call(method, path, params=query, **({"json": body} if body is not None else {}))
    assert answer.status_code == 200, f"{name}: {answer.text}"
    assert [(entry["method"], entry["path"], entry["status"]) for entry in emu.control.requests(since=mark)] == [(method, path, 200)]
    result = answer.json()
    if path.endswith("/auditevents") or path == SEARCH:
        assert set(result) == {"count", "items"} and result["items"]
        created = [event["created"] for event in result["items"]]
        assert created == sorted(created, reverse=query.get("sortdir", "ASC").upper() == "DESC")
        for event in result["items"]:
            assert_well_formed(event)
    elif path.endswith("/codes"):
        assert result["1740"]["event_name"] == "Managed-account-rotation-started"
    elif path.endswith("/time"):
        assert set(result) == {"time_utc"} and result["time_utc"].endswith("Z")
    else:
        assert result["app_id"] == "monitor-service-emulator"


# -- control calls for event-driven tests -------------------------------------------------------------------

def test_lock_account_for_a_while(emu, admin: Api, auditor: Api) -> None:
    start = server_time(auditor)
    lock = emu.control.lock_account("dbdomain", "app_admin", seconds=0.6)
    assert lock["trigger"] == "PERIODIC" and lock["managed_account_id"] == account_id(emu, "dbdomain", "app_admin")
    account = admin.get(managed_path(TD_DB, f"/{lock['managed_account_id']}")).json()
    assert account["locked"] is True and account["locked_timestamp"] == lock["locked_timestamp"]
    assert_error(admin.post(managed_path(TD_DB, f"/{lock['managed_account_id']}/rotate")), 400, "BAD_REQUEST", "managedAccountID")
    with pytest.raises(ControlError) as caught:
        emu.control.lock_account("dbdomain", "app_admin", seconds=1)
    assert caught.value.status == 400 and caught.value.body["property"] == "username", "already locked"
    emu.wait_until(lambda: not emu.control.managed_account("dbdomain", "app_admin")["locked"], message="the unlock")
    history = emu.control.managed_account("dbdomain", "app_admin")["rotation_history"]
    assert (history[-1]["trigger"], history[-1]["status"]) == ("PERIODIC", "SUCCESS")
    events = since(auditor, start)
    assert [(event["event_name"], event["message"]["trigger"]) for event in events] == [
        ("Managed-account-rotation-started", "PERIODIC"), ("Managed-account-rotation-succeeded", "PERIODIC")]
    assert "userID" not in events[0]["message"], "a periodic rotation has no caller"
    for body, prop in (({"target_domain": "dbdomain", "username": "app_admin"}, "seconds"), ({"target_domain": "dbdomain", "seconds": 1}, "username"),
                       ({"target_domain": "dbdomain", "username": "app_admin", "seconds": -1}, "seconds"),
                       ({"target_domain": "dbdomain", "username": "app_admin", "seconds": 1, "trigger": "SOMETIME"}, "trigger"),
                       ({"target_domain": "dbdomain", "username": "disabled_acct", "seconds": 1}, "username"),
                       ({"target_domain": "dbdomain", "username": "app_admin", "seconds": 1, "colour": "red"}, "colour")):
        with pytest.raises(ControlError) as caught:
            emu.control.call("POST", "locks", body)
        assert caught.value.status == 400 and caught.value.body["property"] == prop, body
    with pytest.raises(ControlError) as caught:
        emu.control.lock_account("dbdomain", "nobody", seconds=1)
    assert caught.value.status == 404


def test_clock_lets_time_pass(emu, user: Api, auditor: Api) -> None:
    assert emu.control.clock()["offset"] == 0
    checkout = user.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/app_admin"}).json()
    before = server_time(auditor)
    moved = emu.control.advance_clock(3000)
    auditor.login()
    assert moved["offset"] == 3000 and moved["now"] > before and server_time(auditor) >= moved["now"]
    assert user.get(f"{AZ}/secrets/checkouts/{checkout['id']}").status_code == 401, "tokens run out as the clock moves"
    user.login()
    assert user.get(f"{AZ}/secrets/checkouts/{checkout['id']}").status_code == 200, "10 minutes left"
    emu.control.advance_clock(601)
    assert emu.control.checkouts() == []
    auditor.login()
    expired = emu.wait_until(lambda: since(auditor, before, "Secret-checkout-expired"), message="the expiry's event")
    assert [event["message"]["checkoutID"] for event in expired] == [checkout["id"]]
    for body in ({"seconds": -1}, {"seconds": "60"}, {}, {"seconds": 1, "back": True}):
        with pytest.raises(ControlError) as caught:
            emu.control.call("POST", "clock", body)
        assert caught.value.status == 400, body
    emu.control.reset()
    assert emu.control.clock()["offset"] == 0


def test_updated_after_finds_changed_accounts_not_rotated_ones(emu, admin: Api) -> None:
    """The cheap managed-account poll: updated_after finds accounts changed through the API; a rotation changes only
    rotation_history (docs/privx-api.md), so rotations are found through the audit log."""
    emu.control.advance_clock(2)
    admin.login()
    marker = second_before(Api(emu, "auditor"))
    trimmed = account_id(emu, "dbdomain", "trimmed")
    assert admin.post(managed_path(TD_DB, "/batch/edit"), json={"ids": [trimmed], "changes": {"comment": "x"}}).status_code == 200
    app_admin = account_id(emu, "dbdomain", "app_admin")
    assert admin.post(managed_path(TD_DB, f"/{app_admin}/rotate")).status_code == 200
    emu.wait_until(lambda: not emu.control.managed_account("dbdomain", "app_admin")["locked"], message="the rotation")
    found = admin.post(managed_path(TD_DB, "/search"), json={"updated_after": marker}).json()
    assert [item["username"] for item in found["items"]] == ["trimmed"]


def test_events_survive_a_restart(tmp_path) -> None:
    with EmulatorProcess(fixture=fixture_path("test.json"), db=str(tmp_path / "audit.db")) as emulator:
        admin, auditor = Api(emulator, "admin"), Api(emulator, "auditor")
        assert admin.post(SM + "/password-policy", json={"name": "kept", "rotation_interval": "P1D",
                                                         "max_checkout_duration": "PT1H"}).status_code == 201
        before = search(auditor)
        emulator.restart()
        auditor.login()
        after = search(auditor)
        assert after[:len(before)] == before and event_names(after[len(before):]) == ["Access-token-granted"]
