# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by the modules; each module states its own level of support."""

    DOCUMENTATION = r'''
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying PrivX.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
  action_group:
    description: Use C(group/privx.secrets.privx) in C(module_defaults) to set the connection options of all the modules once.
    support: full
    membership:
      - privx.secrets.privx
'''

    INFO_MODULE = r'''
attributes:
  check_mode:
    support: full
    details: This module only reads from PrivX.
  diff_mode:
    support: none
'''
