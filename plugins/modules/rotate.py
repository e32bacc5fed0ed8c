#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: rotate
short_description: Rotate the passwords of PrivX managed accounts or host accounts, waiting for PrivX to finish
version_added: 0.1.0
description:
  - Asks PrivX to rotate the passwords of some (O(usernames)) or all (O(all)) managed accounts of a target domain.
  - With O(older_than), only accounts whose newest successful rotation is older than that (or that were never
    rotated) are rotated, so a schedule that runs more often than the interval rotates each account once per interval.
  - Skips accounts that are locked (a rotation is already running), disabled, or have rotation disabled, and says why.
  - One account is rotated with the single endpoint, several with batch rotate calls.
  - With O(wait), polls PrivX (one list of the domain per poll, backing off) until every rotation has finished, and reports
    the previous and new secret version and PrivX's status of each. The task fails when any rotation ended in error
    (V(ERROR), V(MAX_ROTATION_RETRIES_ERROR)), did not end within O(wait_timeout) (V(TIMEOUT)), or lost its account
    while it ran (V(DELETED)), after reporting all of them.
  - With O(host) instead of O(target_domain), rotates accounts of a host whose password rotation is enabled
    (M(privx.secrets.host_password_rotation)); O(older_than) compares each account's C(last_rotated); accounts that do not
    rotate are skipped; each account is one call (PrivX has no batch call for hosts); waiting polls the host (one read per
    poll). A failure is reported with PrivX's C(last_error_details), and fails the task after every account is reported.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.target_domain.batch_size
attributes:
  check_mode:
    support: full
    details: Reports what would be rotated and sends nothing.
  diff_mode:
    support: none
options:
  target_domain:
    description:
      - Name or ID of the target domain whose managed accounts rotate.
      - A name is looked up once per task (an exact match first, then one that differs only in letter case); an ID saves that call.
    type: str
  host:
    description:
      - A host of PrivX's host store, by common name, address or id, whose accounts rotate.
    type: str
  usernames:
    description:
      - Usernames of the accounts to rotate. Each must be a managed account of the domain, or an account of the host.
    type: list
    elements: str
  all:
    description: Rotate every managed account of the domain, or every rotating account of the host.
    type: bool
    default: false
  older_than:
    description:
      - Only rotate accounts whose newest successful rotation is older than this, or that have none.
      - A number and a unit, V(s), V(m), V(h), V(d) or V(w), for example V(90m), V(12h), V(30d).
    type: str
  wait:
    description: Wait until PrivX has finished every rotation and report how each ended.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the rotations to finish; rotations still running then are reported as V(TIMEOUT).
    type: int
    default: 300
notes:
  - Exactly one of O(target_domain) and O(host) is required, and exactly one of O(usernames) and O(all=true).
  - For scheduled rotation from AWX, the C(privx.secrets.rotation) role and the C(privx.secrets.rotate) playbook wrap this module.
seealso:
  - module: privx.secrets.managed_account_info
'''

EXAMPLES = r'''
- name: Rotate every account of the corp domain not rotated in 30 days, and wait
  privx.secrets.rotate:
    target_domain: corp.example.com
    all: true
    older_than: 30d
  delegate_to: localhost
  register: rotation

- name: Rotate root of web01 when its last rotation is older than 30 days, and wait
  privx.secrets.rotate:
    host: web01
    usernames: [root]
    older_than: 30d
  delegate_to: localhost

- name: Rotate two accounts now, without waiting
  privx.secrets.rotate:
    target_domain: corp.example.com
    usernames: [db_admin, backup_operator]
    wait: false
  delegate_to: localhost
'''

RETURN = r'''
rotated:
  description:
    - One entry per account whose rotation was started (in check mode, would be started).
    - O(wait=false) leaves C(status) V(STARTED); check mode says V(WOULD_ROTATE).
  returned: always
  type: list
  elements: dict
  contains:
    username:
      description: Username of the account.
      type: str
    id:
      description: ID of the managed account.
      type: str
    previous_version:
      description: Secret version before the rotation, when PrivX's history tells it.
      type: int
    new_version:
      description: Secret version the rotation created (only for V(SUCCESS)).
      type: int
    status:
      description:
        - V(SUCCESS), V(ERROR), V(MAX_ROTATION_RETRIES_ERROR), V(TIMEOUT), V(DELETED), V(STARTED) or V(WOULD_ROTATE).
        - V(DELETED) means the account was deleted while its rotation ran (PrivX no longer lists it).
        - V(ERROR), V(MAX_ROTATION_RETRIES_ERROR), V(TIMEOUT) and V(DELETED) fail the task.
      type: str
    rotated:
      description: When PrivX finished the rotation.
      type: str
    host:
      description: Common name of the host (only with O(host)).
      type: str
    last_error:
      description: When the rotation failed (only with O(host); empty unless V(ERROR)).
      type: str
    last_error_details:
      description: PrivX's reason for a failed rotation (only with O(host)).
      type: str
  sample:
    - {username: db_admin, id: 5bf77342-221c-11ee-be56-0242ac120002, previous_version: 3, new_version: 4,
       status: SUCCESS, rotated: "2026-11-23T02:00:05Z"}
    - {username: root, host: app01, status: ERROR, rotated: null, last_error: "2026-11-23T02:00:05Z",
       last_error_details: "ssh: handshake failed: ssh: unable to authenticate"}
elapsed:
  description:
    - Seconds the task waited for the rotations to finish (0 without O(wait), in check mode, or when nothing was due).
    - "While it waits on the controller, the task shows how it goes after each poll, at default verbosity
      (C(waiting for 3 rotation(s) in target domain 'corp.example.com': 40 s, 2 still running))."
  returned: success
  type: float
  sample: 12.5
  version_added: 0.2.0
skipped_accounts:
  description:
    - Accounts not rotated, each with the reason.
    - Named C(skipped_accounts) because Ansible reserves a result's C(skipped) key for tasks that did not run.
  returned: always
  type: list
  elements: dict
  sample:
    - {username: backup_operator, id: 0c5a8f7e-221c-11ee-be56-0242ac120002, reason: "not due: last rotated 2026-11-20T02:00:04Z"}
applied:
  description: When a batch rotate call failed, the usernames whose rotation was started before it.
  returned: on failure of a batch rotate call
  type: dict
  sample: {rotated: [user00001, user00002]}
not_applied:
  description: When a batch rotate call failed, the usernames whose rotation was not started.
  returned: on failure of a batch rotate call
  type: dict
  sample: {rotated: [user00501]}
unknown:
  description: When a batch rotate call got no answer, the usernames it carried (PrivX may have started their rotation).
  returned: on failure of a batch rotate call whose outcome is unknown
  type: dict
  sample: {rotated: [user00501]}
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.chunked import DEFAULT_BATCH_SIZE
from ansible_collections.privx.secrets.plugins.module_utils.converge.host_account_rotation import converge_host_rotation_now
from ansible_collections.privx.secrets.plugins.module_utils.converge.rotation import RotationRequest, converge_rotation
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import checked_name
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import resolve_target_domain
from ansible_collections.privx.secrets.plugins.module_utils.resources.hosts import Hosts
from ansible_collections.privx.secrets.plugins.module_utils.resources.managed_accounts import ManagedAccounts


def converge(module):
    params = module.params
    request = RotationRequest(None if params['all'] else params['usernames'], older_than=params['older_than'], wait=params['wait'],
                              wait_timeout=params['wait_timeout'], batch_size=params['batch_size'], progress=module.progress)
    if params['host'] is not None:
        return converge_host_rotation_now(Hosts(module.client), request, checked_name(params['host'], 'host'), check_mode=module.check_mode)
    domain_accounts = ManagedAccounts(module.client, resolve_target_domain(module.client, params['target_domain']))
    return converge_rotation(domain_accounts, request, check_mode=module.check_mode)


def main():
    argument_spec = dict(
        target_domain=dict(type='str'),
        host=dict(type='str'),
        usernames=dict(type='list', elements='str'),
        all=dict(type='bool', default=False),
        older_than=dict(type='str'),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=300),
        batch_size=dict(type='int', default=DEFAULT_BATCH_SIZE),
    )
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True,
                         mutually_exclusive=[('usernames', 'all'), ('target_domain', 'host')],
                         required_one_of=[('target_domain', 'host')], required_if=[('all', False, ('usernames',))])
    module.run(converge)


if __name__ == '__main__':
    main()
