# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rotate: argument handling and result shaping, without a server."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.modules import rotate

from fake_privx import DOMAIN

RECENT = [{'version': 1, 'rotated': '2999-01-01T00:00:00Z', 'status': 'SUCCESS'}]


def test_check_mode_says_what_would_rotate_and_why_the_rest_is_skipped(run_module, privx):
    privx.account('due')
    privx.account('recent', rotation_history=RECENT)
    privx.account('off', enabled=False)
    result = run_module(rotate, {'target_domain': DOMAIN, 'all': True, 'older_than': '30d', '_ansible_check_mode': True})
    assert result['changed'] is True
    assert [(entry['username'], entry['status']) for entry in result['rotated']] == [('due', 'WOULD_ROTATE')]
    assert {entry['username']: entry['reason'] for entry in result['skipped_accounts']} == {
        'off': 'disabled', 'recent': 'not due: last rotated 2999-01-01T00:00:00Z'}
    assert privx.writes() == []


def test_without_wait_reports_started_after_one_call(run_module, privx):
    account = privx.account('due')
    result = run_module(rotate, {'target_domain': DOMAIN, 'usernames': ['due'], 'wait': False})
    assert result['rotated'] == [{'username': 'due', 'id': account['id'], 'previous_version': None, 'new_version': None,
                                  'status': 'STARTED', 'rotated': None}]
    assert [path.rsplit('/', 1)[-1] for _method, path, _body in privx.writes()] == ['rotate']


@pytest.mark.parametrize('args, message', [
    ({'all': True, 'older_than': '3x'}, "older_than '3x' is not a duration"),
    ({'all': True, 'wait_timeout': 0}, 'wait_timeout must be at least 1 second, got 0'),
    ({'all': True, 'batch_size': 1001}, 'batch_size must be between 1 and 1000, got 1001'),
    ({'all': True, 'usernames': ['a']}, 'parameters are mutually exclusive: usernames|all'),
    ({}, 'all is False but all of the following are missing: usernames'),
])
def test_bad_input_fails_before_any_call(run_module, privx, args, message):
    result = run_module(rotate, dict(args, target_domain=DOMAIN))
    assert result['failed'] is True and result['msg'].startswith(message)
    assert privx.calls == []
