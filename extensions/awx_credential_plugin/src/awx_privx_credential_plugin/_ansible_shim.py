# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's module_utils import from ansible-core, for AWX, whose Python has none.

The build hook (hatch_build.py) points the packaged copies' ``ansible.module_utils.basic`` imports
here and stops the build if they need a name this module does not define.
"""


class AnsibleFallbackNotFound(Exception):
    """Raised by the collection's environment fallbacks for modules; the plugin never calls them."""
