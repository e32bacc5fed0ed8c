# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs in the AWX credential plugin's venv (see test_awx_credential_plugin.py), never in the collection's.

Reads one JSON request on stdin and prints one JSON answer. It finds credential plugins the way
AWX does, by loading the entry points of a group, and either describes them or calls a backend.
"""

from __future__ import annotations

import json
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


def backend(request):
    plugin = load('awx_plugins.credentials', request['name'])
    try:
        return {'value': plugin.backend(**request['kwargs'])}
    except Exception as error:  # pylint: disable=broad-exception-caught  # what AWX shows is what the test checks
        return {'error_type': type(error).__name__, 'error': str(error), 'traceback': traceback.format_exc()}


def main():
    request = json.load(sys.stdin)
    answer = describe(request) if request['action'] == 'describe' else backend(request)
    json.dump(answer, sys.stdout)


if __name__ == '__main__':
    main()
