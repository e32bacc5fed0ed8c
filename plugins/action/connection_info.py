# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of every module of the privx group (meta/runtime.yml routes them here; it bears a module's name,
connection_info, as every action plugin must for its documentation).

On the controller, before the module runs: unset connection options come from the task's privx_* variables, as
the checkout lookup reads them (plugins/plugin_utils/_module_connection.py), and a module that runs on the
controller gets the run's token from the checkout agent (``run_token``), so that a run grants one token however
many module tasks and lookups use one API client, and a file where it tells how a long wait goes (``progress_path``),
shown while it runs. A module on another host authenticates itself.
"""

from __future__ import annotations

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.privx.secrets.plugins.module_utils.module.options import PROGRESS_PATH, RUN_TOKEN
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_connection import AgentConnection
from ansible_collections.privx.secrets.plugins.plugin_utils._module_connection import (
    ProgressWatcher,
    borrowed_token,
    filled_options,
    with_remote_hint,
)

display = Display()


class ActionModule(ActionBase):
    _token_on_stdin = False  # the module gets the run's token: run it with pipelining (_is_pipelining_enabled)

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        host = self._host_name(task_vars)
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        module_args, filled = filled_options(self._task.args, task_vars, self._templar.template)
        if filled:
            display.vvv('privx.secrets: %s from the privx_* variables' % ', '.join(filled), host=host)
        # ansible.builtin.local (connection: local, delegate_to: localhost) runs the module on the controller.
        on_controller = getattr(self._connection, 'transport', None) == 'local'
        self._token_on_stdin = on_controller and self._token_stays_off_disk(wrap_async) and self._borrow_token(module_args, host)
        result = merge_hash(result, self._run_module(module_args, task_vars, wrap_async, host, on_controller))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        if not on_controller:
            with_remote_hint(result, host)
        return result

    def _borrow_token(self, module_args, host):
        """Whether the module got the run's token (in ``module_args``)."""
        token, why_not = borrowed_token(module_args, AgentConnection)
        if not token:
            display.vvv('privx.secrets: the module authenticates itself: %s' % why_not, host=host)
            return False
        module_args[RUN_TOKEN] = token
        return True

    def _run_module(self, module_args, task_vars, wrap_async, host, on_controller):
        if not on_controller or wrap_async or self._play_context.become:
            return self._execute_module(module_args=module_args, task_vars=task_vars, wrap_async=wrap_async)
        # A module that waits (a rotation, a scan) says how it goes after each poll: shown as it comes, on stderr, so
        # that a stdout callback writing JSON stays JSON.
        with ProgressWatcher(lambda line: display.display('[%s] %s' % (host, line), stderr=True)) as progress:
            module_args[PROGRESS_PATH] = progress.path
            return self._execute_module(module_args=module_args, task_vars=task_vars, wrap_async=wrap_async)

    def _token_stays_off_disk(self, wrap_async):
        """A token goes to the module on its standard input only (pipelining), never in a module file on disk: not for
        an async task, a task with become (whose method may not take pipelining) or a run that keeps module files."""
        return (self._connection.has_pipelining and not wrap_async and not self._play_context.become
                and not C.DEFAULT_KEEP_REMOTE_FILES)

    def _is_pipelining_enabled(self, module_style, wrap_async=False):
        if self._token_on_stdin and module_style == 'new':
            return True
        return super()._is_pipelining_enabled(module_style, wrap_async)

    def _host_name(self, task_vars):
        return self._task.delegate_to or task_vars.get('inventory_hostname') or 'this host'
