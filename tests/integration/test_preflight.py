# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`ansible-playbook privx.secrets.preflight` (the connection_info module) against the demo fixture's API clients.

The report for the admin and the user client, what differs between them, and the four ways a first run fails (a closed
port, a CA that did not sign PrivX's certificate, a wrong secret, a client without roles): each one line that says
what to fix, and no secret anywhere.
"""

from __future__ import annotations

import socket

import pytest
import trustme

from conftest import connection_env
from privx_emulator.harness import fixture_path

EMULATOR_FIXTURE = fixture_path('demo.json')
PREFLIGHT = '- name: Preflight\n  ansible.builtin.import_playbook: privx.secrets.preflight\n'
DEMO_SECRETS = ['demo-admin-secret', 'demo-user-secret', 'demo-noroles-secret', 'demo-oauth-secret', 'demo-bind-secret']
REPORT_TASK = 'Read PrivX\'s services and this API client\'s roles'
ADMIN_JOBS = {'read_target_domains', 'declare_password_policies', 'declare_target_domains', 'manage_accounts', 'rotate',
              'check_out_secrets', 'vault_secrets'}


def preflight(ansible, privx, client, **env):
    run = ansible.playbook(PREFLIGHT, env=dict(connection_env(privx, client), **env), name='preflight-%s' % client)
    text = run.output
    for secret in DEMO_SECRETS + [value for value in env.values() if value.startswith('planted-')]:
        assert secret not in text, 'a secret leaked into the preflight output'
    return run


def allowed(report):
    return {job['job'] for job in report['jobs'] if job['allowed']}


def test_preflight_reports_what_each_demo_client_can_do(ansible, privx, capsys):
    mark = privx.control.mark()
    reports = {}
    for client in ('admin', 'user'):
        run = preflight(ansible, privx, client)
        assert run.rc == 0, run.output[-3000:]
        report = run.task(REPORT_TASK)
        assert report['changed'] is False
        table = report['table']
        # The table is printed at default verbosity, and the same report goes to AWX as structured data.
        assert all(line in run.output for line in table)
        stats = run.task('Publish the report to AWX')['ansible_stats']['data']['privx_preflight']
        assert stats == {key: report[key] for key in ('url', 'services', 'identity', 'jobs')}
        assert [(row['service'], row['status'], row['version']) for row in report['services']] == [
            (service, 'ok', '1.0.0') for service in ('secrets-manager', 'authorizer', 'vault', 'role-store', 'host-store', 'auth')]
        assert report['identity']['principal'] == client
        reports[client] = report
        with capsys.disabled():
            print('\n--- preflight as the demo %s client ---\n%s' % (client, '\n'.join(table)))
    assert allowed(reports['admin']) == ADMIN_JOBS
    assert reports['admin']['identity']['roles'] == ['privx-admin']
    assert allowed(reports['user']) == {'check_out_secrets'}
    assert reports['user']['identity']['roles'] == ['secrets-users']
    missing = {job['job']: job['missing'] for job in reports['user']['jobs'] if not job['allowed']}
    assert missing == {'read_target_domains': 'privx-admin or target-domains-view', 'declare_password_policies': 'privx-admin',
                       'declare_target_domains': 'privx-admin', 'manage_accounts': 'privx-admin', 'rotate': 'privx-admin',
                       'vault_secrets': 'vault-add or vault-manage'}
    user_jobs = {job['job']: job for job in reports['user']['jobs']}
    differs = ['%-32s admin: %-3s user: no, missing %s' % (job['title'], 'yes', user_jobs[job['job']]['missing'])
               for job in reports['admin']['jobs'] if job['allowed'] != user_jobs[job['job']]['allowed']]
    assert len(differs) == 6
    with capsys.disabled():
        print('--- what differs between them ---\n%s' % '\n'.join(differs))
    # Read-only: nothing but reads (and the token grant) reached PrivX.
    assert {entry['method'] for entry in privx.control.requests(since=mark) if entry['path'] != '/auth/api/v1/oauth/token'} == {'GET'}


def test_connection_info_in_check_mode_reads_the_same(ansible, privx):
    report, run = ansible.module('privx.secrets.connection_info', {}, check=True)
    assert run.rc == 0 and report['changed'] is False and allowed(report) == ADMIN_JOBS


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _wrong_ca(tmp_path):
    path = tmp_path / 'other-ca.pem'
    trustme.CA().cert_pem.write_to_path(str(path))
    return str(path)


FAILURES = [
    ('closed port', lambda privx, tmp: {'PRIVX_URL': 'https://127.0.0.1:%d' % _free_port(), 'PRIVX_RETRIES': '0'}, 'admin',
     ['connection refused', 'check url']),
    ('wrong CA', lambda privx, tmp: {'PRIVX_CA_PATH': _wrong_ca(tmp)}, 'admin',
     ['TLS certificate verification failed', 'ca_path']),
    ('wrong secret', lambda privx, tmp: {'PRIVX_CLIENT_SECRET': 'planted-wrong-secret'}, 'admin',
     ['authentication failed for API client', 'check client_id and client_secret']),
    ('no roles', lambda privx, tmp: {}, 'noroles',
     ["API client 'noroles' holds no role in PrivX", 'grant it a role']),
]


@pytest.mark.parametrize('case, env, client, fragments', FAILURES, ids=[case[0] for case in FAILURES])
def test_preflight_failure_is_one_line_saying_what_to_fix(ansible, privx, tmp_path, capsys, case, env, client, fragments):
    run = preflight(ansible, privx, client, **env(privx, tmp_path))
    assert run.rc != 0
    result = run.task(REPORT_TASK)
    message = result['msg']
    assert result['failed'] is True and '\n' not in message and 'Traceback' not in run.output, message
    for fragment in fragments:
        assert fragment in message, message
    with capsys.disabled():
        print('\n%s: %s' % (case, message))
