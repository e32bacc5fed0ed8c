# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: naive_checkout
short_description: Benchmark baseline - authenticate and check out on every call, as other secrets lookups do
description:
  - Used by the checkout benchmark only. Each call builds a client, authenticates and checks the path out; nothing
    is shared between calls and nothing is released, which is what the lookups of other secrets collections do.
author:
  - privx.secrets developers (@privx-secrets)
options:
  _terms:
    description: Secret paths.
    type: list
    elements: str
    required: true
'''

from ansible.plugins.lookup import LookupBase

from ansible_collections.privx.secrets.plugins.module_utils.core.client import PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.module.options import plugin_connection_options
from ansible_collections.privx.secrets.plugins.module_utils.core.secrets import AccountSecrets, current_secret


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        settings = ConnectionSettings(plugin_connection_options(lambda name: None))  # from PRIVX_* only
        secrets = AccountSecrets(PrivXClient(settings))
        return [current_secret(secrets.checkout(term)) for term in terms]
