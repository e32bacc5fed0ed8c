# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging one managed account: absent, created or updated, field by field.

The single-account counterpart of ``converge/batch.py``: both compare with the helpers of ``resources/managed_accounts.py``
(only the fields the task names), and both return a result with a ``diff`` that the module base
drops when diff mode is off.
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import Applied, PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.resources.managed_accounts import (
    PASSWORD_MARKER,
    as_options,
    create_body,
    account_changes,
    account_diff,
    predicted_account,
    predicted_update,
    returned_account,
)
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies


class AccountRequest:
    """What a task declares for one account: its fields, and what to do with a password."""

    def __init__(self, username, desired, *, password=None, update_password='on_create', rotate=False):
        self.username = username
        self.desired = desired
        self.password = password
        self.update_password = update_password
        self.rotate = rotate

    @property
    def stores_password_on_update(self):
        return bool(self.password) and self.update_password == 'always'


def converge_account(domain_accounts, request, *, state, check_mode):
    """Make the account match ``request`` (or remove it); returns the module result, with its diff."""
    current = domain_accounts.find(request.username)
    if state == 'absent':
        return _ensure_absent(domain_accounts, current, check_mode=check_mode)
    if current is None:
        created = _ensure_created(domain_accounts, request, check_mode=check_mode)
        if created is not None:
            return created
        # Created meanwhile by another task (the same play on other forks): converge with what PrivX now holds.
        current = domain_accounts.find(request.username)
        if current is None:
            raise PrivXError('PrivX refused to create managed account %r as a duplicate, yet holds none of that name '
                             '(deleted meanwhile?): run the task again' % request.username)
    return _ensure_updated(domain_accounts, current, request, check_mode=check_mode)


def _ensure_absent(domain_accounts, current, *, check_mode):
    if current is None:
        return {'changed': False, 'managed_account': {}, 'diff': {'before': {}, 'after': {}}}
    if not check_mode:
        domain_accounts.delete(current)
    return {'changed': True, 'managed_account': {}, 'diff': {'before': as_options(current), 'after': {}}}


def _ensure_created(domain_accounts, request, *, check_mode):
    """The result of creating the account, or None when another task created it after this one looked."""
    body = create_body(request.username, request.desired, domain_accounts.scanned.find(request.username), PasswordPolicies(domain_accounts.client))
    _before, after = account_diff(None, request.desired)
    after['username'] = request.username
    if request.password:
        after['password'] = PASSWORD_MARKER
    result = {'changed': True, 'diff': {'before': {}, 'after': after}}
    if check_mode:
        result['managed_account'] = predicted_account(domain_accounts.domain, body=body)
    else:
        with Applied('managed account %r' % request.username) as applied:
            account_id = domain_accounts.create(body, password=request.password, rotate=request.rotate)
            if account_id is None:
                return None
            applied.done.append('created')
            result['managed_account'] = returned_account(domain_accounts.get(account_id))
    return result


def _ensure_updated(domain_accounts, current, request, *, check_mode):
    policies = PasswordPolicies(domain_accounts.client)
    changes = account_changes(current, request.desired)
    store_password = request.stores_password_on_update
    before, after = account_diff(current, changes)
    if store_password:
        after['password'] = PASSWORD_MARKER
    result = {'changed': bool(changes) or store_password, 'diff': {'before': before, 'after': after}}
    if not result['changed']:
        result['managed_account'] = returned_account(current)
    elif check_mode:
        result['managed_account'] = predicted_update(domain_accounts.domain, current, changes, policies)
    else:
        with Applied('managed account %r' % request.username) as applied:
            if changes:
                domain_accounts.update(current, changes, policies)
                applied.done.append('fields updated')
            if store_password:
                result['password_version'] = domain_accounts.set_password(current, request.password)
                applied.done.append('new password stored')
            result['managed_account'] = returned_account(domain_accounts.get(current['id']))
    return result
