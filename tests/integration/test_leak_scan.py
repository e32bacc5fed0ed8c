# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Leak scan: every module and the checkout lookup, run the ways that show the most (-vvvv, --diff, --check, a
failing task, PrivX echoing the request back in its error, ANSIBLE_LOG_PATH, ANSIBLE_KEEP_REMOTE_FILES=1).

No planted value may appear anywhere a run leaves text: stdout, stderr, the log file, the callbacks' output, or any
file under the run's own HOME, TMPDIR and working directory. Planted values are the fixture's passwords and API client
secrets, passwords this test sets, every JWT the tests minted for a token exchange, every access and refresh token the
emulator issued (read from its SQLite file) and every secret version it holds at the end (read through the control
API), each literally, URL-encoded and in base64.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import shutil
import stat
import tempfile
from urllib.parse import quote, quote_plus

import pytest

from conftest import FIXTURE, PLANTED_SECRETS, connection_env
from exchange_tokens import EXCHANGE_PATH, MINTED, mint
from harness import AnsibleRunner
from privx_emulator.harness import EmulatorProcess

NEW_PASSWORD = 'planted-new-leak-user-S3cr3t'
# Characters that a JSON body escapes (a quote, a backslash, non-ASCII) and a run of white space that an error
# message collapses: an echo of the request shows the password only in those forms (issue 17).
CHANGED_PASSWORD = 'planted-changed-leak "Quote\\Inside" Uml\u00e4ut  two  spaces'
# The passwords come from the environment, as from a vault: the playbook file itself holds no secret to find.
PASSWORD_FROM_ENV = "{{ lookup('ansible.builtin.env', 'LEAK_%s_PASSWORD') }}"
# A host account's initial password (host_password_rotation), from the environment as the others.
HOST_PASSWORD = 'planted-host-initial-leak-S3cr3t'
# web02's, through host_password_rotation_batch.
HOST_BATCH_PASSWORD = 'planted-host-batch-initial-leak-S3cr3t'
# Vault data the tests write (from the environment too); the fixture's Vault data is planted there.
VAULT_NEW = 'planted-vault-new-leak-S3cr3t'
VAULT_CHANGED = 'planted-vault-changed-leak "Quote" S3cr3t'
PASSWORD_ENV = {'LEAK_NEW_PASSWORD': NEW_PASSWORD, 'LEAK_CHANGED_PASSWORD': CHANGED_PASSWORD, 'LEAK_HOST_PASSWORD': HOST_PASSWORD,
                'LEAK_HOST_BATCH_PASSWORD': HOST_BATCH_PASSWORD, 'LEAK_VAULT_NEW_PASSWORD': VAULT_NEW,
                'LEAK_VAULT_CHANGED_PASSWORD': VAULT_CHANGED}
# Ansible writes a module's arguments into its AnsiballZ wrapper, and ANSIBLE_KEEP_REMOTE_FILES keeps that file
# (pipelining, which writes no file, is off while it is set): a password given as a module option is in it by
# Ansible's design, whatever the collection does. Those files are scanned for every other value.
VAULT_LOOKUPS_OF_ONE_SECRET = 3
MODULE_ARGUMENTS = {NEW_PASSWORD, CHANGED_PASSWORD, HOST_PASSWORD, HOST_BATCH_PASSWORD, VAULT_NEW, VAULT_CHANGED}
TOKEN_PATH = '/auth/api/v1/oauth/token'
CALLBACKS = 'privx_test_results,privx.secrets.checkouts'
# What the tests below run: every module and the lookup; accounts and paths from tests/integration/fixtures/collection.json.
DOMAINS_AND_USERS = {
    'corp.example.com': ['svc_backup', 'app_reader', 'leak_user', 'bob', 'carol'],
    'dbdomain': ['app_admin', 'app_ro', 'no_checkout'],
    'rotation.example.com': ['overdue', 'recent', 'never', 'failing', 'switched_off'],
}


@pytest.fixture(scope='module')
def emulator(tmp_path_factory):
    """An emulator on a SQLite file, so that the test can read every token it issued."""
    db = tmp_path_factory.mktemp('leak-db') / 'privx.db'
    with EmulatorProcess(fixture=FIXTURE, tls=True, rotation_delay=0.3, db=str(db)) as process:
        process.db_path = str(db)
        yield process


def issued_tokens(privx):
    with sqlite3.connect(privx.db_path) as database:
        rows = database.execute('SELECT access_token, refresh_token FROM tokens').fetchall()
    return [value for row in rows for value in row]


def secret_versions(privx):
    versions = []
    for domain, usernames in DOMAINS_AND_USERS.items():
        for username in usernames:
            try:
                versions.extend(item['secret'] for item in privx.control.secrets(domain, username))
            except Exception:  # pylint: disable=broad-exception-caught
                continue  # no such account (any more)
    versions.extend(item['secret'] for item in privx.control.host_secrets('web01', 'root'))
    versions.extend(vault_values(privx))
    return versions


def vault_values(privx):
    """Every text of every version of every Vault secret's data the emulator holds."""
    def texts(value):
        if isinstance(value, dict):
            return [text for item in value.values() for text in texts(item)]
        if isinstance(value, list):
            return [text for item in value for text in texts(item)]
        return [value] if isinstance(value, str) else []
    return [text for secret in privx.control.vault_secrets()
            for version in privx.control.vault_secret(secret['name'])['versions'] for text in texts(version['data'])]


def encoded_forms(secret):
    """The secret literally, URL-encoded, JSON-escaped (once: an echoed request body; twice: that echo inside a JSON
    result), with its white space collapsed, and its base64 in each of the three alignments inside a longer text."""
    raw = secret.encode('utf-8')
    forms = {quote(secret, safe=''), quote_plus(secret)}
    for offset in range(3):
        encoded = base64.b64encode(b'\0' * offset + raw).decode('ascii')
        core = encoded[(offset * 8 + 5) // 6:(offset + len(raw)) * 8 // 6]
        forms.update((core, core.replace('+', '-').replace('/', '_')))
    texts = set()
    for shown in (secret, ' '.join(secret.split())):
        once = json.dumps(shown)[1:-1]
        texts.update((shown, once, json.dumps(shown, ensure_ascii=False)[1:-1], json.dumps(once)[1:-1]))
    texts.update([' '.join(text.split()) for text in texts])
    forms.update(texts)
    # A server's text cut short may end inside a secret: its first two thirds count as the secret too.
    forms.update(text[:max(12, len(text) * 2 // 3)] for text in texts)
    return forms


def planted_values(privx, extra=()):
    values = (set(PLANTED_SECRETS) | {NEW_PASSWORD, CHANGED_PASSWORD, HOST_PASSWORD, HOST_BATCH_PASSWORD, VAULT_NEW, VAULT_CHANGED}
              | set(extra) | set(MINTED))
    values.update(issued_tokens(privx))
    values.update(secret_versions(privx))
    return sorted(value for value in values if value and len(value) >= 8)


def leaks(text, values):
    found = []
    for value in values:
        for form in encoded_forms(value):
            if form in text:
                found.append('%s... (as %s...)' % (value[:10], form[:10]))
                break
    return found


def scan(run_dir, run, values):
    """Every leak in the run's output and in every file under its HOME, TMPDIR and working directory."""
    found = ['output: %s' % leak for leak in leaks(run.output, values)]
    files = 0
    for folder, _dirs, names in os.walk(run_dir):
        for name in names:
            path = os.path.join(folder, name)
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            files += 1
            with open(path, 'rb') as handle:
                text = handle.read().decode('utf-8', 'replace')
            wanted = [value for value in values if value not in MODULE_ARGUMENTS] if name.startswith('AnsiballZ_') else values
            found.extend('%s: %s' % (os.path.relpath(path, run_dir), leak) for leak in leaks(text, wanted))
    return found, files


class LeakRun:
    """ansible-playbook with a private HOME, TMPDIR and working directory, a log file and the remote files kept."""

    def __init__(self, collections_path, privx, tmp_path, name, client='admin'):
        # A short TMPDIR: ansible-core's local RPC server puts a Unix socket in it, whose path must stay under 108 bytes.
        self.dir = tempfile.mkdtemp(prefix='leak-%s-' % name[:3])
        os.makedirs(os.path.join(self.dir, 'tmp'))
        tmp_path.joinpath('run-%s' % name).symlink_to(self.dir)  # found beside the test's other files
        # The remote temporary directory in the private HOME too: the local connection would otherwise put it in
        # the home directory of the passwd entry.
        env = dict(connection_env(privx, client), ANSIBLE_LOG_PATH=os.path.join(self.dir, 'ansible.log'),
                   ANSIBLE_KEEP_REMOTE_FILES='1', ANSIBLE_REMOTE_TMP=os.path.join(self.dir, 'home', '.ansible', 'tmp'), TMPDIR=os.path.join(self.dir, 'tmp'),
                   ANSIBLE_CALLBACKS_ENABLED=CALLBACKS, **PASSWORD_ENV)
        self.runner = AnsibleRunner(collections_path, self.dir, env)

    def play(self, tasks, **kwargs):
        play = {'name': 'leak scan', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}
        return self.runner.playbook([play], verbosity=4, **kwargs)


def lookup_digest(name, expression):
    # The user's side of the bargain: the secret itself only in no_log tasks; a digest is safe to show.
    return {'name': name, 'ansible.builtin.set_fact': {name.replace(' ', '_'): "{{ (%s) | hash('sha256') }}" % expression}}


def every_module_tasks():
    """One task per module and the lookup, each making a real change where the module can, and one failing task."""
    return [
        {'name': 'create with a password', 'privx.secrets.managed_account': {
            'target_domain': 'corp.example.com', 'username': 'leak_user', 'password': PASSWORD_FROM_ENV % 'NEW', 'comment': 'leak scan'}},
        {'name': 'change the password', 'privx.secrets.managed_account': {
            'target_domain': 'corp.example.com', 'username': 'leak_user', 'password': PASSWORD_FROM_ENV % 'CHANGED',
            'update_password': 'always', 'comment': 'leak scan, changed'}},
        {'name': 'batch', 'privx.secrets.managed_account_batch': {
            'target_domain': 'corp.example.com', 'rotate': True,
            'accounts': [{'username': 'bob'}, {'username': 'carol', 'comment': 'leak scan'}]}},
        {'name': 'info', 'privx.secrets.managed_account_info': {'target_domain': 'dbdomain'}},
        {'name': 'secret info', 'privx.secrets.account_secret_info': {}},
        {'name': 'rotate', 'privx.secrets.rotate': {'target_domain': 'dbdomain', 'usernames': ['app_ro'], 'wait': True}},
        lookup_digest('lookup path', "lookup('privx.secrets.checkout', 'dbdomain/app_admin')"),
        lookup_digest('lookup record', "lookup('privx.secrets.checkout', target_domain='dbdomain', username='app_ro', "
                                       "output='checkout')"),
        {'name': 'release', 'privx.secrets.checkout_release': {'paths': ['dbdomain/app_admin']}},
        {'name': 'script template', 'privx.secrets.script_template': {
            'name': 'leak-template', 'operating_system': 'LINUX', 'script': "{% raw %}echo '{{.Username}}:{{.Password}}' | chpasswd{% endraw %}"}},
        {'name': 'host rotation', 'privx.secrets.host_password_rotation': {
            'host': 'web01', 'operating_system': 'LINUX', 'password_policy': 'default', 'script_template': 'linux-chpasswd',
            'accounts': [{'username': 'root', 'initial_password': PASSWORD_FROM_ENV % 'HOST'}]}},
        {'name': 'host rotation batch', 'privx.secrets.host_password_rotation_batch': {'hosts': [
            {'host': 'web02', 'operating_system': 'LINUX', 'password_policy': 'default', 'script_template': 'linux-chpasswd',
             'accounts': [{'username': 'root', 'initial_password': PASSWORD_FROM_ENV % 'HOST_BATCH'}]}]}},
        {'name': 'rotate host', 'privx.secrets.rotate': {'host': 'web01', 'usernames': ['root'], 'wait': True}},
        {'name': 'host info', 'privx.secrets.host_password_rotation_info': {}},
        lookup_digest('lookup host', "lookup('privx.secrets.checkout', host='web01', username='root')"),
        {'name': 'vault create', 'privx.secrets.vault_secret': {
            'name': 'leak/new', 'data': {'password': PASSWORD_FROM_ENV % 'VAULT_NEW'}, 'read_roles': ['privx-admin']}},
        {'name': 'vault change', 'privx.secrets.vault_secret': {
            'name': 'leak/db', 'data': {'password': PASSWORD_FROM_ENV % 'VAULT_CHANGED', 'port': 5432}}},
        {'name': 'vault info', 'privx.secrets.vault_secret_info': {}},
        lookup_digest('vault lookup', "lookup('privx.secrets.vault', 'leak/db')"),
        lookup_digest('vault lookup key', "lookup('privx.secrets.vault', 'leak/db', key='password')"),
        {'name': 'failing vault lookup', 'ansible.builtin.set_fact': {
            'missing': "{{ lookup('privx.secrets.vault', 'leak/db', key='no_such_key') }}"}, 'ignore_errors': True},
        {'name': 'failing', 'privx.secrets.managed_account': {
            'target_domain': 'no-such-domain.example.com', 'username': 'leak_user', 'password': PASSWORD_FROM_ENV % 'NEW'},
         'ignore_errors': True},
        {'name': 'failing lookup', 'ansible.builtin.set_fact': {
            'missing': "{{ lookup('privx.secrets.checkout', 'dbdomain/no_such_account') }}"}, 'ignore_errors': True},
    ]


def assert_clean(privx, runs, extra=()):
    values = planted_values(privx, extra)
    assert len(values) > 15, values  # the scan looks for something: fixture secrets, tokens, versions
    found = []
    scanned = 0
    for leak_run, run in runs:
        leaked, files = scan(leak_run.dir, run, values)
        scanned += files
        found.extend(leaked)
    assert not found, 'planted values leaked: %s' % found
    assert scanned > 3
    print('leak scan: %d planted values (%d tokens), %d runs, %d files, nothing found' % (
        len(values), len(issued_tokens(privx)), len(runs), scanned))
    assert not privx.control.checkouts(), 'a checkout was left active'
    for leak_run, _run in runs:
        shutil.rmtree(leak_run.dir, ignore_errors=True)


def test_every_module_and_the_lookup_leak_nothing_at_vvvv_with_diff_check_and_a_failing_task(collections_path, privx, tmp_path):
    checked = LeakRun(collections_path, privx, tmp_path, 'check')
    # The lookup gives a placeholder in check mode unless told to check out: told, so that its path is scanned too.
    check_run = checked.play(every_module_tasks(), check=True, diff=True, env={'PRIVX_CHECKOUT_CHECK_MODE': 'checkout'})
    real = LeakRun(collections_path, privx, tmp_path, 'real')
    real_run = real.play(every_module_tasks(), diff=True)
    for leak_run, run in ((checked, check_run), (real, real_run)):
        assert run.rc == 0, run.output[-3000:]
        assert 'Traceback' not in run.output
        assert run.task('failing')['failed'] is True
        assert run.task('failing lookup')['failed'] is True
        assert run.task('failing vault lookup')['failed'] is True
        assert os.path.getsize(os.path.join(leak_run.dir, 'ansible.log')) > 1000
    assert real_run.task('create with a password')['changed'] is True
    assert real_run.task('rotate')['changed'] is True
    assert real_run.task('host rotation')['changed'] is True and real_run.task('rotate host')['changed'] is True
    assert HOST_PASSWORD in [entry['secret'] for entry in privx.control.host_secrets('web01', 'root')]
    assert real_run.task('host rotation batch')['created'] == ['web02']
    assert privx.control.host_secrets('web02', 'root')[-1]['secret'] == HOST_BATCH_PASSWORD
    assert [entry['secret'] for entry in privx.control.secrets('corp.example.com', 'leak_user')][-1] == CHANGED_PASSWORD
    assert real_run.task('vault change')['changed'] is True and check_run.task('vault change')['changed'] is True
    assert privx.control.vault_secret('leak/db')['data']['password'] == VAULT_CHANGED
    assert privx.control.vault_secret('leak/new')['data']['password'] == VAULT_NEW
    # The kept remote files are there to be scanned (the module's AnsiballZ wrapper and its arguments).
    kept = [name for folder, _dirs, names in os.walk(real.runner.home) for name in names if name.startswith('AnsiballZ')]
    assert kept, 'ANSIBLE_KEEP_REMOTE_FILES kept nothing to scan'
    assert_clean(privx, [(checked, check_run), (real, real_run)])


@pytest.mark.parametrize('where', ['token call', 'api calls', 'password write'])
def test_privx_echoing_the_request_in_its_error_leaks_nothing(collections_path, privx, tmp_path, where):
    if where == 'token call':
        # The Basic header carries the OAuth client secret in base64; the form body the API client secret, URL-encoded.
        privx.control.fault(TOKEN_PATH, action='echo', count=None, status=401)
    elif where == 'api calls':
        # Everything but the token call: the Bearer token comes back.
        privx.control.fault('^/(?!auth/)', action='echo', count=None)
    else:
        # Only the calls that carry a password in their body, the body comes back with it.
        privx.control.fault('/password$', action='echo', count=None, method='POST')
    leak_run = LeakRun(collections_path, privx, tmp_path, where.replace(' ', '-'))
    tasks = every_module_tasks()
    for task in tasks:
        task['ignore_errors'] = True
    run = leak_run.play(tasks, diff=True)
    assert 'Traceback' not in run.output
    passed = sorted(task['name'] for task in tasks if not run.task(task['name'])['failed'])
    hits = sum(fault['hits'] for fault in privx.control.faults())
    if where == 'password write':
        assert run.task('change the password')['failed'] is True and hits == 1
    else:
        # Every task that calls PrivX fails; the release has nothing to release (its lookups failed) and calls nothing.
        assert passed == ['release'], 'tasks that did not fail against the echo: %s' % passed
        # The three lookups of leak/db share one read in the run's agent, and so its failure (VAULT_LOOKUPS_OF_ONE_SECRET).
        assert hits >= len(tasks) - 2 - (VAULT_LOOKUPS_OF_ONE_SECRET - 1), privx.control.faults()
    # The echo reached the error messages (scrubbed): the test is not vacuous.
    assert 'headers:' in run.output
    privx.control.clear_faults()
    assert_clean(privx, [(leak_run, run)])


def test_an_access_token_echoed_back_leaks_nothing(collections_path, privx, tmp_path):
    """With access_token instead of API client credentials, the token echoed back in the Authorization header."""
    token_run = LeakRun(collections_path, privx, tmp_path, 'token')
    grant = token_run.play([{'name': 'nothing', 'ansible.builtin.debug': {'msg': 'warm up'}}])
    assert grant.rc == 0
    privx.control.fault('^/(?!auth/)', action='echo', count=None)
    # A token granted through the API like any client would get one; then given to the modules as access_token.
    import requests  # pylint: disable=import-outside-toplevel
    credentials = privx.clients['admin']
    answer = requests.post(privx.url + TOKEN_PATH, auth=(credentials['oauth_client_id'], credentials['oauth_client_secret']),
                           data={'grant_type': 'password', 'username': credentials['client_id'],
                                 'password': credentials['client_secret']}, verify=privx.ca_path, timeout=30)
    token = answer.json()['access_token']
    env = {'PRIVX_CLIENT_ID': '', 'PRIVX_CLIENT_SECRET': '', 'PRIVX_OAUTH_CLIENT_SECRET': '', 'PRIVX_ACCESS_TOKEN': token}
    tasks = [dict(task, ignore_errors=True) for task in every_module_tasks()]
    run = token_run.play(tasks, env=env)
    assert 'Traceback' not in run.output
    assert run.task('info')['failed'] is True and 'headers:' in run.task('info')['msg']
    privx.control.clear_faults()
    assert_clean(privx, [(token_run, run), (token_run, grant)], extra=[token])


def test_the_borrowed_run_token_leaks_nothing_at_vvvv(collections_path, privx, tmp_path):
    """Module tasks on the controller get the run's token from the checkout agent (plugins/action/connection_info.py,
    module_utils/module/run_token.py), with the module files kept, and here PrivX echoes it back in one module's error."""
    privx.control.fault('/password-policies', action='echo', count=None)
    leak_run = LeakRun(collections_path, privx, tmp_path, 'borrowed')
    tasks = [lookup_digest('lookup path', "lookup('privx.secrets.checkout', 'dbdomain/app_admin')"),
             {'name': 'info', 'privx.secrets.managed_account_info': {'target_domain': 'dbdomain'}},
             {'name': 'secret info', 'privx.secrets.account_secret_info': {}},
             {'name': 'echoed', 'privx.secrets.password_policy_info': {}, 'ignore_errors': True}]
    mark = privx.control.mark()
    run = leak_run.play(tasks, diff=True)
    assert run.rc == 0, run.output[-3000:]
    assert run.task('echoed')['failed'] is True and 'headers:' in run.output
    assert 'callback is not enabled' not in run.output  # it is (CALLBACKS)
    # One grant for the lookup and the three module tasks: the modules borrowed the run's token.
    assert [entry['path'] for entry in privx.control.requests(since=mark)].count(TOKEN_PATH) == 1
    privx.control.clear_faults()
    assert_clean(privx, [(leak_run, run)])


def test_a_token_exchange_leaks_no_jwt_access_or_refresh_token(collections_path, privx, tmp_path):
    """Only PRIVX_EXCHANGE_TOKEN_FILE (the file outside the scanned directories): every module and the lookup at -vvvv
    with --diff, a refresh after the tokens expired mid-run, PrivX echoing the exchange (the JWT in its body) and the
    API calls (the Bearer token), and an expired JWT given as PRIVX_EXCHANGE_TOKEN."""
    token_file = tmp_path / 'exchange-token'
    token_file.write_text(mint('ci-admin'))
    exchange_env = {'PRIVX_CLIENT_ID': '', 'PRIVX_CLIENT_SECRET': '', 'PRIVX_OAUTH_CLIENT_SECRET': '',
                    'PRIVX_EXCHANGE_TOKEN_FILE': str(token_file)}
    leak_run = LeakRun(collections_path, privx, tmp_path, 'exchange')
    tasks = every_module_tasks()
    # The PrivX tokens expire mid-run: the lookup's agent renews its token with the refresh token.
    tasks.insert(7, {'name': 'expire', 'ansible.builtin.uri': {
        'url': privx.url + '/_emulator/tokens/expire', 'method': 'POST', 'body_format': 'json', 'body': {},
        'ca_path': privx.ca_path}})
    real = leak_run.play(tasks, diff=True, env=exchange_env)
    assert real.rc == 0, real.output[-3000:]
    assert real.task('create with a password')['changed'] is True
    grants = [token['grant_type'] for token in privx.control.tokens()]
    assert 'token_exchange' in grants and 'refresh_token' in grants, grants

    echoed = []
    few = [dict(task, ignore_errors=True) for task in every_module_tasks() if task['name'] in ('secret info', 'lookup path')]
    for path, status in ((EXCHANGE_PATH, 401), ('^/(?!auth/)', 400)):
        privx.control.fault(path, action='echo', count=None, status=status)
        run = leak_run.play(few, env=exchange_env)
        assert run.task('secret info')['failed'] is True and 'headers:' in run.task('secret info')['msg'], run.task('secret info')
        privx.control.clear_faults()
        echoed.append(run)

    expired_token = mint('ci-admin', expired_at=1767225600)
    expired = leak_run.play(few, env=dict(exchange_env, PRIVX_EXCHANGE_TOKEN_FILE='', PRIVX_EXCHANGE_TOKEN=expired_token))
    assert 'expired at 2026-01-01T00:00:00Z' in expired.task('secret info')['msg']
    assert_clean(privx, [(leak_run, real)] + [(leak_run, run) for run in echoed] + [(leak_run, expired)])
