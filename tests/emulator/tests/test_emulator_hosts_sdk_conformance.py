# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The host store, host secret, rotate and script template calls exactly as PrivX's SDKs make them: the path, the
# method, the body as the SDK marshals it, and the status the SDK expects. Written from the Python SDK
# (HostStoreAPI, SecretsManagerAPI: one exact status per call, 201 on create) and the Go SDK (hoststore and
# secretsmanager packages, their model structs: every field without omitempty is sent, zero values included).
# docs/privx-api-admin.md lists the same calls, and the Go SDK's DeleteScriptTemplate bug.

import pytest

from emulator_helpers import POLICY_DEFAULT, SM, Api, assert_error
from host_helpers import GO_ZERO_TIME, HOST_APP01, HOSTS, ROLE_PRIVX_ADMIN, SCRIPT_TEMPLATE, TEMPLATE_LINUX
from test_emulator_sdk_conformance import _id_shape, _list_shape, _object_shape


def go_service(address: str) -> dict:
    """hoststore.HostService as Go marshals it: time.Time and struct fields always, zero values included."""
    return {
        "service": "SSH", "address": address, "port": 22, "use_for_password_rotation": True, "ssh_tunnel_port": 0,
        "use_plaintext_vnc": False, "source": "", "login_page_url": "", "username_field_name": "", "password_field_name": "",
        "login_request_url": "", "login_request_password_property": "", "auth_type": "", "status": "", "status_updated": "",
        "allowed_domains": None, "browser": "", "kiosk_mode": False, "enable_urlbar": False, "enable_navibar": False,
        "autohide_navibar": False, "enable_devtools": False, "enable_popups": False, "enable_web_compatibility_mode": False,
        "timezone": "", "idle_time_limit": 0, "web_x11_backend": "", "service_version": "", "created": GO_ZERO_TIME,
        "updated": GO_ZERO_TIME, "certificate_template": "", "allow_modified_web_params": False,
        "db": {"protocol": "", "tls_certificate_validation": "", "tls_certificate_trust_anchors": "", "audit_skip_bytes": 0},
        "use_legacy_cipher_suites": False, "tls_min_version": "", "tls_max_version": "", "rds_type": "", "rds_lb": {}, "rds_broker": {},
    }


def go_host(name: str, rotation: bool = False) -> dict:
    """hoststore.Host as Go's CreateHost marshals it (nil pointers with omitempty left out, `toch` sent as null)."""
    host = {
        "id": "", "toch": None, "stand_alone_host": False, "external_id": "", "instance_id": "", "ssh_host_public_keys": None,
        "host_certificate_raw": "", "contact_address": "", "password_rotation_enabled": rotation, "services": [go_service("10.7.0.1")],
        "principals": [{"principal": "root", "passphrase": "sdk-initial", "rotate": rotation, "use_for_password_rotation": rotation,
                        "username_attribute": "", "use_user_account": False, "source": "", "roles": None, "applications": None,
                        "command_restrictions": {"enabled": False, "default_whitelist": {}, "whitelists": None}}],
        "source_id": "", "access_group_id": "", "cloud_provider": "", "cloud_provider_region": "", "status": None, "created": "",
        "updated": "", "updated_by": "", "distinguished_name": "", "common_name": name, "organization": "", "organizational_unit": "",
        "zone": "", "scope": None, "host_type": "", "host_classification": "", "comment": "", "addresses": ["10.7.0.1"], "tags": None,
        "user_message": "", "disabled": "",
    }
    if rotation:
        host["password_rotation"] = {"access_group_id": "", "use_main_account": True, "operating_system": "LINUX", "winrm_address": "",
                                     "certificate_validation_options": "DISABLED", "winrm_host_certificate_trust_anchors": "",
                                     "protocol": "SSH", "password_policy_id": POLICY_DEFAULT, "script_template_id": TEMPLATE_LINUX}
    return host


def python_host(name: str) -> dict:
    """The Python SDK's example-host-creation.py body."""
    return {"common_name": name, "addresses": ["sdk.example.com", "10.7.0.2"],
            "services": [{"service": "SSH", "address": "10.7.0.2", "port": 22, "source": "UI"}],
            "principals": [{"principal": "root", "passphrase": "secret", "source": "UI", "roles": [{"id": ROLE_PRIVX_ADMIN}]}]}


def go_script_template(name: str) -> dict:
    """secretsmanager.ScriptTemplate for CreateScriptTemplate: ids and authors sent empty, nil times left out."""
    return {"id": "", "name": name, "operating_system": "LINUX", "script": "echo '{{.Username}}:{{.Password}}' | chpasswd",
            "created_by": "", "updated_by": ""}


def go_host_secret(host_id: str) -> dict:
    """secretsmanager.HostSecretMetadata for CreateHostSecret."""
    return {
        "metadata": {"host_id": host_id, "access_group_id": "", "address": "10.7.0.1", "port": 22, "operating_system": "linux",
                     "protocol": "SSH", "certificate_validation_options": "DISABLED", "winrm_host_certificate_trust_anchors": "",
                     "use_main_account": True, "main_account": "root", "policy_id": POLICY_DEFAULT, "script_template_id": TEMPLATE_LINUX,
                     "created_by": "", "updated_by": ""},
        "accounts": [{"account": "root", "host_id": host_id, "last_error_details": "", "initial_password": "sdk-initial", "created_by": ""}],
    }


@pytest.fixture(name="ids")
def fixture_ids(admin: Api) -> dict:
    host = admin.post(HOSTS, json=go_host("sdk-existing", rotation=True))
    template = admin.post(SCRIPT_TEMPLATE, json=go_script_template("sdk-existing"))
    assert host.status_code == template.status_code == 201, host.text + template.text
    return {"host": host.json()["id"], "template": template.json()["id"], "app01": HOST_APP01}


def _host_secret_shape(body) -> None:
    assert set(body) == {"metadata", "accounts"} and "initial_password" not in repr(body)


def _compiled_shape(body) -> None:
    assert body == {"script": "echo 'testuser:TestPassword-1' | chpasswd"}


# (SDK calls (Python name / Go name), method, path, query, body (a function of ids, or None: no body; NULL: JSON null),
#  expected status, check of the answer's body (None: empty body))
NULL = object()
CALLS = [
    ("search_hosts / SearchHosts", "POST", HOSTS + "/search", {"offset": 0, "limit": 5, "sortkey": "common_name", "sortdir": "ASC"},
     lambda ids: {"common_name": ["sdk-existing"]}, 200, _list_shape),
    ("search_hosts, no payload (Python sends {})", "POST", HOSTS + "/search", None, lambda ids: {}, 200, _list_shape),
    ("get_hosts / GetHosts", "GET", HOSTS, {"offset": 0, "limit": 10, "sortkey": "common_name", "sortdir": "DESC", "filter": ""}, None, 200,
     _list_shape),
    ("create_host (Python example)", "POST", HOSTS, None, lambda ids: python_host("sdk-python"), 201, _id_shape),
    ("CreateHost (Go)", "POST", HOSTS, None, lambda ids: go_host("sdk-go"), 201, _id_shape),
    ("get_host / GetHost", "GET", HOSTS + "/{host}", None, None, 200, _object_shape),
    ("update_host / UpdateHost", "PUT", HOSTS + "/{host}", None, lambda ids: dict(go_host("sdk-renamed", rotation=True), id=ids["host"]), 200,
     None),
    ("delete_host / DeleteHost", "DELETE", HOSTS + "/{host}", None, None, 200, None),
    ("RotatePassword (Go; POST with a null body)", "POST", SM + "/rotate/{host}/root", None, lambda ids: NULL, 200, None),
    ("rotate_host_password (Python; no body)", "POST", SM + "/rotate/{app01}/root", None, None, 200, None),
    ("get_script_templates / GetScriptTemplates", "GET", SM + "/script-templates", None, None, 200, _list_shape),
    ("create_script_template / CreateScriptTemplate", "POST", SCRIPT_TEMPLATE, None, lambda ids: go_script_template("sdk-new"), 201, _id_shape),
    ("create_script_template (the API reference's {name, script} only) is refused: no operating_system", "POST", SCRIPT_TEMPLATE, None,
     lambda ids: {"name": "sdk-bare", "script": "echo"}, 400, None),
    ("get_script_template / GetScriptTemplate", "GET", SCRIPT_TEMPLATE + "/{template}", None, None, 200, _object_shape),
    ("update_script_template / UpdateScriptTemplate", "PUT", SCRIPT_TEMPLATE + "/{template}", None,
     lambda ids: dict(go_script_template("sdk-renamed"), id=ids["template"]), 200, None),
    ("delete_script_template (Python)", "DELETE", SCRIPT_TEMPLATE + "/{template}", None, None, 200, None),
    ("compile_script_template / CompileScript", "POST", SCRIPT_TEMPLATE + "/compile", None,
     lambda ids: {"operating_system": "LINUX", "script": "echo '{{.Username}}:{{.Password}}' | chpasswd"}, 200, _compiled_shape),
    ("GetHostSecretMetadata (Go)", "GET", SM + "/host-secret/{host}", None, None, 200, _host_secret_shape),
    ("CreateHostSecret (Go)", "POST", SM + "/host-secret/{host}", None, lambda ids: go_host_secret(ids["host"]), 200, _host_secret_shape),
    ("DeleteHostSecret (Go)", "DELETE", SM + "/host-secret/{host}", None, None, 200, None),
]


@pytest.mark.parametrize("name, method, path, query, body, status, check", CALLS, ids=[call[0] for call in CALLS])
def test_sdk_call(emu, admin: Api, ids: dict, name: str, method: str, path: str, query, body, status: int, check) -> None:
    url = path.format(**ids)
    kwargs = {"params": query}
    if body is not None:
        payload = body(ids)
        if payload is NULL:
            kwargs.update(data=b"null", headers={"Content-Type": "application/json"})
        else:
            kwargs["json"] = payload
    mark = emu.control.mark()
    answer = admin.call(method, url, **kwargs)
    assert answer.status_code == status, f"{name}: {answer.status_code} {answer.text}"
    if status >= 400:
        assert_error(answer, status, "REQUIRED_VALUE_MISSING", "operating_system")
    elif check is None:
        assert answer.content == b"", name
    else:
        check(answer.json())
    logged = emu.control.requests(since=mark)
    assert [(entry["method"], entry["path"], entry["status"]) for entry in logged] == [(method, url, status)], "audited"


def test_go_round_trip_read_then_update(emu, admin: Api, ids: dict) -> None:
    """Go's UpdateHost sends back the Host a GetHost returned, read-only fields, masked passphrases and all."""
    host = admin.get(f"{HOSTS}/{ids['host']}").json()
    assert admin.put(f"{HOSTS}/{ids['host']}", json=dict(host, comment="round trip")).status_code == 200
    again = admin.get(f"{HOSTS}/{ids['host']}").json()
    assert again["comment"] == "round trip" and again["principals"] == host["principals"]
    assert [item["secret"] for item in emu.control.host_account("sdk-existing", "root")["versions"]] == ["sdk-initial"]
    template = admin.get(f"{SCRIPT_TEMPLATE}/{ids['template']}").json()
    assert admin.put(f"{SCRIPT_TEMPLATE}/{ids['template']}", json=dict(template, name="round trip")).status_code == 200
    assert admin.get(f"{SCRIPT_TEMPLATE}/{ids['template']}").json()["name"] == "round trip"


def test_go_sdk_delete_script_template_bug(admin: Api, ids: dict) -> None:
    """Go's DeleteScriptTemplate sends DELETE .../password-policy/{template id}: 404, and the template stays."""
    assert_error(admin.delete(f"{SM}/password-policy/{ids['template']}"), 404, "GENERAL_ERROR", "passwordPolicyID")
    assert admin.get(f"{SCRIPT_TEMPLATE}/{ids['template']}").status_code == 200
