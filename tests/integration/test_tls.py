# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS: PrivX's certificate is verified by default; a certificate of an unknown CA fails with a message naming ca_path;
ca_path to that CA works; validate_certs: false works and says so once per run, however many hosts run the task.

The module's emulator serves a certificate of a throwaway CA (trustme), so that it is self-signed as far as the
system's trust store is concerned.
"""

from __future__ import annotations

import pytest

from conftest import PLANTED_SECRETS, assert_no_secret

HOSTS = ['tls%02d' % number for number in range(1, 6)]
INSECURE = 'validate_certs is false'


def module_task(name):
    return {'name': name, 'privx.secrets.managed_account_info': {'target_domain': 'dbdomain', 'username': 'app_admin'},
            'delegate_to': 'localhost', 'ignore_errors': True}


def lookup_task(name):
    # A digest of the secret: equal on every host when they share one checkout; never the secret itself.
    return {'name': name, 'ansible.builtin.set_fact': {
        'digest': "{{ lookup('privx.secrets.checkout', 'dbdomain/app_ro') | hash('sha256') }}"}, 'ignore_errors': True}


def run_on_hosts(ansible, env):
    play = {'name': 'tls', 'hosts': 'all', 'gather_facts': False,
            'tasks': [module_task('module'), lookup_task('lookup'), module_task('module again')]}
    run = ansible.playbook([play], env=dict(env, ANSIBLE_CALLBACKS_ENABLED='privx_test_results,privx.secrets.checkouts'),
                           inventory=ansible.inventory(HOSTS), forks=5)
    assert 'Traceback' not in run.output
    assert_no_secret(run.output, PLANTED_SECRETS)
    return run


def outcomes(run, task):
    return [run.task(task, host)['failed'] for host in HOSTS]


def test_verification_is_on_by_default_and_the_failure_names_ca_path(ansible, privx):
    run = run_on_hosts(ansible, {'PRIVX_CA_PATH': ''})
    for task in ('module', 'lookup'):
        assert outcomes(run, task) == [True] * len(HOSTS), task
        message = run.task(task, HOSTS[0])['msg']
        assert 'certificate verification failed' in message and 'ca_path' in message, message
        assert '\n' not in message.strip(), message
    assert not privx.control.requests(), 'a request got through without verification'


def test_ca_path_to_the_ca_succeeds(ansible, privx):
    run = run_on_hosts(ansible, {})  # the fixture's PRIVX_CA_PATH names the emulator's CA
    for task in ('module', 'lookup', 'module again'):
        assert outcomes(run, task) == [False] * len(HOSTS), (task, run.output[-2000:])
    assert INSECURE not in run.output


@pytest.mark.parametrize('source', ['environment', 'task option and play vars'])
def test_validate_certs_false_works_and_warns_once_per_run(ansible, privx, source):
    if source == 'environment':
        run = run_on_hosts(ansible, {'PRIVX_CA_PATH': '', 'PRIVX_VALIDATE_CERTS': 'false'})
    else:
        play = {'name': 'tls', 'hosts': 'all', 'gather_facts': False, 'vars': {'privx_validate_certs': False},
                'module_defaults': {'group/privx.secrets.privx': {'validate_certs': False}},
                'tasks': [module_task('module'), lookup_task('lookup'), module_task('module again')]}
        run = ansible.playbook([play], env={'PRIVX_CA_PATH': '',
                                            'ANSIBLE_CALLBACKS_ENABLED': 'privx_test_results,privx.secrets.checkouts'},
                               inventory=ansible.inventory(HOSTS), forks=5)
        assert 'Traceback' not in run.output
    for task in ('module', 'lookup', 'module again'):
        assert outcomes(run, task) == [False] * len(HOSTS), (task, run.output[-2000:])
    assert len(set(run.task('lookup', host)['ansible_facts']['digest'] for host in HOSTS)) == 1
    # Fifteen tasks on five hosts, one warning; urllib3's own warning per request never shows.
    assert run.output.count(INSECURE) == 1, run.output[-4000:]
    assert 'InsecureRequestWarning' not in run.output
    assert not privx.control.checkouts()


def test_a_ca_path_that_holds_no_certificate_is_named_as_the_cause(ansible, privx, tmp_path):
    # A careless ca_path (a key, a text file, a PEM cut short) must not read as 'cannot reach PrivX: SSLError'.
    not_pem = tmp_path / 'notes.txt'
    not_pem.write_text('not a certificate\n')
    broken_pem = tmp_path / 'broken.pem'
    broken_pem.write_text('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')
    tasks = [{'name': name, 'ignore_errors': True,
              'privx.secrets.managed_account_info': {'target_domain': 'dbdomain', 'username': 'app_admin', 'ca_path': str(path)}}
             for name, path in (('not pem', not_pem), ('broken pem', broken_pem))]
    run = ansible.playbook([{'name': 'ca_path', 'hosts': 'localhost', 'gather_facts': False, 'connection': 'local',
                             'tasks': tasks}])
    for name in ('not pem', 'broken pem'):
        message = run.task(name)['msg']
        assert 'ca_path' in message and 'PEM' in message, message
        assert '\n' not in message.strip(), message
    assert not privx.control.requests(), 'a request got through'
