# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one fake of PrivX for the tests of this folder (tests/unit/plugins/fake_privx.py).

The folder is a package (``__init__.py``), so that this conftest is not taken for tests/integration's. The fake is
imported inside the fixture: pytest may load this file before the collection is importable."""

from __future__ import annotations

import pytest


@pytest.fixture
def privx():
    """A fresh in-memory PrivX; ``privx.client()`` is the collection's real client talking to it."""
    from fake_privx import FakePrivX  # pylint: disable=import-outside-toplevel

    return FakePrivX()
