# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's lookups (checkout, vault) share: their options read as the modules read theirs, the connection
they hand the run's agent, and their one-line failures."""

from __future__ import annotations

from collections.abc import Mapping

from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.collections import is_sequence
from ansible.plugins.lookup import LookupBase
from ansible.release import __version__ as ansible_version
from ansible.utils.display import Display

from ansible_collections.privx.secrets.plugins.module_utils.core.connection import INSECURE_WARNING, ConnectionSettings
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.module.options import plugin_connection_options, set_plugin_options

display = Display()
_HIDES_NO_LOG_FAILURES = tuple(int(part) for part in ansible_version.split('.')[:2]) < (2, 19)


class PrivXLookupBase(LookupBase):
    """A lookup with the connection options (doc fragments privx.secrets.connection and privx.secrets.connection.plugins)."""

    FQCN = ''

    def read_options(self, variables, kwargs):
        """Set the options from the keywords, the privx_* variables and the environment; a keyword the lookup does not
        know fails (Ansible would drop it silently: output='checkout' misspelt would hand back the secret itself)."""
        try:
            set_plugin_options(self, self._rendered_variables(variables or {}), kwargs)
        except PrivXError as error:
            raise self.failure(str(error)) from None
        unknown = sorted(set(kwargs) - set(self._options))
        if unknown:
            raise self.failure('unknown option %s; it takes %s' % (', '.join(unknown), ', '.join(sorted(self._options))))

    def agent_connection(self):
        """The connection options as the agent gets them, checked here: a clear error here beats one from the agent."""
        connection = plugin_connection_options(self.get_option)
        settings = ConnectionSettings(connection)
        if settings.insecure:
            display.warning(INSECURE_WARNING)
        # The agent reads ca_path from its own working directory: send it as this run resolved it.
        connection['ca_path'] = settings.ca_path
        return connection

    def _rendered_variables(self, variables):
        """This plugin's variables, templated: vars such as privx_url: "{{ my_url }}" or vault-encrypted values.

        The same as ansible-core does for a connection plugin's variables (ConnectionBase._resolve_option_variables).
        """
        rendered = {}
        for name in C.config.get_plugin_vars('lookup', self._load_name):
            if name in variables:
                rendered[name] = self._templar.template(variables[name])
        return rendered

    def failure(self, reason):
        """The lookup's error. Its text never holds a secret (the client masks what PrivX echoes), so it may be shown
        where ansible-core hides a ``no_log`` task's failure whole: before 2.19, even at -vvv (2.19 shows the error)."""
        if _HIDES_NO_LOG_FAILURES:
            display.warning('%s failed: %s' % (self.FQCN, reason))
        return AnsibleLookupError('%s: %s' % (self.FQCN, reason))


def flat_terms(terms, what):
    """The terms, a list among them standing for its items (as with the builtin lookups), each a non-empty string."""
    # lookup('...', ['a/b', 'c/d']) hands the list over as one term: flatten one level, as ansible.builtin.items does.
    terms = [item for term in terms for item in (term if is_sequence(term) else [term])]
    if not all(isinstance(term, str) for term in terms):
        # str(None) or str(['a']) would go to PrivX as a name and come back as a misleading 404.
        raise PrivXError('%s must be a string, not %s' % (what, ', '.join(
            sorted(set(term_kind(term) for term in terms if not isinstance(term, str))))))
    names = [term.strip() for term in terms]
    if not all(names):
        raise PrivXError('%s must not be empty' % what)
    return names


def term_kind(value):
    """A value's type as a playbook author knows it (ansible-core 2.19+ hands over its own list and dict classes)."""
    if is_sequence(value):
        return 'list'
    if isinstance(value, Mapping):
        return 'dict'
    return 'None' if value is None else value.__class__.__name__
