#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: identity_provider
short_description: Declare one JWT issuer that PrivX trusts for token exchange
version_added: 0.2.0
description:
  - Makes the PrivX identity provider called O(name) hold what the task declares, or removes it.
  - An identity provider lets PrivX exchange a JWT from its issuer (AWX's workload identity, a CI job's id token, a
    Kubernetes service-account token) for a PrivX token, so that the collection connects without any stored PrivX secret
    (the connection options O(exchange_token_file) and O(exchange_token)).
  - PrivX accepts a JWT whose C(iss) is O(issuer), whose signature verifies with one of O(public_keys) (or a certificate
    under O(x5u_trust_anchor)), whose C(aud) holds O(audience) when that is set, that satisfies every one of O(claim_rules),
    and whose C(sub) names a user of O(users_directory). That user's roles decide what the token may do.
  - Only the fields the task names are compared and changed; every other field of an existing provider stays as it is.
    O(public_keys) and O(claim_rules), when named, are compared as whole lists, in any order.
  - A second run with the same declaration reports no change and makes no write.
  - Needs a PrivX administrator (PrivX's API gives these calls the C(admin) scope only).
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
    details: The diff lists the changed fields under PrivX's names; a new provider shows every field it is created with, a removed one every field it had.
options:
  name:
    description:
      - Name of the provider, unique in PrivX. PrivX compares names exactly, letter case included.
      - Creating a provider whose name differs only in letter case from an existing one is refused as a likely typo.
    type: str
    required: true
  state:
    description: V(present) creates or updates the provider, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  issuer:
    description:
      - The C(iss) claim of the JWTs this provider vouches for, compared character for character (a trailing V(/) counts).
      - PrivX's C(jwt_issuer). Required to create a provider.
    type: str
  audience:
    description:
      - The C(aud) the JWTs must carry (the claim may be a list that holds it); V("") accepts any audience.
      - PrivX's C(jwt_audience). For AWX's workload identity it is the URL of PrivX, as the PrivX credential holds it.
    type: str
  subject_type:
    description:
      - How the C(sub) claim names the PrivX user, PrivX's C(jwt_subject_type). V(plain) is the username itself, V(dn) a
        distinguished name whose O(subject_dn_username_attribute) is the username. New provider default V(plain).
    type: str
    choices: [plain, dn]
  subject_dn_username_attribute:
    description: The attribute of a DN subject that is the username, for example V(cn). Needed with O(subject_type=dn).
    type: str
  users_directory:
    description:
      - The id (UUID) of the PrivX user directory in which a token's subject is looked up. Required to create a provider.
    type: str
  public_key_method:
    description:
      - Where the keys that verify a token's signature come from. V(static) is O(public_keys); V(x5u) a certificate the
        token's C(x5u) header points to, verified with O(x5u_trust_anchor); V(x5u-publickey) a key under the URL
        O(x5u_prefix). New provider default V(static).
      - PrivX has no JWKS method; an issuer that publishes a JWKS (AWX, GitLab, GitHub Actions) needs its key as PEM in O(public_keys).
    type: str
    choices: [static, x5u, x5u-publickey]
  public_keys:
    description: The issuer's public keys, for O(public_key_method=static).
    type: list
    elements: dict
    suboptions:
      key_id:
        description: The key's id, unique in the provider; a token whose C(kid) header names it is verified with this key.
        type: str
        required: true
      public_key:
        description: The key as PEM, C(-----BEGIN PUBLIC KEY-----). Line endings and surrounding white space do not count.
        type: str
        required: true
      comment:
        description: A note on the key.
        type: str
        default: ''
  x5u_trust_anchor:
    description: PEM certificates that verify the certificate a token's C(x5u) header points to, for O(public_key_method=x5u).
    type: str
  x5u_tls_trust_anchor:
    description: PEM certificates for the TLS of the C(x5u) URLs.
    type: str
  x5u_prefix:
    description: An C(https) URL that every token's C(x5u) must start with, for O(public_key_method=x5u-publickey).
    type: str
  claim_rules:
    description:
      - Rules that the token's claims must satisfy, every one of them (PrivX's C(custom_attributes)).
      - V([]) removes every rule.
    type: list
    elements: dict
    suboptions:
      field_name:
        description: The claim, for example V(project_path) or V(repository).
        type: str
        required: true
      type:
        description:
          - V(string_pattern) the claim matches the glob O(claim_rules[].expected_value); V(numeric_range) a number from
            O(claim_rules[].start) to O(claim_rules[].end); V(ip_range) an IP address in that range; V(ip_client) the claim is
            the address that made the exchange.
        type: str
        required: true
        choices: [string_pattern, numeric_range, ip_range, ip_client]
      expected_value:
        description: The glob of a V(string_pattern) rule.
        type: str
        default: ''
      start:
        description: The lower bound of a range rule.
        type: str
        default: ''
      end:
        description: The upper bound of a range rule.
        type: str
        default: ''
  enabled:
    description:
      - Whether PrivX accepts the provider's tokens; a disabled provider's tokens, and their refresh tokens, are refused.
        New provider default V(true).
    type: bool
notes:
  - This module talks to PrivX from where it runs; use it with C(delegate_to=localhost) or C(connection=local).
  - The guide "No stored secret" on the documentation site shows the PrivX side for AWX, GitLab and GitHub Actions.
seealso:
  - module: privx.secrets.identity_provider_info
'''

EXAMPLES = r'''
- name: PrivX trusts the id tokens of GitLab jobs of the infra group
  privx.secrets.identity_provider:
    name: gitlab.example.com
    issuer: https://gitlab.example.com
    audience: https://privx.example.com
    users_directory: 18416f2b-b38c-4838-8c01-ed25c7fe49a6
    public_keys:
      - key_id: gitlab-2026
        public_key: "{{ lookup('ansible.builtin.file', 'gitlab-oidc.pub.pem') }}"
    claim_rules:
      - field_name: namespace_path
        type: string_pattern
        expected_value: infra*
  delegate_to: localhost

- name: Stop trusting it for now
  privx.secrets.identity_provider:
    name: gitlab.example.com
    enabled: false
  delegate_to: localhost

- name: Gone
  privx.secrets.identity_provider:
    name: gitlab.example.com
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
created:
  description:
    - The name of the identity provider when the task created it (in check mode, would create it); empty otherwise.
    - The result's C(msg) says in one line what the task did.
  returned: success
  type: list
  elements: str
  sample: [gitlab.example.com]
updated:
  description:
    - The name of the identity provider when the task updated it (in check mode, would update it); empty otherwise.
  returned: success
  type: list
  elements: str
  sample: [gitlab.example.com]
deleted:
  description:
    - The name of the identity provider when the task deleted it (in check mode, would delete it); empty otherwise.
  returned: success
  type: list
  elements: str
  sample: [gitlab.example.com]
identity_provider:
  description:
    - The provider as PrivX holds it after the task, under PrivX's field names (in check mode, as PrivX would hold it; a
      provider still to be created has an empty C(id) then). Empty after O(state=absent).
  returned: always
  type: dict
  sample:
    id: bf720f68-4dc4-41fb-8409-57a458f2d924
    name: gitlab.example.com
    token_type: JWT
    jwt_issuer: https://gitlab.example.com
    jwt_audience: https://privx.example.com
    jwt_subject_type: plain
    jwt_subject_dn_username_attribute: ''
    users_directory: 18416f2b-b38c-4838-8c01-ed25c7fe49a6
    public_key_method: static
    public_keys:
      - {key_id: gitlab-2026, comment: '', public_key: "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n"}
    x5u_trust_anchor: ''
    x5u_tls_trust_anchor: ''
    x5u_prefix: ''
    custom_attributes:
      - {field_name: namespace_path, type: string_pattern, expected_value: infra*, start: '', end: ''}
    enabled: true
    author: 8a7c2d1e-0b5f-4c3a-9e6d-1f2a3b4c5d6e
    created: "2026-12-01T09:00:00Z"
    updated: ''
    updated_by: ''
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.identity_provider import converge_identity_provider
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.identity_providers import (
    IdentityProviders,
    checked_identity_provider_name,
    desired_identity_provider,
    identity_provider_options_spec,
)


def converge(module):
    params = module.params
    name, desired = checked_identity_provider_name(params['name']), desired_identity_provider(params)
    return converge_identity_provider(IdentityProviders(module.client), name, desired, state=params['state'],
                                      check_mode=module.check_mode)


def main():
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    argument_spec.update(identity_provider_options_spec())
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True)
    module.run(converge)


if __name__ == '__main__':
    main()
