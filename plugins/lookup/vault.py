# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: vault
short_description: Read PrivX Vault secrets, each once per run
version_added: 0.2.0
description:
  - Returns the data of each PrivX Vault secret named (a dictionary), or with O(key) one field of it.
  - "A secret is read from PrivX once per run, however many hosts, tasks and forks use it, and the run authenticates
    once per token lifetime: the run's agent (the one the P(privx.secrets.checkout#lookup) lookup uses) reads it with
    the run's token and keeps it in its memory for the rest of the run. Nothing is written to disk: neither the data nor
    the token."
  - A change made to the secret in PrivX during the run is therefore not seen by that run.
  - Check mode reads the secrets as a normal run does (reading changes nothing in PrivX).
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.plugins
options:
  _terms:
    description:
      - Names of Vault secrets (for example V(db/app)). A list among them stands for its names.
    type: list
    elements: str
    required: true
  key:
    description:
      - Return this field of each secret's data instead of the whole data. A secret without it fails the lookup,
        naming the fields it has (names only).
    type: str
  personal:
    description:
      - Read the API client's own personal secrets of these names (PrivX's C(/vault/api/v1/user/{user_id}/secrets)),
        instead of shared ones.
    type: bool
    default: false
notes:
  - The API client needs one of the secret's read roles (or to own a personal secret). PrivX shows a secret to holders
    of a write role without its data; the lookup then fails, saying that the client may see the secret but not read it.
  - Use C(no_log) on tasks whose arguments or results would show the data; the lookup itself never logs it.
  - Enable the P(privx.secrets.checkouts#callback) callback to have the agent stop as soon as the run ends; it stops
    anyway once the ansible-playbook process is gone.
  - Lookups of the same name with different connection options (another API client) read it separately.
seealso:
  - module: privx.secrets.vault_secret
  - module: privx.secrets.vault_secret_info
  - plugin: privx.secrets.checkout
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Write the application's configuration with its database credentials
  ansible.builtin.template:
    src: app.conf.j2
    dest: "{{ app_config_dir }}/app.conf"
    mode: "0600"
  vars:
    db: "{{ lookup('privx.secrets.vault', 'db/app') }}"
  no_log: true

- name: One field of a secret
  ansible.builtin.set_fact:
    api_key: "{{ lookup('privx.secrets.vault', 'ops/api-key', key='api_key') }}"
  no_log: true

- name: A personal secret of the API client's own user
  ansible.builtin.set_fact:
    note: "{{ lookup('privx.secrets.vault', 'notes/deploy', personal=true) }}"
  no_log: true
'''

RETURN = r'''
_raw:
  description:
    - One entry per name, the secret's data (a dictionary), or with O(key) the value of that field.
  type: list
  elements: raw
'''

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import shown
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_connection import AgentConnection
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import VAULT_READ
from ansible_collections.privx.secrets.plugins.plugin_utils._privx_lookup import PrivXLookupBase, flat_terms


class LookupModule(PrivXLookupBase):

    FQCN = 'privx.secrets.vault'

    def run(self, terms, variables=None, **kwargs):
        self.read_options(variables, kwargs)
        key, personal = self.get_option('key'), self.get_option('personal')
        try:
            names = flat_terms(terms, 'a Vault secret name')
            if not names:
                raise PrivXError('give the name of a Vault secret')
            connection = self.agent_connection()
            agent = AgentConnection()
            return [field(name, agent.request(VAULT_READ, connection=connection, name=name, personal=personal), key)
                    for name in names]
        except PrivXError as error:
            raise self.failure(str(error)) from None
        except OSError as error:  # the agent's directory or lock file, which name no plugin of their own
            raise self.failure('%s: %s' % (error.strerror or error.__class__.__name__, error.filename)) from None


def field(name, data, key):
    """The whole data, or its field ``key``; a secret without it fails naming the fields it has (never a value)."""
    if key is None:
        return data
    if key not in data:
        raise PrivXError('Vault secret %s has no field %s; its fields: %s' % (
            shown(name), shown(key), ', '.join(sorted(data)) or 'none'))
    return data[key]
