# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The declarative mapping of PrivX error statuses."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError, PrivXConnectionError, PrivXError, on_api_error, when_not_found


def answered(status):
    raise PrivXApiError('GET', '/x', status)


def test_a_mapped_status_becomes_the_declared_error_and_others_pass():
    with pytest.raises(PrivXError, match='^no such thing: HTTP 404$'):
        with when_not_found(lambda error: PrivXError('no such thing: HTTP %s' % error.status)):
            answered(404)
    with pytest.raises(PrivXApiError):
        with when_not_found(lambda error: PrivXError('not this')):
            answered(500)
    with pytest.raises(PrivXError, match='^forbidden$'):
        with on_api_error(403, lambda error: PrivXError('forbidden')):
            answered(403)


def test_without_an_error_a_decorated_function_returns_none():
    @when_not_found()
    def read(status):
        if status:
            answered(status)
        return 'found'

    assert read(None) == 'found' and read(404) is None
    with pytest.raises(PrivXApiError):
        read(403)


def test_a_mapping_with_an_error_code_takes_only_that_code():
    with on_api_error(400, error_code='VALUE_DUPLICATE'):
        raise PrivXApiError('POST', '/x', 400, error_code='VALUE_DUPLICATE')
    with pytest.raises(PrivXApiError, match='VALUE_OUT_OF_BOUNDS'):
        with on_api_error(400, error_code='VALUE_DUPLICATE'):
            raise PrivXApiError('POST', '/x', 400, error_code='VALUE_OUT_OF_BOUNDS')


def test_an_error_says_whether_it_is_an_outage_that_may_pass():
    assert [PrivXApiError('POST', '/x', status).transient for status in (429, 502, 503, 504)] == [True] * 4
    assert [PrivXApiError('POST', '/x', status).transient for status in (400, 401, 403, 404, 500)] == [False] * 5
    assert PrivXConnectionError('no route').transient and not PrivXError('refused').transient
