# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the managed_accounts role turns on password rotation of a whole host store in one run.

    .venv/bin/python tests/benchmarks/host_rotation.py

From tests/emulator/fixtures/hosts.json (200 Linux hosts with root, 50 Windows hosts with Administrator, none rotating,
no policy, no template), ONE run of the role creates a password policy and two script templates and enables rotation
of root/Administrator on all 250 hosts, each with an initial password; then the same run again, which must write
nothing. Reported per run: wall seconds, HTTP calls by endpoint, and writes. The role's host level is one task
(host_password_rotation_batch): one search for all the hosts' common names, the policy and template lists once, and,
as PrivX's host store has no batch write, one PUT per host that changes. Asserted (the figures must be true, not only
reported): every host rotates its account with the policy and its template, and the initial password is the
account's current secret, as the emulator holds them; the rerun changed nothing and wrote nothing.

Results are printed and written to tests/benchmarks/results/host_rotation.json. ``hosts=`` makes it small for a smoke run.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from run import REPO, RESULTS, call_counts, install_collection  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration'))

from privx_emulator.harness import EmulatorProcess, fixture_path  # noqa: E402  pylint: disable=wrong-import-position
from harness import AnsibleRunner  # noqa: E402  pylint: disable=wrong-import-position

LINUX_INITIAL = 'planted-bench-linux-root-initial'
WINDOWS_INITIAL = 'planted-bench-windows-admin-initial'
SCRIPTS = {'linux-chpasswd': ('LINUX', "echo '{{.Username}}:{{.Password}}' | chpasswd\n"),
           'windows-net-user': ('WINDOWS', 'net user {{.Username}} "{{.Password}}"\n')}
WRITES = ('POST', 'PUT', 'DELETE')
READ_POSTS = ('/search', '/oauth/token', '/script-template/compile')


def host_entries(linux, windows):
    entries = [{'host': 'lnx%03d' % number, 'operating_system': 'LINUX', 'password_policy': 'hosts-monthly',
                'script_template': 'linux-chpasswd', 'accounts': [{'username': 'root', 'initial_password': LINUX_INITIAL}]}
               for number in range(1, linux + 1)]
    entries += [{'host': 'win%03d' % number, 'operating_system': 'WINDOWS', 'password_policy': 'hosts-monthly',
                 'script_template': 'windows-net-user', 'accounts': [{'username': 'Administrator', 'initial_password': WINDOWS_INITIAL}]}
                for number in range(1, windows + 1)]
    return entries


def role_vars(workdir, linux, windows):
    templates = []
    for name, (operating_system, script) in SCRIPTS.items():
        path = os.path.join(workdir, name + '.tmpl')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(script)
        templates.append({'name': name, 'operating_system': operating_system, 'script_file': path})
    return {'privx_password_policies': [{'name': 'hosts-monthly', 'rotation_interval': '30d', 'password_min_length': 20}],
            'privx_script_templates': templates, 'privx_host_password_rotation': host_entries(linux, windows)}


def measured_run(privx, runner, play, variables):
    mark = privx.control.mark()
    started = time.perf_counter()
    run = runner.playbook(play, extra_vars=variables, timeout=3600)
    seconds = time.perf_counter() - started
    if run.rc != 0:
        raise SystemExit('benchmark run failed:\n' + run.output[-3000:])
    entries = privx.control.requests(since=mark)
    writes = [entry for entry in entries if entry['method'] in WRITES and not entry['path'].endswith(READ_POSTS)]
    for secret in (LINUX_INITIAL, WINDOWS_INITIAL):
        assert secret not in run.output, 'an initial password is in the output'
    return run, {'seconds': round(seconds, 1), 'http_calls': len(entries), 'writes': len(writes), 'calls_by_endpoint': call_counts(entries)}


def check_store(privx, entries):
    """Every declared host rotates its account, named policy and template, initial password as current secret."""
    for entry in entries:
        account = entry['accounts'][0]
        held = privx.control.host_accounts(entry['host'])
        assert held['rotation_enabled'] and held['metadata']['script_template_id'], entry['host']
        (item,) = held['items']
        assert item['account'] == account['username'], (entry['host'], item)
        versions = privx.control.host_secrets(entry['host'], account['username'])
        assert versions[-1]['secret'] == account['initial_password'], entry['host']


def bench_host_rotation(workdir, collections_path, linux=200, windows=50):
    variables = role_vars(workdir, linux, windows)
    play = [{'name': 'host rotation of the whole host store', 'hosts': 'localhost', 'gather_facts': False,
             'roles': [{'role': 'privx.secrets.managed_accounts'}]}]
    with EmulatorProcess(fixture=fixture_path('hosts.json'), tls=True) as privx:
        runner = AnsibleRunner(collections_path, workdir, privx.client_env('admin'))
        _run, first = measured_run(privx, runner, play, variables)
        check_store(privx, variables['privx_host_password_rotation'])
        run, rerun = measured_run(privx, runner, play, variables)
        assert 'changed=0' in run.output and rerun['writes'] == 0, rerun
    hosts = linux + windows
    return {
        'hosts': hosts,
        'first_run': first,
        'no_change_rerun': rerun,
        'calls_per_host': {'first_run': round(first['http_calls'] / hosts, 2), 'rerun': round(rerun['http_calls'] / hosts, 2)},
        'seconds_per_host': {'first_run': round(first['seconds'] / hosts, 3), 'rerun': round(rerun['seconds'] / hosts, 3)},
    }


def main():
    os.makedirs(RESULTS, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix='privx-bench-hosts-')
    try:
        result = bench_host_rotation(workdir, install_collection(workdir))
        print(json.dumps(result, indent=2), flush=True)
        with open(os.path.join(RESULTS, 'host_rotation.json'), 'w', encoding='utf-8') as handle:
            json.dump(result, handle, indent=2)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
