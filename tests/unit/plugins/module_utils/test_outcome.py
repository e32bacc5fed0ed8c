# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""converge/outcome.py: the one line a converging module's result says, read from its diff or its batch lists."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.converge.outcome import describe


def described(result, noun='password policy', options=None, check_mode=False):
    return describe(result, noun=noun, options=options or {}, check_mode=check_mode)


@pytest.mark.parametrize('lists, check_mode, line', [
    ((['a', 'b', 'c'], ['d'], ['alice', 'svc_backup']), False, 'created 3, updated 1, deleted 2: alice, svc_backup'),
    ((['a', 'b', 'c'], ['d'], ['alice', 'svc_backup']), True, 'would create 3, update 1, delete 2: alice, svc_backup'),
    (([], [], ['svc003', 'svc004']), True, 'would delete 2: svc003, svc004'),
    ((['a'], [], []), False, 'created 1'),
    (([], [], []), False, 'no change'),
    (([], [], []), True, 'no change'),
])
def test_a_batch_counts_each_outcome_and_names_the_deleted(lists, check_mode, line):
    result = dict(zip(('created', 'updated', 'deleted'), lists), changed=any(lists), diff=[])
    assert described(result, check_mode=check_mode)['msg'] == line


@pytest.mark.parametrize('diff, changed, check_mode, line, action', [
    ({'before': {}, 'after': {'name': 'x', 'rotation_interval': 'P30D'}}, True, False, "created password policy 'x'", 'created'),
    ({'before': {}, 'after': {'name': 'x'}}, True, True, "would create password policy 'x'", 'created'),
    ({'before': {'name': 'x', 'rotation_interval': 'P30D'}, 'after': {}}, True, False, "deleted password policy 'x'", 'deleted'),
    ({'before': {'name': 'x'}, 'after': {}}, True, True, "would delete password policy 'x'", 'deleted'),
    ({'before': {'rotation_interval': 'P30D', 'comment': 'a'}, 'after': {'rotation_interval': 'P7D', 'comment': 'b'}}, True, False,
     "updated password policy 'x' (comment, rotation_interval)", 'updated'),
    ({'before': {'comment': 'a'}, 'after': {'comment': 'b'}}, True, True, "would update password policy 'x' (comment)", 'updated'),
    ({'before': {}, 'after': {}}, False, False, 'no change', None),
    ({'before': {}, 'after': {}}, False, True, 'no change', None),
])
def test_one_object_is_named_with_what_happened_and_its_lists(diff, changed, check_mode, line, action):
    result = described({'changed': changed, 'diff': diff}, options={'name': 'x'}, check_mode=check_mode)
    assert result['msg'] == line
    assert {key: result[key] for key in ('created', 'updated', 'deleted')} == {
        key: ['x'] if key == action else [] for key in ('created', 'updated', 'deleted')}


def test_the_name_comes_from_the_diff_before_the_options_and_username_counts_as_a_name():
    result = described({'changed': True, 'diff': {'before': {}, 'after': {'username': 'svc001', 'password': '(a new password will be stored)'}}},
                       noun='managed account', options={'target_domain': 'corp'})
    assert result['msg'] == "created managed account 'svc001'" and result['created'] == ['svc001']
    result = described({'changed': True, 'diff': {'before': {'comment': 'a'}, 'after': {'comment': 'b', 'password': 'planted-value'}}},
                       noun='managed account', options={'username': 'svc002', 'password': 'planted-value'})
    # Field names only: never a value.
    assert result['msg'] == "updated managed account 'svc002' (comment, password)"


@pytest.mark.parametrize('result', [
    {'changed': True, 'msg': 'rotated 2 accounts', 'diff': {'before': {}, 'after': {'name': 'x'}}},   # the module's own line
    {'changed': False, 'password_policies': []},                                                     # an info module
    {'changed': True, 'diff': {'before': {'alice': {'ignored': False}}, 'after': {'alice': {'ignored': True}}}},  # no name
])
def test_a_result_with_its_own_line_or_of_neither_shape_is_left_as_it_is(result):
    assert described(dict(result), options={'target_domain': 'corp', 'usernames': ['alice']}) == result


def test_a_change_that_leaves_the_object_as_it_was_keeps_the_module_s_words():
    """A target domain scanned without a change of its fields: not 'no change', and not 'updated'."""
    result = described({'changed': True, 'diff': {'before': {}, 'after': {}}}, noun='target domain', options={'name': 'corp'})
    assert 'msg' not in result and (result['created'], result['updated'], result['deleted']) == ([], [], [])
