# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix (issue 10, part 1), its rows of managed accounts, rotation, the checkout lookup and
managed_account_info, each under every column, through real ansible-playbook runs (fault_cells.py runs a cell).

test_fault_matrix_admin.py and test_fault_matrix_awx.py hold the other rows, so that pytest-xdist spreads the matrix.
One emulator per test file and xdist worker.
"""

from __future__ import annotations

import shutil
import tempfile

import pytest

from fault_cells import RowSessions, matrix_emulator, module_env, run_cell, selected_columns
from fault_matrix import ACCOUNT_ROWS, cells
from harness import AnsibleRunner

CELLS = cells(ACCOUNT_ROWS)


@pytest.fixture(scope='module')
def matrix_privx(tmp_path_factory):
    with matrix_emulator(tmp_path_factory.mktemp('fault-matrix')) as process:
        yield process


@pytest.fixture(scope='module')
def sessions(matrix_privx, collections_path, tmp_path_factory, request):
    workdir = str(tmp_path_factory.mktemp('fault-matrix-runs'))
    row_sessions = RowSessions(AnsibleRunner(collections_path, workdir, module_env(matrix_privx)), workdir, selected_columns(request))
    yield row_sessions
    row_sessions.close()


@pytest.fixture
def agent_dir():
    """A short directory of the test's own for the checkout agent's socket."""
    directory = tempfile.mkdtemp(prefix='pxf')
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize('row, column', CELLS, ids=['%s-%s' % cell for cell in CELLS])
def test_cell(row, column, matrix_privx, sessions, collections_path, tmp_path, agent_dir, record_property):
    # The lookup rows run plays of their own, with the column's retries and an agent directory per cell.
    ansible = AnsibleRunner(collections_path, str(tmp_path), module_env(matrix_privx, column.retries, agent_dir))
    run_cell(matrix_privx, row, column, record_property, ansible=ansible, sessions=sessions)
