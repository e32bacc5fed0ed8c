# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Token exchange as a connection method (issue 22): the client's grants against the emulator (exchange, refresh with
the refresh token PrivX returned, exchange again when the refresh fails, the token file read anew at each grant), and
the collection run through ansible-playbook with nothing but PRIVX_EXCHANGE_TOKEN_FILE: a module run whose token file is
replaced mid-run, and the checkout lookup's 60-host scenario."""

from __future__ import annotations


import pytest

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.client import TOKEN_PATH, PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXAuthError, PrivXConfigError

from conftest import PLANTED_SECRETS, assert_no_secret
from exchange_tokens import EXCHANGE_PATH, MINTED, USER_IDS, logins, mint, stranger_key
from harness import AnsibleRunner
from test_checkout_lookup import PATH_A, PATH_B, WITH_CALLBACK, digest_task, lookup, lookup_call, sha256

ADMIN, NEXT = USER_IDS['ci-admin'], USER_IDS['ci-admin-next']


def exchange_client(privx, **options):
    return PrivXClient(ConnectionSettings(dict({'url': privx.url, 'ca_path': privx.ca_path, 'retries': 1}, **options)))


def token_calls(privx, mark):
    """The grants since ``mark``: ('exchange', caller) or ('refresh', status)."""
    calls = []
    for entry in privx.control.requests(since=mark):
        if entry['path'] == EXCHANGE_PATH:
            calls.append(('exchange', entry['client'], entry['status']))
        elif entry['path'] == TOKEN_PATH:
            calls.append(('refresh', entry['client'], entry['status']))
    return calls


def test_exchange_then_refresh_then_exchange_again_with_the_file_as_it_is_then(privx, tmp_path):
    token_file = tmp_path / 'token'
    token_file.write_text(mint('ci-admin') + '\n')
    client = exchange_client(privx, exchange_token_file=str(token_file))
    mark = privx.control.mark()
    assert client.get(paths.TARGET_DOMAINS)['count'] >= 1
    assert token_calls(privx, mark) == [('exchange', ADMIN, 200)]

    # The access token expires: the refresh token PrivX returned renews it, without the JWT.
    token_file.write_text(mint('ci-admin-next'))
    privx.control.expire_tokens()
    mark = privx.control.mark()
    client.get(paths.TARGET_DOMAINS)
    assert token_calls(privx, mark)[-1] == ('refresh', ADMIN, 200)
    assert [call[0] for call in token_calls(privx, mark)] == ['refresh']

    # The refresh fails (revoked): the client exchanges the JWT again, read from the file as it is now.
    privx.control.revoke_refresh_tokens()
    privx.control.expire_tokens()
    mark = privx.control.mark()
    client.get(paths.TARGET_DOMAINS)
    calls = token_calls(privx, mark)
    assert [call[0] for call in calls] == ['refresh', 'exchange'], calls
    assert calls[0][2] == 400 and calls[1] == ('exchange', NEXT, 200)


def test_an_expired_token_is_one_line_with_when_and_no_call(privx, tmp_path):
    expired = mint(expired_at=1767225600)  # 2026-01-01T00:00:00Z
    token_file = tmp_path / 'token'
    token_file.write_text(expired)
    mark = privx.control.mark()
    for options in ({'exchange_token': expired}, {'exchange_token_file': str(token_file)}):
        with pytest.raises(PrivXAuthError) as caught:
            exchange_client(privx, **options).get(paths.TARGET_DOMAINS)
        message = str(caught.value)
        assert 'expired at 2026-01-01T00:00:00Z' in message and '\n' not in message, message
        assert expired not in message and expired.split('.')[1] not in message
    assert str(token_file) in message
    assert privx.control.requests(since=mark) == []


@pytest.mark.parametrize('token, reason', [
    (lambda: mint(key=stranger_key()), "token signature does not verify with the public keys of identity provider 'ci.example.com'"),
    (lambda: mint(audience='someone-else'), "token audience 'someone-else' does not match"),
    (lambda: mint('nobody'), "no user 'nobody' in the users directory"),
])
def test_a_refused_token_is_one_line_with_privx_reason_and_no_token(privx, token, reason):
    jwt = token()
    with pytest.raises(PrivXAuthError) as caught:
        exchange_client(privx, exchange_token=jwt).get(paths.TARGET_DOMAINS)
    message = str(caught.value)
    assert message.startswith('PrivX at %s refused the token in exchange_token: HTTP 400 invalid_grant' % privx.url), message
    assert reason in message and '\n' not in message, message
    assert jwt not in message and jwt.split('.')[2] not in message


def test_a_token_file_that_is_gone_at_the_next_grant_names_the_file(privx, tmp_path):
    token_file = tmp_path / 'token'
    token_file.write_text(mint())
    client = exchange_client(privx, exchange_token_file=str(token_file))
    client.get(paths.TARGET_DOMAINS)
    token_file.unlink()
    privx.control.revoke_refresh_tokens()
    privx.control.expire_tokens()
    with pytest.raises(PrivXConfigError, match="exchange_token_file '%s' cannot be read" % token_file):
        client.get(paths.TARGET_DOMAINS)


# -- through ansible-playbook, with nothing but the token file -------------------------------------------------------


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / 'exchange-token'
    path.write_text(mint('ci-admin') + '\n')
    return path


@pytest.fixture
def exchanging(collections_path, privx, tmp_path, token_file):
    """ansible-playbook whose only PrivX credential is PRIVX_EXCHANGE_TOKEN_FILE (AnsibleRunner drops every other PRIVX_*
    variable of this process)."""
    return AnsibleRunner(collections_path, str(tmp_path), {
        'PRIVX_URL': privx.url, 'PRIVX_CA_PATH': privx.ca_path, 'PRIVX_EXCHANGE_TOKEN_FILE': str(token_file)})


def test_a_module_run_with_only_the_token_file_picks_up_a_replaced_file_at_the_next_grant(exchanging, privx, token_file):
    assert not any(key.startswith('PRIVX_CLIENT') or key.startswith('PRIVX_OAUTH') for key in exchanging.env())
    replacement = token_file.parent / 'replacement'
    replacement.write_text(mint('ci-admin-next'))
    control = {'method': 'POST', 'body_format': 'json', 'body': {}, 'ca_path': privx.ca_path}
    plays = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'before', 'privx.secrets.account_secret_info': {}, 'register': 'before'},
        # The run's token (which every module task borrows from the run's agent) can be neither used nor refreshed any
        # more, so the next task must make a grant of its own.
        {'name': 'revoke', 'ansible.builtin.uri': dict(control, url=privx.url + '/_emulator/tokens/revoke-refresh')},
        {'name': 'expire', 'ansible.builtin.uri': dict(control, url=privx.url + '/_emulator/tokens/expire')},
        # How a platform rotates a projected token: a new file moved over the old one.
        {'name': 'rotate', 'ansible.builtin.command': 'mv %s %s' % (replacement, token_file), 'changed_when': False},
        {'name': 'after', 'privx.secrets.account_secret_info': {}, 'register': 'after'},
    ]}]
    mark = privx.control.mark()
    run = exchanging.playbook(plays, verbosity=4)
    assert run.rc == 0, run.output[-3000:]
    assert logins(privx, mark) == [(ADMIN, 200), (NEXT, 200)]
    assert not [entry for entry in privx.control.requests(since=mark) if entry['path'] == TOKEN_PATH]
    assert run.task('before')['account_secrets'] == run.task('after')['account_secrets'] != []
    # The access and refresh tokens PrivX issued are scanned for in test_leak_scan.py, which reads them from its database.
    assert_no_secret(run.output, PLANTED_SECRETS + MINTED)


def test_the_lookup_scenario_with_only_the_token_file(exchanging, privx):
    inventory = exchanging.inventory(['host%02d' % number for number in range(1, 61)])
    plays = [
        {'name': 'deploy', 'hosts': 'all', 'gather_facts': False, 'vars': {'app_password': lookup(PATH_A)}, 'tasks': [
            digest_task('first use', 'app_password'),
            digest_task('second use', 'app_password'),
            digest_task('other path', lookup_call(PATH_B)),
        ]},
        {'name': 'second play', 'hosts': 'all', 'gather_facts': False, 'tasks': [digest_task('again', lookup_call(PATH_A))]},
    ]
    mark = privx.control.mark()
    run = exchanging.playbook(plays, inventory=inventory, forks=20, env=WITH_CALLBACK)
    assert run.rc == 0, run.output[-3000:]
    calls = privx.control.requests(since=mark)
    kinds = ['exchange' if entry['path'] == EXCHANGE_PATH else 'checkout' if entry['method'] == 'POST' and entry['path'].endswith('/checkouts')
             else 'release' if entry['path'].endswith('/release') else '%s %s' % (entry['method'], entry['path']) for entry in calls]
    assert kinds == ['exchange', 'checkout', 'checkout', 'release', 'release', 'checkout', 'release'], kinds
    assert logins(privx, mark) == [(ADMIN, 200)]
    expected_a = sha256(privx.control.secrets('dbdomain', 'app_admin')[-1]['secret'])
    expected_b = sha256(privx.control.secrets('dbdomain', 'app_ro')[-1]['secret'])
    for host in ('host%02d' % number for number in range(1, 61)):
        for task in ('first use', 'second use', 'again'):
            assert run.task(task, host)['ansible_facts']['digest'] == expected_a
        assert run.task('other path', host)['ansible_facts']['digest'] == expected_b
    assert privx.control.checkouts() == []
    assert_no_secret(run.output, PLANTED_SECRETS + MINTED)


def test_privx_echoing_the_exchange_or_a_call_shows_neither_the_jwt_nor_a_token(privx):
    """The exchange's body carries the JWT, every call after it the Bearer token: an echo of either is masked."""
    jwt = mint('ci-admin')
    privx.control.fault(EXCHANGE_PATH, action='echo', count=1, status=401)
    with pytest.raises(PrivXAuthError) as caught:
        exchange_client(privx, exchange_token=jwt).get(paths.TARGET_DOMAINS)
    message = str(caught.value)
    assert '"token": "********"' in message and jwt.split('.')[2] not in message, message
    client = exchange_client(privx, exchange_token=jwt)
    client.authenticate()
    privx.control.fault('^/(?!auth/)', action='echo', count=1)
    with pytest.raises(Exception) as caught:
        client.get(paths.TARGET_DOMAINS)
    message = str(caught.value)
    assert 'Bearer ********' in message and jwt.split('.')[2] not in message, message


def test_privx_echoing_the_refresh_grant_shows_no_refresh_token_and_the_client_exchanges_again(privx):
    logged = []
    client = PrivXClient(ConnectionSettings({'url': privx.url, 'ca_path': privx.ca_path, 'retries': 1,
                                             'exchange_token': mint('ci-admin')}), log=logged.append)
    client.get(paths.TARGET_DOMAINS)
    refresh_token = client._refresh_token  # pylint: disable=protected-access
    assert refresh_token
    privx.control.expire_tokens()
    privx.control.fault(TOKEN_PATH, action='echo', count=1)
    mark = privx.control.mark()
    client.get(paths.TARGET_DOMAINS)
    assert [call[0] for call in token_calls(privx, mark)] == ['refresh', 'exchange']
    failure = [line for line in logged if 'refreshing the token failed' in line]
    assert failure and 'body:' in failure[0] and refresh_token not in ' '.join(logged), failure


def test_the_preflight_of_a_refused_token_names_the_token_and_the_identity_provider(exchanging, privx):
    jwt = mint('nobody')
    result, run = exchanging.module('privx.secrets.connection_info', {},
                                    env={'PRIVX_EXCHANGE_TOKEN_FILE': '', 'PRIVX_EXCHANGE_TOKEN': jwt})
    assert result['failed'] is True, result
    assert "no user 'nobody' in the users directory of identity provider 'ci.example.com'" in result['msg']
    assert result['msg'].endswith('and the identity provider in PrivX that trusts its issuer '
                                  '(privx.secrets.identity_provider_info lists them)'), result['msg']
    assert jwt not in run.output and jwt.split('.')[2] not in run.output


def test_the_lookups_agent_reads_a_replaced_token_file_at_its_next_grant(exchanging, privx, token_file):
    """The agent outlives the plays: when its PrivX token can be neither used nor refreshed, it exchanges the file as it
    is then."""
    replacement = token_file.parent / 'replacement'
    replacement.write_text(mint('ci-admin-next'))
    control = {'method': 'POST', 'body_format': 'json', 'body': {}, 'ca_path': privx.ca_path}
    plays = [
        {'name': 'first', 'hosts': 'all', 'gather_facts': False, 'tasks': [digest_task('first', lookup_call(PATH_A))]},
        {'name': 'rotate the token', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            {'name': 'revoke', 'ansible.builtin.uri': dict(control, url=privx.url + '/_emulator/tokens/revoke-refresh')},
            {'name': 'expire', 'ansible.builtin.uri': dict(control, url=privx.url + '/_emulator/tokens/expire')},
            {'name': 'replace', 'ansible.builtin.command': 'mv %s %s' % (replacement, token_file), 'changed_when': False}]},
        {'name': 'second', 'hosts': 'all', 'gather_facts': False, 'tasks': [digest_task('second', lookup_call(PATH_A))]},
    ]
    mark = privx.control.mark()
    run = exchanging.playbook(plays, inventory=exchanging.inventory(['host01', 'host02']), env=WITH_CALLBACK)
    assert run.rc == 0, run.output[-3000:]
    assert logins(privx, mark) == [(ADMIN, 200), (NEXT, 200)]
    refreshes = [entry['status'] for entry in privx.control.requests(since=mark) if entry['path'] == TOKEN_PATH]
    assert refreshes == [400], refreshes  # the revoked refresh token, tried first
    assert privx.control.checkouts() == []
