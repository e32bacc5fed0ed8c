# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Time formats of the API: RFC 3339 date-times (always rendered in UTC with `Z`, second precision)
# and ISO-8601 durations such as P30D or PT1H.

import datetime
import re
import time

_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_DURATION = re.compile(
    r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
    r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
# Years and months have no fixed length; these are the usual approximations.
_DURATION_UNITS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


# Seconds the emulator's clock runs ahead of the machine's (control API `clock`): tests let time pass without waiting.
_CLOCK = {"offset": 0.0}


def now() -> float:
    return time.time() + _CLOCK["offset"]


def advance_clock(seconds: float) -> float:
    """Move the emulator's clock forward (never back: audit events and history stay in order); the new offset."""
    _CLOCK["offset"] += seconds
    return _CLOCK["offset"]


def clock_offset() -> float:
    return _CLOCK["offset"]


def reset_clock() -> None:
    _CLOCK["offset"] = 0.0


def whole_seconds(timestamp: float) -> int:
    """Timestamps that clients see and filter on are kept at the precision they are rendered with."""
    return int(timestamp)


def format_time(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(timestamp)))


def parse_datetime(text: str) -> float:
    """RFC 3339 date-time to epoch seconds; ValueError when malformed."""
    match = _DATETIME.match(text)
    if not match:
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction = float(match.group(7)) if match.group(7) else 0.0
    zone = match.group(8)
    offset = datetime.timedelta(0)
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        offset = sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    moment = datetime.datetime(year, month, day, hour, minute, second, tzinfo=datetime.timezone(offset))
    return moment.timestamp() + fraction


def parse_duration(text: str) -> float:
    """ISO-8601 duration (P1Y2M3W4DT5H6M7S) to seconds; ValueError when malformed."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    return sum(float(part) * unit for part, unit in zip(match.groups(), _DURATION_UNITS) if part)
