# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a module's main() in-process, without a server: its arguments in, its result out.

``patch_ansible_module`` feeds the arguments to AnsibleModule the way Ansible does (indirect parametrize, or call
the ``run_module`` fixture); ``privx`` makes every PrivXModule's client talk to the one fake of PrivX
(``tests/unit/plugins/fake_privx.py``), which answers from a small in-memory domain and records every call. The
collection is imported inside the fixtures: pytest loads this file before the collection is importable. The folder
is a package (``__init__.py``) so that neither this conftest nor the test files are taken for their namesakes in
tests/integration.
"""

from __future__ import annotations

import json

import pytest

CONNECTION = {'url': 'https://privx.example.com', 'access_token': 'planted-unit-token'}


class ModuleExit(Exception):
    """main() ended: the result it printed."""

    def __init__(self, result):
        super().__init__(result.get('msg', ''))
        self.result = result


@pytest.fixture
def privx(monkeypatch):
    """The one fake of PrivX (tests/unit/plugins/fake_privx.py): every PrivXModule of the test talks to it through the
    collection's real client."""
    from ansible_collections.privx.secrets.plugins.module_utils.module import base as module_base
    from fake_privx import FakePrivX

    fake = FakePrivX()
    monkeypatch.setattr(module_base, 'PrivXClient', fake.client)
    return fake


@pytest.fixture
def patch_ansible_module(request, monkeypatch):
    """Give AnsibleModule these arguments (``request.param`` when parametrized indirectly); its result raises ModuleExit."""
    from ansible.module_utils import basic

    def patch(args):
        arguments = dict(CONNECTION, **args)
        monkeypatch.setattr(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': arguments}).encode('utf-8'))
        if hasattr(basic.AnsibleModule, '_record_module_result'):
            _patch_result_recording(monkeypatch, basic, ModuleExit)
        else:
            # ansible-core before 2.19 prints the result itself: read it back from what it prints.
            def printed(text):
                raise ModuleExit(json.loads(text))

            monkeypatch.setattr(basic, 'print', printed, raising=False)

    if hasattr(request, 'param'):
        patch(request.param)
    return patch


@pytest.fixture
def run_module(patch_ansible_module):
    """run_module(module, args) -> the result main() would print (check and diff mode as _ansible_check_mode/_ansible_diff)."""
    def run(module, args):
        # As Ansible does: the module base names the object from it (plugins/module_utils/converge/outcome.py).
        patch_ansible_module(dict({'_ansible_module_name': 'privx.secrets.' + module.__name__.rsplit('.', 1)[-1]}, **args))
        with pytest.raises(ModuleExit) as ended:
            module.main()
        return ended.value.result

    return run


def _patch_result_recording(monkeypatch, basic, module_exit):
    """ansible-core 2.19 and later: the result goes through _record_module_result."""
    from ansible.module_utils._internal import _traceback  # pylint: disable=import-outside-toplevel

    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy')
    # As in a module's own process: tracebacks as _ansible_tracebacks_for asks (the controller's setting
    # applies once ansible.utils.display is imported, and ansible-core caches the first module's answer).
    monkeypatch.setattr(_traceback, '_is_traceback_enabled', _traceback._is_module_traceback_enabled)
    monkeypatch.setattr(_traceback, '_module_tracebacks_enabled_events', None)

    def record(_module, result):
        raise module_exit(result)

    monkeypatch.setattr(basic.AnsibleModule, '_record_module_result', record)
