#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: account_secret_info
short_description: List the PrivX account secrets this API client may check out
version_added: 0.1.0
description:
  - Lists the account secrets the API client may check out, or searches them by O(keywords), O(username) or O(host_id).
  - Returns their paths and metadata, never a secret value. Use a path with the P(privx.secrets.checkout#lookup) lookup.
  - Reads every page of the answer. Never changes anything.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.attributes.info_module
options:
  keywords:
    description: Search keywords, separated by spaces or commas.
    type: str
  username:
    description: Only secrets of accounts with exactly this username.
    type: str
  host_id:
    description: Only secrets of accounts on the host with this ID.
    type: str
seealso:
  - plugin: privx.secrets.checkout
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Every secret the deployment client may check out
  privx.secrets.account_secret_info:
  delegate_to: localhost
  register: secrets

- name: Paths of the app_admin accounts
  ansible.builtin.debug:
    msg: "{{ secrets.account_secrets | selectattr('username', 'equalto', 'app_admin') | map(attribute='path') }}"
'''

RETURN = r'''
account_secrets:
  description: The account secrets found (metadata only).
  returned: always
  type: list
  elements: dict
  sample:
    - path: corp.example.com/db_admin
      type: TARGET_DOMAIN_SECRET
      username: db_admin
      email: db_admin@example.com
      target_domain: {id: 0c5a8f7e-221c-11ee-be56-0242ac120002, name: corp.example.com, deleted: false}
      created: "2026-11-01T02:00:00Z"
      updated: "2026-11-01T02:00:00Z"
'''

from ansible_collections.privx.secrets.plugins.module_utils.core.secrets import AccountSecrets
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule


def read(module):
    params = module.params
    found = AccountSecrets(module.client).find(keywords=params['keywords'], username=params['username'], host_id=params['host_id'])
    return {'changed': False, 'account_secrets': found}


def main():
    argument_spec = dict(
        keywords=dict(type='str', no_log=False),
        username=dict(type='str'),
        host_id=dict(type='str'),
    )
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(read)


if __name__ == '__main__':
    main()
