# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every EXAMPLES block of every module and plugin runs as written against the emulator, so no example can rot.

Connection options come from the PRIVX_* environment, as in AWX. The variables an example names stand for the user's
inventory and vault; they are given as inventory variables (so an example's own ``vars`` win, as they would), and
point at the emulator, at a small HTTP service standing in for the application an example talks to, and at a
temporary directory for files an example writes.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import sys
import threading
import time

import pytest
import yaml

from conftest import HERE, REPO, assert_no_secret, plugin_examples, planted_secrets

EMULATOR_FIXTURE = os.path.join(HERE, 'fixtures', 'examples.json')
SECRETS = planted_secrets(EMULATOR_FIXTURE)
EXAMPLES = plugin_examples()


class AppService(http.server.BaseHTTPRequestHandler):
    """Stands in for the application an example posts a secret to: records who authenticated with what."""

    received = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get('Content-Length') or 0)
        self.rfile.read(length)
        authorization = self.headers.get('Authorization', '')
        credentials = base64.b64decode(authorization[6:]).decode() if authorization.startswith('Basic ') else ''
        self.received.append((self.path, credentials))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def app_service():
    AppService.received = []
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), AppService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d/api' % server.server_address[1], AppService.received
    server.shutdown()
    server.server_close()


def run_example(ansible, privx, key, app_url, tmp_path):
    text = EXAMPLES[key]
    parsed = yaml.safe_load(text)
    assert isinstance(parsed, list) and parsed, 'EXAMPLES of %s is not a YAML list' % key
    if all('hosts' in item for item in parsed):
        playbook = text  # a whole playbook, as written
    else:
        playbook = yaml.safe_dump([{'name': 'EXAMPLES of %s' % key, 'hosts': 'localhost', 'gather_facts': False,
                                    'tasks': parsed}], sort_keys=False)
    credentials = privx.clients['admin']
    config_dir = tmp_path / 'app-config'
    config_dir.mkdir()
    variables = {
        # the user's inventory and vault
        'privx_url': privx.url, 'privx_client_id': credentials['client_id'],
        'privx_client_secret': credentials['client_secret'], 'privx_oauth_client_secret': credentials['oauth_client_secret'],
        'initial_db_admin_password': 'planted-initial-db-admin-S3cr3t',
        'service_accounts': [{'username': 'svc_deploy'}, {'username': 'svc_monitor', 'comment': 'monitoring agent'}],
        'db_api_url': app_url, 'app_api_url': app_url, 'app_config_dir': str(config_dir),
    }
    local = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
    inventory = {'all': {'vars': variables, 'hosts': {'localhost': local},
                         'children': {'db_servers': {'hosts': {'db01': local, 'db02': local}}}}}
    inventory_path = tmp_path / 'inventory.yml'
    inventory_path.write_text(yaml.safe_dump(inventory))
    # Files the examples name, relative to the playbook as in a user's project.
    (tmp_path / 'app.conf.j2').write_text('database_password={{ db_password }}\n')
    (tmp_path / 'schema.json').write_text('{"tables": ["accounts"]}\n')
    run = ansible.playbook(playbook, inventory=str(inventory_path), name=key.replace('/', '-'))
    assert run.rc == 0, run.output[-4000:]
    assert 'skipping: no hosts matched' not in run.output and 'ok=' in run.output, run.output[-3000:]
    assert_no_secret(run.output, SECRETS + [variables['initial_db_admin_password']])
    return run, config_dir


def newest_secret(privx, domain, username):
    return privx.control.secrets(domain, username)[-1]['secret']


def no_checkout_left(privx, timeout=20):
    deadline = time.monotonic() + timeout
    while privx.control.checkouts() and time.monotonic() < deadline:
        time.sleep(0.2)
    return privx.control.checkouts() == []


def usernames(privx, domain):
    return sorted(account['username'] for account in privx.control.managed_accounts(domain))


def test_every_module_and_lookup_has_examples_and_each_is_tested_here():
    tested = {'modules/account_secret_info', 'modules/checkout_release', 'modules/connection_info', 'modules/managed_account',
              'modules/managed_account_batch', 'modules/managed_account_info', 'modules/rotate', 'lookup/checkout'}
    # These run against fixtures of their own, beside the modules' other tests.
    tested_beside = {'modules/password_policy': 'test_password_policy.py', 'modules/password_policy_info': 'test_password_policy.py',
                     'modules/target_domain': 'test_target_domain_examples.py',
                     'modules/target_domain_info': 'test_target_domain_examples.py',
                     'modules/scanned_account': 'test_target_domain_examples.py',
                     'filter/role_arguments': 'test_role_variables.py',
                     'filter/change_summary': 'test_managed_accounts_summary.py',
                     'modules/host_password_rotation': 'test_host_password_rotation.py',
                     'modules/host_password_rotation_info': 'test_host_password_rotation.py',
                     'modules/host_password_rotation_batch': 'test_host_password_rotation_batch.py',
                     'modules/script_template': 'test_host_password_rotation.py',
                     'modules/script_template_info': 'test_host_password_rotation.py',
                     'modules/vault_secret': 'test_vault_secret.py', 'modules/vault_secret_info': 'test_vault_secret.py',
                     'lookup/vault': 'test_vault_secret.py',
                     'modules/identity_provider': 'test_identity_provider.py',
                     'modules/identity_provider_info': 'test_identity_provider.py'}
    assert set(EXAMPLES) == tested | set(tested_beside)
    for key, test_file in tested_beside.items():
        with open(os.path.join(HERE, test_file), encoding='utf-8') as handle:
            assert "'%s'" % key.split('/')[1] in handle.read(), '%s does not run the examples of %s' % (test_file, key)
    modules = {'modules/' + name[:-3] for name in os.listdir(os.path.join(REPO, 'plugins', 'modules'))
               if name.endswith('.py') and not name.startswith('_')}
    assert modules <= set(EXAMPLES)


@pytest.mark.parametrize('key', ['modules/account_secret_info', 'modules/managed_account_info', 'modules/connection_info'])
def test_read_only_examples(ansible, privx, app_service, tmp_path, key):
    before = {domain: usernames(privx, domain) for domain in ('corp.example.com', 'linux-fleet')}
    run = run_example(ansible, privx, key, app_service[0], tmp_path)[0]
    assert 'changed=0' in run.output
    assert {domain: usernames(privx, domain) for domain in before} == before


def test_managed_account_examples(ansible, privx, app_service, tmp_path):
    run_example(ansible, privx, 'modules/managed_account', app_service[0], tmp_path)
    db_admin = privx.control.managed_account('corp.example.com', 'db_admin')
    assert db_admin['comment'] == 'Owned by the DBA team' and db_admin['explicit_checkout'] is True
    assert 'old_service' not in usernames(privx, 'corp.example.com')


def test_managed_account_batch_examples(ansible, privx, app_service, tmp_path):
    run_example(ansible, privx, 'modules/managed_account_batch', app_service[0], tmp_path)
    assert usernames(privx, 'linux-fleet') == ['svc_deploy', 'svc_monitor']
    corp = usernames(privx, 'corp.example.com')
    assert 'old_service' not in corp and 'test_user' not in corp and 'backup_operator' in corp
    assert privx.control.managed_account('corp.example.com', 'backup_operator')['full_name'] == 'Backup Operator'


def test_rotate_examples(ansible, privx, app_service, tmp_path):
    before = len(privx.control.secrets('corp.example.com', 'db_admin'))
    host_before = len(privx.control.host_secrets('web01', 'root'))
    run_example(ansible, privx, 'modules/rotate', app_service[0], tmp_path)
    # The host example waits for its rotation: done by now.
    assert len(privx.control.host_secrets('web01', 'root')) == host_before + 1
    deadline = time.monotonic() + 20
    while len(privx.control.secrets('corp.example.com', 'db_admin')) <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(privx.control.secrets('corp.example.com', 'db_admin')) > before


def test_checkout_release_example(ansible, privx, app_service, tmp_path):
    app_url, received = app_service
    password = newest_secret(privx, 'corp.example.com', 'db_admin')
    run_example(ansible, privx, 'modules/checkout_release', app_url, tmp_path)
    # Both database hosts used the checked-out password; the release left no checkout behind.
    assert received == [('/api/schema', 'db_admin:' + password)] * 2
    assert no_checkout_left(privx)


def test_checkout_lookup_examples(ansible, privx, app_service, tmp_path):
    app_url, received = app_service
    password = newest_secret(privx, 'corp.example.com', 'app_db')
    run, config_dir = run_example(ansible, privx, 'lookup/checkout', app_url, tmp_path)
    assert (config_dir / 'app.conf').read_text() == 'database_password=%s\n' % password
    assert received == [('/api/rotate-keys', 'app_db:' + password)]
    assert json.dumps(password) not in run.output
    assert no_checkout_left(privx)
