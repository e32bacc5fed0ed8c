# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The managed_accounts role says what it did, by name, at default verbosity: the example playbook of its README.

From tests/emulator/fixtures/unscanned.json, a first run leaves four managed accounts (svc004 with a stored password,
so with secret history) and a policy the README does not declare. Then the README's example, as written there
(exclusive: true over svc001 and svc002), with privx_password_policies_exclusive given as text, as an AWX survey
gives it: check mode names what it would delete and deletes nothing; the real run names what it deleted, level by
level, and publishes the same with set_stats (shown by ANSIBLE_SHOW_CUSTOM_STATS).
"""

from __future__ import annotations

import json
import os
import re

import yaml

from conftest import REPO, plugin_examples
from test_password_policy import policies

EMULATOR_FIXTURE = os.path.join(REPO, 'tests', 'emulator', 'fixtures', 'unscanned.json')
DOMAIN = 'ad.example.com'
BIND_PASSWORD = 'planted-summary-bind-password-2718'
ACCOUNT_PASSWORD = 'planted-summary-account-password-3141'
FILTER = 'change_summary'
SUMMARY_TASK = 'privx.secrets.managed_accounts : Summary of what changed in PrivX'


def readme_play():
    """The example playbook of roles/managed_accounts/README.md, as a user copies it."""
    with open(os.path.join(REPO, 'roles', 'managed_accounts', 'README.md'), encoding='utf-8') as handle:
        text = handle.read()
    section = text[text.index('## Example playbook'):]
    (play,) = yaml.safe_load(re.search(r'```yaml\n(.*?)```', section, re.S).group(1))
    return play


def setup_play():
    """The README's play with two more accounts (svc004 stored a password) and a policy the README does not declare."""
    play = readme_play()
    role_vars = play['roles'][0]['vars']
    role_vars['privx_password_policies'].append({'name': 'ad-legacy', 'rotation_interval': '90d'})
    role_vars['privx_managed_accounts'][0]['accounts'].append({'username': 'svc003', 'password_policy': 'ad-standard'})
    play['tasks'] = [{'name': 'Store a password for svc004', 'privx.secrets.managed_account': {
        'target_domain': DOMAIN, 'username': 'svc004', 'password': ACCOUNT_PASSWORD, 'password_policy': 'ad-standard'}}]
    return play


def summary_lines(run):
    return run.task(SUMMARY_TASK)['msg']


def custom_stats(run):
    """The set_stats data ansible-playbook printed under CUSTOM STATS (ANSIBLE_SHOW_CUSTOM_STATS)."""
    section = run.stdout[run.stdout.index('CUSTOM STATS'):]
    found = re.search(r'RUN: (\{.*\})', section)
    assert found, section
    return json.loads(found.group(1))


def test_the_readme_example_names_what_it_deletes_in_check_mode_and_in_the_real_run(ansible, privx):
    secrets = {'vault_ad_bind_password': BIND_PASSWORD}
    setup = ansible.playbook([setup_play()], extra_vars=secrets)
    assert setup.rc == 0, setup.output[-4000:]
    assert summary_lines(setup) == ['password policies: created ad-standard, ad-privileged, ad-legacy',
                                    'target domains: updated ad.example.com',
                                    'managed accounts: created svc001, svc002, svc003']
    assert setup.task('Store a password for svc004')['msg'] == "created managed account 'svc004'"
    assert privx.control.secrets(DOMAIN, 'svc004'), 'svc004 has no secret history'
    accounts = sorted(account['username'] for account in privx.control.managed_accounts(DOMAIN))
    assert accounts == ['svc001', 'svc002', 'svc003', 'svc004']

    # A survey's text: 'true' is true. Default verbosity, as AWX's job output shows it.
    arguments = [json.dumps(secrets), 'privx_password_policies_exclusive=true']
    mark = privx.control.mark()
    # The filter's EXAMPLES ride along, in a play of their own.
    examples = {'name': 'EXAMPLES of change_summary', 'hosts': 'localhost', 'gather_facts': False,
                'tasks': yaml.safe_load(plugin_examples()['filter/' + FILTER])}
    check = ansible.playbook([readme_play(), examples], check=True, extra_vars=arguments)
    assert check.rc == 0, check.output[-4000:]
    assert [entry for entry in privx.control.requests(since=mark) if entry['method'] in ('PUT', 'DELETE')] == []
    expected = ['password policies: would delete ad-legacy', 'target domains: no change',
                'managed accounts: would delete svc003, svc004']
    assert summary_lines(check) == expected
    for line in expected:
        assert line in check.stdout, check.stdout[-4000:]
    batch = check.task('privx.secrets.managed_accounts : Converge the managed accounts of each target domain')
    assert batch['results'][0]['msg'] == 'would delete 2: svc003, svc004'
    assert sorted(account['username'] for account in privx.control.managed_accounts(DOMAIN)) == accounts
    assert sorted(policies(privx)) == ['ad-legacy', 'ad-privileged', 'ad-standard']
    assert check.task('Say what the run did')['msg'] == ['password policies: would create app-standard, app-privileged']

    run = ansible.playbook([readme_play()], extra_vars=arguments, env={'ANSIBLE_SHOW_CUSTOM_STATS': 'true'})
    assert run.rc == 0, run.output[-4000:]
    expected = ['password policies: deleted ad-legacy', 'target domains: no change', 'managed accounts: deleted svc003, svc004']
    assert summary_lines(run) == expected
    for line in expected:
        assert line in run.stdout, run.stdout[-4000:]
    nothing = {'created': [], 'updated': [], 'deleted': []}
    assert custom_stats(run) == {'managed_accounts_summary': {'check_mode': False, 'levels': {
        'privx_password_policies': dict(nothing, deleted=['ad-legacy']),
        'privx_target_domains': nothing,
        'privx_managed_accounts': dict(nothing, deleted=['svc003', 'svc004'])}}}
    assert sorted(account['username'] for account in privx.control.managed_accounts(DOMAIN)) == ['svc001', 'svc002']
    assert sorted(policies(privx)) == ['ad-privileged', 'ad-standard']
    for text in (setup.output, check.output, run.output, repr(setup.results + check.results + run.results)):
        assert BIND_PASSWORD not in text and ACCOUNT_PASSWORD not in text
