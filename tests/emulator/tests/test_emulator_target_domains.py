# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Target domains, scanned accounts, password policies, and the list conventions (paging, sorting,
# limits) shared by every list endpoint.

import pytest

from emulator_helpers import AZ, SM, TD_CORP, TD_DB, TD_EMPTY, UNKNOWN_ID, Api, assert_error, managed_path


def test_list_target_domains(admin: Api) -> None:
    body = admin.get(SM + "/targetdomains").json()
    assert body["count"] == 3
    assert [item["name"] for item in body["items"]] == ["corp.example.com", "dbdomain", "empty.example.com"]
    corp = body["items"][0]
    assert corp["id"] == TD_CORP and corp["comment"] == "Active Directory" and corp["enabled"] is True
    assert corp["created"].endswith("Z") and len(corp["created"]) == 20
    assert body["items"][2]["enabled"] is False and body["items"][2]["comment"] == "", "always sent"


def test_search_target_domains(admin: Api) -> None:
    body = admin.post(SM + "/targetdomains/search", json={"keywords": "EXAMPLE"}).json()
    assert [item["name"] for item in body["items"]] == ["corp.example.com", "empty.example.com"]
    body = admin.post(SM + "/targetdomains/search", json={"keywords": "example, active"}).json()
    assert [item["name"] for item in body["items"]] == ["corp.example.com"]
    assert admin.post(SM + "/targetdomains/search", json={}).json()["count"] == 3
    assert_error(admin.post(SM + "/targetdomains/search", json={"name": "x"}), 400, "INVALID_REQUEST_DATA", "name")
    assert_error(admin.post(SM + "/targetdomains/search", json={"keywords": 5}), 400, "VALUE_INCORRECT_TYPE", "keywords")
    assert_error(admin.post(SM + "/targetdomains/search", data="{nope"), 400, "INVALID_REQUEST_DATA")
    assert_error(admin.post(SM + "/targetdomains/search", json=["keywords"]), 400, "INVALID_REQUEST_DATA")
    assert_error(admin.post(SM + "/targetdomains/search"), 400, "INVALID_REQUEST_DATA")


def test_resolve_target_domain_names(admin: Api) -> None:
    answer = admin.post(SM + "/targetdomains/resolve", json=["dbdomain", "no-such-domain", "corp.example.com", "dbdomain", "DBDOMAIN"])
    assert answer.status_code == 200
    assert answer.json() == {"count": 2, "items": [{"id": TD_DB, "target_domain_name": "dbdomain"},
                                                   {"id": TD_CORP, "target_domain_name": "corp.example.com"}]}, \
        "the order asked, each once; unknown names and other letter cases left out"
    assert admin.post(SM + "/targetdomains/resolve", json=[]).json() == {"count": 0, "items": []}
    go_nil = admin.post(SM + "/targetdomains/resolve", data=b"null", headers={"Content-Type": "application/json"})
    assert go_nil.json() == {"count": 0, "items": []}
    assert_error(admin.post(SM + "/targetdomains/resolve", json={"names": ["dbdomain"]}), 400, "INVALID_REQUEST_DATA")
    assert_error(admin.post(SM + "/targetdomains/resolve", json=["dbdomain", 7]), 400, "VALUE_INCORRECT_TYPE", "[1]")
    assert_error(admin.post(SM + "/targetdomains/resolve"), 400, "INVALID_REQUEST_DATA")
    assert admin.get(SM + "/targetdomains/resolve").headers["Allow"] == "POST"


def test_resolving_target_domains_needs_privx_admin(emu) -> None:
    assert_error(Api(emu, "user").post(SM + "/targetdomains/resolve", json=["dbdomain"]), 403, "PERMISSION_DENIED")


def test_get_target_domain(admin: Api) -> None:
    assert admin.get(SM + f"/targetdomains/{TD_DB}").json()["name"] == "dbdomain"
    assert admin.get(SM + f"/targetdomains/{TD_DB.upper()}").json()["id"] == TD_DB
    assert_error(admin.get(SM + f"/targetdomains/{UNKNOWN_ID}"), 404, "GENERAL_ERROR", "targetDomainID")
    assert_error(admin.get(SM + "/targetdomains/not-a-uuid"), 400, "VALUE_INCORRECT_FORMAT", "targetDomainID")


def test_scanned_accounts(admin: Api) -> None:
    body = admin.get(SM + f"/targetdomains/{TD_CORP}/accounts").json()
    names = [item["username"] for item in body["items"]]
    assert names == ["alice", "app_reader", "bob", "carol", "dave", "erin", "guest", "svc_backup"]
    alice = body["items"][0]
    assert alice["state"] == "NEW" and alice["ignored"] is False
    assert alice["email"] == "alice@corp.example.com" and alice["security_id"] == "S-1-5-21-1-1001"
    assert alice["target_domain"] == {"id": TD_CORP, "name": "corp.example.com"}
    by_name = {item["username"]: item for item in body["items"]}
    assert by_name["svc_backup"]["state"] == "MANAGED", "a fixture's managed account is scanned too"
    assert by_name["guest"]["ignored"] is True
    assert admin.get(SM + f"/targetdomains/{TD_EMPTY}/accounts").json() == {"count": 0, "items": []}
    assert_error(admin.get(SM + f"/targetdomains/{UNKNOWN_ID}/accounts"), 404, "GENERAL_ERROR", "targetDomainID")


def test_search_scanned_accounts(admin: Api) -> None:
    path = SM + f"/targetdomains/{TD_CORP}/accounts/search"
    assert [item["username"] for item in admin.post(path, json={"state": "MANAGED"}).json()["items"]] == ["app_reader", "svc_backup"]
    assert [item["username"] for item in admin.post(path, json={"ignored": True}).json()["items"]] == ["guest"]
    assert [item["username"] for item in admin.post(path, json={"keywords": "CARLSSON"}).json()["items"]] == ["carol"]
    assert admin.post(path, json={"keywords": "corp.example.com", "state": "NEW", "ignored": False}).json()["count"] == 5
    assert_error(admin.post(path, json={"state": "GONE"}), 400, "VALUE_OUT_OF_BOUNDS", "state")
    assert_error(admin.post(path, json={"ignored": "true"}), 400, "VALUE_INCORRECT_TYPE", "ignored")
    assert_error(admin.post(path, json={"ignored": 1}), 400, "VALUE_INCORRECT_TYPE", "ignored")
    assert_error(admin.post(path, json={"username": "alice"}), 400, "INVALID_REQUEST_DATA", "username")


def test_password_policies(admin: Api) -> None:
    body = admin.get(SM + "/password-policies").json()
    assert body["count"] == 5
    names = [item["name"] for item in body["items"]]
    assert names == sorted(names)
    short = next(item for item in body["items"] if item["name"] == "short-checkout")
    assert short["max_checkout_duration"] == "PT2S" and short["rotate_on_release"] is True
    assert set(short) == {
        "id", "name", "rotation_interval", "max_versions", "max_concurrent_checkouts", "max_checkout_duration",
        "rotate_on_release", "verify_after_rotation", "created", "updated",
        # The rest of the SDKs' PasswordPolicy (issue 12).
        "password_min_length", "password_max_length", "use_special_characters", "use_lower_case", "use_upper_case",
        "use_numbers", "number_of_retries", "retry_interval", "created_by", "updated_by",
    }
    assert_error(admin.post(SM + "/password-policies", json={}), 405, "GENERAL_ERROR")


def _create_many(admin: Api, count: int) -> None:
    for number in range(count):
        answer = admin.post(managed_path(TD_EMPTY), json={"username": f"acct{number:03d}", "comment": f"n{count - number}"})
        assert answer.status_code == 201, answer.text


def test_paging_defaults_and_limits(admin: Api) -> None:
    _create_many(admin, 55)
    body = admin.get(managed_path(TD_EMPTY)).json()
    assert body["count"] == 55 and len(body["items"]) == 50, "default limit 50 for target-domain lists"
    page = admin.get(managed_path(TD_EMPTY), params={"offset": 50, "limit": 10}).json()
    assert page["count"] == 55 and [item["username"] for item in page["items"]] == [f"acct{n:03d}" for n in range(50, 55)]
    assert admin.get(managed_path(TD_EMPTY), params={"limit": 0}).json() == {"count": 55, "items": []}
    assert admin.get(managed_path(TD_EMPTY), params={"offset": 100}).json()["items"] == []
    assert len(admin.get(managed_path(TD_EMPTY), params={"limit": 1000}).json()["items"]) == 55


def test_sorting(admin: Api) -> None:
    _create_many(admin, 5)
    names = [item["username"] for item in admin.get(managed_path(TD_EMPTY), params={"sortdir": "desc"}).json()["items"]]
    assert names == ["acct004", "acct003", "acct002", "acct001", "acct000"]
    by_comment = admin.get(managed_path(TD_EMPTY), params={"sortkey": "comment", "sortdir": "ASC"}).json()["items"]
    assert [item["comment"] for item in by_comment] == ["n1", "n2", "n3", "n4", "n5"]
    by_name = admin.get(SM + "/targetdomains", params={"sortkey": "name", "sortdir": "DeSc"}).json()["items"]
    assert [item["name"] for item in by_name] == ["empty.example.com", "dbdomain", "corp.example.com"]


@pytest.mark.parametrize("params, error_code, prop", [
    ({"limit": 1001}, "VALUE_OUT_OF_BOUNDS", "limit"),
    ({"limit": -1}, "VALUE_OUT_OF_BOUNDS", "limit"),
    ({"offset": -5}, "VALUE_OUT_OF_BOUNDS", "offset"),
    ({"limit": "ten"}, "VALUE_INCORRECT_TYPE", "limit"),
    ({"offset": "1.5"}, "VALUE_INCORRECT_TYPE", "offset"),
    ({"sortkey": "password"}, "VALUE_OUT_OF_BOUNDS", "sortkey"),
    ({"sortdir": "up"}, "VALUE_OUT_OF_BOUNDS", "sortdir"),
])
def test_paging_errors(admin: Api, params: dict, error_code: str, prop: str) -> None:
    for path in (managed_path(TD_DB), SM + f"/targetdomains/{TD_CORP}/accounts", SM + "/targetdomains", SM + "/password-policies"):
        assert_error(admin.get(path, params=params), 400, error_code, prop)
    for path in (AZ + "/secrets", AZ + "/secrets/checkouts"):
        assert_error(admin.get(path, params=params), 400, error_code, prop)
    assert_error(admin.post(managed_path(TD_DB, "/search"), params=params, json={}), 400, error_code, prop)


def test_unknown_path_and_wrong_method(admin: Api) -> None:
    assert_error(admin.get(SM + "/nothing-here"), 404, "GENERAL_ERROR")
    assert_error(admin.get(SM + "/targetdomains/"), 404, "GENERAL_ERROR")
    assert_error(admin.delete(SM + "/targetdomains"), 405, "GENERAL_ERROR")
    answer = admin.get(managed_path(TD_DB, "/search"))
    assert_error(answer, 405, "GENERAL_ERROR")
    assert answer.headers["Allow"] == "POST"
    assert_error(admin.call("PATCH", managed_path(TD_DB)), 405, "GENERAL_ERROR")
    head = admin.call("HEAD", SM + "/targetdomains")
    assert head.status_code == 405 and head.content == b""


def test_search_keywords_are_anded(admin: Api) -> None:
    """Every keyword must match (in any of the searched fields); README documents it beside each search."""
    def found(path: str, keywords: str, key: str) -> list:
        answer = admin.post(path, json={"keywords": keywords})
        assert answer.status_code == 200, answer.text
        return sorted(item[key] for item in answer.json()["items"])

    domains = SM + "/targetdomains/search"
    assert found(domains, "example", "name") == ["corp.example.com", "empty.example.com"]
    assert found(domains, "example active", "name") == ["corp.example.com"], "name and comment, both keywords"
    assert found(domains, "example dbdomain", "name") == []
    scanned = SM + f"/targetdomains/{TD_CORP}/accounts/search"
    assert found(scanned, "alice", "username") == ["alice"]
    assert found(scanned, "alice bob", "username") == []
    assert found(scanned, "alice andersson", "username") == ["alice"]
    managed = managed_path(TD_DB, "/search")
    assert found(managed, "app administrator", "username") == ["app_admin"]
    assert found(managed, "app,release", "username") == []
    secrets = AZ + "/secrets/search"
    assert found(secrets, "dbdomain", "path")[:2] == ["dbdomain/app_admin", "dbdomain/disabled_acct"]
    assert found(secrets, "dbdomain single", "path") == ["dbdomain/single"]
    assert found(secrets, "dbdomain web01", "path") == []
