# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: privx_test_results
type: aggregate
short_description: Test helper that writes each task result as a JSON line
description:
  - Used by the integration tests only. Writes one JSON line per task result to the file named by E(PRIVX_TEST_RESULTS).
  - The results are the ones Ansible gives callbacks, so no_log tasks arrive censored, as in any other callback.
author:
  - privx.secrets developers (@privx-secrets)
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'privx_test_results'
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, status, result):
        path = os.environ.get('PRIVX_TEST_RESULTS')
        if not path:
            return
        warnings = [str(getattr(warning, 'msg', warning)) for warning in getattr(result, 'warnings', None) or []]
        entry = {'task': _task_name(result), 'host': result._host.get_name(), 'status': status, 'warnings': warnings,
                 'result': json.loads(json.dumps(result._result, default=str))}
        with open(path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(entry) + '\n')

    def v2_runner_on_ok(self, result):
        self._write('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write('failed', result)

    def v2_runner_on_skipped(self, result):
        self._write('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._write('unreachable', result)


def _task_name(result):
    """'role : task' inside a role, as ansible-core 2.19 and later name it (2.16 gives the bare task name)."""
    name = result.task_name
    role = getattr(result._task, '_role', None)
    if role is not None and not name.startswith(role.get_name() + ' : '):
        name = '%s : %s' % (role.get_name(), name)
    return name
