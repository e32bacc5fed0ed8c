# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: role_arguments
short_description: Read a role's variables as AWX surveys and C(-e key=value) give them, by the role's argument spec
version_added: 0.2.0
description:
  - AWX surveys and C(ansible-playbook -e key=value) give every variable as text (V(false), V(7), V(a,b)). ansible-core's
    own check of a role's argument spec accepts that text but leaves the variables as they are, and the text V(false)
    is true in a condition. This filter converts each variable to the type its argument spec declares, with
    ansible-core's own type checkers, and names in one line each variable that cannot be converted.
  - "Booleans take V(true)/V(false), V(yes)/V(no), V(on)/V(off), V(1)/V(0) in any letter case; integers take their
    digits as text; lists take comma-separated (or newline-separated) text, each item trimmed and empty items dropped,
    or JSON text starting with V([)."
  - A null value, and empty text for any type but C(str), count as not set, so the option's default applies.
  - An option of C(type=raw) with C(options) takes a list of dictionaries with those options, as a list or as that list's
    JSON text. Each entry is checked (unknown keys, types, choices, required keys) and named by its index. A key an entry
    does not give stays out of the result, so that the role can pass it on with C(default(omit)). (A role's own argument
    validation does not look into C(raw), which lets the JSON text through to this filter.)
  - The C(privx.secrets.managed_accounts) and C(privx.secrets.rotation) roles read their variables with it.
author:
  - privx.secrets developers (@privx-secrets)
positional: argument_spec
options:
  _input:
    description: The role's variables by name. A variable that is not set may be left out, or given as null.
    type: dict
    required: true
  argument_spec:
    description: The options of an entry point of the role's argument spec (C(meta/argument_specs.yml)).
    type: dict
    required: true
notes:
  - The messages never show the value of an option marked C(no_log), and a JSON error says where the text is wrong,
    not what it holds.
'''

EXAMPLES = r'''
- name: Read a role's variables, given as text by a survey, and refuse what cannot be read
  vars:
    argument_spec:
      app_enabled: {type: bool, default: false}
      app_ports: {type: list, elements: int, default: []}
      app_users:
        type: raw
        default: []
        options:
          name: {type: str, required: true}
          admin: {type: bool, default: false}
    app_input: >-
      {{ {'app_enabled': 'no', 'app_ports': '80, 443', 'app_users': '[{"name": "alice", "admin": "yes"}]'}
         | privx.secrets.role_arguments(argument_spec) }}
  block:
    - name: Refuse what cannot be read
      ansible.builtin.fail:
        msg: "{{ app_input.errors | join('; ') }}"
      when: app_input.errors | length > 0

    - name: The variables, converted
      ansible.builtin.assert:
        that:
          - app_input.arguments.app_enabled is false
          - app_input.arguments.app_ports == [80, 443]
          - "app_input.arguments.app_users == [{'name': 'alice', 'admin': true}]"
'''

RETURN = r'''
_value:
  description: The variables converted, and what could not be read.
  type: dict
  contains:
    arguments:
      description: Every option of the spec by name, converted, or its default when not set.
      type: dict
    errors:
      description: One line per variable that cannot be read, naming it and why; empty when all were read.
      type: list
      elements: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.privx.secrets.plugins.plugin_utils._role_arguments import read_role_arguments


def role_arguments(variables, argument_spec):
    if not isinstance(variables, Mapping) or not isinstance(argument_spec, Mapping):
        raise AnsibleFilterError('role_arguments takes the variables and the argument spec, each a dictionary')
    return read_role_arguments(plain(variables), plain(argument_spec))


def plain(value):
    """Plain dicts and lists: ansible-core 2.19 and later hand filters lazily templated containers, which
    ArgumentSpecValidator would deep-copy together with their templar."""
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


class FilterModule:
    def filters(self):
        return {'role_arguments': role_arguments}
