# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Target domains: their fields, the comparison of desired with current, and the calls (docs/privx-api-admin.md).

Turning a name or id into the domain another module works on is ``domain_resolution.py``.
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.client import created_id
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, PrivXError, on_api_error, when_not_found
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import returned_view
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import UUID_PATTERN, TargetDomain
from ansible_collections.privx.secrets.plugins.module_utils.resources.scanned_accounts import ScannedAccounts, returned_scanned_account

ENDPOINT_TYPES = ('AD', 'LDAP', 'ENTRA_ID')
LDAP_TYPES = ('AD', 'LDAP')
LDAP_PROTOCOLS = ('LDAP', 'LDAPS')
# Write-only: PrivX stores them and never answers them, so they are never compared, returned or shown.
ENDPOINT_SECRETS = ('ldap_bind_password', 'entra_client_secret')
# Every field of an endpoint, with its option type.
ENDPOINT_FIELDS = {
    'type': 'str', 'scan_priority': 'int', 'rotation_priority': 'int', 'attribute_mapping': 'dict',
    'ldap_protocol': 'str', 'ldap_address': 'str', 'ldap_port': 'int', 'ldap_base_dn': 'str', 'ldap_bind_dn': 'str',
    'ldap_bind_password': 'str', 'ldap_user_filter': 'str', 'ldap_root_certificates': 'str', 'ldap_skip_strict_cert_check': 'bool',
    'entra_base_url': 'str', 'entra_tenant_id': 'str', 'entra_client_id': 'str', 'entra_client_secret': 'str',
    'entra_batch_size': 'int', 'entra_page_size': 'int', 'entra_group_filter': 'list',
}
# Fields every answer carries; PrivX leaves the others out while empty, zero or false (docs/privx-api-admin.md).
ENDPOINT_ALWAYS = ('type', 'scan_priority', 'rotation_priority')
REQUIRED_ENDPOINT_FIELDS = {'AD': ('ldap_address', 'ldap_base_dn'), 'LDAP': ('ldap_address', 'ldap_base_dn'),
                            'ENTRA_ID': ('entra_tenant_id', 'entra_client_id')}
ZERO_VALUES = {'str': '', 'int': 0, 'bool': False, 'dict': {}, 'list': []}
# Writable fields of a target domain besides its name, with their option type ('auto_onboarding_policy': a policy name).
DOMAIN_FIELDS = {
    'domain_name': 'str', 'enabled': 'bool', 'periodic_scan': 'bool', 'periodic_scan_interval': 'int',
    'auto_onboarding': 'bool', 'auto_onboarding_policy': 'str', 'comment': 'str', 'endpoints': 'list',
}
# What a new domain gets when the task does not say: enabled, so that it can be scanned.
DOMAIN_CREATE_DEFAULTS = {'enabled': True}
# Every key of a TargetDomain as this collection returns it, with its empty value.
RETURNED_DOMAIN = {
    'id': '', 'name': '', 'domain_name': '', 'enabled': False, 'periodic_scan': False, 'periodic_scan_interval': 0,
    'auto_onboarding': False, 'auto_onboarding_policy': {}, 'comment': '', 'endpoints': [], 'scan_status': '',
    'scan_message': '', 'last_scanned': '', 'created': '', 'author': '', 'updated': '', 'updated_by': '',
}
SECRET_MARKER = '(a new secret will be stored)'
# In a diff's before: an endpoint the change removes takes the secret PrivX stores for it along (never readable).
LOST_SECRET_MARKER = '(removed with its endpoint: PrivX cannot give a stored secret back)'
SECRET_BY_TYPE = {'AD': 'ldap_bind_password', 'LDAP': 'ldap_bind_password', 'ENTRA_ID': 'entra_client_secret'}


def endpoint_options_spec():
    """Suboptions of ``endpoints``: Ansible refuses unknown keys and wrong types before the module runs."""
    spec = {field: {'type': type_name} for field, type_name in ENDPOINT_FIELDS.items()}
    spec['type'].update(required=True, choices=list(ENDPOINT_TYPES))
    spec['ldap_protocol']['choices'] = list(LDAP_PROTOCOLS)
    spec['entra_group_filter']['elements'] = 'str'
    for secret in ENDPOINT_SECRETS:
        spec[secret]['no_log'] = True
    return spec


def domain_options_spec():
    """Argument spec of the domain fields (target_domain's options besides its name and how to apply them)."""
    spec = {field: {'type': type_name} for field, type_name in DOMAIN_FIELDS.items()}
    spec['endpoints'].update(elements='dict', options=endpoint_options_spec())
    return spec


def checked_endpoint(endpoint, index):
    """An endpoint as the task declares it, without its unset keys; a contradiction is one line naming the field."""
    declared = {field: value for field, value in endpoint.items() if value is not None}
    where = 'endpoints[%d]' % index
    kind = declared['type']
    foreign = 'entra_' if kind in LDAP_TYPES else 'ldap_'
    for field, value in declared.items():
        if field.startswith(foreign) and value not in (None, '', 0, False, [], {}):
            raise PrivXConfigError('%s.%s does not apply to an endpoint of type %s' % (where, field, kind))
        if ENDPOINT_FIELDS[field] == 'int' and not 0 <= value <= (65535 if field == 'ldap_port' else 2 ** 31 - 1):
            raise PrivXConfigError('%s.%s must be between 0 and %d, got %d' % (
                where, field, 65535 if field == 'ldap_port' else 2 ** 31 - 1, value))
    for field in REQUIRED_ENDPOINT_FIELDS[kind]:
        if not (declared.get(field) or '').strip():
            raise PrivXConfigError('%s.%s is required for an endpoint of type %s' % (where, field, kind))
    for key, value in (declared.get('attribute_mapping') or {}).items():
        if not isinstance(value, str):
            raise PrivXConfigError('%s.attribute_mapping.%s must be a string' % (where, key))
    return declared


def comparable_endpoint(endpoint):
    """Every field but the secrets, with PrivX's omitted values filled in."""
    return {field: endpoint.get(field) if endpoint.get(field) is not None else ZERO_VALUES[type_name]
            for field, type_name in ENDPOINT_FIELDS.items() if field not in ENDPOINT_SECRETS}


def shown_endpoint(endpoint):
    """An endpoint as answers show it: no secret, and no empty field but the three PrivX always sends."""
    view = comparable_endpoint(endpoint)
    return {field: value for field, value in view.items() if field in ENDPOINT_ALWAYS or value not in ('', 0, False, [], {})}


def endpoint_identity(endpoint):
    """Which stored endpoint this one is: a PUT endpoint without a secret keeps the stored secret of the same one."""
    view = comparable_endpoint(endpoint)
    if view['type'] in LDAP_TYPES:
        return view['type'], view['ldap_address'].lower(), view['ldap_port']
    return view['type'], view['entra_tenant_id'].lower(), view['entra_client_id']


def comparable_domain(domain):
    """A server domain reduced to the writable fields, with omitted values filled in."""
    view = {}
    for field, type_name in DOMAIN_FIELDS.items():
        if field == 'auto_onboarding_policy':
            # A policy handle {id, name} as PrivX answers it, or a policy name as a task declares it.
            handle = domain.get(field) or ''
            view[field] = handle if isinstance(handle, str) else handle.get('name') or ''
        elif field == 'endpoints':
            view[field] = [comparable_endpoint(endpoint) for endpoint in domain.get(field) or []]
        else:
            view[field] = domain.get(field) if domain.get(field) is not None else ZERO_VALUES[type_name]
    return view


def domain_changes(domain, desired):
    """The declared fields whose value differs from the domain's: {field: value as declared}."""
    view, wanted = comparable_domain(domain), comparable_domain(desired)
    return {field: desired[field] for field in desired if wanted[field] != view[field]}


def returned_domain(domain):
    """What modules return for a domain: every documented key, nothing else (never a secret)."""
    view = returned_view(RETURNED_DOMAIN, domain)
    view['endpoints'] = [shown_endpoint(endpoint) for endpoint in view['endpoints']]
    return view


class TargetDomains:
    """Target domains as PrivX's API offers them: read, write and scan."""

    def __init__(self, client):
        self.client = client

    def find(self, name, *, declared=False):
        """The domain with exactly this name, or None: one search call (its answer is the whole domain).

        ``declared``: the name is the one a task declares, so a domain whose name differs only in letter case is
        an error (a typo that would otherwise create a second domain), not a miss.
        """
        found = list(self.client.paginate(paths.TARGET_DOMAIN_SEARCH, method='POST', body={'keywords': name}))
        exact = next((domain for domain in found if domain.get('name') == name), None)
        other = next((domain['name'] for domain in found if (domain.get('name') or '').lower() == name.lower()), None)
        if declared and exact is None and other is not None:
            raise PrivXConfigError('name %r differs only in letter case from %r, which PrivX already holds: write %r' % (name, other, other))
        return exact

    def all(self):
        return list(self.client.paginate(paths.TARGET_DOMAINS))

    def read(self, *, name=None, domain_id=None):
        """The domain with this name, or this id, or all of them: a list in each case."""
        if name is not None:
            found = self.find(name)
        elif domain_id is not None:
            if not UUID_PATTERN.match(domain_id):
                raise PrivXConfigError('id %r is not a PrivX id (a UUID such as 0c5a8f7e-221c-11ee-be56-0242ac120002)' % domain_id)
            found = self.get_if_exists(domain_id)
        else:
            return self.all()
        return [found] if found else []

    def get(self, domain_id):
        return self.client.get(paths.target_domain(domain_id))

    @when_not_found()
    def get_if_exists(self, domain_id):
        return self.get(domain_id)

    def create(self, body):
        return created_id(self.client.post(paths.TARGET_DOMAINS, body), 'POST', paths.TARGET_DOMAINS)

    def replace(self, domain_id, body):
        self.client.put(paths.target_domain(domain_id), body)

    def delete(self, domain):
        refused = on_api_error(400, lambda error: PrivXError(
            'PrivX refuses to delete target domain %r: %s' % (domain['name'], error.error_message or 'HTTP 400')))
        with refused:
            self.client.delete(paths.target_domain(domain['id']))

    def scan(self, domain_id):
        """Start a scan; a second refresh joins the running scan, so a retry is harmless."""
        self.client.post(paths.target_domain_refresh(domain_id), idempotent=True)


def returned_domains(domains, *, name=None, domain_id=None, scanned_accounts=False):
    """What target_domain_info returns: the domain with this name or id, or all of them, each with its scanned
    accounts when asked (one more list per domain)."""
    returned = [returned_domain(domain) for domain in domains.read(name=name, domain_id=domain_id)]
    if scanned_accounts:
        for view in returned:
            found = ScannedAccounts(domains.client, TargetDomain(view['id'], view['name'])).read()
            view['scanned_accounts'] = [returned_scanned_account(account) for account in found]
    return returned
