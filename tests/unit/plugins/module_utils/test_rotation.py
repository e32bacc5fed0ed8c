# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from datetime import timedelta

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.converge.chunked import PrivXBatchError
from ansible_collections.privx.secrets.plugins.module_utils.converge.rotation import outcome, plan_rotation, select_accounts, trigger, wait_for
from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.dates import utc_now
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError, PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import TargetDomain
from ansible_collections.privx.secrets.plugins.module_utils.resources.managed_accounts import ManagedAccounts

from fake_privx import AS_USUAL, DOMAIN, DOMAIN_ID, managed_account

LIST = paths.managed_accounts(DOMAIN_ID)


def stamp(delta):
    return (utc_now() - delta).strftime('%Y-%m-%dT%H:%M:%SZ')


def entry(version, age, status='SUCCESS'):
    return {'version': version, 'rotated': stamp(age), 'trigger': 'MANUAL', 'status': status}


def test_older_than_picks_the_never_rotated_and_the_overdue_only():
    accounts = [
        managed_account('fresh', rotation_history=[entry(2, timedelta(days=1))]),
        managed_account('overdue', rotation_history=[entry(1, timedelta(days=40))]),
        managed_account('failed_recently', rotation_history=[entry(3, timedelta(days=40)), entry(3, timedelta(hours=1), status='ERROR')]),
        managed_account('never'),
        managed_account('busy', locked=True),
        managed_account('off', enabled=False),
        managed_account('manual_only', rotation_enabled=False),
    ]
    due, skipped = plan_rotation(accounts, timedelta(days=30))
    assert [item['username'] for item in due] == ['overdue', 'failed_recently', 'never']
    reasons = {item['username']: item['reason'] for item in skipped}
    assert reasons['fresh'].startswith('not due: last rotated ')
    assert reasons['busy'] == 'locked: a rotation is already running'
    assert reasons['off'] == 'disabled' and reasons['manual_only'] == 'rotation disabled'


def test_selection_by_username_reports_every_unmanaged_name():
    with pytest.raises(PrivXConfigError, match='not managed accounts of corp: ghost, phantom'):
        select_accounts([managed_account('a')], ['a', 'ghost', 'phantom'], 'corp')


def test_outcome_reads_the_new_history_entry():
    before = managed_account('a', rotation_history=[entry(3, timedelta(days=40))])
    after = managed_account('a', rotation_history=[entry(3, timedelta(days=40)), entry(4, timedelta(seconds=1))])
    report = outcome(before, after)
    assert (report['previous_version'], report['new_version'], report['status']) == (3, 4, 'SUCCESS')
    failed = outcome(before, managed_account('a', rotation_history=before['rotation_history'] + [entry(3, timedelta(0), 'ERROR')]))
    assert (failed['new_version'], failed['status']) == (None, 'ERROR')


def domain_accounts(privx, **options):
    return ManagedAccounts(privx.client(**options), TargetDomain(DOMAIN_ID, DOMAIN))


def test_waiting_polls_the_whole_set_once_per_round_and_backs_off(privx):
    started = [managed_account('a'), managed_account('b')]
    running = [managed_account('a', locked=True), managed_account('b', locked=True)]
    done = [managed_account('a', rotation_history=[entry(1, timedelta(0))]), managed_account('b', rotation_history=[entry(1, timedelta(0), 'ERROR')])]
    privx.script('GET', LIST, running, running, done)
    sleeps = []
    shown = []
    reports, elapsed = wait_for(domain_accounts(privx), started, timeout=60, sleep=sleeps.append, clock=lambda: 0.0,
                                progress=shown.append)
    assert privx.count('GET', LIST) == 3 and sleeps == [0.5, 1.0, 2.0] and elapsed == 0
    assert shown == ["waiting for 2 rotation(s) in target domain 'corp.example.com': 0 s, 2 still running"] * 2
    assert [(item['username'], item['status']) for item in reports] == [('a', 'SUCCESS'), ('b', 'ERROR')]


def test_waiting_gives_up_at_the_timeout(privx):
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    privx.answers[('GET', LIST)] = [managed_account('a', locked=True)]
    reports, elapsed = wait_for(domain_accounts(privx), [managed_account('a')], timeout=5, sleep=sleep, clock=lambda: now[0])
    assert reports[0]['status'] == 'TIMEOUT' and now[0] == pytest.approx(5.0) and elapsed == pytest.approx(5.0)


def test_a_failed_batch_rotate_chunk_says_which_accounts_were_started(privx):
    rotate = paths.managed_account_batch(DOMAIN_ID, 'rotate')
    privx.script('POST', rotate, AS_USUAL, PrivXApiError('POST', rotate, 503, error_code='TOO_MANY_CONNECTIONS'))
    accounts = [{'id': 'id-%d' % number, 'username': 'u%d' % number} for number in range(5)]
    with pytest.raises(PrivXBatchError) as caught:
        trigger(domain_accounts(privx, retries=0), accounts, batch_size=2)
    assert [body['ids'] for method, path, body in privx.calls] == [['id-0', 'id-1'], ['id-2', 'id-3']]
    assert str(caught.value).startswith('batch rotate chunk 2 of 3 failed, so its 2 account(s) were not applied (u2, u3): PrivX POST')
    assert 'Applied before it: rotated 2. Not applied: rotated 3.' in str(caught.value)
    assert caught.value.result_fields() == {'changed': True, 'applied': {'rotated': ['u0', 'u1']},
                                            'not_applied': {'rotated': ['u2', 'u3', 'u4']}}
