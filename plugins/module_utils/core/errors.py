# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The exceptions every part of the collection raises.

Each one's ``str()`` is a single readable line that is safe to show: it never
contains a secret, a token, a request body or an Authorization header. The
module base and the plugin bases turn them into ``fail_json`` or
``AnsibleError`` in one place each.
"""

from __future__ import annotations

from contextlib import ContextDecorator

# Statuses that say PrivX could not take the call now (overload, a gateway without PrivX behind it): another attempt
# later may succeed. The client retries them; callers ask an error whether it is ``transient``.
TRANSIENT_STATUSES = frozenset((429, 502, 503, 504))


class PrivXError(Exception):
    """Anything the collection reports as a failure."""

    # True when this is the failure of a write that may have reached PrivX and been applied there
    # (its answer never came, or a gateway's 502/504 came instead): nobody may report it as not applied.
    outcome_unknown = False
    # True when the failure is an outage that may be over soon (no connection, or a TRANSIENT_STATUSES answer after the
    # client's retries), as opposed to a refusal: a caller may try once more later.
    transient = False

    def result_fields(self):
        """Extra keys for a failed module result (never secret)."""
        return {}


class PrivXConfigError(PrivXError):
    """An option is missing, malformed or contradicts another one."""


class PrivXConnectionError(PrivXError):
    """PrivX could not be reached, or did not answer, after the configured retries.

    ``may_have_arrived``: the request may have reached PrivX (a read timeout or a connection closed
    without an answer), as opposed to a connection that was never made.
    """

    transient = True

    def __init__(self, message, *, may_have_arrived=False):
        super().__init__(message)
        self.may_have_arrived = may_have_arrived


class PrivXAuthError(PrivXError):
    """PrivX refused the credentials (token endpoint) or the access token."""


class PrivXApiError(PrivXError):
    """PrivX answered a call with an error status.

    Carries PrivX's error body: ``status``, ``error_code``, ``error_message``
    and ``property`` (the field PrivX blames), plus the method and path of
    the call (paths never carry secrets) and the API client that made it.
    """

    def __init__(self, method, path, status, error_code=None, error_message=None, prop=None, attempts=1, api_client=None):
        self.api_client = api_client
        self.method = method
        self.path = path
        self.status = status
        self.error_code = error_code
        self.error_message = error_message
        self.property = prop
        self.attempts = attempts
        super().__init__(self._describe())

    @property
    def transient(self):
        return self.status in TRANSIENT_STATUSES

    def _describe(self):
        what = '%s %s answered HTTP %s' % (self.method, self.path, self.status)
        if self.error_code:
            what += ' %s' % self.error_code
        if self.attempts > 1:
            what += ' (after %d attempts)' % self.attempts
        if self.status == 403 and self.api_client:
            # error_message stays PrivX's own reason, for callers that word a refusal their own way (core/secrets.py).
            what += ": API client %r is not permitted to do this (%s)" % (self.api_client, self.error_message or 'forbidden')
        elif self.error_message:
            what += ': %s' % self.error_message
        if self.property:
            what += ' [property: %s]' % self.property
        return 'PrivX ' + what

    def result_fields(self):
        return {
            'status': self.status,
            'error_code': self.error_code,
            'error_property': self.property,
        }


class PrivXAfterChangeError(PrivXError):
    """A call failed after PrivX had applied a change of this task: the task failed, but it did change something.

    ``fields``: more result keys (a diff of what was applied).
    """

    def __init__(self, done, error, fields=None):
        super().__init__('%s, then %s' % (done, error))
        self.outcome_unknown = error.outcome_unknown
        self.fields = dict(fields or {})

    def result_fields(self):
        return dict(self.fields, changed=True)


class Applied:
    """What a task has changed so far; a failure after a change says so (and that the task changed something).

    ``what`` names the object (``"managed account 'x'"``); append each change to ``done`` once PrivX has applied it,
    and put the keys a failure should still return (the ``diff``) in ``fields``. An error that already says the
    task changed something (a failed scan with its result) passes unchanged.
    """

    def __init__(self, what):
        self.what = what
        self.done = []
        self.fields = {}

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _traceback):
        if isinstance(error, PrivXError) and self.done and not error.result_fields().get('changed'):
            raise PrivXAfterChangeError('PrivX applied the change to %s (%s)' % (self.what, ', '.join(self.done)), error,
                                        self.fields) from None
        return False


class on_api_error(ContextDecorator):  # pylint: disable=invalid-name
    """Map a PrivX error status to what it means where the call is made, declared once instead of try/except at each call.

    As a context manager, a ``PrivXApiError`` with ``status`` (and ``error_code``, when given) inside becomes
    ``error(api_error)`` (a PrivXError, built only when needed); other errors pass unchanged. With ``error=None`` the error is swallowed, so a decorated
    function returns None: ``@on_api_error(404)`` reads "None when PrivX has no such object". (Named in lower
    case because it reads as a statement: ``with on_api_error(403, ...):``.)
    """

    def __init__(self, status, error=None, *, error_code=None):
        self.status = status
        self.error = error
        self.error_code = error_code

    def __enter__(self):
        return self

    def __exit__(self, kind, value, _traceback):
        if not isinstance(value, PrivXApiError) or value.status != self.status:
            return False
        if self.error_code is not None and value.error_code != self.error_code:
            return False
        if self.error is None:
            return True
        raise self.error(value) from None


def when_not_found(error=None):
    """``on_api_error(404, error)``: PrivX answers 404 for an unknown object (see docs/privx-api.md)."""
    return on_api_error(404, error)
