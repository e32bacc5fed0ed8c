# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build hook: the collection's PrivX client, packaged into the plugin's wheel.

The plugin has no HTTP client of its own. At build time this hook copies the modules of the
collection's ``plugins/module_utils`` that the plugin uses, and every module they import from
there, into ``awx_privx_credential_plugin/_module_utils/``, rewriting the collection's import
prefix to that package. AWX has no ansible-core, so an import from ``ansible`` is redirected to
``_ansible_shim.py``; the build stops with one line when a copied module needs something the shim
does not provide, so that a change to module_utils cannot break the plugin silently.

An sdist carries the copies, so a wheel can be built from it without the collection.
"""

from __future__ import annotations

import ast
import os
import shutil
import tempfile

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = 'awx_privx_credential_plugin'
VENDORED = PACKAGE + '._module_utils'
COLLECTION_PREFIX = 'ansible_collections.privx.secrets.plugins.module_utils'
# What the plugin imports itself (see src/awx_privx_credential_plugin/__init__.py).
ROOTS = ('_client', '_connection', '_errors', '_fields', '_secrets')
# Modules outside the collection that copied modules may import, and where the plugin takes them from.
ANSIBLE_SUBSTITUTES = {
    'ansible.module_utils.basic': PACKAGE + '._ansible_shim',
    'ansible.module_utils.common.validation': PACKAGE + '._ansible_shim',
}
HEADER = ('# Generated when the AWX credential plugin was built, from plugins/module_utils/%s.py\n'
          '# of the privx.secrets collection (extensions/awx_credential_plugin/hatch_build.py). Do not edit.\n')


class VendoringError(Exception):
    """A module cannot be packaged into the plugin."""


def _shim_names(root):
    """The names the shim module defines."""
    path = os.path.join(root, 'src', PACKAGE, '_ansible_shim.py')
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), path)
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return names


def _dependencies(name, source, shim_names):
    """The collection modules a module imports; VendoringError for an import AWX cannot satisfy."""
    needed = set()
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ''
            if module == COLLECTION_PREFIX:
                needed.update(alias.name for alias in node.names)
            elif module.startswith(COLLECTION_PREFIX + '.'):
                needed.add(module[len(COLLECTION_PREFIX) + 1:].split('.')[0])
            elif module in ANSIBLE_SUBSTITUTES:
                missing = sorted({alias.name for alias in node.names} - shim_names)
                if missing:
                    raise VendoringError('%s.py imports %s from %s, which %s does not provide' % (
                        name, ', '.join(missing), module, ANSIBLE_SUBSTITUTES[module]))
            elif module.split('.')[0] in ('ansible', 'ansible_collections'):
                raise VendoringError('%s.py imports from %s, which the AWX plugin cannot import' % (name, module))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split('.')[0] in ('ansible', 'ansible_collections'):
                    raise VendoringError('%s.py imports %s, which the AWX plugin cannot import' % (name, alias.name))
    return needed


def _rewrite(name, source):
    text = source.replace(COLLECTION_PREFIX, VENDORED)
    for module, substitute in ANSIBLE_SUBSTITUTES.items():
        text = text.replace('from %s import' % module, 'from %s import' % substitute)
    return HEADER % name + text


def vendor(module_utils, target, root):
    """Copy the client's modules from ``module_utils`` into ``target``; returns the file names written."""
    shim_names = _shim_names(root)
    pending, done = list(ROOTS), []
    while pending:
        name = pending.pop()
        if name in done:
            continue
        path = os.path.join(module_utils, name + '.py')
        if not os.path.isfile(path):
            raise VendoringError('the collection has no plugins/module_utils/%s.py' % name)
        with open(path, encoding='utf-8') as handle:
            source = handle.read()
        pending.extend(sorted(_dependencies(name, source, shim_names)))
        with open(os.path.join(target, name + '.py'), 'w', encoding='utf-8') as handle:
            handle.write(_rewrite(name, source))
        done.append(name)
    with open(os.path.join(target, '__init__.py'), 'w', encoding='utf-8') as handle:
        handle.write('"""The privx.secrets collection\'s PrivX client, copied in at build time."""\n')
    return sorted(name + '.py' for name in done) + ['__init__.py']


class VendorCollectionClient(BuildHookInterface):
    """Puts the vendored client into the wheel (and into the sdist, for builds without the collection)."""

    PLUGIN_NAME = 'custom'

    def initialize(self, version, build_data):
        module_utils = os.path.normpath(os.path.join(self.root, '..', '..', 'plugins', 'module_utils'))
        if not os.path.isdir(module_utils):
            if os.path.isfile(os.path.join(self.root, 'src', PACKAGE, '_module_utils', '_client.py')):
                return  # built from an sdist, which carries the copies
            raise VendoringError('build the AWX plugin from a checkout of the privx.secrets collection: '
                                 '%s does not exist' % module_utils)
        self._scratch = tempfile.mkdtemp(prefix='privx-awx-plugin-')
        prefix = '%s/_module_utils/' % PACKAGE
        if self.target_name == 'sdist':
            prefix = 'src/' + prefix
        for name in vendor(module_utils, self._scratch, self.root):
            build_data['force_include'][os.path.join(self._scratch, name)] = prefix + name

    def finalize(self, version, build_data, artifact_path):
        scratch = getattr(self, '_scratch', None)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
