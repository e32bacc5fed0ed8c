# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix (issue 10, part 1): every row of fault_matrix.py under every column, through real ansible-playbook runs.

A cell: reset the emulator, inject the column's fault into the row's call (through the control API), run the row's task,
wait until no request is in flight, then judge from the emulator's state and request log:

- the task succeeded and PrivX holds exactly the declared state (``ok``), or it failed with one line naming the call
  and the cause (``failed-clean``); the column says which of the two a correct collection may show;
- no checkout is active once the run has ended;
- a rerun without faults converges (it succeeds, PrivX holds the declared state, and a second run reports no change);
- over both runs, no write was applied twice. Applied writes are counted from the request log (answered 2xx) plus the
  writes a drop-after-applying fault made. A POST (create, batch create/delete/rotate, release) must be applied exactly
  once; the rows whose write is idempotent (a PUT, batch edit) may send the same write again after a lost answer, which
  by HTTP's definition of idempotent has no further effect.

The emulator keeps its state in a SQLite file, so that the restart column can stop it and start it again on the same
port and file (its tokens expired first: state kept, tokens gone). One emulator per test module and xdist worker.
"""

from __future__ import annotations

import concurrent.futures
import re
import shutil
import tempfile
import time
from urllib.parse import urlsplit

import pytest

from conftest import FIXTURE, connection_env
from fault_matrix import CELLS, FAILED_CLEAN, OK, TIMEOUT, matches, names_call_and_cause, record
from harness import AnsibleRunner
from privx_emulator.harness import EmulatorProcess

WITH_CALLBACK = 'privx_test_results,privx.secrets.checkouts'
# Longest a run may take: the rotate row waits for PrivX; a slow checkout is held by the agent for 3 timeouts.
RUN_TIMEOUT = 120
SETTLE = 15.0


class RestartableEmulator(EmulatorProcess):
    """The emulator on a file DB, which can be restarted on the same port with the same certificate and file."""

    def restart(self):
        port = urlsplit(self.url).port
        self.stop()
        self._stderr.close()
        args = list(self.args)
        args[args.index('--port') + 1] = str(port)
        self.args = args
        self._start(20)


@pytest.fixture(scope='module')
def matrix_privx(tmp_path_factory):
    db = str(tmp_path_factory.mktemp('fault-matrix') / 'privx.db')
    with RestartableEmulator(fixture=FIXTURE, tls=True, db=db, rotation_delay=0.3) as process:
        yield process


@pytest.fixture
def agent_dir():
    """A short directory of the test's own for the checkout agent's socket."""
    directory = tempfile.mkdtemp(prefix='pxf')
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


class Log:
    """The emulator's request log from the start of the cell, kept across a restart (which empties the emulator's)."""

    def __init__(self, privx):
        self.privx = privx
        self.mark = privx.control.mark()
        self.kept = []

    def entries(self):
        return self.kept + self.privx.control.requests(since=self.mark)

    def before_restart(self):
        self.kept = self.entries()
        self.mark = 0

    def in_flight(self, call=None):
        return [entry for entry in self.privx.control.requests(since=self.mark)
                if entry['status'] is None and (call is None or matches(entry, call))]

    def wait_idle(self, within=SETTLE):
        deadline = time.monotonic() + within
        while self.in_flight() and time.monotonic() < deadline:
            time.sleep(0.05)

    def applied(self, call, since=0):
        return [entry for entry in self.entries()[since:] if matches(entry, call) and entry['status'] and 200 <= entry['status'] < 300]


def play(tasks):
    return [{'name': 'fault matrix', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]


def run_tasks(ansible, tasks, env):
    return ansible.playbook(play(tasks), env=env, timeout=RUN_TIMEOUT)


def run_with_trigger(privx, log, ansible, row, column, env):
    """Run the row's task; for a column with a trigger, act while the held call waits for its answer."""
    tasks = [dict(row.task, ignore_errors=True)]
    if not column.trigger:
        return run_tasks(ansible, tasks, env), None
    held_call = row.before if column.on_before else row.target
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        running = pool.submit(run_tasks, ansible, tasks, env)
        deadline = time.monotonic() + RUN_TIMEOUT
        while not log.in_flight(held_call) and not running.done() and time.monotonic() < deadline:
            time.sleep(0.03)
        missed = None if log.in_flight(held_call) else 'the run never made the call %s %s' % held_call
        if not missed and column.trigger == 'expire':
            privx.control.expire_tokens()
        elif not missed:
            privx.control.expire_tokens()  # the restarted PrivX knows no token of before
            log.before_restart()
            privx.restart()
        return running.result(), missed


def first_result(run):
    found = [entry for entry in run.results if entry['task'] == 'under test']
    return dict(found[-1]['result'], failed=found[-1]['status'] == 'failed') if found else None


def wait_no_checkouts(privx, within=SETTLE):
    deadline = time.monotonic() + within
    while privx.control.checkouts() and time.monotonic() < deadline:
        time.sleep(0.1)
    return privx.control.checkouts()


def judge_first_run(row, column, privx, run, result, applied):
    """ok / failed-clean and the problems of the faulted run."""
    problems = []
    if 'Traceback' in run.output:
        problems.append('a traceback')
    if result is None:
        return None, problems + ['the task gave no result (rc %d): %s' % (run.rc, run.output[-300:].strip())]
    if not result['failed']:
        problems.extend(row.holds(privx, result))
        outcome = OK
    else:
        message = str(result.get('msg', ''))
        call = row.target if not column.on_before else row.before
        unclear = names_call_and_cause(message, call) if column.fault else []
        if unclear:
            # The failure may name a call other than the faulted one (say a read after a restart): any call will do.
            unclear = [problem for problem in unclear if 'name the call' not in problem or not _names_any_call(message)]
        problems.extend('%s (%s)' % (problem, message[:200]) for problem in unclear)
        if applied and not row.lookup and result.get('changed') is False:
            problems.append('reports no change while PrivX applied the write (%s)' % message[:200])
        problems.extend(batch_report_problems(result, message))
        if applied and column.key != '503-long' and 'were not applied' in message:
            problems.append('says the write was not applied while PrivX applied it (%s)' % message[:300])
        outcome = FAILED_CLEAN
    if outcome not in column.allowed:
        problems.append('%s under %s (%s)' % ('failed' if outcome == FAILED_CLEAN else outcome, column.label, result.get('msg', '')))
    return outcome, problems


def batch_report_problems(result, message):
    """A failed chunk's accounts that the message calls not applied are in the result's not_applied too."""
    named = re.search(r'were not applied \(([^)]*)\)', message)
    if not named or 'not_applied' not in result:
        return []
    listed = set(name for names in result['not_applied'].values() for name in names)
    missing = [name for name in named.group(1).split(', ') if name != '...' and name not in listed]
    return ['not_applied leaves out %s, which the message says were not applied' % ', '.join(missing)] if missing else []


def retry_after_problems(log, call, seconds):
    """The call answered 429 was sent again only after Retry-After."""
    sent = [entry for entry in log.entries() if matches(entry, call)]
    refused = [index for index, entry in enumerate(sent) if entry['status'] == 429]
    if not refused or refused[0] + 1 >= len(sent):
        return ['the call answered 429 was not sent again']
    waited = sent[refused[0] + 1]['time'] - sent[refused[0]]['time']
    return [] if waited >= seconds - 0.05 else ['sent again %.2f s after a 429 with Retry-After: %s' % (waited, seconds)]


def _names_any_call(message):
    return re.search(r'\b(GET|POST|PUT|DELETE) /', message) is not None


@pytest.mark.parametrize('row, column', CELLS, ids=['%s-%s' % cell for cell in CELLS])
def test_cell(row, column, matrix_privx, collections_path, tmp_path, agent_dir, record_property):
    privx = matrix_privx
    privx.control.reset()
    env = dict(connection_env(privx), PRIVX_TIMEOUT=str(TIMEOUT), PRIVX_RETRIES=str(column.retries), PRIVX_AGENT_DIR=agent_dir)
    if row.lookup:
        env['ANSIBLE_CALLBACKS_ENABLED'] = WITH_CALLBACK
    ansible = AnsibleRunner(collections_path, str(tmp_path), env)
    log = Log(privx)
    faulted = row.before if column.on_before else row.target
    privx.control.fault(path=faulted.path, method=faulted.method, **dict(column.fault, skip=row.skip))

    run, missed = run_with_trigger(privx, log, ansible, row, column, {})
    log.wait_idle()
    lost_answers = sum(fault['hits'] for fault in privx.control.faults() if fault.get('applied'))
    privx.control.clear_faults()
    applied_first = len(log.applied(row.write)) + (lost_answers if row.write == row.target else 0) if row.write else 0
    result = first_result(run)
    outcome, problems = judge_first_run(row, column, privx, run, result, applied_first)
    if missed:
        problems.append(missed)
    if column.fault.get('retry_after'):
        problems.extend(retry_after_problems(log, faulted, column.fault['retry_after']))
    if wait_no_checkouts(privx):
        problems.append('a checkout was left active after the run')

    # The rerun, without faults: it converges, and a second one changes nothing.
    seen = len(log.entries())
    tasks = [dict(row.task, name='rerun')] + ([] if row.lookup else [dict(row.task, name='again')])
    rerun = run_tasks(ansible, tasks, {})
    log.wait_idle()
    rerun_result = rerun.task('rerun') if any(entry['task'] == 'rerun' for entry in rerun.results) else None
    if rerun_result is None or rerun_result['failed']:
        problems.append('the rerun failed: %s' % (rerun_result or {}).get('msg', rerun.output[-300:]))
    else:
        problems.extend('after the rerun, %s' % problem for problem in row.holds(privx, rerun_result))
        if not row.lookup and rerun.task('again')['changed']:
            problems.append('the rerun did not converge: a second rerun changed something')
    if wait_no_checkouts(privx):
        problems.append('a checkout was left active after the rerun')
    if row.write:
        applied_rerun = len(log.applied(row.write, since=seen))
        total = applied_first + applied_rerun
        if row.lookup:
            # One release per run that checked out: never two for one checkout.
            if applied_first > 1 or applied_rerun != 1:
                problems.append('releases applied: %d in the run, %d in the rerun' % (applied_first, applied_rerun))
        elif row.once and total != 1:
            problems.append('%s %s applied %d times' % (row.write.method, row.write.path, total))
        elif total < 1:
            problems.append('%s %s never applied' % (row.write.method, row.write.path))

    # The table shows the first problem without the message it quotes; the assertion below has it all.
    record(record_property, row, column, problems[0].split(' (')[0] if problems else outcome)
    assert not problems, '%s / %s: %s' % (row.label, column.label, '; '.join(problems))
