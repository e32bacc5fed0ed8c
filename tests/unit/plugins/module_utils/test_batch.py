# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning and applying a batch against the one fake of PrivX (tests/unit/plugins/fake_privx.py): what goes over the
wire, and what a failed chunk reports."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.privx.secrets.plugins.module_utils.converge.batch import apply_plan, declared_accounts, plan_batch
from ansible_collections.privx.secrets.plugins.module_utils.converge.chunked import PrivXBatchError
from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError, PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import TargetDomain
from ansible_collections.privx.secrets.plugins.module_utils.resources.managed_accounts import ManagedAccounts
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies

from fake_privx import AS_USUAL, DOMAIN, DOMAIN_ID

OPTION_NAMES = ('email', 'full_name', 'sam_account_name', 'source_id', 'security_id', 'additional_data', 'password_policy',
                'enabled', 'rotation_enabled', 'explicit_checkout', 'account_state', 'comment', 'disable_rdp_cert_auth')
LIST = ('GET', paths.managed_accounts(DOMAIN_ID))
SCANNED = ('GET', paths.scanned_accounts(DOMAIN_ID))
OVERLOADED = PrivXApiError('POST', '', 503, error_code='TOO_MANY_CONNECTIONS')


def item(username, **fields):
    entry = dict.fromkeys(OPTION_NAMES)
    entry.update(fields, username=username)
    return entry


@pytest.fixture
def domain(privx):
    """(the domain's ManagedAccounts and PasswordPolicies over the fake, the fake); a client that does not retry."""
    privx.policies.append({'id': 'p-strict', 'name': 'strict'})
    client = privx.client(retries=0)
    return ManagedAccounts(client, TargetDomain(DOMAIN_ID, DOMAIN)), PasswordPolicies(client), privx


def given(privx, managed=(), scanned=()):
    for username in managed:
        fields = username if isinstance(username, dict) else {'username': username}
        privx.account(**fields)
    for username in scanned:
        privx.scanned_account(username)


def batches(privx, operation):
    return [body for method, path, body in privx.calls if (method, path) == ('POST', paths.managed_account_batch(DOMAIN_ID, operation))]


def test_duplicates_in_any_letter_case_are_one_error():
    with pytest.raises(PrivXConfigError, match=r'more than once \(letter case aside\): Bob, alice, bob'):
        declared_accounts([item('alice'), item('bob'), item('alice'), item('Bob')])


def test_unknown_usernames_fail_before_anything_is_sent_naming_each(domain):
    accounts, policies, privx = domain
    given(privx, scanned=['known'])
    declared = declared_accounts([item('known'), item('ghost1'), item('ghost2')])
    with pytest.raises(PrivXConfigError, match=r"2 username\(s\) are neither managed nor scanned.*: ghost1, ghost2"):
        plan_batch(accounts, policies, declared, state='present', exclusive=False, rotate=False)
    assert [call[:2] for call in privx.calls] == [LIST, SCANNED]


def test_an_unchanged_declaration_reads_once_and_plans_nothing(domain):
    accounts, policies, privx = domain
    given(privx, managed=[{'username': 'a', 'comment': 'x'}, 'b'])
    plan = plan_batch(accounts, policies, declared_accounts([item('a', comment='x'), item('b', enabled=True)]), state='present',
                      exclusive=False, rotate=False)
    assert not plan.changed and [call[:2] for call in privx.calls] == [LIST]


def test_identical_changes_share_one_batch_edit_and_other_fields_get_single_updates(domain):
    accounts, policies, privx = domain
    given(privx, managed=['a', 'b', 'c', 'd'])
    declared = declared_accounts([item('a', comment='night'), item('b', comment='night'), item('c', comment='day'),
                                  item('d', comment='night', email='d@example.com')])
    plan = plan_batch(accounts, policies, declared, state='present', exclusive=False, rotate=False)
    assert plan.updated == ['a', 'b', 'c', 'd']
    apply_plan(accounts, policies, plan, batch_size=500)
    assert sorted((tuple(body['ids']), body['changes']['comment']) for body in batches(privx, 'edit')) == [
        (('m-a', 'm-b'), 'night'), (('m-c',), 'day')]
    [put] = [body for method, path, body in privx.calls if method == 'PUT']
    assert (put['username'], put['comment'], put['email']) == ('d', 'night', 'd@example.com')
    assert {account['username']: account.get('comment') for account in privx.managed} == {'a': 'night', 'b': 'night', 'c': 'day', 'd': 'night'}


def test_creation_groups_by_settings_and_chunks(domain):
    accounts, policies, privx = domain
    given(privx, scanned=['u%d' % number for number in range(5)])
    declared = declared_accounts([item('u%d' % number, password_policy='default') for number in range(5)])
    plan = plan_batch(accounts, policies, declared, state='present', exclusive=False, rotate=True)
    assert plan.created == ['u0', 'u1', 'u2', 'u3', 'u4'] and plan.rotated == ['u0', 'u1', 'u2', 'u3', 'u4']
    apply_plan(accounts, policies, plan, batch_size=2)
    creates = batches(privx, 'create')
    assert [body['ids'] for body in creates] == [['s-u0', 's-u1'], ['s-u2', 's-u3'], ['s-u4']]
    assert creates[0]['data'] == {'enabled': True, 'rotation_enabled': True, 'explicit_checkout': False,
                                  'disable_rdp_cert_auth': False, 'password_policy': {'id': 'p-default', 'name': 'default'},
                                  'rotate': True}
    assert sorted(account['username'] for account in privx.managed) == ['u0', 'u1', 'u2', 'u3', 'u4']


def test_removing_a_policy_goes_through_a_single_update_since_batch_edit_cannot_carry_it(domain):
    accounts, policies, privx = domain
    given(privx, managed=[{'username': 'a', 'password_policy': {'id': 'p-default', 'name': 'default'}}, 'b'])
    plan = plan_batch(accounts, policies, declared_accounts([item('a', password_policy=''), item('b', password_policy='')]),
                      state='present', exclusive=False, rotate=False)
    assert plan.updated == ['a'] and not plan.edit_groups
    apply_plan(accounts, policies, plan, batch_size=500)
    method, path, body = privx.calls[-1]
    assert (method, path) == ('PUT', paths.managed_account(DOMAIN_ID, 'm-a')) and 'password_policy' not in body


def test_exclusive_deletes_the_unlisted_and_absent_deletes_the_listed(domain):
    accounts, policies, privx = domain
    given(privx, managed=['keep', 'drop1', 'drop2'])
    plan = plan_batch(accounts, policies, declared_accounts([item('keep')]), state='present', exclusive=True, rotate=False)
    assert plan.deleted == ['drop1', 'drop2'] and plan.created == [] and plan.updated == []
    plan = plan_batch(accounts, policies, declared_accounts([item('keep'), item('never-managed')]), state='absent', exclusive=False,
                      rotate=False)
    assert plan.deleted == ['keep']


def test_a_failed_chunk_says_what_was_and_was_not_applied(domain):
    accounts, policies, privx = domain
    given(privx, scanned=['u%d' % number for number in range(6)])
    privx.script('POST', paths.managed_account_batch(DOMAIN_ID, 'create'), AS_USUAL, OVERLOADED)
    plan = plan_batch(accounts, policies, declared_accounts([item('u%d' % number) for number in range(6)]), state='present',
                      exclusive=False, rotate=False)
    with pytest.raises(PrivXBatchError) as caught:
        apply_plan(accounts, policies, plan, batch_size=2)
    message = str(caught.value)
    assert message.startswith('batch create chunk 2 of 3 failed, so its 2 account(s) were not applied (u2, u3): PrivX POST')
    assert 'Applied before it: created 2. Not applied: created 4.' in message
    assert caught.value.result_fields() == {'changed': True, 'applied': {'created': ['u0', 'u1'], 'updated': [], 'deleted': []},
                                            'not_applied': {'created': ['u2', 'u3', 'u4', 'u5'], 'updated': [], 'deleted': []}}
    assert sorted(account['username'] for account in privx.managed) == ['u0', 'u1']


def test_a_plan_that_deletes_every_managed_account_is_refused_unless_allowed(domain):
    accounts, policies, privx = domain
    given(privx, managed=['a', 'b'], scanned=['new'])
    for state, exclusive, declared in (('present', True, []), ('present', True, [item('new')]), ('absent', False, [item('a'), item('b')])):
        with pytest.raises(PrivXConfigError, match='would delete every managed account .*set allow_delete_all: true'):
            plan_batch(accounts, policies, declared_accounts(declared), state=state, exclusive=exclusive, rotate=False)
        plan = plan_batch(accounts, policies, declared_accounts(declared), state=state, exclusive=exclusive, rotate=False,
                          allow_delete_all=True)
        assert plan.deleted == ['a', 'b']
    assert plan_batch(accounts, policies, declared_accounts([item('a')]), state='present', exclusive=True, rotate=False).deleted == ['b']
    privx.managed.clear()
    assert plan_batch(accounts, policies, {}, state='present', exclusive=True, rotate=False).changed is False


def test_a_chunk_without_an_answer_is_unknown_not_not_applied(domain):
    accounts, policies, privx = domain
    given(privx, scanned=['u%d' % number for number in range(6)])
    privx.script('POST', paths.managed_account_batch(DOMAIN_ID, 'create'), AS_USUAL, requests.exceptions.ReadTimeout('Read timed out'))
    plan = plan_batch(accounts, policies, declared_accounts([item('u%d' % number) for number in range(6)]), state='present',
                      exclusive=False, rotate=False)
    with pytest.raises(PrivXBatchError) as caught:
        apply_plan(accounts, policies, plan, batch_size=2)
    message = str(caught.value)
    assert message.startswith('batch create chunk 2 of 3 got no answer, so whether its 2 account(s) were applied is unknown (u2, u3): ')
    assert 'were not applied' not in message
    assert 'Applied before it: created 2. Not applied: created 2.' in message
    assert caught.value.result_fields() == {'changed': True, 'applied': {'created': ['u0', 'u1'], 'updated': [], 'deleted': []},
                                            'not_applied': {'created': ['u4', 'u5'], 'updated': [], 'deleted': []},
                                            'unknown': {'created': ['u2', 'u3'], 'updated': [], 'deleted': []}}


def test_a_failed_delete_after_the_fields_set_after_create_lists_them_as_applied(domain):
    """Review finding 3: the PUTs after batch create went through; a later failure must not call them not applied."""
    accounts, policies, privx = domain
    given(privx, managed=['old', 'keep'], scanned=['a', 'b'])
    privx.script('POST', paths.managed_account_batch(DOMAIN_ID, 'delete'), OVERLOADED)
    plan = plan_batch(accounts, policies, declared_accounts([item('keep'), item('a', email='a@example.org'), item('b', email='b@example.org')]),
                      state='present', exclusive=True, rotate=False)
    with pytest.raises(PrivXBatchError) as caught:
        apply_plan(accounts, policies, plan, batch_size=10)
    fields = caught.value.result_fields()
    assert fields['applied'] == {'created': ['a', 'b'], 'updated': ['a', 'b'], 'deleted': []}
    assert fields['not_applied'] == {'created': [], 'updated': [], 'deleted': ['old']}


def test_a_failed_put_after_create_lists_only_the_accounts_not_yet_set_as_not_applied(domain):
    """Review finding 3: a PUT that failed part-way: the PUTs before it were applied."""
    accounts, policies, privx = domain
    given(privx, scanned=['a', 'b', 'c'])
    privx.script('PUT', None, AS_USUAL, OVERLOADED)
    plan = plan_batch(accounts, policies, declared_accounts([item(name, email=name + '@example.org') for name in 'abc']),
                      state='present', exclusive=False, rotate=False)
    with pytest.raises(PrivXBatchError) as caught:
        apply_plan(accounts, policies, plan, batch_size=10)
    fields = caught.value.result_fields()
    assert fields['applied'] == {'created': ['a', 'b', 'c'], 'updated': ['a'], 'deleted': []}
    assert fields['not_applied'] == {'created': [], 'updated': ['b', 'c'], 'deleted': []}
