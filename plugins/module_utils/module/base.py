# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every privx.secrets module.

It adds the shared connection options, builds the one client, and is the
only place where errors become ``fail_json``: a module body holds no error
plumbing, it returns its result or raises a ``PrivXError``.
"""

from __future__ import annotations

import traceback
from urllib.parse import unquote, urlparse

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.privx.secrets.plugins.module_utils.converge.outcome import describe
from ansible_collections.privx.secrets.plugins.module_utils.core.client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    PrivXClient,
)
from ansible_collections.privx.secrets.plugins.module_utils.core.connection import (
    CONNECTION_OPTIONS,
    INSECURE_WARNING,
    ConnectionSettings,
)
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.module.options import (
    PROGRESS_PATH,
    RUN_AGENT,
    connection_argument_spec,
    handed_over_argument_spec,
)
from ansible_collections.privx.secrets.plugins.module_utils.module.run_token import agent_token_source

UNEXPECTED_ERROR = ('%s failed on something it did not expect (an answer from PrivX of an unknown shape?); '
                    'run with -vvv for the traceback and report it')


class PrivXModule(AnsibleModule):
    """AnsibleModule with PrivX connection options and error mapping."""

    def __init__(self, argument_spec=None, contradictions=(), **kwargs):
        """``contradictions``: the one place a module declares options that make no sense together, refused before any
        call: (option, value, other option, other value[, what to do]) such as ``('rotate', True, 'state', 'absent')``; a
        value may be a tuple of values, any of which contradicts. Ansible's ``mutually_exclusive`` cannot say this for
        options with defaults.
        """
        spec = connection_argument_spec()
        spec.update(handed_over_argument_spec())
        spec.update(argument_spec or {})
        super().__init__(argument_spec=spec, **kwargs)
        # A url carrying user:password@ is refused before any call, but Ansible echoes a failed module's arguments
        # (invocation): mask that password as it masks no_log options.
        self.no_log_values.update(_url_password(self.params.get('url')))
        self._client = None
        self._contradictions = contradictions

    @property
    def client(self):
        if self._client is None:
            # Ansible masks a no_log value in our messages only where it appears whole: the client masks them before it
            # cuts a server's text short, so that no piece of one is left.
            settings = ConnectionSettings(self.params, also_mask=self.no_log_values)
            if settings.insecure:
                self.warn(INSECURE_WARNING)
            run_token = agent_token_source(self.params.get(RUN_AGENT), self._agent_connection(settings))
            self._client = PrivXClient(settings, token_source=run_token)
        return self._client

    def _agent_connection(self, settings):
        """The connection options as the checkout agent takes them, as the lookup sends them: typed, ca_path resolved."""
        return dict({name: self.params.get(name) for name in CONNECTION_OPTIONS}, ca_path=settings.ca_path)

    def progress(self, text):
        """One line on how a long wait goes: appended to ``progress_path``, where the action plugin shows it while the
        module runs (plugins/action/connection_info.py); nowhere without it."""
        path = self.params.get(PROGRESS_PATH)
        if not path:
            return
        try:
            with open(path, 'a', encoding='utf-8') as handle:
                handle.write(' '.join(text.split()) + '\n')
        except OSError:
            pass  # progress is a courtesy: the wait goes on without it

    def run(self, body):
        """Call ``body(module)`` (a module's ``converge``, an info module's ``read``) and exit with the dict it returns.

        ``body`` may always put a ``diff`` in its result: it is dropped here when diff mode is off, after the result's
        one-line ``msg`` has been read from it (``converge/outcome.py``: ``created password policy 'x'``).
        """
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        for contradiction in self._contradictions:
            option, value, other, other_value = contradiction[:4]
            fix = contradiction[4] if len(contradiction) > 4 else 'drop one of them'
            if _one_of(self.params.get(option), value) and _one_of(self.params.get(other), other_value):
                # Before any call: one option would otherwise be silently ignored (or worse, half obeyed).
                self.fail_json(msg='%s: %s contradicts %s: %s; %s' % (
                    option, _shown(self.params[option]), other, _shown(self.params[other]), fix))
        try:
            result = body(self)
        except PrivXError as error:
            fields = error.result_fields()
            message = str(error)
            if error.outcome_unknown:
                # A write whose answer never came may have been applied: never let the result say 'no change'.
                message += '; PrivX may have applied this change before its answer was lost: run the task again to see what PrivX holds'
                fields['changed'] = True
            if not self._diff:
                fields.pop('diff', None)
            self.fail_json(msg=message, **fields)
        except Exception:  # pylint: disable=broad-exception-caught
            # A malformed answer from PrivX (a missing key, a wrong type) is a bug to report, not a raw MODULE FAILURE;
            # the traceback goes to 'exception', which Ansible shows at -vvv (fail_json masks no_log values in it too).
            self.fail_json(msg=UNEXPECTED_ERROR % self._name, exception=traceback.format_exc())
        describe(result, noun=self._noun, options=self.params, check_mode=self.check_mode)
        if not self._diff:
            result.pop('diff', None)
        self.exit_json(**result)

    @property
    def _noun(self):
        """What the module converges, in words, from its name: privx.secrets.password_policy -> 'password policy'."""
        return str(self._name or 'object').rsplit('.', 1)[-1].replace('_', ' ')


def _one_of(given, values):
    return given in values if isinstance(values, tuple) else given == values


def _shown(value):
    """An option value as a playbook writes it."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _url_password(url):
    """The password a url carries (as written and decoded), for masking; empty when it has none."""
    try:
        password = urlparse(url).password if isinstance(url, str) else None
    except ValueError:  # a malformed url: core/connection.py refuses it, naming url
        return set()
    return {password, unquote(password)} - {''} if password else set()
