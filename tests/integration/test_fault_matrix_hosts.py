# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix's rows of host password rotation: enabling it on a host (the whole host's PUT), creating a script
template, rotating a host account and waiting, and the info module (fault_matrix.py, HOST_ROWS), each under every
column that applies (fault_cells.py runs a cell)."""

from __future__ import annotations

import pytest

from fault_cells import RowSessions, matrix_emulator, module_env, run_cell, selected_columns
from fault_matrix import HOST_ROWS, cells
from harness import AnsibleRunner

CELLS = cells(HOST_ROWS)


@pytest.fixture(scope='module')
def matrix_privx(tmp_path_factory):
    with matrix_emulator(tmp_path_factory.mktemp('fault-matrix-hosts')) as process:
        yield process


@pytest.fixture(scope='module')
def sessions(matrix_privx, collections_path, tmp_path_factory, request):
    workdir = str(tmp_path_factory.mktemp('fault-matrix-hosts-runs'))
    row_sessions = RowSessions(AnsibleRunner(collections_path, workdir, module_env(matrix_privx)), workdir, selected_columns(request))
    yield row_sessions
    row_sessions.close()


@pytest.mark.parametrize('row, column', CELLS, ids=['%s-%s' % cell for cell in CELLS])
def test_cell(row, column, matrix_privx, sessions, record_property):
    run_cell(matrix_privx, row, column, record_property, sessions=sessions)
