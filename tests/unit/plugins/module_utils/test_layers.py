# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The layers of plugins/module_utils/ (each folder's README.md) import only what their README allows."""

from __future__ import annotations

import ast
import os

import pytest

MODULE_UTILS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'plugins', 'module_utils')
PREFIX = 'ansible_collections.privx.secrets.plugins.module_utils.'
# Layer -> the layers of module_utils it may import (besides itself), and whether it may import ansible.
ALLOWED = {
    'core': ((), False),
    'resources': (('core',), False),
    'converge': (('core', 'resources'), False),
    'module': (('core', 'resources', 'converge'), True),
}


def imports(path):
    """(module name, relative level) of every import in a file."""
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.append((node.module or '', node.level))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, 0) for alias in node.names)
    return found


def layer_files():
    for layer in sorted(ALLOWED):
        folder = os.path.join(MODULE_UTILS, layer)
        for name in sorted(os.listdir(folder)):
            if name.endswith('.py'):
                yield layer, name, os.path.join(folder, name)


def test_module_utils_holds_the_layers_only():
    entries = sorted(name for name in os.listdir(MODULE_UTILS) if name != '__pycache__')
    assert entries == sorted(ALLOWED), 'a file beside the layers: put it in the layer it belongs to'
    for layer in ALLOWED:
        assert os.path.isfile(os.path.join(MODULE_UTILS, layer, 'README.md')), layer
        assert os.path.getsize(os.path.join(MODULE_UTILS, layer, '__init__.py')) == 0, 'ansible-test 2.16 wants it empty'


@pytest.mark.parametrize('layer, name, path', list(layer_files()), ids=['%s/%s' % entry[:2] for entry in layer_files()])
def test_each_layer_imports_only_what_it_may(layer, name, path):
    others, ansible_allowed = ALLOWED[layer]
    for module, level in imports(path):
        if layer == 'core':
            # The AWX plugin copies the folder unchanged (extensions/awx_credential_plugin/hatch_build.py).
            assert level in (0, 1), '%s: core imports its own files only' % name
            assert not module.startswith(('ansible', 'ansible_collections')), '%s imports %s' % (name, module)
            continue
        if module.startswith(PREFIX):
            assert module[len(PREFIX):].split('.')[0] in others + (layer,), '%s/%s imports %s' % (layer, name, module)
        elif module.startswith('ansible_collections'):
            pytest.fail('%s/%s imports %s, outside module_utils' % (layer, name, module))
        elif module.split('.')[0] == 'ansible':
            assert ansible_allowed, '%s/%s imports %s: only module/ may use ansible-core' % (layer, name, module)
        assert level == 0, '%s/%s: only core/ imports relatively' % (layer, name)
