# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dates and durations as users write them and as PrivX sends them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .errors import PrivXConfigError

_DURATION = re.compile(r'^\s*(\d+)\s*([smhdw])\s*$')
_UNIT_SECONDS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}


def parse_duration(value, option):
    """'90m', '12h', '30d', '2w' (or plain seconds) as a timedelta; a clear error otherwise.

    A duration longer than a timedelta can hold is ``timedelta.max``: longer than any date is old.
    """
    text = str(value).strip().lower()
    if text.isdigit():
        seconds = int(text)
    else:
        match = _DURATION.match(text)
        if not match:
            raise PrivXConfigError('%s %r is not a duration: write a number and a unit, such as 90m, 12h, 30d or 2w' % (option, value))
        seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        return timedelta.max


def moment_before(now, duration):
    """``now - duration``, or None when that is before the first date a datetime holds (nothing is that old)."""
    try:
        return now - duration
    except OverflowError:
        return None


def parse_timestamp(value):
    """A PrivX RFC 3339 date-time as an aware datetime, or None when absent or unreadable."""
    if not value:
        return None
    text = str(value).strip()
    if text.endswith(('Z', 'z')):
        text = text[:-1] + '+00:00'
    # Python 3.9's fromisoformat takes at most 6 fractional digits; PrivX may send 9.
    text = re.sub(r'(\.\d{6})\d+', r'\1', text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def as_rfc3339(value, option):
    """A user's date or date-time (YYYY-MM-DD, or ISO 8601 with or without zone) as PrivX's RFC 3339 UTC form."""
    moment = parse_timestamp(value)
    if moment is None:
        raise PrivXConfigError('%s %r is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ' % (option, value))
    return moment.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def utc_now():
    return datetime.now(timezone.utc)


# PrivX's policy durations are ISO-8601 (P30D, PT12H, P1DT12H). Years and months have no fixed length:
# they count as 365 and 30 days when two durations are compared.
_ISO_DURATION = re.compile(r'^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$')
_ISO_UNITS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)
# The collection's short form, as PrivX's ISO-8601: 30d -> P30D, 12h -> PT12H, 30m -> PT30M.
_SHORT_AS_ISO = {'w': 'P%sW', 'd': 'P%sD', 'h': 'PT%sH', 'm': 'PT%sM', 's': 'PT%sS'}


def as_iso_duration(value, option):
    """A user's duration ('30d', '12h', '30m', or ISO-8601 such as 'P30D') as the ISO-8601 text PrivX takes."""
    text = str(value).strip()
    match = _DURATION.match(text.lower())
    if match:
        return _SHORT_AS_ISO[match.group(2)] % int(match.group(1))
    if _ISO_DURATION.match(text.upper()):
        return text.upper()
    raise PrivXConfigError('%s %r is not a duration: write ISO-8601 (P30D, PT12H) or a number and a unit (30d, 12h, 30m)' % (option, value))


def iso_duration_seconds(text):
    """Seconds of an ISO-8601 duration, for comparing two of them; None for an empty or unreadable one."""
    match = _ISO_DURATION.match(str(text or '').strip().upper())
    if not match:
        return None
    return sum(float(part) * unit for part, unit in zip(match.groups(), _ISO_UNITS) if part)
