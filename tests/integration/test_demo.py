# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's demo works: two runs of playbooks/demo.yml, the second changing nothing, no checkout left behind.

Its first play needs privx.secrets.target_domain (the target-domain level of the managed_accounts role)."""

from __future__ import annotations

import os
import subprocess
import sys

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
