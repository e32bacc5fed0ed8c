# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The request log across a restart on a file DB (requestlog.py): what a client was answered is in the log, with the
# status it got; a request held while the emulator stops is dropped and logged as such; seq numbers go on counting,
# with no gap and no entry left in flight. The fault matrix's restart cells count writes from this log.

import threading
import time

import requests

from emulator_helpers import SM, Api
from privx_emulator.harness import EmulatorProcess, fixture_path

HELD = SM + "/password-policies"
HAMMERED = SM + "/targetdomains"
# Answers each hammering client must get from the restarted emulator before it stops.
AFTER_RESTART = 10
# Clients sending at once, each on its own keep-alive connection: requests meet the shutdown at every stage.
HAMMERS = 3
# Each restart is a chance for a request to meet the shutdown at a bad moment.
RESTARTS = 3


class Hammer(threading.Thread):
    """Sends GETs one after another on one keep-alive session until stopped; records what came back, in order."""

    def __init__(self, emulator: EmulatorProcess, token: str, number: int) -> None:
        super().__init__(daemon=True)
        # The log tells the clients apart by their query string.
        self.query = "limit=%d" % (number + 1)
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = emulator.ca_path or True
        self.session.headers["Authorization"] = token
        self.url = emulator.url + HAMMERED
        self.outcomes = []  # an HTTP status, or None for a request that got no answer
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.outcomes.append(self.session.get(self.url + "?" + self.query, timeout=10).status_code)
            except requests.exceptions.RequestException:
                self.outcomes.append(None)
                time.sleep(0.005)

    def answered_after(self, index: int) -> int:
        return len([outcome for outcome in self.outcomes[index:] if outcome is not None])


def held_request(api: Api, outcomes: list) -> None:
    try:
        outcomes.append(api.get(HELD, timeout=60).status_code)
    except requests.exceptions.RequestException as error:
        outcomes.append(type(error).__name__)


def restart_under_load(emulator: EmulatorProcess, api: Api, hammers: list, held: list) -> None:
    """Hold a request, restart, and wait for answers from the restarted emulator."""
    emulator.control.fault(HELD + "$", method="GET", action="delay", delay=30)
    holder = threading.Thread(target=held_request, args=(api, held), daemon=True)
    holder.start()
    emulator.wait_until(lambda: emulator.control.faults()[0]["hits"] == 1, message="the held request")
    emulator.restart()
    restarted_at = [len(hammer.outcomes) for hammer in hammers]
    emulator.wait_until(lambda: all(hammer.answered_after(index) >= AFTER_RESTART for hammer, index in zip(hammers, restarted_at)),
                        timeout=20, message="answers from the restarted emulator")
    holder.join(timeout=20)


def test_restarts_hand_the_request_log_over_exactly(tmp_path) -> None:
    with EmulatorProcess(fixture=fixture_path("test.json"), db=str(tmp_path / "state.db")) as emulator:
        admin = Api(emulator, "admin")
        mark = emulator.control.mark()
        hammers = [Hammer(emulator, admin.session.headers["Authorization"], number) for number in range(HAMMERS)]
        for hammer in hammers:
            hammer.start()
        emulator.wait_until(lambda: all(hammer.answered_after(0) for hammer in hammers), message="answers before the restart")
        held = []
        for _restart in range(RESTARTS):
            restart_under_load(emulator, admin, hammers, held)
        for hammer in hammers:
            hammer.stopping.set()
            hammer.join(timeout=20)
        log = emulator.control.requests(since=mark)

    assert [entry["seq"] for entry in log] == list(range(mark + 1, mark + 1 + len(log))), "a gap in the seq numbers"
    assert [entry for entry in log if entry["status"] is None] == [], "an entry handed over in flight"
    held_entries = [entry for entry in log if entry["path"] == HELD]
    assert [entry["status"] for entry in held_entries] == [0] * RESTARTS and held == ["ConnectionError"] * RESTARTS, (held_entries, held)
    for hammer in hammers:
        # Every answer the client got, in order, with its status; a request the log calls dropped got no answer.
        answered = [outcome for outcome in hammer.outcomes if outcome is not None]
        logged = [entry["status"] for entry in log if entry["query"] == hammer.query and entry["status"] != 0]
        assert logged == answered, "client %s was answered %d times, the log has %d answers" % (hammer.query, len(answered), len(logged))
    # The clients met the restarts (on a loaded machine one of them may sleep through one).
    assert any(None in hammer.outcomes for hammer in hammers), "no request was sent while the emulator was down"
