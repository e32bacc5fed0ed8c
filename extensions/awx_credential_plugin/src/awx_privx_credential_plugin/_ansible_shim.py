# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's module_utils import from ansible-core, for AWX, whose Python has none.

The build hook (hatch_build.py) points the packaged copies' ``ansible.module_utils.basic`` and
``ansible.module_utils.common.validation`` imports here and stops the build if they need a name this
module does not define. The type checks accept what ansible-core's do for the values AWX passes
(booleans from a boolean field, numbers and strings), and raise TypeError as they do.
"""

_TRUE = frozenset(('y', 'yes', 'on', '1', 'true', 't'))
_FALSE = frozenset(('n', 'no', 'off', '0', 'false', 'f'))


class AnsibleFallbackNotFound(Exception):
    """Raised by the collection's environment fallbacks for modules; the plugin never calls them."""


def check_type_bool(value):
    """ansible-core's boolean reading: a bool, or one of its yes/no words and numbers."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (str, int, float)):
        word = str(value).strip().lower()
        if word in _TRUE or word == '1.0':
            return True
        if word in _FALSE or word == '0.0':
            return False
    raise TypeError('%s cannot be converted to a bool' % type(value).__name__)


def check_type_int(value):
    """ansible-core's integer reading: an int, a whole float, or a string of digits."""
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise TypeError('%s cannot be converted to an int' % type(value).__name__)
