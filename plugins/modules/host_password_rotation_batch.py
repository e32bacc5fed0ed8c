#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: host_password_rotation_batch
short_description: Declare the password rotation of many PrivX hosts at once
version_added: 0.2.0
description:
  - Makes the password rotation of each host of a list match its entry, each entry taking the options of
    M(privx.secrets.host_password_rotation) and compared exactly as that module compares one host.
  - Reads the hosts together (one search for every common name, one search by address for the names no common name
    matched, one read per host named by id), and the password policies and script templates once for all hosts.
  - PrivX's host store has no batch write, so each host that changes is one PUT of the whole host (everything but the
    rotation fields sent back as read); hosts that already match get no call.
  - Every entry is checked before anything is sent; a host that is not in PrivX, an unknown policy or template, or an
    account a host does not have fails the task before any write.
  - When a write fails, the task fails saying which hosts were applied and which were not; when a write's answer never
    comes, which host's outcome is unknown (RV(unknown)). Running the task again converges the rest.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
attributes:
  check_mode:
    support: full
    details: Reads PrivX, sends no write, and returns the same lists a real run would.
  diff_mode:
    support: full
    details:
      - One diff per host that changes, headed by its common name, as M(privx.secrets.host_password_rotation) shows it.
        Initial passwords never appear.
options:
  hosts:
    description:
      - The hosts, each with the options of M(privx.secrets.host_password_rotation). A host may be listed once.
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description: The host, by its common name, one of its addresses, or its id.
        type: str
        required: true
      state:
        description: V(present) enables rotation with the entry's settings; V(absent) disables it and removes the settings.
        type: str
        choices: [present, absent]
        default: present
      operating_system:
        description: The host's operating system; required when rotation is enabled for the first time.
        type: str
        choices: [LINUX, WINDOWS]
      protocol:
        description: How PrivX connects to rotate (by default V(SSH) for V(LINUX), V(WINRM) for V(WINDOWS)).
        type: str
        choices: [SSH, WINRM]
      use_main_account:
        description: Rotate every account through the account marked C(use_for_password_rotation).
        type: bool
      winrm_address:
        description: Address of the WinRM service.
        type: str
      winrm_port:
        description: Port of the WinRM service.
        type: int
      certificate_validation_options:
        description: Whether PrivX validates the WinRM certificate.
        type: str
        choices: [DISABLED, ENABLED]
      winrm_host_certificate_trust_anchors:
        description: PEM certificates trusted for the WinRM service.
        type: str
      password_policy:
        description: Name of the password policy; required when rotation is enabled for the first time.
        type: str
      script_template:
        description: Name of the script template; required when rotation is enabled for the first time.
        type: str
      accounts:
        description: The host's accounts whose rotation the entry declares; others stay as they are.
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
            description: The main account (at most one per host).
            type: bool
          initial_password:
            description: The account's current password, sent only when the account starts rotating; never returned.
            type: str
notes:
  - This module talks to PrivX from where it runs; use it with C(delegate_to=localhost) or C(connection=local).
seealso:
  - module: privx.secrets.host_password_rotation
  - module: privx.secrets.host_password_rotation_info
'''

EXAMPLES = r'''
- name: Root of web01 starts rotating, app01 rotates through root, win01 no longer rotates
  privx.secrets.host_password_rotation_batch:
    hosts:
      - host: web01
        operating_system: LINUX
        password_policy: default
        script_template: linux-chpasswd
        accounts:
          - username: root
            initial_password: "{{ web01_root_password }}"
      - host: 10.0.1.10
        use_main_account: true
        accounts:
          - username: root
            use_for_password_rotation: true
          - username: svc_app
      - host: win01
        state: absent
  delegate_to: localhost
'''

RETURN = r'''
created:
  description: Common names of the hosts whose rotation was enabled (in check mode, would be).
  returned: always
  type: list
  elements: str
  sample: [web01]
updated:
  description: Common names of the hosts whose rotation settings or accounts changed.
  returned: always
  type: list
  elements: str
  sample: [app01]
deleted:
  description: Common names of the hosts whose rotation was disabled.
  returned: always
  type: list
  elements: str
  sample: [db01]
host_password_rotations:
  description:
    - Each listed host's rotation after the task (in check mode, as it would be), in the order of O(hosts), as
      M(privx.secrets.host_password_rotation) returns one.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 3d6c9a1e-2f4b-4c8d-9e7a-5b1c0d2e3f41
      common_name: web01
      addresses: [10.0.1.5]
      password_rotation_enabled: true
      operating_system: LINUX
      protocol: SSH
      use_main_account: false
      winrm_address: ""
      winrm_port: 0
      certificate_validation_options: ""
      winrm_host_certificate_trust_anchors: ""
      password_policy: default
      script_template: linux-chpasswd
      accounts:
        - {username: root, rotate: true, use_for_password_rotation: false, last_rotated: "", last_error: "", last_error_details: ""}
applied:
  description: When a host's write failed, the common names written before it, by outcome.
  returned: on failure of a write
  type: dict
  sample: {created: [web01, web02], updated: [], deleted: []}
not_applied:
  description: When a host's write failed, the common names not written, by outcome.
  returned: on failure of a write
  type: dict
  sample: {created: [web03], updated: [], deleted: [db01]}
unknown:
  description:
    - When a host's write got no answer (a timeout, a dropped connection, a gateway's 502 or 504), its common name, by
      outcome. PrivX may or may not have applied it; running the task again reads PrivX and converges.
  returned: on failure of a write whose outcome is unknown
  type: dict
  sample: {created: [web03], updated: [], deleted: []}
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.host_rotation import Names
from ansible_collections.privx.secrets.plugins.module_utils.converge.host_rotation_batch import HostBatchRequest, converge_host_rotation_batch
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.hosts import Hosts, host_rotation_entry_spec
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies
from ansible_collections.privx.secrets.plugins.module_utils.resources.script_templates import ScriptTemplates


def converge(module):
    request = HostBatchRequest(module.params['hosts'])
    names = Names(PasswordPolicies(module.client), ScriptTemplates(module.client))
    return converge_host_rotation_batch(Hosts(module.client), names, request, check_mode=module.check_mode)


def main():
    argument_spec = dict(hosts=dict(type='list', elements='dict', required=True, options=host_rotation_entry_spec()))
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(converge)


if __name__ == '__main__':
    main()
