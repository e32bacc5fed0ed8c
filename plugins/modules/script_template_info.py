#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: script_template_info
short_description: Read PrivX script templates
version_added: 0.2.0
description:
  - Reads every script template of PrivX, or the one called O(name). Reads every page of the answer. Never changes anything.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.attributes.info_module
options:
  name:
    description: Return the template with exactly this name (an empty list when there is none).
    type: str
seealso:
  - module: privx.secrets.script_template
'''

EXAMPLES = r'''
- name: Every script template
  privx.secrets.script_template_info:
  delegate_to: localhost
  register: templates

- name: The Windows ones
  ansible.builtin.debug:
    msg: "{{ templates.script_templates | selectattr('operating_system', 'eq', 'WINDOWS') | map(attribute='name') | list }}"
'''

RETURN = r'''
script_templates:
  description:
    - The templates, sorted by name, each as the RV(privx.secrets.script_template#module:script_template) that
      M(privx.secrets.script_template) returns.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 0c9f5e8e-7d0b-4d7e-9a44-3b1f1c2d5e61, name: linux-chpasswd, operating_system: LINUX,
       script: "echo '{{.Username}}:{{.Password}}' | chpasswd"}
'''

from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.script_templates import ScriptTemplates, returned_script_template


def read(module):
    found = ScriptTemplates(module.client).read(module.params['name'])
    return {'changed': False, 'script_templates': [returned_script_template(template) for template in found]}


def main():
    module = PrivXModule(argument_spec=dict(name=dict(type='str')), supports_check_mode=True)
    module.run(read)


if __name__ == '__main__':
    main()
