# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging scanned accounts: a task's change set of their two writable fields, ``ignored`` and ``comment``.

Both PrivX calls that change them take a change set (docs/privx-api-admin.md): only the fields sent change.
The batch edit carries one change set for many ids, so the task's change set goes, in chunks, to the accounts
that differ from it, and to no other.
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.converge.chunked import BATCH_LIMIT, Progress, send_chunks
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.resources.scanned_accounts import ScannedAccounts, checked_username, pick_username

CHANGE_FIELDS = {'ignored': False, 'comment': ''}


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
    scanned = ScannedAccounts(client, domain)
    source = scanned.source
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
