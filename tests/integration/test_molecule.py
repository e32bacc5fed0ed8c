# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""molecule's syntax, converge, idempotence and verify of the managed_accounts and rotation roles, against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO, connection_env

DOMAIN = 'rotation.example.com'
ROTATION_ACCOUNTS = ('failing', 'never', 'overdue', 'recent', 'switched_off')


def molecule_test(privx, collections_path, tmp_path, scenario):
    molecule = os.path.join(os.path.dirname(sys.executable), 'molecule')
    if not os.path.exists(molecule):
        pytest.skip('molecule is not installed beside this Python (the compatibility run)')
    env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PRIVX_', 'MOLECULE_'))}
    env.update(connection_env(privx))
    env.update(HOME=str(tmp_path), ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR='1', NO_COLOR='1',
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    completed = subprocess.run([molecule, 'test', '-s', scenario],
                               cwd=os.path.join(REPO, 'tests'), env=env, capture_output=True, text=True, timeout=600, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    assert 'idempotence' in output
    return output


def test_molecule_converges_the_role_idempotently(privx, collections_path, tmp_path):
    molecule_test(privx, collections_path, tmp_path, 'managed_accounts')
    held = sorted(account['username'] for account in privx.control.managed_accounts('corp.example.com'))
    assert held == ['alice', 'svc_backup']


def test_molecule_rotation_rotates_what_is_due_once(privx, collections_path, tmp_path):
    before = {name: len(privx.control.secrets(DOMAIN, name)) for name in ROTATION_ACCOUNTS}
    output = molecule_test(privx, collections_path, tmp_path, 'rotation')
    # converge rotated each enabled account once; idempotence (a second converge) found nothing due.
    after = {name: len(privx.control.secrets(DOMAIN, name)) for name in ROTATION_ACCOUNTS}
    assert after == {name: count + (0 if name == 'switched_off' else 1) for name, count in before.items()}
    assert '4 rotated, 1 not rotated, 0 failed' in output and '0 rotated, 5 not rotated, 0 failed' in output
