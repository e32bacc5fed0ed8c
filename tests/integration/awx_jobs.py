# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs playbooks as AWX runs a job: ansible-runner (AWX's own job runner) with a private data directory per job, the
credential type's injectors rendered into the environment, and the extra variables AWX adds to every job.

What AWX adds comes from ansible/awx: ``awx_meta_vars`` in awx/main/models/unified_jobs.py and awx/main/models/jobs.py
(``awx_job_id``, ``awx_job_launch_type``, ``awx_workflow_job_id`` and ``awx_workflow_job_name`` for the nodes of a
workflow job, which is what the slices of a sliced job are (docs/job_slicing.md), each also as ``tower_*``), and
``build_env`` in awx/main/tasks/jobs.py (``JOB_ID``, ``INVENTORY_ID``, ``AWX_PRIVATE_DATA_DIR``). A slice gets no
variable of its own for its slice number: only its share of the inventory differs.
"""

from __future__ import annotations

import os
import sys

import jinja2
import yaml

from conftest import REPO, connection_env

AWX_PREFIXES = ('awx', 'tower')


def credential_environment(privx, workdir, exchange_token=None):
    """What AWX does with a credential of our type: write the file injectors, render the env injectors.

    With ``exchange_token``, a credential of the type *PrivX token exchange* (meta/awx/credential_type_exchange.yml)
    holding it, as the PrivX credential plugin hands it over: no API client."""
    type_file = 'credential_type_exchange.yml' if exchange_token else 'credential_type.yml'
    with open(os.path.join(REPO, 'meta', 'awx', type_file), encoding='utf-8') as handle:
        credential_type = yaml.safe_load(handle)
    env = connection_env(privx)
    with open(privx.ca_path, encoding='utf-8') as handle:
        if exchange_token:
            inputs = {'url': env['PRIVX_URL'], 'exchange_token': exchange_token, 'exchange_scope': '', 'ca_bundle': handle.read()}
        else:
            inputs = {'url': env['PRIVX_URL'], 'client_id': env['PRIVX_CLIENT_ID'], 'client_secret': env['PRIVX_CLIENT_SECRET'],
                      'oauth_client_id': env['PRIVX_OAUTH_CLIENT_ID'], 'oauth_client_secret': env['PRIVX_OAUTH_CLIENT_SECRET'],
                      'ca_bundle': handle.read()}
    declared = {field['id'] for field in credential_type['inputs']['fields']}
    assert set(inputs) == declared and set(credential_type['inputs']['required']) <= declared
    files = {}
    for name, template in credential_type['injectors']['file'].items():
        path = os.path.join(workdir, 'credential-' + name.split('.', 1)[1])
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), 'w', encoding='utf-8') as handle:
            handle.write(jinja2.Template(template).render(**inputs))
        files[name.split('.', 1)[1]] = path
    context = dict(inputs, tower={'filename': files})
    return {name: jinja2.Template(template).render(**context) for name, template in credential_type['injectors']['env'].items()}


def awx_meta_vars(job_id, template_name, inventory_id=1, workflow_job_id=None, workflow_job_name=None):
    """The extra variables AWX gives a job (and a node of a workflow job, a slice among them)."""
    variables = {}
    for prefix in AWX_PREFIXES:
        variables.update({
            prefix + '_job_id': job_id,
            prefix + '_job_launch_type': 'workflow' if workflow_job_id else 'manual',
            prefix + '_job_template_id': 7,
            prefix + '_job_template_name': template_name,
            prefix + '_inventory_id': inventory_id,
            prefix + '_inventory_name': 'fleet',
            prefix + '_project_revision': '0' * 40,
        })
        if workflow_job_id:
            variables.update({prefix + '_workflow_job_id': workflow_job_id, prefix + '_workflow_job_name': workflow_job_name,
                              prefix + '_workflow_job_launch_type': 'manual'})
    return variables


def job_directory(root, name, playbook, hosts):
    """A job's private data directory (project, inventory) and its HOME: a job's container has its own."""
    private = os.path.join(root, name)
    os.makedirs(os.path.join(private, 'project'))
    os.makedirs(os.path.join(private, 'inventory'))
    os.makedirs(os.path.join(private, 'home'))
    with open(os.path.join(private, 'project', 'job.yml'), 'w', encoding='utf-8') as handle:
        handle.write(playbook if isinstance(playbook, str) else yaml.safe_dump(playbook, sort_keys=False))
    with open(os.path.join(private, 'inventory', 'hosts'), 'w', encoding='utf-8') as handle:
        handle.write('[all]\n' + ''.join('%s ansible_connection=local ansible_python_interpreter=%s\n' % (host, sys.executable)
                                         for host in hosts))
    return private


def job_environment(privx, private, collections_path, job_id, extra=None):
    env = credential_environment(privx, private)
    env.update(ANSIBLE_COLLECTIONS_PATH=collections_path, HOME=os.path.join(private, 'home'),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
               JOB_ID=str(job_id), INVENTORY_ID='1', AWX_PRIVATE_DATA_DIR=private,
               ANSIBLE_CALLBACKS_ENABLED='privx.secrets.checkouts')
    env.update(extra or {})
    return env
