# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' action plugin (plugins/action/connection_info.py): connection options from the privx_* variables, and
the run's one token for module tasks on the controller; modules elsewhere authenticate themselves. And the lookup's
warning, once per run, that without the checkouts callback its checkouts stay until the run ends."""

from __future__ import annotations

import os
import sys

from harness import AnsibleRunner

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN_PATH = '/auth/api/v1/oauth/token'
INFO_TASKS = 3


def privx_variables(privx, client='admin'):
    """The connection as privx_* inventory variables, and nothing in PRIVX_*."""
    credentials = privx.clients[client]
    return {'privx_url': privx.url, 'privx_client_id': credentials['client_id'],
            'privx_client_secret': credentials['client_secret'],
            'privx_oauth_client_id': credentials['oauth_client_id'],
            'privx_oauth_client_secret': credentials['oauth_client_secret'],
            'privx_ca_path': privx.ca_path}


def write_inventory(runner, privx):
    """localhost on the controller, and 'remote' through a connection that is not the controller's."""
    path = os.path.join(runner.workdir, 'privx-vars.yml')
    # privx_url a template, as inventories write it: rendered as the lookup renders it
    variables = dict(privx_variables(privx), privx_url='{{ emulator_url }}', emulator_url=privx.url,
                     ansible_python_interpreter=sys.executable)
    lines = ['all:', '  vars:'] + ['    %s: "%s"' % item for item in variables.items()] + [
        '  hosts:', '    localhost:', '      ansible_connection: local', '    remote:', '      ansible_connection: elsewhere']
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    return path


def grants(privx, since):
    return [entry for entry in privx.control.requests(since=since) if entry['path'] == TOKEN_PATH]


def test_privx_variables_serve_the_lookup_and_the_modules_with_one_token(collections_path, privx, tmp_path):
    runner = AnsibleRunner(collections_path, str(tmp_path), {
        'ANSIBLE_CONNECTION_PLUGINS': os.path.join(HERE, 'plugins', 'connection')})
    inventory = write_inventory(runner, privx)
    info = [{'name': 'info %d' % number, 'privx.secrets.managed_account_info': {'target_domain': 'corp.example.com'}}
            for number in range(INFO_TASKS)]
    plays = [
        {'name': 'controller', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            {'name': 'lookup', 'ansible.builtin.set_fact': {
                'secret_digest': "{{ lookup('privx.secrets.checkout', 'corp.example.com/svc_backup') | hash('sha256') }}"}},
            {'name': 'lookup again', 'ansible.builtin.set_fact': {
                'other_digest': "{{ lookup('privx.secrets.checkout', 'dbdomain/app_admin') | hash('sha256') }}"}},
        ] + info},
        {'name': 'not the controller', 'hosts': 'remote', 'gather_facts': False, 'tasks': [
            {'name': 'remote with variables', 'privx.secrets.managed_account_info': {'target_domain': 'corp.example.com'}},
            {'name': 'remote without settings', 'privx.secrets.managed_account_info': {'target_domain': 'corp.example.com'},
             'vars': {'privx_url': '', 'privx_client_id': ''}, 'ignore_errors': True},
        ]},
    ]
    mark = privx.control.mark()
    run = runner.playbook(plays, inventory=inventory, verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    assert not run.task('lookup')['failed'] and not run.task('lookup again')['failed']
    # Without the privx.secrets.checkouts callback (this runner enables only its own), said once for the run.
    assert run.output.count('privx.secrets.checkouts callback is not enabled') == 1, run.output[-3000:]
    for number in range(INFO_TASKS):
        result = run.task('info %d' % number)
        assert not result['failed'] and result['managed_accounts'], result
    remote = run.task('remote with variables', host='remote')
    assert not remote['failed'] and remote['managed_accounts']
    failed = run.task('remote without settings', host='remote')
    assert failed['failed']
    assert 'modules run where the task runs' in failed['msg'] and 'delegate_to: localhost' in failed['msg'], failed['msg']
    # One grant for the lookup and every module task on the controller; the remote module made its own.
    assert len(grants(privx, mark)) == 2, run.output[-6000:] + str([entry['path'] for entry in privx.control.requests(since=mark)])
