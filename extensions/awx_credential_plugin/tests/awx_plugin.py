# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential plugin as AWX gets it: built from this checkout and installed, with awx-plugins-core from PyPI,
into a venv of its own (cached in tests/output, rebuilt when the plugin or the collection's client core change), and
called through awx_plugin_runner.py, which runs in that venv. Used by this folder's tests and by the fault matrix's
AWX rows (tests/integration/test_fault_matrix_awx.py)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN_DIR = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(PLUGIN_DIR))
CORE = os.path.join(REPO, 'plugins', 'module_utils', 'core')
VENV = os.path.join(REPO, 'tests', 'output', 'venv-awx-plugin')
RUNNER = os.path.join(HERE, 'awx_plugin_runner.py')
# awx-plugins-core with the extra of one peer plugin, so that its plugins load as in AWX.
AWX_PACKAGES = ['awx-plugins-core[credentials-hashivault-kv]']


def _digest(paths):
    digest = hashlib.sha256(sys.version.encode())
    for path in sorted(paths):
        digest.update(path.encode())
        with open(path, 'rb') as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def _plugin_sources():
    sources = [os.path.join(CORE, name) for name in os.listdir(CORE) if name.endswith('.py')]
    for directory, dirs, files in os.walk(PLUGIN_DIR):
        dirs[:] = [name for name in dirs if name not in ('__pycache__', 'tests')]
        sources.extend(os.path.join(directory, name) for name in files if not name.endswith('.pyc'))
    return sources


def _pip(*args):
    subprocess.run([os.path.join(VENV, 'bin', 'python'), '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check'] + list(args),
                   check=True, capture_output=True, text=True)


@pytest.fixture(scope='session')
def plugin_venv():
    """A venv with the plugin's wheel and awx-plugins-core; made again only when what goes into it changed.

    test_fault_matrix_awx.py uses it too: a lock keeps two pytest-xdist workers from building it at once."""
    os.makedirs(os.path.dirname(VENV), exist_ok=True)
    with open(VENV + '.lock', 'w', encoding='utf-8') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _prepared_plugin_venv()


def _prepared_plugin_venv():
    base_key = _digest([os.path.join(PLUGIN_DIR, 'pyproject.toml')]) + ' '.join(AWX_PACKAGES)
    plugin_key = _digest(_plugin_sources())
    markers = {name: os.path.join(VENV, name + '.key') for name in ('base', 'plugin')}

    def current(name):
        try:
            with open(markers[name], encoding='utf-8') as handle:
                return handle.read()
        except OSError:
            return None

    if current('base') != base_key:
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([sys.executable, '-m', 'venv', VENV], check=True)
        _pip(*AWX_PACKAGES)
        with open(markers['base'], 'w', encoding='utf-8') as handle:
            handle.write(base_key)
    if current('plugin') != plugin_key:
        # Built from the checkout as a user would (pip builds the wheel; the build hook copies the core).
        _pip('--force-reinstall', PLUGIN_DIR)
        with open(markers['plugin'], 'w', encoding='utf-8') as handle:
            handle.write(plugin_key)
    return os.path.join(VENV, 'bin', 'python')


def run_plugin(python, request, env=None):
    """The runner's answer, and what the plugin logged (at debug level)."""
    completed = subprocess.run([python, RUNNER], input=json.dumps(request), capture_output=True, text=True, check=False,
                               env=dict(os.environ, **(env or {})))
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout), completed.stderr


def credential(privx, client='admin', ca=True, **metadata):
    """The kwargs AWX passes to a backend: the source credential's inputs plus the input source's metadata."""
    clients = privx.clients[client]
    kwargs = {'url': privx.url, 'client_id': clients['client_id'], 'client_secret': clients['client_secret'],
              'oauth_client_id': clients['oauth_client_id'], 'oauth_client_secret': clients['oauth_client_secret'],
              'verify_tls': True}
    if ca:
        with open(privx.ca_path, encoding='utf-8') as handle:
            kwargs['ca_bundle'] = handle.read()
    kwargs.update(metadata)
    return kwargs
