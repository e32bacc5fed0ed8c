# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""antsibull-docs' lint of the collection docs, and the docs site built by docs/build.sh (sphinx -W, offline)."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from conftest import REPO

# antsibull-docs and sphinx live in their own venv (tests/requirements-docs.txt; tests/run.sh prepares it).
DOCS_BIN = os.environ.get('PRIVX_DOCS_BIN') or os.path.join(REPO, '.venv-docs', 'bin')
# Where the site is published (README links it).
SITE_URL = 'https://privx-secrets.github.io/privx.secrets/'


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


def test_the_docs_site_builds_offline_without_a_warning(docs_tools, tmp_path):
    """docs/build.sh as users run it, with every proxy pointing at a closed port: any download would fail the build."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PRIVX_'))
           and key.lower() not in ('no_proxy', 'http_proxy', 'https_proxy', 'all_proxy')}
    unreachable = 'http://127.0.0.1:9'
    env.update(PRIVX_DOCS_BIN=DOCS_BIN, HTTP_PROXY=unreachable, HTTPS_PROXY=unreachable, ALL_PROXY=unreachable,
               http_proxy=unreachable, https_proxy=unreachable)
    output_dir = tmp_path / 'docs'
    completed = subprocess.run(['bash', os.path.join(REPO, 'docs', 'build.sh'), str(output_dir)], cwd=str(tmp_path),
                               capture_output=True, text=True, env=env, timeout=600, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-5000:]
    assert 'WARNING' not in output, output[-5000:]
    site = output_dir / 'html'
    assert output.strip().endswith('built %s' % (site / 'index.html')), output[-2000:]
    index = (site / 'index.html').read_text(encoding='utf-8')
    for page in ('docsite/guide_declarative_accounts', 'docsite/guide_password_lookups', 'docsite/guide_scheduled_rotation',
                 'docsite/guide_event_driven',
                 'docsite/guide_host_password_rotation', 'host_password_rotation_module', 'script_template_module',
                 'docsite/guide_no_stored_secret', 'identity_provider_module',
                 'managed_account_module', 'checkout_lookup', 'checkouts_callback', 'rotation_role', 'managed_accounts_role',
                 'docsite/guide_vault_secrets', 'vault_secret_module', 'vault_secret_info_module', 'vault_lookup'):
        assert 'href="%s.html"' % page in index, page
        assert (site / ('%s.html' % page)).exists(), page
    guide = (site / 'docsite' / 'guide_password_lookups.html').read_text(encoding='utf-8')
    # Plugin references are links, not RST markup shown as text (what the README linked to before).
    assert ':ansplugin:' not in guide and 'href="../checkout_lookup.html#ansible-collections-privx-secrets-checkout-lookup"' in guide
    # References to docs.ansible.com resolve through the local inventory, with their real addresses.
    assert 'href="https://docs.ansible.com/projects/ansible/devel/reference_appendices/common_return_values.html' in \
        (site / 'rotate_module.html').read_text(encoding='utf-8')


def test_the_readme_links_the_docs_site_and_how_to_build_it():
    with open(os.path.join(REPO, 'README.md'), encoding='utf-8') as handle:
        readme = handle.read()
    assert '[documentation](%s)' % SITE_URL in readme
    assert 'bash docs/build.sh' in readme and 'docs/build/html/index.html' in readme
    # Guides are linked where they render: on the site, not as RST sources.
    assert re.findall(r'\]\((\S*docs/docsite/rst\S*)\)', readme) == []
