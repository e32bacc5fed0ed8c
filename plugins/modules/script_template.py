#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: script_template
short_description: Declare one PrivX script template for host password rotation
version_added: 0.2.0
description:
  - Makes the PrivX script template called O(name) hold what the task declares, or removes it. A script template is
    the script PrivX runs on a host to set an account's new password (a Go text/template with C({{.Username}}),
    C({{.Password}}) and C({{.OldPassword}})).
  - Before a script is stored, PrivX compiles it; in check mode too, so a script that does not compile fails the
    check run with PrivX's own message, and nothing is written.
  - Only the fields the task names are compared and changed. A second run with the same declaration reports no
    change and makes no write.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
attributes:
  check_mode:
    support: full
    details: Check mode compiles a new or changed script through PrivX and fails when it does not compile.
  diff_mode:
    support: full
    details: The diff lists the changed fields; a new template shows every field it is created with.
options:
  name:
    description: Name of the template. PrivX compares names exactly, letter case included.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the template, V(absent) deletes it.
      - PrivX refuses to delete a template that a host's rotation settings name; the task then fails with one line.
    type: str
    choices: [present, absent]
    default: present
  operating_system:
    description: The operating system the script runs on. Required to create a template.
    type: str
    choices: [LINUX, WINDOWS]
  script:
    description:
      - The script. Required (or O(script_file)) to create a template.
    type: str
  script_file:
    description:
      - A file holding the script, read where the module runs (the controller with C(delegate_to=localhost)).
    type: path
notes:
  - This module talks to PrivX from where it runs; use it with C(delegate_to=localhost) or C(connection=local).
  - Host rotation names its template (O(privx.secrets.host_password_rotation#module:script_template)), so declare
    templates first; the P(privx.secrets.managed_accounts#role) role does so in PrivX's order.
seealso:
  - module: privx.secrets.script_template_info
  - module: privx.secrets.host_password_rotation
'''

EXAMPLES = r'''
- name: Linux hosts set passwords with chpasswd, hashed with SHA-512
  privx.secrets.script_template:
    name: linux-chpasswd-sha512
    operating_system: LINUX
    # raw: the braces are PrivX's template actions, not Ansible's
    script: "{% raw %}echo '{{.Username}}:{{.Password}}' | chpasswd -c SHA512{% endraw %}"
  delegate_to: localhost

- name: Windows hosts use net user, the script kept in the repository beside the playbook
  privx.secrets.script_template:
    name: windows-net-user
    operating_system: WINDOWS
    script_file: "{{ playbook_dir }}/files/net-user.tmpl"
  delegate_to: localhost

- name: A template nobody uses any longer is removed
  privx.secrets.script_template:
    name: linux-legacy
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
script_template:
  description:
    - The template as PrivX holds it after the task (in check mode, as PrivX would hold it; a template still to be
      created has an empty C(id) then). Empty after O(state=absent).
  returned: always
  type: dict
  sample:
    id: 0c9f5e8e-7d0b-4d7e-9a44-3b1f1c2d5e61
    name: linux-chpasswd
    operating_system: LINUX
    script: "echo '{{.Username}}:{{.Password}}' | chpasswd"
    created: "2026-11-30T09:00:00Z"
    created_by: debe3ca0-827a-4c87-a9f8-e1328ecf7082
    updated: "2026-11-30T09:00:00Z"
    updated_by: debe3ca0-827a-4c87-a9f8-e1328ecf7082
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.script_template import converge_script_template
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.script_templates import (
    ScriptTemplates,
    checked_script_template_name,
    desired_script_template,
    script_template_options_spec,
)


def converge(module):
    params = module.params
    name, desired = checked_script_template_name(params['name']), desired_script_template(params)
    return converge_script_template(ScriptTemplates(module.client), name, desired, state=params['state'], check_mode=module.check_mode)


def main():
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    argument_spec.update(script_template_options_spec())
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True, mutually_exclusive=[('script', 'script_file')])
    module.run(converge)


if __name__ == '__main__':
    main()
