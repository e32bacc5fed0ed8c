# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""privx.secrets.change_summary: registered results, of any shape, summed up per level by name."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.privx.secrets.plugins.filter.change_summary import change_summary

NOTHING = {'created': [], 'updated': [], 'deleted': []}


def loop(*items):
    return {'changed': True, 'results': list(items), 'msg': 'All items completed'}


def item(created=(), updated=(), deleted=(), **more):
    return dict({'created': list(created), 'updated': list(updated), 'deleted': list(deleted)}, **more)


def levels():
    """The managed_accounts role's table, as its tasks would have registered them."""
    return [
        {'level': 'privx_password_policies', 'title': 'password policies', 'results': [
            loop(item(created=['ad-standard']), item(updated=['ad-privileged']), {'skipped': True, 'false_condition': 'x'}),
            loop(item(deleted=['ad-legacy']))]},
        # A list of loops (one per state); a secret in a result is never read.
        {'level': 'privx_target_domains', 'title': 'target domains', 'results': [
            loop(item(invocation={'module_args': {'endpoints': [{'ldap_bind_password': 'planted-bind'}]}})), loop()]},
        {'level': 'privx_managed_accounts', 'title': 'managed accounts', 'results': loop(
            item(created=['svc051', 'svc052'], updated=['svc011'], deleted=['svc003', 'svc004'], rotated=['svc051']),
            item(deleted=['svc003']))},
        {'level': 'privx_script_templates', 'title': 'script templates', 'results': {}},   # a task that never ran
        {'level': 'privx_vault_secrets', 'title': 'vault secrets', 'results': item(created=['db-root'])},   # a single task
    ]


def test_each_level_names_what_was_created_updated_and_deleted_once_each_in_the_run_s_order():
    summary = change_summary(levels())
    assert summary['levels'] == {
        'privx_password_policies': {'created': ['ad-standard'], 'updated': ['ad-privileged'], 'deleted': ['ad-legacy']},
        'privx_target_domains': NOTHING,
        'privx_managed_accounts': {'created': ['svc051', 'svc052'], 'updated': ['svc011'], 'deleted': ['svc003', 'svc004']},
        'privx_script_templates': NOTHING,
        'privx_vault_secrets': dict(NOTHING, created=['db-root']),
    }
    assert summary['lines'] == [
        'password policies: created ad-standard; updated ad-privileged; deleted ad-legacy',
        'target domains: no change',
        'managed accounts: created svc051, svc052; updated svc011; deleted svc003, svc004',
        'script templates: no change',
        'vault secrets: created db-root',
    ]
    assert summary['check_mode'] is False
    assert 'planted' not in repr(summary)


@pytest.mark.parametrize('check_mode', [True, 'true', 'yes'])
def test_check_mode_says_what_would_happen(check_mode):
    summary = change_summary(levels(), check_mode=check_mode)
    assert summary['check_mode'] is True
    assert summary['lines'][0] == 'password policies: would create ad-standard; would update ad-privileged; would delete ad-legacy'
    assert summary['lines'][2] == 'managed accounts: would create svc051, svc052; would update svc011; would delete svc003, svc004'


@pytest.mark.parametrize('value', [None, 'levels', [{'title': 'no key'}], {'level': 'a', 'title': 'b'}])
def test_anything_but_a_table_of_levels_is_refused_in_one_line(value):
    with pytest.raises(AnsibleFilterError, match='a list of levels, each a dictionary with level, title and results'):
        change_summary(value)


@pytest.mark.parametrize('declared', [False, 'False', 'false'])
def test_a_level_not_declared_is_left_out_unless_it_changed_something(declared):
    table = [{'level': 'privx_script_templates', 'title': 'script templates', 'results': {}, 'declared': declared},
             {'level': 'privx_host_password_rotation', 'title': 'host password rotation', 'declared': declared,
              'results': loop(item(deleted=['app01']))}]
    summary = change_summary(table)
    assert summary['lines'] == ['host password rotation: deleted app01']
    assert list(summary['levels']) == ['privx_host_password_rotation']
