# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""privx.secrets.scanned_account through real ansible-playbook runs, reading the emulator back between steps."""

from __future__ import annotations

import pytest

from test_target_domain import SM, PrivXReader, failed_cleanly, writes_since

DOMAIN = 'corp.example.com'


def marks(reader):
    return {username: (account['ignored'], account.get('comment', '')) for username, account in reader.scanned(DOMAIN).items()}


@pytest.mark.both_renderings
def test_check_mark_rerun_then_only_the_differing_accounts_change(ansible, privx):
    reader = PrivXReader(privx)
    before = marks(reader)
    args = {'target_domain': DOMAIN, 'usernames': ['alice', 'bob'], 'ignored': True, 'comment': 'personal account'}

    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.scanned_account', args, check=True, diff=True)
    assert result['changed'] is True and result['changed_accounts'] == ['alice', 'bob']
    assert result['diff']['before']['alice'] == {'ignored': False, 'comment': ''}
    assert result['diff']['after']['bob'] == {'ignored': True, 'comment': 'personal account'}
    assert marks(reader) == before and writes_since(privx, mark) == []

    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.scanned_account', args)
    assert result['changed'] is True and result['changed_accounts'] == ['alice', 'bob']
    domain_id = reader.domain(DOMAIN)['id']
    assert writes_since(privx, mark) == [('POST', SM + '/targetdomains/%s/accounts/batch/edit' % domain_id)]
    after = marks(reader)
    assert after['alice'] == after['bob'] == (True, 'personal account')
    assert {name: value for name, value in after.items() if name not in ('alice', 'bob')} == {
        name: value for name, value in before.items() if name not in ('alice', 'bob')}

    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.scanned_account', args)
    assert result['changed'] is False and result['changed_accounts'] == [] and writes_since(privx, mark) == []

    result, _run = ansible.module('privx.secrets.scanned_account', dict(args, usernames=['alice', 'carol']))
    assert result['changed'] is True and result['changed_accounts'] == ['carol']
    assert marks(reader)['carol'] == (True, 'personal account')

    result, _run = ansible.module('privx.secrets.scanned_account', {'target_domain': DOMAIN, 'usernames': ['alice'], 'comment': ''})
    assert result['changed'] is True and marks(reader)['alice'] == (True, ''), 'a change set leaves ignored as it is'
    result, _run = ansible.module('privx.secrets.scanned_account', {'target_domain': domain_id, 'usernames': ['alice'], 'ignored': False})
    assert result['changed'] is True and marks(reader)['alice'] == (False, '')


def test_bad_input_fails_with_one_clear_line_and_changes_nothing(ansible, privx):
    reader = PrivXReader(privx)
    before = marks(reader)
    mark = privx.control.mark()
    cases = [
        ({'target_domain': DOMAIN, 'usernames': ['alice', 'zed', 'yan'], 'ignored': True},
         ["not in the scanned accounts of target domain 'corp.example.com': zed, yan"]),
        ({'target_domain': DOMAIN, 'usernames': ['ALICE'], 'ignored': True}, ["'ALICE' differs only in letter case from 'alice'"]),
        ({'target_domain': DOMAIN, 'usernames': ['alice']}, ['one of the following is required: ignored, comment']),
        ({'target_domain': DOMAIN, 'usernames': [], 'ignored': True}, ['usernames is empty']),
        ({'target_domain': DOMAIN, 'usernames': ['alice'], 'ignored': 'sometimes'}, ['ignored']),
        ({'target_domain': 'no.such.domain', 'usernames': ['alice'], 'ignored': True}, ["unknown target_domain 'no.such.domain'"]),
    ]
    for args, fragments in cases:
        result, _run = ansible.module('privx.secrets.scanned_account', args)
        failed_cleanly(result, *fragments)
    assert writes_since(privx, mark) == []
    assert marks(reader) == before


def test_an_edit_of_a_domain_that_vanished_since_the_read_names_the_domain(ansible, privx):
    # PrivX answers 404 to the batch edit when the domain was deleted after the accounts were read.
    privx.control.fault(path='/targetdomains/[^/]+/accounts/batch/edit$', method='POST', status=404, count=1)
    result, _run = ansible.module('privx.secrets.scanned_account', {'target_domain': DOMAIN, 'usernames': ['alice'], 'ignored': True})
    failed_cleanly(result, "unknown target_domain 'corp.example.com': PrivX answered 404 for it", 'batch edit chunk 1 of 1 failed')
    assert result['changed'] is False
    assert result['applied'] == {'edited': []} and result['not_applied'] == {'edited': ['alice']}
    assert 'unknown' not in result


def test_an_edit_without_an_answer_reports_its_usernames_as_unknown(ansible, privx):
    privx.control.fault(path='/targetdomains/[^/]+/accounts/batch/edit$', method='POST', action='drop', count=None)
    result, _run = ansible.module('privx.secrets.scanned_account', {'target_domain': DOMAIN, 'usernames': ['alice'], 'ignored': True})
    failed_cleanly(result, 'batch edit chunk 1 of 1 got no answer')
    assert result['changed'] is True and result['unknown'] == {'edited': ['alice']}
    assert result['not_applied'] == {'edited': []}
