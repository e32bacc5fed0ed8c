#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: managed_account_batch
short_description: Declare many managed accounts of one PrivX target domain at once
version_added: 0.1.0
description:
  - Makes the managed accounts of one target domain match a list, in a handful of calls to PrivX's batch endpoints.
  - Reads the domain's managed accounts once (and its scanned accounts once, when something must be created), then
    sends batch create calls grouped by the settings the new accounts share, batch edit calls grouped by identical changes,
    and batch delete calls, each in chunks of O(batch_size).
  - Fields that batch calls cannot carry (for example O(accounts[].email) or O(accounts[].full_name)) are set with one
    update per account, and only where they differ.
  - Compares and changes only the fields each list entry names, the same way M(privx.secrets.managed_account) does.
  - When a chunk fails, the task fails saying which chunk and which usernames were and were not applied; running it
    again converges the rest.
  - When a chunk's answer never comes, the task fails saying that whether its usernames were applied is unknown
    (RV(unknown)) and reports a change, since PrivX may have applied it.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.target_domain
  - privx.secrets.target_domain.batch_size
attributes:
  check_mode:
    support: full
    details: Reads PrivX, sends no write, and returns the same lists a real run would.
  diff_mode:
    support: full
options:
  accounts:
    description:
      - The accounts, each a username plus any of the managed account fields.
      - A new account must exist among the domain's scanned accounts; PrivX creates it from that account.
      - A username that is neither managed nor scanned fails the task before anything is sent.
    type: list
    elements: dict
    required: true
    suboptions:
      username:
        description: Username, as the target domain holds it.
        type: str
        required: true
      email:
        description: E-mail address (set with a single update per account).
        type: str
      full_name:
        description: Full name (set with a single update per account).
        type: str
      sam_account_name:
        description: SAM account name (set with a single update per account).
        type: str
      source_id:
        description: ID in the source directory (set with a single update per account).
        type: str
      security_id:
        description: Security identifier (set with a single update per account).
        type: str
      additional_data:
        description: Free-form data (set with a single update per account); every value must be a string, as PrivX keeps it as text.
        type: dict
      password_policy:
        description: Name of the password policy; V("") removes it.
        type: str
      enabled:
        description: Whether PrivX manages the account. New accounts are enabled unless this says otherwise.
        type: bool
      rotation_enabled:
        description: Whether PrivX rotates the password. New accounts have it enabled unless this says otherwise.
        type: bool
      explicit_checkout:
        description: Whether users may check the password out. New accounts do not allow it unless this says so.
        type: bool
      account_state:
        description: PrivX's own C(state) field (set with a single update per account).
        type: str
        choices: [MANAGED, UNMANAGED, NEW, REMOVED]
      comment:
        description: Comment shown with the account.
        type: str
      disable_rdp_cert_auth:
        description: Whether to disable RDP certificate authentication.
        type: bool
  state:
    description:
      - V(present) creates and updates the listed accounts; V(absent) deletes those of them that are managed.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), also delete the domain's managed accounts that O(accounts) does not list.
      - With O(state=absent) the task fails before any call, as the two contradict each other.
    type: bool
    default: false
  allow_delete_all:
    description:
      - Allow a change that deletes every managed account of the domain.
      - Without it, a task whose O(exclusive) or O(state=absent) would leave the domain with no managed account fails
        before anything is sent, because a misspelt or empty O(accounts) list would otherwise wipe the domain and
        PrivX loses the secret history of every deleted managed account.
    type: bool
    default: false
  rotate:
    description:
      - Ask PrivX to rotate the password of each account this task creates, once, right after creating it.
      - With O(state=absent) the task fails before any call.
    type: bool
    default: false
seealso:
  - module: privx.secrets.managed_account
'''

EXAMPLES = r'''
- name: PrivX manages the Linux service accounts, and no others
  privx.secrets.managed_account_batch:
    target_domain: linux-fleet
    exclusive: true
    rotate: true
    accounts: "{{ service_accounts }}"   # [{username: svc_deploy}, {username: svc_monitor, comment: ...}]
  delegate_to: localhost

- name: Explicit settings per account
  privx.secrets.managed_account_batch:
    target_domain: corp.example.com
    accounts:
      - username: db_admin
        password_policy: thirty-days
        explicit_checkout: true
      - username: backup_operator
        comment: Night-time backups
        full_name: Backup Operator
  delegate_to: localhost

- name: Stop managing two accounts
  privx.secrets.managed_account_batch:
    target_domain: corp.example.com
    state: absent
    accounts:
      - username: old_service
      - username: test_user
  delegate_to: localhost
'''

RETURN = r'''
created:
  description: Usernames of the accounts created (in check mode, that would be created).
  returned: always
  type: list
  elements: str
  sample: [db_admin, backup_operator]
updated:
  description: Usernames of the accounts whose fields were changed.
  returned: always
  type: list
  elements: str
  sample: [app_admin]
deleted:
  description: Usernames of the accounts deleted.
  returned: always
  type: list
  elements: str
  sample: [old_service]
rotated:
  description: Usernames of the new accounts PrivX was asked to rotate.
  returned: always
  type: list
  elements: str
  sample: [db_admin]
applied:
  description: When a batch call failed, the usernames applied before it, by outcome.
  returned: on failure of a batch call
  type: dict
  sample: {created: [user00001, user00002], updated: [], deleted: []}
not_applied:
  description: When a batch call failed, the usernames not applied, by outcome.
  returned: on failure of a batch call
  type: dict
  sample: {created: [user00501], updated: [], deleted: []}
unknown:
  description:
    - When a batch call got no answer (a timeout, a dropped connection, a gateway's 502 or 504), the usernames it carried,
      by outcome. PrivX may or may not have applied them; running the task again reads PrivX and converges.
  returned: on failure of a batch call whose outcome is unknown
  type: dict
  sample: {created: [user00501, user00502], updated: [], deleted: []}
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.batch import BatchRequest, converge_batch
from ansible_collections.privx.secrets.plugins.module_utils.converge.chunked import DEFAULT_BATCH_SIZE
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import resolve_target_domain
from ansible_collections.privx.secrets.plugins.module_utils.resources.managed_accounts import ManagedAccounts, account_options_spec


def converge(module):
    params = module.params
    request = BatchRequest(params['accounts'], state=params['state'], exclusive=params['exclusive'], rotate=params['rotate'],
                           allow_delete_all=params['allow_delete_all'], batch_size=params['batch_size'])
    domain_accounts = ManagedAccounts(module.client, resolve_target_domain(module.client, params['target_domain']))
    return converge_batch(domain_accounts, request, check_mode=module.check_mode)


def main():
    account_spec = dict(username=dict(type='str', required=True))
    account_spec.update(account_options_spec())
    argument_spec = dict(
        target_domain=dict(type='str', required=True),
        accounts=dict(type='list', elements='dict', required=True, options=account_spec),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        exclusive=dict(type='bool', default=False),
        allow_delete_all=dict(type='bool', default=False),
        rotate=dict(type='bool', default=False),
        batch_size=dict(type='int', default=DEFAULT_BATCH_SIZE),
    )
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True,
                         contradictions=[('exclusive', True, 'state', 'absent'), ('rotate', True, 'state', 'absent')])
    module.run(converge)


if __name__ == '__main__':
    main()
