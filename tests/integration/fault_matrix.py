# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix of issue 10: its rows (what the collection does), its columns (what goes wrong) and its report.

fault_cells.py runs a cell; test_fault_matrix*.py run the cells of their rows (one file per group of rows, so that
pytest-xdist's loadfile spreads the matrix over its workers). This file says what each row declares, which call each
column breaks, and how the outcome of a cell is judged and printed. A cell's outcome is ``ok`` (the task succeeded and PrivX
holds exactly what it declares), ``failed-clean`` (the task failed with one line naming the call and the cause)
or the defect that the cell found.

The table is collected from the test reports (``user_properties``), so it is whole under pytest-xdist too: the
hooks at the end run in the process that prints the summary, and only there is tests/output/fault-matrix.md written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import namedtuple

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(os.path.dirname(HERE), 'output', 'fault-matrix.md')

# Connection settings of every cell: short, so that the matrix stays fast (see the column definitions).
TIMEOUT = 2
RETRIES = 2
# A held request (a delay shorter than TIMEOUT) gives the test time to act while the run waits for an answer.
HOLD = 1.2
SLOW = TIMEOUT + 0.6
MARKER = 'fault matrix'
PROPERTY = 'fault_matrix_cell'

CORP = 'corp.example.com'
DB = 'dbdomain'
ROTATION = 'rotation.example.com'
SM = '/secrets-manager/api/v1/targetdomains/[^/]+'
DOMAINS = '/secrets-manager/api/v1/targetdomains'
POLICIES = '/secrets-manager/api/v1/password-policies'
POLICY = '/secrets-manager/api/v1/password-policy'
CHECKOUTS = '/authorizer/api/v1/secrets/checkouts'
CHECKOUT_PATH = 'dbdomain/app_admin'
FIXTURE = os.path.join(HERE, 'fixtures', 'collection.json')

OK = 'ok'
FAILED_CLEAN = 'failed-clean'
# What a failed call's message gives as its cause (the texts of core/client.py and core/errors.py).
CAUSES = ('HTTP 429', 'HTTP 503', 'connection closed without an answer', 'no answer within the timeout', 'connection reset',
          'connection refused', 'timed out')

Call = namedtuple('Call', 'method path')


MODULE = 'module'
LOOKUP = 'lookup'
AWX = 'awx'


class Row:
    """One thing the collection does: the task, the call the columns break, and the state it must leave."""

    def __init__(self, key, label, *, task, target, before=None, write=None, once=True, kind=MODULE, holds=None, skip=0,
                 columns=None, again=None, setup=None):
        self.key = key
        self.label = label
        self.task = task            # the task (a dict); for an AWX row, the backend's metadata
        self.target = target        # Call: the call each column breaks
        self.before = before or target  # Call: the call in flight when the emulator restarts
        self.write = write          # Call: the write whose applications are counted (None: a read-only row)
        self.once = once            # the write must be applied exactly once (False: an idempotent PUT may be repeated)
        self.kind = kind            # MODULE, LOOKUP (a play with the checkout lookup) or AWX (the credential plugin's backend)
        self.holds = holds          # holds(privx, result) -> list of differences from the declared state
        self.skip = skip            # how many of the faulted calls pass before the fault (the first poll is the second GET)
        self.columns = columns      # the keys of the columns that apply (None: all)
        self.again = again or task  # the module task that must then report no change (a scan: always task changes every run)
        self.setup = setup          # setup(privx): state the row needs beyond the fixture, made before the cell's mark

    @property
    def checks_out(self):
        """The row checks a secret out and releases it in the same run: one release per run, never two."""
        return self.kind in (LOOKUP, AWX)

    def __repr__(self):
        return self.key


class Column:
    """One fault: how it is injected, and the outcomes a correct collection may show under it."""

    def __init__(self, key, label, allowed, fault=None, trigger=None, on_before=False, retries=RETRIES):
        self.key = key
        self.label = label
        self.allowed = allowed      # {'ok', 'failed-clean'}: anything else is a defect
        self.fault = fault          # the fault's options (the path and method come from the row)
        self.trigger = trigger      # 'expire' or 'restart': done while the held call waits
        self.on_before = on_before  # fault the row's `before` call instead of its target
        self.retries = retries      # the connection option `retries` of the cell's runs

    def __repr__(self):
        return self.key


COLUMNS = [
    Column('429', '429 + Retry-After', {OK}, fault={'action': 'status', 'status': 429, 'retry_after': 1, 'count': 1}),
    Column('503-short', '503 burst < retries', {OK}, fault={'action': 'status', 'status': 503, 'count': RETRIES}),
    Column('503-long', '503 > retries', {OK, FAILED_CLEAN}, fault={'action': 'status', 'status': 503, 'count': RETRIES + 1}),
    Column('drop-before', 'drop, not applied', {OK, FAILED_CLEAN}, fault={'action': 'drop', 'count': 1}),
    Column('drop-after', 'drop, applied', {OK, FAILED_CLEAN}, fault={'action': 'drop', 'applied': True, 'count': 1}),
    Column('slow', 'answer > timeout', {OK, FAILED_CLEAN}, fault={'action': 'delay', 'delay': SLOW, 'count': 1}),
    Column('token-expiry', 'token expires', {OK}, fault={'action': 'delay', 'delay': HOLD, 'count': 1}, trigger='expire'),
    # PrivX is down while it restarts: retries (with backoff, 3.75 s at least in all) are what bridge that time.
    Column('restart', 'PrivX restarts', {OK}, fault={'action': 'delay', 'delay': HOLD, 'count': 1}, trigger='restart',
           on_before=True, retries=RETRIES + 2),
]


# -- the declared states ---------------------------------------------------------------------------------------


class AdminApi:
    """PrivX's API as the fixture's admin client, to read back what the control API does not show (and to set up)."""

    def __init__(self, privx):
        self.privx = privx
        client = privx.clients['admin']
        answer = requests.post(privx.url + '/auth/api/v1/oauth/token', verify=privx.ca_path, timeout=10,
                               auth=(client['oauth_client_id'], client['oauth_client_secret']),
                               data={'grant_type': 'password', 'username': client['client_id'], 'password': client['client_secret']})
        answer.raise_for_status()
        self.headers = {'Authorization': 'Bearer ' + answer.json()['access_token']}

    def call(self, method, path, body=None):
        answer = requests.request(method, self.privx.url + path, json=body, headers=self.headers, verify=self.privx.ca_path, timeout=10)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def items(self, path):
        return self.call('GET', path + '?limit=1000')['items']

    def domains(self, name):
        return [domain for domain in self.items(DOMAINS) if domain['name'] == name]

    def policies(self, name=None):
        return [policy for policy in self.items(POLICIES) if name is None or policy['name'] == name]

    def scanned(self, domain):
        return {account['username']: account for account in self.items('%s/%s/accounts' % (DOMAINS, domain['id']))}


def accounts(privx, domain):
    return {account['username']: account for account in privx.control.managed_accounts(domain)}


def _expect(problems, what, got, wanted):
    if got != wanted:
        problems.append('%s is %r, not %r' % (what, got, wanted))


def _fields(problems, account, username, **wanted):
    if account is None:
        problems.append('%s is not managed' % username)
        return
    for field, value in wanted.items():
        got = account.get(field)
        if field == 'password_policy':
            got = (got or {}).get('name')
        _expect(problems, '%s.%s' % (username, field), got, value)


def holds_created(privx, _result):
    problems = []
    held = accounts(privx, CORP)
    _expect(problems, 'the managed accounts of %s' % CORP, sorted(held), ['app_reader', 'dave', 'svc_backup'])
    _fields(problems, held.get('dave'), 'dave', comment=MARKER, explicit_checkout=True, enabled=True, email='dave@corp.example.com')
    return problems


def holds_updated(privx, _result):
    problems = []
    held = accounts(privx, CORP)
    _expect(problems, 'the managed accounts of %s' % CORP, sorted(held), ['app_reader', 'svc_backup'])
    _fields(problems, held.get('svc_backup'), 'svc_backup', comment=MARKER, email='backup@corp.example.com', explicit_checkout=True,
            password_policy='default', full_name='Backup service')
    return problems


def holds_deleted(privx, _result):
    problems = []
    _expect(problems, 'the managed accounts of %s' % CORP, sorted(accounts(privx, CORP)), ['svc_backup'])
    return problems


def holds_batch_created(privx, _result):
    problems = []
    held = accounts(privx, CORP)
    _expect(problems, 'the managed accounts of %s' % CORP, sorted(held), ['app_reader', 'bob', 'carol', 'svc_backup'])
    for username in ('bob', 'carol'):
        _fields(problems, held.get(username), username, comment=MARKER, enabled=True)
    return problems


def holds_batch_created_with_fields(privx, _result):
    problems = []
    held = accounts(privx, CORP)
    _expect(problems, 'the managed accounts of %s' % CORP, sorted(held), ['app_reader', 'dave', 'svc_backup'])
    _fields(problems, held.get('dave'), 'dave', comment=MARKER, email='dave@example.org', full_name='Dave Dahl')
    return problems


def holds_batch_edited(privx, _result):
    problems = []
    held = accounts(privx, CORP)
    _expect(problems, 'the managed accounts of %s' % CORP, sorted(held), ['app_reader', 'svc_backup'])
    _fields(problems, held.get('svc_backup'), 'svc_backup', comment=MARKER, explicit_checkout=True, password_policy='default')
    _fields(problems, held.get('app_reader'), 'app_reader', comment=MARKER, explicit_checkout=False)
    return problems


def holds_batch_deleted(privx, _result):
    problems = []
    _expect(problems, 'the managed accounts of %s' % DB, sorted(accounts(privx, DB)), ['app_admin'])
    return problems


def holds_rotated(privx, _result):
    """Each declared account rotated exactly once (one new secret version), the others untouched."""
    problems = []
    for username, versions in (('overdue', 2), ('never', 2), ('recent', 1)):
        got = len(privx.control.secrets(ROTATION, username))
        if got != versions:
            problems.append('%s has %d secret versions, not %d' % (username, got, versions))
    return problems


def holds_checked_out(privx, result):
    """The play got the current secret of the path (compared as digests: the secret is never shown)."""
    current = privx.control.secrets(DB, 'app_admin')[-1]['secret']
    digest = ((result or {}).get('ansible_facts') or {}).get('digest')
    return [] if digest == hashlib.sha256(current.encode()).hexdigest() else ['the play did not get the current secret']


def holds_info(_privx, result):
    found = [account.get('username') for account in (result or {}).get('managed_accounts') or []]
    return [] if found == ['svc_backup'] else ['managed_account_info returned %r' % found]


# Password policies and target domains (read back through the API as the admin client).

NEW_POLICY = 'fm-policy'
NEW_DOMAIN = 'fm.example.com'
DOOMED_DOMAIN = 'fm-doomed.example.com'
# A planted value: PrivX keeps endpoint secrets write-only, so the control API is the only place to read it back.
BIND_SECRET = 'planted-fault-matrix-bind-S3cr3t'
ENDPOINT = {'type': 'AD', 'ldap_protocol': 'LDAPS', 'ldap_address': 'dc1.corp.example.com', 'ldap_port': 636,
            'ldap_base_dn': 'DC=corp,DC=example,DC=com', 'ldap_bind_dn': 'CN=scan,DC=corp,DC=example,DC=com',
            'ldap_bind_password': BIND_SECRET}
NEW_IN_DIRECTORY = 'erin'


def _one(problems, found, what):
    if len(found) != 1:
        problems.append('PrivX holds %d %s' % (len(found), what))
    return found[0] if found else {}


def _policy_fields(problems, policy, **wanted):
    for field, value in wanted.items():
        _expect(problems, '%s.%s' % (policy.get('name'), field), policy.get(field), value)


def holds_policy_created(privx, _result):
    problems = []
    policy = _one(problems, AdminApi(privx).policies(NEW_POLICY), 'policies named %s' % NEW_POLICY)
    _policy_fields(problems, policy, rotation_interval='P14D', rotate_on_release=True, password_min_length=12, max_checkout_duration='PT1H')
    return problems


def holds_policy_updated(privx, _result):
    problems = []
    policy = _one(problems, AdminApi(privx).policies('strict'), 'policies named strict')
    _policy_fields(problems, policy, rotation_interval='P14D', max_versions=7, rotate_on_release=True, verify_after_rotation=True)
    return problems


def holds_policy_deleted(privx, _result):
    problems = []
    _expect(problems, 'the password policies', [policy['name'] for policy in AdminApi(privx).policies()], ['default'])
    return problems


def holds_policy_info(_privx, result):
    found = [(policy.get('name'), policy.get('rotation_interval')) for policy in (result or {}).get('password_policies') or []]
    return [] if found == [('strict', 'P7D')] else ['password_policy_info returned %r' % found]


def _bind_secrets(privx, name):
    return [entry['ldap_bind_password'] for entry in privx.control.target_domain_secrets(name)]


def holds_domain_created(privx, _result):
    problems = []
    domain = _one(problems, AdminApi(privx).domains(NEW_DOMAIN), 'target domains named %s' % NEW_DOMAIN)
    if domain:
        _expect(problems, '%s.comment' % NEW_DOMAIN, domain.get('comment'), MARKER)
        _expect(problems, '%s endpoints' % NEW_DOMAIN, [endpoint.get('ldap_address') for endpoint in domain.get('endpoints') or []],
                [ENDPOINT['ldap_address']])
        if _bind_secrets(privx, NEW_DOMAIN) != [BIND_SECRET]:
            problems.append('the bind password PrivX stores is not the declared one')
    return problems


def holds_domain_updated(privx, _result):
    problems = []
    domain = _one(problems, AdminApi(privx).domains(CORP), 'target domains named %s' % CORP)
    for field, value in (('comment', MARKER), ('periodic_scan', True), ('enabled', True)):
        _expect(problems, '%s.%s' % (CORP, field), domain.get(field), value)
    return problems


def holds_domain_deleted(privx, _result):
    problems = []
    names = sorted(domain['name'] for domain in AdminApi(privx).items(DOMAINS))
    _expect(problems, 'the target domains', names, [CORP, DB, ROTATION])
    return problems


def corp_directory():
    """What a scan of corp.example.com finds: the fixture's scanned accounts and one more user."""
    with open(FIXTURE, encoding='utf-8') as handle:
        domain = next(domain for domain in json.load(handle)['target_domains'] if domain['name'] == CORP)
    return domain['scanned_accounts'] + [{'username': NEW_IN_DIRECTORY}]


def setup_directory(privx):
    privx.control.add_to_directory(CORP, *corp_directory(), replace=True)


def setup_doomed_domain(privx):
    AdminApi(privx).call('POST', DOMAINS, {'name': DOOMED_DOMAIN})


def holds_scanned(privx, result):
    """The domain holds the declared endpoint, its scan ended well and found the directory's users, the new one included."""
    problems = []
    api = AdminApi(privx)
    domain = _one(problems, api.domains(CORP), 'target domains named %s' % CORP)
    if not domain:
        return problems
    _expect(problems, '%s endpoints' % CORP, [endpoint.get('ldap_address') for endpoint in domain.get('endpoints') or []],
            [ENDPOINT['ldap_address']])
    _expect(problems, '%s.scan_status' % CORP, domain.get('scan_status'), 'SUCCESS')
    found = sorted(username for username, account in api.scanned(domain).items() if account.get('state') != 'REMOVED')
    _expect(problems, 'the scanned accounts of %s' % CORP, found, sorted(entry['username'] for entry in corp_directory()))
    scan = (result or {}).get('scan') or {}
    _expect(problems, 'the scan the task reports', (scan.get('status'), scan.get('accounts_found')), ('SUCCESS', len(found)))
    return problems


def holds_domain_info(privx, result):
    """The domain and its scanned accounts as PrivX holds them."""
    api = AdminApi(privx)
    held = [(domain['name'], sorted(api.scanned(domain))) for domain in api.domains(CORP)]
    domains = (result or {}).get('target_domains') or []
    found = [(domain.get('name'), sorted(account.get('username') for account in domain.get('scanned_accounts') or [])) for domain in domains]
    return [] if found == held else ['target_domain_info returned %r, not %r' % (found, held)]


def holds_scanned_edited(privx, _result):
    problems = []
    api = AdminApi(privx)
    scanned = api.scanned(_one(problems, api.domains(CORP), 'target domains named %s' % CORP))
    for username, ignored, comment in (('alice', True, MARKER), ('bob', True, MARKER), ('carol', False, ''), ('dave', False, '')):
        account = scanned.get(username) or {}
        _expect(problems, '%s (ignored, comment)' % username, (account.get('ignored', False), account.get('comment', '')), (ignored, comment))
    return problems


def holds_awx_value(privx, result):
    """The plugin returned the current secret of the path (the problem never shows a secret)."""
    current = privx.control.secrets(DB, 'app_admin')[-1]['secret']
    return [] if (result or {}).get('value') == current else ['the plugin did not return the current secret']


def _module(module, **args):
    return {'name': 'under test', module: args}


def _checkout_task():
    return {'name': 'under test', 'ansible.builtin.set_fact': {
        'digest': "{{ lookup('privx.secrets.checkout', '%s') | hash('sha256') }}" % CHECKOUT_PATH}}


MANAGED = Call('POST', SM + '/managedaccounts$')
ONE = SM + '/managedaccounts/[^/]+$'
SEARCH = Call('POST', SM + '/managedaccounts/search$')
ALL = Call('GET', SM + '/managedaccounts$')

ROTATE_TASK = _module('privx.secrets.rotate', target_domain=ROTATION, usernames=['overdue', 'never'], older_than='1d', wait=True,
                      wait_timeout=30)
CREATE_TASK = _module('privx.secrets.managed_account', target_domain=CORP, username='dave', comment=MARKER, explicit_checkout=True)
UPDATE_TASK = _module('privx.secrets.managed_account', target_domain=CORP, username='svc_backup', comment=MARKER)

ACCOUNT_ROWS = [
    Row('managed_account-create', 'managed_account create',
        task=CREATE_TASK, target=MANAGED, before=Call('POST', SM + '/accounts/search$'), write=MANAGED, holds=holds_created),
    # The read of the account after the write: only a failure there (503 longer than retries) is new.
    Row('managed_account-create-read', 'managed_account create: the read after it', task=CREATE_TASK, target=Call('GET', ONE),
        write=MANAGED, holds=holds_created, columns=('503-long',)),
    Row('managed_account-update', 'managed_account update',
        task=UPDATE_TASK, target=Call('PUT', ONE), before=SEARCH, write=Call('PUT', ONE), once=False, holds=holds_updated),
    Row('managed_account-update-read', 'managed_account update: the read after it', task=UPDATE_TASK, target=Call('GET', ONE),
        write=Call('PUT', ONE), once=False, holds=holds_updated, columns=('503-long',)),
    Row('managed_account-delete', 'managed_account delete',
        task=_module('privx.secrets.managed_account', target_domain=CORP, username='app_reader', state='absent'),
        target=Call('DELETE', ONE), before=SEARCH, write=Call('DELETE', ONE), holds=holds_deleted),
    Row('batch-create', 'managed_account_batch create',
        task=_module('privx.secrets.managed_account_batch', target_domain=CORP,
                     accounts=[{'username': 'bob', 'comment': MARKER}, {'username': 'carol', 'comment': MARKER}]),
        target=Call('POST', SM + '/managedaccounts/batch/create$'), before=Call('GET', SM + '/accounts$'),
        write=Call('POST', SM + '/managedaccounts/batch/create$'), holds=holds_batch_created),
    # A field batch create cannot carry (email) is set by a PUT after it: a failure there comes after a write.
    Row('batch-create-put', 'managed_account_batch create: the PUT after it',
        task=_module('privx.secrets.managed_account_batch', target_domain=CORP,
                     accounts=[{'username': 'dave', 'comment': MARKER, 'email': 'dave@example.org'}]),
        target=Call('PUT', ONE), write=Call('POST', SM + '/managedaccounts/batch/create$'), holds=holds_batch_created_with_fields,
        columns=('503-long', 'drop-after', 'slow')),
    Row('batch-edit', 'managed_account_batch edit',
        task=_module('privx.secrets.managed_account_batch', target_domain=CORP,
                     accounts=[{'username': 'svc_backup', 'comment': MARKER}, {'username': 'app_reader', 'comment': MARKER}]),
        target=Call('POST', SM + '/managedaccounts/batch/edit$'), before=ALL,
        write=Call('POST', SM + '/managedaccounts/batch/edit$'), once=False, holds=holds_batch_edited),
    Row('batch-delete', 'managed_account_batch delete',
        task=_module('privx.secrets.managed_account_batch', target_domain=DB, state='absent',
                     accounts=[{'username': 'app_ro'}, {'username': 'no_checkout'}]),
        target=Call('POST', SM + '/managedaccounts/batch/delete$'), before=ALL,
        write=Call('POST', SM + '/managedaccounts/batch/delete$'), holds=holds_batch_deleted),
    Row('rotate', 'rotate (wait)', task=ROTATE_TASK,
        target=Call('POST', SM + '/managedaccounts/batch/rotate$'), before=ALL,
        write=Call('POST', SM + '/managedaccounts/batch/rotate$'), holds=holds_rotated),
    Row('rotate-wait', 'rotate (wait): a poll', task=ROTATE_TASK, target=Call('GET', ALL.path), skip=1,
        write=Call('POST', SM + '/managedaccounts/batch/rotate$'), holds=holds_rotated, columns=('503-long', 'token-expiry', 'restart')),
    Row('checkout', 'checkout lookup: checkout', task=_checkout_task(), kind=LOOKUP,
        target=Call('POST', CHECKOUTS + '$'), write=Call('POST', CHECKOUTS + '/[^/]+/release$'), holds=holds_checked_out),
    Row('release', 'checkout lookup: release', task=_checkout_task(), kind=LOOKUP,
        target=Call('POST', CHECKOUTS + '/[^/]+/release$'), write=Call('POST', CHECKOUTS + '/[^/]+/release$'),
        holds=holds_checked_out),
    Row('info', 'managed_account_info', task=_module('privx.secrets.managed_account_info', target_domain=CORP, username='svc_backup'),
        target=SEARCH, holds=holds_info),
]

ONE_POLICY = Call('GET', POLICY + '/[^/]+$')
LIST_POLICIES = Call('GET', POLICIES + '$')
ONE_DOMAIN = DOMAINS + '/[^/]+$'
SEARCH_DOMAINS = Call('POST', DOMAINS + '/search$')
REFRESH = Call('POST', DOMAINS + '/[^/]+/refresh$')
SCANNED = DOMAINS + '/[^/]+/accounts'
POLICY_UPDATE_TASK = _module('privx.secrets.password_policy', name='strict', rotation_interval='P14D', max_versions=7)
SCAN_TASK = _module('privx.secrets.target_domain', name=CORP, endpoints=[ENDPOINT], scan='always', wait=True, wait_timeout=30)

ADMIN_ROWS = [
    Row('password_policy-create', 'password_policy create',
        task=_module('privx.secrets.password_policy', name=NEW_POLICY, rotation_interval='P14D', rotate_on_release=True),
        target=Call('POST', POLICY + '$'), before=LIST_POLICIES, write=Call('POST', POLICY + '$'), holds=holds_policy_created),
    Row('password_policy-create-read', 'password_policy create: the read after it',
        task=_module('privx.secrets.password_policy', name=NEW_POLICY, rotation_interval='P14D', rotate_on_release=True),
        target=ONE_POLICY, write=Call('POST', POLICY + '$'), holds=holds_policy_created, columns=('503-long',)),
    Row('password_policy-update', 'password_policy update', task=POLICY_UPDATE_TASK,
        target=Call('PUT', ONE_POLICY.path), before=LIST_POLICIES, write=Call('PUT', ONE_POLICY.path), once=False, holds=holds_policy_updated),
    Row('password_policy-delete', 'password_policy delete', task=_module('privx.secrets.password_policy', name='strict', state='absent'),
        target=Call('DELETE', ONE_POLICY.path), before=LIST_POLICIES, write=Call('DELETE', ONE_POLICY.path), holds=holds_policy_deleted),
    Row('password_policy_info', 'password_policy_info', task=_module('privx.secrets.password_policy_info', name='strict'),
        target=LIST_POLICIES, holds=holds_policy_info),
    Row('target_domain-create', 'target_domain create',
        task=_module('privx.secrets.target_domain', name=NEW_DOMAIN, domain_name=NEW_DOMAIN, comment=MARKER, endpoints=[ENDPOINT]),
        target=Call('POST', DOMAINS + '$'), before=SEARCH_DOMAINS, write=Call('POST', DOMAINS + '$'), holds=holds_domain_created),
    Row('target_domain-update', 'target_domain update',
        task=_module('privx.secrets.target_domain', name=CORP, comment=MARKER, periodic_scan=True),
        target=Call('PUT', ONE_DOMAIN), before=SEARCH_DOMAINS, write=Call('PUT', ONE_DOMAIN), once=False, holds=holds_domain_updated),
    Row('target_domain-delete', 'target_domain delete', task=_module('privx.secrets.target_domain', name=DOOMED_DOMAIN, state='absent'),
        target=Call('DELETE', ONE_DOMAIN), before=SEARCH_DOMAINS, write=Call('DELETE', ONE_DOMAIN), holds=holds_domain_deleted,
        setup=setup_doomed_domain),
    # A scan starts after the endpoint is added (PUT); the refresh joins a running scan, so a repeated one does no harm.
    Row('target_domain-scan', 'target_domain scan (wait)', task=SCAN_TASK, target=REFRESH, before=Call('GET', SCANNED + '$'),
        write=REFRESH, once=False, holds=holds_scanned, setup=setup_directory,
        again=_module('privx.secrets.target_domain', name=CORP, endpoints=[ENDPOINT])),
    Row('target_domain-wait', 'target_domain scan (wait): a poll', task=SCAN_TASK, target=Call('GET', ONE_DOMAIN), skip=1,
        write=REFRESH, once=False, holds=holds_scanned, setup=setup_directory, columns=('503-long', 'token-expiry', 'restart'),
        again=_module('privx.secrets.target_domain', name=CORP, endpoints=[ENDPOINT])),
    Row('target_domain_info', 'target_domain_info', task=_module('privx.secrets.target_domain_info', name=CORP, scanned_accounts=True),
        target=SEARCH_DOMAINS, holds=holds_domain_info),
    Row('scanned_account', 'scanned_account edit',
        task=_module('privx.secrets.scanned_account', target_domain=CORP, usernames=['alice', 'bob'], ignored=True, comment=MARKER),
        target=Call('POST', SCANNED + '/batch/edit$'), before=Call('GET', SCANNED + '$'), write=Call('POST', SCANNED + '/batch/edit$'),
        once=False, holds=holds_scanned_edited),
]

# The AWX credential plugin's backend, releasing right after reading (the other choice leaves the checkout to expire).
AWX_METADATA = {'secret_path': CHECKOUT_PATH, 'release': 'immediately'}

AWX_ROWS = [
    Row('awx-checkout', 'AWX credential plugin: checkout', task=AWX_METADATA, kind=AWX, target=Call('POST', CHECKOUTS + '$'),
        before=Call('GET', CHECKOUTS + '$'), write=Call('POST', CHECKOUTS + '/[^/]+/release$'), holds=holds_awx_value),
    Row('awx-release', 'AWX credential plugin: release', task=AWX_METADATA, kind=AWX, target=Call('POST', CHECKOUTS + '/[^/]+/release$'),
        write=Call('POST', CHECKOUTS + '/[^/]+/release$'), holds=holds_awx_value),
]

# Host password rotation (issue 21): web01 of the fixture, the policy default and the template linux-chpasswd.
HOSTS = '/host-store/api/v1/hosts'
ONE_HOST = HOSTS + '/[^/]+$'
SEARCH_HOSTS = Call('POST', HOSTS + '/search$')
SCRIPT_TEMPLATES = '/secrets-manager/api/v1/script-templates'
SCRIPT_TEMPLATE = '/secrets-manager/api/v1/script-template'
HOST_ROTATE = Call('POST', '/secrets-manager/api/v1/rotate/[^/]+/root$')
NEW_TEMPLATE = 'fm-template'
NEW_TEMPLATE_SCRIPT = "echo '{{.Username}}:{{.Password}}' | chpasswd"
HOST_ROTATION_TASK = _module('privx.secrets.host_password_rotation', host='web01', operating_system='LINUX', password_policy='default',
                             script_template='linux-chpasswd', accounts=[{'username': 'root'}])


def _web01(api):
    return next(host for host in api.items(HOSTS) if host['common_name'] == 'web01')


def holds_host_rotation(privx, _result):
    problems = []
    api = AdminApi(privx)
    host = _web01(api)
    rotation = host.get('password_rotation') or {}
    _expect(problems, 'web01.password_rotation_enabled', host.get('password_rotation_enabled'), True)
    _expect(problems, 'web01.password_policy_id', rotation.get('password_policy_id'), api.policies('default')[0]['id'])
    templates = {template['name']: template['id'] for template in api.items(SCRIPT_TEMPLATES)}
    _expect(problems, 'web01.script_template_id', rotation.get('script_template_id'), templates['linux-chpasswd'])
    _expect(problems, 'web01 rotating accounts', [principal['principal'] for principal in host['principals'] if principal.get('rotate')], ['root'])
    _expect(problems, 'web01.addresses', host.get('addresses'), ['10.0.0.5'])
    return problems


def holds_template_created(privx, _result):
    problems = []
    template = _one(problems, [item for item in AdminApi(privx).items(SCRIPT_TEMPLATES) if item['name'] == NEW_TEMPLATE],
                    'script templates named %s' % NEW_TEMPLATE)
    _expect(problems, '%s.script' % NEW_TEMPLATE, template.get('script'), NEW_TEMPLATE_SCRIPT)
    return problems


def setup_host_rotation(privx):
    """web01 rotates root (as the host rotation row leaves it), through the API as any client would set it."""
    api = AdminApi(privx)
    host = _web01(api)
    templates = {template['name']: template['id'] for template in api.items(SCRIPT_TEMPLATES)}
    host.update(password_rotation_enabled=True, password_rotation={
        'operating_system': 'LINUX', 'protocol': 'SSH', 'password_policy_id': api.policies('default')[0]['id'],
        'script_template_id': templates['linux-chpasswd']})
    for principal in host['principals']:
        principal['rotate'] = principal['principal'] == 'root'
    api.call('PUT', '%s/%s' % (HOSTS, host['id']), host)


def holds_host_rotated(privx, _result):
    account = privx.control.host_account('web01', 'root') or {}
    problems = []
    if not account.get('last_rotated') or account.get('last_error'):
        problems.append('web01/root: last_rotated %r, last_error %r' % (account.get('last_rotated'), account.get('last_error')))
    return problems


def holds_host_info(_privx, result):
    found = [(host.get('common_name'), [account['username'] for account in host.get('accounts') or [] if account.get('rotate')])
             for host in (result or {}).get('hosts') or []]
    return [] if found == [('web01', ['root'])] else ['host_password_rotation_info returned %r' % found]


HOST_ROWS = [
    Row('host_password_rotation', 'host_password_rotation enable', task=HOST_ROTATION_TASK,
        target=Call('PUT', ONE_HOST), before=SEARCH_HOSTS, write=Call('PUT', ONE_HOST), once=False, holds=holds_host_rotation),
    # The batch module's PUT of web01 (the one host that changes): a failed write names web01 as not applied, a lost
    # answer as unknown; the rerun converges.
    Row('host_password_rotation_batch', 'host_password_rotation_batch enable',
        task=_module('privx.secrets.host_password_rotation_batch', hosts=[dict(HOST_ROTATION_TASK['privx.secrets.host_password_rotation'])]),
        target=Call('PUT', ONE_HOST), before=SEARCH_HOSTS, write=Call('PUT', ONE_HOST), once=False, holds=holds_host_rotation,
        columns=('503-long', 'drop-before', 'drop-after', 'slow')),
    Row('script_template-create', 'script_template create',
        task=_module('privx.secrets.script_template', name=NEW_TEMPLATE, operating_system='LINUX',
                     script='{%% raw %%}%s{%% endraw %%}' % NEW_TEMPLATE_SCRIPT),
        target=Call('POST', SCRIPT_TEMPLATE + '$'), before=Call('GET', SCRIPT_TEMPLATES + '$'), write=Call('POST', SCRIPT_TEMPLATE + '$'),
        holds=holds_template_created),
    # The rerun finds root rotated within the day: nothing more to rotate, so a second rotation would show as a defect.
    Row('rotate-host', 'rotate host (wait)',
        task=_module('privx.secrets.rotate', host='web01', usernames=['root'], older_than='1d', wait=True, wait_timeout=30),
        target=HOST_ROTATE, before=SEARCH_HOSTS, write=HOST_ROTATE, holds=holds_host_rotated, setup=setup_host_rotation),
    Row('host_password_rotation_info', 'host_password_rotation_info', task=_module('privx.secrets.host_password_rotation_info'),
        target=Call('GET', HOSTS + '$'), holds=holds_host_info, setup=setup_host_rotation,
        columns=('503-long', 'drop-before', 'token-expiry')),
]

ROWS = ACCOUNT_ROWS + ADMIN_ROWS + AWX_ROWS + HOST_ROWS


# -- judging a failure -------------------------------------------------------------------------------------------


def cells(rows):
    """(row, column) of every cell of these rows."""
    return [(row, column) for row in rows for column in COLUMNS if row.columns is None or column.key in row.columns]


CELLS = cells(ROWS)


def names_call_and_cause(message, call):
    """A failure message is one line that names the failed call (method and path) and its cause."""
    problems = []
    if '\n' in message.strip():
        problems.append('the message is not one line')
    if not re.search(r'%s %s\b' % (call.method, call.path.rstrip('$')), message):
        problems.append('the message does not name the call %s %s' % (call.method, call.path))
    if not any(cause in message for cause in CAUSES):
        problems.append('the message does not name a cause')
    return problems


def matches(entry, call):
    return entry['method'] == call.method and re.search(call.path, entry['path'])


# -- the report --------------------------------------------------------------------------------------------------

_CELLS = {}


def record(record_property, row, column, outcome):
    record_property(PROPERTY, {'row': row.key, 'column': column.key, 'outcome': outcome})


def pytest_runtest_logreport(report):
    for name, value in getattr(report, 'user_properties', ()):
        if name == PROPERTY and report.when == 'call':
            _CELLS[(value['row'], value['column'])] = value['outcome']


def table():
    """The matrix as a markdown table (cells not run are blank)."""
    lines = ['| row | %s |' % ' | '.join(column.label for column in COLUMNS),
             '|---|%s|' % '|'.join('---' for _column in COLUMNS)]
    for row in ROWS:
        cells = [_CELLS.get((row.key, column.key), '' if row.columns is None or column.key in row.columns else 'n/a')
                 for column in COLUMNS]
        lines.append('| %s | %s |' % (row.label, ' | '.join(cell.replace('|', '/') for cell in cells)))
    return '\n'.join(lines)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # pylint: disable=unused-argument
    if not _CELLS or hasattr(config, 'workerinput'):
        return
    text = table()
    terminalreporter.write_sep('=', 'fault matrix (%d cells)' % len(_CELLS))
    for line in text.splitlines():
        terminalreporter.write_line(line)
    os.makedirs(os.path.dirname(REPORT), exist_ok=True)
    with open(REPORT, 'w', encoding='utf-8') as handle:
        handle.write('# Fault matrix\n\nok: the task succeeded and PrivX holds the declared state; failed-clean: the task '
                     'failed with one line naming the call and the cause. In every cell a rerun converged with no write '
                     'applied twice and no checkout left active, unless the cell names the defect.\n\n%s\n' % text)
