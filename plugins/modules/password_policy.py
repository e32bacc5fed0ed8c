#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: password_policy
short_description: Declare one PrivX password policy
version_added: 0.2.0
description:
  - Makes the PrivX password policy called O(name) hold what the task declares, or removes it.
  - Only the fields the task names are compared and changed; every other field of an existing policy stays as it is.
    A new policy gets the default of each field the task leaves out (given under each option).
  - Durations are written as ISO-8601 (V(P30D), V(PT12H), V(P1DT12H)) or in the collection's short form, a number and
    a unit (V(30d), V(12h), V(30m), V(90s), V(2w)), and sent to PrivX as ISO-8601 (V(30d) as V(P30D), V(12h) as V(PT12H),
    V(30m) as V(PT30M)). They are compared by length, so V(P30D), V(30d) and V(PT720H) are the same (a year counts as
    365 days and a month as 30 when comparing).
  - A second run with the same declaration reports no change and makes no write.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff lists the changed fields; a new policy shows every field it is created with.
options:
  name:
    description:
      - Name of the policy. PrivX compares names exactly, letter case included.
      - Creating a policy whose name differs only in letter case from an existing one is refused as a likely typo.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the policy, V(absent) deletes it.
      - PrivX refuses to delete a policy that managed accounts use, or that a target domain names as its
        C(auto_onboarding_policy); the task then fails with one line saying so and nothing changes.
    type: str
    choices: [present, absent]
    default: present
  rotation_interval:
    description: How often PrivX rotates the passwords of the policy's accounts; longer than zero. New policy default V(P30D).
    type: str
  password_min_length:
    description: Shortest password PrivX generates. New policy default V(12).
    type: int
  password_max_length:
    description:
      - Longest password PrivX generates; not smaller than O(password_min_length). New policy default V(32).
    type: int
  use_special_characters:
    description: Whether generated passwords contain special characters. New policy default V(true).
    type: bool
  use_lower_case:
    description: Whether generated passwords contain lower-case letters. New policy default V(true).
    type: bool
  use_upper_case:
    description: Whether generated passwords contain upper-case letters. New policy default V(true).
    type: bool
  use_numbers:
    description: Whether generated passwords contain digits. New policy default V(true).
    type: bool
  max_versions:
    description: How many secret versions PrivX keeps per account (V(0) means no limit). New policy default V(0).
    type: int
  number_of_retries:
    description: How many times PrivX retries a failed rotation. New policy default V(3).
    type: int
  retry_interval:
    description: Wait between rotation retries; V("") (or a zero duration) for none. New policy default V(PT5M).
    type: str
  max_concurrent_checkouts:
    description: Most checkouts of one account at a time (V(0) means no limit). New policy default V(0).
    type: int
  max_checkout_duration:
    description: Longest a checkout lasts before PrivX ends it; longer than zero. New policy default V(PT1H).
    type: str
  rotate_on_release:
    description: Whether PrivX rotates the password when a checkout is released. New policy default V(false).
    type: bool
  verify_after_rotation:
    description: Whether PrivX verifies the new password after a rotation. New policy default V(false).
    type: bool
notes:
  - This module talks to PrivX from where it runs; use it with C(delegate_to=localhost) or C(connection=local).
  - Managed accounts name their policy (O(privx.secrets.managed_account#module:password_policy)), so declare policies first;
    the P(privx.secrets.managed_accounts#role) role does so in PrivX's order.
seealso:
  - module: privx.secrets.password_policy_info
  - module: privx.secrets.managed_account
'''

EXAMPLES = r'''
- name: Passwords of the corp domain rotate monthly and may be checked out for twelve hours
  privx.secrets.password_policy:
    name: corp-monthly
    rotation_interval: 30d
    max_checkout_duration: 12h
    password_min_length: 16
    password_max_length: 64
    rotate_on_release: true
  delegate_to: localhost

- name: Service accounts keep the last five versions
  privx.secrets.password_policy:
    name: service-accounts
    rotation_interval: P90D
    max_versions: 5
    retry_interval: 30m
  delegate_to: localhost

- name: A policy nobody uses any longer is removed
  privx.secrets.password_policy:
    name: service-accounts
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
created:
  description:
    - The name of the password policy when the task created it (in check mode, would create it); empty otherwise.
    - The result's C(msg) says in one line what the task did; the managed_accounts role sums these lists up per level.
  returned: success
  type: list
  elements: str
  sample: [corp-monthly]
updated:
  description:
    - The name of the password policy when the task updated it (in check mode, would update it); empty otherwise.
  returned: success
  type: list
  elements: str
  sample: [corp-monthly]
deleted:
  description:
    - The name of the password policy when the task deleted it (in check mode, would delete it); empty otherwise.
  returned: success
  type: list
  elements: str
  sample: [corp-monthly]
password_policy:
  description:
    - The policy as PrivX holds it after the task (in check mode, as PrivX would hold it; a policy still to be
      created has an empty C(id) then). Empty after O(state=absent).
  returned: always
  type: dict
  sample:
    id: 3f1c77aa-221c-11ee-be56-0242ac120002
    name: corp-monthly
    rotation_interval: P30D
    password_min_length: 16
    password_max_length: 64
    use_special_characters: true
    use_lower_case: true
    use_upper_case: true
    use_numbers: true
    max_versions: 0
    number_of_retries: 3
    retry_interval: PT5M
    max_concurrent_checkouts: 0
    max_checkout_duration: PT12H
    rotate_on_release: true
    verify_after_rotation: false
    created: "2026-11-30T09:00:00Z"
    created_by: debe3ca0-827a-4c87-a9f8-e1328ecf7082
    updated: "2026-11-30T09:00:00Z"
    updated_by: debe3ca0-827a-4c87-a9f8-e1328ecf7082
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.policy import converge_policy
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import (
    PasswordPolicies,
    checked_policy_name,
    desired_policy,
    policy_options_spec,
)


def converge(module):
    params = module.params
    name, desired = checked_policy_name(params['name']), desired_policy(params)
    return converge_policy(PasswordPolicies(module.client), name, desired, state=params['state'], check_mode=module.check_mode)


def main():
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    argument_spec.update(policy_options_spec())
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(converge)


if __name__ == '__main__':
    main()
