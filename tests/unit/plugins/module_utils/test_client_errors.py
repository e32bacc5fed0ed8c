# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the client says when things go wrong in ways the emulator does not produce: never a secret."""

from __future__ import annotations

import base64
import itertools
import json
import re
from urllib.parse import quote, quote_plus

import pytest
import requests

from ansible_collections.privx.secrets.plugins.module_utils.core.client import PrivXClient
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXAuthError, PrivXError

from fake_privx import FakePrivX, Reply

SECRETS = {'client_secret': 'planted-client-secret', 'oauth_client_secret': 'planted-oauth-secret'}


def scripted(*replies):
    """The one fake of PrivX, answering these replies in turn whatever is called (then from its state)."""
    privx = FakePrivX()
    privx.script(None, None, *replies)
    return privx


def client(session, also_mask=(), **options):
    settings = dict(SECRETS, url='https://privx.example.com', client_id='deployer')
    settings.update(options)
    return PrivXClient(ConnectionSettings(settings, also_mask=also_mask), session=session, sleep=lambda _seconds: None)


def test_a_request_exception_that_quotes_a_header_is_told_by_its_kind_only():
    session = scripted(requests.exceptions.InvalidHeader("Invalid header value b'Bearer planted-token\\n'"))
    with pytest.raises(PrivXError) as caught:
        client(session, client_id=None, client_secret=None, oauth_client_secret=None, access_token='planted-token').get('/x')
    assert str(caught.value) == 'could not send GET /x to PrivX: InvalidHeader'


def test_a_server_that_echoes_the_request_gets_its_secrets_masked():
    echo = {'error': 'invalid_grant', 'error_description': 'bad grant_type=password&password=planted-client-secret'}
    with pytest.raises(PrivXAuthError) as caught:
        client(scripted(Reply(400, echo))).get('/x')
    assert 'planted-client-secret' not in str(caught.value) and 'password=********' in str(caught.value)


def basic(user, password):
    return 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()


@pytest.mark.parametrize('secret', ['planted-oauth-secret', 'planted/oauth+secret?&=', 'plänted-oauth-secret'])
def test_encoded_forms_of_the_secrets_are_masked_too(secret):
    """A server echoing the token call's Basic header or form body shows the secrets base64- or URL-encoded."""
    forms = [basic('privx-external', secret), basic('x', secret), basic('xy', secret),
             base64.urlsafe_b64encode(('privx-external:' + secret).encode()).decode(),
             quote_plus(secret), quote(secret, safe='')]
    echo = {'error': 'invalid_client', 'error_description': 'refused Authorization: %s; grant_type=password&password=%s %s' % (
        ', '.join(forms[:4]), forms[4], forms[5])}
    with pytest.raises(PrivXAuthError) as caught:
        client(scripted(Reply(401, echo)), oauth_client_secret=secret).get('/x')
    message = str(caught.value)
    assert 'refused' in message
    for form in forms:
        assert form.rstrip('=') not in message, form


def test_an_answer_of_the_wrong_shape_is_one_clear_error():
    with pytest.raises(PrivXAuthError, match='the answer carries no access_token'):
        client(scripted(Reply(200, ['not', 'an', 'object']))).get('/x')
    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    with pytest.raises(PrivXError, match=r'something other than a \{count, items\} list'):
        list(client(scripted(token, Reply(200, ['a', 'b']))).paginate('/list'))


@pytest.mark.parametrize('status, sent', [(502, 1), (504, 1), (503, 3), (429, 3)])
def test_a_write_is_retried_only_when_privx_says_it_did_not_do_it(status, sent):
    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    session = scripted(token, *[Reply(status, {'error_code': 'X'}) for _attempt in range(3)])
    with pytest.raises(PrivXError):
        client(session, retries=2).post('/write', {'a': 1})
    assert len(session.calls) - 1 == sent


def test_credentials_lose_surrounding_white_space_and_refuse_inner_control_characters():
    settings = ConnectionSettings({'url': 'https://privx', 'access_token': ' planted-token\n'})
    assert settings.access_token == 'planted-token'
    with pytest.raises(PrivXError) as caught:
        ConnectionSettings({'url': 'https://privx', 'access_token': 'planted\ntoken'})
    assert str(caught.value) == 'access_token contains white space or control characters'


def test_a_url_with_credentials_is_refused_without_echoing_them():
    with pytest.raises(PrivXError) as caught:
        ConnectionSettings(dict(SECRETS, url='https://svc:planted-url-pw@privx.example.com', client_id='deployer'))
    assert 'planted-url-pw' not in str(caught.value) and 'must not carry credentials' in str(caught.value)


@pytest.mark.parametrize('method, answer, unknown', [
    ('POST', requests.exceptions.ReadTimeout('Read timed out. (read timeout=1)'), True),
    ('POST', requests.exceptions.ConnectionError('RemoteDisconnected: Remote end closed connection without response'), True),
    ('POST', requests.exceptions.ConnectionError('NewConnectionError: Connection refused'), False),
    ('POST', Reply(502, {'error_code': 'X'}), True),
    ('POST', Reply(503, {'error_code': 'X'}), False),
    ('POST', Reply(400, {'error_code': 'X'}), False),
    ('DELETE', requests.exceptions.ReadTimeout('Read timed out. (read timeout=1)'), True),
    ('GET', requests.exceptions.ReadTimeout('Read timed out. (read timeout=1)'), False),
    ('GET', Reply(502, {'error_code': 'X'}), False),
])
def test_a_write_that_may_have_been_applied_says_its_outcome_is_unknown(method, answer, unknown):
    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    with pytest.raises(PrivXError) as caught:
        client(scripted(token, answer, answer, answer), retries=2).request(method, '/write')
    assert caught.value.outcome_unknown is unknown


def test_a_search_that_times_out_is_a_read():
    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    timeout = requests.exceptions.ReadTimeout('Read timed out. (read timeout=1)')
    with pytest.raises(PrivXError) as caught:
        list(client(scripted(token, timeout, timeout, timeout), retries=2).paginate('/search', method='POST', body={}))
    assert caught.value.outcome_unknown is False


@pytest.mark.parametrize('method', ['PUT', 'DELETE'])
def test_a_write_whose_gateway_error_was_followed_by_not_done_answers_may_have_been_applied(method):
    """Review finding 1: a 502 may come after the work; the 503s that follow it do not undo that."""
    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    session = scripted(token, Reply(502, {'error_code': 'X'}), Reply(503, {'error_code': 'X'}), Reply(503, {'error_code': 'X'}))
    with pytest.raises(PrivXError) as caught:
        client(session, retries=2).request(method, '/write', body={'a': 1} if method == 'PUT' else None)
    assert len(session.calls) == 4
    assert caught.value.outcome_unknown is True


def test_a_write_that_may_have_arrived_stays_so_across_a_token_renewal():
    """Review finding 1: the 401 that forces a new token must not forget the 504 before it."""
    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    session = scripted(token, Reply(504, {'error_code': 'X'}), Reply(401, {'error_message': 'expired'}),
                       token, Reply(503, {'error_code': 'X'}), Reply(503, {'error_code': 'X'}))
    with pytest.raises(PrivXError) as caught:
        client(session, retries=1).put('/write', {'a': 1})
    assert caught.value.outcome_unknown is True


def test_a_delete_whose_first_attempt_may_have_deleted_survives_a_token_renewal():
    """Review finding 1: the 404 after an unanswered attempt and a new token still means 'deleted'."""
    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    session = scripted(token, Reply(504, {'error_code': 'X'}), Reply(401, {'error_message': 'expired'}),
                       token, Reply(404, {'error_code': 'NOT_FOUND'}))
    assert client(session, retries=1).delete('/thing') is None


@pytest.mark.parametrize('kind', [requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError])
def test_a_write_whose_answer_broke_off_may_have_been_applied(kind):
    """Review finding 2: requests raises these while reading the body, so PrivX has already handled the request."""
    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    with pytest.raises(PrivXError) as caught:
        client(scripted(token, kind('Connection broken: IncompleteRead(3 bytes read)')), retries=2).post('/write', {'a': 1})
    assert caught.value.outcome_unknown is True
    assert 'could not send' not in str(caught.value)


def test_a_read_whose_answer_broke_off_is_no_change():
    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    broken = requests.exceptions.ChunkedEncodingError('Connection broken')
    with pytest.raises(PrivXError) as caught:
        client(scripted(token, broken)).get('/read')
    assert caught.value.outcome_unknown is False


@pytest.mark.parametrize('method, unknown', [('POST', True), ('PUT', True), ('GET', False)])
def test_a_success_answer_that_is_not_json_leaves_a_write_outcome_unknown(method, unknown):
    """Review finding 2: a 2xx came, so the write was done; only its answer is unreadable."""
    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    with pytest.raises(PrivXError, match='a body that is not JSON') as caught:
        client(scripted(token, Reply(200, ValueError('not json')))).request(method, '/write', body={'a': 1})
    assert caught.value.outcome_unknown is unknown


@pytest.mark.parametrize('answer', [{}, {'id': ''}, ['x'], None])
def test_a_create_answered_without_an_id_says_privx_may_have_applied_it(answer):
    """Review finding 4: PrivX created the object; a missing id must not become an unexpected error without changed."""
    from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies
    from ansible_collections.privx.secrets.plugins.module_utils.resources.target_domains import TargetDomains

    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    for resource in (TargetDomains, PasswordPolicies):
        with pytest.raises(PrivXError, match='without the id of what it created') as caught:
            resource(client(scripted(token, Reply(201, answer)))).create({'name': 'x'})
        assert caught.value.outcome_unknown is True


TRICKY_SECRETS = ['Quote"Inside9', 'Back\\slash-pw', 'Uml\u00e4ut-pw', 'two  spaces pw', 'tab\there-pw', 'new\nline-pw',
                  'html<&>-pw', 'sl/ash+pw', 'emoji\U0001f600-pw', 'ctrl\x01char-pw']


def echoed_forms(secret):
    """The secret as servers and proxies written in other languages echo it inside a JSON string."""
    ascii_form = json.dumps(secret)[1:-1]
    unicode_form = json.dumps(secret, ensure_ascii=False)[1:-1]
    go_form = unicode_form.replace('<', '\\u003c').replace('>', '\\u003e').replace('&', '\\u0026')
    upper_hex = re.sub(r'\\u([0-9a-f]{4})', lambda match: '\\u' + match.group(1).upper(), ascii_form)
    return {secret, ascii_form, unicode_form, go_form, upper_hex, ascii_form.replace('/', '\\/'),
            json.dumps(ascii_form)[1:-1], ' '.join(secret.split())}


@pytest.mark.parametrize('secret', TRICKY_SECRETS)
def test_a_secret_echoed_json_escaped_or_with_its_white_space_collapsed_is_masked(secret):
    """Issue 17: an echoed request body carries a password JSON-escaped, and _text collapsed white space before
    masking, so that neither 'Quote\\"Inside9' nor 'two spaces pw' was recognised."""
    forms = sorted(echoed_forms(secret))
    echo = {'error_code': 'BAD_REQUEST', 'error_message': 'echo: %s' % ' | '.join('{"password": "%s"}' % form for form in forms)}
    token = Reply(200, {'access_token': 'planted-token', 'expires_in': 300})
    with pytest.raises(PrivXError) as caught:
        client(scripted(token, Reply(400, echo)), also_mask=[secret]).post('/password', {'password': secret})
    message = str(caught.value)
    assert message.count('********') == len(forms), message
    for form in forms:
        for shown in (form, ' '.join(form.split())):
            assert shown not in message, (shown, message)


def offset_ignoring(count):
    """A server or caching proxy that answers every page with the first one and a huge count: a loop without end."""
    privx = FakePrivX()
    for method in ('GET', 'POST'):
        privx.answers[(method, '/list')] = Reply(200, {'count': count, 'items': [{'id': 'a'}, {'id': 'b'}]})
    return privx


def test_paging_stops_on_a_page_that_repeats_the_previous_one():
    """Issue 17: a server that ignores offset and reports a huge count looped a module until it was killed."""
    session = offset_ignoring(10 ** 6)
    pages = client(session).paginate('/list', page_size=2)
    assert [item['id'] for item in itertools.islice(pages, 2)] == ['a', 'b']
    with pytest.raises(PrivXError) as caught:
        next(pages)
    assert str(caught.value) == ('PrivX answered GET /list at offset 2 with the same items as at offset 0 (does PrivX, or a '
                                 'proxy between, ignore the offset parameter?): stopped paging')
    assert len(session.calls) == 3


def test_paging_refuses_an_absurd_total_before_it_pages():
    session = offset_ignoring(10 ** 12)
    with pytest.raises(PrivXError) as caught:
        list(client(session).paginate('/list', method='POST', body={}))
    assert str(caught.value) == ('PrivX answered POST /list with a count of 1000000000000 items, more than any PrivX list '
                                 'holds (at most 10000000 are paged): stopped paging')
    assert len(session.calls) == 2


@pytest.mark.parametrize('reason', ['[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed',
                                    "hostname '127.0.0.1' doesn't match 'privx.example.com'",
                                    '[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found'])
def test_a_tls_failure_is_a_refusal_not_an_outage(reason):
    # The client does not retry it, and waiting does not fix a certificate: a caller that tries again after an
    # outage (core/secrets.py, release_through_outage) must not take it for one.
    session = scripted(requests.exceptions.SSLError(reason))
    with pytest.raises(PrivXError) as caught:
        client(session).get('/x')
    assert caught.value.transient is False, str(caught.value)
    assert len(session.calls) == 1
