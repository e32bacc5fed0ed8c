# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX pieces: the rotation playbook through ansible-runner with the credential type's injectors (the EE: test_packaging.py)."""

from __future__ import annotations

import os
import sys

import pytest

from awx_jobs import credential_environment
from conftest import assert_no_secret
from exchange_tokens import EXCHANGE_PATH, USER_IDS, mint

ansible_runner = pytest.importorskip('ansible_runner')

DOMAIN = 'rotation.example.com'


def run_rotation(privx, collections_path, tmp_path, extravars, exchange_token=None):
    private = tmp_path / ('runner-%d' % len(list(tmp_path.glob('runner-*'))))
    (private / 'project').mkdir(parents=True)
    (private / 'project' / 'rotate.yml').write_text('- name: Rotation job\n  ansible.builtin.import_playbook: privx.secrets.rotate\n')
    envvars = credential_environment(privx, str(tmp_path), exchange_token)
    assert set(envvars) == ({'PRIVX_URL', 'PRIVX_EXCHANGE_TOKEN_FILE', 'PRIVX_EXCHANGE_SCOPE', 'PRIVX_CA_PATH'} if exchange_token else
                            {'PRIVX_URL', 'PRIVX_CLIENT_ID', 'PRIVX_CLIENT_SECRET', 'PRIVX_OAUTH_CLIENT_ID',
                             'PRIVX_OAUTH_CLIENT_SECRET', 'PRIVX_CA_PATH'})
    envvars.update(ANSIBLE_COLLECTIONS_PATH=collections_path, HOME=str(tmp_path),
                   PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    runner = ansible_runner.run(private_data_dir=str(private), playbook='rotate.yml', envvars=envvars, extravars=extravars,
                                quiet=True, timeout=300)
    stdout = runner.stdout.read()
    summary = [event for event in runner.events if event.get('event') == 'runner_on_ok'
               and event['event_data'].get('task') == 'Rotation summary']
    assert summary, stdout[-3000:]
    return runner, summary[0]['event_data']['res']['msg'], stdout


def test_the_rotation_playbook_runs_under_ansible_runner_with_the_credential_type(privx, collections_path, tmp_path):
    survey = {'rotation_target_domains': DOMAIN, 'rotation_older_than': '30d'}
    runner, lines, stdout = run_rotation(privx, collections_path, tmp_path, survey)
    assert (runner.status, runner.rc) == ('successful', 0), stdout[-3000:]
    assert lines[0].split() == ['DOMAIN', 'ACCOUNT', 'BEFORE', 'AFTER', 'STATUS']
    rows = {line.split()[1]: line.split() for line in lines[1:-1]}
    assert sorted(rows) == ['failing', 'never', 'overdue', 'recent', 'switched_off']
    for name in ('failing', 'never', 'overdue'):
        newest = max(entry['version'] for entry in privx.control.secrets(DOMAIN, name))
        assert rows[name][2:] == ['1', str(newest), 'SUCCESS']
    assert rows['switched_off'][4:] == ['SKIPPED', '(disabled)']
    assert lines[-1] == '4 rotated, 1 not rotated, 0 failed'
    assert_no_secret(stdout)

    runner, lines, stdout = run_rotation(privx, collections_path, tmp_path, survey)
    assert runner.rc == 0 and lines[-1] == '0 rotated, 5 not rotated, 0 failed'
    assert not [event for event in runner.events if event.get('event_data', {}).get('changed')]


def test_a_failed_rotation_fails_the_job_after_the_summary(privx, collections_path, tmp_path):
    privx.control.fail_rotation(DOMAIN, 'failing', 'MAX_ROTATION_RETRIES_ERROR')
    runner, lines, stdout = run_rotation(privx, collections_path, tmp_path, {'rotation_target_domains': DOMAIN})
    assert (runner.status, runner.rc) == ('failed', 2)
    assert 'FAILED rotation.example.com/failing: MAX_ROTATION_RETRIES_ERROR' in lines
    assert [line.split()[-1] for line in lines if line.split()[1:2] == ['never']] == ['SUCCESS']
    assert 'rotation.example.com/failing: MAX_ROTATION_RETRIES_ERROR' in stdout


def test_a_job_with_the_token_exchange_credential_type_stores_no_privx_secret(privx, collections_path, tmp_path):
    """The credential type *PrivX token exchange*: AWX writes the job's token to a file and names it in
    PRIVX_EXCHANGE_TOKEN_FILE; the job's modules exchange it, and no API client takes part."""
    token = mint('ci-admin')
    mark = privx.control.mark()
    runner, lines, stdout = run_rotation(privx, collections_path, tmp_path, {'rotation_target_domains': DOMAIN},
                                         exchange_token=token)
    assert (runner.status, runner.rc) == ('successful', 0), stdout[-3000:]
    assert lines[-1] == '4 rotated, 1 not rotated, 0 failed'
    callers = {entry['client'] for entry in privx.control.requests(since=mark)}
    assert callers == {USER_IDS['ci-admin']}, callers
    assert [entry['path'] for entry in privx.control.requests(since=mark)].count(EXCHANGE_PATH) >= 1
    assert token not in stdout and token.split('.')[2] not in stdout
    assert_no_secret(stdout)
