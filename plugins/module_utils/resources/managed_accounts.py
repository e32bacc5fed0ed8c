# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Managed accounts: the fields, the comparison of desired with current, and the calls.

Both ``managed_account`` and ``managed_account_batch`` build on this file;
neither carries its own copy of a field list or a comparison.
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.dates import as_rfc3339
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, on_api_error, when_not_found
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import returned_view
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import UUID_PATTERN, DomainObjects, domain_scope
from ansible_collections.privx.secrets.plugins.module_utils.resources.scanned_accounts import ScannedAccounts, checked_username, pick_username

ACCOUNT_STATES = ('MANAGED', 'UNMANAGED', 'NEW', 'REMOVED')

# Module option -> (PrivX field, option type). 'account_state' is PrivX's 'state',
# which would clash with the modules' own present/absent 'state'.
ACCOUNT_OPTIONS = {
    'email': ('email', 'str'),
    'full_name': ('full_name', 'str'),
    'sam_account_name': ('sam_account_name', 'str'),
    'source_id': ('source_id', 'str'),
    'security_id': ('security_id', 'str'),
    'additional_data': ('additional_data', 'dict'),
    'password_policy': ('password_policy', 'str'),
    'enabled': ('enabled', 'bool'),
    'rotation_enabled': ('rotation_enabled', 'bool'),
    'explicit_checkout': ('explicit_checkout', 'bool'),
    'account_state': ('state', 'str'),
    'comment': ('comment', 'str'),
    'disable_rdp_cert_auth': ('disable_rdp_cert_auth', 'bool'),
}
FIELD_OPTION = {field: option for option, (field, _type) in ACCOUNT_OPTIONS.items()}
# Every writable field of a ManagedAccount, with its option type.
ACCOUNT_FIELDS = dict(ACCOUNT_OPTIONS.values())
# Fields PrivX copies from the scanned account when it creates a managed one from it. A ScannedAccount has no
# sam_account_name (docs/privx-api-fields.md), so a declared one is always sent by the collection itself.
SCANNED_FIELDS = ('email', 'full_name', 'source_id', 'security_id')
# What batch create ('data') and batch edit ('changes') can carry.
BATCH_FIELDS = ('enabled', 'rotation_enabled', 'explicit_checkout', 'password_policy', 'comment', 'disable_rdp_cert_auth')
# What a new account gets for a setting the user did not declare.
ACCOUNT_CREATE_DEFAULTS = {'enabled': True, 'rotation_enabled': True, 'explicit_checkout': False,
                           'disable_rdp_cert_auth': False, 'state': 'MANAGED'}
# Every key of a ManagedAccount as this collection returns it, with its empty value.
RETURNED_ACCOUNT = {
    'id': '', 'username': '', 'email': '', 'full_name': '', 'sam_account_name': '', 'source_id': '',
    'security_id': '', 'additional_data': {}, 'target_domain': {}, 'password_policy': {}, 'enabled': False,
    'rotation_enabled': False, 'explicit_checkout': False, 'state': '', 'comment': '', 'locked': False,
    'locked_timestamp': '', 'rotation_history': [], 'checkouts': [], 'created': '', 'author': '',
    'updated': '', 'updated_by': '', 'disable_rdp_cert_auth': False,
}
# Options of managed_account_info that become the criteria of a managed account search (dates as RFC 3339).
SEARCH_OPTIONS = ('keywords', 'created_after', 'created_before', 'updated_after', 'updated_before', 'explicit_checkout')
DATE_OPTIONS = ('created_after', 'created_before', 'updated_after', 'updated_before')
PASSWORD_MARKER = '(a new password will be stored)'


def account_options_spec():
    """Argument spec of the account fields, shared by managed_account and the batch module's suboptions."""
    spec = {}
    for option, (_field, type_name) in ACCOUNT_OPTIONS.items():
        spec[option] = {'type': type_name}
    spec['account_state']['choices'] = list(ACCOUNT_STATES)
    spec['password_policy']['no_log'] = False
    return spec


def search_criteria(options):
    """The search body for the search options that are set (an empty dict when none is)."""
    criteria = {}
    for option in SEARCH_OPTIONS:
        value = options.get(option)
        if value is not None:
            criteria[option] = as_rfc3339(value, option) if option in DATE_OPTIONS else value
    return criteria


def desired_account(options, where=''):
    """The PrivX fields the user declared (None means 'leave as it is'). ``where`` names the entry in messages."""
    desired = {}
    for option, (field, _type) in ACCOUNT_OPTIONS.items():
        value = options.get(option)
        if value is not None:
            desired[field] = value
    _check_additional_data(desired.get('additional_data') or {}, where)
    return desired


def _check_additional_data(data, where):
    # PrivX keeps additional_data as a map of strings (docs/privx-api-fields.md) and refuses any other value, which
    # batch would only learn after its create: refused here, before any call.
    for key, value in data.items():
        if not isinstance(value, str):
            raise PrivXConfigError('%sadditional_data.%s must be a string, got %r: PrivX keeps additional_data as text, '
                                   'so quote the value' % (where, key, value))


def comparable_account(account):
    """A server account reduced to the writable fields, with PrivX's omitted values filled in."""
    view = {}
    for field, type_name in ACCOUNT_FIELDS.items():
        if field == 'password_policy':
            view[field] = (account.get(field) or {}).get('name') or ''
        elif type_name == 'bool':
            view[field] = bool(account.get(field, False))
        elif type_name == 'dict':
            view[field] = account.get(field) or {}
        else:
            view[field] = account.get(field) or ''
    return view


def account_changes(account, desired):
    """The declared fields whose value differs from the account's: {field: new value}."""
    view = comparable_account(account)
    return {field: value for field, value in desired.items() if view[field] != value}


def account_diff(account, changes):
    """Ansible diff of the changed fields, keyed by option name (no account: a creation)."""
    view = comparable_account(account) if account else {}
    before = {FIELD_OPTION[field]: view[field] for field in changes if field in view}
    after = {FIELD_OPTION[field]: value for field, value in changes.items()}
    return before, after


def as_options(account):
    """Every writable field of an account, keyed by option name (the 'before' of a deletion)."""
    view = {FIELD_OPTION[field]: value for field, value in comparable_account(account).items()}
    view['username'] = account.get('username')
    return view


def returned_account(account):
    """What modules return for an account: every documented key, nothing else (no secret, whatever PrivX adds)."""
    view = returned_view(RETURNED_ACCOUNT, account)
    view['checkouts'] = [{name: item for name, item in checkout.items() if name != 'secrets'} for checkout in view['checkouts'] or []]
    return view


def writable_body(account, changes, policies):
    """The whole object PUT expects (PUT resets what it leaves out: docs/privx-api.md), with the changes applied."""
    body = {field: value for field, value in comparable_account(account).items() if field != 'password_policy'}
    if account.get('password_policy') and 'password_policy' not in changes:
        body['password_policy'] = account['password_policy']
    body.update(policies.resolved(changes))
    body['username'] = account['username']
    return body


def create_body(username, desired, template, policies):
    """The POST body of a new account: declared fields, else the scanned account's, else defaults."""
    body = {'username': username}
    for field in SCANNED_FIELDS:
        if (template or {}).get(field):
            body[field] = template[field]
    body.update(ACCOUNT_CREATE_DEFAULTS)
    body.update(policies.resolved(desired))
    return body


def predicted_update(domain, account, changes, policies):
    """The account as PrivX would hold it after these changes (check mode)."""
    predicted = dict(changes)
    if 'password_policy' in changes:
        predicted['password_policy'] = policies.reference(changes['password_policy']) or {}
    return predicted_account(domain, account=account, body=predicted)


def predicted_account(domain, account=None, body=None):
    """What PrivX would hold after the change: for check mode and for diffs."""
    predicted = dict(account or {})
    predicted.update(body or {})
    predicted.setdefault('target_domain', domain.reference())
    return returned_account(predicted)


class ManagedAccounts(DomainObjects):
    """The managed accounts of one target domain, as PrivX's API offers them."""

    def read(self, *, username=None, account_id=None, criteria=None):
        """The accounts with this username, or this id, or matching these criteria, or all: a list in each case."""
        if username is not None:
            found = self.find(checked_username(username))
        elif account_id is not None:
            found = self.get_if_exists(account_id)
        else:
            return self.search(criteria) if criteria else self.all()
        return [found] if found else []

    def find(self, username):
        """The managed account with this username, or None: one search call (all its pages)."""
        with domain_scope(self.domain):
            found = list(self.client.paginate(paths.managed_account_search(self.domain.id), method='POST',
                                              body={'keywords': username}))
        return pick_username(found, username, self.domain_label)

    def all(self):
        with domain_scope(self.domain):
            return list(self.client.paginate(paths.managed_accounts(self.domain.id)))

    def search(self, criteria):
        with domain_scope(self.domain):
            return list(self.client.paginate(paths.managed_account_search(self.domain.id), method='POST', body=criteria))

    def get(self, account_id):
        return self.client.get(paths.managed_account(self.domain.id, account_id))

    def get_if_exists(self, account_id):
        """The account with this id, or None when PrivX has none."""
        if not UUID_PATTERN.match(account_id or ''):
            raise PrivXConfigError('id %r is not a PrivX id (a UUID such as 5bf77342-221c-11ee-be56-0242ac120002)' % account_id)
        return self._get_or_none(account_id)

    @when_not_found()
    def _get_or_none(self, account_id):
        return self.get(account_id)

    @property
    def scanned(self):
        """The domain's scanned accounts, from which PrivX makes managed ones."""
        return ScannedAccounts(self.client, self.domain)

    def create(self, body, *, password=None, rotate=False):
        """Create one account; the password and the first rotation travel in the same call.

        Returns its id, or None when PrivX already holds an account of that username: another task created it
        after this one looked (the same task on other forks, say).
        """
        body = dict(body)
        if password:
            body['password'] = password
        if rotate:
            body['rotate'] = True
        with domain_scope(self.domain), on_api_error(400, error_code='VALUE_DUPLICATE'):
            return self.client.post(paths.managed_accounts(self.domain.id), body)['id']
        return None

    def update(self, account, changes, policies):
        self.client.put(paths.managed_account(self.domain.id, account['id']), writable_body(account, changes, policies))

    def delete(self, account):
        self.client.delete(paths.managed_account(self.domain.id, account['id']))

    def set_password(self, account, password):
        """Store a new secret version; returns its version number."""
        answer = self.client.post(paths.managed_account_password(self.domain.id, account['id']), {'password': password})
        return (answer or {}).get('version')

    def rotate(self, account):
        self.client.post(paths.managed_account_rotate(self.domain.id, account['id']))

    def batch(self, operation, ids, **payload):
        """One batch call (create, edit, delete or rotate) for these ids."""
        body = dict(payload, ids=list(ids))
        with domain_scope(self.domain):
            return self.client.post(paths.managed_account_batch(self.domain.id, operation), body,
                                    idempotent=operation == 'edit')
