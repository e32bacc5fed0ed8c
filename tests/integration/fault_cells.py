# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One cell of the fault matrix (fault_matrix.py): a row's run under a column's fault, judged from the emulator.

A cell: reset the emulator, inject the column's fault into the row's call (through the control API), run the row's task,
wait until no request is in flight, then judge from the emulator's state and request log:

- the task succeeded and PrivX holds exactly the declared state (``ok``), or it failed with one line naming the call
  and the cause (``failed-clean``); the column says which of the two a correct collection may show;
- no checkout is active once the run has ended;
- a rerun without faults converges (it succeeds, PrivX holds the declared state, and for a module a second run reports
  no change);
- over both runs, no write was applied twice. Applied writes are counted from the request log (answered 2xx) plus the
  writes a drop-after-applying fault made. A POST (create, batch create/delete/rotate, release) must be applied exactly
  once; the rows whose write is idempotent (a PUT, batch edit, a scan's refresh) may send the same write again after a
  lost answer, which by HTTP's definition of idempotent has no further effect;
- nothing printed a traceback.

The cells of a module row share one ansible-playbook process (RowSession): per cell the task under test, a gate until
the test has judged it, then the rerun and the second run; each task is a module process of its own, so nothing carries
over between them but PrivX's state. A lookup row runs its play twice per cell, since its checkout agent lives as long
as the run. An AWX row calls the credential plugin's backend as AWX does (extensions/awx_credential_plugin/tests/awx_plugin_runner.py), twice.

The emulator keeps its state, and its request log, in a SQLite file, so that the restart column can stop it and start
it again on the same port and file (its tokens expired first: state kept, tokens gone).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import signal
import subprocess
import threading
import time
import uuid

from conftest import FIXTURE, connection_env
from fault_matrix import AWX, FAILED_CLEAN, LOOKUP, OK, RETRIES, TIMEOUT, matches, names_call_and_cause, record
from privx_emulator.harness import EmulatorProcess

# Longest a run may take: the rotate row waits for PrivX; a slow checkout is held by the agent for 3 timeouts.
RUN_TIMEOUT = 120
SETTLE = 15.0
POLL = 0.03
UNDER_TEST = 'under test'
WITH_CALLBACK = 'privx_test_results,privx.secrets.checkouts'
# The gate between a module row's run and its rerun, on the controller (no module process): waits for a file.
GATE = "for attempt in $(seq 2400); do [ -e '%s' ] && exit 0; sleep 0.05; done; exit 1"
CLEAN_AWX_ERROR = 'PrivXCredentialError'


def matrix_emulator(directory):
    """The emulator of one test file's cells, on a file DB in this directory (so that it can restart)."""
    return EmulatorProcess(fixture=FIXTURE, tls=True, db=os.path.join(str(directory), 'privx.db'), rotation_delay=0.3)


def module_env(privx, retries=RETRIES, agent_dir=None):
    """The connection of a cell's ansible-playbook runs: the matrix's timeout, the column's retries."""
    env = dict(connection_env(privx), PRIVX_TIMEOUT=str(TIMEOUT), PRIVX_RETRIES=str(retries))
    if agent_dir:
        env['PRIVX_AGENT_DIR'] = agent_dir
    return env


def selected_columns(request):
    """selected(row): the columns of the row's cells that this test run (after -k, in this xdist worker) runs, in order."""
    items = [item for item in request.session.items if item.module is request.module and hasattr(item, 'callspec')]

    def selected(row):
        return [item.callspec.params['column'] for item in items if item.callspec.params.get('row') is row]
    return selected


def awx_connection_defaults(column):
    """The same for the AWX credential plugin (extensions/awx_credential_plugin/tests/awx_plugin_runner.py sets them: AWX has no field for them)."""
    return {'timeout': TIMEOUT, 'retries': column.retries}


class Log:
    """The emulator's request log from the start of the cell (the emulator hands it over across a restart)."""

    def __init__(self, privx):
        self.privx = privx
        self.mark = privx.control.mark()

    def entries(self):
        return self.privx.control.requests(since=self.mark)

    def in_flight(self, call=None):
        return [entry for entry in self.entries() if entry['status'] is None and (call is None or matches(entry, call))]

    def wait_idle(self, within=SETTLE):
        deadline = time.monotonic() + within
        while self.in_flight() and time.monotonic() < deadline:
            time.sleep(0.05)

    def applied(self, call, since=0):
        return [entry for entry in self.entries()[since:] if matches(entry, call) and entry['status'] and 200 <= entry['status'] < 300]


def play(tasks):
    return [{'name': 'fault matrix', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]


def _task_result(results, name):
    found = [entry for entry in results if entry['task'] == name]
    return dict(found[-1]['result'], failed=found[-1]['status'] == 'failed') if found else None


def _wait(done, within=RUN_TIMEOUT):
    deadline = time.monotonic() + within
    while not done() and time.monotonic() < deadline:
        time.sleep(POLL)


def _gate(path, name):
    return {'name': name, 'ansible.builtin.debug': {'msg': "{{ lookup('ansible.builtin.pipe', %s) }}" % json.dumps(GATE % path)}}


class RowSession:
    """One ansible-playbook process for the cells of one module row that this test run selected, in their order.

    Per cell: a gate until the test has set the cell up, the task under test (with the column's retries), a gate until
    the test has judged it, the rerun and, after a rerun that changed something, the second run (a rerun that reports no
    change is itself the run that shows convergence). Each task is a module process of its own, so nothing carries over
    between cells but PrivX's state, which every cell resets; one process saves an ansible-playbook start per cell.
    """

    def __init__(self, ansible, row, columns, workdir):
        self.row = row
        self.columns = list(columns)
        self.cell = 0
        # Gates and results of its own: a session that replaces one of the same row must not find the old one's files.
        self.name = '%s-%s' % (row.key, uuid.uuid4().hex[:8])
        self.workdir = workdir
        tasks = []
        for index, column in enumerate(self.columns):
            tasks += [_gate(self._gate_path('start', index), 'until cell %d is set up' % index),
                      dict(row.task, name='%s %d' % (UNDER_TEST, index), ignore_errors=True,
                           environment={'PRIVX_RETRIES': str(column.retries)}),
                      _gate(self._gate_path('judged', index), 'until cell %d is judged' % index),
                      dict(row.task, name='rerun %d' % index, register='rerun_%d' % index, ignore_errors=True),
                      dict(row.again, name='again %d' % index, when='rerun_%d is changed' % index, ignore_errors=True)]
        self.process, self._results = ansible.start(play(tasks), name=self.name)
        self._lines = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _gate_path(self, kind, index):
        return os.path.join(self.workdir, '%s-%s-%d' % (self.name, kind, index))

    def _read(self):
        for line in self.process.stdout:
            self._lines.append(line)

    def expects(self, column):
        return self.running() and self.cell < len(self.columns) and self.columns[self.cell] is column

    def running(self):
        return self.process.poll() is None

    def results(self):
        try:
            return self._results()
        except ValueError:  # a line the callback is still writing
            return []

    def open_gate(self, kind):
        with open(self._gate_path(kind, self.cell), 'w', encoding='utf-8'):
            pass

    def result(self, name):
        return _task_result(self.results(), '%s %d' % (name, self.cell))

    def output_since(self, line):
        return ''.join(self._lines[line:])

    def close(self):
        if self.running():
            os.killpg(self.process.pid, signal.SIGKILL)
        try:
            self.process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        self._reader.join(timeout=10)


class ModuleRuns:
    """One cell's runs within its row's session (RowSession)."""

    def __init__(self, session):
        self.session = session
        self._first_line = len(session._lines)  # pylint: disable=protected-access
        session.open_gate('start')

    def running(self):
        return self.session.running() and self.session.result(UNDER_TEST) is None

    def first(self):
        _wait(lambda: not self.running())
        return self.session.result(UNDER_TEST)

    def rest(self):
        """Open the gate; (the rerun's result, the second run's result)."""
        session = self.session
        session.open_gate('judged')
        _wait(lambda: session.result('again') is not None or not session.running())
        results = session.result('rerun'), session.result('again')
        session.cell += 1
        return results

    @property
    def output(self):
        cell = self.session.cell - 1
        own = [json.dumps(entry) for entry in self.session.results() if entry['task'].endswith(' %d' % cell)]
        return self.session.output_since(self._first_line) + ''.join(own)

    def describe(self):
        return 'rc %s: %s' % (self.session.process.returncode, self.session.output_since(self._first_line)[-300:].strip())


class RowSessions:
    """The row sessions of one test file: a row's session starts with its first cell and serves the cells selected after
    it; a cell the session does not expect (one before it failed half-way) gets a new session for the rest of the row."""

    def __init__(self, ansible, workdir, selected):
        self.ansible = ansible
        self.workdir = workdir
        self.selected = selected      # selected(row) -> the row's columns this test run will run, in order
        self.sessions = {}

    def runs(self, row, column):
        session = self.sessions.get(row.key)
        if session is None or not session.expects(column):
            if session is not None:
                session.close()
            columns = self.selected(row)
            columns = columns[columns.index(column):] if column in columns else [column]
            session = self.sessions[row.key] = RowSession(self.ansible, row, columns, self.workdir)
        return ModuleRuns(session)

    def close(self):
        for session in self.sessions.values():
            session.close()


class LookupRuns:
    """The play with the lookup, then (after the test has judged it) the same play again as the rerun."""

    def __init__(self, ansible, row):
        self.ansible = ansible
        self.row = row
        self._pool = concurrent.futures.ThreadPoolExecutor(1)
        self._running = self._pool.submit(self._play, dict(row.task, ignore_errors=True))
        self._runs = []

    def _play(self, task):
        run = self.ansible.playbook(play([task]), env={'ANSIBLE_CALLBACKS_ENABLED': WITH_CALLBACK}, timeout=RUN_TIMEOUT)
        self._runs.append(run)
        return run

    def running(self):
        return not self._running.done()

    def first(self):
        return _task_result(self._running.result().results, UNDER_TEST)

    def rest(self):
        run = self._play(dict(self.row.task, name='rerun'))
        self._pool.shutdown()
        return _task_result(run.results, 'rerun'), None

    @property
    def output(self):
        return ''.join(run.output for run in self._runs)

    def describe(self):
        run = self._runs[0] if self._runs else None
        return 'rc %s: %s' % (run.rc, run.output[-300:].strip()) if run else 'no run'


class AwxRuns:
    """The AWX credential plugin's backend, called as AWX calls it; then again as the rerun."""

    def __init__(self, call_backend, row):
        self.call_backend = call_backend
        self.row = row
        self._pool = concurrent.futures.ThreadPoolExecutor(1)
        self._running = self._pool.submit(self._call)
        self._logs = []

    def _call(self):
        answer, log = self.call_backend(self.row.task)
        self._logs.append(log)
        if answer.get('error_type', CLEAN_AWX_ERROR) != CLEAN_AWX_ERROR:
            self._logs.append(answer['traceback'])  # an unexpected exception: its traceback fails the cell
        return {'failed': 'error' in answer, 'msg': answer.get('error', ''), 'value': answer.get('value')}

    def running(self):
        return not self._running.done()

    def first(self):
        return self._running.result()

    def rest(self):
        result = self._call()
        self._pool.shutdown()
        return result, None

    @property
    def output(self):
        return ''.join(self._logs)

    def describe(self):
        return self.output[-300:].strip()


def start_runs(row, column, ansible, sessions, call_backend):
    if row.kind == AWX:
        return AwxRuns(call_backend, row)
    if row.kind == LOOKUP:
        return LookupRuns(ansible, row)
    return sessions.runs(row, column)


def act_while_held(privx, log, runs, row, column):
    """For a column with a trigger: once the faulted call is held (its delay has begun), expire the tokens, or restart
    PrivX too. Returns a problem when the run never made the call."""
    held_call = row.before if column.on_before else row.target

    def held():
        return any(fault['hits'] for fault in privx.control.faults()) and log.in_flight(held_call)

    _wait(lambda: held() or not runs.running())
    if not held():
        return 'the run never made the call %s %s' % held_call
    privx.control.expire_tokens()  # for a restart too: the restarted PrivX knows no token of before
    if column.trigger == 'restart':
        privx.restart()
    return None


def wait_no_checkouts(privx, within=SETTLE):
    deadline = time.monotonic() + within
    while privx.control.checkouts() and time.monotonic() < deadline:
        time.sleep(0.1)
    return privx.control.checkouts()


def judge_first_run(row, column, privx, result, applied, describe):
    """ok / failed-clean and the problems of the faulted run."""
    if result is None:
        return None, ['the task gave no result (%s)' % describe()]
    problems = []
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
        if applied and not row.checks_out and result.get('changed') is False:
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


def rerun_problems(row, privx, rerun_result, again_result):
    if rerun_result is None or rerun_result['failed']:
        return ['the rerun failed: %s' % (rerun_result or {}).get('msg', 'no result')]
    problems = ['after the rerun, %s' % problem for problem in row.holds(privx, rerun_result)]
    if row.checks_out or (not rerun_result.get('changed') and row.again is row.task):
        return problems
    if again_result is None or again_result['failed'] or again_result.get('skipped') or again_result['changed']:
        problems.append('the rerun did not converge: a second run %s' % (
            'changed something' if again_result and not again_result['failed'] and not again_result.get('skipped') else 'failed'))
    return problems


def write_count_problems(row, applied_first, applied_rerun):
    total = applied_first + applied_rerun
    if row.checks_out:
        # One release per run that checked out: never two for one checkout.
        if applied_first > 1 or applied_rerun != 1:
            return ['releases applied: %d in the run, %d in the rerun' % (applied_first, applied_rerun)]
    elif row.once and total != 1:
        return ['%s %s applied %d times' % (row.write.method, row.write.path, total)]
    elif total < 1:
        return ['%s %s never applied' % (row.write.method, row.write.path)]
    return []


def run_cell(privx, row, column, record_property, *, ansible=None, sessions=None, call_backend=None):
    """Run one cell and record its outcome; assert that it has no problem."""
    privx.control.reset()
    if row.setup:
        row.setup(privx)
    log = Log(privx)
    faulted = row.before if column.on_before else row.target
    privx.control.fault(path=faulted.path, method=faulted.method, **dict(column.fault, skip=row.skip))

    runs = start_runs(row, column, ansible, sessions, call_backend)
    missed = act_while_held(privx, log, runs, row, column) if column.trigger else None
    result = runs.first()
    log.wait_idle()
    lost_answers = sum(fault['hits'] for fault in privx.control.faults() if fault.get('applied'))
    privx.control.clear_faults()
    applied_first = len(log.applied(row.write)) + (lost_answers if row.write == row.target else 0) if row.write else 0
    outcome, problems = judge_first_run(row, column, privx, result, applied_first, runs.describe)
    if missed:
        problems.append(missed)
    if column.fault.get('retry_after'):
        problems.extend(retry_after_problems(log, faulted, column.fault['retry_after']))
    if wait_no_checkouts(privx):
        problems.append('a checkout was left active after the run')

    # The rerun, without faults: it converges, and (for a module) a second run changes nothing.
    seen = len(log.entries())
    rerun_result, again_result = runs.rest()
    log.wait_idle()
    problems.extend(rerun_problems(row, privx, rerun_result, again_result))
    if wait_no_checkouts(privx):
        problems.append('a checkout was left active after the rerun')
    if row.write:
        problems.extend(write_count_problems(row, applied_first, len(log.applied(row.write, since=seen))))
    if 'Traceback' in runs.output:
        problems.append('a traceback')

    # The table shows the first problem without the message it quotes; the assertion below has it all.
    record(record_property, row, column, problems[0].split(' (')[0] if problems else outcome)
    assert not problems, '%s / %s: %s' % (row.label, column.label, '; '.join(problems))
