# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs that share one API client share its checkouts (issue 25): none pulls a password out from under another.

PrivX gives one API client one checkout per path, so runs started together share it; the accounts here have a policy
that rotates the password when a checkout ends. Each run checks out, says it is ready, waits for the test's go and
uses the password again; the test reads the emulator while the others still work.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import subprocess
import time

import pytest

from awx_jobs import awx_meta_vars, job_directory, job_environment
from conftest import HERE, assert_no_secret, planted_secrets
from harness import read_results

ansible_runner = pytest.importorskip('ansible_runner')
# ansible-runner starts each job with forkpty() from the test's threads; the job is a new program at once.
pytestmark = pytest.mark.filterwarnings('ignore:This process .* is multi-threaded:DeprecationWarning')

EMULATOR_FIXTURE = os.path.join(HERE, 'fixtures', 'shared_checkouts.json')
SECRETS = planted_secrets(EMULATOR_FIXTURE)
DOMAIN = 'deploy.example.com'
CHECKOUTS = '/authorizer/api/v1/secrets/checkouts'
WITH_CALLBACK = {'ANSIBLE_CALLBACKS_ENABLED': 'privx_test_results,privx.secrets.checkouts'}
PATIENCE = 120
# How far apart two runs started "together" may start: inside the window where their checkouts look alike to the agent.
START_SPREAD = 1.0


def gated_play(path, gate, name, hosts='all'):
    """Use the password, say so, wait for the test's go, use it again, and ask for the release."""
    use = "{{ lookup('privx.secrets.checkout', '%s') | hash('sha256') }}" % path
    return {'name': 'deploy', 'hosts': hosts, 'gather_facts': False, 'tasks': [
        {'name': 'Use the password', 'ansible.builtin.set_fact': {'first': use}},
        {'name': 'Ready', 'ansible.builtin.file': {'path': os.path.join(gate, name + '.ready'), 'state': 'touch', 'mode': '0600'},
         'run_once': True},
        {'name': 'Wait for the go', 'ansible.builtin.command': {'argv': [
            'sh', '-c', 'for i in $(seq %d); do [ -e "$1" ] && exit 0; sleep 0.1; done; exit 1' % (PATIENCE * 10), 'sh',
            os.path.join(gate, name + '.go')]}, 'changed_when': False, 'run_once': True},
        {'name': 'Use it again', 'ansible.builtin.set_fact': {'second': use}},
        {'name': 'Release early', 'privx.secrets.checkout_release': {'paths': [path]}, 'run_once': True},
    ]}


def poll(condition, what, within=PATIENCE):
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, 'gave up waiting for %s' % what
        time.sleep(0.1)


def go(gate, *names):
    for name in names:
        with open(os.path.join(gate, name + '.go'), 'w', encoding='utf-8'):
            pass


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def state_of(privx, username):
    """(the active checkouts' ids, the secret versions, whether a rotation is under way) of one account."""
    account = privx.control.managed_account(DOMAIN, username)
    return ([checkout['id'] for checkout in account['checkouts']],
            [entry['version'] for entry in privx.control.secrets(DOMAIN, username)], account['locked'])


def releases(privx, checkout_id):
    return [entry for entry in privx.control.requests() if entry['method'] == 'POST'
            and entry['path'] == '%s/%s/release' % (CHECKOUTS, checkout_id)]


def assert_in_use(privx, username, checkout_id, versions):
    """The one checkout still active, and the password neither rotated nor being rotated."""
    assert state_of(privx, username) == ([checkout_id], versions, False)
    assert releases(privx, checkout_id) == []


def one_rotation_after(privx, username, versions):
    """Wait for the rotation that follows the end of the checkout; it must be the only one."""
    poll(lambda: len(state_of(privx, username)[1]) > len(versions) and not state_of(privx, username)[2],
         'the rotation of %s after its checkout ended' % username, within=60)
    assert state_of(privx, username)[1] == versions + [versions[-1] + 1]


def flat(text):
    """Output as one line without colours: jobs run in a terminal, and older ansible-core wraps warnings at its width."""
    return ' '.join(re.sub('\x1b\\[[0-9;]*m', '', text).split())


# -- Two ansible-playbook runs on this machine ----------------------------------------


def test_two_runs_on_this_machine_started_together_never_release_under_each_other(ansible, privx, tmp_path):
    gate = str(tmp_path)
    path = DOMAIN + '/app_db'
    initial = privx.control.secrets(DOMAIN, 'app_db')
    versions = [entry['version'] for entry in initial]
    commands = {}
    for name in ('one', 'two'):
        inventory = ansible.inventory(['%s-host%d' % (name, number) for number in (1, 2)], name=name)
        commands[name] = ansible._command([gated_play(path, gate, name)], name, inventory, None)  # pylint: disable=protected-access
    runs = {name: (time.monotonic(), subprocess.Popen(command, cwd=ansible.workdir, env=ansible.env(dict(WITH_CALLBACK, PRIVX_TEST_RESULTS=results)),
                                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
                   functools.partial(read_results, results))
            for name, (command, results) in commands.items()}
    try:
        # Within PrivX's 1 s created stamps and the agent's 2 s margin (CREATED_MARGIN in _checkout_agent.py), so the runs cannot
        # be told apart by time; 0.1 s was more than a loaded machine gives two process starts.
        assert runs['two'][0] - runs['one'][0] < START_SPREAD, 'the runs did not start within %s s of each other' % START_SPREAD
        poll(lambda: all(os.path.exists(os.path.join(gate, name + '.ready')) for name in runs), 'both runs to check out')
        [checkout_id], _versions, _locked = state_of(privx, 'app_db')
        assert_in_use(privx, 'app_db', checkout_id, versions)
        go(gate, 'one')
        assert runs['one'][1].wait(timeout=PATIENCE) == 0, runs['one'][1].stdout.read()[-3000:]
        assert_in_use(privx, 'app_db', checkout_id, versions)  # the run that ended left it to the one still working
        go(gate, 'two')
        assert runs['two'][1].wait(timeout=PATIENCE) == 0, runs['two'][1].stdout.read()[-3000:]
        poll(lambda: not privx.control.checkouts(), 'the last run to release the checkout', within=5)
        assert len(releases(privx, checkout_id)) == 1
        one_rotation_after(privx, 'app_db', versions)
        for name, (_started, process, results) in runs.items():
            output = process.stdout.read()
            assert_no_secret(output, SECRETS)
            facts = [entry['result']['ansible_facts'] for entry in results() if entry['task'] in ('Use the password', 'Use it again')]
            assert len(facts) == 4, (name, output[-3000:])
            assert {value for fact in facts for value in fact.values()} == {digest(initial[-1]['secret'])}
            [asked] = [entry['result'] for entry in results() if entry['task'] == 'Release early']
            # checkout_release keeps the rule too: the first run to end left the checkout to the one still working.
            assert (asked['released'], asked['kept']) == (([], [path]) if name == 'one' else ([path], [])), (name, asked)
    finally:
        for _started, process, _results in runs.values():
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()


# -- Run as AWX runs it --------------------------------------------------------------


class AwxJob:
    """One AWX job through ansible-runner, in a private data directory and a HOME of its own (its own container)."""

    def __init__(self, root, privx, collections_path, name, path, hosts, extravars):
        self.name = name
        self.private = job_directory(root, name, [gated_play(path, root, name)], hosts)
        self.env = job_environment(privx, self.private, collections_path, extravars['awx_job_id'])
        self.extravars = extravars
        self.thread = self.runner = None

    def start(self):
        self.thread, self.runner = ansible_runner.run_async(private_data_dir=self.private, playbook='job.yml', envvars=self.env,
                                                            extravars=self.extravars, quiet=True, timeout=300)
        return time.monotonic()

    def finish(self):
        self.thread.join(PATIENCE)
        assert not self.thread.is_alive(), '%s did not finish' % self.name
        output = self.runner.stdout.read()
        assert (self.runner.status, self.runner.rc) == ('successful', 0), (self.name, output[-3000:])
        return output

    def asked_release(self):
        """What checkout_release answered: (released, kept)."""
        [result] = [event['event_data']['res'] for event in self.runner.events if event.get('event') == 'runner_on_ok'
                    and event['event_data'].get('task') == 'Release early']
        return result['released'], result['kept']

    def digests(self):
        return {value for event in self.runner.events if event.get('event') == 'runner_on_ok'
                and event['event_data'].get('task') in ('Use the password', 'Use it again')
                for value in event['event_data']['res']['ansible_facts'].values()}


def slices(root, privx, collections_path, path):
    """A job template with job_slice_count 3: a workflow job whose three nodes are the slices, a third of the hosts each."""
    hosts = ['web%02d' % number for number in range(1, 7)]
    return [AwxJob(root, privx, collections_path, 'slice%d' % number, path, hosts[number - 1::3],
                   awx_meta_vars(101 + number, 'Deploy', workflow_job_id=100, workflow_job_name='Deploy'))
            for number in (1, 2, 3)]


def run_in_waves(privx, root, jobs, versions):
    """Start the jobs together; let them end in waves, reading the shared checkouts after each. Returns (outputs, checkout ids)."""
    started = {job.name: job.start() for job in jobs}
    assert started['job2'] - started['job1'] < START_SPREAD, 'the unrelated jobs did not start within %s s of each other' % START_SPREAD
    go(root, 'solo')
    poll(lambda: all(os.path.exists(os.path.join(root, job.name + '.ready')) for job in jobs), 'every job to check out')
    checkout = {}
    for username in ('slice_db', 'job_db'):
        [checkout[username]], _versions, _locked = state_of(privx, username)
        assert_in_use(privx, username, checkout[username], versions[username])
    outputs = {}
    for wave in (('slice1', 'job1'), ('slice2', 'job2'), ('slice3',)):
        go(root, *wave)
        for job in jobs:
            if job.name in wave:
                outputs[job.name] = job.finish()
        # Every job that ended left the shared checkouts alone: still active, the passwords as they were.
        for username in ('slice_db', 'job_db'):
            assert_in_use(privx, username, checkout[username], versions[username])
    outputs['solo'] = jobs[-1].finish()
    return outputs, checkout


def test_slices_and_simultaneous_jobs_run_as_awx_runs_them(collections_path, privx, tmp_path):
    root = str(tmp_path)
    accounts = {'slice_db': [], 'job_db': [], 'solo_db': []}
    initial = {username: privx.control.secrets(DOMAIN, username) for username in accounts}
    versions = {username: [entry['version'] for entry in initial[username]] for username in accounts}
    sliced = slices(root, privx, collections_path, DOMAIN + '/slice_db')
    unrelated = [AwxJob(root, privx, collections_path, 'job%d' % number, DOMAIN + '/job_db', ['db%d' % number],
                        awx_meta_vars(200 + number, 'Maintain %d' % number)) for number in (1, 2)]
    # A job template that knows it is alone says so in its extra variables: released at the end of its play.
    solo = AwxJob(root, privx, collections_path, 'solo', DOMAIN + '/solo_db', ['app1'],
                  dict(awx_meta_vars(301, 'Deploy alone'), privx_checkout_release='play'))
    jobs = sliced + unrelated + [solo]
    try:
        outputs, checkout = run_in_waves(privx, root, jobs, versions)
    finally:
        go(root, *(job.name for job in jobs))  # a failed assertion must not leave jobs waiting for their go
        for job in jobs:
            if job.thread is not None:
                job.thread.join(PATIENCE)

    # Every job deployed the password that was current when it started and still is.
    for job in jobs:
        username = 'solo_db' if job is solo else 'slice_db' if job in sliced else 'job_db'
        assert job.digests() == {digest(initial[username][-1]['secret'])}, job.name
        path = DOMAIN + '/' + username
        assert job.asked_release() == (([path], []) if job is solo else ([], [path])), job.name
        assert_no_secret(outputs[job.name], SECRETS)
    # Left to expire, as each job said once per path, naming the expiry; never released.
    active = {item['path']: item for item in privx.control.checkouts()}
    assert sorted(active) == [DOMAIN + '/job_db', DOMAIN + '/slice_db']
    for job in sliced + unrelated:
        path = DOMAIN + ('/slice_db' if job in sliced else '/job_db')
        said = "the checkout of '%s' is not released when the play ends but left to expire at %s: release=auto in an AWX job " \
               "(awx_job_id %d)" % (path, active[path]['expires'], job.extravars['awx_job_id'])
        assert flat(outputs[job.name]).count(said) == 1, (job.name, outputs[job.name][-3000:])
    # The job alone released its checkout when its play ended; the password rotated once, after it.
    assert not [item for item in privx.control.checkouts() if item['path'] == DOMAIN + '/solo_db']
    one_rotation_after(privx, 'solo_db', versions['solo_db'])
    # PrivX ends the shared checkouts at their expiry and rotates each password once.
    for username in ('slice_db', 'job_db'):
        one_rotation_after(privx, username, versions[username])
        assert releases(privx, checkout[username]) == []
        assert privx.control.managed_account(DOMAIN, username)['rotation_history'][-1]['trigger'] == 'ONEXPIRY'
