# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several target domains resolved at once (resources/domain_resolution.py), against the one fake of PrivX."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.resources.domain_resolution import resolve_target_domains

from fake_privx import DOMAIN, DOMAIN_ID

OTHER_ID = '11111111-2222-3333-4444-555555555555'


def test_several_names_take_one_call(privx):
    privx.domains.append({'id': 'd-db', 'name': 'dbdomain'})
    privx.domains.append({'id': 'd-ad', 'name': 'ad.example.com'})
    client = privx.client()
    resolved = resolve_target_domains(client, [DOMAIN, 'dbdomain', ' ad.example.com', OTHER_ID.upper(), 'dbdomain'])
    assert {given: (domain.id, domain.name) for given, domain in resolved.items()} == {
        DOMAIN: (DOMAIN_ID, DOMAIN), 'dbdomain': ('d-db', 'dbdomain'), ' ad.example.com': ('d-ad', 'ad.example.com'),
        OTHER_ID.upper(): (OTHER_ID, None)}
    assert [call[:2] for call in privx.calls] == [('POST', paths.TARGET_DOMAIN_RESOLVE)]
    assert privx.calls[0][2] == [DOMAIN, 'dbdomain', 'ad.example.com']


def test_a_name_the_call_does_not_answer_is_resolved_as_one_name_is(privx):
    privx.domains.append({'id': 'd-db', 'name': 'dbdomain'})
    client = privx.client()
    resolved = resolve_target_domains(client, ['DBDOMAIN', DOMAIN])
    assert resolved['DBDOMAIN'].id == 'd-db'  # another letter case: the search finds it
    assert privx.count('POST', paths.TARGET_DOMAIN_SEARCH) == 1
    with pytest.raises(PrivXConfigError, match="unknown target_domain 'nowhere'"):
        resolve_target_domains(client, ['nowhere', DOMAIN])


def test_one_name_is_searched_as_before(privx):
    resolved = resolve_target_domains(privx.client(), [DOMAIN])
    assert resolved[DOMAIN].id == DOMAIN_ID
    assert [call[:2] for call in privx.calls] == [('POST', paths.TARGET_DOMAIN_SEARCH)]
