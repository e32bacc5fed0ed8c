# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event source privx_events (extensions/eda/plugins/event_source/) against the fake PrivX: the watermark's edge
cases that the emulator cannot stage on demand (events sharing a time across polls, a poll failing half-way), its
options and its state file. The emulator tests are tests/integration/test_eda_source.py."""

from __future__ import annotations

import importlib.util
import json
import os

import pytest

from fake_privx import DOMAIN, DOMAIN_ID, TOKEN, URL, Reply

SOURCE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'extensions', 'eda', 'plugins', 'event_source',
                      'privx_events.py')


@pytest.fixture(scope='module')
def source():
    spec = importlib.util.spec_from_file_location('privx_events_unit', SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def no_privx_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith('PRIVX_'):
            monkeypatch.delenv(name)


def audit_event(created, name='Managed-account-rotation-failed', **message):
    return {'event_id': {'Managed-account-rotation-failed': '1742', 'Target-domain-modified': '1711'}.get(name, '1'),
            'event_name': name, 'created': created, 'service_name': 'SECRETS-MANAGER',
            'message': dict({'managedAccountID': 'm-' + message.get('targetUsername', 'x'), 'status': 'ERROR'}, **message)}


def poller(source, privx, **args):
    options = source.SourceOptions(dict({'url': URL, 'access_token': TOKEN}, **args))
    started = source.Poller(options, privx.client(options.settings))
    started.start()
    return started


def take(started):
    """One poll, its new state taken as main() takes it; the usernames of the events."""
    found, state = started.poll()
    started.state = state
    return [event['privx']['object']['username'] for event in found]


def test_events_sharing_a_time_across_polls_are_emitted_once(source, privx):
    started = poller(source, privx)
    privx.audit_events.append(audit_event('2026-12-01T00:00:01.000000Z', targetUsername='a'))
    assert take(started) == ['a']
    # PrivX records b with a's time after the first poll (two events may share a time), then c.
    privx.audit_events += [audit_event('2026-12-01T00:00:01.000000Z', targetUsername='b'),
                           audit_event('2026-12-01T00:00:02.000000Z', targetUsername='c')]
    assert take(started) == ['b', 'c']
    assert take(started) == []
    assert started.state['after'] == '2026-12-01T00:00:02.000000Z'
    searches = [call[2] for call in privx.calls if call[1].endswith('/auditevents/search')]
    assert [body['start_time'] for body in searches] == [
        '2026-12-01T00:00:00.000000Z', '2026-12-01T00:00:01.000000Z', '2026-12-01T00:00:02.000000Z']
    assert all(set(body) == set(source._SEARCH_KEYS) for body in searches)  # pylint: disable=protected-access


def test_a_poll_failing_half_way_changes_nothing_and_the_next_one_catches_up(source, privx):
    """The audit search answered, the scanned-account search after it did not: no event, the watermark stays."""
    started = poller(source, privx, retries=0)
    privx.scanned_account('newbie', state='NEW')
    privx.audit_events += [audit_event('2026-12-01T00:00:01.000000Z', targetUsername='a'),
                           audit_event('2026-12-01T00:00:01.500000Z', 'Scanned-account-discovered', targetUsername='newbie',
                                       scannedAccountID='s-newbie', targetDomainID=DOMAIN_ID, targetDomainName=DOMAIN, state='NEW')]
    privx.script('POST', source.paths.scanned_account_search(DOMAIN_ID), Reply(503, {'error_code': 'TOO_MANY_CONNECTIONS'}))
    before = json.dumps(started.state, sort_keys=True)
    with pytest.raises(Exception, match='503'):
        started.poll()
    assert json.dumps(started.state, sort_keys=True) == before
    assert take(started) == ['a', 'newbie']
    assert take(started) == []


def test_audit_codes_are_checked_against_the_catalogue(source, privx):
    started = poller(source, privx, audit_codes=['Target-domain-modified', '1742'])
    assert started.audit_codes == {1711, 1742} and 'audit_events' in started.options.watch
    with pytest.raises(ValueError, match="audit_codes: 9999 is not an audit event of this PrivX"):
        poller(source, privx, audit_codes=[9999])


def test_lookback_starts_before_privx_time(source, privx):
    privx.server_time = '2026-12-01T00:10:00Z'
    assert poller(source, privx, lookback=600).state['after'] == '2026-12-01T00:00:00.000000Z'


def test_host_account_failures_name_the_host(source):
    obj = source.rotation_object({'hostID': 'h-1', 'hostName': 'app01', 'targetUsername': 'root', 'error': 'ssh: denied',
                                  'trigger': 'MANUAL'})
    assert obj == {'kind': 'host_account', 'username': 'root', 'host': {'id': 'h-1', 'name': 'app01'}, 'error': 'ssh: denied',
                   'trigger': 'MANUAL'}


def test_connection_options_fall_back_to_the_environment(source, monkeypatch):
    monkeypatch.setenv('PRIVX_URL', URL)
    monkeypatch.setenv('PRIVX_ACCESS_TOKEN', TOKEN)
    monkeypatch.setenv('PRIVX_VALIDATE_CERTS', 'false')
    monkeypatch.setenv('PRIVX_RETRIES', '2')
    settings = source.connection_settings({})
    assert (settings.url, settings.validate_certs, settings.retries) == (URL, False, 2)
    monkeypatch.setenv('PRIVX_VALIDATE_CERTS', 'maybe')
    with pytest.raises(ValueError, match="validate_certs .environment PRIVX_VALIDATE_CERTS. must be true or false, got 'maybe'"):
        source.connection_settings({})


def test_templated_numbers_and_watch_lists_arrive_as_text(source):
    options = source.SourceOptions({'url': URL, 'access_token': TOKEN, 'interval': '0.5', 'watch': 'scans, checkouts',
                                    'state_file': ''})
    assert (options.interval, options.watch, options.state_file) == (0.5, frozenset({'scans', 'checkouts'}), None)


def test_state_file_is_replaced_whole_and_kept_per_privx(source, tmp_path):
    path = str(tmp_path / 'state.json')
    state = dict(source.new_state('2026-12-01T00:00:00Z'), url=URL)
    source.save_state(path, state)
    assert source.load_state(path, URL) == state
    assert source.load_state(path, 'https://other.example.com') is None
    with pytest.raises(TypeError):
        source.save_state(path, dict(state, after=object()))  # cannot be written: the old file stays, no leftover
    assert source.load_state(path, URL) == state and os.listdir(str(tmp_path)) == ['state.json']


def test_a_state_file_that_cannot_be_kept_or_read_fails_at_start_with_one_line(source, tmp_path):
    options = {'url': URL, 'access_token': TOKEN}
    for path, message in ((tmp_path, 'is not a file'), (tmp_path / 'missing' / 'state.json', 'missing or not writable')):
        with pytest.raises(source.OptionError, match=message):
            source.SourceOptions(dict(options, state_file=str(path)))
    for text, message in (('{"version": 1, "af', 'cannot be read .JSONDecodeError.: remove it to start anew'),
                          ('[]', 'holds no state of this source: remove it to start anew')):
        (tmp_path / 'state.json').write_text(text)
        with pytest.raises(source.OptionError, match=message):
            source.load_state(str(tmp_path / 'state.json'), URL)
