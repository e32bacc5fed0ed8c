# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The API's paths (docs/privx-api.md and docs/privx-api-admin.md, exactly those) and how a request path finds its route.

import re

from . import (api_auth, api_authorizer, api_batch, api_identity, api_managed_accounts, api_policies, api_roles, api_target_domains,
               api_vault)
from .fields import STATUS_SERVICES

SM = "/secrets-manager/api/v1"
AZ = "/authorizer/api/v1"
TOKEN_PATH = "/auth/api/v1/oauth/token"
TD = SM + "/targetdomains/{targetDomainID}"
MA = TD + "/managedaccounts"
POLICY = SM + "/password-policy"
RS = "/role-store/api/v1"
VAULT = "/vault/api/v1"
USER_SECRETS = VAULT + "/user/{userID}/secrets"

# `{name}` is one path segment; `{name:path}` the rest of the path, slashes included (a Vault secret's name).
_PARAMETER = re.compile(r"\{(\w+)(:path)?\}")


class Route:
    """One method on one path template. `user_allowed`: callable by a client with any role; `any_caller`:
    by any client with a token, even one without roles; `public`: needs no bearer token (the token endpoint)."""

    def __init__(self, method: str, template: str, handler, user_allowed: bool = False, public: bool = False,
                 any_caller: bool = False) -> None:
        self.method = method
        self.template = template
        self.handler = handler
        self.user_allowed = user_allowed
        self.public = public
        self.any_caller = any_caller
        # Parameters taken as text; every other one must be a UUID.
        self.text_params = frozenset(match.group(1) for match in _PARAMETER.finditer(template) if match.group(2))


ROUTES = (
    Route("POST", TOKEN_PATH, api_auth.issue_token, public=True),
    Route("GET", SM + "/targetdomains", api_target_domains.list_target_domains),
    Route("POST", SM + "/targetdomains", api_target_domains.create_target_domain),
    Route("POST", SM + "/targetdomains/search", api_target_domains.search_target_domains),
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
    Route("GET", AZ + "/secrets", api_authorizer.list_secrets, user_allowed=True),
    Route("POST", AZ + "/secrets/search", api_authorizer.search_secrets, user_allowed=True),
    Route("GET", AZ + "/secrets/checkouts", api_authorizer.list_checkouts, user_allowed=True),
    Route("POST", AZ + "/secrets/checkouts", api_authorizer.create_checkout, user_allowed=True),
    Route("GET", AZ + "/secrets/checkouts/{checkoutID}", api_authorizer.get_checkout, user_allowed=True),
    Route("POST", AZ + "/secrets/checkouts/{checkoutID}/release", api_authorizer.release_checkout, user_allowed=True),
    Route("GET", "/role-store/api/v1/users/current", api_identity.current_user, any_caller=True),
    # Role store and Vault: the handlers check what the caller's roles permit, refusing a caller without any
    # (api_roles.py, api_vault.py): which permission or role a call needs depends on the secret.
    Route("GET", RS + "/roles", api_roles.list_roles, any_caller=True),
    Route("POST", RS + "/roles/resolve", api_roles.resolve_roles, any_caller=True),
    Route("GET", RS + "/roles/{roleID}", api_roles.get_role, any_caller=True),
    Route("GET", VAULT + "/secrets", api_vault.list_secrets, any_caller=True),
    Route("POST", VAULT + "/secrets", api_vault.create_secret, any_caller=True),
    Route("GET", VAULT + "/secrets/{name:path}", api_vault.get_secret, any_caller=True),
    Route("PUT", VAULT + "/secrets/{name:path}", api_vault.update_secret, any_caller=True),
    Route("DELETE", VAULT + "/secrets/{name:path}", api_vault.delete_secret, any_caller=True),
    Route("GET", VAULT + "/metadata/secrets/{name:path}", api_vault.get_metadata, any_caller=True),
    Route("POST", VAULT + "/search/secrets", api_vault.search_secrets, any_caller=True),
    Route("GET", VAULT + "/schemas", api_vault.get_schemas, any_caller=True),
    Route("GET", USER_SECRETS, api_vault.list_user_secrets, any_caller=True),
    Route("POST", USER_SECRETS, api_vault.create_user_secret, any_caller=True),
    Route("GET", USER_SECRETS + "/{name:path}", api_vault.get_user_secret, any_caller=True),
    Route("PUT", USER_SECRETS + "/{name:path}", api_vault.update_user_secret, any_caller=True),
    Route("DELETE", USER_SECRETS + "/{name:path}", api_vault.delete_user_secret, any_caller=True),
    Route("GET", VAULT + "/user/{userID}/metadata/secrets/{name:path}", api_vault.get_user_metadata, any_caller=True),
) + tuple(Route("GET", path, api_identity.service_status, any_caller=True) for path in STATUS_SERVICES.values())


def _compile(template: str):
    pattern = ""
    position = 0
    for match in _PARAMETER.finditer(template):
        segment = ".+" if match.group(2) else "[^/]+"
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
