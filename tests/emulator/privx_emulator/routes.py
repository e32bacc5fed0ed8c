# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The API's paths (docs/privx-api.md and docs/privx-api-admin.md, exactly those) and how a request path finds its route.

import re

from . import (
    api_auth, api_authorizer, api_batch, api_host_secrets, api_hosts, api_identity, api_identity_providers, api_managed_accounts,
    api_monitor, api_policies, api_roles, api_script_templates, api_target_domains, api_vault, host_rotation, token_exchange,
)
from .fields import STATUS_SERVICES

SM = "/secrets-manager/api/v1"
AZ = "/authorizer/api/v1"
TOKEN_PATH = "/auth/api/v1/oauth/token"
EXCHANGE_PATH = token_exchange.EXCHANGE_PATH
# The endpoints that speak OAuth 2.0 (their errors are {error, error_description}), not PrivX's error body.
OAUTH_PATHS = (TOKEN_PATH, EXCHANGE_PATH)
RS = "/role-store/api/v1"
IDP = RS + "/identity-providers"
TD = SM + "/targetdomains/{targetDomainID}"
MA = TD + "/managedaccounts"
POLICY = SM + "/password-policy"
MONITOR = "/monitor-service/api/v1"
SCRIPT_TEMPLATE = SM + "/script-template"
HOSTS = "/host-store/api/v1/hosts"
# The permissions that grant a route besides privx-admin. The audit log's (docs/privx-api-admin.md, "Audit events"):
LOGS_VIEW = ("logs-view",)
# Host rotation objects fall under the hosts permissions (docs/privx-api-fields.md, "Permissions").
HOSTS_VIEW = ("hosts-view", "hosts-manage")
HOSTS_MANAGE = ("hosts-manage",)
# Reading the role store's roles (api_roles.py).
ROLES_VIEW = ("roles-view", "roles-manage")
VAULT = "/vault/api/v1"
USER_SECRETS = VAULT + "/user/{userID}/secrets"

# `{name}` is one path segment, a UUID; `{name:text}` one segment of text (a host account's name); `{name:path}` the rest
# of the path, slashes included (a Vault secret's name).
_PARAMETER = re.compile(r"\{(\w+)(:text|:path)?\}")


class Route:
    """One method on one path template. Callable by a client with the privx-admin permission, or with any of
    `permissions` when the route names some; `user_allowed`: by a client with any role (PrivX's "user" scope, which
    the authorizer's secret and checkout calls require: docs/privx-api.md); `any_caller`: by any client with a token,
    even one without roles; `public`: needs no bearer token (the token endpoint). Path parameters are UUIDs unless
    the template marks them text (`{name:text}`, `{name:path}`)."""

    def __init__(self, method: str, template: str, handler, user_allowed: bool = False, public: bool = False,
                 any_caller: bool = False, permissions: tuple = ()) -> None:
        self.method = method
        self.template = template
        self.handler = handler
        self.user_allowed = user_allowed
        self.public = public
        self.any_caller = any_caller
        self.permissions = permissions
        # Parameters taken as text; every other one must be a UUID.
        self.text_params = frozenset(match.group(1) for match in _PARAMETER.finditer(template) if match.group(2))


ROUTES = (
    Route("POST", TOKEN_PATH, api_auth.issue_token, public=True),
    Route("GET", SM + "/targetdomains", api_target_domains.list_target_domains),
    Route("POST", SM + "/targetdomains", api_target_domains.create_target_domain),
    Route("POST", SM + "/targetdomains/search", api_target_domains.search_target_domains),
    Route("POST", SM + "/targetdomains/resolve", api_target_domains.resolve_target_domains),
    Route("GET", TD, api_target_domains.get_target_domain),
    Route("PUT", TD, api_target_domains.replace_target_domain),
    Route("DELETE", TD, api_target_domains.delete_target_domain),
    Route("POST", TD + "/refresh", api_target_domains.refresh_target_domain),
    Route("GET", TD + "/accounts", api_target_domains.list_scanned_accounts),
    Route("POST", TD + "/accounts/search", api_target_domains.search_scanned_accounts),
    Route("GET", TD + "/accounts/{accountID}", api_target_domains.get_scanned_account),
    Route("PUT", TD + "/accounts/{accountID}", api_target_domains.change_scanned_account),
    Route("POST", TD + "/accounts/batch/edit", api_target_domains.batch_edit_scanned_accounts),
    Route("GET", MA, api_managed_accounts.list_managed_accounts),
    Route("POST", MA, api_managed_accounts.create_managed_account),
    Route("POST", MA + "/search", api_managed_accounts.search_managed_accounts),
    Route("GET", MA + "/{managedAccountID}", api_managed_accounts.get_managed_account),
    Route("PUT", MA + "/{managedAccountID}", api_managed_accounts.replace_managed_account),
    Route("DELETE", MA + "/{managedAccountID}", api_managed_accounts.delete_managed_account),
    Route("POST", MA + "/{managedAccountID}/rotate", api_managed_accounts.rotate_managed_account),
    Route("POST", MA + "/{managedAccountID}/password", api_managed_accounts.provide_password),
    Route("POST", MA + "/batch/create", api_batch.batch_create),
    Route("POST", MA + "/batch/edit", api_batch.batch_edit),
    Route("POST", MA + "/batch/delete", api_batch.batch_delete),
    Route("POST", MA + "/batch/rotate", api_batch.batch_rotate),
    Route("GET", SM + "/password-policies", api_policies.list_policies),
    Route("POST", POLICY, api_policies.create_policy),
    Route("GET", POLICY + "/{passwordPolicyID}", api_policies.get_policy),
    Route("PUT", POLICY + "/{passwordPolicyID}", api_policies.replace_policy),
    Route("DELETE", POLICY + "/{passwordPolicyID}", api_policies.delete_policy),
    Route("GET", SM + "/script-templates", api_script_templates.list_templates, permissions=HOSTS_VIEW),
    Route("POST", SCRIPT_TEMPLATE, api_script_templates.create_template, permissions=HOSTS_MANAGE),
    Route("POST", SCRIPT_TEMPLATE + "/compile", api_script_templates.compile_template, permissions=HOSTS_VIEW),
    Route("GET", SCRIPT_TEMPLATE + "/{scriptTemplateID}", api_script_templates.get_template, permissions=HOSTS_VIEW),
    Route("PUT", SCRIPT_TEMPLATE + "/{scriptTemplateID}", api_script_templates.replace_template, permissions=HOSTS_MANAGE),
    Route("DELETE", SCRIPT_TEMPLATE + "/{scriptTemplateID}", api_script_templates.delete_template, permissions=HOSTS_MANAGE),
    Route("GET", SM + "/host-secret/{hostID}", api_host_secrets.get_host_secret),
    Route("POST", SM + "/host-secret/{hostID}", api_host_secrets.create_host_secret),
    Route("DELETE", SM + "/host-secret/{hostID}", api_host_secrets.delete_host_secret),
    Route("POST", SM + "/rotate/{hostID}/{account:text}", host_rotation.rotate_host_account, permissions=HOSTS_VIEW),
    Route("GET", HOSTS, api_hosts.list_hosts, permissions=HOSTS_VIEW),
    Route("POST", HOSTS, api_hosts.create_host, permissions=HOSTS_MANAGE),
    Route("POST", HOSTS + "/search", api_hosts.search_hosts, permissions=HOSTS_VIEW),
    Route("GET", HOSTS + "/{hostID}", api_hosts.get_host, permissions=HOSTS_VIEW),
    Route("PUT", HOSTS + "/{hostID}", api_hosts.replace_host, permissions=HOSTS_MANAGE),
    Route("DELETE", HOSTS + "/{hostID}", api_hosts.delete_host, permissions=HOSTS_MANAGE),
    Route("GET", AZ + "/secrets", api_authorizer.list_secrets, user_allowed=True),
    Route("POST", AZ + "/secrets/search", api_authorizer.search_secrets, user_allowed=True),
    Route("GET", AZ + "/secrets/checkouts", api_authorizer.list_checkouts, user_allowed=True),
    Route("POST", AZ + "/secrets/checkouts", api_authorizer.create_checkout, user_allowed=True),
    Route("GET", AZ + "/secrets/checkouts/{checkoutID}", api_authorizer.get_checkout, user_allowed=True),
    Route("POST", AZ + "/secrets/checkouts/{checkoutID}/release", api_authorizer.release_checkout, user_allowed=True),
    Route("GET", RS + "/users/current", api_identity.current_user, any_caller=True),
    Route("POST", MONITOR + "/auditevents/search", api_monitor.search_audit_events, permissions=LOGS_VIEW),
    Route("GET", MONITOR + "/auditevents", api_monitor.list_audit_events, permissions=LOGS_VIEW),
    Route("GET", MONITOR + "/auditevents/codes", api_monitor.audit_event_codes, permissions=LOGS_VIEW),
    Route("GET", MONITOR + "/time", api_monitor.server_time, any_caller=True),
    Route("POST", EXCHANGE_PATH, token_exchange.exchange_token, public=True),
    Route("GET", IDP, api_identity_providers.list_providers),
    Route("POST", IDP, api_identity_providers.create_provider),
    Route("POST", IDP + "/search", api_identity_providers.search_providers),
    Route("GET", IDP + "/{identityProviderID}", api_identity_providers.get_provider),
    Route("PUT", IDP + "/{identityProviderID}", api_identity_providers.replace_provider),
    Route("DELETE", IDP + "/{identityProviderID}", api_identity_providers.delete_provider),
    Route("GET", RS + "/roles", api_roles.list_roles, permissions=ROLES_VIEW),
    Route("POST", RS + "/roles/resolve", api_roles.resolve_roles, permissions=ROLES_VIEW),
    Route("GET", RS + "/roles/{roleID}", api_roles.get_role, permissions=ROLES_VIEW),
    # Vault: any caller with a role; what it may do with a secret depends on the secret's roles (api_vault.py).
    Route("GET", VAULT + "/secrets", api_vault.list_secrets, user_allowed=True),
    Route("POST", VAULT + "/secrets", api_vault.create_secret, user_allowed=True),
    Route("GET", VAULT + "/secrets/{name:path}", api_vault.get_secret, user_allowed=True),
    Route("PUT", VAULT + "/secrets/{name:path}", api_vault.update_secret, user_allowed=True),
    Route("DELETE", VAULT + "/secrets/{name:path}", api_vault.delete_secret, user_allowed=True),
    Route("GET", VAULT + "/metadata/secrets/{name:path}", api_vault.get_metadata, user_allowed=True),
    Route("POST", VAULT + "/search/secrets", api_vault.search_secrets, user_allowed=True),
    Route("GET", VAULT + "/schemas", api_vault.get_schemas, user_allowed=True),
    Route("GET", USER_SECRETS, api_vault.list_user_secrets, user_allowed=True),
    Route("POST", USER_SECRETS, api_vault.create_user_secret, user_allowed=True),
    Route("GET", USER_SECRETS + "/{name:path}", api_vault.get_user_secret, user_allowed=True),
    Route("PUT", USER_SECRETS + "/{name:path}", api_vault.update_user_secret, user_allowed=True),
    Route("DELETE", USER_SECRETS + "/{name:path}", api_vault.delete_user_secret, user_allowed=True),
    Route("GET", VAULT + "/user/{userID}/metadata/secrets/{name:path}", api_vault.get_user_metadata, user_allowed=True),
) + tuple(Route("GET", path, api_identity.service_status, any_caller=True) for path in STATUS_SERVICES.values())


def _compile(template: str):
    pattern = ""
    position = 0
    for match in _PARAMETER.finditer(template):
        segment = ".+" if match.group(2) == ":path" else "[^/]+"
        pattern += re.escape(template[position:match.start()]) + f"(?P<{match.group(1)}>{segment})"
        position = match.end()
    return re.compile("^" + pattern + re.escape(template[position:]) + "$")


class Router:
    """Path templates with their methods. A literal segment beats a parameter, so that
    GET .../managedaccounts/search is a wrong method (405) rather than a malformed account id."""

    def __init__(self, routes=ROUTES) -> None:
        self._templates = []
        by_template = {}
        for route in routes:
            by_template.setdefault(route.template, {})[route.method] = route
        for template, methods in by_template.items():
            self._templates.append((template.count("{"), _compile(template), methods))
        self._templates.sort(key=lambda entry: entry[0])

    def resolve(self, path: str) -> tuple:
        """({method: Route}, {parameter: value}) of the most specific template, or (None, None)."""
        for _specificity, pattern, methods in self._templates:
            match = pattern.match(path)
            if match:
                return methods, match.groupdict()
        return None, None
