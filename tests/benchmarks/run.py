# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks: HTTP calls from the emulator's request log, wall time as ratios between variants of one run.

    .venv/bin/python tests/benchmarks/run.py [batch] [checkout] [scale] [batch_scale] [module_token] [vault] [vault_role]

batch        one managed_account_batch task on 500 accounts against a loop of managed_account over the same 500
checkout     a 60-host play using the checkout lookup against the same play with ansible.builtin.env (Ansible's own
             cost, the floor) and with a lookup that authenticates and checks out on every call (other collections' way)
scale        1,000 local-connection hosts, forks 50, one play in which every host uses three secret paths in two tasks
             each (two set_fact tasks, each templating all three paths: 6,000 lookups) with the checkout lookup and the
             privx.secrets.checkouts callback, against the same play with ansible.builtin.env lookups (the floor; the
             callback is enabled there too, so that both runs differ in the lookup only). The two are run in turn,
             round by round, and the median of each is compared, in wall time and in CPU seconds (ansible-playbook
             and its workers from getrusage, plus the agent's from /proc/<pid>/stat: less disturbed by other work on
             the machine than wall time). Reported: the checkouts and token grants the emulator logged, and the
             checkout agent's peak resident memory. The agent is the process whose command
             line is ``python -m ...plugin_utils._checkout_agent --controller-pid <ansible-playbook's pid>`` (see
             plugins/plugin_utils/_agent_connection.py); while the play runs, /proc is scanned for it and its
             /proc/<pid>/status is then read every 20 ms until it exits. VmHWM is the kernel's own high-water mark
             of the process's resident set, so sampling can only miss growth in its last 20 ms (its final releases).
module_token a play of 50 managed_account_info tasks on one host (the controller), without and then with a checkout
             lookup before them: the token grants and HTTP calls the emulator logged (the modules borrow the run's token
             from the checkout agent through plugins/action/connection_info.py; each made a grant of its own before), and
             the wall time of each play
batch_scale  one managed_account_batch task declaring 10,000 accounts, against a domain with 20,000 scanned accounts
             (a fixture generated into the temporary directory), run twice: the first convergence, then the rerun
             that must change nothing. Reported: each run's HTTP calls (by endpoint) and wall time, and the
             module's peak resident memory. For that, the task's host uses a wrapper as its Python interpreter
             (written into the temporary directory): it starts the real interpreter on the module, waits for it
             with wait4(2) and records the ru_maxrss the kernel reports for that one process, which is its VmHWM at
             exit. ansible-core runs the module inside that process (AnsiballZ imports it), and the module starts
             no other process, so that is the module's peak, with the interpreter's own start-up included. The
             wrapper also records the module process's wall and CPU seconds, and each run reports the CPU seconds of
             ansible-playbook and all it waited for: with ansible-playbook --syntax-check of the same playbook
             (reported too) they show how much of the wall time is Ansible's own reading and templating of the
             10,000-entry task.

vault        100 local-connection hosts, forks 20, every host reading three Vault secrets in two tasks (600 lookups) with the
             vault lookup, against the same play with ansible.builtin.env lookups (the floor), rounds interleaved, the
             medians compared; beside them the cost of the vendor collection's way (one login and one read per lookup
             per host), computed from the play's lookups. Reported: the token grants and secret reads the emulator
             logged, and each secret's data reads as the emulator counted them.
vault_role   the managed_accounts role declaring 200 Vault secrets with roles: the first run, the no-change rerun (its
             writes must be 0) and a --check --diff run after a change of one key in ten secrets; reported: HTTP calls
             and writes per run, wall time, and whether the diff named the changed keys without their values.

Results are printed and written to tests/benchmarks/results/<name>.json. Nothing here asserts: the figures are reported.
Sizes can be made small for a smoke run: scale(hosts=, rounds=), batch_scale(accounts=, scanned=), vault(hosts=, rounds=),
vault_role(secrets=).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration'))

from harness import AnsibleRunner  # noqa: E402  pylint: disable=wrong-import-position

from privx_emulator.harness import EmulatorProcess, fixture_path  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
RESULTS = os.path.join(HERE, 'results')
TOKEN_PATH = '/auth/api/v1/oauth/token'
CHECKOUTS_PATH = '/authorizer/api/v1/secrets/checkouts'
# How plugins/plugin_utils/_agent_connection.py starts the checkout agent: python -m AGENT_MODULE --controller-pid PID ...
AGENT_MODULE = 'ansible_collections.privx.secrets.plugins.plugin_utils._checkout_agent'
UUID = re.compile(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')


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


def call_counts(entries):
    """The logged calls by endpoint ('POST /path/{id}/...': count), most frequent first."""
    counts = {}
    for entry in entries:
        label = '%s %s' % (entry['method'], UUID.sub('{id}', entry['path']))
        counts[label] = counts.get(label, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def emulator_seconds(entries):
    """Seconds the emulator spent answering these calls (their duration_ms, summed)."""
    return round(sum(entry.get('duration_ms') or 0 for entry in entries) / 1000.0, 2)


def children_cpu_seconds():
    """User + system seconds of this process's children that were waited for (and of what they waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_seconds(pid):
    """User + system seconds a running process has used so far, from /proc/<pid>/stat, or None."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as handle:
            fields = handle.read().rsplit(b')', 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf('SC_CLK_TCK'))


def _status_kib(pid, fields=('VmHWM', 'VmRSS')):
    """Fields of /proc/<pid>/status in KiB, or None when the process is gone."""
    try:
        with open('/proc/%d/status' % pid, encoding='ascii', errors='replace') as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    values = {}
    for line in lines:
        name, _colon, rest = line.partition(':')
        if name in fields:
            values[name] = int(rest.split()[0])
    return values


def find_agent(controller_pid):
    """The pid of the checkout agent that serves this ansible-playbook process, or None."""
    wanted = ['-m', AGENT_MODULE, '--controller-pid', str(controller_pid)]
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % name, 'rb') as handle:
                argv = handle.read().decode(errors='replace').split('\0')
        except OSError:
            continue
        if argv[1:5] == wanted:
            return int(name)
    return None


class AgentMemory(threading.Thread):
    """Watches /proc while a playbook runs: finds its checkout agent, then keeps its highest VmHWM and VmRSS."""

    SCAN_INTERVAL = 0.2   # looking for the agent (the whole run when there is none, as in the floor variant)
    SAMPLE_INTERVAL = 0.02

    def __init__(self, controller_pid):
        super().__init__(daemon=True)
        self.controller_pid = controller_pid
        self.stopping = threading.Event()
        self.agent_pid = None
        self.samples = 0
        self.peak_hwm_kib = 0
        self.peak_rss_kib = 0
        self.cpu_seconds = 0.0

    def run(self):
        while not self.stopping.is_set() and self.agent_pid is None:
            self.agent_pid = find_agent(self.controller_pid)
            if self.agent_pid is None:
                self.stopping.wait(self.SCAN_INTERVAL)
        while self.agent_pid is not None:
            values = _status_kib(self.agent_pid)
            if not values:
                return  # the agent has exited
            self.samples += 1
            self.cpu_seconds = _cpu_seconds(self.agent_pid) or self.cpu_seconds
            self.peak_hwm_kib = max(self.peak_hwm_kib, values.get('VmHWM', 0))
            self.peak_rss_kib = max(self.peak_rss_kib, values.get('VmRSS', 0))
            time.sleep(self.SAMPLE_INTERVAL)

    def figures(self):
        if self.agent_pid is None:
            return None
        return {'peak_VmHWM_MiB': round(self.peak_hwm_kib / 1024.0, 1), 'peak_VmRSS_MiB': round(self.peak_rss_kib / 1024.0, 1),
                'cpu_seconds': round(self.cpu_seconds, 2), 'samples': self.samples}


def run_watched(runner, plays, inventory, forks, env=None, timeout=1800):
    """Run a playbook while watching its checkout agent.

    Returns (wall seconds, CPU seconds of ansible-playbook and its workers, the agent's figures or None). The agent
    leaves ansible-playbook's process tree (plugins/plugin_utils/_agent_connection.py starts it in a session of its
    own), so its CPU seconds are read from /proc apart.
    """
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    process, _results = runner.start(plays, env=env, inventory=inventory, forks=forks)
    watcher = AgentMemory(process.pid)
    watcher.start()
    try:
        output, _unused = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _unused = process.communicate()
    elapsed = time.perf_counter() - started
    cpu = children_cpu_seconds() - cpu_before
    watcher.stopping.set()
    watcher.join(timeout=10)
    if process.returncode != 0:
        raise SystemExit('benchmark run failed:\n' + output[-3000:])
    return elapsed, cpu, watcher.figures()


SCALE_PATHS = ('dbdomain/app_admin', 'dbdomain/reporting', 'corp.example.com/svc_backup')  # demo.json's three checkout-able accounts


def scale_play(expression):
    """Every host uses the three paths in two tasks each; the facts keep digests, never the values.

    ``expression(number, path)`` is the Jinja expression that reads path number ``number``.
    """
    facts = {'secret_%d' % number: "{{ %s | hash('sha256') }}" % expression(number, path)
             for number, path in enumerate(SCALE_PATHS, start=1)}
    return [{'name': 'scale', 'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': 'first use of the three paths', 'ansible.builtin.set_fact': dict(facts)},
        {'name': 'second use of the three paths', 'ansible.builtin.set_fact': dict(facts)},
    ]}]


def bench_scale(workdir, collections_path, hosts=1000, forks=50, rounds=3):
    variants = {
        'env_floor': scale_play(lambda number, path: "lookup('ansible.builtin.env', 'BENCH_SECRET_%d')" % number),
        'privx_checkout': scale_play(lambda number, path: "lookup('privx.secrets.checkout', '%s')" % path),
    }
    env_values = {'BENCH_SECRET_%d' % number: 'not-a-secret-%d' % number for number in range(1, len(SCALE_PATHS) + 1)}
    seconds = {name: [] for name in variants}
    cpu = {name: [] for name in variants}
    memory = []
    calls = []
    left_active = []
    with EmulatorProcess(fixture=fixture_path('demo.json'), tls=True) as privx:
        # Only the checkouts callback, as the README recommends; the test-results callback would add its own cost.
        runner = AnsibleRunner(collections_path, workdir, dict(
            privx.client_env('admin'), ANSIBLE_CALLBACKS_ENABLED='privx.secrets.checkouts', **env_values))
        inventory = runner.inventory(['host%04d' % number for number in range(1, hosts + 1)], name='scale-hosts')
        for _round in range(rounds):
            for name, plays in variants.items():
                privx.control.reset()
                mark = privx.control.mark()
                elapsed, cpu_seconds, agent = run_watched(runner, plays, inventory, forks)
                seconds[name].append(elapsed)
                # The agent's CPU is part of the lookup's cost: added to the run's, which does not include it.
                cpu[name].append(cpu_seconds + (agent['cpu_seconds'] if agent else 0.0))
                if name == 'privx_checkout':
                    entries = privx.control.requests(since=mark)
                    calls.append(call_counts(entries))
                    memory.append(agent)
                    left_active.append(len(privx.control.checkouts()))
                print('  %s round %d: %.1f s, %.1f CPU s' % (name, _round + 1, elapsed, cpu[name][-1]), file=sys.stderr, flush=True)
    median = {name: statistics.median(values) for name, values in seconds.items()}
    per_round = [round(privx_time / floor, 3) for privx_time, floor in zip(seconds['privx_checkout'], seconds['env_floor'])]
    checkouts = [counts.get('POST ' + CHECKOUTS_PATH, 0) for counts in calls]
    tokens = [counts.get('POST ' + TOKEN_PATH, 0) for counts in calls]
    hwm = [figures['peak_VmHWM_MiB'] for figures in memory if figures]
    return {
        'hosts': hosts, 'forks': forks, 'rounds': rounds, 'paths': list(SCALE_PATHS), 'lookups_per_run': hosts * 2 * len(SCALE_PATHS),
        'seconds': {name: [round(value, 2) for value in values] for name, values in seconds.items()},
        'median_seconds': {name: round(value, 2) for name, value in median.items()},
        'time_vs_env_floor': round(median['privx_checkout'] / median['env_floor'], 3),
        'time_vs_env_floor_per_round': per_round,
        # CPU seconds (ansible-playbook, its workers and, for the lookup, the agent): less sensitive to the machine's
        # load than wall time, which on a shared machine also counts other processes' turns.
        'median_cpu_seconds': {name: round(statistics.median(values), 2) for name, values in cpu.items()},
        'cpu_vs_env_floor': round(statistics.median(cpu['privx_checkout']) / statistics.median(cpu['env_floor']), 3),
        'checkouts_made': sorted(set(checkouts)),
        'token_grants': sorted(set(tokens)),
        'http_calls': calls[-1] if calls else {},
        'checkouts_left_active_after_run': max(left_active) if left_active else None,
        'agent_memory': memory[-1] if memory else None,
        'agent_peak_VmHWM_MiB_max_over_rounds': max(hwm) if hwm else None,
        'targets': {'checkouts_made': 3, 'token_grants': 1, 'agent_peak_VmHWM_MiB': '< 50', 'time_vs_env_floor': '<= 1.1'},
    }


PEAK_WRAPPER = """#!{python}
# Runs the real interpreter on the module and records that one process's peak resident set (ru_maxrss, KiB).
import json, os, subprocess, sys, time
started = time.monotonic()
child = subprocess.Popen([{python!r}] + sys.argv[1:])
_pid, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
log = os.environ.get('BENCH_PEAK_MEMORY_LOG')
if log:
    with open(log, 'a', encoding='utf-8') as handle:
        handle.write(json.dumps({{'argv': sys.argv[1:], 'maxrss_kib': usage.ru_maxrss, 'wall': time.monotonic() - started,
                                 'cpu': usage.ru_utime + usage.ru_stime}}) + '\\n')
sys.exit(child.returncode)
"""


def _peak_interpreter(workdir):
    path = os.path.join(workdir, 'peak-python')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(PEAK_WRAPPER.format(python=sys.executable))
    os.chmod(path, 0o755)
    return path


def _scale_fixture(workdir, scanned):
    """large.json's clients and policy, with one domain of ``scanned`` generated scanned accounts."""
    with open(fixture_path('large.json'), encoding='utf-8') as handle:
        fixture = json.load(handle)
    fixture['description'] = 'batch_scale benchmark: %d generated scanned accounts' % scanned
    fixture['target_domains'] = [{'name': 'scale.example.com', 'comment': 'batch_scale benchmark',
                                  'generate_scanned_accounts': {'count': scanned, 'prefix': 'user', 'start': 1, 'width': 5}}]
    path = os.path.join(workdir, 'batch-scale-%d.json' % scanned)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(fixture, handle)
    return path


def bench_batch_scale(workdir, collections_path, accounts=10000, scanned=20000):
    domain = 'scale.example.com'
    usernames = ['user%05d' % number for number in range(1, accounts + 1)]
    inventory = os.path.join(workdir, 'peak-inventory.ini')
    with open(inventory, 'w', encoding='utf-8') as handle:
        handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % _peak_interpreter(workdir))
    peak_log = os.path.join(workdir, 'peak-memory.jsonl')
    play = [{'name': 'batch at scale', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [{
        'name': 'declare every account', 'privx.secrets.managed_account_batch': {
            'target_domain': domain, 'accounts': [{'username': name, 'explicit_checkout': True, 'comment': 'batch_scale'}
                                                  for name in usernames]}}]}]
    result = {'accounts': accounts, 'scanned_accounts': scanned}
    with EmulatorProcess(fixture=_scale_fixture(workdir, scanned), tls=True) as privx:
        runner = AnsibleRunner(collections_path, workdir, privx.client_env('admin'))
        for name in ('first_convergence', 'no_change_rerun'):
            if os.path.exists(peak_log):
                os.unlink(peak_log)
            mark = privx.control.mark()
            cpu_before = children_cpu_seconds()
            started = time.perf_counter()
            run = runner.playbook(play, inventory=inventory, env={'BENCH_PEAK_MEMORY_LOG': peak_log}, timeout=1800)
            elapsed = time.perf_counter() - started
            cpu = children_cpu_seconds() - cpu_before
            if run.rc != 0:
                raise SystemExit('benchmark run failed:\n' + run.output[-3000:])
            entries = privx.control.requests(since=mark)
            with open(peak_log, encoding='utf-8') as handle:
                modules = [json.loads(line) for line in handle if line.strip()]
            peaks = [entry['maxrss_kib'] for entry in modules]
            task = run.task('declare every account')
            result[name] = {
                'changed': task['changed'], 'seconds': round(elapsed, 2), 'http_calls': len(entries),
                # ansible-playbook with its workers and the module (all waited for): what the run costs the machine
                'cpu_seconds': round(cpu, 2),
                'emulator_seconds': emulator_seconds(entries), 'calls_by_endpoint': call_counts(entries),
                'module_peak_rss_MiB': round(max(peaks) / 1024.0, 1) if peaks else None,
                # the module process alone: the rest of the wall time is the controller's (templating, arguments, results)
                'module_seconds': round(sum(entry['wall'] for entry in modules), 2),
                'module_cpu_seconds': round(sum(entry['cpu'] for entry in modules), 2),
            }
            print('  %s: %s' % (name, json.dumps(result[name])), file=sys.stderr, flush=True)
        result['managed_after'] = len(privx.control.managed_accounts(domain))
        result['ansible_parse_only'] = _syntax_check(runner, play, inventory)
    result['targets'] = {'first_convergence': {'http_calls': '<= 45'},
                         'no_change_rerun': {'http_calls': '<= 15', 'seconds': '< 15', 'changed': False}}
    return result


def bench_module_token(workdir, collections_path, tasks=50):
    info = [{'name': 'info %d' % number, 'privx.secrets.managed_account_info': {'target_domain': 'dbdomain'}}
            for number in range(tasks)]
    lookup = {'name': 'lookup', 'ansible.builtin.set_fact': {
        'digest': "{{ lookup('privx.secrets.checkout', 'dbdomain/app_admin') | hash('sha256') }}"}}
    variants = {'modules_only': info, 'lookup_and_modules': [lookup] + info}
    figures = {'module_tasks': tasks}
    with EmulatorProcess(fixture=fixture_path('demo.json'), tls=True) as privx:
        runner = AnsibleRunner(collections_path, workdir, dict(privx.client_env('admin'),
                                                               ANSIBLE_CALLBACKS_ENABLED='privx.secrets.checkouts'))
        for name, play_tasks in variants.items():
            privx.control.reset()
            mark = privx.control.mark()
            started = time.perf_counter()
            # -vvv, where the action plugin says why a module task made a grant of its own
            run = runner.playbook([{'name': name, 'hosts': 'localhost', 'gather_facts': False, 'tasks': play_tasks}], verbosity=3)
            elapsed = time.perf_counter() - started
            if run.rc != 0:
                raise SystemExit('benchmark run failed:\n' + run.output[-3000:])
            calls = privx.control.requests(since=mark)
            figures[name] = {'token_grants': len([entry for entry in calls if entry['path'] == TOKEN_PATH]),
                             'http_calls': len(calls), 'seconds': round(elapsed, 2),
                             'own_grants_because': re.findall(r'the module authenticates itself: (.*)', run.output)}
    return figures


def _syntax_check(runner, play, inventory):
    """Ansible's own cost of reading the same playbook (ansible-playbook --syntax-check): part of every run's time."""
    path = os.path.join(runner.workdir, 'syntax-check.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(play, handle, sort_keys=False)
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    subprocess.run([os.path.join(BIN, 'ansible-playbook'), '--syntax-check', path, '-i', inventory], cwd=runner.workdir,
                   env=runner.env(), capture_output=True, check=True)
    return {'seconds': round(time.perf_counter() - started, 2), 'cpu_seconds': round(children_cpu_seconds() - cpu_before, 2)}


VAULT_NAMES = ('bench/db', 'bench/api', 'bench/tls')
VAULT_SECRETS_PATH = '/vault/api/v1/secrets'
VAULT_NAME_IN_PATH = re.compile(r'^(/vault/api/v1/(?:metadata/)?secrets/).+$')


def _vault_fixture(workdir, names=VAULT_NAMES):
    """demo.json with the benchmark's Vault secrets, which its admin API client (privx-admin) may read."""
    with open(fixture_path('demo.json'), encoding='utf-8') as handle:
        fixture = json.load(handle)
    fixture['description'] = 'vault benchmark: demo.json and %d Vault secrets' % len(names)
    fixture['vault_secrets'] = fixture.get('vault_secrets', []) + [
        {'name': name, 'read_roles': ['privx-admin'], 'write_roles': ['privx-admin'],
         'data': {'user': 'bench-%d' % number, 'password': 'bench-vault-value-%d' % number}}
        for number, name in enumerate(names, start=1)]
    path = os.path.join(workdir, 'vault-bench.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(fixture, handle)
    return path


def vault_play(expression):
    """Every host reads the three secrets in two tasks; the facts keep digests, never the values."""
    facts = {'secret_%d' % number: "{{ %s | to_json | hash('sha256') }}" % expression(number, name)
             for number, name in enumerate(VAULT_NAMES, start=1)}
    return [{'name': 'vault', 'hosts': 'all', 'gather_facts': False, 'tasks': [
        {'name': 'first use of the three secrets', 'ansible.builtin.set_fact': dict(facts)},
        {'name': 'second use of the three secrets', 'ansible.builtin.set_fact': dict(facts)},
    ]}]


def bench_vault(workdir, collections_path, hosts=100, forks=20, rounds=3, vendor_style=True):
    variants = {
        'env_floor': vault_play(lambda number, name: "lookup('ansible.builtin.env', 'BENCH_SECRET_%d')" % number),
        'privx_vault': vault_play(lambda number, name: "lookup('privx.secrets.vault', '%s')" % name),
        'vendor_style': vault_play(lambda number, name: "lookup('naive_vault', '%s')" % name),
    }
    if not vendor_style:
        del variants['vendor_style']
    env_values = {'BENCH_SECRET_%d' % number: 'not-a-secret-%d' % number for number in range(1, len(VAULT_NAMES) + 1)}
    seconds = {name: [] for name in variants}
    calls, reads, vendor_calls = [], [], []
    with EmulatorProcess(fixture=_vault_fixture(workdir), tls=True) as privx:
        runner = AnsibleRunner(collections_path, workdir, dict(
            privx.client_env('admin'), ANSIBLE_CALLBACKS_ENABLED='privx_test_results,privx.secrets.checkouts',
            ANSIBLE_LOOKUP_PLUGINS=os.path.join(HERE, 'plugins', 'lookup'), **env_values))
        inventory = runner.inventory(['host%03d' % number for number in range(1, hosts + 1)], name='vault-hosts')
        for _round in range(rounds):
            for name, plays in variants.items():
                privx.control.reset()
                mark = privx.control.mark()
                elapsed, _cpu, _agent = run_watched(runner, plays, inventory, forks)
                seconds[name].append(elapsed)
                if name == 'privx_vault':
                    calls.append(call_counts(privx.control.requests(since=mark)))
                    reads.append({secret['name']: secret['data_reads'] for secret in privx.control.vault_secrets()
                                  if secret['name'] in VAULT_NAMES})
                elif name == 'vendor_style':
                    vendor_calls.append(len(privx.control.requests(since=mark)))
                print('  %s round %d: %.1f s' % (name, _round + 1, elapsed), file=sys.stderr, flush=True)
    median = {name: statistics.median(values) for name, values in seconds.items()}
    lookups = hosts * 2 * len(VAULT_NAMES)
    secret_reads = [sum(count for label, count in counts.items() if label.startswith('GET ' + VAULT_SECRETS_PATH + '/'))
                    for counts in calls]
    return {
        'hosts': hosts, 'forks': forks, 'rounds': rounds, 'secrets': list(VAULT_NAMES), 'lookups_per_run': lookups,
        'seconds': {name: [round(value, 2) for value in values] for name, values in seconds.items()},
        'median_seconds': {name: round(value, 2) for name, value in median.items()},
        'time_vs_env_floor': round(median['privx_vault'] / median['env_floor'], 3),
        'time_vs_env_floor_per_round': [round(vault / floor, 3) for vault, floor in zip(seconds['privx_vault'], seconds['env_floor'])],
        'vendor_style_time_vs_env_floor': round(median['vendor_style'] / median['env_floor'], 3) if vendor_style else None,
        'token_grants': sorted(set(counts.get('POST ' + TOKEN_PATH, 0) for counts in calls)),
        'secret_reads': sorted(set(secret_reads)),
        'data_reads_per_secret': reads[-1] if reads else {},
        'http_calls': calls[-1] if calls else {},
        # The vendor collection's way: every lookup logs in and reads (one token grant, one GET); computed, and measured
        # with tests/benchmarks/plugins/lookup/naive_vault.py.
        'vendor_style_http_calls': {'token_grants': lookups, 'secret_reads': lookups, 'total': 2 * lookups},
        'vendor_style_http_calls_measured': sorted(set(vendor_calls)),
        'targets': {'token_grants': 1, 'secret_reads': len(VAULT_NAMES), 'time_vs_env_floor': '<= 1.1'},
    }


def vault_role_secrets(count, changed=()):
    """``count`` declared Vault secrets with roles; the numbers in ``changed`` get a new password."""
    return [{'name': 'app%03d/config' % number, 'read_roles': ['privx-admin', 'ops'], 'write_roles': ['privx-admin'],
             'data': {'user': 'app%03d' % number, 'password': 'role-bench-%03d-%s' % (number, 'two' if number in changed else 'one'),
                      'port': 5432}}
            for number in range(1, count + 1)]


def vault_role_play(declared):
    return [{'name': 'vault as code', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'declare', 'ansible.builtin.include_role': {'name': 'privx.secrets.managed_accounts'},
         'vars': {'privx_vault_secrets': declared}}]}]


def bench_vault_role(workdir, collections_path, secrets=200):
    changed = set(range(1, secrets + 1, 10))
    result = {'secrets': secrets}
    with EmulatorProcess(fixture=fixture_path('demo.json'), tls=True) as privx:
        runner = AnsibleRunner(collections_path, workdir, privx.client_env('admin'))
        for name, declared, check in (('first_run', vault_role_secrets(secrets), False),
                                      ('no_change_rerun', vault_role_secrets(secrets), False),
                                      ('check_diff_after_change', vault_role_secrets(secrets, changed), True)):
            mark = privx.control.mark()
            started = time.perf_counter()
            run = runner.playbook(vault_role_play(declared), check=check, diff=check, timeout=3600)
            elapsed = time.perf_counter() - started
            if run.rc != 0:
                raise SystemExit('benchmark run failed:\n' + run.output[-3000:])
            entries = privx.control.requests(since=mark)
            writes = [entry for entry in entries if entry['method'] in ('POST', 'PUT', 'DELETE')
                      and not entry['path'].endswith(('/oauth/token', '/resolve'))]
            results = run.task('privx.secrets.managed_accounts : Create, update and delete the Vault secrets').get('results', [])
            result[name] = {'seconds': round(elapsed, 2), 'http_calls': len(entries), 'writes': len(writes),
                            'changed': sum(1 for item in results if item.get('changed')),
                            'calls_by_endpoint': call_counts([dict(entry, path=VAULT_NAME_IN_PATH.sub(r'\1{name}', entry['path']))
                                                              for entry in entries])}
            if check:
                values = [item['data']['password'] for item in declared]
                result[name]['diff_names_changed_keys'] = run.output.count('<hidden, changed>')
                result[name]['values_in_output'] = sum(1 for value in values if value in run.output)
            print('  %s: %s' % (name, json.dumps({key: value for key, value in result[name].items() if key != 'calls_by_endpoint'})),
                  file=sys.stderr, flush=True)
        result['held_after'] = sum(1 for secret in privx.control.vault_secrets() if secret['name'].startswith('app'))
    result['targets'] = {'no_change_rerun': {'writes': 0, 'changed': 0}, 'check_diff_after_change': {'values_in_output': 0}}
    return result


BENCHMARKS = {'batch': bench_batch, 'checkout': bench_checkout, 'scale': bench_scale, 'batch_scale': bench_batch_scale,
              'module_token': bench_module_token, 'vault': bench_vault, 'vault_role': bench_vault_role}


def main(names):
    names = names or ['batch', 'checkout']
    os.makedirs(RESULTS, exist_ok=True)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        raise SystemExit('unknown benchmark(s) %s; choose from %s' % (', '.join(unknown), ', '.join(BENCHMARKS)))
    workdir = tempfile.mkdtemp(prefix='privx-bench-')
    try:
        collections_path = install_collection(workdir)
        for name in names:
            result = BENCHMARKS[name](workdir, collections_path)
            print('== %s\n%s' % (name, json.dumps(result, indent=2)), flush=True)
            with open(os.path.join(RESULTS, name + '.json'), 'w', encoding='utf-8') as handle:
                json.dump(result, handle, indent=2)
    finally:
        # playbooks, inventories, the installed collection and the generated fixture
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main(sys.argv[1:])
