# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input across every module's options, the lookup's terms and options, and both roles' variables.

Each case fails with one line that names the option and the problem, shows no traceback (the run is at -vvv, where
Ansible would print one), and changes nothing in PrivX: the emulator's state is read before and after through the
control API, and the request log shows no write. The cases run as tasks of a few playbooks (ignore_errors, results
from the test callback) rather than one ansible-playbook each, to keep the suite fast.
"""

from __future__ import annotations

import requests
import yaml

from conftest import PLANTED_SECRETS, assert_no_secret

DOMAINS = ('corp.example.com', 'dbdomain', 'rotation.example.com')
TOKEN_PATH = '/auth/api/v1/oauth/token'
# Calls that change nothing although they are POSTs.
READ_POSTS = ('/search', TOKEN_PATH)
LONG_NAME = 'u' * 255
MA = 'privx.secrets.managed_account'
BATCH = 'privx.secrets.managed_account_batch'
INFO = 'privx.secrets.managed_account_info'
ROTATE = 'privx.secrets.rotate'
SECRETS = 'privx.secrets.account_secret_info'
RELEASE = 'privx.secrets.checkout_release'
# No API client credentials (empty counts as unset): for the access_token cases.
NO_CLIENT = {'PRIVX_CLIENT_ID': '', 'PRIVX_CLIENT_SECRET': '', 'PRIVX_OAUTH_CLIENT_SECRET': ''}


def ma(**args):
    return {MA: dict({'target_domain': 'corp.example.com', 'username': 'alice'}, **args)}


def batch(**args):
    return {BATCH: dict({'target_domain': 'corp.example.com', 'accounts': [{'username': 'alice'}]}, **args)}


def info(**args):
    return {INFO: dict({'target_domain': 'corp.example.com'}, **args)}


def rotate(**args):
    return {ROTATE: dict({'target_domain': 'rotation.example.com', 'usernames': ['overdue']}, **args)}


def lookup(arguments):
    return {'ansible.builtin.set_fact': {'value': "{{ lookup('privx.secrets.checkout', %s) | hash('sha256') }}" % arguments}}


def role(name, variables):
    """A role whose failure (its argument check stops the play, ignore_errors or not) is caught by a rescue task."""
    return {'block': [{'name': 'include', 'ansible.builtin.include_role': {'name': name}, 'vars': variables}],
            'rescue': [{'ansible.builtin.set_fact': {'failure': '{{ ansible_failed_result }}'}}]}


# (case, task, words the message must contain: the option and the problem)
MODULE_CASES = [
    # managed_account
    ('ma: no username', {MA: {'target_domain': 'corp.example.com'}}, ['username', 'missing']),
    ('ma: unknown state', ma(state='gone'), ['state', 'present, absent', 'gone']),
    ('ma: enabled not a boolean', ma(enabled='maybe'), ['enabled', 'bool']),
    ('ma: empty username', ma(username=''), ['username', 'empty']),
    ('ma: blank username', ma(username='   '), ['username']),
    ('ma: unknown target domain', ma(target_domain='nope.example.com'), ['target_domain', 'nope.example.com']),
    ('ma: empty target domain', ma(target_domain=''), ['target_domain']),
    ('ma: unknown password policy', ma(password_policy='no-such-policy'), ['password_policy', 'no-such-policy']),
    ('ma: unknown account_state', ma(account_state='BOGUS'), ['account_state', 'BOGUS']),
    ('ma: username differing only in case', ma(username='SVC_BACKUP'), ['username', 'SVC_BACKUP', 'svc_backup']),
    ('ma: unicode username with a trailing space', ma(username='\u00e5sa-\u00f6berg '), ['username', 'spaces']),
    ('ma: additional_data not a dict', ma(additional_data='text'), ['additional_data', 'dict']),
    ('ma: additional_data value not a string', ma(additional_data={'tier': 2}), ['additional_data.tier', 'must be a string']),
    ('ma: unknown update_password', ma(update_password='sometimes'), ['update_password', 'sometimes']),
    ('ma: unknown option', ma(pasword='x'), ['pasword', 'Unsupported']),
    ('ma: rotate an account being deleted', ma(username='svc_backup', state='absent', rotate=True), ['rotate', 'absent']),
    # managed_account_batch
    # ansible-core's own text for a list element that is no dict: it does not name the option (a known limit).
    ('batch: accounts not a list of dicts', batch(accounts='alice'), ['dictionary requested']),
    ('batch: entry without username', batch(accounts=[{'comment': 'x'}]), ['username', 'accounts']),
    ('batch: additional_data value not a string', batch(accounts=[{'username': 'alice', 'additional_data': {'tier': 2}}]),
     ['accounts[alice].additional_data.tier', 'must be a string']),
    ('batch: entry with an unknown key', batch(accounts=[{'username': 'alice', 'usernme': 'x'}]), ['usernme']),
    ('batch: duplicate username', batch(accounts=[{'username': 'alice'}, {'username': 'bob'}, {'username': 'alice'}]),
     ['alice', 'more than once']),
    ('batch: duplicate differing only in case', batch(accounts=[{'username': 'alice'}, {'username': 'ALICE'}]),
     ['alice', 'ALICE']),
    ('batch: unknown target domain', batch(target_domain='nope.example.com'), ['target_domain', 'nope.example.com']),
    ('batch: unknown password policy', batch(accounts=[{'username': 'alice', 'password_policy': 'nope'}]),
     ['password_policy', 'nope']),
    ('batch: unknown account_state', batch(accounts=[{'username': 'alice', 'account_state': 'BOGUS'}]), ['account_state', 'BOGUS']),
    ('batch: batch_size 0', batch(batch_size=0), ['batch_size']),
    ('batch: exclusive with absent', batch(state='absent', exclusive=True), ['exclusive', 'absent']),
    ('batch: delete every managed account', batch(accounts=[], exclusive=True), ['allow_delete_all']),
    ('batch: username not in the domain', batch(accounts=[{'username': 'zed'}]), ['zed']),
    ('batch: unicode username not in the domain', batch(accounts=[{'username': '\u00e5sa-\u00f6berg'}]), ['\u00e5sa-\u00f6berg']),
    ('batch: 255-character username', batch(accounts=[{'username': LONG_NAME}]), [LONG_NAME[:40]]),
    ('batch: a username differing only in case from a scanned one', batch(accounts=[{'username': 'Alice'}]),
     ['Alice', 'alice']),
    # managed_account_info
    ('info: username and id', info(username='alice', id='8a7c2d1e-0b5f-4c3a-9e6d-1f2a3b4c5d6e'), ['username', 'id', 'mutually exclusive']),
    ('info: malformed date', info(created_after='yesterday'), ['created_after', 'yesterday']),
    ('info: explicit_checkout not a boolean', info(explicit_checkout='often'), ['explicit_checkout', 'bool']),
    ('info: unknown target domain', info(target_domain='nope.example.com'), ['target_domain', 'nope.example.com']),
    # rotate
    ('rotate: usernames and all', rotate(all=True), ['usernames', 'all', 'mutually exclusive']),
    ('rotate: neither usernames nor all', {ROTATE: {'target_domain': 'rotation.example.com'}}, ['usernames', 'all']),
    ('rotate: malformed older_than', rotate(older_than='30x'), ['older_than', '30x']),
    ('rotate: negative wait_timeout', rotate(wait_timeout=-1), ['wait_timeout']),
    ('rotate: wait_timeout not a number', rotate(wait_timeout='soon'), ['wait_timeout', 'int']),
    ('rotate: unknown username', rotate(usernames=['nobody_here']), ['nobody_here']),
    ('rotate: empty username', rotate(usernames=['']), ['usernames', 'empty']),
    ('rotate: unicode username', rotate(usernames=['\u00f6verdue']), ['\u00f6verdue']),
    ('rotate: 255-character username', rotate(usernames=[LONG_NAME]), [LONG_NAME[:40]]),
    # account_secret_info
    ('secrets: unknown option', {SECRETS: {'keyword': 'x'}}, ['keyword', 'Unsupported']),
    # checkout_release
    ('release: paths and all', {RELEASE: {'paths': ['dbdomain/app_admin'], 'all': True}}, ['paths', 'all', 'mutually exclusive']),
    ('release: neither paths nor all', {RELEASE: {}}, ['paths', 'all']),
    # connection options
    ('url with a path', ma(url='https://127.0.0.1:1/privx'), ['url', 'path']),
    ('url with a query', ma(url='https://127.0.0.1:1/?tenant=x'), ['url', 'query']),
    ('url with user:pass@', ma(url='https://admin:hunter2hunter2@127.0.0.1:1'), ['url', 'user:password@']),
    ('url without a scheme', ma(url='privx.example.com'), ['url', 'scheme']),
    ('ca_path a directory', ma(ca_path='/'), ['ca_path', 'not a file']),
    ('ca_path missing', ma(ca_path='/nonexistent/ca.pem'), ['ca_path', 'does not exist']),
    ('timeout 0', ma(timeout=0), ['timeout', 'at least 1']),
    ('retries not a number', ma(retries='many'), ['retries', 'int']),
    ('validate_certs not a boolean', ma(validate_certs='perhaps'), ['validate_certs', 'bool']),
    ('malformed access_token', dict(ma(access_token='not a token'), environment=NO_CLIENT), ['access_token', 'white space']),
    ('unknown access_token', dict(ma(access_token='bm90LWEtdG9rZW4'), environment=NO_CLIENT), ['access token', 'invalid']),
    ('access_token with credentials', ma(access_token='bm90LWEtdG9rZW4'), ['access_token', 'credentials']),
    ('incomplete credentials', dict(ma(), environment={'PRIVX_OAUTH_CLIENT_SECRET': ''}), ['oauth_client_secret', 'not set']),
]

LOOKUP_CASES = [
    ('lookup: no path', lookup("''"), ['secret path', 'empty']),
    ('lookup: no terms at all', {'ansible.builtin.set_fact': {'value': "{{ lookup('privx.secrets.checkout') }}"}},
     ['secret path']),
    ('lookup: a number', lookup('42'), ['secret path', 'string']),
    ('lookup: None', lookup('None'), ['secret path', 'string']),
    # A list stands for its paths (issue 17); a list inside it is no path.
    ('lookup: a list in a list', lookup("[['dbdomain/app_admin']]"), ['a secret path must be a string, not list']),
    ('lookup: path and target_domain', lookup("'dbdomain/app_admin', target_domain='dbdomain', username='app_admin'"),
     ['target_domain', 'not both']),
    ('lookup: target_domain without username', lookup("target_domain='dbdomain'"), ['target_domain', 'username']),
    ('lookup: unknown output', lookup("'dbdomain/app_admin', output='json'"), ['output', 'json']),
    ('lookup: unknown option', lookup("'dbdomain/app_admin', outptu='secret'"), ['outptu']),
    ('lookup: unknown target domain', lookup("target_domain='nope.example.com', username='app_admin'"), ['nope.example.com']),
    ('lookup: unknown account', lookup("'dbdomain/nobody_here'"), ['dbdomain/nobody_here']),
    ('lookup: unicode username', lookup("target_domain='dbdomain', username='\u00e5pp_admin'"), ['\u00e5pp_admin']),
    ('lookup: 255-character username', lookup("'dbdomain/%s'" % LONG_NAME), [LONG_NAME[:40]]),
    ('lookup: url with a path', dict(lookup("'dbdomain/app_admin'"), vars={'privx_url': 'https://127.0.0.1:1/privx'}), ['url', 'path']),
    ('lookup: url with user:pass@', dict(lookup("'dbdomain/app_admin'"), vars={'privx_url': 'https://u:p@127.0.0.1:1'}),
     ['url', 'user:password@']),
    ('lookup: ca_path a directory', dict(lookup("'dbdomain/app_admin'"), vars={'privx_ca_path': '/'}), ['ca_path', 'not a file']),
    ('lookup: timeout not a number', dict(lookup("'dbdomain/app_admin'"), vars={'privx_timeout': 'soon'}), ['timeout', 'whole number']),
    ('lookup: validate_certs not a boolean', dict(lookup("'dbdomain/app_admin'"), vars={'privx_validate_certs': 'perhaps'}),
     ['validate_certs', 'boolean']),
    ('lookup: validate_certs misspelt as a keyword', lookup("'dbdomain/app_admin', validate_certs='ture'"), ['validate_certs', 'boolean']),
    ('lookup: retries not a number as a keyword', lookup("'dbdomain/app_admin', retries='many'"), ['retries', 'whole number']),
    # ansible-core's own type check would quote the value: a secret must fail without it.
    ('lookup: client_secret a list', dict(lookup("'dbdomain/app_admin'"), vars={'privx_client_secret': ['hunter2hunter2']}),
     ['client_secret', 'text', 'list']),
    ('lookup: oauth_client_secret a dict as a keyword', lookup("'dbdomain/app_admin', oauth_client_secret={'k': 'hunter2hunter2'}"),
     ['oauth_client_secret', 'text', 'dict']),
]

ROLE_CASES = [
    ('role managed_accounts: misspelt accounts key', role('privx.secrets.managed_accounts', {'privx_managed_accounts': [
        {'target_domain': 'corp.example.com', 'acounts': [], 'exclusive': True}]}), ['acounts']),
    ('role managed_accounts: not a list', role('privx.secrets.managed_accounts', {'privx_managed_accounts': 'corp.example.com'}),
     ['privx_managed_accounts']),
    ('role managed_accounts: unknown state', role('privx.secrets.managed_accounts', {'privx_managed_accounts': [
        {'target_domain': 'corp.example.com', 'accounts': [], 'state': 'gone'}]}), ['state', 'gone']),
    ('role managed_accounts: batch size not a number', role('privx.secrets.managed_accounts', {
        'privx_managed_accounts': [{'target_domain': 'corp.example.com', 'accounts': []}], 'managed_accounts_batch_size': 'big'}),
     ['managed_accounts_batch_size']),
    ('role rotation: no target domains', role('privx.secrets.rotation', {}), ['rotation_target_domains']),
    ('role rotation: malformed older_than', role('privx.secrets.rotation', {
        'rotation_target_domains': 'rotation.example.com', 'rotation_older_than': 'forever'}), ['older_than', 'forever']),
    ('role rotation: wait_timeout not a number', role('privx.secrets.rotation', {
        'rotation_target_domains': 'rotation.example.com', 'rotation_wait_timeout': 'soon'}), ['rotation_wait_timeout']),
    ('role rotation: unknown domain', role('privx.secrets.rotation', {'rotation_target_domains': 'nope.example.com'}),
     ['nope.example.com']),
    # Text as AWX surveys and -e key=value give it.
    ('role managed_accounts: exclusive not a boolean', role('privx.secrets.managed_accounts', {
        'privx_password_policies_exclusive': 'perhaps'}), ['privx_password_policies_exclusive', 'perhaps']),
    ('role managed_accounts: policies not JSON', role('privx.secrets.managed_accounts', {
        'privx_password_policies': '[{"name": "strict",}]'}), ['privx_password_policies', 'not valid JSON']),
    ('role managed_accounts: exclusive as text, nothing declared', role('privx.secrets.managed_accounts', {
        'privx_password_policies_exclusive': 'yes'}), ['privx_password_policies_allow_delete_all']),
    ('role rotation: wait not a boolean', role('privx.secrets.rotation', {
        'rotation_target_domains': 'dbdomain', 'rotation_wait': 'perhaps'}), ['rotation_wait', 'perhaps']),
    ('role rotation: usernames not JSON', role('privx.secrets.rotation', {
        'rotation_target_domains': 'dbdomain', 'rotation_usernames': '["app_admin",'}), ['rotation_usernames', 'not valid JSON']),
    ('role rotation: a username no listed domain manages', role('privx.secrets.rotation', {
        'rotation_target_domains': 'rotation.example.com,dbdomain', 'rotation_usernames': 'overdue,nobody'}),
     ['rotation_usernames', 'nobody', 'not a managed account']),
    ('role rotation: domain/username of a domain not listed', role('privx.secrets.rotation', {
        'rotation_target_domains': 'dbdomain', 'rotation_usernames': 'corp.example.com/svc_backup'}),
     ['corp.example.com/svc_backup', 'rotation_target_domains']),
    ('role rotation: malformed older_than with usernames', role('privx.secrets.rotation', {
        'rotation_target_domains': 'rotation.example.com', 'rotation_usernames': 'overdue', 'rotation_older_than': 'forever'}),
     ['rotation_older_than', 'forever']),
]


def snapshot(privx):
    """What PrivX holds: every managed account with its secrets, the host secrets and the active checkouts."""
    state = {}
    for domain in DOMAINS:
        accounts = privx.control.managed_accounts(domain)
        state[domain] = sorted((dict(account, checkouts=None) for account in accounts), key=lambda account: account['username'])
        state[domain + ' secrets'] = {account['username']: privx.control.secrets(domain, account['username'])
                                      for account in accounts}
    state['web01'] = privx.control.host_secrets('web01', 'root')
    state['checkouts'] = privx.control.checkouts()
    return state


def writes(privx, mark):
    """Calls that could change something and that PrivX carried out (a refused call changes nothing)."""
    return [(entry['method'], entry['path'], entry['status']) for entry in privx.control.requests(since=mark)
            if entry['method'] != 'GET' and not entry['path'].endswith(READ_POSTS) and not 400 <= (entry['status'] or 0) < 500]


def task_list(cases):
    tasks = []
    for name, task, _words in cases:
        if 'block' in task:
            task['rescue'][0]['name'] = name
            tasks.append(dict(task, name=name))
        else:
            tasks.append(dict(task, name=name, ignore_errors=True))
    return tasks


def outcome(run, name):
    """(failed, result) of a case: a role's failure is the result its rescue task caught."""
    result = run.task(name)
    if 'failure' in result.get('ansible_facts', {}):
        return True, result['ansible_facts']['failure']
    return result['failed'], result


def one_line(message):
    """The message as one line. A role's argument errors are ansible-core's text, one line per error found under
    its heading 'Validation of arguments failed:': the words checked are in them all the same."""
    if message.startswith('Validation of arguments failed:'):
        return ' '.join(message.split('\n'))
    return message.strip()


def run_cases(ansible, privx, cases, secrets=(), **kwargs):
    before = snapshot(privx)
    mark = privx.control.mark()
    play = {'name': 'bad input', 'hosts': 'localhost', 'gather_facts': False, 'tasks': task_list(cases)}
    run = ansible.playbook([play], verbosity=3, **kwargs)
    assert 'Traceback' not in run.output, run.output[run.output.index('Traceback') - 2000:][:4000]
    assert 'MODULE FAILURE' not in run.output
    assert_no_secret(run.output, PLANTED_SECRETS + ['hunter2hunter2'] + list(secrets))
    problems = []
    for name, _task, words in cases:
        failed, result = outcome(run, name)
        message = str(result.get('msg', ''))
        if not failed:
            problems.append('%s: did not fail (%s)' % (name, message or result.get('changed')))
        elif '\n' in one_line(message):
            problems.append('%s: more than one line: %r' % (name, message))
        elif 'Traceback (most recent call last)' in str(result.get('exception', '')):
            problems.append('%s: carries a traceback' % name)
        else:
            missing = [word for word in words if word.lower() not in message.lower()]
            if missing:
                problems.append('%s: %r does not say %s' % (name, message, missing))
    written = writes(privx, mark)
    if written:
        problems.append('bad input wrote to PrivX: %s' % written)
    if snapshot(privx) != before:
        problems.append('bad input changed what PrivX holds')
    return problems


def test_bad_module_options_fail_cleanly_and_change_nothing(ansible, privx):
    problems = run_cases(ansible, privx, MODULE_CASES)
    assert not problems, '\n'.join(problems)


def test_bad_lookup_terms_and_options_fail_cleanly_and_change_nothing(ansible, privx):
    problems = run_cases(ansible, privx, LOOKUP_CASES)
    assert not problems, '\n'.join(problems)
    assert not privx.control.checkouts()


def test_bad_role_variables_fail_cleanly_and_change_nothing(ansible, privx):
    problems = run_cases(ansible, privx, ROLE_CASES)
    assert not problems, '\n'.join(problems)


def test_credentials_that_cannot_do_the_job_fail_cleanly(ansible, privx):
    """A user-role API client calling admin modules, and an access token that PrivX has expired."""
    credentials = privx.clients['admin']
    answer = requests.post(privx.url + TOKEN_PATH, auth=(credentials['oauth_client_id'], credentials['oauth_client_secret']),
                           data={'grant_type': 'password', 'username': credentials['client_id'],
                                 'password': credentials['client_secret']}, verify=privx.ca_path, timeout=30)
    token = answer.json()['access_token']
    assert privx.control.expire_tokens() >= 1
    user = privx.clients['user']
    # Secrets as (no_log) module options: the environment: keyword would show them at -vvv, by Ansible's design.
    as_user = {'client_id': user['client_id'], 'client_secret': user['client_secret']}
    cases = [
        ('user client: managed_account', ma(username='bob', **as_user), ['not permitted', user['client_id']]),
        ('user client: batch', batch(accounts=[{'username': 'bob'}], **as_user), ['not permitted']),
        ('user client: rotate', rotate(**as_user), ['not permitted']),
        ('expired access_token', dict(info(access_token=token), environment=NO_CLIENT), ['access token', 'expired']),
    ]
    problems = run_cases(ansible, privx, cases, secrets=[token])
    assert not problems, '\n'.join(problems)


def test_ten_thousand_accounts_with_one_duplicate_fail_before_any_call(ansible, privx, tmp_path):
    accounts = [{'username': 'user%05d' % number} for number in range(1, 10001)]
    accounts.insert(7000, {'username': 'user04321'})
    variables = tmp_path / 'accounts.yml'
    variables.write_text(yaml.safe_dump({'many_accounts': accounts}), encoding='utf-8')
    mark = privx.control.mark()
    play = {'name': 'many', 'hosts': 'localhost', 'gather_facts': False, 'vars_files': [str(variables)],
            'tasks': [{'name': 'many', BATCH: {'target_domain': 'corp.example.com', 'accounts': '{{ many_accounts }}'},
                       'ignore_errors': True}]}
    before = snapshot(privx)
    run = ansible.playbook([play])
    result = run.task('many')
    assert result['failed'] is True and 'user04321' in result['msg'] and '\n' not in result['msg'].strip(), result['msg'][:2000]
    assert len(result['msg']) < 500
    assert 'Traceback' not in run.output
    assert privx.control.requests(since=mark) == [], 'the duplicate was found only after calling PrivX'
    assert snapshot(privx) == before
