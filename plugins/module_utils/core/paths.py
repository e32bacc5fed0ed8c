# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PrivX API paths, in one place (the endpoints are described in docs/privx-api.md)."""

from __future__ import annotations

from urllib.parse import quote

SECRETS_MANAGER = '/secrets-manager/api/v1'
AUTHORIZER = '/authorizer/api/v1'

TARGET_DOMAINS = SECRETS_MANAGER + '/targetdomains'
TARGET_DOMAIN_SEARCH = TARGET_DOMAINS + '/search'
TARGET_DOMAIN_RESOLVE = TARGET_DOMAINS + '/resolve'
PASSWORD_POLICIES = SECRETS_MANAGER + '/password-policies'
# The singular for one policy, and for creating one (docs/privx-api-admin.md).
PASSWORD_POLICY = SECRETS_MANAGER + '/password-policy'

SECRETS = AUTHORIZER + '/secrets'
SECRET_SEARCH = SECRETS + '/search'
CHECKOUTS = SECRETS + '/checkouts'
# The caller as PrivX's role store knows it: its roles and permissions (docs/privx-api-fields.md, CurrentUser).
CURRENT_USER = '/role-store/api/v1/users/current'
# Trusted JWT issuers of the token exchange (docs/privx-api-admin.md, "Identity providers").
IDENTITY_PROVIDERS = '/role-store/api/v1/identity-providers'
# Role names to roles (docs/privx-api.md, "Role store"): a bare JSON array of names in, the roles found out.
ROLE_RESOLVE = '/role-store/api/v1/roles/resolve'

VAULT = '/vault/api/v1'
VAULT_SECRETS = VAULT + '/secrets'
VAULT_SECRET_SEARCH = VAULT + '/search/secrets'


def _segment(value):
    return quote(str(value), safe='')


def target_domain(domain_id):
    return '%s/%s' % (TARGET_DOMAINS, _segment(domain_id))


def scanned_accounts(domain_id):
    return target_domain(domain_id) + '/accounts'


def scanned_account_search(domain_id):
    return scanned_accounts(domain_id) + '/search'


def scanned_account_batch_edit(domain_id):
    return scanned_accounts(domain_id) + '/batch/edit'


def target_domain_refresh(domain_id):
    """POST here starts a scan of the domain (docs/privx-api-admin.md)."""
    return target_domain(domain_id) + '/refresh'


def managed_accounts(domain_id):
    return target_domain(domain_id) + '/managedaccounts'


def managed_account_search(domain_id):
    return managed_accounts(domain_id) + '/search'


def managed_account(domain_id, account_id):
    return '%s/%s' % (managed_accounts(domain_id), _segment(account_id))


def managed_account_rotate(domain_id, account_id):
    return managed_account(domain_id, account_id) + '/rotate'


def managed_account_password(domain_id, account_id):
    return managed_account(domain_id, account_id) + '/password'


def managed_account_batch(domain_id, operation):
    """operation: create, edit, delete or rotate."""
    return '%s/batch/%s' % (managed_accounts(domain_id), operation)


def checkout(checkout_id):
    return '%s/%s' % (CHECKOUTS, _segment(checkout_id))


def checkout_release(checkout_id):
    return checkout(checkout_id) + '/release'


def password_policy(policy_id):
    return '%s/%s' % (PASSWORD_POLICY, _segment(policy_id))


def identity_provider(provider_id):
    return '%s/%s' % (IDENTITY_PROVIDERS, _segment(provider_id))


def service_status(service):
    """A PrivX service's status, e.g. service_status('vault') (docs/privx-api-fields.md, ServiceStatus)."""
    return '/%s/api/v1/status' % service


# The monitor service: PrivX's audit log (docs/privx-api-admin.md, "Audit events").
MONITOR = '/monitor-service/api/v1'
AUDIT_EVENT_SEARCH = MONITOR + '/auditevents/search'
AUDIT_EVENT_CODES = MONITOR + '/auditevents/codes'
MONITOR_TIME = MONITOR + '/time'

# Host password rotation (docs/privx-api-admin.md, "Hosts", "Host password rotation", "Script templates").
HOST_STORE = '/host-store/api/v1'
HOSTS = HOST_STORE + '/hosts'
HOST_SEARCH = HOSTS + '/search'
SCRIPT_TEMPLATES = SECRETS_MANAGER + '/script-templates'
# The singular for one template, for creating one and for compiling (as for password policies).
SCRIPT_TEMPLATE = SECRETS_MANAGER + '/script-template'
SCRIPT_TEMPLATE_COMPILE = SCRIPT_TEMPLATE + '/compile'


def host(host_id):
    return '%s/%s' % (HOSTS, _segment(host_id))


def host_account_rotate(host_id, account):
    """POST here starts the rotation of one account of a host (there is no batch call)."""
    return '%s/rotate/%s/%s' % (SECRETS_MANAGER, _segment(host_id), _segment(account))


def script_template(template_id):
    return '%s/%s' % (SCRIPT_TEMPLATE, _segment(template_id))


def vault_secret(name):
    """A Vault secret by name, quoted whole, slashes too, as PrivX's SDKs do (docs/privx-api.md, "Vault", Names)."""
    return '%s/%s' % (VAULT_SECRETS, _segment(name))


def vault_metadata(name):
    """A Vault secret without its data."""
    return '%s/metadata/secrets/%s' % (VAULT, _segment(name))


def personal_vault_secret(user_id, name):
    """A personal Vault secret of the user ``user_id``."""
    return '%s/user/%s/secrets/%s' % (VAULT, _segment(user_id), _segment(name))
