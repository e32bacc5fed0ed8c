# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EXAMPLES of target_domain, target_domain_info and scanned_account run as written against the emulator."""

from __future__ import annotations


import pytest

from conftest import assert_no_secret, example_tasks

BIND_PASSWORD = 'planted-example-bind-Pa55word'


@pytest.mark.parametrize('module', ['target_domain', 'target_domain_info', 'scanned_account'])
def test_examples_run_as_written_and_converge(ansible, privx, module):
    privx.control.settings(scan_delay=0.1)
    play = [{'name': 'examples', 'hosts': 'localhost', 'gather_facts': False, 'tasks': example_tasks(module)}]
    for _round in (1, 2):
        run = ansible.playbook(play, env={'AD_BIND_PASSWORD': BIND_PASSWORD})
        assert run.rc == 0, run.output[-3000:]
        failed = [entry for entry in run.results if entry['status'] == 'failed']
        assert not failed, failed
        assert_no_secret(run.output + repr(run.results), [BIND_PASSWORD])
    if module == 'target_domain':
        assert [entry['ldap_bind_password'] for entry in privx.control.target_domain_secrets('ad.corp.example.com')] == [BIND_PASSWORD]
        changed = [entry['task'] for entry in run.results if entry['result'].get('changed')]
        assert changed == ['Scan the domain now, whatever changed'], 'the second round changes only what scan: always changes'
