#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: vault_secret
short_description: Declare one PrivX Vault secret, its data and its read and write roles
version_added: 0.2.0
description:
  - Makes the PrivX Vault secret called O(name) hold the data and roles the task declares, or removes it.
  - Only what the task names is compared and changed; a secret's roles the task leaves out stay as they are.
  - The secret's O(data) is never returned, logged or shown in a diff. A diff names the keys of O(data) that change
    (marked C(<hidden, changed>)), never a value.
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
    details: The diff lists the changed roles by name and the changed keys of O(data), each value replaced by a marker.
options:
  name:
    description:
      - Name of the secret, for example V(db/app). It may hold C(/); PrivX compares names exactly.
      - It must not be empty, begin or end with white space or C(/), hold C(//), a control character or a C(.) or
        C(..) between slashes, or be longer than 255 characters.
    type: str
    required: true
  state:
    description: V(present) creates or updates the secret, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  data:
    description:
      - The secret's content, a dictionary (any JSON object). A new secret without it is created empty.
      - Compared as PrivX keeps it, numbers as 64-bit floats (V(1) and V(1.0) are the same; an integer beyond 2**53
        compares by its float value). Write large numbers as strings to keep every digit.
    type: dict
  update_data:
    description:
      - V(when_changed) reads the secret's current data (when this API client holds one of its O(read_roles)) and writes
        O(data) only when it differs. A client that may write but not read cannot compare, so it writes O(data) on every run
        and warns.
      - V(always) writes O(data) on every run (and reports a change).
      - V(on_create) sends O(data) only when the secret is created, and never reads the current data.
    type: str
    choices: [when_changed, always, on_create]
    default: when_changed
  read_roles:
    description:
      - Names of the PrivX roles whose members may read the secret's data; V([]) for none. Left out, they stay as they are
        (a new secret gets none).
      - Names are resolved with PrivX's role store (this needs the C(roles-view) permission); an unknown name fails the
        task before any change.
      - Without any read role nobody can read the data, PrivX administrators included.
    type: list
    elements: str
  write_roles:
    description:
      - Names of the PrivX roles whose members may write the secret; V([]) for none. Left out, they stay as they are
        (a new secret gets none).
    type: list
    elements: str
notes:
  - This module talks to PrivX from where it runs; use it with C(delegate_to=localhost) or C(connection=local).
  - Creating a secret needs the C(vault-add) or C(vault-manage) permission; changing its roles or deleting it needs
    C(vault-manage); writing its data needs one of its write roles.
  - Read a secret's data in a play with the P(privx.secrets.vault#lookup) lookup.
seealso:
  - module: privx.secrets.vault_secret_info
  - plugin: privx.secrets.vault
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: The application's database credentials, readable by the app servers' role
  privx.secrets.vault_secret:
    name: db/app
    data:
      username: app
      password: "{{ vault_db_app_password }}"
      host: db01.example.com
      port: 5432
    read_roles: [app-servers]
    write_roles: [dba]
  delegate_to: localhost

- name: Seed an API key once; who rotates it later owns its value
  privx.secrets.vault_secret:
    name: ops/api-key
    data:
      api_key: "{{ initial_api_key }}"
    update_data: on_create
    read_roles: [ops]
    write_roles: [ops]
  delegate_to: localhost

- name: A secret nobody uses any more is removed
  privx.secrets.vault_secret:
    name: legacy/ftp
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
vault_secret:
  description:
    - The secret's metadata as PrivX holds it after the task (in check mode, as it would hold it), roles by name.
      Never its data. Empty after O(state=absent).
  returned: always
  type: dict
  sample:
    name: db/app
    read_roles: [app-servers]
    write_roles: [dba]
    owner_id: ""
    created: "2026-11-30T09:00:00Z"
    updated: "2026-11-30T09:00:00Z"
    updated_by: debe3ca0-827a-4c87-a9f8-e1328ecf7082
    author: debe3ca0-827a-4c87-a9f8-e1328ecf7082
    path: secrets/db/app
data_changes:
  description:
    - The keys of O(data) the task added, changed and removed (keys only, never a value); all empty when the data did not
      change. When the current data could not be read, every declared key is listed as changed.
  returned: always
  type: dict
  sample: {added: [port], changed: [password], removed: []}
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.vault_secret import converge_vault_secret
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.roles import Roles
from ansible_collections.privx.secrets.plugins.module_utils.resources.vault_secrets import (
    VaultSecrets,
    checked_vault_secret_name,
    desired_vault_secret,
    vault_secret_options_spec,
)


def converge(module):
    params = module.params
    name, desired = checked_vault_secret_name(params['name']), desired_vault_secret(params)
    result = converge_vault_secret(VaultSecrets(module.client), Roles(module.client), name, desired, state=params['state'],
                                   update_data=params['update_data'], check_mode=module.check_mode)
    for warning in result.pop('warnings', []):
        module.warn(warning)
    return result


def main():
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    argument_spec.update(vault_secret_options_spec())
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(converge)


if __name__ == '__main__':
    main()
