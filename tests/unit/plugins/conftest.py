# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unit tests' one fake of PrivX (fake_privx.py), for every test below this folder."""

from __future__ import annotations

import pytest


@pytest.fixture
def privx():
    """A fresh in-memory PrivX; ``privx.client()`` is the collection's real client talking to it."""
    from fake_privx import FakePrivX  # pylint: disable=import-outside-toplevel  # importable once the collection is

    return FakePrivX()
