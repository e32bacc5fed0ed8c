# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The log of every API request (not control calls), in arrival order, for tests and benchmarks to count
# what a module really sent.
#
# It is kept in memory and handed over across a restart on a file DB: a clean shutdown seals the log (a
# request that arrives afterwards is refused, unlogged and unanswered), waits for the requests in flight to
# be answered or dropped, and saves the log in the DB; the next start on that file takes it over, so seq
# numbers go on counting and a test's mark from before the restart still works. Every entry handed over is
# closed: a request that did not finish within the grace time is recorded as dropped (status 0), which is
# what its client sees when the process ends. A process that is killed hands nothing over.

import collections
import json
import re
import threading
import time
import urllib.parse

from .store import is_file_db

MAX_ENTRIES = 200000
# Longest a shutdown waits for the requests in flight; a held (delayed) request is dropped at once.
SHUTDOWN_GRACE = 5.0
DROPPED = 0

# Query parameters whose values are credentials (RFC 6750's access_token, or a JWT, refresh token, secret or
# password a client puts in the URL): the log keeps their names, never their values. Bodies are never logged.
_CREDENTIAL_PARAMETER = re.compile(r"token|jwt|secret|password|assertion", re.I)
REDACTED = "***"


def loggable_query(query: str) -> str:
    """The raw query string with the values of credential parameters replaced by REDACTED."""
    parts = []
    for part in query.split("&") if query else []:
        name, equals, _value = part.partition("=")
        if equals and _CREDENTIAL_PARAMETER.search(urllib.parse.unquote_plus(name)):
            part = f"{name}={REDACTED}"
        parts.append(part)
    return "&".join(parts)


_TABLE = "CREATE TABLE IF NOT EXISTS request_log_handover (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL, entries TEXT NOT NULL)"


class RequestLog:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Condition()
        self._entries = collections.deque(maxlen=max_entries)
        # Sequence numbers keep counting across clear(), reset and a restart, so a test's mark stays meaningful.
        self._last_seq = 0
        self._open = 0
        self._sealed = False

    def open(self, method: str, path: str, query: str) -> dict | None:
        """Record an arriving request; status stays None until it is answered. None once the log is sealed:
        the request must then be refused without an answer."""
        with self._lock:
            if self._sealed:
                return None
            self._last_seq += 1
            entry = {
                "seq": self._last_seq,
                "time": time.time(),
                "method": method,
                "path": path,
                "query": loggable_query(query),
                "status": None,
                "client": None,
                "duration_ms": None,
            }
            self._entries.append(entry)
            self._open += 1
            return entry

    def close(self, entry: dict, status: int, client: str | None, started: float) -> bool:
        """Record the answer; False when a shutdown has already recorded the request as dropped (and handed the
        log over): the answer must then not be sent, so that the log stays true."""
        with self._lock:
            if entry["status"] is not None:
                return False
            self._open -= 1
            self._lock.notify_all()
            entry["status"] = status
            entry["client"] = client
            entry["duration_ms"] = round((time.monotonic() - started) * 1000.0, 3)
            return True

    def since(self, seq: int) -> tuple:
        """(entries after seq, last seq)"""
        with self._lock:
            return [dict(entry) for entry in self._entries if entry["seq"] > seq], self._last_seq

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    # -- the hand-over across a restart ---------------------------------------------------------------------

    def seal(self) -> None:
        """No request is logged (or served) from now on."""
        with self._lock:
            self._sealed = True

    def settle(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Wait until every logged request has been answered or dropped; what is still open after `grace`
        seconds is recorded as dropped, since its connection ends with the process."""
        deadline = time.monotonic() + grace
        with self._lock:
            while self._open and self._lock.wait(max(0.0, deadline - time.monotonic())):
                pass
            for entry in self._entries:
                if entry["status"] is None:
                    entry["status"] = DROPPED
            self._open = 0

    def save(self, store) -> None:
        """Keep the (sealed, settled) log in a file DB for the next start."""
        if not is_file_db(store.path):
            return
        with self._lock:
            entries = list(self._entries)
            last_seq = self._last_seq
        with store.transaction() as held:
            held.conn.execute(_TABLE)
            held.conn.execute("INSERT OR REPLACE INTO request_log_handover (id, last_seq, entries) VALUES (1, ?, ?)",
                              (last_seq, json.dumps(entries)))

    def take_over(self, store) -> None:
        """Continue the log a clean shutdown saved in the DB (nothing happens when there is none); the DB
        keeps it no longer, so a process killed later never hands over an outdated log."""
        with store.transaction() as held:
            held.conn.execute(_TABLE)
            row = held.conn.execute("SELECT last_seq, entries FROM request_log_handover WHERE id = 1").fetchone()
            held.conn.execute("DELETE FROM request_log_handover")
        if row is None:
            return
        with self._lock:
            self._entries.extend(json.loads(row[1]))
            self._last_seq = max(self._last_seq, row[0])
