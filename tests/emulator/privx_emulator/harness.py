# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Test helper for the collection's tests: run the emulator as a subprocess and drive its control API.
#
#     from privx_emulator.harness import EmulatorProcess, fixture_path
#
#     with EmulatorProcess(fixture=fixture_path("test.json"), tls=True) as emulator:
#         admin = emulator.clients["admin"]           # client_id, client_secret, oauth_client_id, oauth_client_secret
#         env = emulator.client_env("admin")          # PRIVX_URL, PRIVX_CLIENT_ID, ..., PRIVX_CA_PATH
#         mark = emulator.control.mark()
#         ...                                         # run a module, a playbook, a benchmark
#         sent = emulator.control.requests(since=mark)
#
# The control client uses urllib with proxies disabled (a test's HTTPS_PROXY must not catch it).
# The emulator runs under sys.executable unless `python=` or PRIVX_EMULATOR_PYTHON names another interpreter.
# trustme is imported only for tls=True.

import json
import os
import queue
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

EMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCHER = os.path.join(EMULATOR_DIR, "emulator.py")
FIXTURES_DIR = os.path.join(EMULATOR_DIR, "fixtures")
LISTENING_PREFIX = "PrivX emulator listening on "


def fixture_path(name: str) -> str:
    """Path of a built-in fixture: fixture_path("test.json")."""
    return os.path.join(FIXTURES_DIR, name)


class EmulatorError(Exception):
    """The emulator did not start, or a control call failed."""


class ControlError(EmulatorError):
    def __init__(self, status: int, body: object, method: str, path: str) -> None:
        super().__init__(f"control call {method} {path} answered {status}: {body}")
        self.status = status
        self.body = body


class ControlClient:
    """The emulator's control API (/_emulator/...)."""

    def __init__(self, base_url: str, ssl_context: ssl.SSLContext | None = None, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        handlers = [urllib.request.ProxyHandler({})]
        if ssl_context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=ssl_context))
        self._opener = urllib.request.build_opener(*handlers)

    def call(self, method: str, path: str, body: object = None, query: dict | None = None) -> object:
        url = f"{self.base_url}/_emulator/{path}"
        if query:
            url += "?" + urllib.parse.urlencode({key: value for key, value in query.items() if value is not None})
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                payload = answer.read()
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            raise ControlError(exc.code, json.loads(payload) if payload else None, method, path) from None
        return json.loads(payload) if payload else None

    # -- request log --

    def requests(self, since: int | None = None) -> list:
        """Logged API requests (after seq `since`), oldest first."""
        return self.call("GET", "requests", query={"since": since})["items"]

    def mark(self) -> int:
        """The seq of the last logged request: pass it to requests(since=...) to see only what comes after."""
        return self.call("GET", "requests", query={"since": 2 ** 62})["last_seq"]

    def clear_requests(self) -> None:
        self.call("DELETE", "requests")

    # -- state --

    def reset(self) -> None:
        self.call("POST", "reset")

    def health(self) -> dict:
        return self.call("GET", "health")

    def checkouts(self) -> list:
        return self.call("GET", "checkouts")["items"]

    def managed_accounts(self, target_domain: str) -> list:
        return self.call("GET", "managed-accounts", query={"target_domain": target_domain})["items"]

    def managed_account(self, target_domain: str, username: str) -> dict | None:
        for account in self.managed_accounts(target_domain):
            if account["username"] == username:
                return account
        return None

    def secrets(self, target_domain: str, username: str) -> list:
        return self.call("GET", "secrets", query={"target_domain": target_domain, "username": username})["items"]

    def host_secrets(self, host: str, username: str) -> list:
        return self.call("GET", "secrets", query={"host": host, "username": username})["items"]

    def vault_secrets(self) -> list:
        """Every Vault secret as stored, data and data_reads (answers that carried the data) included."""
        return self.call("GET", "vault-secrets")["items"]

    def vault_secret(self, name: str) -> dict | None:
        """One Vault secret as stored, with `versions` (every accepted write, oldest first); None when there is none."""
        try:
            return self.call("GET", "vault-secrets", query={"name": name})
        except ControlError as exc:
            if exc.status == 404:
                return None
            raise

    # -- faults, tokens, rotation failures, settings --

    def fault(self, path: str, action: str = "status", count: int | None = 1, **options) -> dict:
        """Inject a fault: action "status" (status=503, retry_after=...), "drop" or "delay" (delay=seconds);
        optional method=, skip=, error_code=. count=None lasts until clear_faults()."""
        spec = dict(options, path=path, action=action, count=count)
        return self.call("POST", "faults", spec)

    def faults(self) -> list:
        return self.call("GET", "faults")["items"]

    def clear_faults(self) -> None:
        self.call("DELETE", "faults")

    def expire_tokens(self, client_id: str | None = None) -> int:
        return self.call("POST", "tokens/expire", {"client_id": client_id} if client_id else {})["expired"]

    def tokens(self, client_id: str | None = None) -> list:
        """Every remembered token, without token values: [{client_id (an API client's, or an exchanged user's user_id),
        grant_type (password, token_exchange, refresh_token), scope, identity_provider_id, issued, expires,
        expires_epoch, expired, refresh (active, used, revoked, expired)}], oldest first."""
        return self.call("GET", "tokens", query={"client_id": client_id})["items"]

    def revoke_refresh_tokens(self, client_id: str | None = None) -> int:
        """Revoke every usable refresh token (of that caller): the next refresh fails, a client must exchange again."""
        return self.call("POST", "tokens/revoke-refresh", {"client_id": client_id} if client_id else {})["revoked"]

    def fail_rotation(self, target_domain: str, username: str, status: str = "ERROR", count: int | None = None) -> dict:
        body = {"target_domain": target_domain, "username": username, "status": status}
        if count is not None:
            body["count"] = count
        return self.call("POST", "rotation-failures", body)

    def clear_rotation_failures(self) -> None:
        self.call("DELETE", "rotation-failures")

    # -- directory content and scans of target domains --

    def directory(self, target_domain: str) -> list:
        """What a scan of the domain (name or id) finds."""
        return self.call("GET", "directory", query={"target_domain": target_domain})["items"]

    def add_to_directory(self, target_domain: str, *accounts, replace: bool = False) -> int:
        """Add users "to AD": each a username or a dict {username, email, full_name, sam_account_name, source_id,
        security_id}. replace=True makes these the whole directory. Returns the directory's size."""
        entries = [{"username": item} if isinstance(item, str) else item for item in accounts]
        body = {"target_domain": target_domain, "accounts": entries, "replace": replace}
        return self.call("POST", "directory", body)["count"]

    def remove_from_directory(self, target_domain: str, username: str) -> None:
        self.call("DELETE", "directory", query={"target_domain": target_domain, "username": username})

    def fail_scan(self, target_domain: str, message: str | None = None, count: int | None = 1) -> dict:
        """The domain's next `count` scans (None: every scan) end in ERROR with this scan_message."""
        body = {"target_domain": target_domain, "count": count}
        if message is not None:
            body["message"] = message
        return self.call("POST", "scan-failures", body)

    def clear_scan_failures(self) -> None:
        self.call("DELETE", "scan-failures")

    def target_domain_secrets(self, target_domain: str) -> list:
        """The write-only endpoint secrets stored for the domain: [{index, type, ldap_bind_password, entra_client_secret}]."""
        return self.call("GET", "target-domain-secrets", query={"target_domain": target_domain})["items"]

    # -- host password rotation --

    def host_accounts(self, host: str) -> dict:
        """A host's secret as stored: {host_id, common_name, rotation_enabled, metadata (or None), count, items: [{id,
        account, access_roles, rotation_initiated, last_rotated, last_error, last_error_details, current_version, versions}]}."""
        return self.call("GET", "host-accounts", query={"host": host})

    def host_account(self, host: str, username: str) -> dict | None:
        return next((item for item in self.host_accounts(host)["items"] if item["account"] == username), None)

    def fail_host_rotation(self, host: str, username: str | None = None, details: str | None = None, count: int | None = None) -> dict:
        """The next rotations of the account (of every account of the host without username) end in last_error with these
        last_error_details (a default SSH error without details), `count` times (None: until cleared)."""
        body = {"host": host, "username": username, "count": count}
        if details is not None:
            body["details"] = details
        return self.call("POST", "host-rotation-failures", body)

    def host_rotation_failures(self) -> list:
        return self.call("GET", "host-rotation-failures")["items"]

    def clear_host_rotation_failures(self) -> None:
        self.call("DELETE", "host-rotation-failures")

    def settings(self, **changes) -> dict:
        """settings(rotation_delay=0.1, token_lifetime=2, scan_delay=0.1) changes; settings() reads."""
        if changes:
            return self.call("POST", "settings", changes)
        return self.call("GET", "settings")

    # -- time: slow rotations and the emulator's clock --

    def lock_account(self, target_domain: str, username: str, seconds: float, trigger: str | None = None) -> dict:
        """A rotation (trigger PERIODIC unless given) starts and takes `seconds`: the account stays locked that long."""
        body = {"target_domain": target_domain, "username": username, "seconds": seconds}
        if trigger is not None:
            body["trigger"] = trigger
        return self.call("POST", "locks", body)

    def clock(self) -> dict:
        """{now (RFC 3339), offset (seconds the emulator's clock runs ahead)}"""
        return self.call("GET", "clock")

    def advance_clock(self, seconds: float) -> dict:
        """Let `seconds` pass for the emulator at once: checkouts and tokens expire, rotations and scans end."""
        return self.call("POST", "clock", {"seconds": seconds})


def _make_tls_files(directory: str) -> tuple:
    """(cert, key, ca) PEM files of a throwaway CA and a server certificate for 127.0.0.1 and localhost."""
    import trustme  # pylint: disable=import-outside-toplevel

    authority = trustme.CA()
    server_cert = authority.issue_cert("127.0.0.1", "localhost", "::1")
    cert_path = os.path.join(directory, "server.pem")
    key_path = os.path.join(directory, "server.key")
    ca_path = os.path.join(directory, "ca.pem")
    server_cert.cert_chain_pems[0].write_to_path(cert_path)
    for blob in server_cert.cert_chain_pems[1:]:
        blob.write_to_path(cert_path, append=True)
    server_cert.private_key_pem.write_to_path(key_path)
    authority.cert_pem.write_to_path(ca_path)
    return cert_path, key_path, ca_path


class EmulatorProcess:
    """The emulator in a subprocess on a free port; started by the constructor, stopped by stop() or `with`."""

    def __init__(self, fixture: str | None = None, tls: bool = False, db: str = ":memory:", token_lifetime: int | None = None,
                 rotation_delay: float | None = None, extra_args=(), host: str = "127.0.0.1", startup_timeout: float = 20,
                 reset_db: bool = False, python: str | None = None, scan_delay: float | None = None,
                 render: str | None = None) -> None:
        self.fixture = os.path.abspath(fixture or fixture_path("test.json"))
        self.tls = tls
        # The emulator runs in a temporary directory: a relative DB path means the caller's directory.
        self.db = db if db == ":memory:" else os.path.abspath(db)
        self.host = host
        self._tempdir = tempfile.TemporaryDirectory(prefix="privx-emulator-")
        self.ca_path = None
        self.url = None
        self.process = None
        self._stderr = None
        self.clients = self._read_clients(self.fixture)
        # PRIVX_EMULATOR_PYTHON runs the emulator under another interpreter (e.g. to check Python 3.9).
        python = python or os.environ.get("PRIVX_EMULATOR_PYTHON") or sys.executable
        args = [python, LAUNCHER, "--host", host, "--port", "0", "--db", self.db, "--fixture", self.fixture]
        if tls:
            cert, key, self.ca_path = _make_tls_files(self._tempdir.name)
            args += ["--tls-cert", cert, "--tls-key", key]
        if token_lifetime is not None:
            args += ["--token-lifetime", str(token_lifetime)]
        if rotation_delay is not None:
            args += ["--rotation-delay", str(rotation_delay)]
        if scan_delay is not None:
            args += ["--scan-delay", str(scan_delay)]
        if render is not None:
            args += ["--render", render]
        if reset_db:
            args.append("--reset")
        self.args = args + list(extra_args)
        try:
            self._start(startup_timeout)
        except BaseException:
            self.close()
            raise
        context = ssl.create_default_context(cafile=self.ca_path) if tls else None
        self.control = ControlClient(self.url, context)

    @staticmethod
    def _read_clients(path: str) -> dict:
        with open(path, encoding="utf-8") as handle:
            fixture = json.load(handle)
        clients = {}
        for client in fixture.get("api_clients", []):
            clients[client["name"]] = {
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
                "oauth_client_id": client.get("oauth_client_id", "privx-external"),
                "oauth_client_secret": client["oauth_client_secret"],
                "role": client["role"],
                # The client's user id (personal Vault secrets live under it); None when the fixture lets the emulator pick one.
                "user_id": client.get("user_id"),
            }
        return clients

    def _start(self, timeout: float) -> None:
        self._stderr = open(os.path.join(self._tempdir.name, "stderr.log"), "w+", encoding="utf-8")  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            self.args, stdout=subprocess.PIPE, stderr=self._stderr, text=True, cwd=self._tempdir.name,
        )
        lines = queue.Queue()
        reader = threading.Thread(target=lambda: lines.put(self.process.stdout.readline()), daemon=True)
        reader.start()
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            line = ""
        if not line.startswith(LISTENING_PREFIX):
            self.stop()
            raise EmulatorError(f"the emulator did not start within {timeout} s: {self.stderr().strip() or line.strip() or 'no output'}")
        self.url = line[len(LISTENING_PREFIX):].strip()

    def stderr(self) -> str:
        """Everything the emulator wrote to stderr so far."""
        self._stderr.flush()
        with open(self._stderr.name, encoding="utf-8") as handle:
            return handle.read()

    def client_env(self, name: str = "admin") -> dict:
        """Environment variables the collection reads, for one of the fixture's API clients."""
        client = self.clients[name]
        env = {
            "PRIVX_URL": self.url,
            "PRIVX_CLIENT_ID": client["client_id"],
            "PRIVX_CLIENT_SECRET": client["client_secret"],
            "PRIVX_OAUTH_CLIENT_ID": client["oauth_client_id"],
            "PRIVX_OAUTH_CLIENT_SECRET": client["oauth_client_secret"],
        }
        if self.ca_path:
            env["PRIVX_CA_PATH"] = self.ca_path
        return env

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10) -> int | None:
        """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        if self.process.stdout:
            self.process.stdout.close()
        return self.process.returncode

    def restart(self, timeout: float = 20) -> None:
        """Stop (SIGTERM) and start again on the same port, certificate, file DB and options: the state, and with it
        the request log, carries over (a :memory: DB starts from the fixture again)."""
        port = urllib.parse.urlsplit(self.url).port
        self.stop()
        self._stderr.close()
        args = list(self.args)
        args[args.index("--port") + 1] = str(port)
        self.args = args
        self._start(timeout)

    def close(self) -> None:
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
        self._tempdir.cleanup()

    def __enter__(self) -> "EmulatorProcess":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def wait_until(self, condition, timeout: float = 10, interval: float = 0.05, message: str = "condition"):
        """Poll condition() until it returns something truthy; EmulatorError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise EmulatorError(f"timed out after {timeout} s waiting for {message}")
            time.sleep(interval)
