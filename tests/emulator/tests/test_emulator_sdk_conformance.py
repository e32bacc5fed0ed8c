# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The emulator answers the password policy, target domain and scanned account calls exactly as PrivX's
# SDKs make them: the path, the method, the body as the SDK marshals it, and the status the SDK expects.
# The table below was written from reading the Python SDK (SecretsManagerAPI) and the Go SDK
# (secretsmanager.SecretsManager and its model structs); docs/privx-api-admin.md lists the same calls.
# The Python SDK checks for one exact status (201 on create, 200 otherwise); the Go SDK takes any status
# below 400, so the Python expectation is the stricter one and is what is asserted.
#
# Bodies are what the SDKs send for a value a client filled in. Go marshals every field without omitempty,
# zero values included: "id": "" on a create, "created": "0001-01-01T00:00:00Z" for an unset time.Time,
# "endpoints": null for a nil slice. Python sends the caller's dict as it is.

import pytest

from emulator_helpers import SM, TD_CORP, Api, assert_error

GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def go_password_policy(name: str) -> dict:
    """secretsmanager.PasswordPolicy as the Go SDK marshals it for CreatePasswordPolicy (created/updated are
    nil pointers with omitempty: left out; the string ids have no omitempty: sent empty)."""
    return {
        "id": "", "name": name, "rotation_interval": "P90D", "password_min_length": 14, "password_max_length": 28,
        "use_special_characters": True, "use_lower_case": True, "use_upper_case": True, "use_numbers": True,
        "max_versions": 10, "number_of_retries": 3, "retry_interval": "PT1M", "max_concurrent_checkouts": 2,
        "max_checkout_duration": "PT4H", "rotate_on_release": False, "verify_after_rotation": True,
        "created_by": "", "updated_by": "",
    }


def go_target_domain(name: str) -> dict:
    """secretsmanager.TargetDomain as the Go SDK marshals it for CreateTargetDomain: created/updated are
    time.Time values (omitempty does not apply to structs), scan_*, author, updated_by are omitempty."""
    return {
        "id": "", "name": name, "domain_name": "sdk.example", "enabled": True, "periodic_scan": False,
        "periodic_scan_interval": 0, "auto_onboarding": False,
        "endpoints": [{
            "type": "LDAP", "scan_priority": 0, "rotation_priority": 0, "ldap_protocol": "LDAPS", "ldap_address": "ldap.sdk.example",
            "ldap_port": 636, "ldap_base_dn": "dc=sdk,dc=example", "ldap_bind_dn": "cn=privx,dc=sdk,dc=example",
            "ldap_bind_password": "sdk-bind-secret",
        }],
        "comment": "", "created": GO_ZERO_TIME, "updated": GO_ZERO_TIME,
    }


@pytest.fixture(name="ids")
def fixture_ids(admin: Api) -> dict:
    """Ids the calls' paths need: a fresh policy and domain, and a scanned account of corp.example.com."""
    policy = admin.post(SM + "/password-policy", json=go_password_policy("sdk-existing"))
    domain = admin.post(SM + "/targetdomains", json=go_target_domain("sdk-existing"))
    assert policy.status_code == domain.status_code == 201
    accounts = admin.get(f"{SM}/targetdomains/{TD_CORP}/accounts").json()["items"]
    return {"policy": policy.json()["id"], "td": domain.json()["id"], "corp": TD_CORP, "account": accounts[0]["id"]}


def _list_shape(body) -> None:
    assert set(body) == {"count", "items"} and isinstance(body["items"], list) and body["count"] >= len(body["items"])


def _id_shape(body) -> None:
    assert set(body) == {"id"} and len(body["id"]) == 36


def _object_shape(body) -> None:
    assert isinstance(body, dict) and body.get("id")


# (SDK calls (Python name / Go name), method, path, query, body (a function of ids, or None: no body),
#  expected status, check of the answer's body (None: empty body))
CALLS = [
    ("get_password_policies / GetPasswordPolicies", "GET", "/password-policies", None, None, 200, _list_shape),
    ("create_password_policy / CreatePasswordPolicy", "POST", "/password-policy", None,
     lambda ids: go_password_policy("sdk-new"), 201, _id_shape),
    ("get_password_policy / GetPasswordPolicy", "GET", "/password-policy/{policy}", None, None, 200, _object_shape),
    ("update_password_policy / UpdatePasswordPolicy", "PUT", "/password-policy/{policy}", None,
     lambda ids: dict(go_password_policy("sdk-renamed"), id=ids["policy"]), 200, None),
    ("delete_password_policy / DeletePasswordPolicy", "DELETE", "/password-policy/{policy}", None, None, 200, None),
    ("get_target_domains / GetTargetDomains", "GET", "/targetdomains",
     {"offset": 0, "limit": 10, "sortkey": "name", "sortdir": "asc"}, None, 200, _list_shape),
    ("search_target_domain / SearchTargetDomain", "POST", "/targetdomains/search", {"limit": 5},
     lambda ids: {"keywords": "sdk", "enabled": True, "periodic_scan": False, "auto_onboarding": False}, 200, _list_shape),
    ("search_target_domain, no payload (Python sends {})", "POST", "/targetdomains/search", None, lambda ids: {}, 200, _list_shape),
    ("create_target_domain / CreateTargetDomain", "POST", "/targetdomains", None, lambda ids: go_target_domain("sdk-new"), 201, _id_shape),
    ("get_target_domain / GetTargetDomain", "GET", "/targetdomains/{td}", None, None, 200, _object_shape),
    ("update_target_domain / UpdateTargetDomain", "PUT", "/targetdomains/{td}", None,
     lambda ids: dict(go_target_domain("sdk-renamed"), id=ids["td"]), 200, None),
    ("delete_target_domain / DeleteTargetDomain", "DELETE", "/targetdomains/{td}", None, None, 200, None),
    ("RefreshTargetDomain (Go; POST with a null body)", "POST", "/targetdomains/{td}/refresh", None, lambda ids: None, 200, None),
    ("get_target_domain_accounts / GetTargetDomainAccounts", "GET", "/targetdomains/{corp}/accounts",
     {"offset": 0, "limit": 3, "sortkey": "username", "sortdir": "desc"}, None, 200, _list_shape),
    ("search_target_domain_accounts / SearchTargetDomainAccounts", "POST", "/targetdomains/{corp}/accounts/search", None,
     lambda ids: {"keywords": "a", "created_after": "2000-01-01T00:00:00Z", "updated_before": "2999-01-01T00:00:00Z",
                  "state": "NEW", "ignored": False}, 200, _list_shape),
    ("get_target_domain_account / GetTargetDomainAccount", "GET", "/targetdomains/{corp}/accounts/{account}", None, None, 200,
     _object_shape),
    ("update_target_domain_account / UpdateTargetDomainAccount", "PUT", "/targetdomains/{corp}/accounts/{account}", None,
     lambda ids: {"ignored": True, "comment": "from the SDK"}, 200, None),
    ("BatchUpdateTargetDomain (Go)", "POST", "/targetdomains/{corp}/accounts/batch/edit", None,
     lambda ids: {"ids": [ids["account"]], "changes": {"ignored": False}}, 200, None),
]


@pytest.mark.parametrize("name, method, path, query, body, status, check", CALLS, ids=[call[0] for call in CALLS])
def test_sdk_call(emu, admin: Api, ids: dict, name: str, method: str, path: str, query, body, status: int, check) -> None:
    url = SM + path.format(**ids)
    kwargs = {"params": query}
    if body is not None:
        payload = body(ids)
        # Go's Post(nil) marshals nil: the body is the JSON null.
        if payload is None:
            kwargs.update(data=b"null", headers={"Content-Type": "application/json"})
        else:
            kwargs["json"] = payload
    mark = emu.control.mark()
    answer = admin.call(method, url, **kwargs)
    assert answer.status_code == status, f"{name}: {answer.status_code} {answer.text}"
    if check is None:
        assert answer.content == b"", name
    else:
        check(answer.json())
    logged = emu.control.requests(since=mark)
    assert [(entry["method"], entry["path"], entry["status"]) for entry in logged] == [(method, url, status)], "audited"


def test_sdk_round_trip_read_then_update(admin: Api, ids: dict) -> None:
    """Go's Update* send back the struct a Get* returned, read-only fields and all."""
    policy = admin.get(f"{SM}/password-policy/{ids['policy']}").json()
    assert admin.put(f"{SM}/password-policy/{ids['policy']}", json=dict(policy, max_versions=4)).status_code == 200
    assert admin.get(f"{SM}/password-policy/{ids['policy']}").json()["max_versions"] == 4
    domain = admin.get(f"{SM}/targetdomains/{ids['td']}").json()
    assert admin.put(f"{SM}/targetdomains/{ids['td']}", json=dict(domain, comment="round trip")).status_code == 200
    assert admin.get(f"{SM}/targetdomains/{ids['td']}").json()["comment"] == "round trip"
    account = admin.get(f"{SM}/targetdomains/{TD_CORP}/accounts/{ids['account']}").json()
    assert set(account) >= {"id", "username", "target_domain", "state", "ignored", "created", "updated"}


def test_python_sdk_refresh_bug(admin: Api, ids: dict) -> None:
    """The Python SDK's refresh_target_domain POSTs to the domain's own path, not to .../refresh: PrivX
    defines no POST there, and neither does the emulator, so a client copying that call hears 405."""
    answer = admin.post(f"{SM}/targetdomains/{ids['td']}")
    assert_error(answer, 405, "GENERAL_ERROR")
    assert answer.headers["Allow"] == "DELETE, GET, PUT"
    assert "scan_status" not in admin.get(f"{SM}/targetdomains/{ids['td']}").json(), "no scan started"


def test_python_sdk_batch_edit_bug(admin: Api, ids: dict) -> None:
    """The Python SDK's batch_update_target_domain_account uses PUT; the endpoint takes POST (as the Go SDK sends)."""
    path = f"{SM}/targetdomains/{TD_CORP}/accounts/batch/edit"
    answer = admin.put(path, json={"ids": [ids["account"]], "changes": {"ignored": True}})
    assert_error(answer, 405, "GENERAL_ERROR")
    assert answer.headers["Allow"] == "POST"
    assert admin.get(f"{SM}/targetdomains/{TD_CORP}/accounts/{ids['account']}").json()["ignored"] is False


def test_go_sdk_status_expectations(admin: Api) -> None:
    """Creates answer 201 with {"id"} (response.Identifier); the list calls {count, items} (response.ResultSet)."""
    created = admin.post(SM + "/password-policy", json=go_password_policy("sdk-status"))
    assert created.status_code == 201 and list(created.json()) == ["id"]
    listed = admin.get(SM + "/password-policies").json()
    assert any(item["id"] == created.json()["id"] for item in listed["items"])
