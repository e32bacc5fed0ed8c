# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""molecule's syntax, converge, idempotence and verify of the managed_accounts role, against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO, connection_env


def test_molecule_converges_the_role_idempotently(privx, collections_path, tmp_path):
    molecule = os.path.join(os.path.dirname(sys.executable), 'molecule')
    if not os.path.exists(molecule):
        pytest.skip('molecule is not installed beside this Python (the compatibility run)')
    env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PRIVX_', 'MOLECULE_'))}
    env.update(connection_env(privx))
    env.update(HOME=str(tmp_path), ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR='1', NO_COLOR='1',
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    completed = subprocess.run([molecule, 'test', '-s', 'managed_accounts'],
                               cwd=os.path.join(REPO, 'tests'), env=env, capture_output=True, text=True, timeout=600, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    assert 'idempotence' in output
    held = sorted(account['username'] for account in privx.control.managed_accounts('corp.example.com'))
    assert held == ['alice', 'svc_backup']
