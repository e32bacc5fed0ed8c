# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix's rows of the AWX credential plugin (fault_matrix.py, AWX_ROWS): its backend, built and installed as
AWX gets it (extensions/awx_credential_plugin/tests/awx_plugin.py), checks out and releases under every column
(fault_cells.py runs a cell).

These rows stay here, beside the matrix's other rows, and not with the plugin's own tests: they are cells of the one
matrix (its report and the README's table come from tests/integration/conftest.py's hooks, which run only for tests
below this folder), and what they put under every fault is the collection's client core, byte for byte the plugin's.
The collection's tarball leaves this file out (galaxy.yml, build_ignore): it does not ship the plugin.
"""

from __future__ import annotations

import os
import sys

import pytest

from conftest import REPO
from fault_cells import awx_connection_defaults, matrix_emulator, run_cell
from fault_matrix import AWX_ROWS, cells

sys.path.insert(0, os.path.join(REPO, 'extensions', 'awx_credential_plugin', 'tests'))

from awx_plugin import credential, plugin_venv, run_plugin  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position

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
