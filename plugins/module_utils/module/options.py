# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options as Ansible reads them: the modules' argument spec, and the plugins' options.

The table (``CONNECTION_OPTIONS``) and the validation (``ConnectionSettings``) are in ``core/connection.py``,
which imports nothing from ansible; what needs ansible-core is here: environment fallbacks for modules, and
for plugins reading a boolean or a number with ansible-core's own type checks. Both hand ``ConnectionSettings``
typed values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleFallbackNotFound
from ansible.module_utils.common.validation import check_type_bool, check_type_int

from ansible_collections.privx.secrets.plugins.module_utils.core.connection import CONNECTION_OPTIONS, PLUGIN_VARIABLE
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError


def env_fallback_non_empty(*names):
    """Like Ansible's env_fallback, but an empty variable counts as unset (AWX injects '' for an empty field)."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def plugin_connection_options(get_option):
    """The connection options of a plugin, where (as for modules) an empty environment variable counts as unset.

    Ansible's own resolution takes the last variable of an option's list that is set, even to ''. The bool and int
    options come typed: ``set_plugin_options`` converted them.
    """
    options = {}
    for name, option in CONNECTION_OPTIONS.items():
        value = get_option(name)
        if option.type not in _CONVERTERS and (value is None or value == ''):
            value = next((os.environ[env] for env in option.env if os.environ.get(env)), None)
        options[name] = value
    return options


def set_plugin_options(plugin, variables, direct):
    """``plugin.set_options`` for a plugin with the connection options, where (as for modules) an empty value counts
    as unset and a bad boolean or number fails naming the option.

    ansible-core converts a plugin's options to their documented types itself: it reads '' and a misspelt boolean
    ('ture') as false, which would turn certificate checks off, makes an empty path the current directory, and fails
    on an empty number in words of its own. So empty values of the options that are not text are dropped; each bool
    and int option is taken here from the first of its keyword, variable and environment variables that is set and
    not empty, converted as ConnectionSettings converts it, and handed over as a direct value; and while ansible-core
    resolves the rest (ansible.cfg, defaults), their empty environment variables are out of its sight.
    Text options keep an empty value: plugin_connection_options reads past it.
    """
    _refuse_secrets_that_are_not_text(variables, direct)
    variables = {name: value for name, value in variables.items() if not (name in _TYPED_VARIABLES and value == '')}
    direct = {name: value for name, value in direct.items() if not (name in _TYPED and value == '')}
    for name in _TYPED:
        option = CONNECTION_OPTIONS[name]
        if option.type in _CONVERTERS:
            given = [direct.get(name), variables.get(PLUGIN_VARIABLE % name)] + [os.environ.get(env) for env in option.env]
            value = next((value for value in given if value is not None and value != ''), None)
            if value is not None:
                direct[name] = _CONVERTERS[option.type](name, value)
    with _empty_environment_variables_unset(env for name in _TYPED for env in CONNECTION_OPTIONS[name].env):
        plugin.set_options(var_options=variables, direct=direct)


def _refuse_secrets_that_are_not_text(variables, direct):
    """A list or dict given for a secret option fails here: ansible-core's own type check would quote it in its error."""
    for name, option in CONNECTION_OPTIONS.items():
        if not option.no_log:
            continue
        for value in (direct.get(name), variables.get(PLUGIN_VARIABLE % name)):
            if isinstance(value, (Mapping, list, tuple, set)):
                raise PrivXConfigError('%s must be text, not %s' % (name, 'dict' if isinstance(value, Mapping) else 'list'))


@contextmanager
def _empty_environment_variables_unset(names):
    """ansible-core reads os.environ itself and nothing else; the variables are back as soon as it has resolved."""
    empty = [name for name in names if os.environ.get(name) == '']
    for name in empty:
        del os.environ[name]
    try:
        yield
    finally:
        for name in empty:
            os.environ[name] = ''


# The module-only options through which the action plugin (plugins/action/connection_info.py) hands a module the run's
# checkout agent, where it gets the run's token (module/run_token.py), and the file where a module that waits writes
# its progress for the action plugin to show; documented in the doc fragment privx.secrets.connection.modules.
RUN_AGENT = 'run_agent'
PROGRESS_PATH = 'progress_path'


def connection_argument_spec():
    """The argument spec fragment every module merges into its own."""
    spec = {}
    for name, option in CONNECTION_OPTIONS.items():
        spec[name] = {'type': option.type, 'fallback': (env_fallback_non_empty, list(option.env))}
        if option.default is not None:
            spec[name]['default'] = option.default
        # Always said, true or false: ansible-test's validate-modules asks it of every option named like a secret
        # (exchange_token_file is a path, not a secret).
        spec[name]['no_log'] = option.no_log
    spec['url']['required'] = True
    return spec


def handed_over_argument_spec():
    """The options the action plugin hands a module on the controller (doc fragment privx.secrets.connection.modules)."""
    return {RUN_AGENT: {'type': 'path'}, PROGRESS_PATH: {'type': 'path'}}


def _boolean(name, value):
    try:
        return check_type_bool(value)
    except TypeError:
        raise PrivXConfigError('%s must be a boolean, got %r' % (name, value)) from None


def _whole_number(name, value):
    try:
        return check_type_int(value.strip() if isinstance(value, str) else value)
    except TypeError:
        raise PrivXConfigError('%s must be a whole number, got %r' % (name, value)) from None


def typed_connection_options(values):
    """``values`` (option name: value as a task or variable gave it) with bool and int options converted as the
    plugins convert them, an empty value dropped; for ConnectionSettings on the controller."""
    typed = {}
    for name, value in values.items():
        if value is None or value == '':
            continue
        typed[name] = typed_connection_value(name, value)
    return typed


def typed_connection_value(name, value, shown_as=None):
    """``value`` of the connection option ``name`` converted as the plugins convert it; PrivXConfigError naming
    ``shown_as`` (a privx_* variable, say: where the value came from) or the option when it is not of the type."""
    option = CONNECTION_OPTIONS.get(name)
    converter = _CONVERTERS.get(option.type) if option else None
    return converter(shown_as or name, value) if converter and not isinstance(value, (bool, int)) else value


_CONVERTERS = {'bool': _boolean, 'int': _whole_number}
_TYPED = tuple(name for name, option in CONNECTION_OPTIONS.items() if option.type != 'str')
_TYPED_VARIABLES = tuple(PLUGIN_VARIABLE % name for name in _TYPED)
