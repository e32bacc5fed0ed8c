# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging one target domain: absent, created or updated field by field, then optionally scanned.

Endpoint secrets (bind passwords, client secrets) are write-only in PrivX (docs/privx-api-admin.md): they
are never compared, returned or shown, and are sent only when PrivX cannot already hold them (the domain or
the endpoint is new) or when the task says ``update_password: always``, as ``converge/account.py`` does
for account passwords.
"""

from __future__ import annotations

import time

from ansible_collections.privx.secrets.plugins.module_utils.converge.waiting import checked_wait_timeout, no_progress, poll_until
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import Applied, PrivXConfigError, PrivXError, when_not_found
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import checked_name
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import TargetDomain
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies
from ansible_collections.privx.secrets.plugins.module_utils.resources.scanned_accounts import ScannedAccounts
from ansible_collections.privx.secrets.plugins.module_utils.resources.target_domains import (
    DOMAIN_CREATE_DEFAULTS,
    DOMAIN_FIELDS,
    ENDPOINT_SECRETS,
    LOST_SECRET_MARKER,
    SECRET_BY_TYPE,
    SECRET_MARKER,
    checked_endpoint,
    comparable_domain,
    domain_changes,
    endpoint_identity,
    returned_domain,
    shown_endpoint,
)

SCANNING = 'SCANNING'
POLL_MAX = 5.0


class PrivXScanError(PrivXError):
    """The scan ended in error or did not end in time; the result still carries the domain and the scan."""

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result

    def result_fields(self):
        return dict(self.result)


class DomainRequest:
    """What a task declares for one target domain, checked before any call to PrivX."""

    def __init__(self, name, options, *, state='present', update_password='on_create', scan='false', wait=False, wait_timeout=300,
                 allow_delete_all=False, progress=no_progress):
        checked_name(name, 'name')
        checked_wait_timeout(wait_timeout)
        self.name = name
        self.state = state
        self.desired = {field: options[field] for field in DOMAIN_FIELDS if options.get(field) is not None}
        if self.desired.get('periodic_scan_interval', 0) < 0:
            raise PrivXConfigError('periodic_scan_interval must not be negative, got %d' % self.desired['periodic_scan_interval'])
        if 'endpoints' in self.desired:
            self.desired['endpoints'] = [checked_endpoint(endpoint, index) for index, endpoint in enumerate(self.desired['endpoints'])]
        self.update_password = update_password
        self.allow_delete_all = allow_delete_all
        self.scan = scan
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.progress = progress

    def scans(self, *, changed):
        return self.scan == 'always' or (self.scan == 'true' and changed)

    def secrets_to_send(self, current_endpoints):
        """Indexes of declared endpoints whose secrets go to PrivX: all on create (no current endpoints) or with
        update_password=always, else only those of endpoints PrivX does not hold yet (the same identity as its PUT keeps)."""
        known = None if current_endpoints is None else set(endpoint_identity(endpoint) for endpoint in current_endpoints)
        return [index for index, endpoint in enumerate(self.desired.get('endpoints') or [])
                if any(endpoint.get(secret) for secret in ENDPOINT_SECRETS)
                and (known is None or self.update_password == 'always' or endpoint_identity(endpoint) not in known)]

    def check_endpoint_removal(self, current_endpoints):
        """``endpoints: []`` removes every endpoint and the secrets PrivX stores for them, which no read gives back:
        only with ``allow_delete_all``, as a batch that deletes every account of a domain (``converge/batch.py``)."""
        if self.desired.get('endpoints') == [] and current_endpoints and not self.allow_delete_all:
            count = len(current_endpoints)
            raise PrivXConfigError(
                'endpoints: [] would remove the %d endpoint%s of target domain %r and the bind passwords and client secrets '
                'PrivX stores for %s, which PrivX cannot give back; set allow_delete_all: true if that is what you mean' % (
                    count, '' if count == 1 else 's', self.name, 'it' if count == 1 else 'them'))

    def wire_endpoints(self, send):
        """The declared endpoints as PUT/POST carries them: secrets only where ``send`` lists the endpoint."""
        return [{field: value for field, value in endpoint.items() if index in send or field not in ENDPOINT_SECRETS}
                for index, endpoint in enumerate(self.desired['endpoints'])]


def converge_domain(domains, request, *, check_mode):
    """Make the domain match ``request`` (or remove it), then scan when asked; returns the module result, with its diff."""
    current = domains.find(request.name, declared=True)
    if request.state == 'absent':
        return _ensure_absent(domains, current, check_mode=check_mode)
    policies = PasswordPolicies(domains.client)
    # A failure after the create or PUT (the read after it, the scan) still reports changed, with the diff.
    with Applied('target domain %r' % request.name) as applied:
        if current is None:
            result = _ensure_created(domains, request, policies, applied, check_mode=check_mode)
        else:
            result = _ensure_updated(domains, current, request, policies, applied, check_mode=check_mode)
        if request.scans(changed=result['changed']):
            result['changed'] = True
            if not check_mode:
                _scan(domains, request, result, created=current is None)
    return result


def _ensure_absent(domains, current, *, check_mode):
    if current is None:
        return {'changed': False, 'target_domain': {}, 'diff': {'before': {}, 'after': {}}}
    if not check_mode:
        domains.delete(current)
    before = diff_view(comparable_domain(current))
    before['name'] = current['name']
    return {'changed': True, 'target_domain': {}, 'diff': {'before': before, 'after': {}}}


def _ensure_created(domains, request, policies, applied, *, check_mode):
    fields = dict(DOMAIN_CREATE_DEFAULTS, **request.desired)
    send = request.secrets_to_send(None)
    _check_effective(request, dict(comparable_domain({}), **fields), changed=True)
    body = dict(policies.resolved(fields, 'auto_onboarding_policy'), name=request.name)
    if 'endpoints' in body:
        body['endpoints'] = request.wire_endpoints(send)
    after = dict(diff_view(request.desired, send), name=request.name)
    result = {'changed': True, 'diff': {'before': {}, 'after': after}}
    if check_mode:
        result['target_domain'] = returned_domain(body)
    else:
        applied.fields['diff'] = result['diff']
        domain_id = domains.create(body)
        applied.done.append('created')
        result['target_domain'] = returned_domain(domains.get(domain_id))
    return result


def _ensure_updated(domains, current, request, policies, applied, *, check_mode):
    view = comparable_domain(current)
    wanted = comparable_domain(request.desired)
    changes = domain_changes(current, request.desired)
    send = request.secrets_to_send(current.get('endpoints') or [])
    changed = bool(changes or send)
    _check_effective(request, dict(view, **{field: wanted[field] for field in changes}), changed=changed)
    if 'endpoints' in changes:
        request.check_endpoint_removal(view['endpoints'])
    result = {'changed': changed, 'diff': {'before': diff_view({field: view[field] for field in changes}),
                                           'after': diff_view(changes, send)}}
    if 'endpoints' in changes:
        _mark_lost_secrets(result['diff']['before']['endpoints'], view['endpoints'], request.desired['endpoints'])
    if send:
        result['diff']['before'].setdefault('endpoints', diff_view(view)['endpoints'])
        result['diff']['after']['endpoints'] = diff_view(request.desired, send)['endpoints']
    if not changed:
        result['target_domain'] = returned_domain(current)
        return result
    body = _replacement(current, changes, policies.resolved(changes, 'auto_onboarding_policy'))
    if 'endpoints' in request.desired:
        body['endpoints'] = request.wire_endpoints(send)
    if check_mode:
        result['target_domain'] = returned_domain(dict(current, **body))
    else:
        applied.fields['diff'] = result['diff']
        domains.replace(current['id'], body)
        applied.done.append('replaced')
        result['target_domain'] = returned_domain(domains.get(current['id']))
    return result


def _check_effective(request, effective, *, changed):
    """Contradictions PrivX would refuse, found before the first write (a scan comes after the change)."""
    if effective['auto_onboarding'] and not effective['auto_onboarding_policy']:
        raise PrivXConfigError('auto_onboarding: true needs auto_onboarding_policy, the password policy that new accounts get')
    if request.scans(changed=changed) and not effective['enabled']:
        raise PrivXConfigError('scan: %s needs an enabled target domain: PrivX refuses to scan a disabled one' % request.scan)


def _replacement(current, changes, resolved):
    """The whole object PUT expects (it resets what it leaves out), with the changes applied; endpoints as read keep their secrets."""
    body = {field: current[field] for field in DOMAIN_FIELDS if field != 'auto_onboarding_policy' and current.get(field) is not None}
    handle = current.get('auto_onboarding_policy') or {}
    if handle.get('id') and 'auto_onboarding_policy' not in changes:
        body['auto_onboarding_policy'] = {'id': handle['id'], 'name': handle.get('name')}
    body.update(resolved)
    body['name'] = current['name']
    return body


def diff_view(fields, send=()):
    """Fields for a diff: endpoints without secrets, a marker where a new secret would be stored."""
    view = {field: value for field, value in fields.items() if field != 'endpoints'}
    if 'endpoints' in fields:
        view['endpoints'] = []
        for index, endpoint in enumerate(fields['endpoints']):
            shown = shown_endpoint(endpoint)
            shown.update((secret, SECRET_MARKER) for secret in ENDPOINT_SECRETS if index in send and endpoint.get(secret))
            view['endpoints'].append(shown)
    return view


def _mark_lost_secrets(shown, current, declared):
    """In a diff's before, mark the secret of each endpoint that the change removes: it goes with its endpoint."""
    kept = set(endpoint_identity(endpoint) for endpoint in declared)
    for view, endpoint in zip(shown, current):
        if endpoint_identity(endpoint) not in kept:
            view[SECRET_BY_TYPE[endpoint['type']]] = LOST_SECRET_MARKER


def _scan(domains, request, result, *, created):
    """Start a scan, and with ``wait`` report how it ended: a scan that fails fails the task, with the result kept."""
    domain_id = result['target_domain']['id']
    domain = TargetDomain(domain_id, request.name)
    # What the domain held before, to count what the scan found first (a new domain holds nothing: no call).
    known = set(account['id'] for account in ScannedAccounts(domains.client, domain).read()) if request.wait and not created else set()
    domains.scan(domain_id)
    # Once the scan has started, a 404 means that someone deleted the domain meanwhile: the task did start a scan.
    with when_not_found(lambda _error: PrivXScanError('target domain %r was deleted while its scan was awaited' % request.name,
                                                      {'changed': True, 'target_domain': {}})):
        _report_scan(domains, request, result, domain, known)


def _report_scan(domains, request, result, domain, known):
    domain_id = domain.id
    if not request.wait:
        result['target_domain'] = returned_domain(domains.get(domain_id))
        result['scan'] = {'status': SCANNING, 'message': '', 'accounts_found': None, 'new_accounts': None, 'elapsed': None}
        return
    scanned, elapsed = wait_for_scan(domains, domain_id, request.wait_timeout, progress=request.progress, name=request.name)
    status = scanned.get('scan_status') if scanned.get('scan_status') != SCANNING else 'TIMEOUT'
    accounts = [account for account in ScannedAccounts(domains.client, domain).read() if account.get('state') != 'REMOVED']
    result['target_domain'] = returned_domain(scanned)
    result['scan'] = {'status': status, 'message': ' '.join((scanned.get('scan_message') or '').split()),
                      'accounts_found': len(accounts), 'new_accounts': len([account for account in accounts if account['id'] not in known]),
                      'elapsed': elapsed}
    if status == 'TIMEOUT':
        raise PrivXScanError('the scan of target domain %r did not end within %d seconds' % (request.name, request.wait_timeout),
                             _failed(result))
    if status != 'SUCCESS':
        raise PrivXScanError('the scan of target domain %r ended in %s: %s' % (request.name, status, result['scan']['message']),
                             _failed(result))


def _failed(result):
    return {'changed': True, 'target_domain': result['target_domain'], 'scan': result['scan']}


def wait_for_scan(domains, domain_id, timeout, sleep=time.sleep, clock=time.monotonic, progress=no_progress, name=None):
    """Poll the domain (backing off) until its scan_status leaves SCANNING or the time is up; returns (the last read,
    the seconds waited), telling ``progress`` after each poll the scan's status."""
    last = {}

    def scan_ended():
        last['domain'] = domains.get(domain_id)
        return last['domain'].get('scan_status') != SCANNING

    def scanning(elapsed):
        progress('waiting for the scan of %s: %d s, %s' % (name or domain_id, elapsed, last['domain'].get('scan_status')))

    elapsed = poll_until(scan_ended, timeout, poll_max=POLL_MAX, sleep=sleep, clock=clock, progress=scanning)
    return last['domain'], elapsed
