# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from datetime import timedelta

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.converge.chunked import PrivXBatchError
from ansible_collections.privx.secrets.plugins.module_utils.converge.rotation import outcome, plan_rotation, select_accounts, trigger, wait_for
from ansible_collections.privx.secrets.plugins.module_utils.core.dates import utc_now
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError, PrivXConfigError


def stamp(delta):
    return (utc_now() - delta).strftime('%Y-%m-%dT%H:%M:%SZ')


def account(username, history=(), **fields):
    value = {'id': 'id-' + username, 'username': username, 'enabled': True, 'rotation_enabled': True, 'locked': False,
             'rotation_history': list(history)}
    value.update(fields)
    return value


def entry(version, age, status='SUCCESS'):
    return {'version': version, 'rotated': stamp(age), 'trigger': 'MANUAL', 'status': status}


def test_older_than_picks_the_never_rotated_and_the_overdue_only():
    accounts = [
        account('fresh', [entry(2, timedelta(days=1))]),
        account('overdue', [entry(1, timedelta(days=40))]),
        account('failed_recently', [entry(3, timedelta(days=40)), entry(3, timedelta(hours=1), status='ERROR')]),
        account('never'),
        account('busy', locked=True),
        account('off', enabled=False),
        account('manual_only', rotation_enabled=False),
    ]
    due, skipped = plan_rotation(accounts, timedelta(days=30))
    assert [item['username'] for item in due] == ['overdue', 'failed_recently', 'never']
    reasons = {item['username']: item['reason'] for item in skipped}
    assert reasons['fresh'].startswith('not due: last rotated ')
    assert reasons['busy'] == 'locked: a rotation is already running'
    assert reasons['off'] == 'disabled' and reasons['manual_only'] == 'rotation disabled'


def test_selection_by_username_reports_every_unmanaged_name():
    with pytest.raises(PrivXConfigError, match='not managed accounts of corp: ghost, phantom'):
        select_accounts([account('a')], ['a', 'ghost', 'phantom'], 'corp')


def test_outcome_reads_the_new_history_entry():
    before = account('a', [entry(3, timedelta(days=40))])
    after = account('a', [entry(3, timedelta(days=40)), entry(4, timedelta(seconds=1))])
    report = outcome(before, after)
    assert (report['previous_version'], report['new_version'], report['status']) == (3, 4, 'SUCCESS')
    failed = outcome(before, account('a', before['rotation_history'] + [entry(3, timedelta(0), 'ERROR')]))
    assert (failed['new_version'], failed['status']) == (None, 'ERROR')


class PollingStore:
    def __init__(self, answers):
        self.answers = answers
        self.polls = 0

    def all(self):
        self.polls += 1
        return self.answers[min(self.polls, len(self.answers)) - 1]


def test_waiting_polls_the_whole_set_once_per_round_and_backs_off():
    started = [account('a'), account('b')]
    running = [account('a', locked=True), account('b', locked=True)]
    done = [account('a', [entry(1, timedelta(0))]), account('b', [entry(1, timedelta(0), 'ERROR')])]
    store, sleeps = PollingStore([running, running, done]), []
    reports = wait_for(store, started, timeout=60, sleep=sleeps.append, clock=lambda: 0.0)
    assert store.polls == 3 and sleeps == [0.5, 1.0, 2.0]
    assert [(item['username'], item['status']) for item in reports] == [('a', 'SUCCESS'), ('b', 'ERROR')]


def test_waiting_gives_up_at_the_timeout():
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    reports = wait_for(PollingStore([[account('a', locked=True)]]), [account('a')], timeout=5, sleep=sleep, clock=lambda: now[0])
    assert reports[0]['status'] == 'TIMEOUT' and now[0] == pytest.approx(5.0)


def test_a_failed_batch_rotate_chunk_says_which_accounts_were_started():
    class Domain:
        def __init__(self):
            self.calls = []

        def batch(self, operation, ids):
            self.calls.append((operation, ids))
            if len(self.calls) == 2:
                raise PrivXApiError('POST', '/batch/rotate', 503, error_code='TOO_MANY_CONNECTIONS', attempts=3)

    accounts = [{'id': 'id-%d' % number, 'username': 'u%d' % number} for number in range(5)]
    with pytest.raises(PrivXBatchError) as caught:
        trigger(Domain(), accounts, batch_size=2)
    assert str(caught.value).startswith('batch rotate chunk 2 of 3 failed, so its 2 account(s) were not applied (u2, u3): PrivX POST')
    assert 'Applied before it: rotated 2. Not applied: rotated 3.' in str(caught.value)
    assert caught.value.result_fields() == {'changed': True, 'applied': {'rotated': ['u0', 'u1']},
                                            'not_applied': {'rotated': ['u2', 'u3', 'u4']}}
