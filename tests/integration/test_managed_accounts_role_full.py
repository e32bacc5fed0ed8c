# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole Secrets Manager configuration from one vars file, through the managed_accounts role.

From tests/emulator/fixtures/unscanned.json (no policies; ad.example.com enabled, never scanned, no endpoint, its
directory svc001..svc060): one run creates two policies, configures and scans the domain and manages 50 accounts;
the rerun changes nothing and writes nothing; check mode on a changed vars file predicts exactly what the real
run then does. The target-domain level needs privx.secrets.target_domain: without it these tests are skipped.
"""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.privx.secrets.plugins.module_utils.core import paths

from conftest import REPO, find_account
from test_password_policy import policies, policy_client

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(REPO, 'plugins', 'modules', 'target_domain.py')),
                                reason='privx.secrets.target_domain is not in this branch yet')

EMULATOR_FIXTURE = os.path.join(REPO, 'tests', 'emulator', 'fixtures', 'unscanned.json')
DOMAIN = 'ad.example.com'
BIND_PASSWORD = 'planted-ad-bind-password-4711'
ROLE_TASK = 'privx.secrets.managed_accounts : %s'
CONVERGING = ('Create and update the password policies', 'Converge the target domains declared present',
              'Converge the managed accounts of each target domain', 'Converge the target domains declared absent',
              'Delete the password policies declared absent, or not declared at all')


def declaration():
    """The vars file of the first run."""
    privileged = [{'username': 'svc%03d' % number, 'password_policy': 'ad-privileged', 'explicit_checkout': True} for number in range(1, 11)]
    standard = [{'username': 'svc%03d' % number, 'password_policy': 'ad-standard'} for number in range(11, 51)]
    return {
        'privx_password_policies': [
            {'name': 'ad-standard', 'rotation_interval': '30d', 'max_checkout_duration': '12h', 'password_min_length': 16},
            {'name': 'ad-privileged', 'rotation_interval': '7d', 'max_checkout_duration': '1h', 'max_concurrent_checkouts': 1,
             'rotate_on_release': True, 'verify_after_rotation': True},
        ],
        'privx_target_domains': [{
            'name': DOMAIN, 'domain_name': DOMAIN, 'comment': 'Active Directory of the example company',
            'endpoints': [{'type': 'AD', 'ldap_protocol': 'LDAPS', 'ldap_address': 'dc01.ad.example.com', 'ldap_port': 636,
                           'ldap_base_dn': 'DC=ad,DC=example,DC=com', 'ldap_bind_dn': 'CN=privx,OU=Service,DC=ad,DC=example,DC=com',
                           'ldap_bind_password': BIND_PASSWORD}],
            'scan': True, 'wait': True, 'wait_timeout': 60,
        }],
        'privx_managed_accounts': [{'target_domain': DOMAIN, 'exclusive': True, 'accounts': privileged + standard}],
    }


def changed_declaration():
    """The vars file edited: a policy changed, one added, the domain's comment, accounts moved, commented, added, dropped."""
    declared = declaration()
    declared['privx_password_policies'][0]['rotation_interval'] = 'P14D'
    declared['privx_password_policies'].append({'name': 'ad-break-glass', 'rotation_interval': '1d', 'max_checkout_duration': '30m'})
    declared['privx_target_domains'][0]['comment'] = 'Active Directory (scanned nightly)'
    accounts = declared['privx_managed_accounts'][0]['accounts']
    accounts[10]['password_policy'] = 'ad-privileged'                           # svc011
    for account in accounts[11:14]:                                              # svc012..svc014
        account['comment'] = 'batch job'
    accounts.pop()                                                               # svc050 goes
    accounts.extend({'username': 'svc%03d' % number, 'password_policy': 'ad-standard'} for number in (51, 52, 53))
    return declared


def play(ansible, declared, name):
    folder = os.path.join(ansible.workdir, 'vars-files')  # the declarations, which hold the bind password
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, '%s.yml' % name)
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(declared, handle, sort_keys=False)
    return [{'name': 'Secrets Manager as declared', 'hosts': 'localhost', 'gather_facts': False, 'vars_files': [path],
             'roles': [{'role': 'privx.secrets.managed_accounts'}]}]


def domain_state(privx):
    client = policy_client(privx)
    (domain,) = [item for item in client.paginate(paths.TARGET_DOMAINS) if item['name'] == DOMAIN]
    return domain, list(client.paginate(paths.scanned_accounts(domain['id'])))


def counts(privx, mark):
    requests = privx.control.requests(since=mark)
    return {'requests': len(requests), 'writes': len([entry for entry in requests if entry['method'] in ('POST', 'PUT', 'DELETE')
                                                      and not entry['path'].endswith(('/search', '/oauth/token'))])}


def predicted(run):
    """What each converging task did or would do, item by item: changed, and its diff or its batch lists."""
    summary = []
    for entry in run.results:
        task = entry['task'].replace(ROLE_TASK % '', '')
        if task not in CONVERGING:
            continue
        for item in entry['result'].get('results', []):
            label = item.get('_ansible_item_label', item.get('item'))
            details = {key: item.get(key) for key in ('created', 'updated', 'deleted', 'diff') if key in item}
            skipped = bool(item.get('skipped')) or 'false_condition' in item  # ansible-core 2.19+ keeps 'skipped' aside
            summary.append((task, str(label), bool(item.get('changed')), skipped, details))
    return summary


def test_one_run_configures_everything_the_rerun_writes_nothing_and_check_mode_predicts_the_next_change(ansible, privx):
    assert policies(privx) == {}
    # Check mode on the empty PrivX: policies and domain predicted; the accounts of a domain never scanned cannot be.
    mark = privx.control.mark()
    check = ansible.playbook(play(ansible, declaration(), 'first-check'), check=True, diff=True)
    assert check.rc == 0, check.output[-4000:]
    assert counts(privx, mark)['writes'] == 0 and policies(privx) == {}
    assert [(task, label, changed, skipped) for task, label, changed, skipped, _details in predicted(check)] == [
        (CONVERGING[0], 'ad-standard', True, False), (CONVERGING[0], 'ad-privileged', True, False),
        (CONVERGING[1], DOMAIN, True, False), (CONVERGING[2], DOMAIN, False, True)]
    note = check.task(ROLE_TASK % 'Say which accounts check mode could not predict')['msg']
    assert note.startswith('Check mode cannot predict the managed accounts of ad.example.com: '), note

    mark = privx.control.mark()
    first = ansible.playbook(play(ansible, declaration(), 'first'), diff=True, verbosity=4)
    assert first.rc == 0, first.output[-4000:]
    first_counts = counts(privx, mark)

    held = policies(privx)
    assert sorted(held) == ['ad-privileged', 'ad-standard']
    assert (held['ad-standard']['rotation_interval'], held['ad-standard']['max_checkout_duration']) == ('P30D', 'PT12H')
    assert held['ad-privileged']['max_concurrent_checkouts'] == 1 and held['ad-privileged']['rotate_on_release'] is True
    domain, scanned = domain_state(privx)
    assert domain['scan_status'] == 'SUCCESS' and domain['last_scanned'] and domain['comment'] == 'Active Directory of the example company'
    assert [endpoint['ldap_address'] for endpoint in domain['endpoints']] == ['dc01.ad.example.com']
    assert len(scanned) == 60
    managed = {account['username']: account for account in privx.control.managed_accounts(DOMAIN)}
    assert sorted(managed) == ['svc%03d' % number for number in range(1, 51)]
    assert {managed['svc%03d' % number]['password_policy']['name'] for number in range(1, 11)} == {'ad-privileged'}
    assert {managed['svc%03d' % number]['password_policy']['name'] for number in range(11, 51)} == {'ad-standard'}
    assert all(managed['svc%03d' % number]['explicit_checkout'] for number in range(1, 11))
    # The bind password went to PrivX, and nowhere else: not in the -vvvv --diff output, the results or any file.
    assert privx.control.target_domain_secrets(DOMAIN)
    assert BIND_PASSWORD not in first.output and BIND_PASSWORD not in repr(first.results)
    for folder, _dirs, files in os.walk(ansible.workdir):
        for name in files:
            if os.path.basename(folder) != 'vars-files':
                with open(os.path.join(folder, name), encoding='utf-8', errors='replace') as handle:
                    assert BIND_PASSWORD not in handle.read(), os.path.join(folder, name)

    mark = privx.control.mark()
    rerun = ansible.playbook(play(ansible, declaration(), 'rerun'))
    assert rerun.rc == 0 and 'changed=0' in rerun.output, rerun.output[-4000:]
    rerun_counts = counts(privx, mark)
    assert rerun_counts['writes'] == 0, privx.control.requests(since=mark)
    print('\nrequest counts: first run %(requests)d requests, %(writes)d writes;' % first_counts,
          'no-change rerun %(requests)d requests, %(writes)d writes' % rerun_counts)

    mark = privx.control.mark()
    check = ansible.playbook(play(ansible, changed_declaration(), 'check'), check=True, diff=True)
    assert check.rc == 0, check.output[-4000:]
    assert counts(privx, mark)['writes'] == 0 and sorted(policies(privx)) == ['ad-privileged', 'ad-standard']
    real = ansible.playbook(play(ansible, changed_declaration(), 'real'), diff=True)
    assert real.rc == 0, real.output[-4000:]
    assert predicted(check) == predicted(real)
    changed = [(task, label) for task, label, was_changed, _skipped, _details in predicted(real) if was_changed]
    assert changed == [('Create and update the password policies', 'ad-standard'), ('Create and update the password policies', 'ad-break-glass'),
                       ('Converge the target domains declared present', DOMAIN), ('Converge the managed accounts of each target domain', DOMAIN)]
    (batch,) = [details for task, _label, _changed, _skipped, details in predicted(real) if task == CONVERGING[2]]
    assert (batch['created'], batch['updated'], batch['deleted']) == (['svc051', 'svc052', 'svc053'],
                                                                      ['svc011', 'svc012', 'svc013', 'svc014'], ['svc050'])
    assert find_account(privx, DOMAIN, 'svc011')['password_policy']['name'] == 'ad-privileged'
    assert policies(privx)['ad-standard']['rotation_interval'] == 'P14D' and domain_state(privx)[0]['comment'].endswith('nightly)')
    mark = privx.control.mark()
    again = ansible.playbook(play(ansible, changed_declaration(), 'again'))
    assert again.rc == 0 and 'changed=0' in again.output and counts(privx, mark)['writes'] == 0


def test_a_failing_scan_stops_the_role_before_the_accounts(ansible, privx):
    privx.control.fail_scan(DOMAIN, message='the directory is down')
    run = ansible.playbook(play(ansible, declaration(), 'failing'))
    assert run.rc != 0
    assert sorted(policies(privx)) == ['ad-privileged', 'ad-standard']
    assert privx.control.managed_accounts(DOMAIN) == []
    assert BIND_PASSWORD not in run.output
