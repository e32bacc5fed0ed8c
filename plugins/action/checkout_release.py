# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Releases checkouts of the run's checkout agent; runs on the controller, where the agent is."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.module.checkout_release import (
    CHECKOUT_RELEASE_CONSTRAINTS,
    checkout_release_argument_spec,
)
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_connection import AgentConnection
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import RELEASE, STATUS


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=checkout_release_argument_spec(), **CHECKOUT_RELEASE_CONSTRAINTS)
        paths = None if args['all'] else args['paths']
        try:
            released, kept, warnings = self._release(AgentConnection.if_running(), paths)
        except PrivXError as error:
            raise AnsibleActionFail('privx.secrets.checkout_release: %s' % error) from None
        result.update(changed=bool(released), released=released, kept=kept)
        if warnings:
            result['warnings'] = warnings
        return result

    def _release(self, agent, paths):
        """(released paths, kept paths, warnings); in check mode the paths that would be released, and no others."""
        if agent is None:
            return [], [], []
        if self._task.check_mode:
            # Not 'held': a checkout kept for an unanswered attempt (_checkout_agent.py, Holding), or used by another
            # run on this machine, is held but would not be released now.
            releasable = (agent.request(STATUS, start=False) or {}).get('releasable', [])
            return [path for path in releasable if paths is None or path in paths], [], []
        outcome = agent.request(RELEASE, start=False, paths=paths) or {}
        return outcome.get('released', []), outcome.get('kept', []), outcome.get('warnings', [])
