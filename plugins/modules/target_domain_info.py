#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: target_domain_info
short_description: Read PrivX Secrets Manager target domains, their scan status and their scanned accounts
version_added: 0.2.0
description:
  - Reads all target domains, or one by O(name) or O(id), with the status of their latest scan.
  - With O(scanned_accounts), adds the accounts each domain's scans found.
  - Never returns a bind password or client secret (PrivX never answers them).
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.attributes.info_module
options:
  name:
    description: Name of the domain, compared exactly. No match gives an empty list.
    type: str
  id:
    description: ID of the domain. An unknown ID gives an empty list.
    type: str
  scanned_accounts:
    description: Add each domain's scanned accounts under its key C(scanned_accounts) (one more call per domain).
    type: bool
    default: false
notes:
  - O(name) and O(id) are mutually exclusive; without either, every domain is returned.
seealso:
  - module: privx.secrets.target_domain
  - module: privx.secrets.scanned_account
'''

EXAMPLES = r'''
# Connection options come from the PRIVX_* environment variables (or module_defaults for group/privx.secrets.privx).
- name: Read every target domain
  privx.secrets.target_domain_info:
  delegate_to: localhost
  register: domains

- name: List the domains whose latest scan failed
  ansible.builtin.debug:
    msg: "{{ domains.target_domains | selectattr('scan_status', 'equalto', 'ERROR') | map(attribute='name') | list }}"

- name: Read one domain with its scanned accounts
  privx.secrets.target_domain_info:
    name: corp.example.com
    scanned_accounts: true
  delegate_to: localhost
  register: corp
'''

RETURN = r'''
target_domains:
  description:
    - The domains found, as PrivX holds them (see RV(privx.secrets.target_domain#module:target_domain)), without any secret.
    - With O(scanned_accounts), each has a C(scanned_accounts) list.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0c5a8f7e-221c-11ee-be56-0242ac120002
      name: corp.example.com
      enabled: true
      scan_status: SUCCESS
      last_scanned: "2026-12-01T12:00:05Z"
      endpoints: [{type: AD, scan_priority: 0, rotation_priority: 0, ldap_address: dc1.corp.example.com}]
      scanned_accounts:
        - {id: 5bf77342-221c-11ee-be56-0242ac120002, username: alice, email: alice@corp.example.com, state: NEW,
           ignored: false, comment: ""}
'''

from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.target_domains import TargetDomains, returned_domains


def read(module):
    params = module.params
    found = returned_domains(TargetDomains(module.client), name=params['name'], domain_id=params['id'],
                             scanned_accounts=params['scanned_accounts'])
    return {'changed': False, 'target_domains': found}


def main():
    argument_spec = dict(
        name=dict(type='str'),
        id=dict(type='str'),
        scanned_accounts=dict(type='bool', default=False),
    )
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True, mutually_exclusive=[('name', 'id')])
    module.run(read)


if __name__ == '__main__':
    main()
