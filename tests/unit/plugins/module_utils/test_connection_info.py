# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.resources.connection_info import JOBS, identity, job_rows


def test_identity_takes_permissions_from_the_roles_and_the_union_alike():
    current = {'id': 'u1', 'principal': 'automation', 'permissions': ['roles-view'],
               'roles': [{'id': 'r1', 'name': 'privx-admin', 'permissions': ['privx-admin']}, {'id': 'r2', 'permissions': None}]}
    assert identity(current) == {'id': 'u1', 'principal': 'automation', 'roles': ['privx-admin', 'r2'],
                                 'permissions': ['privx-admin', 'roles-view']}


@pytest.mark.parametrize('current', [{}, {'roles': None, 'permissions': None, 'attributes': None}, None, []])
def test_identity_of_a_sparse_or_odd_answer_has_every_key(current):
    assert identity(current) == {'id': '', 'principal': '', 'roles': [], 'permissions': []}


def test_jobs_granted_by_a_view_permission_and_by_any_role():
    rows = {row['job']: row for row in job_rows({'roles': ['viewers'], 'permissions': ['target-domains-view']})}
    assert rows['read_target_domains']['allowed'] is True and rows['read_target_domains']['missing'] == ''
    assert rows['rotate'] == {'job': 'rotate', 'title': 'rotate passwords', 'allowed': False, 'granted_by': ['privx-admin'],
                              'used_by': 'rotate, rotation role', 'missing': 'privx-admin'}
    assert rows['check_out_secrets']['allowed'] is True
    assert 'connections-authorize' in rows['check_out_secrets']['note']
    assert [row['job'] for row in job_rows({'roles': [], 'permissions': []}) if row['allowed']] == []
    assert len(JOBS) == len(rows)


def test_the_permissions_the_jobs_name_are_those_docs_privx_api_fields_md_explains():
    import os
    import re
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, '..', '..', '..', '..', 'docs', 'privx-api-fields.md'), encoding='utf-8') as handle:
        section = handle.read().split('## Permissions', 1)[1].split('\n## ', 1)[0]
    rows = [line for line in section.splitlines() if line.startswith('| ') and not line.startswith('| job')]
    documented = {name for row in rows for name in re.findall(r'`([a-z-]+)`', row.split('|')[2])}
    named = {permission for job in JOBS for permission in job.granted_by if permission != 'any role'}
    assert documented == named
    assert len(rows) == len(JOBS)
