# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of every module of the privx group (meta/runtime.yml routes them here; it bears a module's name,
connection_info, as every action plugin must for its documentation).

On the controller, before the module runs: unset connection options come from the task's privx_* variables, as
the checkout lookup reads them (plugins/plugin_utils/_module_connection.py), and a module that runs on the
controller gets the run's checkout agent (``run_agent``), whose token it uses (one grant per run however many module
tasks and lookups use one API client), and a file where it tells how a long wait goes (``progress_path``),
shown while it runs. A module on another host authenticates itself.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.module.options import PROGRESS_PATH, RUN_AGENT
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_connection import AgentConnection
from ansible_collections.privx.secrets.plugins.plugin_utils._module_connection import (
    ProgressWatcher,
    filled_options,
    run_agent,
    with_remote_hint,
)

display = Display()


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        host = self._host_name(task_vars)
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        try:
            module_args, filled = filled_options(self._task.args, task_vars, self._templar.template)
        except PrivXError as error:
            return dict(result, failed=True, msg=str(error))
        if filled:
            display.vvv('privx.secrets: %s from the privx_* variables' % ', '.join(filled), host=host)
        # ansible.builtin.local (connection: local, delegate_to: localhost) runs the module on the controller.
        on_controller = getattr(self._connection, 'transport', None) == 'local'
        if on_controller and not self._play_context.become:
            self._hand_over_the_run_agent(module_args, host)
        result = merge_hash(result, self._run_module(module_args, task_vars, wrap_async, host, on_controller))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        if not on_controller:
            with_remote_hint(result, host)
        return result

    def _hand_over_the_run_agent(self, module_args, host):
        """Tell the module where the run's checkout agent is, whose token it uses (module_utils/module/run_token.py)."""
        socket_path, why_not = run_agent(module_args, AgentConnection)
        if socket_path:
            module_args[RUN_AGENT] = socket_path
        else:
            display.vvv('privx.secrets: the module authenticates itself: %s' % why_not, host=host)

    def _run_module(self, module_args, task_vars, wrap_async, host, on_controller):
        if not on_controller or wrap_async or self._play_context.become:
            return self._execute_module(module_args=module_args, task_vars=task_vars, wrap_async=wrap_async)
        # A module that waits (a rotation, a scan) says how it goes after each poll: shown as it comes, on stderr, so
        # that a stdout callback writing JSON stays JSON.
        with ProgressWatcher(lambda line: display.display('[%s] %s' % (host, line), stderr=True)) as progress:
            module_args[PROGRESS_PATH] = progress.path
            return self._execute_module(module_args=module_args, task_vars=task_vars, wrap_async=wrap_async)

    def _host_name(self, task_vars):
        return self._task.delegate_to or task_vars.get('inventory_hostname') or 'this host'
