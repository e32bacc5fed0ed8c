# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""privx.secrets.managed_account_batch against a domain of 10,000 scanned accounts, counting calls in the emulator's log."""

from __future__ import annotations

import pytest

from conftest import LARGE_FIXTURE

EMULATOR_FIXTURE = LARGE_FIXTURE
DOMAIN = 'large.example.com'
TOKEN = ('POST', '/auth/api/v1/oauth/token')


def username(number):
    return 'user%05d' % number


def accounts(numbers, **fields):
    return [dict(fields, username=username(number)) for number in numbers]


def managed_by_username(privx):
    return {account['username']: account for account in privx.control.managed_accounts(DOMAIN)}


def calls(privx, mark):
    return [(entry['method'], entry['path']) for entry in privx.control.requests(since=mark)]


def batch_calls(made, operation):
    return [call for call in made if call[1].endswith('/managedaccounts/batch/' + operation)]


def test_declare_2000_rerun_change_500_exclusive_1500_absent_100(ansible, privx):
    declared = accounts(range(1, 2001), explicit_checkout=True, password_policy='default', comment='fleet')
    args = {'target_domain': DOMAIN, 'accounts': declared}

    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.managed_account_batch', args, check=True)
    assert result['changed'] is True and len(result['created']) == 2000
    assert managed_by_username(privx) == {}
    assert not [call for call in calls(privx, mark) if '/batch/' in call[1] or call[0] in ('PUT', 'DELETE')]

    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.managed_account_batch', args)
    assert result['changed'] is True
    assert result['created'] == [username(number) for number in range(1, 2001)]
    assert result['updated'] == [] and result['deleted'] == []
    made = calls(privx, mark)
    pages = [call for call in made if call[0] == 'GET' and call[1].endswith(('/managedaccounts', '/accounts'))]
    assert len(batch_calls(made, 'create')) == 4
    assert len(made) - len(pages) <= 3 + 4, made
    assert len(pages) == 1 + 10, 'one page of managed accounts, ten of scanned ones'
    held = managed_by_username(privx)
    assert len(held) == 2000
    assert all(account['explicit_checkout'] and account['comment'] == 'fleet' and account['password_policy']['name'] == 'default'
               for account in held.values())

    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.managed_account_batch', args)
    assert result['changed'] is False and result['created'] == result['updated'] == result['deleted'] == []
    made = calls(privx, mark)
    assert len(made) <= 4, made
    assert made[0] == TOKEN and [call[0] for call in made[2:]] == ['GET', 'GET']

    changed = [dict(entry, comment='night shift') if number <= 500 else entry for number, entry in enumerate(declared, start=1)]
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.managed_account_batch', dict(args, accounts=changed), diff=True)
    assert result['updated'] == [username(number) for number in range(1, 501)] and result['created'] == []
    assert len(result['diff']) == 500 and result['diff'][0]['after'] == {'comment': 'night shift'}
    assert len(batch_calls(calls(privx, mark), 'edit')) == 1
    held = managed_by_username(privx)
    assert sum(account['comment'] == 'night shift' for account in held.values()) == 500
    assert held[username(501)]['comment'] == 'fleet'

    result, _run = ansible.module('privx.secrets.managed_account_batch', dict(args, accounts=changed[:1500], exclusive=True))
    assert result['deleted'] == [username(number) for number in range(1501, 2001)]
    assert sorted(managed_by_username(privx)) == [username(number) for number in range(1, 1501)]

    result, _run = ansible.module('privx.secrets.managed_account_batch',
                                  {'target_domain': DOMAIN, 'accounts': accounts(range(1, 101)), 'state': 'absent'})
    assert result['deleted'] == [username(number) for number in range(1, 101)]
    assert sorted(managed_by_username(privx)) == [username(number) for number in range(101, 1501)]

    result, _run = ansible.module('privx.secrets.managed_account_batch',
                                  {'target_domain': DOMAIN, 'accounts': accounts(range(1, 101)), 'state': 'absent'})
    assert result['changed'] is False


def test_info_reads_every_page(ansible, privx):
    ansible.module('privx.secrets.managed_account_batch', {'target_domain': DOMAIN, 'accounts': accounts(range(1, 1201))})
    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': DOMAIN})
    assert sorted(account['username'] for account in result['managed_accounts']) == [username(number) for number in range(1, 1201)]
    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': DOMAIN, 'keywords': 'user0110'})
    assert sorted(account['username'] for account in result['managed_accounts']) == [username(number) for number in range(1100, 1110)]


@pytest.mark.both_renderings
def test_fields_batch_calls_cannot_carry_get_single_updates_only_where_they_differ(ansible, privx):
    declared = accounts(range(1, 4))
    declared[0]['full_name'] = 'Someone Else'
    declared[1]['email'] = 'changed@example.com'
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.managed_account_batch', {'target_domain': DOMAIN, 'accounts': declared, 'rotate': True})
    assert result['created'] == [username(1), username(2), username(3)] and result['rotated'] == result['created']
    made = calls(privx, mark)
    assert len([call for call in made if call[0] == 'PUT']) == 2
    held = managed_by_username(privx)
    assert held[username(1)]['full_name'] == 'Someone Else' and held[username(2)]['email'] == 'changed@example.com'
    assert held[username(3)]['full_name'] != 'Someone Else'
    privx.wait_until(lambda: all(len(privx.control.secrets(DOMAIN, username(number))) == 1 for number in range(1, 4)),
                     message='the first rotation of the new accounts')
    result, _run = ansible.module('privx.secrets.managed_account_batch', {'target_domain': DOMAIN, 'accounts': declared})
    assert result['changed'] is False


@pytest.mark.both_renderings
def test_removing_a_policy_uses_a_single_update(ansible, privx):
    ansible.module('privx.secrets.managed_account_batch', {'target_domain': DOMAIN, 'accounts': accounts([1, 2], password_policy='default')})
    result, _run = ansible.module('privx.secrets.managed_account_batch',
                                  {'target_domain': DOMAIN, 'accounts': accounts([1], password_policy='') + accounts([2])})
    assert result['updated'] == [username(1)]
    held = managed_by_username(privx)
    assert not held[username(1)].get('password_policy') and held[username(2)]['password_policy']['name'] == 'default'
    result, _run = ansible.module('privx.secrets.managed_account_batch',
                                  {'target_domain': DOMAIN, 'accounts': accounts([1], password_policy='') + accounts([2])})
    assert result['changed'] is False


def test_a_chunk_failing_halfway_says_what_was_applied_and_a_rerun_converges(ansible, privx):
    args = {'target_domain': DOMAIN, 'accounts': accounts(range(1, 2001)), 'batch_size': 500}
    privx.control.fault(path='/managedaccounts/batch/create$', action='status', status=503, skip=1, count=50)
    result, run = ansible.module('privx.secrets.managed_account_batch', args)
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'].startswith('batch create chunk 2 of 4 failed, so its 500 account(s) were not applied (user00501, user00502')
    assert 'Applied before it: created 500. Not applied: created 1500.' in result['msg']
    assert result['applied']['created'] == [username(number) for number in range(1, 501)]
    assert result['not_applied']['created'] == [username(number) for number in range(501, 2001)]
    assert 'Traceback' not in run.output
    assert len(managed_by_username(privx)) == 500

    privx.control.clear_faults()
    result, _run = ansible.module('privx.secrets.managed_account_batch', args)
    assert result['created'] == [username(number) for number in range(501, 2001)]
    assert len(managed_by_username(privx)) == 2000


def test_unknown_and_duplicate_usernames_fail_before_anything_is_sent(ansible, privx):
    mark = privx.control.mark()
    declared = accounts([1, 2]) + [{'username': 'ghost_one'}, {'username': 'ghost_two'}]
    result, _run = ansible.module('privx.secrets.managed_account_batch', {'target_domain': DOMAIN, 'accounts': declared})
    assert result['failed'] is True
    assert result['msg'] == ("2 username(s) are neither managed nor scanned accounts of target domain 'large.example.com', "
                             "so PrivX cannot manage them: ghost_one, ghost_two")
    assert [call for call in calls(privx, mark) if call[0] != 'GET' and not call[1].endswith(('/search', '/token'))] == []

    result, _run = ansible.module('privx.secrets.managed_account_batch',
                                  {'target_domain': DOMAIN, 'accounts': accounts([1, 2]) + [{'username': 'USER00001'}]})
    assert result['failed'] is True and 'more than once (letter case aside): USER00001, user00001' in result['msg']
    assert managed_by_username(privx) == {}
