# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event source privx.secrets.privx_events, driven by its own main() with an asyncio queue against the emulator:
what it emits (shape, no secret), exactly once across a restart with state_file and across a 30 s PrivX outage, and
the requests it sends per poll at 10 target domains with 10,000 managed accounts (the emulator's request log)."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os

import pytest

from eda_source import Privx, RunningSource, load_source, of_type, source_args
from privx_emulator.harness import EmulatorProcess, fixture_path

ALL_WATCHES = ['rotation_failures', 'locked_accounts', 'discovered_accounts', 'scans', 'checkouts', 'audit_events']


@pytest.fixture(scope='module')
def source():
    return load_source()


@pytest.fixture(scope='module')
def emulator(tmp_path_factory):
    # A file DB, so that a stopped emulator comes back with its state and audit log; tokens that outlive no outage.
    db = str(tmp_path_factory.mktemp('eda-source') / 'privx.db')
    with EmulatorProcess(fixture=fixture_path('test.json'), tls=True, db=db, token_lifetime=20, rotation_delay=0.1,
                         scan_delay=0.1) as process:
        yield process


def _secrets_of(emulator):
    """Every value that must never appear in an event or the state file: the API clients' credentials and the
    passwords PrivX holds for the accounts the tests touch."""
    planted = []
    for client in emulator.clients.values():
        planted += [client['client_secret'], client['oauth_client_secret']]
    for domain, username in (('dbdomain', 'app_admin'), ('corp.example.com', 'svc_backup')):
        planted += [item['secret'] for item in emulator.control.secrets(domain, username) if item['secret']]
    return [value for value in planted if value]


def _assert_no_secret(emulator, *texts):
    for value in _secrets_of(emulator):
        for text in texts:
            assert value not in text


def _once_each(events):
    counts = collections.Counter(event['privx']['id'] for event in events)
    assert [key for key, count in counts.items() if count > 1] == []


def test_exactly_once_across_a_30_second_outage(source, emulator, caplog):
    """(First in this file: restarting the emulator sets its clock back to the real time, which the other tests move
    forward.) PrivX stopped (connection refused), then answering 503 to the source's every call while, 30 s later by
    PrivX's clock (and past the source's token lifetime), rotations fail: each failure comes exactly once when PrivX
    is back, none before the outage is repeated."""
    privx = Privx(source, emulator)
    emulator.control.fail_rotation('dbdomain', 'single', count=1)
    caplog.set_level(logging.WARNING, logger='privx.secrets.privx_events')
    with RunningSource(source, source_args(emulator, watch=['rotation_failures'])) as running:
        running.wait_for(lambda events: emulator.control.requests() and any(
            item['path'].endswith('/auditevents/search') for item in emulator.control.requests()), message='the first poll')
        privx.rotate(emulator, 'dbdomain', 'single')
        running.wait_for(lambda events: len(events) == 1, message='the failure before the outage')
        emulator.wait_until(lambda: not emulator.control.managed_account('dbdomain', 'single')['locked'])
        # The outage, first part: PrivX is down.
        emulator.stop()
        running.wait_for(lambda events: 'poll failed' in caplog.text, message='a failed poll')
        emulator.restart()
        # Second part: PrivX refuses the source with 503 (its gateway up, PrivX not) for 30 s of PrivX's time.
        # The rotations start through the control API, which no fault touches.
        emulator.control.fault('monitor-service|/auth/', status=503, count=None)
        emulator.control.fail_rotation('dbdomain', 'single', count=2)  # control settings do not outlive a restart
        for _rotation in range(2):
            emulator.control.lock_account('dbdomain', 'single', 0.1)
            emulator.wait_until(lambda: not emulator.control.managed_account('dbdomain', 'single')['locked'], message='the rotation')
            emulator.control.advance_clock(15)
        hits = emulator.control.faults()[0]['hits']
        emulator.wait_until(lambda: emulator.control.faults()[0]['hits'] > hits, message='a poll refused with 503')
        assert len(running.events()) == 1
        emulator.control.clear_faults()
        events = running.wait_for(lambda found: len(found) >= 3, message='the failures during the outage')
        mark = emulator.control.mark()
        emulator.wait_until(lambda: len(emulator.control.requests(since=mark)) >= 3, message='more polls')
        events = running.events()
    assert len(events) == 3 and len(of_type(events, 'rotation_failed', username='single')) == 3
    _once_each(events)
    assert 'poll failed' in caplog.text and 'Traceback' not in caplog.text
    _assert_no_secret(emulator, caplog.text)


def test_source_emits_each_change_once_with_a_stable_shape(source, emulator, tmp_path):
    privx = Privx(source, emulator)
    state_file = str(tmp_path / 'state.json')
    emulator.control.fail_rotation('dbdomain', 'app_admin', count=1)
    with RunningSource(source, source_args(emulator, watch=ALL_WATCHES, audit_codes=['Target-domain-modified', 1701],
                                           state_file=state_file, checkout_expiry_warning=600, locked_threshold=5)) as running:
        running.wait_for(lambda events: os.path.exists(state_file), message='the first poll')
        privx.rotate(emulator, 'dbdomain', 'app_admin')
        emulator.control.add_to_directory('corp.example.com', 'svc_new')
        privx.scan('corp.example.com')
        privx.scan('dbdomain')  # no endpoint: the scan ends in ERROR
        domain = privx.client.get(privx.paths.target_domain(privx.domain_id('empty.example.com')))
        privx.client.put(privx.paths.target_domain(domain['id']), dict(domain, comment='changed by the test'))
        secret = next(item for item in privx.client.post(privx.paths.SECRET_SEARCH, {'username': 'app_admin'})['items']
                      if 'dbdomain' in item['path'])
        checkout = privx.client.post(privx.paths.CHECKOUTS, {'path': secret['path']})
        emulator.wait_until(lambda: not emulator.control.managed_account('dbdomain', 'app_admin')['locked'], message='the rotation')
        emulator.control.lock_account('corp.example.com', 'app_reader', 7200)
        # 55 minutes later by PrivX's clock: the lock is past locked_threshold, the checkout (PT1H) 5 minutes from expiry.
        emulator.control.advance_clock(3300)
        events = running.wait_for(lambda found: all(of_type(found, kind) for kind in (
            'rotation_failed', 'account_discovered', 'scan_succeeded', 'scan_failed', 'audit_event', 'checkout_expiring',
            'rotation_stuck')), message='one event of each type')
        # Polls go on; nothing is emitted twice.
        running.wait_for(lambda found: len(found) >= len(events) and
                         emulator.control.requests()[-1]['path'].endswith('/auditevents/search'), message='another poll')
        events = running.events()
    privx.client.post(privx.paths.checkout_release(checkout['id']))
    _once_each(events)
    by_type = collections.Counter(event['privx']['type'] for event in events)
    assert by_type == {'rotation_failed': 1, 'account_discovered': 1, 'scan_succeeded': 1, 'scan_failed': 1, 'audit_event': 1,
                       'checkout_expiring': 1, 'rotation_stuck': 1}, events
    failed = of_type(events, 'rotation_failed', username='app_admin', target_domain='dbdomain', status='ERROR')[0]['privx']
    assert set(failed) == {'type', 'id', 'time', 'object', 'event_name'}
    assert failed['event_name'] == 'Managed-account-rotation-failed' and failed['time'].endswith('Z')
    account = emulator.control.managed_account('dbdomain', 'app_admin')
    assert failed['object'] == {'kind': 'managed_account', 'id': account['id'], 'username': 'app_admin', 'status': 'ERROR',
                                'target_domain': {'id': account['target_domain']['id'], 'name': 'dbdomain'}, 'trigger': 'MANUAL',
                                'secret_version': failed['object']['secret_version']}
    discovered = of_type(events, 'account_discovered', username='svc_new', target_domain='corp.example.com')[0]['privx']['object']
    assert discovered['state'] == 'NEW' and discovered['id']
    assert of_type(events, 'scan_succeeded', name='corp.example.com', scan_status='SUCCESS', discovered_accounts=1)
    assert of_type(events, 'scan_failed', name='dbdomain', scan_status='ERROR')[0]['privx']['object']['scan_message']
    assert of_type(events, 'audit_event', name='Target-domain-modified', code=1711)
    expiring = of_type(events, 'checkout_expiring', id=checkout['id'])[0]['privx']['object']
    assert expiring['path'] == secret['path'] and 0 < expiring['seconds_left'] <= 600
    assert of_type(events, 'rotation_stuck', username='app_reader')[0]['privx']['object']['locked_seconds'] >= 5
    with open(state_file, encoding='utf-8') as handle:
        state_text = handle.read()
    assert json.loads(state_text)['after']
    _assert_no_secret(emulator, json.dumps(events), state_text)


def test_exactly_once_across_a_restart_with_state_file(source, emulator, tmp_path):
    privx = Privx(source, emulator)
    state_file = str(tmp_path / 'state.json')
    args = source_args(emulator, watch=['rotation_failures'], state_file=state_file)
    emulator.control.fail_rotation('dbdomain', 'release_me', count=2)
    with RunningSource(source, args) as first:
        first.wait_for(lambda events: os.path.exists(state_file), message='the first poll')
        privx.rotate(emulator, 'dbdomain', 'release_me')
        before = first.wait_for(lambda events: of_type(events, 'rotation_failed', username='release_me'), message='the failure')
    # While the source is stopped: a second failure of the same account.
    emulator.wait_until(lambda: not emulator.control.managed_account('dbdomain', 'release_me')['locked'])
    privx.rotate(emulator, 'dbdomain', 'release_me')
    emulator.wait_until(lambda: not emulator.control.managed_account('dbdomain', 'release_me')['locked'], message='the rotation')
    with RunningSource(source, args) as second:
        after = second.wait_for(lambda events: of_type(events, 'rotation_failed', username='release_me'), message='the second failure')
        mark = emulator.control.mark()
        emulator.wait_until(lambda: len(emulator.control.requests(since=mark)) >= 2, message='two more polls')
        after = second.events()
    assert len(before) == 1 and len(after) == 1
    assert before[0]['privx']['id'] != after[0]['privx']['id']
    # Without the state file, a new start begins at PrivX's current time: neither failure again.
    with RunningSource(source, dict(args, state_file=None)) as fresh:
        mark = emulator.control.mark()
        emulator.wait_until(lambda: len(emulator.control.requests(since=mark)) >= 3, message='polls')
        assert fresh.events() == []


@pytest.mark.parametrize('args, message', [
    ({'watch': ['rotations']}, 'watch: unknown rotations'),
    ({'intervall': 5}, 'unknown option(s) intervall'),
    ({'interval': 'soon'}, "interval must be a number, got 'soon'"),
    ({'url': 'privx.example.com'}, 'has no scheme'),
])
def test_bad_options_fail_with_one_line(source, emulator, args, message):
    with pytest.raises(ValueError) as caught:
        asyncio.run(source.main(asyncio.Queue(), source_args(emulator, **args)))
    assert message in str(caught.value) and '\n' not in str(caught.value)


def test_unknown_audit_code_fails_at_start(source, emulator):
    with pytest.raises(ValueError, match="audit_codes: 'No-such-event' is not an audit event of this PrivX"):
        asyncio.run(source.main(asyncio.Queue(), source_args(emulator, audit_codes=['No-such-event'])))


# -- scale: 10 target domains, 10,000 managed accounts, interval 30 -------------------------------------------------

@pytest.fixture(scope='module')
def scale():
    with EmulatorProcess(fixture=fixture_path('scale.json'), tls=True, rotation_delay=0.1, scan_delay=0.1) as process:
        yield process


class SteppedWait:
    """The source's wait between polls, replaced: it records the interval and returns when the test says so, so that
    the test steps through polls at interval 30 without waiting 30 s."""

    def __init__(self):
        self.intervals = []
        self.steps = None

    async def __call__(self, seconds):
        if self.steps is None:
            self.steps = asyncio.Semaphore(0)
        self.intervals.append(seconds)
        await self.steps.acquire()


def test_requests_per_poll_at_scale(scale, capsys):
    """At interval 30 with 10 domains and 10,000 managed accounts: an idle poll is one audit search; a poll after a
    failed rotation and a scan that discovered an account adds one scanned-account search of that one domain; no poll
    lists managed accounts."""
    source = load_source()
    stepped = SteppedWait()
    source.wait = stepped
    privx = Privx(source, scale)
    polls = {}

    def step(name):
        """Release the source's wait and record the requests of the poll that follows (the test sends none meanwhile)."""
        waited = len(stepped.intervals)
        mark = scale.control.mark()
        running.loop.call_soon_threadsafe(stepped.steps.release)
        running.wait_for(lambda events: len(stepped.intervals) > waited, message='the poll')
        polls[name] = scale.control.requests(since=mark)

    mark = scale.control.mark()
    with RunningSource(source, source_args(scale, interval=30)) as running:
        running.wait_for(lambda events: stepped.intervals, message='the first poll')
        polls['start and first poll'] = scale.control.requests(since=mark)
        step('idle')
        scale.control.fail_rotation('td03.example.com', 'svc0042', count=1)
        privx.rotate(scale, 'td03.example.com', 'svc0042')
        scale.control.add_to_directory('td07.example.com', 'svc_new')
        privx.scan('td07.example.com')
        scale.wait_until(lambda: not scale.control.managed_account('td03.example.com', 'svc0042')['locked'], message='the rotation')
        scale.wait_until(lambda: privx.client.get(privx.paths.target_domain(privx.domain_id('td07.example.com')))['scan_status'] == 'SUCCESS')
        step('after a failed rotation and a scan')
        events = running.events()
    assert set(stepped.intervals) == {30}
    assert sorted(event['privx']['type'] for event in events) == ['account_discovered', 'rotation_failed', 'scan_succeeded']
    shapes = {name: [(item['method'], item['path'].rsplit('/api/v1/', 1)[-1]) for item in requests] for name, requests in polls.items()}
    assert shapes['idle'] == [('POST', 'auditevents/search')]
    td07 = privx.domain_id('td07.example.com')
    assert shapes['after a failed rotation and a scan'] == [
        ('POST', 'auditevents/search'), ('POST', 'targetdomains/%s/accounts/search' % td07)]
    assert [path for requests in shapes.values() for _method, path in requests if 'managedaccounts' in path] == []
    with capsys.disabled():
        print('\nprivx_events at 10 domains / 10,000 managed accounts, interval 30: %s' % '; '.join(
            '%s: %d requests (%s)' % (name, len(requests), ', '.join('%s %s' % shape for shape in requests))
            for name, requests in shapes.items()))
