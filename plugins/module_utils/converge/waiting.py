# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for PrivX's asynchronous work (a rotation, a scan): polling with a pause that doubles, up to a deadline,
telling how it goes after each poll (the module's ``progress``: plugins/action/connection_info.py shows it)."""

from __future__ import annotations

import time

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError

POLL_FIRST = 0.5


def checked_wait_timeout(wait_timeout):
    """A wait_timeout option as a number of seconds, at least 1."""
    if wait_timeout < 1:
        raise PrivXConfigError('wait_timeout must be at least 1 second, got %d' % wait_timeout)
    return wait_timeout


def poll_until(done, timeout, *, poll_max, sleep=time.sleep, clock=time.monotonic, progress=None):
    """Call ``done()`` after a pause that doubles each round (from POLL_FIRST to ``poll_max``) until it returns True
    or ``timeout`` seconds have passed (the last pause is cut to end at the deadline); returns the seconds waited.

    ``progress(seconds waited)`` after each poll that leaves the wait going."""
    started = clock()
    deadline = started + timeout
    interval = POLL_FIRST
    while True:
        sleep(min(interval, max(0.0, deadline - clock())))
        interval = min(interval * 2, poll_max)
        if done() or clock() >= deadline:
            return round(clock() - started, 1)
        if progress is not None:
            progress(clock() - started)


def no_progress(_text):
    """A wait's progress when nobody is shown it."""
