# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Account secrets and checkouts (PrivX's authorizer API)."""

from __future__ import annotations

import time

from . import paths
from .errors import PrivXConfigError, PrivXError, on_api_error, when_not_found
from .fields import returned_view, shown

# A release whose retries (the client's) all met an outage gets one more round after a pause: a checkout left
# behind keeps the secret checked out until it expires. Refusals (403 and other 4xx) get none.
RELEASE_ROUNDS = 2
RELEASE_PAUSE = 1.0
# How many `timeout`s after an unanswered checkout attempt its delayed processing is still expected. Until then the
# checkout must stay active: PrivX answers the late attempt with it, where after a release it would create a checkout
# that nobody releases (AccountSecrets.checkout).
IN_DOUBT_TIMEOUTS = 3


class AccountSecrets:
    """The account secrets this API client may check out, and its checkouts of them."""

    def __init__(self, client):
        self.client = client

    def list(self):
        return list(self.client.paginate(paths.SECRETS))

    def search(self, keywords=None, username=None, host_id=None):
        criteria = {key: value for key, value in (('keywords', keywords), ('username', username), ('host_id', host_id)) if value}
        return list(self.client.paginate(paths.SECRET_SEARCH, method='POST', body=criteria))

    def find(self, keywords=None, username=None, host_id=None):
        """The account secrets matching the criteria (all of them without any), as modules return them."""
        found = self.search(keywords, username, host_id) if keywords or username or host_id else self.list()
        return [returned_account_secret(item) for item in found]

    def path_of(self, target_domain, username):
        """The secret path of a target domain's account (the domain by name or id, in any letter case, as modules match it)."""
        wanted = target_domain.lower()
        found = [item for item in self.search(username=username)
                 if item.get('username') == username and wanted in _domain_keys(item)]
        if not found:
            raise PrivXConfigError('no account secret for username %s in target domain %s that this API client may check out' % (
                shown(username), shown(target_domain)))
        if len(found) > 1:
            raise PrivXConfigError('username %s in target domain %s matches %d secrets (%s): give the path instead' % (
                shown(username), shown(target_domain), len(found), ', '.join(sorted(item['path'] for item in found))))
        return found[0]['path']

    def path_of_host(self, host, username):
        """The secret path of a host account: the host by common name (any letter case), address or id, as its handle on
        the secret names it (docs/privx-api.md: host accounts are HOST_SECRET with a host handle)."""
        found = [item for item in self.search(username=username)
                 if item.get('username') == username and _host_matches(item.get('host') or {}, host)]
        if not found:
            raise PrivXConfigError('no account secret for username %s on host %s that this API client may check out' % (
                shown(username), shown(host)))
        if len(found) > 1:
            raise PrivXConfigError('username %s on host %s matches %d secrets (%s): give the path instead' % (
                shown(username), shown(host), len(found), ', '.join(sorted(item['path'] for item in found))))
        return found[0]['path']

    def checkout(self, path):
        """Check the secret at this path out (PrivX returns the active checkout when there is one).

        Retried after a read timeout (idempotent): PrivX answers a repeated request with the checkout the first one
        made, or makes the one the first never did. The first attempt may still be processed later; the checkout
        agent keeps the checkout active until then (plugins/plugin_utils/_checkout_agent.py, Holding), so that the
        late attempt is answered with it instead of creating one that nothing releases.
        """
        with when_not_found(lambda _error: PrivXError(
                'no account secret at path %s: PrivX answered 404 (check the path with privx.secrets.account_secret_info)' % shown(path))), \
                on_api_error(403, lambda error: PrivXError('API client %r may not check out %s: PrivX answered 403 %s (%s)' % (
                    self.client.settings.identity, shown(path), error.error_code or 'PERMISSION_DENIED', error.error_message))):
            answer = self.client.post(paths.CHECKOUTS, {'path': path}, idempotent=True)
        return _single_checkout(answer, path)

    def release(self, checkout_id):
        """Release a checkout. A 404 means it already expired or was released elsewhere: nothing is left to release.

        So a repeated release does no harm, and the client may retry it like a read (idempotent).
        """
        with when_not_found():
            self.client.post(paths.checkout_release(checkout_id), idempotent=True)

    def active_checkouts(self):
        return list(self.client.paginate(paths.CHECKOUTS))


# Every key of an AccountSecret as modules return it, with its empty value (docs/privx-api-fields.md, AccountSecret).
RETURNED_ACCOUNT_SECRET = {'path': '', 'type': '', 'username': '', 'email': '', 'full_name': '', 'target_domain': {},
                           'host': {}, 'created': '', 'updated': ''}


def release_through_outage(secrets, checkout_id, sleep=time.sleep):
    """``secrets.release``, with a second round after RELEASE_PAUSE when the client's retries all met an outage (429,
    502, 503, 504, no connection); raises the last error."""
    for round_number in range(1, RELEASE_ROUNDS + 1):
        try:
            secrets.release(checkout_id)
            return
        except PrivXError as error:
            if not error.transient or round_number == RELEASE_ROUNDS:
                raise
        sleep(RELEASE_PAUSE)


def returned_account_secret(item):
    """An AccountSecret as modules return it: the documented keys only (so never a secret value, even if PrivX ever
    adds one), whether PrivX sent an empty field or left it out.

    PrivX sends both handles on every secret, the one that does not apply as its zero object ({"id": ""}); that is
    returned as {} like a handle left out.
    """
    view = returned_view(RETURNED_ACCOUNT_SECRET, item)
    for handle in ('target_domain', 'host'):
        if not (view[handle] or {}).get('id'):
            view[handle] = {}
    return view


def _host_matches(handle, host):
    """Whether a secret's host handle is this host: its id or common name (letter case ignored), or one of its addresses."""
    if not handle.get('id'):
        return False
    names = {str(key).lower() for key in (handle.get('id'), handle.get('common_name')) if key}
    return host.lower() in names or host in (handle.get('addresses') or [])


def _domain_keys(item):
    """The target domain's id and name, lower-cased."""
    domain = item.get('target_domain') or {}
    return {str(key).lower() for key in (domain.get('id'), domain.get('name')) if key}


def _single_checkout(answer, path):
    """Newer PrivX releases wrap the checkout as {count, items}; accept both forms."""
    if isinstance(answer, dict) and 'items' in answer and 'id' not in answer:
        items = answer.get('items') or []
        answer = items[0] if items else None
    if not isinstance(answer, dict) or not answer.get('id'):
        raise PrivXError('PrivX answered the checkout of %s without a checkout record' % shown(path))
    return answer


def current_secret(checkout):
    """The newest version's secret of a checkout (PrivX lists them oldest first, but do not rely on it)."""
    secrets = [entry for entry in checkout.get('secrets') or [] if entry.get('secret') is not None]
    if not secrets:
        raise PrivXError('PrivX holds no secret for %r yet (set a password or rotate the account first)' % checkout.get('path'))
    return max(secrets, key=lambda entry: entry.get('version') or 0)['secret']
