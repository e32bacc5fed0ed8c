# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build hook: the collection's PrivX client core, packaged into the plugin's wheel unchanged.

The plugin has no HTTP client of its own. The collection's ``plugins/module_utils/core/`` is its client
core: its files import nothing from ansible, and each other only relatively (``from .errors import ...``).
At build time this hook copies that folder, byte for byte, to ``awx_privx_credential_plugin/_core/``,
where the plugin imports it. It stops with one line when a core file imports what the plugin cannot
(ansible, or the collection outside ``core/``), so that a change to the core cannot break the plugin silently.

An sdist carries the copies, so a wheel can be built from it without the collection.
"""

from __future__ import annotations

import ast
import os

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = 'awx_privx_credential_plugin'
# Where the copies go inside the package, and where they come from in the collection.
CORE_PACKAGE = '_core'
CORE_FOLDER = os.path.join('plugins', 'module_utils', 'core')
FOREIGN = ('ansible', 'ansible_collections')


class VendoringError(Exception):
    """The core cannot be packaged into the plugin."""


def check_imports(name, source):
    """VendoringError for an import of ``name`` that the plugin cannot satisfy."""
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.ImportFrom) and node.level > 1:
            raise VendoringError('core/%s imports from outside core/ (from %s%s import), which the AWX plugin does not '
                                 'carry' % (name, '.' * node.level, node.module or ''))
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or '').split('.')[0] in FOREIGN:
            raise VendoringError('core/%s imports from %s, which the AWX plugin cannot import' % (name, node.module))
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split('.')[0] in FOREIGN:
                    raise VendoringError('core/%s imports %s, which the AWX plugin cannot import' % (name, alias.name))


def core_files(core):
    """The Python files of the collection's core folder."""
    return sorted(name for name in os.listdir(core) if name.endswith('.py'))


class VendorCollectionCore(BuildHookInterface):
    """Puts the collection's client core into the wheel (and into the sdist, for builds without the collection)."""

    PLUGIN_NAME = 'custom'

    def initialize(self, version, build_data):
        core = os.path.normpath(os.path.join(self.root, '..', '..', CORE_FOLDER))
        if not os.path.isdir(core):
            if os.path.isfile(os.path.join(self.root, 'src', PACKAGE, CORE_PACKAGE, 'client.py')):
                return  # built from an sdist, which carries the copies
            raise VendoringError('build the AWX plugin from a checkout of the privx.secrets collection: '
                                 '%s does not exist' % core)
        prefix = '%s/%s/' % (PACKAGE, CORE_PACKAGE)
        if self.target_name == 'sdist':
            prefix = 'src/' + prefix
        for name in core_files(core):
            with open(os.path.join(core, name), encoding='utf-8') as handle:
                check_imports(name, handle.read())
            build_data['force_include'][os.path.join(core, name)] = prefix + name
