# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: checkouts
type: aggregate
short_description: Release the checkouts of privx.secrets.checkout at the end of each play
version_added: 0.1.0
description:
  - Tells the run's checkout agent (started by the P(privx.secrets.checkout#lookup) lookup) where each play starts
    and where the run ends, so that each play's checkouts are released when that play ends rather than when the run ends.
  - Shows every release that failed as a warning naming the path.
  - The agent releases a checkout only when no other run of the same API client on this machine still uses it, and
    never one left to expire (see the lookup's O(privx.secrets.checkout#lookup:release) option).
  - It starts nothing, so in a run without checkouts it does nothing.
  - It also loads the lookup once in the controller, so that the forked workers do not each load it again.
  - Recommended wherever the checkout lookup is used.
author:
  - privx.secrets developers (@privx-secrets)
requirements:
  - requests >= 2.25 (Python library) on the controller, where the run's checkout agent releases the checkouts; the
    P(privx.secrets.checkout#lookup) lookup that made them needs it too.
  - Enable it with C(callbacks_enabled = privx.secrets.checkouts) in the C([defaults]) section of C(ansible.cfg),
    or with E(ANSIBLE_CALLBACKS_ENABLED=privx.secrets.checkouts).
'''

import time

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import lookup_loader

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_connection import AgentConnection
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import FINISH, PLAY_START


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'privx.secrets.checkouts'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # When the last task result came in. A play's own templating (its hosts:, its vars) runs lookups after
        # the previous play's last result and before its play_start: those checkouts belong to the new play.
        self._last_result = time.time()

    def v2_playbook_on_start(self, playbook):
        self._last_result = time.time()
        # Workers are forked from this process for every task and host: loading the lookup here once
        # (its code and its option definitions) spares each fork from parsing its documentation again.
        lookup_loader.get('privx.secrets.checkout', class_only=True)

    def _result_arrived(self, *_args, **_kwargs):
        self._last_result = time.time()

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = v2_runner_on_unreachable = _result_arrived

    def v2_playbook_on_play_start(self, play):
        self._release(PLAY_START, used_before=self._last_result)

    def v2_playbook_on_stats(self, stats):
        self._release(FINISH)

    def _release(self, operation, **arguments):
        try:
            agent = AgentConnection.if_running()
            outcome = agent.request(operation, start=False, **arguments) if agent else None
        except PrivXError as error:
            self._display.warning('privx.secrets: could not reach the checkout agent to release checkouts: %s' % error)
            return
        if not outcome:
            return
        for warning in outcome['warnings']:
            self._display.warning(warning)
        if outcome['released']:
            self._display.vv('privx.secrets: released the checkouts of %s' % ', '.join(outcome['released']))
        if outcome.get('kept'):
            self._display.vv('privx.secrets: left the checkouts of %s to another run using them or to their expiry' % ', '.join(outcome['kept']))
