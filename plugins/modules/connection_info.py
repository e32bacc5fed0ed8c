#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: connection_info
short_description: Check what a PrivX and this API client allow, before the first real run
version_added: 0.2.0
description:
  - Reaches PrivX at O(url) (TLS verified against O(ca_path) or the system's CAs), gets a token, and reads the status
    and version of PrivX's services (Secrets Manager, Authorizer, Vault, Role Store, Host Store, Auth).
  - Reads the API client's identity and roles from PrivX's role store, and reports job by job what this client can
    do with this collection (declare password policies and target domains, manage accounts, rotate, list and check
    out secrets, Vault), and for each job it cannot do, which PrivX permission a role must grant it.
  - Fails with one line that says what to fix when PrivX cannot be reached, its certificate is not trusted, the
    credentials are refused, or the API client holds no role.
  - Read-only, never changes anything and never returns a secret. C(ansible-playbook privx.secrets.preflight) runs it
    and prints RV(table).
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.attributes.info_module
notes:
  - The permission names and where they come from are described in the collection's C(docs/privx-api-fields.md).
  - A service that does not answer its status call (for example Vault where it is not installed) is reported with
    the HTTP status it answered, and does not fail the module.
'''

EXAMPLES = r'''
- name: What PrivX and this API client allow
  privx.secrets.connection_info:
  delegate_to: localhost
  register: preflight

- name: Show the report
  ansible.builtin.debug:
    msg: "{{ preflight.table }}"

- name: Stop unless this client may rotate passwords
  ansible.builtin.assert:
    that: preflight.jobs | selectattr('job', 'equalto', 'rotate') | map(attribute='allowed') | first
    fail_msg: "{{ (preflight.jobs | selectattr('job', 'equalto', 'rotate') | first).missing }} is missing"
'''

RETURN = r'''
url:
  description: The PrivX the report is about.
  returned: success
  type: str
  sample: https://privx.example.com
services:
  description: Each service's status and version, as its status call answered (or C(HTTP <status>) when it refused).
  returned: success
  type: list
  elements: dict
  sample:
    - {service: secrets-manager, status: ok, version: "40.0.0", api_version: v1}
    - {service: vault, status: HTTP 404, version: "", api_version: ""}
identity:
  description: The API client as PrivX's role store knows it.
  returned: success
  type: dict
  contains:
    id:
      description: Its user id.
      type: str
    principal:
      description: Its name.
      type: str
    roles:
      description: The names of its roles.
      type: list
      elements: str
    permissions:
      description: Every permission its roles grant.
      type: list
      elements: str
  sample: {id: 50ace40a-00bf-4e60-9dbe-f4de85f29d08, principal: automation, roles: [privx-admin], permissions: [privx-admin]}
jobs:
  description: Job by job, whether this API client can do it, and if not, which permission a role must grant it.
  returned: success
  type: list
  elements: dict
  contains:
    job:
      description: The job's key, for example C(rotate).
      type: str
    title:
      description: What the job is.
      type: str
    allowed:
      description: Whether the client's roles grant it.
      type: bool
    granted_by:
      description: The permissions that grant it (any one of them), or C(any role).
      type: list
      elements: str
    missing:
      description: Empty when allowed; else what a role must grant.
      type: str
    used_by:
      description: The modules, plugins and roles that do this job.
      type: str
    note:
      description: Something to check although the job is allowed.
      type: str
      returned: when there is something to check
  sample:
    - {job: rotate, title: rotate passwords, allowed: false, granted_by: [privx-admin], missing: privx-admin,
       used_by: "rotate, rotation role"}
table:
  description: The same report as lines of text, for a debug task.
  returned: success
  type: list
  elements: str
'''

from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.connection_info import connection_report


def read(module):
    return dict(connection_report(module.client), changed=False)


def main():
    module = PrivXModule(argument_spec={}, supports_check_mode=True)
    module.run(read)


if __name__ == '__main__':
    main()
