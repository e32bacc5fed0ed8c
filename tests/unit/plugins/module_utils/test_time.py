# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core.dates import as_rfc3339, moment_before, parse_duration, parse_timestamp
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError


@pytest.mark.parametrize('text, expected', [
    ('30d', timedelta(days=30)), ('12h', timedelta(hours=12)), ('90m', timedelta(minutes=90)),
    ('45s', timedelta(seconds=45)), ('2w', timedelta(weeks=2)), (' 7D ', timedelta(days=7)), ('3600', timedelta(hours=1)),
])
def test_durations_people_write(text, expected):
    assert parse_duration(text, 'older_than') == expected


@pytest.mark.parametrize('text', ['3x', 'd30', '', '1.5h', '-1d', '30 days'])
def test_a_bad_duration_names_the_option_and_the_value(text):
    with pytest.raises(PrivXConfigError) as caught:
        parse_duration(text, 'older_than')
    assert str(caught.value).startswith('older_than %r is not a duration' % text)


def test_privx_timestamps_with_zulu_and_nanoseconds():
    moment = parse_timestamp('2023-06-07T17:32:28.123456789Z')
    assert moment.tzinfo is not None
    assert (moment.year, moment.second, moment.microsecond) == (2023, 28, 123456)
    assert parse_timestamp('') is None
    assert parse_timestamp('yesterday') is None


def test_user_dates_become_rfc3339_utc():
    assert as_rfc3339('2026-01-31', 'created_after') == '2026-01-31T00:00:00Z'
    assert as_rfc3339('2026-01-31T12:00:00+02:00', 'created_after') == '2026-01-31T10:00:00Z'
    with pytest.raises(PrivXConfigError, match="created_after 'last week' is not a date"):
        as_rfc3339('last week', 'created_after')
    assert parse_timestamp('2026-01-31T12:00:00Z').tzinfo.utcoffset(None) == timezone.utc.utcoffset(None)


@pytest.mark.parametrize('text', ['999999999999s', '1000000000d', '99999999999999999999w', '99999999999999999999'])
def test_a_duration_longer_than_any_date_reaches_back_before_every_date(text):
    duration = parse_duration(text, 'older_than')
    assert moment_before(datetime(2026, 12, 1, tzinfo=timezone.utc), duration) is None
