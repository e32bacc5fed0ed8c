# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration fixtures: the collection installed into a temporary collections path, and PrivX emulators."""

from __future__ import annotations

import ast
import glob
import os
import re
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))
sys.path.insert(0, HERE)

from privx_emulator.harness import EmulatorProcess  # noqa: E402  pylint: disable=wrong-import-position

from harness import AnsibleRunner  # noqa: E402  pylint: disable=wrong-import-position
# The fault matrix's report hooks: they must live here to run where pytest-xdist prints the summary.
from fault_matrix import pytest_runtest_logreport, pytest_terminal_summary  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import

FIXTURE = os.path.join(HERE, 'fixtures', 'collection.json')
LARGE_FIXTURE = os.path.join(REPO, 'tests', 'emulator', 'fixtures', 'large.json')


def planted_secrets(path):
    """Every secret of a fixture: they all start with 'planted-' so that tests can scan for them."""
    with open(path, encoding='utf-8') as handle:
        return sorted(set(re.findall(r'planted-[A-Za-z0-9-]+', handle.read())))


PLANTED_SECRETS = planted_secrets(FIXTURE)


PLUGIN_FOLDERS = ('modules', 'lookup', 'callback', 'action', 'filter', 'inventory', 'test')


def plugin_examples():
    """{'modules/name': EXAMPLES text} of every module and plugin that has EXAMPLES."""
    found = {}
    for folder in PLUGIN_FOLDERS:
        directory = os.path.join(REPO, 'plugins', folder)
        if not os.path.isdir(directory):
            continue
        for name in sorted(os.listdir(directory)):
            if not name.endswith('.py') or name.startswith('_'):
                continue
            with open(os.path.join(directory, name), encoding='utf-8') as handle:
                tree = ast.parse(handle.read())
            for node in tree.body:
                if isinstance(node, ast.Assign) and [getattr(target, 'id', None) for target in node.targets] == ['EXAMPLES']:
                    found['%s/%s' % (folder, name[:-3])] = node.value.value
    return found


def example_tasks(module):
    """A module's EXAMPLES as the task list a playbook runs."""
    return yaml.safe_load(plugin_examples()['modules/' + module])


def failed_cleanly(result, *fragments):
    """A module result that failed with one line (no traceback) holding every fragment; returns the line."""
    assert result.get('failed') is True, result
    message = result['msg']
    assert '\n' not in message and 'Traceback' not in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def ansible_bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


@pytest.fixture(scope='session')
def collections_path(tmp_path_factory):
    """Build the collection as a user gets it, and install it into a fresh collections path."""
    # Without ANSIBLE_* from pytest's own environment, where the checkout itself is on the collections path.
    env = {key: value for key, value in os.environ.items() if not key.startswith('ANSIBLE_')}
    build = tmp_path_factory.mktemp('build')
    subprocess.run([ansible_bin('ansible-galaxy'), 'collection', 'build', REPO, '--output-path', str(build)],
                   check=True, capture_output=True, env=env)
    target = tmp_path_factory.mktemp('collections')
    tarball = glob.glob(str(build / 'privx-secrets-*.tar.gz'))[0]
    subprocess.run([ansible_bin('ansible-galaxy'), 'collection', 'install', '--force', tarball, '-p', str(target)],
                   check=True, capture_output=True, env=env)
    assert os.path.isdir(os.path.join(str(target), 'ansible_collections', 'privx', 'secrets', 'plugins', 'modules'))
    return str(target)


def connection_env(emulator, client='admin'):
    credentials = emulator.clients[client]
    return {
        'PRIVX_URL': emulator.url,
        'PRIVX_CLIENT_ID': credentials['client_id'],
        'PRIVX_CLIENT_SECRET': credentials['client_secret'],
        'PRIVX_OAUTH_CLIENT_ID': credentials['oauth_client_id'],
        'PRIVX_OAUTH_CLIENT_SECRET': credentials['oauth_client_secret'],
        'PRIVX_CA_PATH': emulator.ca_path,
        'PRIVX_RETRIES': '2',
    }


def pytest_generate_tests(metafunc):
    """A test marked ``both_renderings`` runs once against each way the emulator writes answers: as PrivX's Go server
    does (empty fields sent as the field tables say) and sparse (every empty field left out), to show that the
    collection takes a missing field and an empty one alike (docs/privx-api-fields.md). The idempotence and info tests
    carry the mark; the others run against the Go rendering only, to keep CI time down."""
    if 'emulator' not in metafunc.fixturenames or not _has_both_renderings(metafunc.module):
        return
    # The module's other tests take the Go rendering as a parameter too, so that they share its emulator.
    both = metafunc.definition.get_closest_marker('both_renderings')
    metafunc.parametrize('emulator', RENDERINGS if both else RENDERINGS[:1], indirect=True, scope='module')


def _has_both_renderings(module):
    return any(mark.name == 'both_renderings' for value in vars(module).values() for mark in getattr(value, 'pytestmark', ()))


# The emulator's two ways of writing answers (tests/emulator/privx_emulator/render.py).
RENDERINGS = ('go', 'sparse')


@pytest.fixture(scope='module')
def emulator(request):
    """One emulator per test module (and rendering), seeded from the module's EMULATOR_FIXTURE (the collection's fixture
    by default)."""
    fixture = getattr(request.module, 'EMULATOR_FIXTURE', FIXTURE)
    with EmulatorProcess(fixture=fixture, tls=True, rotation_delay=0.3, render=getattr(request, 'param', 'go')) as process:
        yield process


@pytest.fixture
def privx(emulator):
    """The module's emulator, reset to the fixture for this test."""
    emulator.control.reset()
    return emulator


@pytest.fixture
def ansible(collections_path, privx, tmp_path):
    """Runs ansible-playbook as the admin API client, connection settings from PRIVX_* variables."""
    return AnsibleRunner(collections_path, str(tmp_path), connection_env(privx))


def write_requests(control, since):
    """The API requests the emulator logged after ``since`` (method, path, status)."""
    return [(entry['method'], entry['path'], entry['status']) for entry in control.requests(since=since)]


def find_account(privx, domain, username):
    for account in privx.control.managed_accounts(domain):
        if account['username'] == username:
            return account
    return None


def assert_no_secret(text, secrets=None):
    for secret in secrets or PLANTED_SECRETS:
        assert secret not in text, 'a planted secret leaked: %s...' % secret[:12]
