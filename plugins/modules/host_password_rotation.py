#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: host_password_rotation
short_description: Declare the password rotation of one PrivX host's accounts
version_added: 0.2.0
description:
  - Enables (O(state=present)) or disables (O(state=absent)) PrivX's password rotation of the local accounts of one host of
    PrivX's host store, with its settings, its password policy and script template (by name), and which accounts rotate.
  - PrivX keeps rotation on the host and replaces the whole host on every write. The module reads the host, changes only
    the rotation fields (C(password_rotation_enabled), C(password_rotation), and the C(rotate) and
    C(use_for_password_rotation) of the accounts the task lists) and sends everything else back exactly as read;
    services, principals' roles, tags and every other setting stay as they are.
  - Only what the task declares is compared; a second run with the same declaration reports no change and makes no write.
  - The host store has no batch call, so each host is one search and, when something changes, one write;
    M(privx.secrets.host_password_rotation_batch) reads many hosts in one search.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - Rotation that starts shows C(before={}) and every setting after; rotation that stops shows C(after={}); a change
        shows the changed settings and accounts. Initial passwords never appear.
options:
  host:
    description:
      - The host, by its common name, one of its addresses, or its id. A common name wins over an address; an address
        that several hosts share is refused as ambiguous.
    type: str
    required: true
  state:
    description:
      - V(present) enables rotation with the declared settings; V(absent) disables it and removes the rotation settings,
        so that the policy and the script template they named can be deleted (PrivX refuses while a host names them).
        PrivX then drops the host's secret, so its accounts can no longer be checked out.
    type: str
    choices: [present, absent]
    default: present
  operating_system:
    description: The host's operating system. Required when rotation is enabled for the first time.
    type: str
    choices: [LINUX, WINDOWS]
  protocol:
    description: How PrivX connects to rotate. When rotation is enabled for the first time without it, V(SSH) for V(LINUX)
      and V(WINRM) for V(WINDOWS).
    type: str
    choices: [SSH, WINRM]
  use_main_account:
    description:
      - Rotate every account by logging in as the account marked C(use_for_password_rotation); otherwise each account
        logs in with its own current password.
    type: bool
  winrm_address:
    description: Address of the host's WinRM service (the host's first address when empty).
    type: str
  winrm_port:
    description: Port of the host's WinRM service.
    type: int
  certificate_validation_options:
    description: Whether PrivX validates the WinRM certificate.
    type: str
    choices: [DISABLED, ENABLED]
  winrm_host_certificate_trust_anchors:
    description: PEM certificates PrivX trusts for the host's WinRM service.
    type: str
  password_policy:
    description: Name of the password policy that makes the new passwords. Required when rotation is enabled for the first time.
    type: str
  script_template:
    description: Name of the script template that sets them on the host. Required when rotation is enabled for the first time.
    type: str
  accounts:
    description:
      - Accounts (the host's principals) whose rotation the task declares; accounts not listed stay as they are.
        Each must be an account of the host.
    type: list
    elements: dict
    suboptions:
      username:
        description: The account (principal) name, exactly as the host has it.
        type: str
        required: true
      rotate:
        description: Whether PrivX rotates the account's password.
        type: bool
        default: true
      use_for_password_rotation:
        description: The main account, which logs in to rotate the others (with O(use_main_account)); at most one.
        type: bool
      initial_password:
        description:
          - The account's current password, stored by PrivX as its first secret version when the account starts
            rotating. Sent only then, never read back or returned; later runs do not compare it.
        type: str
notes:
  - This module talks to PrivX from where it runs; use it with C(delegate_to=localhost) or C(connection=local).
  - Declare the password policy and the script template first (M(privx.secrets.password_policy),
    M(privx.secrets.script_template)); the P(privx.secrets.managed_accounts#role) role does so in PrivX's order.
seealso:
  - module: privx.secrets.host_password_rotation_batch
  - module: privx.secrets.host_password_rotation_info
  - module: privx.secrets.script_template
  - module: privx.secrets.rotate
'''

EXAMPLES = r'''
- name: Root of web01 rotates monthly, through itself, starting from the password it has now
  privx.secrets.host_password_rotation:
    host: web01
    operating_system: LINUX
    password_policy: default
    script_template: linux-chpasswd
    accounts:
      - username: root
        initial_password: "{{ web01_root_password }}"
  delegate_to: localhost

- name: Rotation of app01 goes through its main account root, which rotates svc_app too
  privx.secrets.host_password_rotation:
    host: 10.0.1.10
    use_main_account: true
    accounts:
      - username: root
        use_for_password_rotation: true
      - username: svc_app
  delegate_to: localhost

- name: win01 no longer rotates
  privx.secrets.host_password_rotation:
    host: win01
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
host_password_rotation:
  description:
    - The host's rotation after the task (in check mode, as it would be), the policy and template by name, and each of
      its accounts with its flags and, for a rotating account, its last rotation and last error as read before the task.
  returned: always
  type: dict
  sample:
    id: 3d6c9a1e-2f4b-4c8d-9e7a-5b1c0d2e3f41
    common_name: app01
    addresses: [10.0.1.10, app01.example.com]
    password_rotation_enabled: true
    operating_system: LINUX
    protocol: SSH
    use_main_account: true
    winrm_address: ""
    winrm_port: 0
    certificate_validation_options: ""
    winrm_host_certificate_trust_anchors: ""
    password_policy: default
    script_template: linux-chpasswd
    accounts:
      - {username: root, rotate: true, use_for_password_rotation: true, last_rotated: "2026-01-01T00:00:00Z",
         last_error: "", last_error_details: ""}
      - {username: operator, rotate: false, use_for_password_rotation: false, last_rotated: "", last_error: "",
         last_error_details: ""}
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.host_rotation import Names, converge_host_rotation
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.hosts import Hosts, HostRotationRequest, host_rotation_entry_spec
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies
from ansible_collections.privx.secrets.plugins.module_utils.resources.script_templates import ScriptTemplates


def converge(module):
    request = HostRotationRequest(module.params)
    names = Names(PasswordPolicies(module.client), ScriptTemplates(module.client))
    return converge_host_rotation(Hosts(module.client), names, request, check_mode=module.check_mode)


def main():
    module = PrivXModule(argument_spec=host_rotation_entry_spec(), supports_check_mode=True)
    module.run(converge)


if __name__ == '__main__':
    main()
