#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: vault_secret_info
short_description: Read the metadata of PrivX Vault secrets, never their data
version_added: 0.2.0
description:
  - Reads every Vault secret this API client may see, the one called O(name), or those matching O(keywords).
    Reads every page of the answer. Never changes anything.
  - Returns names, roles, owner, author and times; never a secret's data (use the P(privx.secrets.vault#lookup) lookup).
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.attributes.info_module
options:
  name:
    description: Return the secret with exactly this name (an empty list when there is none).
    type: str
  keywords:
    description: Return the secrets PrivX's search matches with these words (comma or space separated).
    type: str
notes:
  - PrivX lists a secret to a caller who holds one of its read or write roles, owns it, or has C(vault-manage).
seealso:
  - module: privx.secrets.vault_secret
  - plugin: privx.secrets.vault
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Every Vault secret this API client may see
  privx.secrets.vault_secret_info:
  delegate_to: localhost
  register: vault

- name: Their names
  ansible.builtin.debug:
    msg: "{{ vault.vault_secrets | map(attribute='name') | list }}"

- name: The secrets about databases
  privx.secrets.vault_secret_info:
    keywords: db
  delegate_to: localhost
  register: db_secrets
'''

RETURN = r'''
vault_secrets:
  description:
    - The secrets, each with the keys of RV(privx.secrets.vault_secret#module:vault_secret) (roles by name), never data.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: db/app, read_roles: [app-servers], write_roles: [dba], owner_id: "", created: "2026-11-30T09:00:00Z",
       updated: "2026-11-30T09:00:00Z", updated_by: debe3ca0-827a-4c87-a9f8-e1328ecf7082,
       author: debe3ca0-827a-4c87-a9f8-e1328ecf7082, path: secrets/db/app}
'''

from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.vault_secrets import (
    VaultSecrets,
    checked_vault_secret_name,
    returned_vault_secret,
)


def read(module):
    name = module.params['name']
    found = VaultSecrets(module.client).read(checked_vault_secret_name(name) if name is not None else None, module.params['keywords'])
    return {'changed': False, 'vault_secrets': [returned_vault_secret(secret) for secret in found]}


def main():
    module = PrivXModule(argument_spec=dict(name=dict(type='str'), keywords=dict(type='str', no_log=False)),
                         mutually_exclusive=[('name', 'keywords')], supports_check_mode=True)
    module.run(read)


if __name__ == '__main__':
    main()
