# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The managed_accounts role and managed_account_batch refuse input that would wipe a domain by mistake."""

from __future__ import annotations

import pytest

DOMAIN = 'corp.example.com'


def usernames(privx, domain=DOMAIN):
    return sorted(account['username'] for account in privx.control.managed_accounts(domain))


def role_play(entries):
    return [{'name': 'converge', 'hosts': 'localhost', 'gather_facts': False,
             'roles': [{'role': 'privx.secrets.managed_accounts', 'privx_managed_accounts': entries}]}]


@pytest.mark.parametrize('entry, named', [
    ({'target_domain': DOMAIN, 'exclusive': True, 'acounts': [{'username': 'alice'}]}, 'acounts'),
    ({'target_domain': DOMAIN, 'exclusive': True}, 'accounts'),
    ({'target_domain': DOMAIN, 'exlusive': True, 'accounts': [{'username': 'alice'}]}, 'exlusive'),
])
def test_a_misspelt_or_missing_key_fails_the_role_before_any_call(ansible, privx, entry, named):
    before = usernames(privx)
    mark = privx.control.mark()
    run = ansible.playbook(role_play([entry]))
    assert run.rc != 0
    assert named in run.output and 'privx_managed_accounts' in run.output, run.output[-3000:]
    assert privx.control.requests(since=mark) == [], 'the role called PrivX'
    assert usernames(privx) == before


@pytest.mark.parametrize('check', [True, False])
def test_deleting_every_managed_account_of_a_domain_needs_allow_delete_all(ansible, privx, check):
    before = usernames(privx)
    assert len(before) == 2
    for args in ({'target_domain': DOMAIN, 'exclusive': True, 'accounts': []},
                 {'target_domain': DOMAIN, 'exclusive': True, 'accounts': [{'username': 'alice'}]},
                 {'target_domain': DOMAIN, 'state': 'absent', 'accounts': [{'username': name} for name in before]}):
        mark = privx.control.mark()
        result, _run = ansible.module('privx.secrets.managed_account_batch', args, check=check)
        assert result['failed'] is True and result.get('changed') is not True
        assert result['msg'] == ("this would delete every managed account of target domain %r (2, and PrivX loses their "
                                 "secret history); set allow_delete_all: true if that is what you mean" % DOMAIN)
        made = privx.control.requests(since=mark)
        assert not [entry for entry in made if entry['method'] in ('PUT', 'DELETE') or '/batch/' in entry['path']], made
        assert usernames(privx) == before

    result, _run = ansible.module('privx.secrets.managed_account_batch',
                                  {'target_domain': DOMAIN, 'exclusive': True, 'accounts': [], 'allow_delete_all': True}, check=check)
    assert result['failed'] is False and result['changed'] is True and result['deleted'] == before
    assert usernames(privx) == (before if check else [])


def test_deleting_some_but_not_all_needs_no_extra_option(ansible, privx):
    result, _run = ansible.module('privx.secrets.managed_account_batch',
                                  {'target_domain': DOMAIN, 'exclusive': True, 'accounts': [{'username': 'svc_backup'}]})
    assert result['failed'] is False and result['deleted'] == ['app_reader']
    assert usernames(privx) == ['svc_backup']


def test_the_role_passes_allow_delete_all_through(ansible, privx):
    entry = {'target_domain': DOMAIN, 'exclusive': True, 'accounts': []}
    run = ansible.playbook(role_play([entry]))
    assert run.rc != 0 and 'set allow_delete_all: true' in run.output, run.output[-3000:]
    assert len(usernames(privx)) == 2
    run = ansible.playbook(role_play([dict(entry, allow_delete_all=True)]))
    assert run.rc == 0, run.output[-3000:]
    assert usernames(privx) == []
