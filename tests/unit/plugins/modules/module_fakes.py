# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake PrivX client for module unit tests: a small in-memory domain that records every call."""

from __future__ import annotations

import uuid

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError

DOMAIN_ID = '0c5a8f7e-221c-11ee-be56-0242ac120002'
DOMAIN = 'corp.example.com'


class ModuleExit(Exception):
    """main() ended: the result it printed."""

    def __init__(self, result):
        super().__init__(result.get('msg', ''))
        self.result = result


class FakePrivX:
    """The client interface modules use (get, post, put, delete, paginate), over one target domain."""

    def __init__(self):
        self.calls = []
        self.domains = [{'id': DOMAIN_ID, 'name': DOMAIN}]
        self.managed = []
        self.scanned = []
        self.policies = [{'id': 'p-default', 'name': 'default'}]
        self.secrets = []
        self.answers = {}  # (method, path) -> an exception to raise or a value to return instead

    def account(self, username, **fields):
        account = dict({'id': str(uuid.uuid4()), 'username': username, 'enabled': True, 'rotation_enabled': True,
                        'explicit_checkout': False, 'state': 'MANAGED', 'target_domain': {'id': DOMAIN_ID, 'name': DOMAIN}}, **fields)
        self.managed.append(account)
        return account

    def _called(self, method, path, body=None):
        self.calls.append((method, path, body))
        answer = self.answers.get((method, path))
        if isinstance(answer, Exception):
            raise answer
        return answer

    def writes(self):
        return [call for call in self.calls if call[0] in ('PUT', 'DELETE') or (call[0] == 'POST' and not call[1].endswith('/search'))]

    def paginate(self, path, method='GET', body=None, params=None):
        answer = self._called(method, path, body)
        if answer is not None:
            return list(answer)
        keywords = (body or {}).get('keywords')
        lists = {paths.TARGET_DOMAINS: self.domains, paths.TARGET_DOMAIN_SEARCH: self.domains, paths.PASSWORD_POLICIES: self.policies,
                 paths.managed_accounts(DOMAIN_ID): self.managed, paths.managed_account_search(DOMAIN_ID): self.managed,
                 paths.scanned_accounts(DOMAIN_ID): self.scanned, paths.scanned_account_search(DOMAIN_ID): self.scanned,
                 paths.SECRETS: self.secrets, paths.SECRET_SEARCH: self.secrets}
        if path not in lists:
            raise PrivXApiError(method, path, 404, error_code='NOT_FOUND')
        items = lists[path]
        if keywords:
            items = [item for item in items if keywords.lower() in (item.get('username') or item.get('name') or '').lower()]
        return [dict(item) for item in items]

    def get(self, path, params=None):
        answer = self._called('GET', path)
        if answer is not None:
            return answer
        found = [account for account in self.managed if paths.managed_account(DOMAIN_ID, account['id']) == path]
        if not found:
            raise PrivXApiError('GET', path, 404, error_code='NOT_FOUND')
        return dict(found[0])

    def post(self, path, body=None, params=None, *, idempotent=False):
        answer = self._called('POST', path, body)
        if answer is not None:
            return answer
        if path == paths.managed_accounts(DOMAIN_ID):
            fields = {key: value for key, value in body.items() if key not in ('password', 'rotate', 'username')}
            return {'id': self.account(body['username'], **fields)['id']}
        return {}

    def put(self, path, body):
        answer = self._called('PUT', path, body)
        for account in self.managed:
            if paths.managed_account(DOMAIN_ID, account['id']) == path:
                account.update(body)
        return answer

    def delete(self, path):
        answer = self._called('DELETE', path)
        self.managed = [account for account in self.managed if paths.managed_account(DOMAIN_ID, account['id']) != path]
        return answer
