# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared client against the emulator, through its fault injection."""

from __future__ import annotations

import base64
import socket
import time
from urllib.parse import quote

import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.client import TOKEN_PATH, PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXApiError, PrivXAuthError, PrivXConnectionError, PrivXError

from conftest import LARGE_FIXTURE, PLANTED_SECRETS, assert_no_secret, connection_env

from privx_emulator.harness import EmulatorProcess


def client_for(emulator, client='admin', **overrides):
    env = connection_env(emulator, client)
    options = {'url': env['PRIVX_URL'], 'client_id': env['PRIVX_CLIENT_ID'], 'client_secret': env['PRIVX_CLIENT_SECRET'],
               'oauth_client_id': env['PRIVX_OAUTH_CLIENT_ID'], 'oauth_client_secret': env['PRIVX_OAUTH_CLIENT_SECRET'],
               'ca_path': emulator.ca_path, 'retries': 3, 'timeout': 10}
    options.update(overrides)
    return PrivXClient(ConnectionSettings(options))


def calls_since(emulator, mark):
    return [(entry['method'], entry['path'], entry['status']) for entry in emulator.control.requests(since=mark)]


def test_429_with_retry_after_is_retried_after_the_wait(privx):
    client = client_for(privx)
    client.authenticate()
    mark = privx.control.mark()
    privx.control.fault(path='/targetdomains$', action='status', status=429, retry_after=1, count=2)
    domains = client.get(paths.TARGET_DOMAINS)
    assert domains['count'] == 3
    attempts = privx.control.requests(since=mark)
    assert [entry['status'] for entry in attempts] == [429, 429, 200]
    gaps = [later['time'] - earlier['time'] for earlier, later in zip(attempts, attempts[1:])]
    assert all(gap >= 1.0 for gap in gaps), gaps


def test_503_beyond_the_retries_is_one_clear_error_without_secrets(privx):
    client = client_for(privx, retries=2)
    privx.control.fault(path='/targetdomains$', action='status', status=503, count=10)
    with pytest.raises(PrivXApiError) as caught:
        client.get(paths.TARGET_DOMAINS)
    message = str(caught.value)
    assert message.startswith('PrivX GET /secrets-manager/api/v1/targetdomains answered HTTP 503')
    assert '(after 3 attempts)' in message and '\n' not in message
    assert caught.value.status == 503
    assert_no_secret(message + repr(caught.value) + repr(client))
    assert client.token_grants == 1


def test_a_token_expired_mid_sequence_is_renewed_transparently(privx):
    client = client_for(privx)
    client.get(paths.TARGET_DOMAINS)
    privx.control.expire_tokens()
    mark = privx.control.mark()
    assert client.get(paths.PASSWORD_POLICIES)['count'] == 2
    assert calls_since(privx, mark) == [('GET', paths.PASSWORD_POLICIES, 401), ('POST', '/auth/api/v1/oauth/token', 200),
                                        ('GET', paths.PASSWORD_POLICIES, 200)]
    assert client.token_grants == 2


def test_a_token_close_to_expiry_is_renewed_before_the_call():
    with EmulatorProcess(fixture=LARGE_FIXTURE, tls=False, token_lifetime=3) as emulator:
        client = client_for(emulator, ca_path=None)
        client.get(paths.TARGET_DOMAINS)
        mark = emulator.control.mark()
        time.sleep(2.8)
        client.get(paths.TARGET_DOMAINS)
        assert [status for _method, _path, status in calls_since(emulator, mark)] == [200, 200]
        assert client.token_grants == 2


@pytest.mark.parametrize('override, answer', [({'oauth_client_secret': 'planted-wrong-oauth'}, 'HTTP 401 invalid_client'),
                                              ({'client_secret': 'planted-wrong-client'}, 'HTTP 400 invalid_grant')])
def test_refused_credentials_say_authentication_failed_and_name_the_client_id(privx, override, answer):
    client = client_for(privx, **override)
    with pytest.raises(PrivXAuthError) as caught:
        client.get(paths.TARGET_DOMAINS)
    message = str(caught.value)
    client_id = connection_env(privx)['PRIVX_CLIENT_ID']
    assert message.startswith("authentication failed for API client '%s' at %s: %s" % (client_id, privx.url, answer))
    assert_no_secret(message, PLANTED_SECRETS + list(override.values()))


def test_a_token_endpoint_outage_is_an_outage_not_refused_credentials(privx):
    # A 503 from the token endpoint said 'authentication failed' (and the preflight: 'check client_id and
    # client_secret'): a person would chase credentials while PrivX is down, and a release would not try again later.
    client = client_for(privx, retries=1)
    privx.control.fault(path=TOKEN_PATH + '$', action='status', status=503, count=10)
    with pytest.raises(PrivXError) as caught:
        client.get(paths.TARGET_DOMAINS)
    message = str(caught.value)
    assert not isinstance(caught.value, PrivXAuthError) and 'authentication failed' not in message, message
    assert caught.value.transient is True and 'HTTP 503' in message and '(after 2 attempts)' in message, message
    assert_no_secret(message + repr(caught.value))


def test_paging_over_2500_items_yields_each_once():
    with EmulatorProcess(fixture=LARGE_FIXTURE, tls=False) as emulator:
        client = client_for(emulator, ca_path=None)
        domain = client.get(paths.TARGET_DOMAINS)['items'][0]['id']
        scanned = list(client.paginate(paths.scanned_accounts(domain)))
        for start in range(0, 2500, 1000):
            chunk = [item['id'] for item in scanned[start:min(start + 1000, 2500)]]
            client.post(paths.managed_account_batch(domain, 'create'), {'ids': chunk, 'data': {'enabled': True}})
        mark = emulator.control.mark()
        managed = list(client.paginate(paths.managed_accounts(domain)))
        assert len(managed) == 2500 and len({item['id'] for item in managed}) == 2500
        pages = [entry['query'] for entry in emulator.control.requests(since=mark)]
        assert len(pages) == 3, pages


def test_a_dropped_connection_is_retried_for_a_read(privx):
    client = client_for(privx)
    client.authenticate()
    privx.control.fault(path='/password-policies$', action='drop', count=1)
    assert client.get(paths.PASSWORD_POLICIES)['count'] == 2


def test_a_write_is_not_replayed_after_a_dropped_connection(privx):
    client = client_for(privx)
    client.authenticate()
    domain = client.get(paths.TARGET_DOMAINS)['items'][0]['id']
    privx.control.fault(path='/managedaccounts$', method='POST', action='drop', count=1)
    mark = privx.control.mark()
    with pytest.raises(PrivXConnectionError, match='connection closed without an answer'):
        client.post(paths.managed_accounts(domain), {'username': 'dropped'})
    assert len(calls_since(privx, mark)) == 1


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_an_unreachable_url_is_one_line_naming_the_url():
    url = 'https://127.0.0.1:%d' % free_port()
    client = PrivXClient(ConnectionSettings({'url': url, 'access_token': 'planted-token', 'retries': 1}), sleep=lambda _seconds: None)
    with pytest.raises(PrivXConnectionError) as caught:
        client.get(paths.TARGET_DOMAINS)
    assert str(caught.value) == 'cannot reach PrivX at %s (GET %s): connection refused after 2 attempts' % (url, paths.TARGET_DOMAINS)


def test_an_untrusted_certificate_says_how_to_fix_it(privx):
    client = client_for(privx, ca_path=None)
    with pytest.raises(PrivXConnectionError) as caught:
        client.get(paths.TARGET_DOMAINS)
    assert 'TLS certificate verification failed (set ca_path' in str(caught.value)
    assert client_for(privx, ca_path=None, validate_certs=False).get(paths.TARGET_DOMAINS)['count'] == 3


def test_a_basic_header_or_form_body_echoed_in_an_error_is_masked(ansible, privx):
    """Issue 9: the scrubbing of error text knew only the literal secrets."""
    credentials = privx.clients['admin']
    header = base64.b64encode(('%s:%s' % (credentials['oauth_client_id'], credentials['oauth_client_secret'])).encode()).decode()
    form = 'grant_type=password&username=%s&password=%s' % (credentials['client_id'], quote(credentials['client_secret'] + '/'))
    privx.control.fault(path='/targetdomains/search$', action='status', status=400, count=1,
                        message='bad request: Authorization: Basic %s; body %s' % (header, form))
    result, run = ansible.module('privx.secrets.managed_account_info', {'target_domain': 'corp.example.com'}, verbosity=4)
    assert result['failed'] is True and 'bad request: Authorization: Basic' in result['msg']
    for text in (result['msg'], run.output):
        assert header.rstrip('=') not in text
        assert credentials['oauth_client_secret'] not in text and credentials['client_secret'] not in text


def test_a_401_on_the_first_call_after_a_token_grant_authenticates_once_more(ansible, privx):
    """Issue 9: the token can expire between its grant and the first call; the client re-authenticates once."""
    privx.control.fault(path='/targetdomains/search$', action='status', status=401, count=1)
    mark = privx.control.mark()
    result, _run = ansible.module('privx.secrets.managed_account_info', {'target_domain': 'corp.example.com', 'username': 'svc_backup'})
    assert result['failed'] is False, result.get('msg')
    assert [account['username'] for account in result['managed_accounts']] == ['svc_backup']
    made = calls_since(privx, mark)
    assert [call[:2] for call in made[:4]] == [('POST', TOKEN_PATH), ('POST', paths.TARGET_DOMAIN_SEARCH),
                                               ('POST', TOKEN_PATH), ('POST', paths.TARGET_DOMAIN_SEARCH)]
    assert made[1][2] == 401


def test_a_second_401_in_a_row_fails_naming_the_client(privx):
    client = client_for(privx)
    privx.control.fault(path='/targetdomains$', action='status', status=401, count=2)
    mark = privx.control.mark()
    with pytest.raises(PrivXAuthError, match="PrivX rejected the fresh token of API client '%s' on GET" % privx.clients['admin']['client_id']):
        client.get(paths.TARGET_DOMAINS)
    assert [call[0:2] for call in calls_since(privx, mark)] == [('POST', TOKEN_PATH), ('GET', paths.TARGET_DOMAINS)] * 2


def test_a_list_whose_offset_is_ignored_stops_with_one_line_naming_the_call(ansible, privx):
    """Issue 17: a caching proxy that ignores offset, in front of a huge count, looped a module until it was killed."""
    privx.control.fault(path='/targetdomains$', method='GET', action='ignore_offset', count=None)
    mark = privx.control.mark()
    try:
        result, _run = ansible.module('privx.secrets.target_domain_info', {})
    finally:
        privx.control.clear_faults()
    assert result['failed'] is True
    assert result['msg'] == ('PrivX answered GET %s at offset 3 with the same items as at offset 0 (does PrivX, or a proxy '
                             'between, ignore the offset parameter?): stopped paging' % paths.TARGET_DOMAINS)
    assert [call[:2] for call in calls_since(privx, mark)][-2:] == [('GET', paths.TARGET_DOMAINS)] * 2
