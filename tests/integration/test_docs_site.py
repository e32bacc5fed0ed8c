# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""antsibull-docs' lint of the collection docs, and the docs site (antsibull-docs sphinx-init) built with sphinx -W."""

from __future__ import annotations

import os
import subprocess
import zlib

import pytest

from conftest import REPO

# antsibull-docs and sphinx live in their own venv (tests/requirements-docs.txt; tests/run.sh prepares it).
DOCS_BIN = os.environ.get('PRIVX_DOCS_BIN') or os.path.join(REPO, '.venv-docs', 'bin')

# The test reaches PyPI only, not docs.ansible.com or docs.python.org. The site's conf.py (from sphinx-init) falls back
# to local inventories in the site's directory for its intersphinx references; these list what the generated pages link to
# on docs.ansible.com, with the real addresses, so every reference resolves and the links work.
ANSIBLE_REFERENCES = [
    ('ansible_configuration_settings', 'std:label', 'reference_appendices/config.html#$', 'Ansible Configuration Settings'),
    ('common_return_values', 'std:label', 'reference_appendices/common_return_values.html#$', 'Return Values'),
    ('action_plugins', 'std:label', 'plugins/action.html#$', 'Action plugins'),
    ('callback_plugins', 'std:label', 'plugins/callback.html#$', 'Callback plugins'),
    ('lookup_plugins', 'std:label', 'plugins/lookup.html#$', 'Lookup plugins'),
    ('module_defaults', 'std:label', 'playbook_guide/playbooks_module_defaults.html#$', 'Module defaults'),
    ('ANSIBLE_CALLBACKS_ENABLED', 'std:envvar', 'reference_appendices/config.html#envvar-$', '-'),
]


def write_inventory(path, project, entries):
    header = ('# Sphinx inventory version 2\n# Project: %s\n# Version: devel\n'
              '# The remainder of this file is compressed using zlib.\n' % project)
    body = ''.join('%s %s -1 %s %s\n' % entry for entry in entries)
    with open(path, 'wb') as handle:
        handle.write(header.encode() + zlib.compress(body.encode()))


def docs_env(collections_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PRIVX_'))}
    env.update(ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR='1',
               PATH=DOCS_BIN + os.pathsep + os.environ.get('PATH', ''))
    return env


@pytest.fixture(scope='module')
def docs_tools():
    if not os.path.exists(os.path.join(DOCS_BIN, 'antsibull-docs')):
        pytest.skip('docs venv missing: bash tests/setup-venv.sh .venv-docs tests/requirements-docs.txt')


def test_antsibull_docs_lint_passes_with_plugin_docs(docs_tools, collections_path):
    collection = os.path.join(collections_path, 'ansible_collections', 'privx', 'secrets')
    completed = subprocess.run([os.path.join(DOCS_BIN, 'antsibull-docs'), 'lint-collection-docs', '--plugin-docs', collection],
                               capture_output=True, text=True, env=docs_env(collections_path), check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.strip() == '', completed.stdout


def test_the_docs_site_builds_without_a_warning(docs_tools, collections_path, tmp_path):
    site = tmp_path / 'site'
    site.mkdir(mode=0o700)
    env = docs_env(collections_path)
    completed = subprocess.run([os.path.join(DOCS_BIN, 'antsibull-docs'), 'sphinx-init', '--use-current', '--fail-on-error',
                                '--no-add-antsibull-docs-version', '--dest-dir', str(site), 'privx.secrets'],
                               capture_output=True, text=True, env=env, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for name in ('python2', 'python3', 'jinja2'):
        write_inventory(str(site / ('%s.inv' % name)), name, [])
    write_inventory(str(site / 'ansible_devel.inv'), 'Ansible', ANSIBLE_REFERENCES)
    # build.sh as sphinx-init wrote it: antsibull-docs renders the collection, then sphinx-build -W --keep-going.
    completed = subprocess.run(['bash', str(site / 'build.sh')], cwd=str(site), capture_output=True, text=True, env=env,
                               timeout=600, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-5000:]
    assert 'WARNING' not in output, output[-5000:]
    pages = site / 'build' / 'html' / 'collections' / 'privx' / 'secrets'
    for page in ('guide_declarative_accounts', 'guide_password_lookups', 'guide_scheduled_rotation'):
        html = (pages / 'docsite' / ('%s.html' % page)).read_text(encoding='utf-8')
        assert 'privx.secrets' in html
    for page in ('managed_account_module', 'checkout_lookup', 'checkouts_callback', 'rotation_role'):
        assert (pages / ('%s.html' % page)).exists(), page
