# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks: HTTP calls from the emulator's request log, wall time as ratios between variants of one run.

    .venv/bin/python tests/benchmarks/run.py [batch] [checkout]

batch     one managed_account_batch task on 500 accounts against a loop of managed_account over the same 500
checkout  a 60-host play using the checkout lookup against the same play with ansible.builtin.env (Ansible's own
          cost, the floor) and with a lookup that authenticates and checks out on every call (other collections' way)

Results are printed and written to tests/benchmarks/results/<name>.json. Nothing here asserts: the figures are reported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration'))

from harness import AnsibleRunner  # noqa: E402  pylint: disable=wrong-import-position

from privx_emulator.harness import EmulatorProcess, fixture_path  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
RESULTS = os.path.join(HERE, 'results')


def install_collection(workdir):
    env = {key: value for key, value in os.environ.items() if not key.startswith('ANSIBLE_')}
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', REPO, '--output-path', workdir, '--force'],
                   check=True, capture_output=True, env=env)
    tarball = [name for name in os.listdir(workdir) if name.endswith('.tar.gz')][0]
    target = os.path.join(workdir, 'collections')
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', os.path.join(workdir, tarball),
                    '-p', target], check=True, capture_output=True, env=env)
    return target


def measured(privx, runner, plays, **kwargs):
    """Run a playbook; returns (wall seconds, API calls the emulator logged)."""
    mark = privx.control.mark()
    started = time.perf_counter()
    run = runner.playbook(plays, **kwargs)
    elapsed = time.perf_counter() - started
    if run.rc != 0:
        raise SystemExit('benchmark run failed:\n' + run.output[-3000:])
    return elapsed, len(privx.control.requests(since=mark))


def bench_batch(workdir, collections_path):
    usernames = ['user%05d' % number for number in range(1, 501)]
    settings = {'explicit_checkout': True, 'comment': 'benchmark'}
    with EmulatorProcess(fixture=fixture_path('large.json'), tls=True) as privx:
        runner = AnsibleRunner(collections_path, workdir, privx.client_env('admin'))
        domain = 'large.example.com'
        single = [{'name': 'loop', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [{
            'name': 'one account per task', 'privx.secrets.managed_account': dict(settings, target_domain=domain, username='{{ item }}'),
            'loop': usernames}]}]
        batch = [{'name': 'batch', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [{
            'name': 'all accounts in one task', 'privx.secrets.managed_account_batch': {
                'target_domain': domain, 'accounts': [dict(settings, username=name) for name in usernames]}}]}]
        privx.control.reset()
        loop_seconds, loop_calls = measured(privx, runner, single)
        assert len(privx.control.managed_accounts(domain)) == 500
        privx.control.reset()
        batch_seconds, batch_calls = measured(privx, runner, batch)
        assert len(privx.control.managed_accounts(domain)) == 500
    return {
        'accounts': 500,
        'managed_account_loop': {'seconds': round(loop_seconds, 2), 'http_calls': loop_calls},
        'managed_account_batch': {'seconds': round(batch_seconds, 2), 'http_calls': batch_calls},
        'fewer_calls': round(loop_calls / batch_calls, 1),
        'less_wall_time': round(loop_seconds / batch_seconds, 1),
        'targets': {'fewer_calls': 50, 'less_wall_time': 10},
    }


def checkout_play(expression_a, expression_b):
    return [{'name': 'deploy', 'hosts': 'all', 'gather_facts': False, 'vars': {'app_password': expression_a}, 'tasks': [
        {'name': 'first use', 'ansible.builtin.set_fact': {'digest': "{{ app_password | hash('sha256') }}"}},
        {'name': 'second use', 'ansible.builtin.set_fact': {'digest': "{{ app_password | hash('sha256') }}"}},
        {'name': 'third use', 'ansible.builtin.set_fact': {'digest': "{{ app_password | hash('sha256') }}"}},
        {'name': 'other path', 'ansible.builtin.set_fact': {'other': "{{ %s | hash('sha256') }}" % expression_b}},
    ]}]


def bench_checkout(workdir, collections_path, rounds=5):
    variants = {
        'env_floor': checkout_play("{{ lookup('ansible.builtin.env', 'BENCH_SECRET_A') }}", "lookup('ansible.builtin.env', 'BENCH_SECRET_B')"),
        'privx_checkout': checkout_play("{{ lookup('privx.secrets.checkout', 'dbdomain/app_admin') }}",
                                        "lookup('privx.secrets.checkout', 'dbdomain/reporting')"),
        'naive_per_call': checkout_play("{{ lookup('naive_checkout', 'dbdomain/app_admin') }}", "lookup('naive_checkout', 'dbdomain/reporting')"),
    }
    seconds = {name: [] for name in variants}
    calls = {}
    with EmulatorProcess(fixture=fixture_path('demo.json'), tls=True) as privx:
        runner = AnsibleRunner(collections_path, workdir, dict(
            privx.client_env('admin'), BENCH_SECRET_A='not-a-secret-a', BENCH_SECRET_B='not-a-secret-b',
            ANSIBLE_LOOKUP_PLUGINS=os.path.join(HERE, 'plugins', 'lookup'),
            ANSIBLE_CALLBACKS_ENABLED='privx_test_results,privx.secrets.checkouts'))
        inventory = runner.inventory(['host%02d' % number for number in range(1, 61)])
        # Variants interleaved round by round, so that the machine's load shifts hit them alike.
        for _round in range(rounds):
            for name, plays in variants.items():
                privx.control.reset()
                elapsed, made = measured(privx, runner, plays, inventory=inventory, forks=20)
                seconds[name].append(elapsed)
                calls[name] = made
    median = {name: statistics.median(values) for name, values in seconds.items()}
    return {
        'hosts': 60, 'forks': 20, 'rounds': rounds,
        'median_seconds': {name: round(value, 2) for name, value in median.items()},
        'http_calls': calls,
        'time_vs_env_floor': round(median['privx_checkout'] / median['env_floor'], 3),
        'fewer_calls_than_naive': round(calls['naive_per_call'] / calls['privx_checkout'], 1),
        'targets': {'time_vs_env_floor': 1.2, 'fewer_calls_than_naive': 5},
    }


def main(names):
    names = names or ['batch', 'checkout']
    os.makedirs(RESULTS, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix='privx-bench-')
    collections_path = install_collection(workdir)
    for name in names:
        result = {'batch': bench_batch, 'checkout': bench_checkout}[name](workdir, collections_path)
        print('== %s\n%s' % (name, json.dumps(result, indent=2)), flush=True)
        with open(os.path.join(RESULTS, name + '.json'), 'w', encoding='utf-8') as handle:
            json.dump(result, handle, indent=2)


if __name__ == '__main__':
    main(sys.argv[1:])
