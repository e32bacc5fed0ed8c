# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's demo works: two runs of playbooks/demo.yml through tests/demo.sh's script, the second changing nothing,
no checkout left behind; and ansible-playbook privx.secrets.demo against the emulator started as the README says.

Its first play needs privx.secrets.target_domain (the target-domain level of the managed_accounts role)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time

from privx_emulator.harness import ControlClient

from conftest import REPO


def test_the_demo_runs_and_its_second_run_changes_nothing(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PRIVX_'))}
    env.update(PRIVX_DEMO_DB=str(tmp_path / 'demo.db'), HOME=str(tmp_path),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    completed = subprocess.run([sys.executable, os.path.join(REPO, 'tests', 'demo.py')], capture_output=True, text=True,
                               env=env, timeout=600, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    recaps = [line for line in output.splitlines() if line.startswith('localhost ') and 'changed=' in line]
    assert len(recaps) == 2 and 'changed=0' not in recaps[0] and 'changed=0' in recaps[1], recaps
    assert 'Active checkouts after run 1: 0' in output and 'Active checkouts after run 2: 0' in output
    assert '4 rotated, 2 not rotated, 0 failed' in output and '0 rotated, 6 not rotated, 0 failed' in output
    # From nothing: two policies, the unscanned domain configured and scanned, 50 of its users managed; then no change.
    for attempt in (1, 2):
        assert 'After run %d: ad.example.com has 50 managed accounts (policies: ad-privileged, ad-standard)' % attempt in output
    runs = [line for line in output.splitlines() if line.startswith('== Run ') and 'over the wire' in line]
    assert len(runs) == 2 and not runs[0].endswith('rotation) 0') and runs[1].endswith('rotation) 0'), runs
    assert os.path.exists(str(tmp_path / 'demo.db')), 'the demo keeps its state in the SQLite file'
    for secret in ('demo-admin-secret', 'demo-oauth-secret', 'AppAdmin-initial-1', 'demo-ad-bind-secret'):
        assert secret not in output


def readme_emulator_block():
    """The README's commands that start the emulator and point Ansible at it: (emulator arguments, environment, commands)."""
    with open(os.path.join(REPO, 'README.md'), encoding='utf-8') as handle:
        readme = handle.read()
    block = readme.split('### The PrivX emulator: test your own playbooks', 1)[1].split('```sh\n', 1)[1].split('```', 1)[0]
    lines = [line.split('#', 1)[0].strip() for line in block.splitlines()]
    (start,) = [shlex.split(line) for line in lines if line.startswith('python3 tests/emulator/emulator.py')]
    env = dict(pair.split('=', 1) for line in lines if line.startswith('export ') for pair in shlex.split(line)[1:])
    return start[1:], env, [line for line in lines if line.startswith('ansible-playbook ')]


def test_the_demo_playbook_runs_against_the_emulator_started_as_the_readme_says(collections_path, tmp_path):
    """ansible-playbook privx.secrets.demo against the emulator's default start (plain HTTP, ./privx-emulator.db, demo.json)."""
    arguments, readme_env, commands = readme_emulator_block()
    assert 'ansible-playbook privx.secrets.demo' in commands
    assert arguments[arguments.index('--port') + 1] == '8443' and '--fixture' not in arguments and '--db' not in arguments
    arguments[arguments.index('--port') + 1] = '0'  # a free port: 8443 may be taken where the tests run
    emulator = subprocess.Popen([sys.executable, os.path.join(REPO, arguments[0])] + arguments[1:], cwd=str(tmp_path),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = emulator.stdout.readline()
        assert line.startswith('PrivX emulator listening on http://'), line
        url = line.split()[-1]
        env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PRIVX_'))}
        env.update(readme_env, PRIVX_URL=url, HOME=str(tmp_path), ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR='1',
                   PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
        completed = subprocess.run(['ansible-playbook', 'privx.secrets.demo'], cwd=str(tmp_path), env=env, capture_output=True,
                                   text=True, timeout=600, check=False)
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, output[-4000:]
        assert os.path.exists(str(tmp_path / 'privx-emulator.db'))
        control = ControlClient(url)
        assert len(control.managed_accounts('ad.example.com')) == 50
        # Without the checkouts callback (the README's commands do not enable it) dbdomain/app_admin's checkout is
        # released when the run ends, after the rotation play: app_admin, never rotated, is due then (the demo script,
        # with the callback, rotates it on release first and finds 4 due).
        assert '5 rotated, 1 not rotated, 0 failed' in output
        deadline = time.monotonic() + 20
        while control.checkouts() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert control.checkouts() == []
        for secret in (readme_env['PRIVX_CLIENT_SECRET'], readme_env['PRIVX_OAUTH_CLIENT_SECRET'], 'AppAdmin-initial-1'):
            assert secret not in output
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
