# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: naive_vault
short_description: Benchmark baseline - log in and read a Vault secret on every call, as the vendor's collection does
description:
  - Used by the vault benchmark only. Each call builds a client, authenticates and reads the secret; nothing is
    shared between calls (one login and one read per lookup per host).
author:
  - privx.secrets developers (@privx-secrets)
options:
  _terms:
    description: Vault secret names.
    type: list
    elements: str
    required: true
'''

from ansible.plugins.lookup import LookupBase

from ansible_collections.privx.secrets.plugins.module_utils.core.client import PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.module.options import plugin_connection_options
from ansible_collections.privx.secrets.plugins.module_utils.resources.vault_secrets import VaultSecrets


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        settings = ConnectionSettings(plugin_connection_options(lambda name: None))  # from PRIVX_* only
        return [VaultSecrets(PrivXClient(settings)).data(term) for term in terms]
