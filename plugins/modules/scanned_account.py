#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: scanned_account
short_description: Mark accounts that PrivX's scans found as ignored or not, with a comment
version_added: 0.2.0
description:
  - Sets O(ignored) and/or O(comment) on the scanned accounts of a target domain named by O(usernames), through PrivX's
    batch edit.
  - Only the accounts whose values differ are changed, so a second run reports no change and makes no write.
  - Every username must be a scanned account of the domain; otherwise the task fails naming the unknown ones, before any write.
  - The accounts go to the batch edit in chunks. When a chunk fails, the task fails saying which usernames were and were
    not edited (RV(applied), RV(not_applied)); when its answer never comes, whether they were edited is unknown
    (RV(unknown)) and the task reports a change. Running it again converges the rest.
  - A scanned account is what the directory holds; to manage its password, declare it with M(privx.secrets.managed_account).
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
    details: Reports the accounts that would change; sends no batch edit.
  diff_mode:
    support: full
    details: The diff holds, per changed account, its values before and after.
options:
  usernames:
    description: Usernames of the scanned accounts (PrivX treats usernames that differ only in case as one).
    type: list
    elements: str
    required: true
  ignored:
    description: Whether PrivX ignores the accounts (they are not offered for onboarding).
    type: bool
  comment:
    description: Comment on the accounts. V("") removes it.
    type: str
notes:
  - At least one of O(ignored) and O(comment) is required.
seealso:
  - module: privx.secrets.target_domain_info
  - module: privx.secrets.target_domain
'''

EXAMPLES = r'''
# Connection options come from the PRIVX_* environment variables (or module_defaults for group/privx.secrets.privx).
- name: Ignore the built-in accounts that the AD scan found
  privx.secrets.scanned_account:
    target_domain: corp.example.com
    usernames: [alice, bob]
    ignored: true
    comment: Personal accounts, not managed by PrivX
  delegate_to: localhost
'''

RETURN = r'''
changed_accounts:
  description: Usernames of the accounts that were changed (in check mode, would be changed).
  returned: always
  type: list
  elements: str
  sample: [alice, bob]
applied:
  description: When a batch edit failed, the usernames edited before it (under C(edited)).
  returned: on failure of a batch edit
  type: dict
  sample: {edited: [alice]}
not_applied:
  description: When a batch edit failed, the usernames not edited (under C(edited)).
  returned: on failure of a batch edit
  type: dict
  sample: {edited: [bob]}
unknown:
  description:
    - When a batch edit got no answer (a timeout, a dropped connection, a gateway's 502 or 504), the usernames it carried
      (under C(edited)). PrivX may or may not have applied them; running the task again reads PrivX and converges.
  returned: on failure of a batch edit whose outcome is unknown
  type: dict
  sample: {edited: [bob]}
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.scanned_accounts import ScannedAccountRequest, converge_scanned_accounts
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import resolve_target_domain


def converge(module):
    params = module.params
    request = ScannedAccountRequest(params['usernames'], ignored=params['ignored'], comment=params['comment'])
    domain = resolve_target_domain(module.client, params['target_domain'])
    return converge_scanned_accounts(module.client, domain, request, check_mode=module.check_mode)


def main():
    argument_spec = dict(
        target_domain=dict(type='str', required=True),
        usernames=dict(type='list', elements='str', required=True),
        ignored=dict(type='bool'),
        comment=dict(type='str'),
    )
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True, required_one_of=[('ignored', 'comment')])
    module.run(converge)


if __name__ == '__main__':
    main()
