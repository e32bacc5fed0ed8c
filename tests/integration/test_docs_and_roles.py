# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation renders for every plugin and role; every module is in the action group; the roles converge idempotently."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from ansible_collections.privx.secrets.plugins.module_utils.core.connection import CONNECTION_OPTIONS
from conftest import REPO, ansible_bin, connection_env

PLUGIN_TYPES = {'modules': 'module', 'lookup': 'lookup', 'callback': 'callback', 'filter': 'filter'}


def plugins():
    found = []
    for folder, plugin_type in PLUGIN_TYPES.items():
        for name in sorted(os.listdir(os.path.join(REPO, 'plugins', folder))):
            if name.endswith('.py') and not name.startswith('_'):
                found.append((plugin_type, 'privx.secrets.' + name[:-3]))
    return found


@pytest.mark.parametrize('plugin_type, name', plugins() + [('role', 'privx.secrets.rotation'), ('role', 'privx.secrets.managed_accounts')])
def test_ansible_doc_renders(collections_path, plugin_type, name):
    env = {key: value for key, value in os.environ.items() if not key.startswith('ANSIBLE_')}
    env.update(ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR='1')
    completed = subprocess.run([ansible_bin('ansible-doc'), '-t', plugin_type, name], capture_output=True, text=True, env=env, check=False)
    assert completed.returncode == 0, completed.stderr
    # ansible-doc warns about ansible-core's own internal collection; nothing may concern ours.
    assert 'privx' not in completed.stderr and 'ERROR' not in completed.stderr, completed.stderr
    assert name.split('.')[-1] in completed.stdout


def ansible_doc_json(collections_path, plugin_type, names):
    env = {key: value for key, value in os.environ.items() if not key.startswith('ANSIBLE_')}
    env.update(ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR='1')
    completed = subprocess.run([ansible_bin('ansible-doc'), '--json', '-t', plugin_type] + list(names),
                               capture_output=True, text=True, env=env, check=True)
    return {name: entry['doc'] for name, entry in json.loads(completed.stdout).items()}


def test_the_lookup_documents_the_connection_options_as_the_modules_do(collections_path):
    """What users read in ansible-doc and on the docs site: the lookup's connection options have the modules'
    descriptions, types and defaults, and list where else the lookup reads them."""
    lookup = ansible_doc_json(collections_path, 'lookup', ['privx.secrets.checkout'])['privx.secrets.checkout']['options']
    module = ansible_doc_json(collections_path, 'module', ['privx.secrets.rotate'])['privx.secrets.rotate']['options']
    assert lookup['url']['description'][0].startswith('Base URL of PrivX')
    assert (lookup['validate_certs']['type'], lookup['validate_certs']['default']) == ('bool', True)
    assert (lookup['timeout']['type'], lookup['timeout']['default']) == ('int', 30)
    assert (lookup['retries']['type'], lookup['retries']['default']) == ('int', 5)
    for name in CONNECTION_OPTIONS:
        documented, shown = module[name], lookup[name]
        assert (shown['description'], shown['type'], shown.get('default')) == (
            documented['description'], documented['type'], documented.get('default')), name
        assert shown['vars'] == [{'name': 'privx_' + name}] and shown['ini'] == [{'section': 'privx', 'key': name}], name
        assert shown['env'], name


def test_every_plugin_lists_requests_among_its_requirements(collections_path):
    """ansible-core's error for a missing requests says to read the module's documentation: it must name it.

    Filters never talk to PrivX (role_arguments reads role variables), so they import no requests and list none.
    """
    for plugin_type in sorted(set(PLUGIN_TYPES.values())):
        names = [name for found_type, name in plugins() if found_type == plugin_type]
        for name, doc in ansible_doc_json(collections_path, plugin_type, names).items():
            listed = [line for line in doc.get('requirements', []) if line.startswith('requests ')]
            if plugin_type == 'filter':
                assert not listed, (name, doc.get('requirements'))
            else:
                assert listed, (name, doc.get('requirements'))


def test_every_module_is_in_the_privx_action_group():
    with open(os.path.join(REPO, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        runtime = yaml.safe_load(handle)
    modules = sorted(name.split('.')[-1] for plugin_type, name in plugins() if plugin_type == 'module')
    assert sorted(runtime['action_groups']['privx']) == modules


def test_managed_accounts_role_converges_then_reports_no_change(ansible, privx):
    declared = [
        {'target_domain': 'corp.example.com', 'exclusive': True,
         'accounts': [{'username': 'alice', 'explicit_checkout': True}, {'username': 'svc_backup', 'comment': 'nightly backup'}]},
        {'target_domain': 'dbdomain', 'accounts': [{'username': 'app_ro', 'comment': 'read only'}]},
    ]
    play = [{'name': 'converge', 'hosts': 'localhost', 'gather_facts': False,
             'roles': [{'role': 'privx.secrets.managed_accounts', 'privx_managed_accounts': declared}]}]
    run = ansible.playbook(play)
    assert run.rc == 0, run.output[-3000:]
    assert 'changed=1' in run.output
    corp = {account['username']: account for account in privx.control.managed_accounts('corp.example.com')}
    assert sorted(corp) == ['alice', 'svc_backup'] and corp['alice']['explicit_checkout'] is True
    assert [account['comment'] for account in privx.control.managed_accounts('dbdomain') if account['username'] == 'app_ro'] == ['read only']
    run = ansible.playbook(play)
    assert run.rc == 0 and 'changed=0' in run.output, run.output[-3000:]


def test_module_defaults_of_the_action_group_reach_every_module_of_a_role(ansible, privx):
    credentials = privx.clients['admin']
    play = [{'name': 'converge', 'hosts': 'localhost', 'gather_facts': False,
             'module_defaults': {'group/privx.secrets.privx': {
                 'url': privx.url, 'client_id': credentials['client_id'], 'client_secret': credentials['client_secret'],
                 'oauth_client_secret': credentials['oauth_client_secret'], 'ca_path': privx.ca_path}},
             'roles': [{'role': 'privx.secrets.managed_accounts',
                        'privx_managed_accounts': [{'target_domain': 'corp.example.com', 'accounts': [{'username': 'bob'}]}]}]}]
    run = ansible.playbook(play, env={name: '' for name in connection_env(privx)})
    assert run.rc == 0, run.output[-3000:]
    assert 'bob' in [account['username'] for account in privx.control.managed_accounts('corp.example.com')]
    assert credentials['client_secret'] not in run.output
