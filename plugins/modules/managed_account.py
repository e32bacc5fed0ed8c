#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: managed_account
short_description: Declare one managed account of a PrivX target domain
version_added: 0.1.0
description:
  - Makes one managed account of a PrivX target domain match what the task declares, or removes it.
  - Only the fields the task names are compared and changed; PrivX keeps every other field as it is.
  - A second run with the same declaration reports no change and makes no write.
  - The account's secret is never read back. O(password) is stored when the account is created,
    and on later runs only with O(update_password=always).
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.target_domain
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The password is never shown; the diff only says that a new one would be stored.
options:
  username:
    description:
      - Username of the account, as the target domain holds it (PrivX treats usernames that differ only in case as one).
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the managed account, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  email:
    description: E-mail address of the account.
    type: str
  full_name:
    description: Full name of the account's owner.
    type: str
  sam_account_name:
    description: SAM account name (Active Directory).
    type: str
  source_id:
    description: ID of the account in its source directory.
    type: str
  security_id:
    description: Security identifier (SID) of the account.
    type: str
  additional_data:
    description:
      - Free-form data stored with the account; compared as a whole.
      - PrivX keeps it as text, so every value must be a string (quote numbers and booleans).
    type: dict
  password_policy:
    description:
      - Name of the password policy that governs rotation and checkouts.
      - V("") removes the policy from the account.
    type: str
  enabled:
    description:
      - Whether PrivX manages the account. A new account is enabled unless this says otherwise.
    type: bool
  rotation_enabled:
    description:
      - Whether PrivX rotates the password. A new account has rotation enabled unless this says otherwise.
    type: bool
  explicit_checkout:
    description:
      - Whether users may check the password out. A new account does not allow it unless this says so.
    type: bool
  account_state:
    description:
      - PrivX's own C(state) field of the account. A new account is V(MANAGED).
    type: str
    choices: [MANAGED, UNMANAGED, NEW, REMOVED]
  comment:
    description: Comment shown with the account.
    type: str
  disable_rdp_cert_auth:
    description: Whether to disable RDP certificate authentication for the account.
    type: bool
  password:
    description:
      - Password to store as the account's secret.
      - Stored when the account is created; on an existing account only with O(update_password=always).
    type: str
  update_password:
    description:
      - V(on_create) stores O(password) only when the account is created.
      - V(always) stores it as a new secret version on every run (and so always reports a change).
      - PrivX's secret is never read back to compare it, since every read of a secret is an audited access.
    type: str
    choices: [always, on_create]
    default: on_create
  rotate:
    description:
      - Ask PrivX to rotate the password once, right after it creates the account. Has no effect on an existing account.
      - With O(state=absent) the task fails before any call.
    type: bool
    default: false
notes:
  - This module talks to PrivX from where it runs; use it with C(delegate_to=localhost) or C(connection=local).
  - "The same task on several hosts at once (forks) may race to create the account: PrivX creates it once and refuses
    the others as duplicates. Those tasks read the account back and converge with it, so every host succeeds and only
    the creating one reports a change (its password and first rotation are the ones PrivX keeps)."
seealso:
  - module: privx.secrets.managed_account_batch
  - module: privx.secrets.managed_account_info
'''

EXAMPLES = r'''
- name: PrivX manages the database administrator of the corp domain
  privx.secrets.managed_account:
    url: "{{ privx_url }}"   # https://privx.example.com, say
    client_id: "{{ privx_client_id }}"
    client_secret: "{{ privx_client_secret }}"
    oauth_client_secret: "{{ privx_oauth_client_secret }}"
    target_domain: corp.example.com
    username: db_admin
    password_policy: thirty-days
    explicit_checkout: true
    comment: Owned by the DBA team
    password: "{{ initial_db_admin_password }}"
    rotate: true
  delegate_to: localhost

- name: Connection options once for the play, through the action group
  module_defaults:
    group/privx.secrets.privx:
      url: "{{ privx_url }}"
  block:
    - name: Stop managing a retired account
      privx.secrets.managed_account:
        target_domain: corp.example.com
        username: old_service
        state: absent
      delegate_to: localhost
'''

RETURN = r'''
created:
  description:
    - The username of the managed account when the task created it (in check mode, would create it); empty otherwise.
    - The result's C(msg) says in one line what the task did; the managed_accounts role sums these lists up per level.
  returned: success
  type: list
  elements: str
  sample: [db_admin]
updated:
  description:
    - The username of the managed account when the task updated it (in check mode, would update it); empty otherwise.
  returned: success
  type: list
  elements: str
  sample: [db_admin]
deleted:
  description:
    - The username of the managed account when the task deleted it (in check mode, would delete it); empty otherwise.
  returned: success
  type: list
  elements: str
  sample: [db_admin]
managed_account:
  description:
    - The managed account as PrivX holds it after the task (in check mode, as PrivX would hold it).
    - Empty after O(state=absent). Never contains a secret (checkout records are returned without their secrets).
  returned: always
  type: dict
  sample:
    id: 5bf77342-221c-11ee-be56-0242ac120002
    username: db_admin
    email: db_admin@example.com
    target_domain: {id: 0c5a8f7e-221c-11ee-be56-0242ac120002, name: corp.example.com}
    password_policy: {id: 3f1c77aa-221c-11ee-be56-0242ac120002, name: thirty-days}
    enabled: true
    rotation_enabled: true
    explicit_checkout: true
    state: MANAGED
    comment: Owned by the DBA team
    locked: false
    rotation_history: []
password_version:
  description: Secret version PrivX stored for O(password) on an existing account (O(update_password=always)).
  returned: when a password was stored on an existing account, not in check mode
  type: int
  sample: 4
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.account import AccountRequest, converge_account
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import resolve_target_domain
from ansible_collections.privx.secrets.plugins.module_utils.resources.managed_accounts import ManagedAccounts, account_options_spec, desired_account
from ansible_collections.privx.secrets.plugins.module_utils.resources.scanned_accounts import checked_username


def converge(module):
    params = module.params
    request = AccountRequest(checked_username(params['username']), desired_account(params), password=params['password'],
                             update_password=params['update_password'], rotate=params['rotate'])
    domain_accounts = ManagedAccounts(module.client, resolve_target_domain(module.client, params['target_domain']))
    return converge_account(domain_accounts, request, state=params['state'], check_mode=module.check_mode)


def main():
    argument_spec = dict(
        target_domain=dict(type='str', required=True),
        username=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        password=dict(type='str', no_log=True),
        update_password=dict(type='str', choices=['always', 'on_create'], default='on_create', no_log=False),
        rotate=dict(type='bool', default=False),
    )
    argument_spec.update(account_options_spec())
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True, contradictions=[('rotate', True, 'state', 'absent')])
    module.run(converge)


if __name__ == '__main__':
    main()
