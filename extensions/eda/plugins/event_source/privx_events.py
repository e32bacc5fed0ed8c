# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""privx_events: an ansible-rulebook event source that polls PrivX.

PrivX has no push API for what operators react to, so this source polls, and reads as little as it can: one search
of PrivX's audit log per poll (docs/privx-api-admin.md, "Polling without reading every account") finds failed
rotations, scan ends, discovered accounts and checkouts; a domain's scanned accounts are searched only when a scan of
that domain discovered some, and the server's clock is read only while a checkout or a rotation is being watched.
Managed accounts are never listed.

Every event is emitted once: the source keeps a watermark (the ``created`` of the newest audit event handled and the
events seen at that instant), advances it only after the poll's events are queued, and, with ``state_file``, keeps
it across restarts. A poll that fails (PrivX down, after the client's retries) emits nothing and leaves the
watermark where it was, so the next poll that succeeds picks up everything that happened in between.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import sys
import tempfile
from datetime import timedelta

DOCUMENTATION = r"""
---
short_description: Poll PrivX for failed rotations, discovered accounts, scan results, expiring checkouts and audit events.
description:
  - An ansible-rulebook event source plugin that polls PrivX's audit log (the monitor service) and emits one event per
    change, each exactly once.
  - Each event is one key, C(privx), holding C(type), C(id), C(time), C(object) and C(event_name). C(type) is
    one of V(rotation_failed), V(rotation_stuck), V(account_discovered), V(scan_succeeded), V(scan_failed),
    V(checkout_expiring) and V(audit_event); C(id) is stable (the same change always has the same id); C(time) is
    when PrivX recorded the change (RFC 3339); C(object) is what changed; C(event_name) names the PrivX audit event
    it came from. No event carries a secret.
  - Each poll makes one audit log search (more only when over 1000 events arrived since the last poll). A domain's
    scanned accounts are searched only after a scan of it discovered accounts, and PrivX's clock is read only while a
    checkout or rotation is watched. Managed accounts are never listed.
  - The API client needs the C(logs-view) or C(privx-admin) permission to read the audit log, and C(privx-admin) for
    O(watch=discovered_accounts).
  - Uses the collection's PrivX client (retries with backoff, TLS verification, token reuse). Connection options fall
    back to the same environment variables as the modules' (C(PRIVX_URL), C(PRIVX_CLIENT_ID), C(PRIVX_CLIENT_SECRET),
    C(PRIVX_OAUTH_CLIENT_SECRET), C(PRIVX_CA_PATH), ...).
options:
  url:
    description:
      - PrivX's base URL, C(https://privx.example.com).
      - Environment C(PRIVX_URL) or C(PRIVX_API_BASE_URL) when not given.
    type: str
    required: true
  client_id:
    description: The API client's id (environment C(PRIVX_CLIENT_ID)).
    type: str
  client_secret:
    description: The API client's secret (environment C(PRIVX_CLIENT_SECRET)). Never emitted, logged or stored.
    type: str
  oauth_client_id:
    description: The OAuth client id (environment C(PRIVX_OAUTH_CLIENT_ID)).
    type: str
    default: privx-external
  oauth_client_secret:
    description: The OAuth client secret (environment C(PRIVX_OAUTH_CLIENT_SECRET)). Never emitted, logged or stored.
    type: str
  access_token:
    description: An access token instead of the API client credentials (environment C(PRIVX_ACCESS_TOKEN)).
    type: str
  validate_certs:
    description: Verify PrivX's TLS certificate (environment C(PRIVX_VALIDATE_CERTS)).
    type: bool
    default: true
  ca_path:
    description: A PEM bundle of the CA that signed PrivX's certificate (environment C(PRIVX_CA_PATH)).
    type: str
  timeout:
    description: Seconds to wait for each answer (environment C(PRIVX_TIMEOUT)).
    type: int
    default: 30
  retries:
    description:
      - How often the client retries a call that PrivX could not take (no connection, 429, 502, 503, 504), with
        backoff, before the poll counts as failed (environment C(PRIVX_RETRIES)).
      - A failed poll is tried again after O(interval), from the same watermark, for as long as PrivX stays away.
    type: int
    default: 5
  interval:
    description: Seconds between two polls.
    type: float
    default: 30
  watch:
    description:
      - What to emit events for.
      - V(rotation_failures) emits V(rotation_failed) for every managed or host account rotation that ended in error.
      - V(locked_accounts) emits V(rotation_stuck) once for a rotation still running after O(locked_threshold) seconds.
      - V(discovered_accounts) emits V(account_discovered) for every account a scan found in state NEW (still NEW when
        the source looks).
      - V(scans) emits V(scan_succeeded) and V(scan_failed) when a target domain's scan ends.
      - V(checkouts) emits V(checkout_expiring) once for a checkout that expires within O(checkout_expiry_warning)
        seconds and was neither released nor expired yet.
      - V(audit_events) emits V(audit_event) for every audit event whose code or name is in O(audit_codes).
    type: list
    elements: str
    choices: [rotation_failures, locked_accounts, discovered_accounts, scans, checkouts, audit_events]
    default: [rotation_failures, discovered_accounts, scans, checkouts]
  audit_codes:
    description:
      - Audit event codes (numbers) or names (for example V(Target-domain-modified)) to emit as V(audit_event).
      - Checked against PrivX's catalogue (C(GET /monitor-service/api/v1/auditevents/codes)) at start.
      - Giving any adds V(audit_events) to O(watch).
    type: list
    elements: raw
    default: []
  checkout_expiry_warning:
    description: Seconds before a checkout's expiry at which V(checkout_expiring) is emitted.
    type: int
    default: 300
  locked_threshold:
    description: Seconds a rotation may run before V(rotation_stuck) is emitted for it.
    type: int
    default: 900
  lookback:
    description:
      - On the first start (no O(state_file), or none written yet), also emit what happened this many seconds before.
      - Later starts with O(state_file) continue from the watermark it holds.
    type: int
    default: 0
  state_file:
    description:
      - A file that keeps the watermark (and the watched checkouts and rotations) across restarts, written atomically
        after the first poll and after every poll that saw something. It holds ids, names and times, never a secret.
      - Without it, a restart starts from PrivX's current time (see O(lookback)).
      - Its folder must exist and be writable. A file there that this source cannot read fails the start (remove it to
        start anew), since starting anew could skip what happened after its watermark.
    type: str
notes:
  - The audit event names the source relies on are listed in the collection's docs/privx-api-admin.md ("Codes").
  - Events may be emitted twice only if the source is killed between queueing a poll's events and writing
    O(state_file); a clean stop never does.
"""

EXAMPLES = r"""
- privx.secrets.privx_events:
    url: https://privx.example.com
    client_id: "{{ privx_client_id }}"
    client_secret: "{{ privx_client_secret }}"
    oauth_client_secret: "{{ privx_oauth_client_secret }}"
    ca_path: /etc/pki/privx-ca.pem
    interval: 30
    watch: [rotation_failures, discovered_accounts, scans]
    state_file: /var/lib/eda/privx_events.json

- privx.secrets.privx_events:
    interval: 60
    watch: [checkouts, audit_events]
    checkout_expiry_warning: 600
    audit_codes: [Target-domain-modified, Password-policy-removed]
"""

LOG = logging.getLogger('privx.secrets.privx_events')

WATCHES = ('rotation_failures', 'locked_accounts', 'discovered_accounts', 'scans', 'checkouts', 'audit_events')
DEFAULT_WATCHES = ('rotation_failures', 'discovered_accounts', 'scans', 'checkouts')
SOURCE_DEFAULTS = {
    'interval': 30, 'watch': None, 'audit_codes': (), 'checkout_expiry_warning': 300, 'locked_threshold': 900,
    'lookback': 0, 'state_file': None,
}
STATE_VERSION = 1
AUDIT_PAGE_SIZE = 1000
# What the Go SDK's AuditEventSearch always sends: every key, "" for no filter (docs/privx-api-admin.md).
_SEARCH_KEYS = ('keywords', 'user_id', 'connection_id', 'host_id', 'source_id', 'session_id', 'access_group_id',
                'start_time', 'end_time')
# updated_after compares the whole seconds PrivX stamps objects with, strictly (docs/privx-api-admin.md).
_WHOLE_SECOND = timedelta(seconds=1)

# The audit events each watch reads, by name (docs/privx-api-admin.md, "Codes"): names, not numbers, as the
# Secrets Manager codes are not published by PrivX.
ROTATION_FAILED = ('Managed-account-rotation-failed', 'Host-account-rotation-failed')
ROTATION_STARTED = 'Managed-account-rotation-started'
ROTATION_ENDED = ('Managed-account-rotation-succeeded', 'Managed-account-rotation-failed')
SCAN_ENDED = {'Target-domain-scan-succeeded': 'scan_succeeded', 'Target-domain-scan-failed': 'scan_failed'}
DISCOVERED = 'Scanned-account-discovered'
CHECKED_OUT = 'Secret-checked-out'
CHECKOUT_ENDED = ('Secret-checkout-released', 'Secret-checkout-expired')


# -- the collection's client, loaded from this collection ----------------------------------------------------------

def _collection_root():
    """<collection>/extensions/eda/plugins/event_source/privx_events.py -> <collection>."""
    return os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..'))


def _load_core():
    """plugins/module_utils/core of the collection this file belongs to, as a package of its own.

    ansible-rulebook runs a source by its path (runpy), outside any package, and puts no collection on sys.path;
    core imports nothing from ansible and only itself, relatively (its README), so it loads as it is.
    """
    name = '_privx_secrets_core'
    if name not in sys.modules:
        folder = os.path.join(_collection_root(), 'plugins', 'module_utils', 'core')
        spec = importlib.util.spec_from_file_location(name, os.path.join(folder, '__init__.py'),
                                                      submodule_search_locations=[folder])
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
        spec.loader.exec_module(package)
    return {part: importlib.import_module('%s.%s' % (name, part)) for part in ('client', 'connection', 'dates', 'errors', 'paths')}


# One name per statement: ansible-doc (which galaxy-importer runs on event sources) reads every top-level assignment.
_CORE = _load_core()
client_module = _CORE['client']
connection_module = _CORE['connection']
dates = _CORE['dates']
errors = _CORE['errors']
paths = _CORE['paths']


# -- options ------------------------------------------------------------------------------------------------------

class OptionError(ValueError):
    """A source option is wrong: one line naming it."""


def _from_environment(name):
    option = connection_module.CONNECTION_OPTIONS[name]
    text = next((os.environ[env] for env in option.env if os.environ.get(env)), None)
    if text is None or option.type in ('str', 'path'):
        return text
    if option.type == 'bool':
        lowered = text.strip().lower()
        if lowered in ('1', 'true', 'yes', 'on'):
            return True
        if lowered in ('0', 'false', 'no', 'off'):
            return False
        raise OptionError('%s (environment %s) must be true or false, got %r' % (name, option.env[0], text))
    try:
        return int(text)
    except ValueError:
        raise OptionError('%s (environment %s) must be a whole number, got %r' % (name, option.env[0], text)) from None


def connection_settings(args):
    """ConnectionSettings from the source's arguments, each falling back to its environment variables."""
    values = {}
    for name in connection_module.CONNECTION_OPTIONS:
        values[name] = args[name] if args.get(name) is not None else _from_environment(name)
    try:
        return connection_module.ConnectionSettings(values)
    except errors.PrivXConfigError as error:
        raise OptionError(str(error)) from None


def _number(args, name, minimum, kind=int):
    """A number option; text too, as a rulebook's templated value ("{{ interval | default(30) }}") arrives as text."""
    value = args.get(name, SOURCE_DEFAULTS[name])
    if isinstance(value, str):
        try:
            value = kind(value.strip())
        except ValueError:
            raise OptionError('%s must be a number, got %r' % (name, value)) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise OptionError('%s must be a number, got %r' % (name, value))
    if value < minimum:
        raise OptionError('%s must be at least %s, got %s' % (name, minimum, value))
    return value


def _watches(args):
    watch = args.get('watch')
    watches = list(DEFAULT_WATCHES) if watch is None else watch
    if isinstance(watches, str):
        watches = [part.strip() for part in watches.split(',') if part.strip()]
    unknown = [name for name in watches if name not in WATCHES]
    if unknown:
        raise OptionError('watch: unknown %s; choose from %s' % (', '.join(map(str, unknown)), ', '.join(WATCHES)))
    if args.get('audit_codes') and 'audit_events' not in watches:
        watches.append('audit_events')
    return frozenset(watches)


def _state_file(path):
    """state_file, checked at start: the first save comes after the first poll's events are out, too late to fail."""
    if not path:
        return None
    path = os.path.abspath(os.path.expanduser(str(path)))
    if os.path.exists(path) and not os.path.isfile(path):
        raise OptionError('state_file %r is not a file' % path)
    folder = os.path.dirname(path)
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
        raise OptionError('state_file %r cannot be written: its folder %s is missing or not writable' % (path, folder))
    return path


class SourceOptions:
    """The source's own options, checked before any call to PrivX."""

    def __init__(self, args):
        unknown = sorted(set(args) - set(SOURCE_DEFAULTS) - set(connection_module.CONNECTION_OPTIONS))
        if unknown:
            raise OptionError('unknown option(s) %s' % ', '.join(unknown))
        self.interval = _number(args, 'interval', 0.01, kind=float)
        self.watch = _watches(args)
        self.audit_codes = args.get('audit_codes') or ()
        if not isinstance(self.audit_codes, (list, tuple)):
            raise OptionError('audit_codes must be a list of codes or event names, got %r' % (self.audit_codes,))
        self.checkout_expiry_warning = _number(args, 'checkout_expiry_warning', 0)
        self.locked_threshold = _number(args, 'locked_threshold', 0)
        self.lookback = _number(args, 'lookback', 0)
        self.state_file = _state_file(args.get('state_file'))
        self.settings = connection_settings(args)


# -- state --------------------------------------------------------------------------------------------------------

def new_state(after):
    """The watermark: audit events from `after` on (inclusive) not in `seen`; the checkouts and rotations watched."""
    return {'version': STATE_VERSION, 'after': after, 'seen': [], 'checkouts': {}, 'rotations': {}}


def load_state(path, url):
    """The state a previous run wrote for this PrivX, or None."""
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path, encoding='utf-8') as handle:
            state = json.load(handle)
    except (OSError, ValueError) as error:
        # Starting anew would skip what happened since the watermark: say so, and let the person decide.
        raise OptionError('state_file %r cannot be read (%s): remove it to start anew' % (
            path, getattr(error, 'strerror', None) or type(error).__name__)) from None
    if not isinstance(state, dict):
        raise OptionError('state_file %r holds no state of this source: remove it to start anew' % path)
    if state.get('version') != STATE_VERSION or state.get('url') != url:
        LOG.warning('privx_events: %s was written for another PrivX or format; starting anew', path)
        return None
    return state


def save_state(path, state):
    """Write the whole state to a new file beside `path`, then rename it over `path`: a reader never sees half."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix='.privx_events.', dir=folder)
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as stream:
            json.dump(state, stream, sort_keys=True)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


# -- events -------------------------------------------------------------------------------------------------------

def event_key(audit_event):
    """A stable id for one audit event: its time, name and details (two events may share a time)."""
    text = json.dumps([audit_event.get('created'), audit_event.get('event_name'), audit_event.get('message')], sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]


def emitted(kind, key, when, obj, event_name=''):
    return {'privx': {'type': kind, 'id': '%s:%s' % (kind, key), 'time': when, 'object': obj, 'event_name': event_name}}


def _domain(message):
    return {'id': message.get('targetDomainID', ''), 'name': message.get('targetDomainName', '')}


def _count(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def rotation_object(message):
    """The account of a rotation event: a managed account (id, username, target domain) or a host account."""
    if message.get('hostID') and not message.get('managedAccountID'):
        return {'kind': 'host_account', 'username': message.get('targetUsername', ''),
                'host': {'id': message.get('hostID', ''), 'name': message.get('hostName', '')},
                'error': message.get('error', ''), 'trigger': message.get('trigger', '')}
    return {'kind': 'managed_account', 'id': message.get('managedAccountID', ''), 'username': message.get('targetUsername', ''),
            'target_domain': _domain(message), 'status': message.get('status', ''), 'trigger': message.get('trigger', ''),
            'secret_version': _count(message.get('secretVersion'))}


def scan_object(message):
    return {'id': message.get('targetDomainID', ''), 'name': message.get('targetDomainName', ''),
            'scan_status': message.get('scanStatus', ''), 'scan_message': message.get('scanMessage', ''),
            'discovered_accounts': _count(message.get('discoveredAccounts')), 'missing_accounts': _count(message.get('missingAccounts'))}


def checkout_object(message):
    found = {'id': message.get('checkoutID', ''), 'path': message.get('path', ''), 'type': message.get('secretType', ''),
             'username': message.get('targetUsername', ''), 'expires': message.get('expires', '')}
    if message.get('managedAccountID'):
        found.update(managed_account_id=message['managedAccountID'], target_domain=_domain(message))
    if message.get('hostID'):
        found['host_id'] = message['hostID']
    return found


def audit_object(audit_event):
    return {'code': _count(audit_event.get('event_id')), 'name': audit_event.get('event_name', ''),
            'service': audit_event.get('service_name', ''), 'message': dict(audit_event.get('message') or {})}


class Poller:
    """One PrivX, one watermark: poll() returns the events that happened since the last poll, and the state after."""

    def __init__(self, options, client, state=None):
        self.options = options
        self.client = client
        self.state = state
        self.audit_codes = frozenset()

    # -- start --------------------------------------------------------------------------------------------------

    def start(self):
        """Check the audit codes against PrivX's catalogue (also proving the client may read the log); set the
        first watermark from PrivX's clock when there is none."""
        catalogue = self.client.get(paths.AUDIT_EVENT_CODES) or {}
        self.audit_codes = self._resolve_codes(catalogue)
        if self.state is None:
            start = self._server_now() - timedelta(seconds=self.options.lookback)
            self.state = new_state(_rfc3339(start))
        self.state['url'] = self.options.settings.url

    def _resolve_codes(self, catalogue):
        by_name = {info.get('event_name'): int(info.get('event_id')) for info in catalogue.values() if isinstance(info, dict)}
        codes = set()
        for wanted in self.options.audit_codes:
            code = by_name.get(wanted) if isinstance(wanted, str) and not wanted.isdigit() else _count(wanted)
            if code is None or str(code) not in catalogue:
                raise OptionError('audit_codes: %r is not an audit event of this PrivX (GET %s)' % (wanted, paths.AUDIT_EVENT_CODES))
            codes.add(code)
        return frozenset(codes)

    def _server_now(self):
        answer = self.client.get(paths.MONITOR_TIME) or {}
        moment = dates.parse_timestamp(answer.get('time_utc'))
        if moment is None:
            raise errors.PrivXError('PrivX answered GET %s without a readable time_utc' % paths.MONITOR_TIME)
        return moment

    # -- one poll -----------------------------------------------------------------------------------------------

    def poll(self):
        """(events, new state): nothing is changed until the caller takes the new state."""
        state = json.loads(json.dumps(self.state))
        audit_events = self._new_audit_events(state)
        found, discovered = [], {}
        for audit_event in audit_events:
            found += self._handle(audit_event, state, discovered)
        found += self._discovered_accounts(discovered)
        found += self._due(state)
        return found, state

    def _new_audit_events(self, state):
        body = dict.fromkeys(_SEARCH_KEYS, '')
        body['start_time'] = state['after']
        seen = set(state['seen'])
        fresh = []
        for audit_event in self.client.paginate(paths.AUDIT_EVENT_SEARCH, method='POST', body=body,
                                                params={'sortkey': 'created', 'sortdir': 'ASC'}, page_size=AUDIT_PAGE_SIZE):
            key = event_key(audit_event)
            if key in seen:
                continue
            seen.add(key)
            fresh.append(audit_event)
        if fresh:
            newest = max((dates.parse_timestamp(event.get('created')), event.get('created')) for event in fresh)[1]
            if dates.parse_timestamp(newest) > dates.parse_timestamp(state['after']):
                state['after'], seen = newest, set()
            seen.update(event_key(event) for event in fresh if event.get('created') == newest)
            state['seen'] = sorted(seen)
        return fresh

    def _handle(self, audit_event, state, discovered):
        name, message = audit_event.get('event_name', ''), audit_event.get('message') or {}
        key, when, watch = event_key(audit_event), audit_event.get('created', ''), self.options.watch
        found = []
        if name in ROTATION_FAILED and 'rotation_failures' in watch:
            found.append(emitted('rotation_failed', key, when, rotation_object(message), name))
        if name in SCAN_ENDED and 'scans' in watch:
            found.append(emitted(SCAN_ENDED[name], key, when, scan_object(message), name))
        if name == DISCOVERED and message.get('state') == 'NEW' and 'discovered_accounts' in watch:
            domain = discovered.setdefault(message.get('targetDomainID', ''), {'since': when, 'ids': {}, 'domain': _domain(message)})
            domain['ids'][message.get('scannedAccountID', '')] = (key, when)
        if 'audit_events' in watch and _count(audit_event.get('event_id')) in self.audit_codes:
            found.append(emitted('audit_event', key, when, audit_object(audit_event), name))
        self._track(name, message, when, state)
        return found

    def _track(self, name, message, when, state):
        """Checkouts and rotations that have begun and not ended: watched until they end (or are reported)."""
        if 'checkouts' in self.options.watch:
            if name == CHECKED_OUT and message.get('checkoutID'):
                state['checkouts'][message['checkoutID']] = checkout_object(message)
            elif name in CHECKOUT_ENDED:
                state['checkouts'].pop(message.get('checkoutID', ''), None)
        if 'locked_accounts' in self.options.watch and message.get('managedAccountID'):
            if name == ROTATION_STARTED:
                started = {key: value for key, value in rotation_object(message).items() if key not in ('status', 'secret_version')}
                state['rotations'][message['managedAccountID']] = dict(started, locked_since=when)
            elif name in ROTATION_ENDED:
                state['rotations'].pop(message['managedAccountID'], None)

    def _discovered_accounts(self, discovered):
        """The accounts that scans discovered, as PrivX holds them now: one search per domain, only the domain's
        accounts in state NEW updated since the first discovery (not every scanned account)."""
        found = []
        for domain_id, domain in discovered.items():
            since = dates.parse_timestamp(domain['since']) - _WHOLE_SECOND
            body = {'state': 'NEW', 'updated_after': since.strftime('%Y-%m-%dT%H:%M:%SZ')}
            for account in self.client.paginate(paths.scanned_account_search(domain_id), method='POST', body=body):
                if account.get('id') in domain['ids']:
                    key, when = domain['ids'][account['id']]
                    found.append(emitted('account_discovered', key, when, dict(account, target_domain=domain['domain']), DISCOVERED))
        return found

    def _due(self, state):
        """Checkouts close to expiry and rotations running too long, by PrivX's clock (read only when needed)."""
        waiting = [item for item in state['checkouts'].values() if not item.get('reported')]
        running = [item for item in state['rotations'].values() if not item.get('reported')]
        if not waiting and not running:
            return []
        now = self._server_now()
        when = _rfc3339(now)
        found = []
        for checkout in waiting:
            expires = dates.parse_timestamp(checkout.get('expires'))
            left = (expires - now).total_seconds() if expires else None
            if left is not None and left <= self.options.checkout_expiry_warning:
                checkout['reported'] = True
                obj = {key: value for key, value in checkout.items() if key != 'reported'}
                found.append(emitted('checkout_expiring', checkout['id'], when, dict(obj, seconds_left=max(0, int(left))), CHECKED_OUT))
        for rotation in running:
            locked = (now - dates.parse_timestamp(rotation['locked_since'])).total_seconds()
            if locked >= self.options.locked_threshold:
                rotation['reported'] = True
                obj = {key: value for key, value in rotation.items() if key != 'reported'}
                found.append(emitted('rotation_stuck', '%s:%s' % (rotation['id'], rotation['locked_since']), when,
                                     dict(obj, locked_seconds=int(locked)), ROTATION_STARTED))
        return found


def _rfc3339(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


# -- the source -----------------------------------------------------------------------------------------------------

def _client(settings):
    return client_module.PrivXClient(settings, log=LOG.debug)


# Waits between polls; a test may replace it to step through polls without waiting out the interval.
wait = asyncio.sleep


async def _start(poller, interval):
    """Start the poller, waiting out an outage; a refusal (bad credentials, no permission, bad option) ends the source."""
    while True:
        try:
            await asyncio.to_thread(poller.start)
            return
        except errors.PrivXError as error:
            if not error.transient:
                raise
            LOG.warning('privx_events: PrivX is not reachable (%s); trying again in %s s', error, interval)
        await wait(interval)


async def main(queue, args):
    """Poll PrivX every `interval` seconds and put one event per change on `queue`.

    :param queue: the asyncio queue ansible-rulebook reads events from
    :param args: the source's options (DOCUMENTATION)
    """
    options = SourceOptions(dict(args))
    poller = Poller(options, _client(options.settings), load_state(options.state_file, options.settings.url))
    await _start(poller, options.interval)
    while True:
        try:
            found, state = await asyncio.to_thread(poller.poll)
        except errors.PrivXError as error:
            # An outage, or PrivX refusing for now: nothing emitted, the watermark stays, the next poll tries again.
            LOG.warning('privx_events: poll failed (%s); trying again in %s s', error, options.interval)
        else:
            for event in found:
                await queue.put(event)
            changed = state != poller.state
            poller.state = state
            if options.state_file and (changed or not os.path.exists(options.state_file)):
                save_state(options.state_file, state)
        await wait(options.interval)


if __name__ == '__main__':
    # python privx_events.py: print the events of PrivX named by the PRIVX_* environment variables.
    class _PrintingQueue(asyncio.Queue):
        async def put(self, item):
            print(json.dumps(item, sort_keys=True))

    asyncio.run(main(_PrintingQueue(), {'interval': 5}))
