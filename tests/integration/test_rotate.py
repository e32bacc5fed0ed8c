# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""privx.secrets.rotate against the emulator's asynchronous rotation."""

from __future__ import annotations

DOMAIN = 'rotation.example.com'


def newest_version(privx, username):
    return max(entry['version'] for entry in privx.control.secrets(DOMAIN, username))


def rotation_calls(privx, mark):
    return [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)
            if entry['path'].endswith(('/rotate', '/batch/rotate'))]


def by_username(entries):
    return {entry['username']: entry for entry in entries}


def test_older_than_rotates_only_what_is_due_and_a_rerun_rotates_nothing(ansible, privx):
    result, _run = ansible.module('privx.secrets.rotate', {'target_domain': DOMAIN, 'usernames': ['recent']})
    assert result['changed'] is True and result['rotated'][0]['status'] == 'SUCCESS'

    args = {'target_domain': DOMAIN, 'all': True, 'older_than': '30d'}
    before = {name: newest_version(privx, name) for name in ('overdue', 'never', 'failing', 'recent', 'switched_off')}
    result, _run = ansible.module('privx.secrets.rotate', args, check=True)
    assert sorted(entry['username'] for entry in result['rotated']) == ['failing', 'never', 'overdue']
    assert {entry['status'] for entry in result['rotated']} == {'WOULD_ROTATE'}
    assert {name: newest_version(privx, name) for name in before} == before, 'check mode rotated something'

    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.rotate', args)
    assert result['changed'] is True
    rotated = by_username(result['rotated'])
    assert sorted(rotated) == ['failing', 'never', 'overdue']
    for name, entry in rotated.items():
        assert entry['status'] == 'SUCCESS'
        assert entry['new_version'] == newest_version(privx, name) == before[name] + 1
        assert entry['previous_version'] == before[name]
    skipped = by_username(result['skipped_accounts'])
    assert skipped['switched_off']['reason'] == 'disabled'
    assert skipped['recent']['reason'].startswith('not due: last rotated ')
    assert rotation_calls(privx, mark) == [('POST', '/secrets-manager/api/v1/targetdomains/%s/managedaccounts/batch/rotate'
                                            % privx.control.managed_accounts(DOMAIN)[0]['target_domain']['id'])]
    polls = [entry for entry in privx.control.requests(since=mark) if entry['method'] == 'GET']
    assert all(entry['path'].endswith('/managedaccounts') for entry in polls), 'polled account by account'
    assert 2 <= len(polls) <= 6, len(polls)

    result, _run = ansible.module('privx.secrets.rotate', args)
    assert result['changed'] is False and result['rotated'] == []


def test_one_account_uses_the_single_endpoint_and_without_wait_reports_started(ansible, privx):
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.rotate', {'target_domain': DOMAIN, 'usernames': ['never'], 'wait': False})
    assert result['rotated'][0]['status'] == 'STARTED'
    assert [path.rsplit('/', 1)[-1] for _method, path in rotation_calls(privx, mark)] == ['rotate']
    assert '/batch/' not in rotation_calls(privx, mark)[0][1]
    privx.wait_until(lambda: newest_version(privx, 'never') == 2, message='the rotation to finish')


def test_a_failed_rotation_fails_the_task_naming_it_after_reporting_the_rest(ansible, privx):
    privx.control.fail_rotation(DOMAIN, 'failing', 'ERROR')
    result, run = ansible.module('privx.secrets.rotate', {'target_domain': DOMAIN, 'usernames': ['overdue', 'failing', 'never']})
    assert result['failed'] is True
    assert result['msg'] == '1 of 3 rotation(s) did not succeed: failing (ERROR)'
    rotated = by_username(result['rotated'])
    assert rotated['failing']['status'] == 'ERROR' and rotated['failing']['new_version'] is None
    assert rotated['overdue']['status'] == rotated['never']['status'] == 'SUCCESS'
    assert rotated['never']['new_version'] == newest_version(privx, 'never')
    assert newest_version(privx, 'failing') == 1
    assert 'Traceback' not in run.output


def test_locked_accounts_are_skipped(ansible, privx):
    # Long enough that the first rotation is still running when the second run starts, even on a loaded machine;
    # the reset before the next test drops it with the rest of the state.
    privx.control.settings(rotation_delay=120)
    ansible.module('privx.secrets.rotate', {'target_domain': DOMAIN, 'usernames': ['overdue'], 'wait': False})
    result, _run = ansible.module('privx.secrets.rotate', {'target_domain': DOMAIN, 'usernames': ['overdue', 'never'], 'wait': False})
    assert [entry['username'] for entry in result['rotated']] == ['never']
    assert result['skipped_accounts'][0]['reason'] == 'locked: a rotation is already running'


def test_bad_input_is_one_clear_line_and_rotates_nothing(ansible, privx):
    mark = privx.control.mark()
    cases = [
        ({'target_domain': DOMAIN, 'all': True, 'older_than': '3x'},
         "older_than '3x' is not a duration: write a number and a unit, such as 90m, 12h, 30d or 2w"),
        ({'target_domain': DOMAIN, 'all': True, 'usernames': ['never']}, 'parameters are mutually exclusive: usernames|all'),
        ({'target_domain': DOMAIN}, 'all is False but all of the following are missing: usernames'),
        ({'target_domain': DOMAIN, 'usernames': []}, 'usernames is empty: name the accounts to rotate, or set all: true'),
        ({'target_domain': DOMAIN, 'usernames': ['never', 'nobody']}, "not managed accounts of target domain 'rotation.example.com': nobody"),
    ]
    for args, message in cases:
        result, _run = ansible.module('privx.secrets.rotate', args)
        assert result['failed'] is True and result['msg'] == message
    assert rotation_calls(privx, mark) == []


def test_an_older_than_longer_than_any_date_means_only_never_rotated_accounts_are_due(ansible, privx):
    for older_than in ('999999999999s', '1000000000d', '99999999999999999999w'):
        args = {'target_domain': DOMAIN, 'all': True, 'older_than': older_than}
        result, run = ansible.module('privx.secrets.rotate', args, check=True)
        assert result['failed'] is False, result.get('msg')
        assert 'Traceback' not in run.output
        assert sorted(entry['username'] for entry in result['rotated']) == ['never', 'recent']
        skipped = by_username(result['skipped_accounts'])
        assert skipped['overdue']['reason'] == skipped['failing']['reason'] == 'not due: last rotated 2026-01-01T00:00:00Z'
        mark = privx.control.mark()
        named = {'target_domain': DOMAIN, 'older_than': older_than, 'usernames': ['overdue', 'failing']}
        result, _run = ansible.module('privx.secrets.rotate', named)
        assert result['failed'] is False and result['changed'] is False and result['rotated'] == []
        assert rotation_calls(privx, mark) == []
