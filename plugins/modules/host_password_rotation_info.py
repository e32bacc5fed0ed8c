#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: host_password_rotation_info
short_description: Read the password rotation of PrivX hosts and their accounts' last rotation
version_added: 0.2.0
description:
  - Reads the hosts of PrivX's host store whose password rotation is enabled (or one host, by O(host)), with their rotation
    settings and each account's last rotation and last error. Never changes anything.
  - Reads the whole host store in pages of 1000 hosts, so a thousand hosts cost one call.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.attributes.info_module
options:
  host:
    description: Only this host, by common name, address or id (an empty list when there is none), whether it rotates or not.
    type: str
seealso:
  - module: privx.secrets.host_password_rotation
  - module: privx.secrets.rotate
'''

EXAMPLES = r'''
- name: Every host with rotation
  privx.secrets.host_password_rotation_info:
  delegate_to: localhost
  register: rotating

- name: Accounts whose last rotation failed, with PrivX's reason
  ansible.builtin.debug:
    msg: "{{ item.0.common_name }}/{{ item.1.username }}: {{ item.1.last_error_details }}"
  loop: "{{ rotating.hosts | subelements('accounts') }}"
  loop_control:
    label: "{{ item.0.common_name }}/{{ item.1.username }}"
  when: item.1.last_error != ''

- name: One host
  privx.secrets.host_password_rotation_info:
    host: app01
  delegate_to: localhost
'''

RETURN = r'''
hosts:
  description:
    - The hosts, sorted by common name, each as the RV(privx.secrets.host_password_rotation#module:host_password_rotation)
      that M(privx.secrets.host_password_rotation) returns.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 3d6c9a1e-2f4b-4c8d-9e7a-5b1c0d2e3f41
      common_name: app01
      password_rotation_enabled: true
      password_policy: default
      script_template: linux-chpasswd
      accounts:
        - {username: root, rotate: true, last_rotated: "2026-01-01T00:00:00Z", last_error: "", last_error_details: ""}
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.host_rotation import Names
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import checked_name
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.hosts import Hosts, returned_host_rotation
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies
from ansible_collections.privx.secrets.plugins.module_utils.resources.script_templates import ScriptTemplates


def read(module):
    hosts = Hosts(module.client)
    if module.params['host'] is not None:
        found = [host for host in [hosts.find(checked_name(module.params['host'], 'host'))] if host]
    else:
        found = [host for host in hosts.read() if host.get('password_rotation_enabled')]
    names = Names(PasswordPolicies(module.client), ScriptTemplates(module.client))
    views = [returned_host_rotation(host, names.name) for host in found]
    return {'changed': False, 'hosts': sorted(views, key=lambda view: view['common_name'])}


def main():
    module = PrivXModule(argument_spec=dict(host=dict(type='str')), supports_check_mode=True)
    module.run(read)


if __name__ == '__main__':
    main()
