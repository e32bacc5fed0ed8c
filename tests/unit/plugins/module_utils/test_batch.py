# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.converge.batch import apply_plan, declared_accounts, plan_batch
from ansible_collections.privx.secrets.plugins.module_utils.converge.chunked import PrivXBatchError
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError, PrivXConfigError, PrivXConnectionError

from policy_fakes import policies

OPTION_NAMES = ('email', 'full_name', 'sam_account_name', 'source_id', 'security_id', 'additional_data', 'password_policy',
                'enabled', 'rotation_enabled', 'explicit_checkout', 'account_state', 'comment', 'disable_rdp_cert_auth')


def item(username, **fields):
    entry = dict.fromkeys(OPTION_NAMES)
    entry.update(fields, username=username)
    return entry


class FakeStore:
    """Records the calls a plan makes; fails the Nth call of an operation when asked."""

    domain_label = "target domain 'corp'"

    def __init__(self, managed, scanned, fail_call=None):
        self.managed = managed
        self.scanned_list = scanned
        self.calls = []
        self.fail_call = fail_call

    def all(self):
        self.calls.append(('list', None))
        return list(self.managed)

    @property
    def scanned(self):
        return self

    source = "the scanned accounts of target domain 'corp'"

    def read(self):
        self.calls.append(('scanned', None))
        return list(self.scanned_list)

    def batch(self, operation, ids, **payload):
        self.calls.append((operation, (list(ids), payload)))
        if self.fail_call and self.fail_call == (operation, sum(1 for call in self.calls if call[0] == operation)):
            raise PrivXApiError('POST', '/batch/' + operation, 503, error_code='TOO_MANY_CONNECTIONS', attempts=6)

    def update(self, account, changes, policies):
        self.calls.append(('put', (account['username'], changes)))


def managed(username, **fields):
    account = {'id': 'm-' + username, 'username': username, 'enabled': True, 'rotation_enabled': True,
               'explicit_checkout': False, 'state': 'MANAGED'}
    account.update(fields)
    return account


def scanned(username, **fields):
    return dict(fields, id='s-' + username, username=username)


def test_duplicates_in_any_letter_case_are_one_error():
    with pytest.raises(PrivXConfigError, match=r'more than once \(letter case aside\): Bob, alice, bob'):
        declared_accounts([item('alice'), item('bob'), item('alice'), item('Bob')])


def test_unknown_usernames_fail_before_anything_is_sent_naming_each():
    store = FakeStore([], [scanned('known')])
    declared = declared_accounts([item('known'), item('ghost1'), item('ghost2')])
    with pytest.raises(PrivXConfigError, match=r"2 username\(s\) are neither managed nor scanned.*: ghost1, ghost2"):
        plan_batch(store, policies(), declared, state='present', exclusive=False, rotate=False)
    assert [call[0] for call in store.calls] == ['list', 'scanned']


def test_an_unchanged_declaration_reads_once_and_plans_nothing():
    store = FakeStore([managed('a', comment='x'), managed('b')], [])
    plan = plan_batch(store, policies(), declared_accounts([item('a', comment='x'), item('b', enabled=True)]), state='present', exclusive=False, rotate=False)
    assert not plan.changed and store.calls == [('list', None)]


def test_identical_changes_share_one_batch_edit_and_other_fields_get_single_updates():
    store = FakeStore([managed('a'), managed('b'), managed('c'), managed('d')], [])
    declared = declared_accounts([item('a', comment='night'), item('b', comment='night'), item('c', comment='day'),
                                  item('d', comment='night', email='d@example.com')])
    plan = plan_batch(store, policies(), declared, state='present', exclusive=False, rotate=False)
    assert plan.updated == ['a', 'b', 'c', 'd']
    apply_plan(store, policies(), plan, batch_size=500)
    edits = sorted((tuple(ids), payload['changes']['comment']) for operation, (ids, payload) in store.calls[1:] if operation == 'edit')
    assert edits == [(('m-a', 'm-b'), 'night'), (('m-c',), 'day')]
    assert ('put', ('d', {'comment': 'night', 'email': 'd@example.com'})) in store.calls


def test_creation_groups_by_settings_and_chunks():
    store = FakeStore([], [scanned('u%d' % number) for number in range(5)])
    declared = declared_accounts([item('u%d' % number, password_policy='default') for number in range(5)])
    plan = plan_batch(store, policies(), declared, state='present', exclusive=False, rotate=True)
    assert plan.created == ['u0', 'u1', 'u2', 'u3', 'u4'] and plan.rotated == ['u0', 'u1', 'u2', 'u3', 'u4']
    apply_plan(store, policies(), plan, batch_size=2)
    creates = [payload for operation, payload in store.calls if operation == 'create']
    assert [ids for ids, _payload in creates] == [['s-u0', 's-u1'], ['s-u2', 's-u3'], ['s-u4']]
    assert creates[0][1]['data'] == {'enabled': True, 'rotation_enabled': True, 'explicit_checkout': False,
                                     'disable_rdp_cert_auth': False, 'password_policy': {'id': 'p-default', 'name': 'default'},
                                     'rotate': True}


def test_removing_a_policy_goes_through_a_single_update_since_batch_edit_cannot_carry_it():
    store = FakeStore([managed('a', password_policy={'id': 'p-default', 'name': 'default'}), managed('b')], [])
    plan = plan_batch(store, policies(), declared_accounts([item('a', password_policy=''), item('b', password_policy='')]),
                      state='present', exclusive=False, rotate=False)
    assert plan.updated == ['a'] and not plan.edit_groups
    apply_plan(store, policies(), plan, batch_size=500)
    assert store.calls[-1] == ('put', ('a', {'password_policy': ''}))


def test_exclusive_deletes_the_unlisted_and_absent_deletes_the_listed():
    store = FakeStore([managed('keep'), managed('drop1'), managed('drop2')], [])
    plan = plan_batch(store, policies(), declared_accounts([item('keep')]), state='present', exclusive=True, rotate=False)
    assert plan.deleted == ['drop1', 'drop2'] and plan.created == [] and plan.updated == []
    plan = plan_batch(store, policies(), declared_accounts([item('keep'), item('never-managed')]), state='absent', exclusive=False, rotate=False)
    assert plan.deleted == ['keep']


def test_a_failed_chunk_says_what_was_and_was_not_applied():
    store = FakeStore([], [scanned('u%d' % number) for number in range(6)], fail_call=('create', 2))
    plan = plan_batch(store, policies(), declared_accounts([item('u%d' % number) for number in range(6)]), state='present', exclusive=False, rotate=False)
    with pytest.raises(PrivXBatchError) as caught:
        apply_plan(store, policies(), plan, batch_size=2)
    message = str(caught.value)
    assert message.startswith('batch create chunk 2 of 3 failed, so its 2 account(s) were not applied (u2, u3): PrivX POST')
    assert 'Applied before it: created 2. Not applied: created 4.' in message
    assert caught.value.result_fields() == {'changed': True, 'applied': {'created': ['u0', 'u1'], 'updated': [], 'deleted': []},
                                            'not_applied': {'created': ['u2', 'u3', 'u4', 'u5'], 'updated': [], 'deleted': []}}


def test_a_plan_that_deletes_every_managed_account_is_refused_unless_allowed():
    store = FakeStore([managed('a'), managed('b')], [scanned('new')])
    for state, exclusive, declared in (('present', True, []), ('present', True, [item('new')]), ('absent', False, [item('a'), item('b')])):
        with pytest.raises(PrivXConfigError, match='would delete every managed account .*set allow_delete_all: true'):
            plan_batch(store, policies(), declared_accounts(declared), state=state, exclusive=exclusive, rotate=False)
        plan = plan_batch(store, policies(), declared_accounts(declared), state=state, exclusive=exclusive, rotate=False,
                          allow_delete_all=True)
        assert plan.deleted == ['a', 'b']
    assert plan_batch(store, policies(), declared_accounts([item('a')]), state='present', exclusive=True, rotate=False).deleted == ['b']
    assert plan_batch(FakeStore([], []), policies(), {}, state='present', exclusive=True, rotate=False).changed is False


def test_a_chunk_without_an_answer_is_unknown_not_not_applied():
    class Unanswered(FakeStore):
        def batch(self, operation, ids, **payload):
            if operation == 'create' and ids == ['s-u2', 's-u3']:
                error = PrivXConnectionError('cannot reach PrivX at https://privx (POST /batch/create): no answer within the timeout',
                                             may_have_arrived=True)
                error.outcome_unknown = True
                raise error
            super().batch(operation, ids, **payload)

    store = Unanswered([], [scanned('u%d' % number) for number in range(6)])
    plan = plan_batch(store, policies(), declared_accounts([item('u%d' % number) for number in range(6)]), state='present', exclusive=False, rotate=False)
    with pytest.raises(PrivXBatchError) as caught:
        apply_plan(store, policies(), plan, batch_size=2)
    message = str(caught.value)
    assert message.startswith('batch create chunk 2 of 3 got no answer, so whether its 2 account(s) were applied is unknown (u2, u3): ')
    assert 'were not applied' not in message
    assert 'Applied before it: created 2. Not applied: created 2.' in message
    assert caught.value.result_fields() == {'changed': True, 'applied': {'created': ['u0', 'u1'], 'updated': [], 'deleted': []},
                                            'not_applied': {'created': ['u4', 'u5'], 'updated': [], 'deleted': []},
                                            'unknown': {'created': ['u2', 'u3'], 'updated': [], 'deleted': []}}


class AfterCreate(FakeStore):
    """Batch create makes the managed accounts; a PUT or a batch delete can be told to fail."""

    def __init__(self, managed_accounts, scanned_accounts, fail_put=None, fail_delete=False):
        super().__init__(managed_accounts, scanned_accounts)
        self.fail_put = fail_put
        self.fail_delete = fail_delete

    def batch(self, operation, ids, **payload):
        super().batch(operation, ids, **payload)
        if operation == 'create':
            self.managed.extend(managed(scanned_id[2:]) for scanned_id in ids)
        if operation == 'delete' and self.fail_delete:
            raise PrivXApiError('POST', '/batch/delete', 503, error_code='TOO_MANY_CONNECTIONS', attempts=6)

    def update(self, account, changes, policies):
        super().update(account, changes, policies)
        if account['username'] == self.fail_put:
            raise PrivXApiError('PUT', '/managedaccounts/' + account['id'], 503, error_code='TOO_MANY_CONNECTIONS', attempts=6)


def test_a_failed_delete_after_the_fields_set_after_create_lists_them_as_applied():
    """Review finding 3: the PUTs after batch create went through; a later failure must not call them not applied."""
    store = AfterCreate([managed('old'), managed('keep')], [scanned('a'), scanned('b')], fail_delete=True)
    plan = plan_batch(store, policies(), declared_accounts([item('keep'), item('a', email='a@example.org'), item('b', email='b@example.org')]),
                      state='present', exclusive=True, rotate=False)
    with pytest.raises(PrivXBatchError) as caught:
        apply_plan(store, policies(), plan, batch_size=10)
    fields = caught.value.result_fields()
    assert fields['applied'] == {'created': ['a', 'b'], 'updated': ['a', 'b'], 'deleted': []}
    assert fields['not_applied'] == {'created': [], 'updated': [], 'deleted': ['old']}


def test_a_failed_put_after_create_lists_only_the_accounts_not_yet_set_as_not_applied():
    """Review finding 3: a PUT that failed part-way: the PUTs before it were applied."""
    store = AfterCreate([], [scanned('a'), scanned('b'), scanned('c')], fail_put='b')
    plan = plan_batch(store, policies(), declared_accounts([item(name, email=name + '@example.org') for name in 'abc']),
                      state='present', exclusive=False, rotate=False)
    with pytest.raises(PrivXBatchError) as caught:
        apply_plan(store, policies(), plan, batch_size=10)
    fields = caught.value.result_fields()
    assert fields['applied'] == {'created': ['a', 'b', 'c'], 'updated': ['a'], 'deleted': []}
    assert fields['not_applied'] == {'created': [], 'updated': ['b', 'c'], 'deleted': []}
