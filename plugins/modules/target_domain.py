#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: target_domain
short_description: Declare one PrivX Secrets Manager target domain, its directory endpoints and its scans
version_added: 0.2.0
description:
  - Makes one target domain of PrivX Secrets Manager match what the task declares, or removes it.
  - Only the fields the task names are compared and changed; PrivX keeps every other field as it is.
    O(endpoints), when given, is the complete list of the domain's endpoints, compared in order, each as a whole.
  - A second run with the same declaration reports no change and makes no write.
  - Endpoint bind passwords and client secrets are write-only in PrivX and never read back. They are sent when the domain is
    created, when an endpoint is added (one with a new type and address and port, or tenant and client ID), and otherwise
    only with O(update_password=always). An update that does not send them keeps the ones PrivX holds.
  - With O(scan), the module starts a scan of the domain's directory; with O(wait), it waits for the scan to end and reports it.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.modules
  - privx.secrets.attributes
attributes:
  check_mode:
    support: full
    details: Reports the change a real run would make; starts no scan.
  diff_mode:
    support: full
    details: Secrets are never shown; the diff only says that a new one would be stored.
options:
  name:
    description:
      - Name of the target domain, compared exactly.
      - A name with leading or trailing spaces is refused, as a likely typo that would create a second domain.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the domain, V(absent) deletes it.
      - PrivX refuses to delete a domain that still has managed accounts; the task then fails with PrivX's reason.
        Remove them first, for example with M(privx.secrets.managed_account_batch) and C(state=absent).
    type: str
    choices: [present, absent]
    default: present
  domain_name:
    description: Name of the directory domain, such as C(corp.example.com).
    type: str
  enabled:
    description: Whether the domain is in use. A new domain is enabled unless this says otherwise. PrivX scans only enabled domains.
    type: bool
  periodic_scan:
    description: Whether PrivX scans the domain periodically.
    type: bool
  periodic_scan_interval:
    description: Interval of periodic scans, as PrivX takes it.
    type: int
  auto_onboarding:
    description: Whether a scan turns the accounts it newly finds into managed accounts. Needs O(auto_onboarding_policy).
    type: bool
  auto_onboarding_policy:
    description:
      - Name of the password policy that auto-onboarded accounts get. V("") removes it.
    type: str
  comment:
    description: Comment shown with the domain.
    type: str
  endpoints:
    description:
      - The directory connections a scan reads, in order. The list replaces the domain's endpoints as a whole.
      - Fields left out are empty (zero, false) in PrivX.
      - An endpoint left out of the list is removed together with the bind password or client secret PrivX stores for
        it, which PrivX cannot give back; the diff says so. V([]) on a domain that has endpoints needs O(allow_delete_all).
    type: list
    elements: dict
    suboptions:
      type:
        description: Kind of directory. V(AD) and V(LDAP) take the C(ldap_*) fields, V(ENTRA_ID) the C(entra_*) fields.
        type: str
        required: true
        choices: [AD, LDAP, ENTRA_ID]
      scan_priority:
        description: Priority of the endpoint for scans.
        type: int
      rotation_priority:
        description: Priority of the endpoint for rotations.
        type: int
      attribute_mapping:
        description: Directory attribute names by account field (strings).
        type: dict
      ldap_protocol:
        description: Protocol of an AD or LDAP endpoint.
        type: str
        choices: [LDAP, LDAPS]
      ldap_address:
        description: Address of the directory server. Required for AD and LDAP.
        type: str
      ldap_port:
        description: Port of the directory server (0 to 65535).
        type: int
      ldap_base_dn:
        description: Base DN of the search for accounts. Required for AD and LDAP.
        type: str
      ldap_bind_dn:
        description: DN to bind as.
        type: str
      ldap_bind_password:
        description:
          - Password of O(endpoints[].ldap_bind_dn). Write-only, never returned or shown.
          - Sent on create, for a new endpoint, and otherwise only with O(update_password=always).
        type: str
      ldap_user_filter:
        description: LDAP filter of the accounts to scan.
        type: str
      ldap_root_certificates:
        description: PEM certificates to trust for LDAPS.
        type: str
      ldap_skip_strict_cert_check:
        description: Whether to skip strict certificate checks.
        type: bool
      entra_base_url:
        description: Base URL of Microsoft Graph.
        type: str
      entra_tenant_id:
        description: Entra ID tenant. Required for ENTRA_ID.
        type: str
      entra_client_id:
        description: Application (client) ID. Required for ENTRA_ID.
        type: str
      entra_client_secret:
        description: Client secret of the application; write-only and sent as O(endpoints[].ldap_bind_password) is.
        type: str
      entra_batch_size:
        description: Batch size of Entra ID requests.
        type: int
      entra_page_size:
        type: int
        description: Page size of Entra ID requests.
      entra_group_filter:
        description: Entra ID groups whose members are scanned.
        type: list
        elements: str
  allow_delete_all:
    description:
      - Allow O(endpoints=[]) to remove every endpoint of a domain that has some.
      - Without it, such a task fails before anything is sent, because a misspelt or emptied variable would otherwise
        remove the endpoints and the secrets PrivX stores for them, which it cannot give back.
    type: bool
    default: false
  update_password:
    description:
      - V(on_create) sends bind passwords and client secrets only for a new domain or a new endpoint.
      - V(always) sends them on every run, and so always reports a change (PrivX's stored values cannot be read to compare).
    type: str
    choices: [always, on_create]
    default: on_create
  scan:
    description:
      - V(false) starts no scan. V(true) starts one after the task changed the domain.
        V(always) starts one on every run, and so always reports a change.
    type: str
    choices: ['false', 'true', always]
    default: 'false'
  wait:
    description:
      - Wait until the scan has ended and report it in RV(scan). A scan that ends in error, or does not end within
        O(wait_timeout), fails the task (the result still holds RV(target_domain) and RV(scan)).
      - A domain that someone deletes while its scan is awaited fails the task with one line saying so, reported as
        changed (the task started the scan).
      - Needs O(scan=true) or O(scan=always).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the scan to end.
    type: int
    default: 300
notes:
  - This module talks to PrivX from where it runs; use it with C(delegate_to=localhost) or C(connection=local).
  - Configure the password policy named in O(auto_onboarding_policy) first, for example with M(privx.secrets.password_policy).
seealso:
  - module: privx.secrets.target_domain_info
  - module: privx.secrets.scanned_account
  - module: privx.secrets.managed_account_batch
'''

EXAMPLES = r'''
# Connection options come from the PRIVX_* environment variables (or module_defaults for group/privx.secrets.privx).
- name: The AD domain exists, is scanned after a change, and new accounts are onboarded with the default policy
  privx.secrets.target_domain:
    name: ad.corp.example.com
    domain_name: corp.example.com
    comment: Corporate Active Directory
    auto_onboarding: true
    auto_onboarding_policy: default
    endpoints:
      - type: AD
        ldap_protocol: LDAPS
        ldap_address: dc1.corp.example.com
        ldap_port: 636
        ldap_base_dn: OU=Service Accounts,DC=corp,DC=example,DC=com
        ldap_bind_dn: CN=privx-scan,OU=Service Accounts,DC=corp,DC=example,DC=com
        ldap_bind_password: "{{ lookup('ansible.builtin.env', 'AD_BIND_PASSWORD') }}"
    scan: true
    wait: true
  delegate_to: localhost
  register: domain

- name: Show what the scan found
  ansible.builtin.debug:
    msg: "{{ domain.scan.accounts_found | default('no scan') }} accounts"

- name: Scan the domain now, whatever changed
  privx.secrets.target_domain:
    name: ad.corp.example.com
    scan: always
    wait: true
    wait_timeout: 120
  delegate_to: localhost

- name: Remove a retired domain (PrivX refuses while it has managed accounts)
  privx.secrets.target_domain:
    name: retired.example.com
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
created:
  description:
    - The name of the target domain when the task created it (in check mode, would create it); empty otherwise.
    - The result's C(msg) says in one line what the task did; the managed_accounts role sums these lists up per level.
  returned: success
  type: list
  elements: str
  sample: [corp.example.com]
updated:
  description:
    - The name of the target domain when the task updated it (in check mode, would update it); empty otherwise.
  returned: success
  type: list
  elements: str
  sample: [corp.example.com]
deleted:
  description:
    - The name of the target domain when the task deleted it (in check mode, would delete it); empty otherwise.
  returned: success
  type: list
  elements: str
  sample: [corp.example.com]
target_domain:
  description:
    - The target domain as PrivX holds it after the task (in check mode, as PrivX would hold it); after a scan with
      O(wait), as the scan left it. Empty after O(state=absent), and when the domain was deleted while its scan was awaited.
    - Never contains a bind password or client secret. Endpoint fields that are empty are left out, as PrivX does.
  returned: always
  type: dict
  sample:
    id: 0c5a8f7e-221c-11ee-be56-0242ac120002
    name: ad.corp.example.com
    domain_name: corp.example.com
    enabled: true
    periodic_scan: false
    periodic_scan_interval: 0
    auto_onboarding: true
    auto_onboarding_policy: {id: 3f1c77aa-221c-11ee-be56-0242ac120002, name: default}
    comment: Corporate Active Directory
    endpoints:
      - {type: AD, scan_priority: 0, rotation_priority: 0, ldap_protocol: LDAPS, ldap_address: dc1.corp.example.com,
         ldap_port: 636, ldap_base_dn: "OU=Service Accounts,DC=corp,DC=example,DC=com"}
    scan_status: SUCCESS
    scan_message: ""
    last_scanned: "2026-12-01T12:00:05Z"
scan:
  description: The scan the task started.
  returned: when a scan was started (not in check mode)
  type: dict
  contains:
    status:
      description: V(SUCCESS), V(ERROR) or V(TIMEOUT) after O(wait); V(SCANNING) without it.
      type: str
    message:
      description: PrivX's message about the scan (why it failed).
      type: str
    accounts_found:
      description: Scanned accounts the domain holds after the scan, except those gone from the directory (null without O(wait)).
      type: int
    new_accounts:
      description: Of those, how many this scan found for the first time (null without O(wait)).
      type: int
    elapsed:
      description:
        - Seconds the task waited for the scan to end (null without O(wait)).
        - "While it waits on the controller, the task shows the scan's status after each poll, at default verbosity
          (C(waiting for the scan of corp-ad: 40 s, SCANNING))."
      type: float
      version_added: 0.2.0
  sample: {status: SUCCESS, message: "", accounts_found: 61, new_accounts: 1, elapsed: 12.5}
'''

from ansible_collections.privx.secrets.plugins.module_utils.converge.domain import DomainRequest, converge_domain
from ansible_collections.privx.secrets.plugins.module_utils.module.base import PrivXModule
from ansible_collections.privx.secrets.plugins.module_utils.resources.target_domains import TargetDomains, domain_options_spec


def converge(module):
    params = module.params
    request = DomainRequest(params['name'], params, state=params['state'], update_password=params['update_password'],
                            scan=params['scan'], wait=params['wait'], wait_timeout=params['wait_timeout'],
                            allow_delete_all=params['allow_delete_all'], progress=module.progress)
    return converge_domain(TargetDomains(module.client), request, check_mode=module.check_mode)


def main():
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        update_password=dict(type='str', choices=['always', 'on_create'], default='on_create', no_log=False),
        allow_delete_all=dict(type='bool', default=False),
        scan=dict(type='str', choices=['false', 'true', 'always'], default='false'),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=300),
    )
    argument_spec.update(domain_options_spec())
    contradictions = [('scan', ('true', 'always'), 'state', 'absent'),
                      ('wait', True, 'scan', 'false', 'wait waits for a scan: set scan to true or always, or drop wait')]
    module = PrivXModule(argument_spec=argument_spec, supports_check_mode=True, contradictions=contradictions)
    module.run(converge)


if __name__ == '__main__':
    main()
