# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The emulator as one object: store, fixture, run-time settings, request log, faults, injected rotation
# failures and the background worker. The HTTP server and the control API both work on it.

import copy
import os
import threading

from .faults import FaultSet
from .host_rotation import HostRotationFailures
from .fixture import seed
from .requestlog import RequestLog
from .rotation import BackgroundWorker, RotationFailures
from .scans import ScanFailures
from .timeutil import now, reset_clock


class Settings:
    """Values the control API may change at run time; reset restores the command line's."""

    def __init__(self, rotation_delay: float, token_lifetime: int, wrap_checkout: bool = False, scan_delay: float = 0.5,
                 render: str = "go") -> None:
        self.rotation_delay = rotation_delay
        # Seconds a target domain scan (refresh) takes.
        self.scan_delay = scan_delay
        self.token_lifetime = token_lifetime
        # docs/privx-api.md: newer PrivX releases answer a checkout as {count, items: [Checkout]}; clients
        # must accept both shapes, and this switch lets their tests see the newer one.
        self.wrap_checkout = wrap_checkout
        # How answers are written (render.py): "go", as PrivX's Go server does, or "sparse", every empty
        # field left out, so that tests can run the collection against both.
        self.render = render

    def as_dict(self) -> dict:
        return {"rotation_delay": self.rotation_delay, "token_lifetime": self.token_lifetime, "wrap_checkout": self.wrap_checkout,
                "scan_delay": self.scan_delay, "render": self.render}

    def restore(self, other: "Settings") -> None:
        self.rotation_delay = other.rotation_delay
        self.token_lifetime = other.token_lifetime
        self.wrap_checkout = other.wrap_checkout
        self.scan_delay = other.scan_delay
        self.render = other.render


class Emulator:
    def __init__(self, store, fixture: dict, fixture_path: str, settings: Settings) -> None:
        self.store = store
        self.fixture = fixture
        # The fixture in use: the one that seeded the store, which reset seeds from again.
        self.fixture_path = fixture_path
        self.fixture_name = os.path.basename(fixture_path)
        self.settings = settings
        self._initial_settings = copy.copy(settings)
        self.request_log = RequestLog()
        # A clean shutdown of the same file DB before left its request log there (requestlog.py).
        self.request_log.take_over(store)
        self.faults = FaultSet()
        self.rotation_failures = RotationFailures()
        self.host_rotation_failures = HostRotationFailures()
        self.scan_failures = ScanFailures()
        self.worker = BackgroundWorker(self)
        self.stopping = False
        # When this emulator started, for the services' status answers.
        self.started = now()
        self.stop_requested = threading.Event()

    def seed_if_empty(self, force: bool = False) -> bool:
        """Seed from the fixture when the store is empty (or when forced); True when it seeded."""
        with self.store.transaction() as store:
            if store.is_seeded() and not force:
                return False
            store.wipe()
            seed(store, self.fixture, now())
            store.mark_seeded(self.fixture_name, self.fixture_path)
            return True

    def reset(self) -> None:
        """Back to the state the server started with: the real clock, fresh seed, empty log, no faults, initial settings."""
        reset_clock()
        self.seed_if_empty(force=True)
        self.request_log.clear()
        self.faults.clear()
        self.rotation_failures.clear()
        self.host_rotation_failures.clear()
        self.scan_failures.clear()
        self.settings.restore(self._initial_settings)

    def start(self) -> None:
        self.worker.start()

    def begin_stop(self) -> None:
        """From now on no request is served: held ones are dropped, new ones refused (requestlog.py)."""
        self.request_log.seal()
        self.stop_requested.set()

    def stop(self) -> None:
        self.begin_stop()
        self.stopping = True
        self.request_log.settle()
        self.worker.stop()
        self.request_log.save(self.store)
        self.store.close()
