# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Command line: build the emulator, seed it when needed, listen, print the one "listening on" line,
# and shut down cleanly on SIGTERM/SIGINT. Start-up errors are one line on stderr and exit code 2.

import argparse
import os
import signal
import sqlite3
import ssl
import sys
import threading

from .app import Emulator, Settings
from .fixture import DEFAULT_FIXTURE, FixtureError, load_fixture
from .render import GO, RENDERINGS
from .server import EmulatorServer
from .store import Store

EXIT_STARTUP_ERROR = 2


class StartupError(Exception):
    """A reason the emulator cannot start, phrased for the person who started it."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emulator.py",
        description="PrivX Secrets Manager emulator for the privx.secrets collection's tests, benchmarks and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8443, help="port to listen on; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--db", default="privx-emulator.db", help="SQLite file, or :memory: (default: %(default)s)")
    fixture_help = ("JSON fixture to seed an empty DB from (default: the fixture that seeded the DB, else the built-in "
                    "fixtures/demo.json); a DB seeded from another fixture needs --reset")
    parser.add_argument("--fixture", help=fixture_help)
    parser.add_argument("--tls-cert", help="PEM certificate (chain) to serve HTTPS with")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--token-lifetime", type=int, default=300, help="access token lifetime in seconds (default: %(default)s)")
    parser.add_argument("--rotation-delay", type=float, default=1.0, help="seconds a password rotation takes (default: %(default)s)")
    parser.add_argument("--scan-delay", type=float, default=0.5, help="seconds a target domain scan takes (default: %(default)s)")
    parser.add_argument("--render", choices=RENDERINGS, default=GO,
                        help="go: answers as PrivX's Go server writes them, empty fields included as the field tables say; "
                             "sparse: every empty field left out (default: %(default)s)")
    parser.add_argument("--reset", action="store_true", help="drop the DB's state and seed it again from the fixture (see --fixture)")
    return parser


def _tls_context(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    if not cert and not key:
        return None
    if not cert or not key:
        raise StartupError("--tls-cert and --tls-key must be given together")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise StartupError(f"cannot load TLS certificate {cert} / key {key}: {exc}") from None
    return context


def _check_arguments(args) -> None:
    if not 0 <= args.port <= 65535:
        raise StartupError(f"--port must be between 0 and 65535, got {args.port}")
    if args.token_lifetime < 1:
        raise StartupError("--token-lifetime must be at least 1 second")
    if args.rotation_delay < 0:
        raise StartupError("--rotation-delay must not be negative")


def _open_store(path: str) -> Store:
    try:
        return Store(path)
    except (sqlite3.Error, OSError) as exc:
        raise StartupError(f"cannot open database {path}: {exc}") from None


def _fixture_to_use(args, store: Store) -> tuple:
    """(fixture path, remembered): --fixture, else the fixture that seeded the DB, else the default.

    A DB seeded from one fixture is not silently served (nor reset) with another: a different --fixture
    needs --reset. Paths are compared resolved, so another spelling of the same file is the same fixture.
    """
    given = os.path.realpath(args.fixture) if args.fixture else None
    try:
        with store.transaction():
            remembered = store.seeded_fixture() if store.is_seeded() else None
    except sqlite3.Error as exc:
        raise StartupError(f"cannot read database {args.db}: {exc}") from None
    if given is None:
        return (remembered, True) if remembered else (os.path.realpath(DEFAULT_FIXTURE), False)
    if remembered and given != remembered and not args.reset:
        raise StartupError(
            f"database {args.db} was seeded from fixture {remembered}, not {given}: "
            "add --reset to seed it again from the new fixture, or leave out --fixture"
        )
    return given, False


def _load(path: str, remembered: bool, db: str) -> dict:
    try:
        return load_fixture(path)
    except FixtureError as exc:
        if remembered:
            raise StartupError(f"{exc} (it seeded {db}; --fixture FILE --reset seeds it again from another)") from None
        raise StartupError(str(exc)) from None


def _emulator(args, store: Store) -> Emulator:
    fixture_path, remembered = _fixture_to_use(args, store)
    fixture = _load(fixture_path, remembered, args.db)
    emulator = Emulator(store, fixture, fixture_path, Settings(args.rotation_delay, args.token_lifetime, scan_delay=args.scan_delay, render=args.render))
    try:
        emulator.seed_if_empty(force=args.reset)
        if args.reset:
            emulator.request_log.clear()
    except sqlite3.Error as exc:
        raise StartupError(f"cannot seed database {args.db}: {exc}") from None
    return emulator


def _listen(args, emulator: Emulator, context: ssl.SSLContext | None) -> EmulatorServer:
    try:
        return EmulatorServer(args.host, args.port, emulator, context)
    except OSError as exc:
        raise StartupError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None


def build(args) -> tuple:
    """(emulator, server) ready to serve; StartupError when something is wrong."""
    _check_arguments(args)
    context = _tls_context(args.tls_cert, args.tls_key)
    store = _open_store(args.db)
    try:
        emulator = _emulator(args, store)
        server = _listen(args, emulator, context)
    except StartupError:
        store.close()
        raise
    return emulator, server


def serve(emulator: Emulator, server: EmulatorServer) -> None:
    stopping = threading.Event()

    def request_stop(_signum, _frame) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    emulator.start()
    loop = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="privx-emulator-accept", daemon=True)
    loop.start()
    print(f"PrivX emulator listening on {server.url}", flush=True)
    # The main thread only waits, so the signal handlers run promptly; Event.wait with a timeout keeps
    # Python able to deliver signals on every platform.
    while not stopping.wait(0.5):
        pass
    emulator.begin_stop()
    server.shutdown()
    server.server_close()
    loop.join(timeout=5)
    emulator.stop()


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        emulator, server = build(args)
    except StartupError as exc:
        print(f"privx-emulator: error: {exc}", file=sys.stderr, flush=True)
        return EXIT_STARTUP_ERROR
    serve(emulator, server)
    return 0
