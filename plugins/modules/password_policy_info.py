#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: password_policy_info
short_description: Read PrivX password policies
version_added: 0.2.0
description:
  - Reads every password policy of PrivX, or the one called O(name). Reads every page of the answer. Never changes anything.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.attributes.info_module
options:
  name:
    description: Return the policy with exactly this name (an empty list when there is none).
    type: str
seealso:
  - module: privx.secrets.password_policy
'''

EXAMPLES = r'''
- name: Every password policy
  privx.secrets.password_policy_info:
  delegate_to: localhost
  register: policies

- name: Their names
  ansible.builtin.debug:
    msg: "{{ policies.password_policies | map(attribute='name') | list }}"

- name: One policy
  privx.secrets.password_policy_info:
    name: corp-monthly
  delegate_to: localhost
  register: monthly
'''

RETURN = r'''
password_policies:
  description:
    - The policies, sorted by name, each with every field of a PrivX PasswordPolicy, as the RV(privx.secrets.password_policy#module:password_policy)
      that M(privx.secrets.password_policy) returns (durations as PrivX holds them, ISO-8601).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 3f1c77aa-221c-11ee-be56-0242ac120002, name: corp-monthly, rotation_interval: P30D, password_min_length: 16,
       password_max_length: 64, max_checkout_duration: PT12H, rotate_on_release: true, max_versions: 0}
    - {id: 9a0e1c2b-221c-11ee-be56-0242ac120002, name: service-accounts, rotation_interval: P90D, max_versions: 5,
       retry_interval: PT30M}
'''

from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies, returned_policy


def read(module):
    found = PasswordPolicies(module.client).read(module.params['name'])
    return {'changed': False, 'password_policies': [returned_policy(policy) for policy in found]}


def main():
    module = PrivXModule(argument_spec=dict(name=dict(type='str')), supports_check_mode=True)
    module.run(read)


if __name__ == '__main__':
    main()
