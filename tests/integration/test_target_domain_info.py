# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""privx.secrets.target_domain_info through real ansible-playbook runs."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.resources.scanned_accounts import RETURNED_SCANNED_ACCOUNT
from ansible_collections.privx.secrets.plugins.module_utils.resources.target_domains import RETURNED_DOMAIN

from test_target_domain import PrivXReader, failed_cleanly, writes_since


@pytest.mark.both_renderings
def test_all_one_by_name_or_id_with_scan_status_and_scanned_accounts(ansible, privx):
    reader = PrivXReader(privx)
    domains = reader.domains()
    mark = privx.control.mark()

    result, _run = ansible.module('privx.secrets.target_domain_info', {}, check=True)
    assert result['changed'] is False
    assert sorted(domain['name'] for domain in result['target_domains']) == sorted(domains)
    corp = [domain for domain in result['target_domains'] if domain['name'] == 'corp.example.com'][0]
    assert corp['id'] == domains['corp.example.com']['id'] and corp['scan_status'] == domains['corp.example.com'].get('scan_status', '')
    assert 'scanned_accounts' not in corp
    # The same keys whether PrivX sends empty fields or leaves them out (this test runs against both renderings).
    assert {frozenset(domain) for domain in result['target_domains']} == {frozenset(RETURNED_DOMAIN)}

    result, _run = ansible.module('privx.secrets.target_domain_info', {'name': 'corp.example.com', 'scanned_accounts': True})
    (corp,) = result['target_domains']
    scanned = reader.scanned('corp.example.com')
    assert sorted(account['username'] for account in corp['scanned_accounts']) == sorted(scanned)
    assert {frozenset(account) for account in corp['scanned_accounts']} == {frozenset(RETURNED_SCANNED_ACCOUNT)}
    alice = [account for account in corp['scanned_accounts'] if account['username'] == 'alice'][0]
    assert alice['id'] == scanned['alice']['id'] and alice['email'] == 'alice@corp.example.com' and alice['ignored'] is False

    result, _run = ansible.module('privx.secrets.target_domain_info', {'id': domains['dbdomain']['id']})
    assert [domain['name'] for domain in result['target_domains']] == ['dbdomain']
    for args in ({'name': 'no.such.domain'}, {'id': '00000000-0000-4000-8000-000000000000'}, {'name': 'CORP.example.com'}):
        result, _run = ansible.module('privx.secrets.target_domain_info', args)
        assert result['changed'] is False and result['target_domains'] == [], args
    assert writes_since(privx, mark) == []


def test_bad_input_is_one_line(ansible, privx):
    result, _run = ansible.module('privx.secrets.target_domain_info', {'name': 'a', 'id': 'b'})
    failed_cleanly(result, 'mutually exclusive', 'name', 'id')
    result, _run = ansible.module('privx.secrets.target_domain_info', {'id': 'not-a-uuid'})
    failed_cleanly(result, "id 'not-a-uuid' is not a PrivX id")
