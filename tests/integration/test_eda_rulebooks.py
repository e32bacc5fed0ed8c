# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end with ansible-rulebook (.venv-eda, tests/requirements-eda.txt; it needs Java 17): the collection's
rulebooks, from the installed tarball, run their playbooks against the emulator. A rotation made to fail is retried
and succeeds (and one failing again is reported, not retried again); an account added to the directory is onboarded
after the next scan; a failed scan is reported and posted to a webhook. The first two print the time from the change in
PrivX to the fix (by PrivX's audit log) and the event source's requests per poll (by the request log)."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from datetime import datetime

import pytest
import requests
import yaml

from conftest import connection_env
from privx_emulator.harness import EmulatorProcess, fixture_path

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EDA_BIN = os.path.join(REPO, '.venv-eda', 'bin')
SEARCH = '/monitor-service/api/v1/auditevents/search'


@pytest.fixture(scope='module')
def eda_bin():
    if not os.path.exists(os.path.join(EDA_BIN, 'ansible-rulebook')):
        pytest.fail('no .venv-eda: run bash tests/setup-venv.sh .venv-eda tests/requirements-eda.txt (tests/run.sh does)')
    if shutil.which('java') is None:
        pytest.fail('ansible-rulebook needs a Java 17 runtime: apt-get install openjdk-17-jre-headless')
    return EDA_BIN


@pytest.fixture(scope='module')
def emulator():
    with EmulatorProcess(fixture=fixture_path('test.json'), tls=True, rotation_delay=0.1, scan_delay=0.1) as process:
        yield process


class Rulebook:
    """ansible-rulebook running one of the collection's rulebooks, by its collection name."""

    def __init__(self, eda_bin, collections_path, emulator, tmp_path, name, variables):
        self.output_path = str(tmp_path / ('%s.log' % name))
        vars_file = tmp_path / ('%s-vars.yml' % name)
        vars_file.write_text(yaml.safe_dump(dict(variables, privx_events_interval=0.5)))
        inventory = tmp_path / 'inventory.yml'
        inventory.write_text('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n')
        env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PRIVX_'))}
        env.update(connection_env(emulator), PATH=eda_bin + os.pathsep + env['PATH'], ANSIBLE_COLLECTIONS_PATH=collections_path,
                   ANSIBLE_LOCAL_TEMP=str(tmp_path / 'ansible-tmp'), HOME=str(tmp_path))
        self._output = open(self.output_path, 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [os.path.join(eda_bin, 'ansible-rulebook'), '-r', 'privx.secrets.%s' % name, '-i', str(inventory), '-e', str(vars_file)],
            env=env, cwd=str(tmp_path), stdout=self._output, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        with open(self.output_path, encoding='utf-8') as handle:
            return handle.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._output.close()


def _bearer(emulator, client):
    credentials = emulator.clients[client]
    answer = requests.post(emulator.url + '/auth/api/v1/oauth/token', verify=emulator.ca_path, timeout=10,
                           auth=(credentials['oauth_client_id'], credentials['oauth_client_secret']),
                           data={'grant_type': 'password', 'username': credentials['client_id'], 'password': credentials['client_secret']})
    return {'Authorization': 'Bearer ' + answer.json()['access_token']}


class AuditLog:
    """The emulator's audit log, as the auditor reads it."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.headers = _bearer(emulator, 'auditor')

    def events(self, name, **message):
        answer = requests.post(self.emulator.url + SEARCH, json={'keywords': name}, params={'limit': 1000, 'sortdir': 'ASC'},
                               headers=self.headers, verify=self.emulator.ca_path, timeout=10)
        return [event for event in answer.json()['items'] if event['event_name'] == name
                and all(event['message'].get(key) == value for key, value in message.items())]


def _seconds(start, end):
    """Seconds between two of PrivX's RFC 3339 times."""
    return (_moment(end) - _moment(start)).total_seconds()


def _moment(text):
    return datetime.fromisoformat(text.replace('Z', '+00:00'))


def _wait(rulebook, condition, timeout=90, message='condition'):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if rulebook.process.poll() is not None:
            raise AssertionError('ansible-rulebook ended (%s):\n%s' % (rulebook.process.returncode, rulebook.output()[-4000:]))
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for %s:\n%s' % (message, rulebook.output()[-4000:]))
        time.sleep(0.2)


def _source_polling(emulator, rulebook, polls=3):
    """Wait until the source has polled `polls` times; the requests it sent per poll (nothing else runs meanwhile)."""
    mark = emulator.control.mark()

    def searches():
        return [item for item in emulator.control.requests(since=mark) if item['path'] == SEARCH]

    _wait(rulebook, lambda: len(searches()) >= polls + 1, message='%d polls of the event source' % polls)
    first, last = searches()[0]['seq'], searches()[polls]['seq']
    return len([item for item in emulator.control.requests(since=mark) if first <= item['seq'] < last]) / polls


def _assert_no_secret(emulator, text):
    for client in emulator.clients.values():
        assert client['client_secret'] not in text and client['oauth_client_secret'] not in text


def test_a_failed_rotation_is_retried_once(eda_bin, collections_path, emulator, tmp_path, capsys):
    rulebook = Rulebook(eda_bin, collections_path, emulator, tmp_path, 'retry_failed_rotation', {})
    audit = AuditLog(emulator)
    try:
        _source_polling(emulator, rulebook, polls=1)  # the source is up
        per_poll = _source_polling(emulator, rulebook)
        before = len(emulator.control.secrets('dbdomain', 'app_admin'))
        emulator.control.fail_rotation('dbdomain', 'app_admin', count=1)
        emulator.control.lock_account('dbdomain', 'app_admin', 0.1)  # a scheduled rotation, which fails
        started = time.monotonic()
        failed = _wait(rulebook, lambda: audit.events('Managed-account-rotation-failed', targetUsername='app_admin'), message='the failure')[0]
        succeeded = _wait(rulebook, lambda: audit.events('Managed-account-rotation-succeeded', targetUsername='app_admin'),
                          message='the retried rotation')[0]
        wall = time.monotonic() - started
        _wait(rulebook, lambda: 'succeeded when retried' in rulebook.output(), message="the playbook's report")
        # A rotation that fails again when retried: reported, and retried no more.
        emulator.control.fail_rotation('corp.example.com', 'svc_backup', count=2)
        emulator.control.lock_account('corp.example.com', 'svc_backup', 0.1)
        _wait(rulebook, lambda: 'failed again when retried' in rulebook.output(), message='the report of the second failure')
        _wait(rulebook, lambda: len(audit.events('Managed-account-rotation-failed', targetUsername='svc_backup')) == 2)
        _source_polling(emulator, rulebook, polls=3)  # the second failure's event has been seen and throttled
    finally:
        rulebook.stop()
    output = rulebook.output()
    assert succeeded['message']['trigger'] == 'MANUAL' and failed['message']['trigger'] == 'PERIODIC'
    assert len(emulator.control.secrets('dbdomain', 'app_admin')) == before + 1
    assert len(audit.events('Managed-account-rotation-started', targetUsername='app_admin')) == 2  # retried once, no more
    assert len(audit.events('Managed-account-rotation-started', targetUsername='svc_backup')) == 2
    assert 'The rotation of svc_backup in corp.example.com failed again when retried' in output
    _assert_no_secret(emulator, output)
    with capsys.disabled():
        print('\nretry_failed_rotation (interval 0.5 s): failure to successful retry %.1f s by PrivX\'s audit log '
              '(%.1f s wall time from the failed rotation\'s start); the event source sent %.1f requests per poll' % (
                  _seconds(failed['created'], succeeded['created']), wall, per_poll))
    assert per_poll == 1


def test_a_discovered_account_is_onboarded_after_the_next_scan(eda_bin, collections_path, emulator, tmp_path, capsys):
    rulebook = Rulebook(eda_bin, collections_path, emulator, tmp_path, 'onboard_discovered_accounts',
                        {'privx_onboard_pattern': 'svc_.*', 'privx_onboard_policy': 'default'})
    audit = AuditLog(emulator)
    try:
        _source_polling(emulator, rulebook, polls=1)
        per_poll = _source_polling(emulator, rulebook)
        emulator.control.add_to_directory('corp.example.com', 'svc_onboarded', 'someone_else')
        domain = emulator.control.managed_account('corp.example.com', 'svc_backup')['target_domain']['id']
        assert requests.post('%s/secrets-manager/api/v1/targetdomains/%s/refresh' % (emulator.url, domain), verify=emulator.ca_path,
                             headers=_bearer(emulator, 'admin'), timeout=10).status_code == 200
        started = time.monotonic()
        managed = _wait(rulebook, lambda: emulator.control.managed_account('corp.example.com', 'svc_onboarded'), message='the onboarding')
        wall = time.monotonic() - started
        discovered = audit.events('Scanned-account-discovered', targetUsername='svc_onboarded')[0]
        added = audit.events('Managed-account-added', targetUsername='svc_onboarded')[0]
        _wait(rulebook, lambda: emulator.control.secrets('corp.example.com', 'svc_onboarded'), message='the first rotation')
    finally:
        rulebook.stop()
    managed = emulator.control.managed_account('corp.example.com', 'svc_onboarded')
    assert (managed['password_policy'] or {}).get('name') == 'default' and managed['enabled'], managed
    assert emulator.control.managed_account('corp.example.com', 'someone_else') is None
    _assert_no_secret(emulator, rulebook.output())
    with capsys.disabled():
        print('\nonboard_discovered_accounts (interval 0.5 s): discovery to managed account %.1f s by PrivX\'s audit log '
              '(%.1f s wall time from the scan request); the event source sent %.1f requests per poll' % (
                  _seconds(discovered['created'], added['created']), wall, per_poll))
    assert per_poll == 1


class Webhook:
    """A local HTTP endpoint that keeps the JSON bodies posted to it."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  pylint: disable=invalid-name
                received.append(json.loads(self.rfile.read(int(self.headers['Content-Length']))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d/hook' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_failed_scan_is_reported_and_posted_to_the_webhook(eda_bin, collections_path, emulator, tmp_path):
    webhook = Webhook()
    rulebook = Rulebook(eda_bin, collections_path, emulator, tmp_path, 'notify_scan_errors', {'privx_notify_webhook_url': webhook.url})
    try:
        _source_polling(emulator, rulebook, polls=1)
        emulator.control.fail_scan('corp.example.com', message='LDAP bind failed: invalid credentials')
        domain = emulator.control.managed_account('corp.example.com', 'svc_backup')['target_domain']['id']
        assert requests.post('%s/secrets-manager/api/v1/targetdomains/%s/refresh' % (emulator.url, domain), verify=emulator.ca_path,
                             headers=_bearer(emulator, 'admin'), timeout=10).status_code == 200
        _wait(rulebook, lambda: webhook.received, message='the webhook post')
    finally:
        rulebook.stop()
        webhook.close()
    assert [(body['target_domain'], body['scan_message']) for body in webhook.received] == [
        ('corp.example.com', 'LDAP bind failed: invalid credentials')]
    assert 'PrivX scan of corp.example.com failed: LDAP bind failed: invalid credentials' in rulebook.output()  # the debug action
    _assert_no_secret(emulator, rulebook.output() + json.dumps(webhook.received))
