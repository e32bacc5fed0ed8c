# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The SQLite file DB: the fixture it was seeded from is remembered across restarts, another process's
# write lock makes requests wait instead of fail, and the files are private to their owner (0600).

import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time

import pytest
import requests

from emulator_helpers import TD_DB, Api, managed_path
from privx_emulator.harness import FIXTURES_DIR, LAUNCHER, EmulatorProcess, fixture_path

TEST_FIXTURE = fixture_path("test.json")
DEMO_FIXTURE = fixture_path("demo.json")


@contextlib.contextmanager
def running(cwd, *args: str):
    """The emulator started with exactly these arguments (the harness always names a fixture); yields its URL."""
    process = subprocess.Popen([sys.executable, LAUNCHER, "--port", "0", *args], cwd=cwd, stdout=subprocess.PIPE,  # pylint: disable=consider-using-with
                               stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("PrivX emulator listening on "), line + process.stderr.read()
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)
        stderr = process.stderr.read()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == 0 and "Traceback" not in stderr, stderr


def start_error(*args: str) -> str:
    """The one line a refused start prints (exit code 2)."""
    result = subprocess.run([sys.executable, LAUNCHER, "--port", "0", *args], capture_output=True, text=True, timeout=15, check=False)
    assert result.returncode == 2 and result.stdout == "", result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def seed(db: str, fixture: str) -> None:
    with EmulatorProcess(fixture=fixture, db=db, reset_db=True) as process:
        assert process.control.health()["fixture"] == os.path.basename(fixture)


def test_restart_without_fixture_keeps_the_seeding_fixture(tmp_path) -> None:
    db = str(tmp_path / "state.db")
    seed(db, TEST_FIXTURE)
    with running(tmp_path, "--db", db) as url:
        health = requests.get(url + "/_emulator/health", timeout=10).json()
        assert health["fixture"] == "test.json" and health["fixture_path"] == os.path.realpath(TEST_FIXTURE)
        assert requests.post(url + "/_emulator/reset", timeout=10).json()["fixture"] == "test.json"
        names = [item["username"] for item in requests.get(url + "/_emulator/managed-accounts", params={"target_domain": "dbdomain"},
                                                           timeout=10).json()["items"]]
        assert len(names) == 7 and "release_me" in names, "reset seeded test.json again, not the default demo.json"


def test_restart_with_another_fixture_is_refused_unless_reset(tmp_path) -> None:
    db = str(tmp_path / "state.db")
    seed(db, TEST_FIXTURE)
    line = start_error("--db", db, "--fixture", DEMO_FIXTURE)
    assert line.startswith("privx-emulator: error: ") and "test.json" in line and "demo.json" in line and "--reset" in line
    # The same file under another spelling is the same fixture.
    same = os.path.join(FIXTURES_DIR, "..", "fixtures", "test.json")
    with EmulatorProcess(fixture=same, db=db) as process:
        assert process.control.health()["fixture_path"] == os.path.realpath(TEST_FIXTURE)
    with EmulatorProcess(fixture=DEMO_FIXTURE, db=db, reset_db=True) as process:
        assert process.control.health()["fixture"] == "demo.json"
    with running(tmp_path, "--db", db) as url:
        assert requests.get(url + "/_emulator/health", timeout=10).json()["fixture"] == "demo.json", "the new fixture is remembered"


def test_remembered_fixture_that_is_gone_is_a_startup_error(tmp_path) -> None:
    db = str(tmp_path / "state.db")
    copy = tmp_path / "copy.json"
    shutil.copyfile(TEST_FIXTURE, copy)
    seed(db, str(copy))
    copy.unlink()
    assert "copy.json" in start_error("--db", db)
    with running(tmp_path, "--db", db, "--fixture", DEMO_FIXTURE, "--reset") as url:
        assert requests.get(url + "/_emulator/health", timeout=10).json()["fixture"] == "demo.json"


def test_writers_wait_for_another_process_lock(tmp_path) -> None:
    db = str(tmp_path / "state.db")
    with EmulatorProcess(db=db) as process:
        admin = Api(process, "admin")
        with contextlib.closing(sqlite3.connect(db, isolation_level=None, check_same_thread=False)) as other:
            other.execute("BEGIN IMMEDIATE")
            release = threading.Timer(0.5, other.execute, args=("COMMIT",))
            release.start()
            started = time.monotonic()
            answer = admin.post(managed_path(TD_DB), json={"username": "patient"})
            elapsed = time.monotonic() - started
            release.join()
        assert answer.status_code == 201, answer.text
        assert elapsed >= 0.4, "the request waited for the lock"
        assert process.control.managed_account("dbdomain", "patient") is not None
        assert "Traceback" not in process.stderr()


@pytest.fixture
def umask_022():
    # The modes below must come from the emulator, not from a strict umask of whoever runs the tests.
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.usefixtures("umask_022")
def test_db_files_are_private(tmp_path) -> None:
    db = str(tmp_path / "state.db")
    with EmulatorProcess(db=db) as process:
        assert Api(process, "admin").post(managed_path(TD_DB), json={"username": "written"}).status_code == 201
        for suffix in ("", "-wal", "-shm"):
            assert mode(db + suffix) == 0o600, suffix
    with running(tmp_path):
        assert mode(tmp_path / "privx-emulator.db") == 0o600, "the default DB in the current directory"
