# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules' action plugin (plugins/action/connection_info.py) decides on the controller, apart from Ansible.

Connection options of a module come from, first to last: the task's option, ``module_defaults`` (ansible-core has
merged both into the task's arguments before the action plugin runs), the ``privx_*`` variable of the same name
(``CONNECTION_OPTIONS`` and ``PLUGIN_VARIABLE`` in core/connection.py, as the lookup reads them), the ``PRIVX_*``
environment variables (the module's own fallback). The doc fragment privx.secrets.connection.modules says so.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading

from ansible_collections.privx.secrets.plugins.module_utils.core.connection import (
    CONNECTION_OPTIONS,
    PLUGIN_VARIABLE,
    ConnectionSettings,
)
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.module.options import typed_connection_options, typed_connection_value
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import STATUS

# Seconds the action plugin waits for the agent's answer to STATUS, which makes no call to PrivX.
STATUS_TIMEOUT = 5.0
# What a module says when it found no url or no credentials (module/options.py's required url, core/connection.py).
_MISSING_SETTINGS = ('missing required arguments: url', 'url is required', 'no PrivX credentials',
                     'incomplete API client credentials')
REMOTE_HINT = ('privx.secrets modules run where the task runs, here on %s rather than on the controller, and found no '
               'PrivX connection settings there: add delegate_to: localhost to the task (or connection: local to the '
               'play), or give the privx_* variables (privx_url, privx_client_id, ...) or the options')


def filled_options(args, variables, render):
    """(the task's arguments with each unset connection option taken from its privx_* variable, the names filled).

    ``render`` templates a variable's value (``privx_url: "{{ my_url }}"``, a vault-encrypted value). Text options
    are handed over as plain text, so that the module's arguments hold no object of Ansible's own. A bool or int
    variable that is not one raises PrivXConfigError naming the variable (the module would name its option, which the
    task never set).
    """
    args = dict(args)
    filled = []
    for name, option in CONNECTION_OPTIONS.items():
        variable = PLUGIN_VARIABLE % name
        if not _unset(args.get(name)) or variable not in variables:
            continue
        value = render(variables[variable])
        if _unset(value):
            continue
        typed_connection_value(name, value, shown_as=variable)
        args[name] = str(value) if option.type in ('str', 'path') and not isinstance(value, str) else value
        filled.append(name)
    return args, filled


def controller_connection(args, environment=None):
    """The connection options a module with these arguments uses when it runs on the controller: its arguments, else
    the first non-empty of each option's environment variables; typed as the plugins type them."""
    environment = os.environ if environment is None else environment
    values = {}
    for name, option in CONNECTION_OPTIONS.items():
        value = args.get(name)
        if _unset(value):
            value = next((environment[env] for env in option.env if environment.get(env)), None)
        values[name] = value
    return typed_connection_options(values)


def run_agent(args, agent, environment=None):
    """(the socket of the run's checkout agent, started when none runs, or None; why not, for -vvv, or None).

    The module asks it for the run's token when it first calls PrivX (module_utils/module/run_token.py), so that a
    task refused for its input makes no call at all. None where there is nothing to share (settings the module itself
    will refuse, an access_token) or the agent cannot be used: the module then makes its own grant.
    """
    try:
        settings = ConnectionSettings(controller_connection(args, environment))
    except PrivXError as error:
        return None, 'the connection options are not complete (%s)' % error
    if settings.access_token:
        return None, 'the task gives an access_token'
    try:
        connection = agent()
        # Starts the agent when none runs; no call to PrivX, so a hung agent (stopped, swapping) is given up on soon
        # and the module makes its own grant, instead of every module task waiting out the agent's reply timeout.
        connection.request(STATUS, timeout=STATUS_TIMEOUT)
    except (PrivXError, OSError) as error:
        return None, 'the checkout agent cannot be used: %s' % (getattr(error, 'strerror', None) or error)
    return connection.socket_path, None


def with_remote_hint(result, host):
    """A failed module result that found no connection settings on a host other than the controller, saying why."""
    message = result.get('msg')
    if result.get('failed') and isinstance(message, str) and any(part in message for part in _MISSING_SETTINGS):
        result['msg'] = '%s (%s)' % (message, REMOTE_HINT % host)
    return result


class ProgressWatcher:
    """Shows, while a module runs on the controller, the lines it appends to its progress file (the module's
    ``progress_path``, module/base.py PrivXModule.progress): a long wait then says how it goes at default verbosity.

    The file is in a directory of its own, mode 0700, removed at the end; a line is shown once it is complete.
    """

    def __init__(self, show, interval=1.0):
        self._show = show
        self._interval = interval
        self._directory = tempfile.mkdtemp(prefix='privx-progress-')
        self.path = os.path.join(self._directory, 'progress')
        self._offset = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc_info):
        self._stop.set()
        self._thread.join()
        self._read()
        shutil.rmtree(self._directory, ignore_errors=True)

    def _watch(self):
        while not self._stop.wait(self._interval):
            self._read()

    def _read(self):
        try:
            with open(self.path, 'rb') as handle:
                handle.seek(self._offset)
                text = handle.read()
        except OSError:
            return
        complete = text[:text.rfind(b'\n') + 1]
        self._offset += len(complete)
        for line in complete.decode('utf-8', 'replace').splitlines():
            if line.strip():
                self._show(line)


def _unset(value):
    return value is None or value == ''
