# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host rotation's logic: what differs, the whole host written back, who starts rotating, and which accounts are due."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.converge.host_account_rotation import plan_host_rotation, report
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.resources.hosts import (
    Hosts,
    HostRotationRequest,
    comparable_host_rotation,
    host_rotation_body,
    host_rotation_changes,
)

NAMES = {'policy-id': 'monthly', 'template-id': 'chpasswd'}
IDS = {name: object_id for object_id, name in NAMES.items()}
HOST = {
    'id': 'h1', 'common_name': 'web01', 'addresses': ['10.0.0.5'], 'tags': ['b', 'a'], 'comment': 'keep me',
    'services': [{'service': 'SSH', 'address': '10.0.0.5', 'port': 22}],
    'principals': [{'principal': 'root', 'passphrase': '********', 'rotate': False, 'roles': [{'id': 'r1', 'name': 'admins'}]},
                   {'principal': 'deploy', 'passphrase': '', 'rotate': False, 'roles': []}],
    'password_rotation_enabled': False,
}


def request(**options):
    return HostRotationRequest(dict({'host': 'web01', 'state': 'present'}, **options))


def changes_of(host, **options):
    view = comparable_host_rotation(host, lambda _field, object_id: NAMES[object_id])
    return view, host_rotation_changes(view, request(**options), host.get('password_rotation') is not None)


def test_enabling_changes_only_the_rotation_fields_and_sends_the_initial_password_of_a_new_account():
    options = dict(operating_system='LINUX', password_policy='monthly', script_template='chpasswd',
                   accounts=[{'username': 'root', 'rotate': True, 'initial_password': 'first'}])
    _view, changes = changes_of(HOST, **options)
    assert changes == {'password_rotation_enabled': True, 'operating_system': 'LINUX', 'protocol': 'SSH',
                       'password_policy': 'monthly', 'script_template': 'chpasswd', 'accounts': {'root': {'rotate': True}}}
    body = host_rotation_body(HOST, changes, lambda _field, name: IDS[name], {'root': 'first'})
    assert body['password_rotation'] == {'operating_system': 'LINUX', 'protocol': 'SSH', 'password_policy_id': 'policy-id',
                                         'script_template_id': 'template-id'}
    assert body['principals'][0]['passphrase'] == 'first' and body['principals'][0]['rotate'] is True
    untouched = copy.deepcopy(body)
    for key in ('password_rotation', 'password_rotation_enabled'):
        untouched.pop(key)
    untouched['principals'][0].update(rotate=False, passphrase='********')
    original = {key: value for key, value in HOST.items() if key != 'password_rotation_enabled'}
    assert untouched == original, 'everything but the rotation fields goes back as read'


def test_an_account_already_rotating_keeps_its_password_and_a_rerun_changes_nothing():
    rotating = dict(copy.deepcopy(HOST), password_rotation_enabled=True, password_rotation={
        'operating_system': 'LINUX', 'protocol': 'SSH', 'password_policy_id': 'policy-id', 'script_template_id': 'template-id',
        'rotation_status': [{'principal': 'root', 'last_rotated': '2026-01-01T00:00:00Z'}]})
    rotating['principals'][0]['rotate'] = True
    _view, changes = changes_of(rotating, operating_system='LINUX', password_policy='monthly', script_template='chpasswd',
                                accounts=[{'username': 'root', 'rotate': True, 'initial_password': 'again'}])
    assert changes == {}
    _view, changes = changes_of(rotating, accounts=[{'username': 'deploy', 'rotate': True, 'initial_password': 'deploy-first'},
                                                    {'username': 'root', 'rotate': True, 'initial_password': 'again'}])
    body = host_rotation_body(rotating, changes, lambda _field, name: IDS[name], {'root': 'again', 'deploy': 'deploy-first'})
    assert [principal['passphrase'] for principal in body['principals']] == ['********', 'deploy-first']
    assert 'rotation_status' not in body['password_rotation']


def test_absent_removes_the_settings_so_that_their_policy_and_template_can_go():
    rotating = dict(copy.deepcopy(HOST), password_rotation_enabled=True, password_rotation={'password_policy_id': 'policy-id'})
    _view, changes = changes_of(rotating, state='absent')
    assert changes == {'password_rotation_enabled': False, 'password_rotation': None}
    body = host_rotation_body(rotating, changes, lambda _field, name: IDS[name], {})
    assert 'password_rotation' not in body and body['password_rotation_enabled'] is False
    assert changes_of(HOST, state='absent')[1] == {}


@pytest.mark.parametrize('options, message', [
    ({'accounts': [{'username': 'rooot'}]}, "host 'web01' has no account 'rooot'; its accounts: deploy, root"),
    ({'accounts': [{'username': 'root'}]}, "host 'web01' has no operating_system, password_policy, script_template"),
])
def test_what_cannot_be_done_is_one_line(options, message):
    with pytest.raises(PrivXConfigError, match=message):
        changes_of(HOST, **options)


def test_two_main_accounts_and_a_bad_port_are_refused_before_any_call():
    with pytest.raises(PrivXConfigError, match='only one account may have use_for_password_rotation'):
        request(accounts=[{'username': 'a', 'use_for_password_rotation': True}, {'username': 'b', 'use_for_password_rotation': True}])
    with pytest.raises(PrivXConfigError, match='winrm_port must be between 1 and 65535'):
        request(winrm_port=70000)


def test_due_accounts_by_last_rotated_and_the_outcome_of_a_rotation():
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    host = dict(HOST, password_rotation_enabled=True, password_rotation={'rotation_status': [
        {'principal': 'root', 'last_rotated': '2026-11-30T00:00:00Z'},
        {'principal': 'deploy', 'last_rotated': '0001-01-01T00:00:00Z'}]})
    due, skipped = plan_host_rotation(host, None, timedelta(days=30), now)
    assert due == ['deploy'] and skipped == [{'username': 'root', 'host': 'web01', 'reason': 'not due: last rotated 2026-11-30T00:00:00Z'}]
    assert plan_host_rotation(host, ['root'], None, now) == (['root'], [])
    with pytest.raises(PrivXConfigError, match="not accounts of host 'web01': admin"):
        plan_host_rotation(host, ['admin'], None, now)
    before = {'last_rotated': '2026-11-30T00:00:00Z', 'last_error': '', 'last_error_details': ''}
    failed = dict(before, last_error='2026-12-01T00:00:01Z', last_error_details='permission denied')
    assert report(host, 'root', before, failed)['status'] == 'ERROR'
    assert report(host, 'root', before, dict(before, last_rotated='2026-12-01T00:00:01Z'))['status'] == 'SUCCESS'
    assert report(host, 'root', before, before)['status'] is None


def test_a_name_that_matches_two_hosts_only_in_letter_case_is_refused_not_guessed(privx):
    # PrivX's search ignores letter case: 'WEB01' finds 'web01' and 'Web01', neither of them exactly.
    privx.answers[('POST', paths.HOST_SEARCH)] = [{'id': 'h1', 'common_name': 'web01', 'addresses': []},
                                                  {'id': 'h2', 'common_name': 'Web01', 'addresses': []}]
    hosts = Hosts(privx.client())
    with pytest.raises(PrivXConfigError) as caught:
        hosts.find('WEB01')
    assert str(caught.value) == ("host 'WEB01' is the common name of several hosts in another letter case (Web01, web01); "
                                 "name one by its exact common name or id")
    assert hosts.find('Web01')['id'] == 'h2'
