# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scanned accounts: what a target domain's scans found, and their two writable fields, ``ignored`` and ``comment``.

Both PrivX calls that change them take a change set (docs/privx-api-admin.md): only the fields sent change.
The batch edit carries one change set for many ids, so the task's change set goes, in chunks, to the accounts
that differ from it, and to no other.
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils import _paths as paths
from ansible_collections.privx.secrets.plugins.module_utils._accounts import BATCH_LIMIT, ManagedAccounts, checked_username, pick_username
from ansible_collections.privx.secrets.plugins.module_utils._chunked import Progress, send_chunks
from ansible_collections.privx.secrets.plugins.module_utils._errors import PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils._fields import returned_view
from ansible_collections.privx.secrets.plugins.module_utils._target_domains import domain_scope

CHANGE_FIELDS = {'ignored': False, 'comment': ''}
# Every key of a ScannedAccount as this collection returns it, with its empty value.
RETURNED_SCANNED = {
    'id': '', 'username': '', 'email': '', 'full_name': '', 'source_id': '', 'security_id': '',
    'target_domain': {}, 'state': '', 'ignored': False, 'comment': '', 'created': '', 'updated': '', 'updated_by': '',
}


def returned_scanned(account):
    return returned_view(RETURNED_SCANNED, account)


class ScannedAccounts:
    """The scanned accounts of one target domain, as PrivX's API offers them."""

    def __init__(self, client, domain):
        self.client = client
        self.domain = domain

    def read(self):
        """Every scanned account of the domain (all pages); one implementation, ManagedAccounts.all_scanned."""
        return ManagedAccounts(self.client, self.domain).all_scanned()

    def edit(self, ids, changes):
        """One batch edit: the change set for these ids. A 404 names the domain (it vanished since it was read)."""
        with domain_scope(self.domain):
            self.client.post(paths.scanned_account_batch_edit(self.domain.id), {'ids': list(ids), 'changes': changes}, idempotent=True)


def read_scanned(client, domain):
    """Every scanned account of the domain (all pages)."""
    return ScannedAccounts(client, domain).read()


class ScannedAccountRequest:
    """The accounts a task names and the change set it declares, checked before any call to PrivX."""

    def __init__(self, usernames, *, ignored=None, comment=None):
        if not usernames:
            raise PrivXConfigError('usernames is empty: name the scanned accounts to change')
        self.usernames = list(dict.fromkeys(checked_username(username) for username in usernames))
        self.changes = {field: value for field, value in (('ignored', ignored), ('comment', comment)) if value is not None}
        if not self.changes:
            raise PrivXConfigError('nothing to change: give ignored, comment or both')


def converge_scanned_accounts(client, domain, request, *, check_mode):
    """Apply the change set to the named accounts that differ from it; returns the module result, with its diff."""
    source = 'the scanned accounts of target domain %s' % domain.label
    scanned = ScannedAccounts(client, domain)
    accounts = scanned.read()
    # Indexed once, so that naming thousands of accounts stays linear: pick_username sees only the same name in any letter case.
    by_folded = {}
    for account in accounts:
        by_folded.setdefault((account.get('username') or '').lower(), []).append(account)
    selected = [(username, pick_username(by_folded.get(username.lower(), []), username, source)) for username in request.usernames]
    unknown = [username for username, account in selected if account is None]
    if unknown:
        raise PrivXConfigError('not in %s: %s' % (source, ', '.join(unknown)))
    differing = [account for _username, account in selected
                 if any(account.get(field, CHANGE_FIELDS[field]) != value for field, value in request.changes.items())]
    before = {account['username']: {field: account.get(field, CHANGE_FIELDS[field]) for field in request.changes} for account in differing}
    changed_accounts = [account['username'] for account in differing]
    if differing and not check_mode:
        progress = Progress({'edited': changed_accounts})
        # scanned.edit maps a 404 inside each chunk's call: send_chunks turns every error into a PrivXBatchError,
        # so around it the 404 would never be named.
        send_chunks(progress, 'batch edit', 'edited', differing, BATCH_LIMIT,
                    lambda chunk: scanned.edit([account['id'] for account in chunk], request.changes))
    return {'changed': bool(differing), 'changed_accounts': changed_accounts,
            'diff': {'before': before, 'after': {username: dict(request.changes) for username in changed_accounts}}}
