# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Both roles' variables as users give them, through the playbooks the collection ships.

Three forms: typed JSON (``-e '{"x": false}'``), ``-e key=value`` text, and AWX survey answers (``-e @file`` of
strings, and lists for multiple-choice questions: AWX hands a job's extra variables to ansible-runner, which passes
them so). Each cell sets every variable of a role in one run and is judged by what the emulator holds afterwards and
what its request log shows; a variable whose effect is not on PrivX (``rotation_wait_timeout``) by the module arguments
the role sent. tests/compat.sh runs this file on the oldest ansible-core, tests/run.sh on the newest.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from conftest import HERE, assert_no_secret, plugin_examples, planted_secrets
from test_password_policy import policies
from test_target_domain import PrivXReader

EMULATOR_FIXTURE = os.path.join(HERE, 'fixtures', 'roles.json')
SECRETS = planted_secrets(EMULATOR_FIXTURE)
FIXTURE_POLICIES = ['default', 'legacy', 'strict']
MANAGED_ACCOUNTS = '- ansible.builtin.import_playbook: privx.secrets.managed_accounts\n'
ROTATE = '- ansible.builtin.import_playbook: privx.secrets.rotate\n'
TASK = '%s : %s'
FILTER = 'role_arguments'
# ansible-core 2.21 adds the module arguments to a result only when asked (2.16 always does).
INVOCATION = {'ANSIBLE_INJECT_INVOCATION': 'true'}


def extra_vars(form, variables, tmp_path):
    """The -e arguments of one form: JSON as it is, key=value and survey answers as the text they are."""
    if form == 'json':
        return [json.dumps(variables)]
    if form == 'key=value':
        return ['%s=%s' % (name, value) for name, value in variables.items()]
    survey = tmp_path / 'survey.json'
    survey.write_text(json.dumps(variables), encoding='utf-8')
    return ['@' + str(survey)]


def as_text(value):
    """JSON text as a user types it after -e key= (no space outside quotes: -e key=value splits its argument there)."""
    return json.dumps(value, separators=(',', ':'))


def as_answer(value):
    """JSON text as a survey's text area holds it, lines and indents included."""
    return json.dumps(value, indent=2)


def requests_to(privx, mark, method, suffix):
    return [entry for entry in privx.control.requests(since=mark) if entry['method'] == method and entry['path'].endswith(suffix)]


def newest_version(privx, domain, username):
    return max(entry['version'] for entry in privx.control.secrets(domain, username))


def versions(privx, accounts):
    return {(domain, username): newest_version(privx, domain, username) for domain, username in accounts}


def passed(run):
    assert run.rc == 0, run.output[-4000:]
    assert 'Traceback' not in run.output
    assert_no_secret(run.output, SECRETS + [BIND_PASSWORD])
    return run


# -- managed_accounts ---------------------------------------------------------------------------------------------

DECLARED_POLICIES = [{'name': 'default'}, {'name': 'quarterly', 'rotation_interval': '90d', 'password_min_length': 20}]
BIND_PASSWORD = 'planted-roles-bind-S3cr3t'
DECLARED_DOMAINS = [{'name': 'corp.example.com', 'comment': 'declared through a survey', 'endpoints': [
    {'type': 'AD', 'ldap_address': 'dc01.corp.example.com', 'ldap_base_dn': 'DC=corp,DC=example,DC=com',
     'ldap_bind_dn': 'CN=privx,DC=corp,DC=example,DC=com', 'ldap_bind_password': BIND_PASSWORD}]}]
DECLARED_ACCOUNTS = [{'target_domain': 'corp.example.com', 'accounts': [
    {'username': 'alice', 'password_policy': 'quarterly'}, {'username': 'bob', 'password_policy': 'quarterly'}]}]

# Per form: the declaration (exclusive true, allow_delete_all false, batches of one account), then nothing declared
# with exclusive false and allow_delete_all true, which must delete nothing.
MANAGED_ACCOUNTS_CELLS = {
    'json': ({'privx_password_policies': DECLARED_POLICIES, 'privx_password_policies_exclusive': True,
              'privx_password_policies_allow_delete_all': False, 'privx_target_domains': DECLARED_DOMAINS,
              'privx_managed_accounts': DECLARED_ACCOUNTS, 'managed_accounts_batch_size': 1},
             {'privx_password_policies_exclusive': False, 'privx_password_policies_allow_delete_all': True}),
    'key=value': ({'privx_password_policies': as_text(DECLARED_POLICIES), 'privx_password_policies_exclusive': 'yes',
                   'privx_password_policies_allow_delete_all': 'NO', 'privx_target_domains': as_text(DECLARED_DOMAINS),
                   'privx_managed_accounts': as_text(DECLARED_ACCOUNTS), 'managed_accounts_batch_size': '1'},
                  {'privx_password_policies_exclusive': 'off', 'privx_password_policies_allow_delete_all': 'TRUE'}),
    'survey': ({'privx_password_policies': as_answer(DECLARED_POLICIES), 'privx_password_policies_exclusive': 'True',
                'privx_password_policies_allow_delete_all': 'false', 'privx_target_domains': as_answer(DECLARED_DOMAINS),
                'privx_managed_accounts': as_answer(DECLARED_ACCOUNTS), 'managed_accounts_batch_size': '1'},
               {'privx_password_policies_exclusive': '0', 'privx_password_policies_allow_delete_all': 'Yes'}),
}


@pytest.mark.parametrize('form', sorted(MANAGED_ACCOUNTS_CELLS))
def test_managed_accounts_variables_in_every_form(ansible, privx, tmp_path, form):
    declaration, keep = MANAGED_ACCOUNTS_CELLS[form]
    mark = privx.control.mark()
    # -vvvv once: the bind password, read from text and kept in a fact, must not show even there.
    passed(ansible.playbook(MANAGED_ACCOUNTS, extra_vars=extra_vars(form, declaration, tmp_path), verbosity=4 if form == 'survey' else 0))
    assert [secret['ldap_bind_password'] for secret in privx.control.target_domain_secrets('corp.example.com')] == [BIND_PASSWORD]
    held = policies(privx)
    assert sorted(held) == ['default', 'quarterly'], 'exclusive deletes the undeclared policies, and only those'
    assert held['quarterly']['rotation_interval'] == 'P90D' and held['quarterly']['password_min_length'] == 20
    assert PrivXReader(privx).domain('corp.example.com')['comment'] == 'declared through a survey'
    managed = {account['username']: account for account in privx.control.managed_accounts('corp.example.com')}
    assert {name: managed[name]['password_policy']['name'] for name in ('alice', 'bob')} == {'alice': 'quarterly', 'bob': 'quarterly'}
    assert len(requests_to(privx, mark, 'POST', '/managedaccounts/batch/create')) == 2, 'managed_accounts_batch_size 1'

    privx.control.reset()
    mark = privx.control.mark()
    passed(ansible.playbook(MANAGED_ACCOUNTS, extra_vars=extra_vars(form, keep, tmp_path)))
    assert sorted(policies(privx)) == FIXTURE_POLICIES
    assert [entry for entry in privx.control.requests(since=mark) if entry['method'] == 'DELETE'] == []


def test_exclusive_false_as_text_deletes_nothing_and_true_deletes_as_documented(ansible, privx, tmp_path):
    """The issue's data loss: -e privx_password_policies_exclusive=false deleted every unused undeclared policy (2.16-2.18)
    or failed ("Conditionals must have a boolean result", 2.19 and later)."""
    guard = {'privx_password_policies_exclusive': 'false', 'privx_password_policies_allow_delete_all': 'false'}
    mark = privx.control.mark()
    passed(ansible.playbook(MANAGED_ACCOUNTS, extra_vars=extra_vars('key=value', guard, tmp_path)))
    assert sorted(policies(privx)) == FIXTURE_POLICIES
    assert [entry for entry in privx.control.requests(since=mark) if entry['method'] == 'DELETE'] == []

    # Nothing declared, exclusive without allow_delete_all: refused before any call.
    mark = privx.control.mark()
    run = ansible.playbook(MANAGED_ACCOUNTS, extra_vars=extra_vars('key=value', dict(guard, privx_password_policies_exclusive='true'), tmp_path))
    assert run.rc != 0 and 'set privx_password_policies_allow_delete_all: true if that is what you mean' in run.output
    assert privx.control.requests(since=mark) == []

    # Both true: every policy PrivX holds is deleted (none is in use in this fixture).
    passed(ansible.playbook(MANAGED_ACCOUNTS, extra_vars=extra_vars('key=value', {
        'privx_password_policies_exclusive': 'true', 'privx_password_policies_allow_delete_all': 'true'}, tmp_path)))
    assert policies(privx) == {}


# -- rotation -------------------------------------------------------------------------------------------------------

LINUX = 'linux-local'
DB = 'dbdomain'
ALL_ACCOUNTS = [(LINUX, 'svc_db'), (LINUX, 'app_admin'), (LINUX, 'web_deploy'), (LINUX, 'svc_recent'), (DB, 'app_admin'), (DB, 'app_ro')]


def summary(run):
    """The summary table's rows as {(domain, account): (before, after, status)}, and its last line."""
    lines = run.task(TASK % ('privx.secrets.rotation', 'Rotation summary'))['msg']
    assert lines[0].split() == ['DOMAIN', 'ACCOUNT', 'BEFORE', 'AFTER', 'STATUS'], lines
    rows = {}
    for line in lines[1:-1]:
        if not line.startswith('FAILED '):
            domain, account, before, after, status = line.split(None, 4)
            rows[(domain, account)] = (before, after, status)
    return rows, lines[-1]


def rotate_arguments(run):
    """The arguments the role gave privx.secrets.rotate, by target domain."""
    results = run.task(TASK % ('privx.secrets.rotation', 'Rotate the passwords that are due'))['results']
    return {result['domain']: result['invocation']['module_args'] for result in results}


def rotated_by(privx, mark):
    """The rotate calls the run sent, from the request log."""
    return [entry['path'] for entry in privx.control.requests(since=mark) if entry['path'].endswith('/rotate')]


def test_rotation_survey_rotates_exactly_the_named_accounts_that_are_due(ansible, privx, tmp_path):
    """The issue's must-show: survey text for one domain, two usernames, 7d, wait; then the same job again."""
    survey = {'rotation_target_domains': LINUX, 'rotation_usernames': 'svc_db,app_admin', 'rotation_older_than': '7d',
              'rotation_wait': 'true', 'rotation_wait_timeout': '120'}
    before = versions(privx, ALL_ACCOUNTS)
    run = passed(ansible.playbook(ROTATE, extra_vars=extra_vars('survey', survey, tmp_path), env=INVOCATION))
    after = versions(privx, ALL_ACCOUNTS)
    changed = {account: (before[account], after[account]) for account in ALL_ACCOUNTS if after[account] != before[account]}
    assert changed == {(LINUX, 'svc_db'): (1, 2), (LINUX, 'app_admin'): (1, 2)}
    for username in ('svc_db', 'app_admin'):
        history = privx.control.managed_account(LINUX, username)['rotation_history']
        assert history[-1]['status'] == 'SUCCESS' and history[-1]['version'] == 2, history
    rows, last = summary(run)
    assert rows == {(LINUX, 'app_admin'): ('1', '2', 'SUCCESS'), (LINUX, 'svc_db'): ('1', '2', 'SUCCESS')}
    assert last == '2 rotated, 0 not rotated, 0 failed'
    arguments = rotate_arguments(run)
    assert sorted(arguments) == [LINUX] and arguments[LINUX]['usernames'] == ['svc_db', 'app_admin']
    assert arguments[LINUX]['wait'] is True and arguments[LINUX]['wait_timeout'] == 120 and arguments[LINUX]['all'] is False
    stats = run.task(TASK % ('privx.secrets.rotation', 'Publish the report to AWX'))['ansible_stats']['data']['rotation_report']
    assert stats['rotated'] == 2 and stats['failures'] == []

    # The same job again: both were rotated just now, so neither is due.
    mark = privx.control.mark()
    run = passed(ansible.playbook(ROTATE, extra_vars=extra_vars('survey', survey, tmp_path)))
    assert versions(privx, ALL_ACCOUNTS) == after and rotated_by(privx, mark) == []
    rows, last = summary(run)
    assert {account: row[2].split(':')[0] for account, row in rows.items()} == {
        (LINUX, 'app_admin'): 'SKIPPED (not due', (LINUX, 'svc_db'): 'SKIPPED (not due'}
    assert last == '0 rotated, 2 not rotated, 0 failed'


# Per form: two domains, bare and domain/username entries. svc_recent was rotated in 2099: never due by age.
ROTATION_CELLS = {
    'json': {'rotation_target_domains': [LINUX, DB], 'rotation_usernames': ['svc_db', 'svc_recent', 'dbdomain/app_ro'],
             'rotation_older_than': '', 'rotation_wait': True, 'rotation_wait_timeout': 120},
    'key=value': {'rotation_target_domains': '%s,%s' % (LINUX, DB), 'rotation_usernames': 'app_admin,svc_recent',
                  'rotation_older_than': '30d', 'rotation_wait': 'FALSE', 'rotation_wait_timeout': '90'},
    # A multiple-choice survey question gives a list; a text question gives text.
    'survey': {'rotation_target_domains': [LINUX, DB], 'rotation_usernames': 'svc_db, dbdomain/app_admin\n',
               'rotation_older_than': '7d', 'rotation_wait': 'yes', 'rotation_wait_timeout': '100'},
}
# What each cell rotates, what its summary says of each named account (WAITED: the version went up), and what the
# role gave privx.secrets.rotate for wait and wait_timeout.
ROTATION_OUTCOMES = {
    'json': ({(LINUX, 'svc_db'): 'SUCCESS', (LINUX, 'svc_recent'): 'SUCCESS', (DB, 'app_ro'): 'SUCCESS',
              (DB, 'svc_db'): 'SKIPPED (not in this domain)', (DB, 'svc_recent'): 'SKIPPED (not in this domain)'},
             (True, 120)),
    'key=value': ({(LINUX, 'app_admin'): 'STARTED', (DB, 'app_admin'): 'STARTED',
                   (LINUX, 'svc_recent'): 'SKIPPED (not due: last rotated 2099-01-01T00:00:00Z)',
                   (DB, 'svc_recent'): 'SKIPPED (not in this domain)'},
                  (False, 90)),
    'survey': ({(LINUX, 'svc_db'): 'SUCCESS', (DB, 'app_admin'): 'SUCCESS', (DB, 'svc_db'): 'SKIPPED (not in this domain)'},
               (True, 100)),
}


@pytest.mark.parametrize('form', sorted(ROTATION_CELLS))
def test_rotation_variables_in_every_form(ansible, privx, tmp_path, form):
    statuses, (wait, wait_timeout) = ROTATION_OUTCOMES[form]
    before = versions(privx, ALL_ACCOUNTS)
    run = passed(ansible.playbook(ROTATE, extra_vars=extra_vars(form, ROTATION_CELLS[form], tmp_path), env=INVOCATION))
    rows, last = summary(run)
    assert {account: row[2] for account, row in rows.items()} == statuses
    started = sorted(account for account, status in statuses.items() if status in ('SUCCESS', 'STARTED'))
    for account in started:
        privx.wait_until(lambda account=account: newest_version(privx, *account) == before[account] + 1, timeout=30,
                         message='the rotation of %s/%s' % account)
    assert sorted(account for account in ALL_ACCOUNTS if newest_version(privx, *account) != before[account]) == started
    arguments = rotate_arguments(run)
    assert {(domain, args['wait'], args['wait_timeout']) for domain, args in arguments.items()} == {
        (domain, wait, wait_timeout) for domain in (LINUX, DB)}
    assert last == '%d rotated, %d not rotated, 0 failed' % (
        len([status for status in statuses.values() if status == 'SUCCESS']),
        len([status for status in statuses.values() if status != 'SUCCESS']))


def test_the_examples_of_the_role_arguments_filter(ansible):
    tasks = yaml.safe_load(plugin_examples()['filter/' + FILTER])
    run = passed(ansible.playbook([{'name': 'EXAMPLES of role_arguments', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]))
    assert run.task('The variables, converted')['msg'] == 'All assertions passed'
