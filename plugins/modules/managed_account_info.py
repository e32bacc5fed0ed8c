#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: managed_account_info
short_description: Read managed accounts of a PrivX target domain
version_added: 0.1.0
description:
  - Reads managed accounts of one target domain by O(username), by O(id), or by a search; without any of these, all of them.
  - Reads every page of the answer. Never changes anything.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.target_domain
  - privx.secrets.attributes.info_module
options:
  username:
    description: Return the account with exactly this username (an empty list when there is none).
    type: str
  id:
    description: Return the account with this ID (an empty list when there is none).
    type: str
  keywords:
    description: Search keywords, separated by spaces or commas; each must match the username, e-mail, full name or comment.
    type: str
  created_after:
    description: Only accounts created after this date or date-time (V(2026-01-31) or V(2026-01-31T12:00:00Z)).
    type: str
  created_before:
    description: Only accounts created before this date or date-time.
    type: str
  updated_after:
    description: Only accounts updated after this date or date-time.
    type: str
  updated_before:
    description: Only accounts updated before this date or date-time.
    type: str
  explicit_checkout:
    description: Only accounts that do (V(true)) or do not (V(false)) allow explicit checkout.
    type: bool
notes:
  - O(username), O(id) and the search options (O(keywords), O(created_after), ...) exclude each other.
seealso:
  - module: privx.secrets.managed_account
'''

EXAMPLES = r'''
- name: Accounts of the corp domain that users may check out
  privx.secrets.managed_account_info:
    target_domain: corp.example.com
    explicit_checkout: true
  delegate_to: localhost
  register: checkout_accounts

- name: One account by username
  privx.secrets.managed_account_info:
    target_domain: corp.example.com
    username: db_admin
  delegate_to: localhost
  register: db_admin
'''

RETURN = r'''
managed_accounts:
  description: The managed accounts found, without any secret (checkout records come without their secrets).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 5bf77342-221c-11ee-be56-0242ac120002
      username: db_admin
      target_domain: {id: 0c5a8f7e-221c-11ee-be56-0242ac120002, name: corp.example.com}
      enabled: true
      rotation_enabled: true
      explicit_checkout: true
      state: MANAGED
      rotation_history:
        - {version: 3, rotated: "2026-11-01T02:00:00Z", trigger: PERIODIC, status: SUCCESS}
'''

from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import resolve_target_domain
from ansible_collections.privx.secrets.plugins.module_utils.resources.managed_accounts import SEARCH_OPTIONS, ManagedAccounts, returned_account, search_criteria


def read(module):
    params = module.params
    domain_accounts = ManagedAccounts(module.client, resolve_target_domain(module.client, params['target_domain']))
    found = domain_accounts.read(username=params['username'], account_id=params['id'], criteria=search_criteria(params))
    return {'changed': False, 'managed_accounts': [returned_account(account) for account in found]}


def main():
    argument_spec = dict(
        target_domain=dict(type='str', required=True),
        username=dict(type='str'),
        id=dict(type='str'),
        keywords=dict(type='str', no_log=False),
        created_after=dict(type='str'),
        created_before=dict(type='str'),
        updated_after=dict(type='str'),
        updated_before=dict(type='str'),
        explicit_checkout=dict(type='bool'),
    )
    module = PrivXModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[('username', 'id')] + [(selector, option) for selector in ('username', 'id') for option in SEARCH_OPTIONS],
    )
    module.run(read)


if __name__ == '__main__':
    main()
