# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Shared fixtures of the emulator's own tests: one emulator process per test session (per xdist
# worker), reset before every test, and API sessions logged in as the fixture's clients.
# emulator_helpers puts tests/emulator on sys.path, so privx_emulator imports after it.

import pytest

from emulator_helpers import ROTATION_DELAY, Api
from privx_emulator.harness import EmulatorProcess, fixture_path


@pytest.fixture(scope="session")
def emulator():
    with EmulatorProcess(fixture=fixture_path("test.json"), rotation_delay=ROTATION_DELAY) as process:
        yield process


@pytest.fixture
def emu(emulator):
    """The shared emulator, reset to the fixture's state."""
    emulator.control.reset()
    return emulator


@pytest.fixture
def admin(emu) -> Api:
    return Api(emu, "admin")


@pytest.fixture
def admin2(emu) -> Api:
    return Api(emu, "admin2")


@pytest.fixture
def user(emu) -> Api:
    return Api(emu, "user")


@pytest.fixture
def user2(emu) -> Api:
    return Api(emu, "user2")


@pytest.fixture
def noroles(emu) -> Api:
    return Api(emu, "noroles")


@pytest.fixture
def ops(emu) -> Api:
    """Holds only the roles ops and vault-writers (fixtures/test.json)."""
    return Api(emu, "ops")
