# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one fake of PrivX for the tests of this folder (tests/unit/plugins/fake_privx.py).

The folder is a package (``__init__.py``), so that this conftest is not taken for tests/integration's."""

from __future__ import annotations

from fake_privx import privx  # noqa: F401  pylint: disable=unused-import  # the fixture
