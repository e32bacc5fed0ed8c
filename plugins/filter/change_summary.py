# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: change_summary
short_description: Sum up what the tasks of a declarative run created, updated and deleted, by name, level by level
version_added: 0.2.0
description:
  - Takes a table of levels (password policies, target domains, managed accounts, ...), each with the results its tasks
    registered, and returns for each level the names created, updated and deleted, and one line per level to show.
  - Every converging module of the collection returns the lists C(created), C(updated) and C(deleted) (names), which
    this filter reads; a loop's register, a single task's register and a list of registers are all taken. Skipped
    items add nothing. Only names are read; no other field of a result reaches the summary.
  - The C(privx.secrets.managed_accounts) role ends with this summary and publishes it with C(ansible.builtin.set_stats).
author:
  - privx.secrets developers (@privx-secrets)
options:
  _input:
    description: The levels, in the order to show them.
    type: list
    elements: dict
    required: true
    suboptions:
      level:
        description: The level's key in the result.
        type: str
        required: true
      title:
        description: The level's name in the lines.
        type: str
        required: true
      results:
        description: What the level's tasks registered (a register, or a list of them); undefined registers may be given as V({}).
        type: raw
      declared:
        description:
          - Whether the run declares anything at this level. A level not declared is left out of the lines and of
            RV(_value.levels) unless its tasks changed something.
        type: bool
        default: true
  check_mode:
    description: Word the lines as what would happen (V(would create ...)).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Create the password policies
  privx.secrets.password_policy:
    name: "{{ item }}"
  loop: [app-standard, app-privileged]
  register: policy_results

- name: Say what the run did
  ansible.builtin.debug:
    msg: "{{ summary.lines }}"
  vars:
    summary: >-
      {{ [{'level': 'password_policies', 'title': 'password policies', 'results': policy_results}]
         | privx.secrets.change_summary(check_mode=ansible_check_mode) }}
'''

RETURN = r'''
_value:
  description: What each level did.
  type: dict
  contains:
    check_mode:
      description: Whether the names are what would happen.
      type: bool
    levels:
      description: By level key, the names created, updated and deleted (C(created), C(updated), C(deleted), each a list).
      type: dict
    lines:
      description: "One line per level, such as C(managed accounts: created svc003; deleted svc004, svc005), or C(no change)."
      type: list
      elements: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.privx.secrets.plugins.plugin_utils._change_summary import change_summary as summarise


def change_summary(levels, check_mode=False):
    if not isinstance(levels, (list, tuple)) or not all(isinstance(level, Mapping) and 'level' in level and 'title' in level
                                                        for level in levels):
        raise AnsibleFilterError('change_summary takes a list of levels, each a dictionary with level, title and results')
    return summarise(levels, check_mode=boolean(check_mode, strict=False))


class FilterModule:
    def filters(self):
        return {'change_summary': change_summary}
