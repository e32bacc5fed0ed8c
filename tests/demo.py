# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The demo: starts the PrivX emulator (its SQLite file, TLS from a throwaway CA), installs the collection,
runs playbooks/demo.yml twice, and shows what went over the wire each time.

The emulator holds its default fixture (tests/emulator/fixtures/demo.json), as the README's start command gives it:
among others the never-scanned target domain ad.example.com (no endpoint yet, 60 users in its directory) and none of
the policies that playbooks/vars/demo.yml declares, so the first run configures them, the domain and its accounts
from scratch."""

from __future__ import annotations

import collections
import glob
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, 'emulator'))

from privx_emulator.harness import EmulatorProcess, fixture_path  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
NEW_DOMAIN = 'ad.example.com'
# The bind password playbooks/vars/demo.yml reads from the environment (the emulator keeps it, never shows it).
BIND_PASSWORD = 'demo-ad-bind-secret'


def install_collection(workdir):
    env = {key: value for key, value in os.environ.items() if not key.startswith('ANSIBLE_')}
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', REPO, '--output-path', workdir, '--force'],
                   check=True, capture_output=True, env=env)
    tarball = glob.glob(os.path.join(workdir, 'privx-secrets-*.tar.gz'))[0]
    collections_path = os.path.join(workdir, 'collections')
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', tarball, '-p', collections_path],
                   check=True, capture_output=True, env=env)
    return collections_path


def is_configuration_write(entry):
    """A write to Secrets Manager (policies, domains, accounts, rotations), as opposed to checkouts and reads."""
    return (entry['method'] in ('POST', 'PUT', 'DELETE') and entry['path'].startswith('/secrets-manager/')
            and not entry['path'].endswith('/search'))


def summarise(requests):
    kinds = collections.Counter()
    for entry in requests:
        path = entry['path']
        if path.endswith('/oauth/token'):
            kinds['token grants'] += 1
        elif path.endswith('/secrets/checkouts') and entry['method'] == 'POST':
            kinds['checkouts'] += 1
        elif path.endswith('/release'):
            kinds['releases'] += 1
        elif '/batch/' in path:
            kinds['batch calls'] += 1
        elif entry['method'] in ('POST', 'PUT', 'DELETE') and not path.endswith('/search'):
            kinds['other writes'] += 1
        else:
            kinds['reads'] += 1
    summary = ', '.join('%s %d' % (kind, count) for kind, count in sorted(kinds.items()))
    return '%d requests (%s); Secrets Manager writes (configuration and rotation) %d' % (
        len(requests), summary, len([entry for entry in requests if is_configuration_write(entry)]))


def new_domain_summary(privx):
    managed = privx.control.managed_accounts(NEW_DOMAIN)
    policies = sorted({(account.get('password_policy') or {}).get('name', '') for account in managed})
    return '%s has %d managed accounts (policies: %s)' % (NEW_DOMAIN, len(managed), ', '.join(policies) or 'none')


def main():
    workdir = tempfile.mkdtemp(prefix='privx-demo-')
    print('== Installing the collection into %s' % workdir, flush=True)
    collections_path = install_collection(workdir)
    database = os.environ.get('PRIVX_DEMO_DB') or os.path.join(REPO, 'privx-emulator.db')
    with EmulatorProcess(fixture=fixture_path('demo.json'), tls=True, db=database, rotation_delay=0.5,
                         reset_db=True) as privx:
        print('== PrivX emulator at %s (state in %s)' % (privx.url, database), flush=True)
        env = dict(os.environ, PRIVX_DEMO_AD_BIND_PASSWORD=BIND_PASSWORD, **privx.client_env('admin'))
        env.update(ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_CALLBACKS_ENABLED='privx.secrets.checkouts',
                   ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1',
                   ANSIBLE_DEPRECATION_WARNINGS='false')
        outcome = 0
        for attempt in (1, 2):
            print('\n== Run %d of playbooks/demo.yml%s' % (attempt, ' (the same declaration again)' if attempt == 2 else ''), flush=True)
            mark = privx.control.mark()
            completed = subprocess.run([os.path.join(BIN, 'ansible-playbook'), os.path.join(REPO, 'playbooks', 'demo.yml')],
                                       env=env, cwd=workdir, check=False)
            outcome = outcome or completed.returncode
            privx.wait_until(lambda: not privx.control.checkouts(), timeout=10, message='the checkouts to be released')
            print('== Run %d over the wire: %s' % (attempt, summarise(privx.control.requests(since=mark))))
            print('== After run %d: %s' % (attempt, new_domain_summary(privx)))
            print('== Active checkouts after run %d: %d' % (attempt, len(privx.control.checkouts())), flush=True)
    return outcome


if __name__ == '__main__':
    sys.exit(main())
