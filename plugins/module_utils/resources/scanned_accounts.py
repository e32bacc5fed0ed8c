# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scanned accounts: what a target domain's scans found, and their two writable fields, ``ignored`` and ``comment``.

A managed account is made from a scanned one (docs/privx-api.md), so usernames are matched here for both:
``pick_username`` finds the one account with a username, and refuses a match in another letter case.
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import checked_name, returned_view
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import DomainObjects, domain_scope

# Every key of a ScannedAccount as this collection returns it, with its empty value.
RETURNED_SCANNED_ACCOUNT = {
    'id': '', 'username': '', 'email': '', 'full_name': '', 'source_id': '', 'security_id': '',
    'target_domain': {}, 'state': '', 'ignored': False, 'comment': '', 'created': '', 'updated': '', 'updated_by': '',
}


def returned_scanned_account(account):
    return returned_view(RETURNED_SCANNED_ACCOUNT, account)


def checked_username(username):
    return checked_name(username, 'username')


def pick_username(candidates, username, source):
    """The candidate with exactly this username; a match in another letter case is an error, not a miss."""
    for candidate in candidates:
        if candidate.get('username') == username:
            return candidate
    folded = username.lower()
    for candidate in candidates:
        held = candidate.get('username') or ''
        if held.lower() == folded:
            raise PrivXConfigError(
                'username %r differs only in letter case from %r, which %s already holds; '
                'PrivX treats them as one account: write %r' % (username, held, source, held))
    return None


class ScannedAccounts(DomainObjects):
    """The scanned accounts of one target domain, as PrivX's API offers them."""

    @property
    def source(self):
        """The accounts as messages name them."""
        return 'the scanned accounts of %s' % self.domain_label

    def read(self):
        """Every scanned account of the domain (all pages)."""
        with domain_scope(self.domain):
            return list(self.client.paginate(paths.scanned_accounts(self.domain.id)))

    def find(self, username):
        """The scanned account with this username, or None: one search call (all its pages)."""
        with domain_scope(self.domain):
            found = list(self.client.paginate(paths.scanned_account_search(self.domain.id), method='POST',
                                              body={'keywords': username}))
        return pick_username(found, username, self.source)

    def edit(self, ids, changes):
        """One batch edit: the change set for these ids. A 404 names the domain (it vanished since it was read)."""
        with domain_scope(self.domain):
            self.client.post(paths.scanned_account_batch_edit(self.domain.id), {'ids': list(ids), 'changes': changes}, idempotent=True)
