# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a PrivX and an API client allow: its services' status, the client's roles, and job by job what it can do.

The permission names, what each job needs and where that was read are in docs/privx-api-fields.md ("Permissions").
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import (
    PrivXApiError,
    PrivXAuthError,
    PrivXConnectionError,
    PrivXError,
)

ADMIN = 'privx-admin'
# A job that any role permits: what the caller may use depends on what its roles reach, not on a permission.
ANY_ROLE = 'any role'


class Job:
    """One thing a user runs the collection for, and the permissions that grant it (any one of them)."""

    def __init__(self, key, title, granted_by, used_by, advice=''):
        self.key = key
        self.title = title
        self.granted_by = granted_by
        self.used_by = used_by
        # What to check besides: a permission PrivX documents for this use, that the job may still work without.
        self.advice = advice

    def allowed(self, roles, permissions):
        if self.granted_by == (ANY_ROLE,):
            return bool(roles)
        return any(permission in permissions for permission in self.granted_by)

    def needs(self):
        return ' or '.join(self.granted_by)


JOBS = (
    Job('read_target_domains', 'read target domains and scans', (ADMIN, 'target-domains-view'), 'target_domain_info'),
    Job('declare_password_policies', 'declare password policies', (ADMIN,), 'password_policy, managed_accounts role'),
    Job('declare_target_domains', 'declare and scan target domains', (ADMIN,), 'target_domain, managed_accounts role'),
    Job('manage_accounts', 'manage accounts', (ADMIN,), 'managed_account, managed_account_batch, scanned_account'),
    Job('rotate', 'rotate passwords', (ADMIN,), 'rotate, rotation role'),
    Job('check_out_secrets', 'list and check out secrets', (ANY_ROLE,), 'account_secret_info, checkout lookup',
        advice='connections-authorize'),
    Job('vault_secrets', 'create Vault secrets', ('vault-add', 'vault-manage'), 'Vault (later)'),
)

# The services whose status PrivX's SDKs read (Status() in privx-sdk-go; privx-sdk-for-python's STATUS urls).
SERVICES = ('secrets-manager', 'authorizer', 'vault', 'role-store', 'host-store', 'auth')


def service_status(client, service):
    """One service's status row; a service that does not answer 2xx is reported, not fatal (Vault may be absent)."""
    try:
        answer = client.get(paths.service_status(service))
    except PrivXApiError as error:
        return {'service': service, 'status': 'HTTP %s' % error.status, 'version': '', 'api_version': ''}
    answer = answer if isinstance(answer, dict) else {}
    return {'service': service, 'status': _text(answer.get('status')) or 'unknown', 'version': _text(answer.get('version')),
            'api_version': _text(answer.get('api_version'))}


def identity(current):
    """The caller as users/current describes it: who, its roles (name and permissions) and all its permissions."""
    current = current if isinstance(current, dict) else {}
    roles = [role for role in current.get('roles') or [] if isinstance(role, dict)]
    permissions = set(current.get('permissions') or [])
    for role in roles:
        permissions.update(role.get('permissions') or [])
    return {
        'id': _text(current.get('id')),
        'principal': _text(current.get('principal')),
        'roles': sorted(_text(role.get('name')) or _text(role.get('id')) for role in roles),
        'permissions': sorted(_text(permission) for permission in permissions),
    }


def job_rows(who):
    rows = []
    for job in JOBS:
        allowed = job.allowed(who['roles'], who['permissions'])
        row = {'job': job.key, 'title': job.title, 'allowed': allowed, 'granted_by': list(job.granted_by), 'used_by': job.used_by,
               'missing': '' if allowed else job.needs()}
        if allowed and job.advice and job.advice not in who['permissions']:
            row['note'] = 'PrivX documents %s for API clients that fetch credentials from the authorizer' % job.advice
        rows.append(row)
    return rows


def no_role_error(settings, who):
    return PrivXError(
        'API client %r holds no role in PrivX, so it can do none of the jobs: grant it a role in PrivX '
        '(one with %s to administer Secrets Manager; any role to list and check out the secrets that role reaches)' % (
            who['principal'] or settings.identity, ADMIN))


# What to fix, by what failed: the preflight is the first run against a PrivX, so its failure names the options to check.
FIXES = (
    (PrivXConnectionError, 'check url (its scheme, host and port) and ca_path, and that PrivX answers there from this host'),
    (PrivXAuthError, 'check client_id and client_secret, and oauth_client_id and oauth_client_secret, against the API '
                     'client in PrivX'),
)
EXCHANGE_FIX = ('check the token to exchange (exchange_token_file or exchange_token), and the identity provider in PrivX '
                'that trusts its issuer (privx.secrets.identity_provider_info lists them)')


def connection_report(client):
    """The whole report: services, identity, jobs and the table that shows them."""
    try:
        return _report(client)
    except (PrivXConnectionError, PrivXAuthError) as error:
        fix = next(text for kind, text in FIXES if isinstance(error, kind))
        if isinstance(error, PrivXAuthError) and client.settings.exchange:
            fix = EXCHANGE_FIX
        raise PrivXError('%s; %s' % (error, fix)) from None


def _report(client):
    services = [service_status(client, service) for service in SERVICES]
    who = identity(client.get(paths.CURRENT_USER))
    if not who['roles']:
        raise no_role_error(client.settings, who)
    jobs = job_rows(who)
    return {'url': client.settings.url, 'services': services, 'identity': who, 'jobs': jobs,
            'table': table(client.settings.url, services, who, jobs)}


def table(url, services, who, jobs):
    """The report as lines of text, for a debug task at default verbosity."""
    lines = ['PrivX %s, API client %r, roles: %s' % (url, who['principal'], ', '.join(who['roles']))]
    lines.append('%-16s %-10s %s' % ('service', 'status', 'version'))
    lines.extend('%-16s %-10s %s' % (row['service'], row['status'], row['version']) for row in services)
    lines.append('%-32s %-4s %s' % ('job', 'can', 'missing (grant a role with it)'))
    for row in jobs:
        text = '%-32s %-4s %s' % (row['title'], 'yes' if row['allowed'] else 'no', row['missing'])
        if row.get('note'):
            text += '(note: %s)' % row['note']
        lines.append(text.rstrip())
    return lines


def _text(value):
    return value if isinstance(value, str) else ''
