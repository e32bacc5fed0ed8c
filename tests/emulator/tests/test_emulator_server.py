# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The process: command line, start-up errors, TLS, keep-alive, concurrency, restart with a file DB.

import json
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest
import requests

from emulator_helpers import AZ, SM, TD_DB, Api, account_id, managed_path
from privx_emulator.harness import LAUNCHER, EmulatorProcess, fixture_path


def run_cli(*args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, LAUNCHER, *args], capture_output=True, text=True, timeout=timeout, check=False)


def assert_startup_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_bad_fixture_is_one_line_and_exit_2(tmp_path) -> None:
    assert_startup_error(run_cli("--db", ":memory:", "--port", "0", "--fixture", str(tmp_path / "missing.json")), "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert_startup_error(run_cli("--db", ":memory:", "--port", "0", "--fixture", str(broken)), "not valid JSON")
    typo = tmp_path / "typo.json"
    fixture = json.loads(open(fixture_path("test.json"), encoding="utf-8").read())
    fixture["target_domains"][1]["managed_accounts"][0]["pasword"] = "x"
    typo.write_text(json.dumps(fixture), encoding="utf-8")
    assert_startup_error(run_cli("--db", ":memory:", "--port", "0", "--fixture", str(typo)), "target_domains[1].managed_accounts[0].pasword")
    fixture["target_domains"][1]["managed_accounts"][0].pop("pasword")
    fixture["target_domains"][1]["managed_accounts"][0]["password_policy"] = "nope"
    typo.write_text(json.dumps(fixture), encoding="utf-8")
    assert_startup_error(run_cli("--db", ":memory:", "--port", "0", "--fixture", str(typo)), "no password policy named 'nope'")


def test_port_in_use_and_bad_certificate(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert_startup_error(run_cli("--db", ":memory:", "--port", str(port)), f"127.0.0.1:{port}")
    assert_startup_error(run_cli("--db", ":memory:", "--port", "0", "--tls-cert", str(tmp_path / "c.pem"), "--tls-key", str(tmp_path / "k.pem")),
                         "TLS certificate")
    assert_startup_error(run_cli("--db", ":memory:", "--port", "0", "--tls-cert", "only-cert.pem"), "together")


def test_default_fixture_and_sigterm(tmp_path) -> None:
    process = subprocess.Popen([sys.executable, LAUNCHER, "--port", "0"], cwd=tmp_path, stdout=subprocess.PIPE,  # pylint: disable=consider-using-with
                               stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("PrivX emulator listening on http://127.0.0.1:"), line
        url = line.split(" on ", 1)[1].strip()
        health = requests.get(url + "/_emulator/health", timeout=10).json()
        assert health["fixture"] == "demo.json" and health["db"] == "privx-emulator.db"
        assert (tmp_path / "privx-emulator.db").exists(), "default DB file in the current directory"
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
    assert process.stderr.read() == ""
    process.stdout.close()
    process.stderr.close()


def test_sigint_shuts_down_cleanly() -> None:
    with EmulatorProcess() as process:
        assert process.control.health()["status"] == "ok"
        process.process.send_signal(signal.SIGINT)
        assert process.process.wait(timeout=10) == 0
        assert "Traceback" not in process.stderr()


def test_restart_with_file_db_keeps_state_and_finishes_rotation(tmp_path) -> None:
    db = str(tmp_path / "state.db")
    # The delay must outlast a stop and a start on a loaded machine, so that the rotation is still pending.
    with EmulatorProcess(db=db, rotation_delay=8) as first:
        admin = Api(first, "admin")
        assert admin.post(managed_path(TD_DB), json={"username": "survivor", "enabled": True, "password": "v1"}).status_code == 201
        ma = account_id(first, "dbdomain", "survivor")
        assert admin.post(managed_path(TD_DB, f"/{ma}/rotate")).status_code == 200
        token = admin.session.headers["Authorization"]
        assert first.stop() == 0
    with EmulatorProcess(db=db, rotation_delay=8) as second:
        account = second.control.managed_account("dbdomain", "survivor")
        assert account is not None and account["id"] == ma, "not re-seeded"
        assert account["locked"] is True, "the rotation was pending at shutdown"
        answer = requests.get(second.url + managed_path(TD_DB), headers={"Authorization": token}, timeout=10)
        assert answer.status_code == 200, "tokens are stored too"
        finished = second.wait_until(lambda: not second.control.managed_account("dbdomain", "survivor")["locked"], timeout=30,
                                     message="the pending rotation to finish after the restart")
        assert finished
        assert [item["version"] for item in second.control.secrets("dbdomain", "survivor")] == [1, 2]
    with EmulatorProcess(db=db, reset_db=True) as third:
        assert third.control.managed_account("dbdomain", "survivor") is None, "--reset seeds again"


@pytest.fixture(scope="module")
def tls_emulator():
    with EmulatorProcess(fixture=fixture_path("test.json"), tls=True) as process:
        yield process


def test_tls_with_harness_ca(tls_emulator) -> None:
    assert tls_emulator.url.startswith("https://127.0.0.1:")
    api = Api(tls_emulator, "user")
    assert api.get(AZ + "/secrets").status_code == 200
    assert tls_emulator.control.health()["status"] == "ok"
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_emulator.url + AZ + "/secrets", timeout=10)
    env = tls_emulator.client_env("admin")
    assert env["PRIVX_CA_PATH"] == tls_emulator.ca_path and env["PRIVX_URL"] == tls_emulator.url


def test_tls_slow_client_does_not_block_others(tls_emulator) -> None:
    port = int(tls_emulator.url.rsplit(":", 1)[1])
    silent = [socket.create_connection(("127.0.0.1", port)) for _number in range(3)]
    plain = socket.create_connection(("127.0.0.1", port))
    plain.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        started = time.monotonic()
        context = ssl.create_default_context(cafile=tls_emulator.ca_path)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, context.wrap_socket(raw, server_hostname="127.0.0.1"):
            pass
        assert requests.get(tls_emulator.url + "/_emulator/health", verify=tls_emulator.ca_path, timeout=5).status_code == 200
        assert time.monotonic() - started < 2
    finally:
        for sock in silent + [plain]:
            sock.close()


def test_keep_alive_reuses_one_connection(emu, admin: Api) -> None:
    answer = admin.get(SM + "/targetdomains")
    assert answer.headers["Content-Length"] == str(len(answer.content))
    assert answer.raw.version == 11
    sockets = set()
    for _attempt in range(5):
        answer = admin.get(SM + "/targetdomains", stream=True)
        sockets.add(id(answer.raw.connection.sock))
        answer.content  # pylint: disable=pointless-statement
    assert len(sockets) == 1
    empty = admin.post(managed_path(TD_DB, f"/{account_id(emu, 'dbdomain', 'app_admin')}/rotate"))
    assert empty.status_code == 200 and empty.headers["Content-Length"] == "0"


def test_fifty_concurrent_clients(emu) -> None:
    clients = 50
    barrier = threading.Barrier(clients)
    errors = []
    paths = {}

    def worker(number: int) -> None:
        try:
            api = Api(emu, "user" if number % 2 else "admin")
            barrier.wait(timeout=20)
            for _attempt in range(4):
                listed = api.get(AZ + "/secrets")
                # The admin also sees the three host accounts whose principals carry its privx-admin role.
                assert listed.status_code == 200 and listed.json()["count"] == (10 if number % 2 else 13), listed.text
            record = api.post(AZ + "/secrets/checkouts", json={"path": "dbdomain/app_admin"})
            assert record.status_code == 200, record.text
            assert record.json()["secrets"][0]["secret"] == "app-admin-v1"
            paths[number] = record.json()["id"]
            if number % 2 == 0:
                created = api.post(managed_path(TD_DB), json={"username": f"concurrent{number}"})
                assert created.status_code == 201, created.text
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(f"client {number}: {exc!r}")

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [], errors
    assert len(paths) == clients
    assert len(set(paths.values())) == 2, "one checkout per caller (admin, user): the rest returned the active one"
    assert len(emu.control.managed_accounts("dbdomain")) == 7 + clients // 2
    assert time.monotonic() - started < 30
