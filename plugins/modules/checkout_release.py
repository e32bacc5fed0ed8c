#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: checkout_release
short_description: Release checkouts of the checkout lookup before the play ends
version_added: 0.1.0
description:
  - Releases checkouts that the P(privx.secrets.checkout#lookup) lookup made in this run, before the end of the play.
  - A later lookup of a released path in the same play checks it out again.
  - Runs on the controller, where the run's checkout agent is; releasing nothing is not an error.
  - "A checkout that another run of the same API client on this machine still uses is not released (the last run
    using it releases it), and neither is one the lookup leaves to expire (its O(privx.secrets.checkout#lookup:release)
    option, V(expiry) by default in AWX jobs): both are returned in RV(kept)."
author:
  - privx.secrets developers (@privx-secrets)
requirements:
  - requests >= 2.25 (Python library) on the controller, where the run's checkout agent releases the checkouts; the
    P(privx.secrets.checkout#lookup) lookup that made them needs it too.
extends_documentation_fragment:
  - privx.secrets.attributes
attributes:
  check_mode:
    support: full
    details: Reports which of the run's checkouts would be released.
  diff_mode:
    support: none
options:
  paths:
    description: Release the checkouts of these secret paths.
    type: list
    elements: str
  all:
    description: Release every checkout the run holds.
    type: bool
    default: false
  url:
    description:
      - Accepted, and not needed, so that C(module_defaults) of C(group/privx.secrets.privx) apply to this action too.
      - The same holds for the other connection options (O(client_id), O(client_secret), O(oauth_client_id),
        O(oauth_client_secret), O(access_token), O(exchange_token), O(exchange_token_file), O(exchange_scope),
        O(validate_certs), O(ca_path), O(timeout), O(retries));
        each checkout is released with the credentials that made it.
    type: str
  client_id:
    description: Accepted for C(module_defaults), not used.
    type: str
  client_secret:
    description: Accepted for C(module_defaults), not used.
    type: str
  oauth_client_id:
    description: Accepted for C(module_defaults), not used.
    type: str
  oauth_client_secret:
    description: Accepted for C(module_defaults), not used.
    type: str
  access_token:
    description: Accepted for C(module_defaults), not used.
    type: str
  exchange_token:
    description: Accepted for C(module_defaults), not used.
    type: str
  exchange_token_file:
    description: Accepted for C(module_defaults), not used.
    type: path
  exchange_scope:
    description: Accepted for C(module_defaults), not used.
    type: str
  validate_certs:
    description: Accepted for C(module_defaults), not used.
    type: bool
  ca_path:
    description: Accepted for C(module_defaults), not used.
    type: path
  timeout:
    description: Accepted for C(module_defaults), not used.
    type: int
  retries:
    description: Accepted for C(module_defaults), not used.
    type: int
notes:
  - Exactly one of O(paths) and O(all=true) is required.
seealso:
  - plugin: privx.secrets.checkout
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Use the database password, then give it back at once
  hosts: db_servers
  tasks:
    - name: Load the schema through the database's HTTP API
      ansible.builtin.uri:
        url: "{{ db_api_url }}/schema"   # https://db.example.com/api, say
        method: POST
        src: schema.json
        url_username: db_admin
        url_password: "{{ lookup('privx.secrets.checkout', 'corp.example.com/db_admin') }}"
        force_basic_auth: true
      no_log: true

    - name: Release the checkout before the rest of the play
      privx.secrets.checkout_release:
        paths:
          - corp.example.com/db_admin
      run_once: true
'''

RETURN = r'''
released:
  description: Paths whose checkouts were released (in check mode, would be released).
  returned: always
  type: list
  elements: str
  sample: [corp.example.com/db_admin]
kept:
  description:
    - Paths whose checkouts were not released because another run on this machine still uses them, or because the
      lookup leaves them to expire (then with a warning). Empty in check mode.
  returned: always
  type: list
  elements: str
  sample: []
  version_added: 0.2.0
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.privx.secrets.plugins.module_utils.module.checkout_release import (
    CHECKOUT_RELEASE_CONSTRAINTS,
    checkout_release_argument_spec,
)


def main():
    module = AnsibleModule(argument_spec=checkout_release_argument_spec(), supports_check_mode=True, **CHECKOUT_RELEASE_CONSTRAINTS)
    module.fail_json(msg='privx.secrets.checkout_release runs on the controller as an action plugin; '
                         'this file only documents it')


if __name__ == '__main__':
    main()
