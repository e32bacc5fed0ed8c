# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix's rows of the AWX credential plugin (fault_matrix.py, AWX_ROWS): its backend, built and installed as
AWX gets it (test_awx_credential_plugin.py), checks out and releases under every column (fault_cells.py runs a cell)."""

from __future__ import annotations

import pytest

from fault_cells import awx_connection_defaults, matrix_emulator, run_cell
from fault_matrix import AWX_ROWS, cells
from test_awx_credential_plugin import credential, plugin_venv, run_plugin  # noqa: F401  pylint: disable=unused-import

CELLS = cells(AWX_ROWS)


@pytest.fixture(scope='module')
def matrix_privx(tmp_path_factory):
    with matrix_emulator(tmp_path_factory.mktemp('fault-matrix-awx')) as process:
        yield process


@pytest.mark.parametrize('row, column', CELLS, ids=['%s-%s' % cell for cell in CELLS])
def test_cell(row, column, matrix_privx, plugin_venv, record_property):  # pylint: disable=redefined-outer-name

    def call_backend(metadata):
        request = {'action': 'backend', 'name': 'privx', 'kwargs': credential(matrix_privx, **metadata),
                   'connection_defaults': awx_connection_defaults(column)}
        return run_plugin(plugin_venv, request)

    run_cell(matrix_privx, row, column, record_property, call_backend=call_backend)
