# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Helpers of the host store, host secret and script template tests: ids of fixtures/test.json's hosts and
# templates, a host body that sets every field the Host model has, and waiting for host account rotations.

from emulator_helpers import POLICY_DEFAULT, SM, TD_CORP, Api

HS = "/host-store/api/v1"
HOSTS = HS + "/hosts"
SCRIPT_TEMPLATE = SM + "/script-template"
# Fixed ids of fixtures/test.json
HOST_APP01 = "3d6c9a1e-2f4b-4c8d-9e7a-5b1c0d2e3f41"
HOST_WIN01 = "8b2e4f6a-0c1d-4e3f-a5b7-9c8d7e6f5a42"
TEMPLATE_LINUX = "0c9f5e8e-7d0b-4d7e-9a44-3b1f1c2d5e61"
TEMPLATE_WINDOWS = "5e0d2b7a-1c3f-4a8e-b6d9-7f2e4c1a9b30"
POLICY_ROTATE_ON_RELEASE_NAME = "rotate-on-release"
# The role store's id of privx-admin (api_identity.BUILTIN_ROLES), which fixture principals' roles name.
ROLE_PRIVX_ADMIN = "7a32374b-d7c5-4e76-9a16-005f39692f63"
PLANTED_PASSPHRASE = "planted-host-passphrase-S3cr3t"
GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def rotation_settings(**changes) -> dict:
    settings = {"use_main_account": True, "operating_system": "LINUX", "protocol": "SSH", "certificate_validation_options": "DISABLED",
                "password_policy_id": POLICY_DEFAULT, "script_template_id": TEMPLATE_LINUX}
    settings.update(changes)
    return {key: value for key, value in settings.items() if value is not ...}


def simple_host(name: str = "new01", **changes) -> dict:
    """A Linux host with rotation of root (the main account, with an initial password) and app (without)."""
    body = {
        "common_name": name, "addresses": ["10.9.0.1", f"{name}.example.com"],
        "services": [{"service": "SSH", "address": "10.9.0.1", "port": 22, "use_for_password_rotation": True}],
        "principals": [{"principal": "root", "passphrase": PLANTED_PASSPHRASE, "rotate": True, "use_for_password_rotation": True},
                       {"principal": "app", "rotate": True}],
        "password_rotation_enabled": True, "password_rotation": rotation_settings(), "tags": ["b", "a"],
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def create_host(admin: Api, body: dict) -> str:
    answer = admin.post(HOSTS, json=body)
    assert answer.status_code == 201, answer.text
    assert set(answer.json()) == {"id"} and answer.headers["Location"] == f"{HOSTS}/{answer.json()['id']}"
    return answer.json()["id"]


def rich_host_body(name: str = "rich01") -> dict:
    """Every writable Host field set, nested objects too."""
    role = {"id": ROLE_PRIVX_ADMIN, "name": "privx-admin", "deleted": True}
    whitelist = {"id": "11111111-2222-4333-8444-555555555555", "name": "safe-commands", "deleted": True}
    service = {
        "service": "WEB", "address": "10.9.9.9", "port": 443, "use_for_password_rotation": True, "ssh_tunnel_port": 2222,
        "use_plaintext_vnc": True, "source": "UI", "realm": "corp", "login_page_url": "https://rich/login", "username_field_name": "user",
        "password_field_name": "pass", "login_request_url": "https://rich/api/login", "login_request_password_property": "password",
        "auth_type": "form", "status": "OK", "status_updated": "2026-01-02T00:00:00Z", "allowed_domains": ["rich.example.com"],
        "browser": "firefox", "kiosk_mode": True, "enable_urlbar": True, "enable_navibar": True, "autohide_navibar": True,
        "enable_devtools": True, "enable_popups": True, "enable_web_compatibility_mode": True, "timezone": "Europe/Helsinki",
        "idle_time_limit": 600, "web_x11_backend": "xvfb", "service_version": "1.2", "created": "2026-01-01T00:00:00Z",
        "updated": "2026-01-02T00:00:00Z", "certificate_template": "web", "allow_modified_web_params": True, "protocol_version": "TLS1.3",
        "latency_in_microseconds": 150, "db": {"protocol": "postgres", "tls_certificate_validation": "ENABLED",
                                               "tls_certificate_trust_anchors": "-----BEGIN CERTIFICATE-----", "audit_skip_bytes": 1024},
        "use_legacy_cipher_suites": True, "tls_min_version": "1.2", "tls_max_version": "1.3", "rds_type": "broker",
        "rds_lb": {"session_hosts_count": 2}, "rds_broker": {"broker_hostname": "broker", "broker_port": 3389, "collection_name": "c",
                                                             "session_hosts_count": 3},
    }
    principal = {
        "principal": "root", "target_domain": {"id": TD_CORP, "name": "corp.example.com"}, "passphrase": PLANTED_PASSPHRASE,
        "rotate": True, "use_for_password_rotation": True, "username_attribute": "uid", "use_user_account": True, "source": "UI",
        "roles": [role], "applications": [{"name": "shell", "application": "/bin/sh", "arguments": "-l", "working_directory": "/root"}],
        "service_options": {"ssh": {key: True for key in ("shell", "file_transfer", "exec", "tunnels", "x11", "other")},
                            "rdp": {"file_transfer": True, "audio": True, "clipboard": True},
                            "web": {"file_transfer": True, "audio": True, "clipboard": True},
                            "vnc": {"file_transfer": True, "clipboard": True}, "db": {"max_bytes_upload": 10, "max_bytes_download": 20}},
        "command_restrictions": {"enabled": True, "rshell_variant": "bash", "default_whitelist": whitelist,
                                 "whitelists": [{"whitelist": whitelist, "roles": [role]}], "allow_no_match": True, "audit_match": True,
                                 "audit_no_match": True, "banner": "audited"},
    }
    return {
        "deployable": True, "tofu": True, "toch": True, "external_id": "ext-rich", "instance_id": "i-rich",
        "ssh_host_public_keys": [{"key": "ssh-ed25519 AAAA", "fingerprint": "SHA256:abc"}], "host_certificate_raw": "-----BEGIN CERTIFICATE-----",
        "contact_address": "ops@example.com", "password_rotation_enabled": True, "services": [service],
        "principals": [principal, dict(principal, principal="svc_fail", use_for_password_rotation=False),
                       dict(principal, principal="svc_pending", use_for_password_rotation=False)],
        "password_rotation": {
            "access_group_id": "22222222-3333-4444-8555-666666666666", "use_main_account": True, "operating_system": "WINDOWS",
            "winrm_address": "rich-winrm.example.com", "winrm_port": 5986, "certificate_validation_options": "ENABLED",
            "winrm_host_certificate_trust_anchors": "-----BEGIN CERTIFICATE-----", "protocol": "WINRM",
            "password_policy_id": POLICY_DEFAULT, "script_template_id": TEMPLATE_WINDOWS,
        },
        "source_id": "source-1", "access_group_id": "22222222-3333-4444-8555-666666666666", "cloud_provider": "AWS",
        "cloud_provider_region": "eu-north-1", "distinguished_name": "CN=rich01", "common_name": name, "organization": "Example",
        "organizational_unit": "Ops", "zone": "dmz", "scope": ["prod"], "host_type": "server", "host_classification": "critical",
        "comment": "every field set", "addresses": ["10.9.9.9", "rich01.example.com"], "audit_enabled": True, "tags": ["rich", "all"],
        "user_message": "be careful", "disabled": "BY_ADMIN",
        "session_recording_options": {"disable_clipboard_recording": True, "disable_file_transfer_recording": True},
    }


def wait_rotated(emu, host: str, username: str, timeout: float = 5) -> dict:
    """The account's state once no rotation of it is pending."""
    def done():
        account = emu.control.host_account(host, username)
        return account if account["rotation_initiated"] is None else None
    return emu.wait_until(done, timeout=timeout, message=f"the rotation of {host}/{username} to end")


def make_rich_hosts(emu, admin: Api) -> dict:
    """The rich host, one account rotated, one failed, one left rotating (the rotation delay set to 30 s); a script template."""
    host_id = create_host(admin, rich_host_body())
    emu.control.fail_host_rotation("rich01", "svc_fail", details="Access is denied. (WinRM 0x80070005)")
    for account in ("root", "svc_fail"):
        assert admin.post(f"{SM}/rotate/{host_id}/{account}").status_code == 200
        wait_rotated(emu, "rich01", account)
    emu.control.settings(rotation_delay=30)
    assert admin.post(f"{SM}/rotate/{host_id}/svc_pending").status_code == 200
    return {"rich_host": host_id}
