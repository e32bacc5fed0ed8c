#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: identity_provider_info
short_description: Read the JWT issuers PrivX trusts for token exchange
version_added: 0.2.0
description:
  - Reads every identity provider of PrivX, or the one called O(name). Reads every page of the answer. Never changes anything.
  - Needs a PrivX administrator (PrivX's API gives these calls the C(admin) scope only).
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
  - privx.secrets.attributes.info_module
options:
  name:
    description: Return the provider with exactly this name (an empty list when there is none).
    type: str
seealso:
  - module: privx.secrets.identity_provider
'''

EXAMPLES = r'''
- name: Every trusted issuer
  privx.secrets.identity_provider_info:
  delegate_to: localhost
  register: providers

- name: Their issuers
  ansible.builtin.debug:
    msg: "{{ providers.identity_providers | map(attribute='jwt_issuer') | list }}"
'''

RETURN = r'''
identity_providers:
  description:
    - The providers, sorted by name, each with every field of a PrivX IdentityProvider, as the
      RV(privx.secrets.identity_provider#module:identity_provider) that M(privx.secrets.identity_provider) returns.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: bf720f68-4dc4-41fb-8409-57a458f2d924, name: gitlab.example.com, token_type: JWT, jwt_issuer: https://gitlab.example.com,
       jwt_audience: https://privx.example.com, jwt_subject_type: plain, users_directory: 18416f2b-b38c-4838-8c01-ed25c7fe49a6,
       public_key_method: static, enabled: true}
'''

from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.identity_providers import IdentityProviders, returned_identity_provider


def read(module):
    found = IdentityProviders(module.client).read(module.params['name'])
    return {'changed': False, 'identity_providers': [returned_identity_provider(provider) for provider in found]}


def main():
    module = PrivXModule(argument_spec=dict(name=dict(type='str')), supports_check_mode=True)
    module.run(read)


if __name__ == '__main__':
    main()
