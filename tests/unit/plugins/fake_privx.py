# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one in-memory fake of PrivX for unit tests: the server side of the collection's real client.

``FakePrivX`` holds one target domain (``DOMAIN``) with its managed and scanned accounts, password policies,
account secrets and checkouts, and answers what the collection's ``PrivXClient`` sends (it is the client's
``session``): so code under test runs the real client, with its paging, error mapping and retries. It records
every call as (method, path, body) in ``calls``. What a test needs beyond the state:

- ``answers[(method, path)]``: a value to answer instead (a ``PrivXApiError``, a ``Reply`` or any JSON value),
  every time;
- ``script(method, path, *replies)``: replies (a ``Reply``, a JSON value, a ``PrivXApiError``, an exception to
  raise as requests would, or ``AS_USUAL``) for the next calls that match, one each, before anything else
  (``None`` matches any method or path);
- ``checkout_delay`` and ``release_delay``: seconds a checkout or a release takes (the agent's threads);
- ``created_offset``: seconds added to the ``created`` time of a new checkout (PrivX's clock against ours).

Vault (``vault``: secrets by name, each with ``data``, ``read_roles`` and ``write_roles`` as role ids and ``readable``:
whether the caller holds a read role) and the role store (``roles``: name -> id) answer as docs/privx-api.md says: a
secret the caller may not read comes without ``data``; resolve leaves out unknown names.

The state is plain dicts that tests read and write directly (``managed``, ``scanned``, ``policies``, ``secrets``,
``hosts`` and ``templates`` of host rotation,
``active`` checkouts by path, ``released`` checkout ids); ``client()`` builds a real client over the fake. The
``privx`` fixture (each unit test folder's conftest.py) hands a fresh one to a test.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from urllib.parse import unquote, urlsplit

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.client import TOKEN_PATH, PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError

URL = 'https://privx.example.com'
DOMAIN_ID = '0c5a8f7e-221c-11ee-be56-0242ac120002'
DOMAIN = 'corp.example.com'
TOKEN = 'planted-fake-token'
USER_ID = '9c001d3f-7c90-4ddf-9362-95c302aed3ae'
ROLE_IDS = ('7a32374b-d7c5-4e76-9a16-005f39692f63', 'ca52259a-d82b-4115-a10a-e598abc242e7')
AS_USUAL = object()  # a scripted reply: answer this call from the state


def stamp(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def managed_account(username, **fields):
    """A managed account of DOMAIN as PrivX answers it: the one account builder of the unit tests."""
    return dict({'id': 'm-' + username, 'username': username, 'enabled': True, 'rotation_enabled': True, 'locked': False,
                 'explicit_checkout': False, 'state': 'MANAGED', 'target_domain': {'id': DOMAIN_ID, 'name': DOMAIN}}, **fields)


class Reply:
    """One HTTP answer, with what the client reads of a requests response."""

    def __init__(self, status=200, body=None, headers=None):
        self.status_code = status
        self._body = body
        self.headers = headers or {}
        self.reason = 'Reason'
        self.content = b'' if body is None else json.dumps(body).encode() if not isinstance(body, Exception) else b'x'

    def json(self):
        if isinstance(self._body, Exception):
            raise self._body
        return self._body


def error_reply(error):
    """A PrivXApiError as PrivX would have answered it."""
    return Reply(error.status, {'error_code': error.error_code, 'error_message': error.error_message, 'property': error.property})


class FakePrivX:
    """PrivX in memory, answering the real client (see the module docstring)."""

    def __init__(self):
        self.headers = {}  # the session's headers, as requests.Session has them
        self.calls = []
        self.answers = {}
        self._scripts = []
        self.domains = [{'id': DOMAIN_ID, 'name': DOMAIN}]
        self.managed = []
        self.scanned = []
        self.policies = [{'id': 'p-default', 'name': 'default'}]
        # The host store's hosts (whole Host objects) and the script templates their rotation names.
        self.hosts = []
        self.templates = [{'id': 't-chpasswd', 'name': 'linux-chpasswd'}]
        self.secrets = []
        self.active = {}
        self.released = []
        self.token_grants = 0
        self.checkout_delay = 0.0
        self.release_delay = 0.0
        self.created_offset = 0.0
        # The monitor service (docs/privx-api-admin.md, "Audit events"): AuditEvents, searched from start_time on
        # (inclusive) oldest first; the codes catalogue; the server's clock.
        self.audit_events = []
        self.audit_codes = {'1742': {'event_id': 1742, 'event_name': 'Managed-account-rotation-failed', 'event_desc': ''},
                            '1711': {'event_id': 1711, 'event_name': 'Target-domain-modified', 'event_desc': ''}}
        self.server_time = '2026-12-01T00:00:00Z'
        self.vault = {}
        self.roles = {'privx-admin': ROLE_IDS[0], 'ops': ROLE_IDS[1]}
        self._lock = threading.RLock()

    # -- what tests set up and read -------------------------------------------------------------------------------

    def account(self, username, **fields):
        """A managed account of DOMAIN, held by this PrivX."""
        account = managed_account(username, **fields)
        self.managed.append(account)
        return account

    def host(self, common_name, *principals, **fields):
        """A host of the host store with these accounts (principals), none rotating unless ``fields`` say so."""
        host = dict({'id': str(uuid.uuid4()), 'common_name': common_name, 'addresses': [], 'password_rotation_enabled': False,
                     'principals': [{'principal': name, 'rotate': False, 'use_for_password_rotation': False} for name in principals]},
                    **fields)
        self.hosts.append(host)
        return host

    def scanned_account(self, username, **fields):
        account = dict({'id': 's-' + username, 'username': username}, **fields)
        self.scanned.append(account)
        return account

    def already_active(self, path, age):
        """A checkout of ``path`` that another run made ``age`` seconds ago."""
        self.active[path] = self._checkout_record(path, time.time() - age)

    def vault_secret(self, name, data, read_roles=(), write_roles=(), readable=True):
        """A Vault secret held by this PrivX (roles by name, from ``roles``)."""
        self.vault[name] = {'name': name, 'data': data, 'read_roles': [self.roles[role] for role in read_roles],
                            'write_roles': [self.roles[role] for role in write_roles], 'readable': readable}
        return self.vault[name]

    def script(self, method, path, *replies):
        self._scripts.append([method, path, list(replies)])

    def writes(self):
        return [call for call in self.calls if call[0] in ('PUT', 'DELETE') or (call[0] == 'POST' and not call[1].endswith(('/search', '/resolve')))]

    def count(self, method, path):
        return sum(1 for call in self.calls if call[:2] == (method, path))

    def client(self, settings=None, token_source=None, **options):
        """A real PrivXClient that talks to this fake (an access token unless ``options`` say otherwise), without pauses;
        ``token_source`` as a module gets the run's token from the run's agent."""
        if settings is None:
            settings = ConnectionSettings(dict({'url': URL, 'access_token': None if options.get('client_id') else TOKEN}, **options))
        return PrivXClient(settings, session=self, sleep=lambda _seconds: None, token_source=token_source)

    # -- the session the client sends through ---------------------------------------------------------------------

    def request(self, method, url, params=None, json=None, data=None, **_kwargs):  # pylint: disable=redefined-outer-name
        path = urlsplit(url).path
        body = json if json is not None else data
        with self._lock:
            self.calls.append((method, path, body))
            scripted = self._next_scripted(method, path)
        if scripted is not None and scripted is not AS_USUAL:
            return _as_reply(scripted, params)
        if (method, path) in self.answers:
            return _as_reply(self.answers[(method, path)], params)
        return self._handle(method, path, body or {}, params or {})

    def _next_scripted(self, method, path):
        for entry in self._scripts:
            if entry[2] and entry[0] in (None, method) and entry[1] in (None, path):
                return entry[2].pop(0)
        return None

    # -- PrivX's behaviour ----------------------------------------------------------------------------------------

    def _handle(self, method, path, body, params):
        if (method, path) == ('POST', TOKEN_PATH):
            self.token_grants += 1
            return Reply(200, {'access_token': TOKEN, 'token_type': 'bearer', 'expires_in': 300})
        for pattern, handler in self._routes():
            match = re.fullmatch(pattern, '%s %s' % (method, path))
            if match:
                answer = handler(body, *(unquote(group) for group in match.groups()))
                if isinstance(answer, Reply):
                    return answer
                return _as_reply(answer, params)
        return error_reply(PrivXApiError(method, path, 404, error_code='GENERAL_ERROR', error_message='not found'))

    def _routes(self):
        managed = re.escape(paths.managed_accounts(DOMAIN_ID))
        scanned = re.escape(paths.scanned_accounts(DOMAIN_ID))
        return (
            ('GET ' + re.escape(paths.TARGET_DOMAINS), lambda body: _Listed(self.domains)),
            ('POST ' + re.escape(paths.TARGET_DOMAIN_SEARCH), lambda body: _Listed(_matching(self.domains, body, 'name'))),
            ('POST ' + re.escape(paths.TARGET_DOMAIN_RESOLVE), self._resolve_domains),
            ('GET ' + re.escape(paths.PASSWORD_POLICIES), lambda body: _Listed(self.policies)),
            ('POST ' + re.escape(paths.PASSWORD_POLICY), lambda body: self._create(self.policies, body)),
            ('(GET|PUT|DELETE) ' + re.escape(paths.PASSWORD_POLICY) + '/([^/]+)', lambda body, method, item_id: self._one(
                self.policies, method, item_id, body)),
            ('POST ' + re.escape(paths.TARGET_DOMAINS), lambda body: self._create(self.domains, body)),
            ('(GET|PUT|DELETE) ' + re.escape(paths.TARGET_DOMAINS) + '/([^/]+)', lambda body, method, item_id: self._one(
                self.domains, method, item_id, body)),
            ('POST ' + re.escape(paths.TARGET_DOMAINS) + '/([^/]+)/refresh', lambda body, item_id: None),
            ('GET ' + managed, lambda body: _Listed(self.managed)),
            ('POST ' + managed + '/search', lambda body: _Listed(_matching(self.managed, body, 'username'))),
            ('POST ' + managed, self._create_account),
            ('POST ' + managed + '/batch/(create|edit|delete|rotate)', self._batch),
            ('(GET|PUT|DELETE) ' + managed + '/([^/]+)', self._one_account),
            ('POST ' + managed + '/([^/]+)/(rotate|password)', self._account_action),
            ('GET ' + scanned, lambda body: _Listed(self.scanned)),
            ('POST ' + scanned + '/search', lambda body: _Listed(_matching(self.scanned, body, 'username'))),
            ('POST ' + scanned + '/batch/edit', self._edit_scanned),
            ('POST ' + re.escape(paths.AUDIT_EVENT_SEARCH), lambda body: _Listed(_audit_search(self.audit_events, body))),
            ('GET ' + re.escape(paths.HOSTS), lambda body: _Listed(self.hosts)),
            ('POST ' + re.escape(paths.HOST_SEARCH), lambda body: _Listed(_host_search(self.hosts, body))),
            ('(GET|PUT) ' + re.escape(paths.HOSTS) + '/([^/]+)', lambda body, method, item_id: self._one(
                self.hosts, method, item_id, body)),
            ('GET ' + re.escape(paths.SCRIPT_TEMPLATES), lambda body: _Listed(self.templates)),
            ('GET ' + re.escape(paths.AUDIT_EVENT_CODES), lambda body: self.audit_codes),
            ('GET ' + re.escape(paths.MONITOR_TIME), lambda body: {'time_utc': self.server_time}),
            ('GET ' + re.escape(paths.SECRETS), lambda body: _Listed(self.secrets)),
            ('POST ' + re.escape(paths.SECRET_SEARCH), lambda body: _Listed(
                [item for item in self.secrets if not body.get('username') or item.get('username') == body['username']])),
            ('GET ' + re.escape(paths.CHECKOUTS), lambda body: _Listed(list(self.active.values()))),
            ('POST ' + re.escape(paths.CHECKOUTS), self._checkout),
            ('POST ' + re.escape(paths.CHECKOUTS) + '/([^/]+)/release', self._release),
            ('POST ' + re.escape(paths.ROLE_RESOLVE), self._resolve_roles),
            ('GET ' + re.escape(paths.CURRENT_USER), lambda body: {'id': USER_ID}),
            ('POST ' + re.escape(paths.VAULT_SECRETS), self._create_vault_secret),
            ('(GET|PUT|DELETE) ' + re.escape(paths.VAULT_SECRETS) + '/([^/]+)', self._one_vault_secret),
            ('GET ' + re.escape(paths.VAULT) + '/metadata/secrets/([^/]+)', lambda body, name: self._one_vault_secret(
                body, 'META', name)),
            ('GET ' + re.escape(paths.VAULT) + '/user/' + USER_ID + '/secrets/([^/]+)', lambda body, name: self._one_vault_secret(
                body, 'GET', name)),
        )

    def _resolve_domains(self, names):
        """The domains of these names, exactly, in the order asked (docs/privx-api.md, resolve)."""
        items = [{'id': domain['id'], 'target_domain_name': name} for name in dict.fromkeys(names)
                 for domain in self.domains if domain['name'] == name]
        return {'count': len(items), 'items': items}

    @staticmethod
    def _create(objects, body):
        made = dict(body, id=str(uuid.uuid4()))
        objects.append(made)
        return Reply(201, {'id': made['id']})

    @staticmethod
    def _one(objects, method, item_id, body):
        found = next((item for item in objects if item['id'] == item_id), None)
        if found is None:
            return error_reply(PrivXApiError(method, item_id, 404, error_code='GENERAL_ERROR'))
        if method == 'PUT':
            found.clear()
            found.update(body, id=item_id)
            return None
        if method == 'DELETE':
            objects.remove(found)
            return None
        return dict(found)

    def _create_account(self, body):
        fields = {key: value for key, value in body.items() if key not in ('password', 'rotate', 'username')}
        return Reply(201, {'id': self.account(body['username'], **fields)['id']})

    def _find(self, account_id):
        return next((account for account in self.managed if account['id'] == account_id), None)

    def _one_account(self, body, method, account_id):
        account = self._find(account_id)
        if account is None:
            return error_reply(PrivXApiError(method, account_id, 404, error_code='GENERAL_ERROR'))
        if method == 'PUT':
            account.update(body)
            return None
        if method == 'DELETE':
            self.managed.remove(account)
            return None
        return dict(account)

    def _account_action(self, body, account_id, action):
        if self._find(account_id) is None:
            return error_reply(PrivXApiError('POST', account_id, 404, error_code='GENERAL_ERROR'))
        return {'version': 1} if action == 'password' else None

    def _batch(self, body, operation):
        ids = body.get('ids') or []
        if operation == 'create':
            made = [self.account(scanned['username'], **dict(body.get('data') or {}))['id']
                    for scanned in self.scanned if scanned['id'] in ids]
            return Reply(201, {'ids': made})
        if operation == 'edit':
            for account in self.managed:
                if account['id'] in ids:
                    account.update(body.get('changes') or {})
        if operation == 'delete':
            self.managed[:] = [account for account in self.managed if account['id'] not in ids]
        return None

    def _edit_scanned(self, body):
        for account in self.scanned:
            if account['id'] in body.get('ids', []):
                account.update(body.get('changes') or {})

    def _checkout_record(self, path, created):
        number = len(self.calls)
        return {'id': 'id-%s-%d' % (path, number), 'path': path, 'created': stamp(created), 'expires': stamp(time.time() + 3600),
                'secrets': [{'version': 1, 'secret': 'planted-%s' % path}]}

    def _checkout(self, body):
        time.sleep(self.checkout_delay)
        with self._lock:
            path = body['path']
            if path not in self.active:
                self.active[path] = self._checkout_record(path, time.time() + self.created_offset)
            return dict(self.active[path])

    def _release(self, body, checkout_id):
        time.sleep(self.release_delay)
        with self._lock:
            held = [path for path, record in self.active.items() if record['id'] == checkout_id]
            if not held:
                return error_reply(PrivXApiError('POST', checkout_id, 404, error_code='GENERAL_ERROR'))
            self.released.append(checkout_id)
            del self.active[held[0]]
        return None

    def _resolve_roles(self, body):
        items = [{'id': self.roles[name], 'name': name} for name in body if name in self.roles]
        return {'count': len(items), 'items': items}

    def _vault_answer(self, secret, with_data):
        answer = {'name': secret['name'], 'created': stamp(0), 'updated': stamp(0), 'author': USER_ID, 'updated_by': USER_ID,
                  'path': 'secrets/' + secret['name'], 'owner_id': ''}
        names = {role_id: name for name, role_id in self.roles.items()}
        for field in ('read_roles', 'write_roles'):
            answer[field] = [{'id': role_id, 'name': names.get(role_id, '')} for role_id in secret[field]] or None
        if with_data and secret['readable']:
            answer['data'] = json.loads(json.dumps(secret['data']))
        return answer

    def _create_vault_secret(self, body):
        self.vault[body['name']] = {'name': body['name'], 'data': body.get('data') or {}, 'readable': True,
                                    **{field: [handle['id'] for handle in body.get(field) or []] for field in ('read_roles', 'write_roles')}}
        return Reply(201, {'name': body['name']})

    def _one_vault_secret(self, body, method, name):
        secret = self.vault.get(name)
        if secret is None:
            return error_reply(PrivXApiError(method, name, 404, error_code='GENERAL_ERROR', error_message='secret not found'))
        if method == 'PUT':
            secret.update({field: [handle['id'] for handle in body.get(field) or []] for field in ('read_roles', 'write_roles')})
            if body.get('data') is not None:
                secret['data'] = body['data']
            return None
        if method == 'DELETE':
            del self.vault[name]
            return None
        return self._vault_answer(secret, with_data=method == 'GET')


class _Listed(list):
    """A list PrivX answers as {count, items}, page by page."""


def _matching(items, body, key):
    """A search: every keyword (space or comma separated) in the field, without regard to letter case."""
    words = [word for word in re.split(r'[\s,]+', (body or {}).get('keywords') or '') if word]
    return [item for item in items if all(word.lower() in (item.get(key) or '').lower() for word in words)]


def _host_search(hosts, body):
    """A host search by ``common_name`` and ``address`` lists: a host matches one of the values, letter case aside."""
    def holds(values, wanted):
        return not wanted or bool({value.casefold() for value in values} & {value.casefold() for value in wanted})
    return [host for host in hosts if holds([host['common_name']], body.get('common_name')) and holds(host.get('addresses') or [], body.get('address'))]


def _audit_search(events, body):
    """The audit events from the body's start_time on (inclusive), oldest first (all of them without one)."""
    start = _moment((body or {}).get('start_time'))
    found = [event for event in events if start is None or _moment(event['created']) >= start]
    return sorted(found, key=lambda event: _moment(event['created']))


def _moment(text):
    return datetime.fromisoformat(text.replace('Z', '+00:00')) if text else None


def _as_reply(answer, params=None):
    if isinstance(answer, Reply):
        return answer
    if isinstance(answer, PrivXApiError):
        return error_reply(answer)
    if isinstance(answer, BaseException):
        raise answer
    if isinstance(answer, (_Listed, list)) and params is not None and 'offset' in params:
        offset, limit = int(params['offset']), int(params['limit'])
        return Reply(200, {'count': len(answer), 'items': [dict(item) if isinstance(item, dict) else item
                                                           for item in answer[offset:offset + limit]]})
    return Reply(200, answer)
