# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP client of the collection.

Every call to PrivX, from modules and plugins alike, goes through
``PrivXClient``: it authenticates (OAuth2 API client grant, or a given access
token), re-authenticates shortly before expiry and once on a 401, retries
what is safe to retry with exponential backoff and jitter while honouring
``Retry-After``, pages through ``{count, items}`` lists and turns every
failure into one of the exceptions in ``_errors``.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import json
import random
import re
import threading
import time
import traceback
from urllib.parse import quote, quote_plus

from .errors import (
    TRANSIENT_STATUSES,
    PrivXApiError,
    PrivXAuthError,
    PrivXConnectionError,
    PrivXError,
)

try:
    import requests
    import urllib3  # requests' own dependency
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

TOKEN_PATH = '/auth/api/v1/oauth/token'
EXCHANGE_PATH = '/auth/api/v1/token/login'
# The OAuth client of the refresh grant of an exchanged token, which has no client secret (docs/privx-api.md, "Refresh").
REFRESH_CLIENT_ID = 'privx-ui'
# A gateway's 502 or 504 may come after PrivX did the work: only these say it was not done.
NOT_DONE_STATUSES = frozenset((429, 503))
IDEMPOTENT_METHODS = frozenset(('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'))
READ_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS'))
MAX_PAGE_SIZE = 1000
# A list count beyond this is a broken answer, not a PrivX list (10,000 pages of the largest size).
MAX_LIST_COUNT = 10000000
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
RETRY_AFTER_CAP = 300.0
USER_AGENT = 'privx.secrets-ansible-collection'
# Longest text from a server (an error message) that goes into a message of ours.
MAX_SERVER_TEXT = 500
# What Go's JSON encoder escapes beyond what Python's ensure_ascii=False does (json_escaped_forms).
_GO_ESCAPES = {ord('<'): '\\u003c', ord('>'): '\\u003e', ord('&'): '\\u0026', 0x2028: '\\u2028', 0x2029: '\\u2029'}
_UNICODE_ESCAPE = re.compile(r'\\u[0-9a-f]{4}')

# Fragments of requests' exception texts, mapped to a short reason a person can act on.
_CONNECTION_REASONS = (
    ('CERTIFICATE_VERIFY_FAILED', "TLS certificate verification failed (set ca_path to the CA bundle that signed PrivX's certificate)"),
    ("doesn't match", "TLS certificate does not match the host name in url"),
    # The CA bundle itself would not load (OpenSSL's words): a text file, a key, a PEM block cut short.
    ('NO_CERTIFICATE_OR_CRL_FOUND', 'ca_path holds no PEM certificate'),
    ('PEM lib', 'ca_path is not a readable PEM certificate bundle'),
    ('WRONG_VERSION_NUMBER', 'TLS handshake failed (is the url http:// rather than https://?)'),
    ('Connection refused', 'connection refused'),
    ('Name or service not known', 'host name not found'),
    ('nodename nor servname', 'host name not found'),
    ('Temporary failure in name resolution', 'host name not found'),
    ('No route to host', 'no route to host'),
    ('Read timed out', 'no answer within the timeout'),
    ('timed out', 'timed out'),
    ('RemoteDisconnected', 'connection closed without an answer'),
    ('Connection aborted', 'connection closed without an answer'),
    ('Connection reset', 'connection reset'),
)
# Errors raised before a request could have reached PrivX: safe to retry for any method.
_NOT_SENT_MARKERS = ('NewConnectionError', 'Connection refused', 'Name or service not known', 'ConnectTimeout',
                     'No route to host', 'Temporary failure in name resolution')


def connection_reason(error):
    text = str(error)
    for marker, reason in _CONNECTION_REASONS:
        if marker in text:
            return reason
    return type(error).__name__


class PrivXClient:
    """A PrivX API session for one set of connection settings."""

    def __init__(self, settings, log=None, session=None, sleep=time.sleep, clock=time.monotonic, token_source=None):
        """``token_source``: asked once, when the client first needs a token, for a bearer token of the same API client
        that another client holds (a module on the controller asks the run's checkout agent:
        module_utils/module/run_token.py); None, or a token PrivX rejects, and the client makes a grant of its own
        (as on any 401, once). So a task that fails before its first call makes no call at all."""
        self.settings = settings
        self._log = log or (lambda message: None)
        self._sleep = sleep
        self._clock = clock
        self._session = session or requests.Session()
        if settings.insecure:
            # The module or lookup has said it once per run (connection.INSECURE_WARNING); urllib3 would repeat it
            # for every request.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._session.headers['User-Agent'] = USER_AGENT
        self._session.headers['Accept'] = 'application/json'
        self._token = settings.access_token
        self._token_source = None if settings.access_token else token_source
        self._token_renew_at = None
        self._refresh_token = None
        # The JWT last read for an exchange (exchange_token_file changes): masked in error text like the other secrets.
        self._exchanged = None
        self._token_lock = threading.Lock()  # the checkout agent shares one client between threads
        self.token_grants = 0

    def __repr__(self):
        return 'PrivXClient(url=%r, client=%r)' % (self.settings.url, self.settings.identity)

    # -- public calls -------------------------------------------------------

    def get(self, path, params=None):
        return self.request('GET', path, params=params)

    def post(self, path, body=None, params=None, *, idempotent=False):
        return self.request('POST', path, body=body, params=params, idempotent=idempotent)

    def put(self, path, body):
        return self.request('PUT', path, body=body)

    def delete(self, path):
        return self.request('DELETE', path)

    def request(self, method, path, body=None, params=None, *, idempotent=None, read=None):
        """One API call; returns the decoded JSON answer (None for an empty one).

        ``read``: the call changes nothing (a search is a POST that reads); by default only GET, HEAD and
        OPTIONS do. When a call that writes fails in a way that PrivX may still have applied it, the error's
        ``outcome_unknown`` says so.
        """
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        if read is None:
            read = method in READ_METHODS
        try:
            response, attempts, arrived = self._authorized_send(method, path, body, params, idempotent=idempotent)
        except PrivXConnectionError as error:
            error.outcome_unknown = not read and error.may_have_arrived
            raise
        if response.status_code == 404 and method == 'DELETE' and arrived:
            # An earlier attempt reached PrivX and deleted the object, and its answer was lost (a dropped connection,
            # a timeout, a gateway's 502/504): the retry finds nothing to delete, which is what the DELETE asked for.
            self._log('PrivX DELETE %s: 404 on a retry after an unanswered attempt, so that attempt deleted it' % path)
            return None
        if response.status_code >= 400:
            if response.status_code == 401:
                raise self._rejected_token_error(method, path, response)
            error = self._api_error(method, path, response, attempts)
            # PrivX refuses a bad request with a 4xx before doing anything; a 5xx other than 503 may come after the work,
            # and so may any earlier attempt that went unanswered or got a 502/504, whatever the last answer says.
            error.outcome_unknown = not read and (
                arrived or (response.status_code >= 500 and response.status_code not in NOT_DONE_STATUSES))
            raise error
        try:
            return self._decode(method, path, response)
        except PrivXError as error:
            # A success status whose body is not JSON: PrivX did the work, only its answer is unreadable.
            error.outcome_unknown = not read
            raise

    def paginate(self, path, method='GET', body=None, params=None, page_size=MAX_PAGE_SIZE):
        """Yield every item of a ``{count, items}`` list, page by page.

        A server (or a caching proxy) that ignores ``offset`` answers every page with the first one, and with a
        count it never reaches this loops forever: a page equal to the one before it, or a count beyond any
        PrivX list, stops paging with an error naming the call.
        """
        offset = 0
        previous = None
        while True:
            page_params = dict(params or {}, offset=offset, limit=page_size)
            page = self.request(method, path, body=body, params=page_params, idempotent=True, read=True) or {}
            if not isinstance(page, dict):
                raise PrivXError('PrivX answered %s %s with something other than a {count, items} list' % (method, path))
            items = _page_items(page)
            count = int(page.get('count') or 0)
            if count > MAX_LIST_COUNT:
                raise PrivXError('PrivX answered %s %s with a count of %d items, more than any PrivX list holds '
                                 '(at most %d are paged): stopped paging' % (method, path, count, MAX_LIST_COUNT))
            if items and previous is not None and items == previous[1]:
                raise PrivXError('PrivX answered %s %s at offset %d with the same items as at offset %d (does PrivX, or '
                                 'a proxy between, ignore the offset parameter?): stopped paging' % (
                                     method, path, offset, previous[0]))
            yield from items
            previous = (offset, items)
            offset += len(items)
            if not items or offset >= count:
                return

    def current_token(self):
        """The bearer token of this client, granted first when it holds none or one about to expire."""
        return self._current_token()

    def authenticate(self):
        """Fetch a new access token: with the API client grant, or by refreshing or exchanging a JWT."""
        settings = self.settings
        if settings.access_token:
            self._token = settings.access_token
            return
        if settings.exchange:
            answer = self._refreshed() or self._exchanged_token()
        else:
            answer = self._client_grant()
        lifetime = _as_seconds(answer.get('expires_in'), default=300)
        self._token = answer['access_token']
        self._token_renew_at = self._clock() + lifetime - min(10.0, lifetime / 10.0)
        refresh = answer.get('refresh_token')
        self._refresh_token = refresh if isinstance(refresh, str) and refresh else None
        self.token_grants += 1

    def _client_grant(self):
        settings = self.settings
        form = {'grant_type': 'password', 'username': settings.client_id, 'password': settings.client_secret}
        response, attempts, _arrived = self._send('POST', TOKEN_PATH, idempotent=True, data=form,
                                                  auth=(settings.oauth_client_id, settings.oauth_client_secret))
        return self._token_answer(response, attempts, TOKEN_PATH, 'authentication failed for API client %r at %s' % (
            settings.client_id, settings.url))

    def _exchanged_token(self):
        """Exchange the JWT (read anew from exchange_token_file) for a PrivX token (docs/privx-api.md, "Token exchange")."""
        settings = self.settings
        jwt = settings.token_to_exchange()
        self._exchanged = jwt
        source = 'exchange_token_file %r' % settings.exchange_token_file if settings.exchange_token_file else 'exchange_token'
        expired_at = jwt_expiry(jwt, time.time())
        if expired_at:
            raise PrivXAuthError('the token in %s expired at %s: give a fresh one' % (source, expired_at))
        body = {'token': jwt, 'client_id': '', 'scope': settings.exchange_scope}
        response, attempts, _arrived = self._send('POST', EXCHANGE_PATH, idempotent=True, json=body)
        return self._token_answer(response, attempts, EXCHANGE_PATH, 'PrivX at %s refused the token in %s' % (
            settings.url, source))

    def _refreshed(self):
        """A new token from the refresh token of the last grant; None when there is none or PrivX refuses it."""
        if not self._refresh_token:
            return None
        form = {'client_id': REFRESH_CLIENT_ID, 'grant_type': 'refresh_token', 'refresh_token': self._refresh_token}
        try:
            response, attempts, _arrived = self._send('POST', TOKEN_PATH, idempotent=True, data=form)
            return self._token_answer(response, attempts, TOKEN_PATH, 'refreshing the token failed')
        except PrivXAuthError as error:
            self._log('PrivX: %s; exchanging the token again' % error)
            return None
        finally:
            # Used once, whatever the answer; kept until the answer is read, so that _scrub masks it in an echo.
            self._refresh_token = None

    def _token_answer(self, response, attempts, path, failed):
        """The decoded answer of a token call, which carries an access_token; else PrivXAuthError with ``failed``."""
        if response.status_code in TRANSIENT_STATUSES:
            # PrivX, or a gateway before it, is down: an outage (transient), not refused credentials.
            raise self._api_error('POST', path, response, attempts)
        if response.status_code != 200:
            raise PrivXAuthError('%s: %s' % (failed, self._scrub(_oauth_problem(response, attempts))))
        answer = self._decode('POST', path, response)
        token = answer.get('access_token') if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise PrivXAuthError('%s: the answer carries no access_token' % failed)
        return answer

    # -- internals ----------------------------------------------------------

    def _authorized_send(self, method, path, body, params, *, idempotent):
        # Once per call on a 401, even when the token was just granted: it may have expired (or PrivX restarted)
        # between the grant and this call. A second 401 in a row is PrivX refusing the client: no loop.
        renewed = False
        arrived = False
        while True:
            token = self._current_token()
            headers = {'Authorization': 'Bearer %s' % token}
            response, attempts, sent_arrived = self._send(method, path, idempotent=idempotent, json=body, params=params,
                                                          headers=headers)
            # An attempt before the 401 that may have been applied stays so after the new token.
            arrived = arrived or sent_arrived
            if response.status_code == 401 and not renewed and not self.settings.access_token:
                self._log('PrivX %s %s: token rejected, authenticating again' % (method, path))
                with self._token_lock:
                    if self._token == token:
                        self._token = None
                renewed = True
                continue
            return response, attempts, arrived

    def _current_token(self):
        """The token to send, renewed first when it is missing or about to expire."""
        with self._token_lock:
            if self._token is None and self._token_source is not None:
                source, self._token_source = self._token_source, None
                self._token = source()
            if self._token is None or (self._token_renew_at is not None and self._clock() >= self._token_renew_at):
                self.authenticate()
            return self._token

    def _send(self, method, path, *, idempotent, **kwargs):
        """Send with retries; returns (response, attempts, whether an earlier attempt may have been applied).

        Raises PrivXConnectionError.
        """
        url = self.settings.url + path
        retries = self.settings.retries
        attempt = 0
        arrived = False
        while True:
            attempt += 1
            started = self._clock()
            try:
                response = self._session.request(method, url, timeout=self.settings.timeout,
                                                 verify=self.settings.verify, **kwargs)
            except requests.exceptions.SSLError as error:
                failure = self._connection_error(method, path, error, attempt)
                failure.transient = False  # a certificate or CA bundle that is wrong now stays wrong: not an outage
                raise failure from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
                not_sent = any(marker in repr(error) for marker in _NOT_SENT_MARKERS)
                if not (idempotent or not_sent) or attempt > retries:
                    # Once any attempt may have arrived, the call as a whole may have been applied.
                    arrived = arrived or not not_sent
                    raise self._connection_error(method, path, error, attempt, may_have_arrived=arrived) from None
                arrived = arrived or not not_sent
                self._pause(method, path, connection_reason(error), self._backoff(attempt))
                continue
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as error:
                # The answer broke off (or would not decode) while its body was read: PrivX had handled the request.
                raise PrivXConnectionError('PrivX at %s answered %s %s with a body that was cut off or would not decode (%s)' % (
                    self.settings.url, method, path, type(error).__name__), may_have_arrived=True) from None
            except requests.exceptions.RequestException as error:
                # e.g. InvalidHeader, whose text would carry the header, token and all: name the kind only.
                raise PrivXError('could not send %s %s to PrivX: %s' % (method, path, type(error).__name__)) from None
            self._log('PrivX %s %s -> %s in %d ms' % (method, path, response.status_code, (self._clock() - started) * 1000))
            if response.status_code in (TRANSIENT_STATUSES if idempotent else NOT_DONE_STATUSES) and attempt <= retries:
                wait = _retry_after(response)
                arrived = arrived or response.status_code not in NOT_DONE_STATUSES
                self._pause(method, path, 'HTTP %s' % response.status_code, self._backoff(attempt) if wait is None else wait)
                continue
            return response, attempt, arrived

    def _pause(self, method, path, reason, wait):
        self._log('PrivX %s %s: %s, retrying in %.1fs' % (method, path, reason, wait))
        self._sleep(wait)

    @staticmethod
    def _backoff(attempt):
        """Exponential backoff with 'equal jitter': between half and all of the doubled delay."""
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempt - 1)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _connection_error(self, method, path, error, attempts, *, may_have_arrived=False):
        after = ' after %d attempts' % attempts if attempts > 1 else ''
        return PrivXConnectionError('cannot reach PrivX at %s (%s %s): %s%s' % (
            self.settings.url, method, path, connection_reason(error), after), may_have_arrived=may_have_arrived)

    def _api_error(self, method, path, response, attempts):
        body = _json_or_none(response)
        body = body if isinstance(body, dict) else {}
        message = self._scrub(_text(body.get('error_message') or body.get('error_description')) or response.reason)
        return PrivXApiError(method, path, response.status_code,
                             error_code=self._scrub(_text(body.get('error_code') or body.get('error'))),
                             error_message=message, prop=self._scrub(_text(body.get('property'))), attempts=attempts,
                             api_client=self.settings.identity)

    def _rejected_token_error(self, method, path, response):
        body = _json_or_none(response)
        message = self._scrub(_text(body.get('error_message'))) if isinstance(body, dict) else None
        if self.settings.access_token:
            return PrivXAuthError('PrivX rejected the access token on %s %s: %s' % (method, path, message or 'HTTP 401'))
        if self.settings.exchange:
            return PrivXAuthError('PrivX rejected the fresh token from the token exchange on %s %s: %s' % (
                method, path, message or 'HTTP 401'))
        return PrivXAuthError('PrivX rejected the fresh token of API client %r on %s %s: %s' % (
            self.settings.client_id, method, path, message or 'HTTP 401'))

    def _scrub(self, text):
        """Server-provided text with every secret of this client masked (a server may echo a request), as one line.

        An echoed request carries the secrets encoded, too: the Basic header of the token call is the base64 of
        'oauth_client_id:oauth_client_secret', the form body URL-encodes the client secret, and a JSON body
        escapes a password's quotes, backslashes and other characters (``encoded_forms``). A module's other
        secret options (a password it sends) come in ``settings.also_mask``.
        """
        if not text:
            return text
        settings = self.settings
        for secret in (settings.client_secret, settings.oauth_client_secret, settings.access_token, self._token,
                       settings.exchange_token, self._exchanged, self._refresh_token, *settings.also_mask):
            if secret and len(secret) >= 4:
                for form in sorted(encoded_forms(secret), key=len, reverse=True):
                    text = text.replace(form, '********')
        # Collapse and cut only after masking: a secret with a run of white space, or cut in two, would leave a text
        # that no masking recognises.
        return ' '.join(text.split())[:MAX_SERVER_TEXT]

    @staticmethod
    def _decode(method, path, response):
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise PrivXError('PrivX answered %s %s with HTTP %s and a body that is not JSON' % (
                method, path, response.status_code)) from None


def created_id(answer, method, path):
    """The ``id`` of the object a create call made; an answer without one leaves the task's outcome unknown."""
    if isinstance(answer, dict) and isinstance(answer.get('id'), str) and answer['id']:
        return answer['id']
    # The call succeeded, so PrivX created something: never report this as nothing applied.
    error = PrivXError('PrivX answered %s %s without the id of what it created' % (method, path))
    error.outcome_unknown = True
    raise error


def jwt_expiry(jwt, now):
    """When the JWT expired, as UTC text, if its ``exp`` claim is in the past; else None.

    Read without verifying the signature: PrivX verifies it. This only turns a token that cannot work into a message
    that says why and since when, before it is sent. A token that is not a JWT, or has no ``exp``, is PrivX's to judge.
    """
    parts = jwt.split('.')
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + '=' * (-len(parts[1]) % 4)))
        expires = float(payload['exp'])
    except (ValueError, TypeError, KeyError, binascii.Error):
        return None
    if expires > now:
        return None
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(expires))


def encoded_forms(secret):
    """The secret as it appears literally, URL-encoded, inside any base64 text, and escaped inside a JSON string.

    Inside base64 the secret's characters depend on where it starts within a 3-byte group, so take each of the
    three alignments and keep the characters that only the secret's bits determine: whatever precedes the
    secret (a client id and a colon, say), those characters appear in the encoded text.
    """
    raw = secret.encode('utf-8')
    forms = {quote(secret, safe=''), quote_plus(secret), quote(secret, safe='').lower()}
    for offset in range(3):
        encoded = base64.b64encode(b'\0' * offset + raw).decode('ascii')
        core = encoded[(offset * 8 + 5) // 6:(offset + len(raw)) * 8 // 6]
        if len(core) >= 4:
            forms.update((core, core.replace('+', '-').replace('/', '_'), core.replace('/', '\\/')))
    # A server that collapses white space before it echoes (a log line, an HTML page) shows the secret so.
    for shown in (secret, ' '.join(secret.split())):
        forms.update(json_escaped_forms(shown))
    return {form for form in forms if len(form) >= 4}


def json_escaped_forms(text):
    """``text`` as JSON encoders write it inside a string: a request body we sent echoed in an error message.

    Python's and requests' encoder writes every non-ASCII and control character as a lower-case ``\\uXXXX``
    (a character beyond the BMP as a surrogate pair); Go's, PrivX's own, keeps non-ASCII as it is but writes
    ``<``, ``>``, ``&`` and U+2028/U+2029 as ``\\u00XX``; others escape ``/`` as ``\\/`` or write the hex digits
    in upper case. An echo of an echo escapes twice.
    """
    ascii_form = json.dumps(text)[1:-1]
    unicode_form = json.dumps(text, ensure_ascii=False)[1:-1]
    go_form = unicode_form.translate(_GO_ESCAPES)
    forms = {text, ascii_form, unicode_form, go_form, json.dumps(ascii_form)[1:-1]}
    for form in list(forms):
        upper = _UNICODE_ESCAPE.sub(lambda match: match.group(0).upper().replace('\\U', '\\u'), form)
        forms.update((upper, form.replace('/', '\\/'), upper.replace('/', '\\/')))
    return forms


def _text(value):
    """A field of an error body as text (PrivX should send strings; do not trust it).

    Neither collapsed to one line nor cut to length here: ``_scrub`` does both, after masking the secrets in it.
    """
    if value is None:
        return None
    return str(value)


def _page_items(page):
    items = page.get('items') if isinstance(page, dict) else None
    if items is None:
        return []
    if isinstance(items, dict):
        return [items]
    return list(items)


def _json_or_none(response):
    try:
        return response.json()
    except ValueError:
        return None


def _oauth_problem(response, attempts):
    body = _json_or_none(response)
    problem = 'HTTP %s' % response.status_code
    if isinstance(body, dict):
        code = _text(body.get('error') or body.get('error_code'))
        text = _text(body.get('error_description') or body.get('error_message'))
        problem += ''.join(' %s' % part for part in (code,) if part)
        if text:
            problem += ': %s' % text
    if attempts > 1:
        problem += ' (after %d attempts)' % attempts
    return problem


def _retry_after(response):
    value = response.headers.get('Retry-After')
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), RETRY_AFTER_CAP)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, min(moment.timestamp() - time.time(), RETRY_AFTER_CAP))


def _as_seconds(value, default):
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return float(default)
    return seconds if seconds > 0 else float(default)
