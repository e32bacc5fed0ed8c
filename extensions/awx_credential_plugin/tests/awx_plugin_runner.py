# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs in the AWX credential plugin's venv (see test_awx_credential_plugin.py), never in the collection's.

Reads one JSON request on stdin and prints one JSON answer. It finds credential plugins the way
AWX does, by loading the entry points of a group, and either describes them or calls a backend.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
import traceback
from importlib.metadata import entry_points

GROUPS = ('awx_plugins.credentials', 'awx.credential_plugins')


def load(group, name):
    """As AWX's awx/main/models/credential.py: {entry_point.name: entry_point.load()} for the group."""
    plugins = {entry_point.name: entry_point for entry_point in entry_points(group=group)}
    return plugins[name].load()


def describe(request):
    answer = {'groups': {group: sorted(entry_point.name for entry_point in entry_points(group=group)) for group in GROUPS}}
    for group in GROUPS:
        plugin = load(group, request['name'])
        answer[group] = {
            'type': '%s.%s' % (type(plugin).__module__, type(plugin).__qualname__),
            'name': plugin.name,
            'inputs': plugin.inputs,
            'description': getattr(plugin, 'plugin_description', None),
            'backend_callable': callable(plugin.backend),
            'is_tuple': isinstance(plugin, tuple),
        }
    peer = load('awx_plugins.credentials', request['peer'])
    answer['peer'] = {'type': '%s.%s' % (type(peer).__module__, type(peer).__qualname__), 'inputs': peer.inputs}
    return answer


def observe_verify(seen):
    """Record, for each request the plugin sends, the permissions of the CA file it verifies with."""
    import requests  # pylint: disable=import-outside-toplevel  # the plugin venv's, only for this observation

    send = requests.Session.request

    def request(self, method, url, *args, **kwargs):
        verify = kwargs.get('verify')
        if isinstance(verify, str):
            seen.append({'file': stat.S_IMODE(os.stat(verify).st_mode), 'directory': stat.S_IMODE(os.stat(os.path.dirname(verify)).st_mode)})
        return send(self, method, url, *args, **kwargs)
    requests.Session.request = request


def shorten_connection_defaults(defaults):
    """The fault matrix (fault_matrix.py) runs the backend with its connection's timeout and retries: AWX gives the plugin
    no field for them, so the defaults of its copy of the collection's client are changed, for this process only."""
    from awx_privx_credential_plugin._core import connection  # pylint: disable=import-outside-toplevel

    connection.DEFAULT_TIMEOUT = defaults.get('timeout', connection.DEFAULT_TIMEOUT)
    connection.DEFAULT_RETRIES = defaults.get('retries', connection.DEFAULT_RETRIES)


def backend(request):
    if request.get('connection_defaults'):
        shorten_connection_defaults(request['connection_defaults'])
    plugin = load('awx_plugins.credentials', request['name'])
    seen = []
    observe_verify(seen)
    try:
        answer = {'value': plugin.backend(**request['kwargs'])}
    except Exception as error:  # pylint: disable=broad-exception-caught  # what AWX shows is what the test checks
        answer = {'error_type': type(error).__name__, 'error': str(error), 'traceback': traceback.format_exc()}
    answer['ca_files'] = seen
    return answer


def main():
    request = json.load(sys.stdin)
    # AWX logs what plugins log: the test scans it for secrets.
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
    answer = describe(request) if request['action'] == 'describe' else backend(request)
    json.dump(answer, sys.stdout)


if __name__ == '__main__':
    main()
