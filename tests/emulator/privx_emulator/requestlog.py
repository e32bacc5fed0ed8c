# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# In-memory log of every API request (not control calls), in arrival order, for tests and benchmarks
# to count what a module really sent.

import collections
import threading
import time

MAX_ENTRIES = 200000


class RequestLog:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries = collections.deque(maxlen=max_entries)
        # Sequence numbers keep counting across clear() and reset, so a test's mark stays meaningful.
        self._last_seq = 0

    def open(self, method: str, path: str, query: str) -> dict:
        """Record an arriving request; status stays None until it is answered."""
        with self._lock:
            self._last_seq += 1
            entry = {
                "seq": self._last_seq,
                "time": time.time(),
                "method": method,
                "path": path,
                "query": query,
                "status": None,
                "client": None,
                "duration_ms": None,
            }
            self._entries.append(entry)
            return entry

    def close(self, entry: dict, status: int, client: str | None, started: float) -> None:
        with self._lock:
            entry["status"] = status
            entry["client"] = client
            entry["duration_ms"] = round((time.monotonic() - started) * 1000.0, 3)

    def since(self, seq: int) -> tuple:
        """(entries after seq, last seq)"""
        with self._lock:
            return [dict(entry) for entry in self._entries if entry["seq"] > seq], self._last_seq

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
