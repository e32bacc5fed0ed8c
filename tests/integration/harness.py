# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs real ansible-playbook processes against the installed collection, and reads what they did."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS_CALLBACK = 'privx_test_results'


class PlaybookRun:
    """One finished ansible-playbook run: exit code, output and the result of every task."""

    def __init__(self, completed, results):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.results = results

    @property
    def output(self):
        return self.stdout + self.stderr

    def task(self, name, host='localhost'):
        """The one result of the named task on this host."""
        found = [entry for entry in self.results if entry['task'] == name and entry['host'] == host]
        assert found, 'no result for task %r on %s; tasks run: %s\n%s' % (
            name, host, sorted(set(entry['task'] for entry in self.results)), self.output[-3000:])
        # ansible-core 2.19+ keeps 'failed' beside the result it gives callbacks; put it back in.
        return dict(found[-1]['result'], failed=found[-1]['status'] == 'failed')

    def __repr__(self):
        return 'PlaybookRun(rc=%d)' % self.rc


class AnsibleRunner:
    """ansible-playbook with the collection from a temporary collections path, and a private HOME."""

    def __init__(self, collections_path, workdir, environment):
        self.collections_path = collections_path
        self.workdir = workdir
        self.home = os.path.join(workdir, 'home')
        os.makedirs(self.home, exist_ok=True)
        self.environment = dict(environment)

    def env(self, extra=None):
        env = {key: value for key, value in os.environ.items() if not key.startswith(('PRIVX_', 'ANSIBLE_'))}
        env.pop('XDG_RUNTIME_DIR', None)
        env.update({
            'HOME': self.home,
            'ANSIBLE_COLLECTIONS_PATH': self.collections_path,
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_CALLBACK_PLUGINS': os.path.join(HERE, 'plugins', 'callback'),
            'ANSIBLE_CALLBACKS_ENABLED': RESULTS_CALLBACK,
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'ANSIBLE_DEPRECATION_WARNINGS': 'false',
        })
        env.update(self.environment)
        env.update(extra or {})
        return env

    def playbook(self, plays, check=False, diff=False, verbosity=0, env=None, extra_vars=None, inventory=None,
                 forks=None, timeout=600, name=None):
        """Run a playbook given as YAML text or as a list of plays; ``extra_vars`` a dict (JSON) or a list of -e arguments."""
        command, results_path = self._command(plays, name, inventory, forks, check=check, diff=diff, verbosity=verbosity,
                                              extra_vars=extra_vars)
        completed = subprocess.run(command, cwd=self.workdir, env=self.env(dict(env or {}, PRIVX_TEST_RESULTS=results_path)),
                                   capture_output=True, text=True, timeout=timeout, check=False)
        return PlaybookRun(completed, read_results(results_path))

    def start(self, plays, env=None, inventory=None, forks=None, name=None):
        """Start a playbook without waiting: returns (its process, in a session of its own, and a results reader)."""
        command, results_path = self._command(plays, name, inventory, forks)
        process = subprocess.Popen(command, cwd=self.workdir, env=self.env(dict(env or {}, PRIVX_TEST_RESULTS=results_path)),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        return process, (lambda: read_results(results_path))

    def _command(self, plays, name, inventory, forks, check=False, diff=False, verbosity=0, extra_vars=None):
        """Write the playbook; returns the ansible-playbook command line and where its results will be."""
        run_id = name or uuid.uuid4().hex[:8]
        playbook_path = os.path.join(self.workdir, 'playbook-%s.yml' % run_id)
        with open(playbook_path, 'w', encoding='utf-8') as handle:
            handle.write(plays if isinstance(plays, str) else yaml.safe_dump(plays, sort_keys=False))
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), playbook_path,
                   '-i', inventory or self._local_inventory()]
        command.extend(flag for flag, wanted in (('--check', check), ('--diff', diff)) if wanted)
        if verbosity:
            command.append('-' + 'v' * verbosity)
        if forks:
            command.extend(['--forks', str(forks)])
        # A dict is one -e of JSON (typed values); a list holds -e arguments as a user types them (key=value, @file).
        for value in [json.dumps(extra_vars)] if isinstance(extra_vars, dict) else extra_vars or []:
            command.extend(['-e', value])
        return command, os.path.join(self.workdir, 'results-%s.jsonl' % run_id)

    def inventory(self, hosts, name='hosts'):
        """An inventory of local-connection hosts (a list of names)."""
        path = os.path.join(self.workdir, '%s.ini' % name)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('[all]\n')
            for host in hosts:
                handle.write('%s ansible_connection=local ansible_python_interpreter=%s\n' % (host, sys.executable))
        return path

    def module(self, module_name, args, check=False, diff=False, verbosity=0, env=None):
        """Run one module task on localhost; returns (its result, the run)."""
        task = {'name': 'under test', module_name: args}
        play = [{'name': 'one task', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [task]}]
        run = self.playbook(play, check=check, diff=diff, verbosity=verbosity, env=env)
        return run.task('under test'), run

    def _local_inventory(self):
        path = os.path.join(self.workdir, 'inventory.ini')
        if not os.path.exists(path):
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
        return path


def read_results(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as handle:
        return [json.loads(line) for line in handle if line.strip()]
