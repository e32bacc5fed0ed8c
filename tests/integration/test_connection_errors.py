# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad connection settings, through a real module run: each one clear line, no traceback, no secret."""

from __future__ import annotations

import socket

import pytest

from conftest import PLANTED_SECRETS, assert_no_secret, connection_env


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


CASES = [
    ('url without scheme', {'PRIVX_URL': '127.0.0.1:8443'}, "url '127.0.0.1:8443' has no scheme: write it as https://127.0.0.1:8443"),
    ('url unreachable', {'PRIVX_URL': 'https://127.0.0.1:%d' % free_port(), 'PRIVX_RETRIES': '1'},
     'cannot reach PrivX at https://127.0.0.1:'),
    ('no credentials', {'PRIVX_CLIENT_ID': '', 'PRIVX_CLIENT_SECRET': '', 'PRIVX_OAUTH_CLIENT_SECRET': ''}, 'no PrivX credentials'),
    ('token and credentials', {'PRIVX_ACCESS_TOKEN': 'planted-access-token'}, 'access_token and API client credentials'),
    ('missing CA file', {'PRIVX_CA_PATH': '/nonexistent/ca.pem'}, "ca_path '/nonexistent/ca.pem' does not exist"),
    ('wrong secret', {'PRIVX_CLIENT_SECRET': 'planted-wrong-secret'}, 'authentication failed for API client'),
]


@pytest.mark.parametrize('case, env, expected', CASES, ids=[case[0] for case in CASES])
def test_bad_connection_settings_are_one_clear_line(ansible, privx, case, env, expected):
    result, run = ansible.module('privx.secrets.account_secret_info', {}, env=env, verbosity=3)
    assert result['failed'] is True, case
    assert expected in result['msg'] and '\n' not in result['msg'], result['msg']
    assert 'Traceback' not in run.output
    assert_no_secret(run.output + repr(result), PLANTED_SECRETS + [value for value in env.values() if value.startswith('planted-')])
    if case == 'wrong secret':
        assert connection_env(privx)['PRIVX_CLIENT_ID'] in result['msg']
