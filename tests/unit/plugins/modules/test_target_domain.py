# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""target_domain and target_domain_info: what goes over the wire and what comes back, without a server."""

from __future__ import annotations

import pytest

from ansible_collections.privx.secrets.plugins.modules import target_domain, target_domain_info

from ansible_collections.privx.secrets.plugins.module_utils.converge.domain import wait_for_scan
from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError
from ansible_collections.privx.secrets.plugins.module_utils.resources.target_domains import TargetDomains

from fake_privx import DOMAIN, DOMAIN_ID

SECRET = 'planted-unit-bind-secret'
ENDPOINT = {'type': 'AD', 'ldap_address': 'dc1.example.com', 'ldap_port': 636, 'ldap_base_dn': 'DC=example,DC=com'}
STORED = dict(ENDPOINT, scan_priority=0, rotation_priority=0)  # as PrivX answers it: no secret, empty fields left out


@pytest.fixture
def domain(privx):
    """corp.example.com as PrivX answers it: one AD endpoint, auto-onboarding with the default policy."""
    stored = {'id': DOMAIN_ID, 'name': DOMAIN, 'enabled': True, 'periodic_scan_interval': 0, 'auto_onboarding': True,
              'auto_onboarding_policy': {'id': 'p-default', 'name': 'default'}, 'endpoints': [dict(STORED)], 'comment': 'AD'}
    privx.domains[:] = [stored]
    privx.answers[('GET', paths.target_domain(DOMAIN_ID))] = stored
    return stored


def test_create_sends_the_secret_returns_none_and_enables_the_domain(run_module, privx):
    privx.domains[:] = []
    privx.answers[('POST', paths.TARGET_DOMAINS)] = {'id': 'new-id'}
    privx.answers[('GET', paths.target_domain('new-id'))] = {'id': 'new-id', 'name': 'new', 'endpoints': [dict(STORED)]}
    result = run_module(target_domain, {'name': 'new', 'endpoints': [dict(ENDPOINT, ldap_bind_password=SECRET)],
                                        'auto_onboarding_policy': 'default', '_ansible_diff': True})
    assert result['changed'] is True and result['target_domain']['id'] == 'new-id'
    ((method, path, body),) = privx.writes()
    assert (method, path) == ('POST', paths.TARGET_DOMAINS)
    assert body['name'] == 'new' and body['enabled'] is True and body['endpoints'][0]['ldap_bind_password'] == SECRET
    assert body['auto_onboarding_policy'] == {'id': 'p-default', 'name': 'default'}
    assert result['diff']['after']['endpoints'][0]['ldap_bind_password'] == '(a new secret will be stored)'
    assert SECRET not in str(result)


def test_check_mode_predicts_the_domain_and_writes_nothing(run_module, privx, domain):
    result = run_module(target_domain, {'name': DOMAIN, 'comment': 'changed', 'periodic_scan': True, '_ansible_check_mode': True,
                                        '_ansible_diff': True})
    assert result['changed'] is True and privx.writes() == []
    assert result['target_domain']['comment'] == 'changed' and result['target_domain']['periodic_scan'] is True
    assert result['diff'] == {'before': {'comment': 'AD', 'periodic_scan': False}, 'after': {'comment': 'changed', 'periodic_scan': True}}


def test_an_unchanged_domain_makes_no_write_and_omitted_answer_fields_compare_as_empty(run_module, privx, domain):
    declared = dict(ENDPOINT, ldap_bind_password=SECRET, ldap_user_filter='', ldap_skip_strict_cert_check=False, scan_priority=0)
    result = run_module(target_domain, {'name': DOMAIN, 'endpoints': [declared], 'domain_name': '', 'auto_onboarding_policy': 'default'})
    assert result['changed'] is False and privx.writes() == []


def test_an_update_replaces_the_whole_domain_keeping_what_the_task_does_not_name_and_no_secret(run_module, privx, domain):
    result = run_module(target_domain, {'name': DOMAIN, 'comment': 'new', 'endpoints': [dict(ENDPOINT, ldap_bind_password=SECRET)]})
    assert result['changed'] is True
    ((method, path, body),) = privx.writes()
    assert (method, path) == ('PUT', paths.target_domain(DOMAIN_ID))
    assert body['comment'] == 'new' and body['auto_onboarding'] is True and body['enabled'] is True
    assert body['auto_onboarding_policy'] == {'id': 'p-default', 'name': 'default'}
    assert body['endpoints'] == [ENDPOINT], 'on_create: the stored endpoint keeps its secret, none is sent'


@pytest.mark.parametrize('update_password, endpoint, sent', [
    ('always', ENDPOINT, True),
    ('on_create', dict(ENDPOINT, ldap_address='dc2.example.com'), True),
    ('on_create', dict(ENDPOINT, ldap_port=389), True),
    ('on_create', dict(ENDPOINT, ldap_address='DC1.example.com', ldap_bind_dn='CN=x'), False),
])
def test_a_secret_goes_with_always_or_to_a_new_endpoint_only(run_module, privx, domain, update_password, endpoint, sent):
    result = run_module(target_domain, {'name': DOMAIN, 'update_password': update_password, 'endpoints': [dict(endpoint, ldap_bind_password=SECRET)]})
    ((_method, _path, body),) = privx.writes()
    assert result['changed'] is True and (body['endpoints'][0].get('ldap_bind_password') == SECRET) is sent


def test_an_empty_policy_name_removes_the_policy(run_module, privx, domain):
    run_module(target_domain, {'name': DOMAIN, 'auto_onboarding': False, 'auto_onboarding_policy': ''})
    ((_method, _path, body),) = privx.writes()
    assert 'auto_onboarding_policy' not in body and body['auto_onboarding'] is False


def test_a_refused_delete_is_one_line(run_module, privx, domain):
    privx.answers[('DELETE', paths.target_domain(DOMAIN_ID))] = PrivXApiError(
        'DELETE', paths.target_domain(DOMAIN_ID), 400, error_code='BAD_REQUEST', error_message='it has 2 managed account(s): delete them first')
    result = run_module(target_domain, {'name': DOMAIN, 'state': 'absent'})
    assert result['failed'] is True
    assert result['msg'] == "PrivX refuses to delete target domain 'corp.example.com': it has 2 managed account(s): delete them first"


def test_scan_always_on_an_unchanged_domain_starts_a_scan_and_reports_a_failure(run_module, privx, domain, monkeypatch):
    monkeypatch.setattr('time.sleep', lambda _seconds: None)
    privx.answers[('GET', paths.target_domain(DOMAIN_ID))] = dict(domain, scan_status='ERROR', scan_message='bind\nfailed')
    result = run_module(target_domain, {'name': DOMAIN, 'scan': 'always', 'wait': True})
    assert [call[:2] for call in privx.writes()] == [('POST', paths.target_domain_refresh(DOMAIN_ID))]
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'] == "the scan of target domain 'corp.example.com' ended in ERROR: bind failed"
    assert result['scan'] == {'status': 'ERROR', 'message': 'bind failed', 'accounts_found': 0, 'new_accounts': 0,
                              'elapsed': result['scan']['elapsed']}
    assert isinstance(result['scan']['elapsed'], float)


def test_waiting_for_a_scan_backs_off_and_stops_at_the_timeout(privx):
    privx.answers[('GET', paths.target_domain(DOMAIN_ID))] = {'scan_status': 'SCANNING'}
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    shown = []
    domain, elapsed = wait_for_scan(TargetDomains(privx.client()), DOMAIN_ID, 10, sleep=sleep, clock=lambda: now[0],
                                    progress=shown.append, name='corp-ad')
    assert domain == {'scan_status': 'SCANNING'} and now[0] == 10 and privx.count('GET', paths.target_domain(DOMAIN_ID)) == len(slept)
    assert slept[:4] == [0.5, 1.0, 2.0, 4.0] and max(slept) <= 5.0
    assert elapsed == 10
    # after each poll but the last, how it goes (the action plugin shows it: plugins/action/connection_info.py)
    assert shown == ['waiting for the scan of corp-ad: 0 s, SCANNING', 'waiting for the scan of corp-ad: 1 s, SCANNING',
                     'waiting for the scan of corp-ad: 3 s, SCANNING', 'waiting for the scan of corp-ad: 7 s, SCANNING']


def test_bad_endpoints_fail_before_any_call(run_module, privx):
    result = run_module(target_domain, {'name': DOMAIN, 'endpoints': [{'type': 'AD', 'ldap_address': 'dc1', 'entra_client_id': 'x'}]})
    assert result['failed'] is True and result['msg'] == 'endpoints[0].entra_client_id does not apply to an endpoint of type AD'
    result = run_module(target_domain, {'name': DOMAIN, 'endpoints': [dict(ENDPOINT, attribute_mapping={'email': 5})]})
    assert result['failed'] is True and result['msg'] == 'endpoints[0].attribute_mapping.email must be a string'
    result = run_module(target_domain, {'name': DOMAIN, 'periodic_scan_interval': -1})
    assert result['failed'] is True and result['msg'] == 'periodic_scan_interval must not be negative, got -1'
    result = run_module(target_domain, {'name': DOMAIN, 'scan': 'always', 'wait': True, 'wait_timeout': 0})
    assert result['failed'] is True and result['msg'] == 'wait_timeout must be at least 1 second, got 0'
    assert privx.calls == []


def test_info_returns_documented_keys_only(run_module, privx, domain):
    domain['endpoints'][0]['ldap_bind_password'] = SECRET  # even if PrivX ever answered one
    domain['unexpected'] = 'x'
    result = run_module(target_domain_info, {'name': DOMAIN})
    (view,) = result['target_domains']
    assert 'unexpected' not in view and SECRET not in str(result) and view['comment'] == 'AD' and view['domain_name'] == ''


def test_a_name_that_differs_only_in_letter_case_is_refused_not_created(run_module, privx, domain):
    result = run_module(target_domain, {'name': DOMAIN.upper(), 'comment': 'x'})
    assert result['failed'] is True and "differs only in letter case from 'corp.example.com'" in result['msg']
    assert privx.writes() == []


@pytest.mark.parametrize('name', [' ' + DOMAIN, DOMAIN + ' ', '\t%s\n' % DOMAIN])
def test_a_name_with_leading_or_trailing_spaces_is_refused_before_any_call(run_module, privx, domain, name):
    """Issue 17: ' corp.example.com' created a second domain beside the real one; password_policy refuses such names."""
    result = run_module(target_domain, {'name': name, 'comment': 'x'})
    assert result['failed'] is True and result['msg'] == 'name %r has leading or trailing spaces' % name
    assert privx.calls == []


def test_an_empty_endpoints_list_is_refused_without_allow_delete_all(run_module, privx, domain):
    """Issue 17: endpoints: [] silently removed the endpoints and their write-only bind secrets."""
    for check_mode in (True, False):
        result = run_module(target_domain, {'name': DOMAIN, 'endpoints': [], '_ansible_check_mode': check_mode})
        assert result['failed'] is True
        assert result['msg'] == ("endpoints: [] would remove the 1 endpoint of target domain 'corp.example.com' and the bind "
                                 "passwords and client secrets PrivX stores for it, which PrivX cannot give back; set "
                                 "allow_delete_all: true if that is what you mean")
    assert privx.writes() == []


def test_allow_delete_all_removes_every_endpoint_and_the_diff_says_their_secrets_are_lost(run_module, privx, domain):
    entra = {'type': 'ENTRA_ID', 'entra_tenant_id': 't', 'entra_client_id': 'c', 'scan_priority': 0, 'rotation_priority': 0}
    domain['endpoints'].append(entra)
    result = run_module(target_domain, {'name': DOMAIN, 'endpoints': [], 'allow_delete_all': True, '_ansible_diff': True})
    assert result['changed'] is True
    ((method, _path, body),) = privx.writes()
    assert method == 'PUT' and body['endpoints'] == []
    lost = '(removed with its endpoint: PrivX cannot give a stored secret back)'
    assert result['diff'] == {'before': {'endpoints': [dict(STORED, ldap_bind_password=lost), dict(entra, entra_client_secret=lost)]},
                              'after': {'endpoints': []}}


def test_an_endpoint_dropped_from_the_list_shows_its_lost_secret_in_the_diff(run_module, privx, domain):
    other = dict(ENDPOINT, ldap_address='dc2.example.com')
    result = run_module(target_domain, {'name': DOMAIN, 'endpoints': [other], '_ansible_diff': True, '_ansible_check_mode': True})
    assert result['changed'] is True and privx.writes() == []
    assert result['diff']['before']['endpoints'] == [dict(STORED, ldap_bind_password='(removed with its endpoint: PrivX cannot give '
                                                                                     'a stored secret back)')]


def test_a_domain_deleted_while_its_scan_is_awaited_says_so_and_reports_the_scan_it_started(run_module, privx, domain, monkeypatch):
    """Issue 17: a raw 404 and changed: false although the task had started a scan."""
    monkeypatch.setattr('time.sleep', lambda _seconds: None)
    privx.answers[('GET', paths.target_domain(DOMAIN_ID))] = PrivXApiError('GET', paths.target_domain(DOMAIN_ID), 404, error_code='NOT_FOUND')
    result = run_module(target_domain, {'name': DOMAIN, 'scan': 'always', 'wait': True})
    assert [call[:2] for call in privx.writes()] == [('POST', paths.target_domain_refresh(DOMAIN_ID))]
    assert result['failed'] is True and result['changed'] is True
    assert result['msg'] == "target domain 'corp.example.com' was deleted while its scan was awaited"
    assert result['target_domain'] == {}


@pytest.mark.parametrize('args, message', [
    ({'name': 'corp', 'state': 'absent', 'scan': 'always'}, 'scan: always contradicts state: absent; drop one of them'),
    ({'name': 'corp', 'wait': True},
     'wait: true contradicts scan: false; wait waits for a scan: set scan to true or always, or drop wait'),
])
def test_contradicting_options_fail_before_any_call(run_module, privx, args, message):
    result = run_module(target_domain, args)
    assert result['failed'] and result['msg'] == message
    assert privx.calls == []
