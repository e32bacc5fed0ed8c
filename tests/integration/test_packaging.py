# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as others build it into execution environments and import it into Galaxy / Automation Hub."""

from __future__ import annotations

import ast
import glob
import os
import subprocess
import sys
import tarfile

import pytest
import yaml

from conftest import REPO, ansible_bin

# galaxy-importer lives in its own venv (tests/requirements-importer.txt; tests/run.sh prepares it).
IMPORTER_PYTHON = os.environ.get('PRIVX_IMPORTER_PYTHON') or os.path.join(REPO, '.venv-importer', 'bin', 'python')


def clean_env(**extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PRIVX_'))}
    env.update(extra)
    return env


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    build = tmp_path_factory.mktemp('tarball')
    subprocess.run([ansible_bin('ansible-galaxy'), 'collection', 'build', REPO, '--output-path', str(build)],
                   check=True, capture_output=True, env=clean_env())
    return glob.glob(str(build / 'privx-secrets-*.tar.gz'))[0]


def test_ansible_builder_introspect_finds_the_python_dependency_of_the_installed_collection(collections_path):
    if not os.path.exists(ansible_bin('ansible-builder')):
        pytest.skip('ansible-builder is not installed beside this Python (the compatibility run)')
    completed = subprocess.run([ansible_bin('ansible-builder'), 'introspect', '--sanitize', collections_path],
                               capture_output=True, text=True, env=clean_env(), check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    found = yaml.safe_load(completed.stdout)
    assert [line.split('#')[0].strip() for line in found['python']] == ['requests>=2.25']
    assert 'from collection privx.secrets' in found['python'][0]


def test_the_python_requirements_name_requests_without_upper_bound_or_ansible():
    with open(os.path.join(REPO, 'requirements.txt'), encoding='utf-8') as handle:
        wanted = [line.split('#')[0].strip() for line in handle if line.split('#')[0].strip()]
    assert wanted == ['requests>=2.25']
    with open(os.path.join(REPO, 'meta', 'execution-environment.yml'), encoding='utf-8') as handle:
        assert yaml.safe_load(handle)['dependencies'] == {'python': 'requirements.txt'}


def test_ansible_builder_creates_the_build_context_of_the_awx_image(tmp_path):
    if not os.path.exists(ansible_bin('ansible-builder')):
        pytest.skip('ansible-builder is not installed beside this Python (the compatibility run)')
    context = tmp_path / 'context'
    completed = subprocess.run([ansible_bin('ansible-builder'), 'create', '-c', str(context)],
                               cwd=os.path.join(REPO, 'extensions', 'ee'), capture_output=True, text=True,
                               env=clean_env(), check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    collections = yaml.safe_load((context / '_build' / 'requirements.yml').read_text())['collections']
    assert [collection['name'] for collection in collections] == ['privx.secrets']
    # Containerfile for podman, Dockerfile when ansible-builder finds docker.
    found = [name for name in ('Containerfile', 'Dockerfile') if (context / name).exists()]
    assert found, sorted(os.listdir(str(context)))
    containerfile = (context / found[0]).read_text()
    # The image installs ansible-core, then the collection, then what introspection finds in the collection.
    assert 'ansible-core>=2.16' in containerfile
    assert 'ansible-galaxy collection install' in containerfile
    assert 'introspect' in containerfile


def test_galaxy_importer_accepts_the_tarball_without_error_or_warning(tarball, tmp_path):
    if not os.path.exists(IMPORTER_PYTHON):
        pytest.skip('galaxy-importer venv missing: bash tests/setup-venv.sh .venv-importer tests/requirements-importer.txt')
    config = tmp_path / 'galaxy-importer.cfg'
    config.write_text('[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\nCHECK_REQUIRED_TAGS = True\n'
                      'LOG_LEVEL_MAIN = INFO\n')
    bin_dir = os.path.dirname(IMPORTER_PYTHON)
    completed = subprocess.run([IMPORTER_PYTHON, '-m', 'galaxy_importer.main', tarball], cwd=str(tmp_path),
                               env=clean_env(GALAXY_IMPORTER_CONFIG=str(config), HOME=str(tmp_path),
                                             PATH=bin_dir + os.pathsep + os.environ.get('PATH', '')),
                               capture_output=True, text=True, timeout=900, check=False)
    output = completed.stdout + completed.stderr
    sys.stdout.write(output)
    assert completed.returncode == 0, output[-5000:]
    # galaxy-importer prints INFO messages bare and every other level as 'LEVEL: message' (its CustomFormatter).
    problems = [line for line in output.splitlines() if line.startswith(('WARNING:', 'ERROR:', 'CRITICAL:'))]
    assert not problems, output[-5000:]
    assert 'ansible-lint run complete' in output and 'Importer processing completed successfully' in output


def test_the_tarball_ships_no_test_of_what_it_does_not_ship(tarball):
    """The AWX credential plugin and the EE are deliverables of their own (left out of the tarball): so are their tests.
    The Event-Driven Ansible content (extensions/eda) ships, where ansible-rulebook finds it."""
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
        texts = {name: archive.extractfile(name).read() for name in names if name.startswith('tests/') and name.endswith('.py')}
    assert 'plugins/module_utils/core/client.py' in names
    assert [name for name in names if name.startswith('extensions/') and not name.startswith('extensions/eda')] == []
    assert {'extensions/eda/plugins/event_source/privx_events.py', 'extensions/eda/rulebooks/retry_failed_rotation.yml',
            'extensions/eda/rulebooks/onboard_discovered_accounts.yml', 'extensions/eda/rulebooks/notify_scan_errors.yml',
            'meta/extensions.yml'} <= set(names)
    assert 'tests/integration/test_fault_matrix_awx.py' not in names
    imports = {name: {alias.name.split('.')[0] for node in ast.walk(ast.parse(text)) if isinstance(node, (ast.Import, ast.ImportFrom))
                      for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or '')])}
               for name, text in texts.items()}
    assert [name for name, modules in imports.items() if modules & {'awx_plugin', 'awx_privx_credential_plugin'}] == []
