# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scanned accounts: what a target domain's scans found, and their two writable fields, ``ignored`` and ``comment``.

Both PrivX calls that change them take a change set (docs/privx-api-admin.md): only the fields sent change.
The batch edit carries one change set for many ids, so the task's change set goes, in chunks, to the accounts
that differ from it, and to no other.
"""

from __future__ import annotations

import copy

from ansible_collections.privx.secrets.plugins.module_utils import _paths as paths
from ansible_collections.privx.secrets.plugins.module_utils._accounts import BATCH_LIMIT, checked_username, pick_username
from ansible_collections.privx.secrets.plugins.module_utils._chunked import Progress, send_chunks
from ansible_collections.privx.secrets.plugins.module_utils._errors import PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils._target_domains import domain_scope

CHANGE_FIELDS = {'ignored': False, 'comment': ''}
# Every key of a ScannedAccount as this collection returns it, with its empty value.
RETURNED_SCANNED = {
    'id': '', 'username': '', 'email': '', 'full_name': '', 'sam_account_name': '', 'source_id': '', 'security_id': '',
    'target_domain': {}, 'state': '', 'ignored': False, 'comment': '', 'created': '', 'updated': '', 'updated_by': '',
}


def returned_scanned(account):
    view = copy.deepcopy(RETURNED_SCANNED)
    view.update((key, copy.deepcopy(account[key])) for key in RETURNED_SCANNED if account.get(key) is not None)
    return view


def read_scanned(client, domain):
    """Every scanned account of the domain (all pages)."""
    with domain_scope(domain):
        return list(client.paginate(paths.scanned_accounts(domain.id)))


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
    accounts = read_scanned(client, domain)
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
        progress = Progress({'changed': changed_accounts})
        send_chunks(progress, 'batch edit', 'changed', differing, BATCH_LIMIT, lambda chunk: _edit(client, domain, chunk, request.changes))
    return {'changed': bool(differing), 'changed_accounts': changed_accounts,
            'diff': {'before': before, 'after': {username: dict(request.changes) for username in changed_accounts}}}


def _edit(client, domain, chunk, changes):
    # domain_scope inside the chunk's call: send_chunks turns every error into a PrivXBatchError, so around it
    # the 404 (the domain vanished since it was read) would never be named.
    with domain_scope(domain):
        client.post(paths.scanned_account_batch_edit(domain.id), {'ids': [account['id'] for account in chunk], 'changes': changes},
                    idempotent=True)
