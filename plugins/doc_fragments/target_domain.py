# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Options that the modules working on one target domain share (BATCH_SIZE: those that send batch calls)."""

    DOCUMENTATION = r'''
options:
  target_domain:
    description:
      - Name or ID of the target domain.
      - A name is looked up once per task (an exact match first, then one that differs only in letter case); an ID saves that call.
    type: str
    required: true
'''

    BATCH_SIZE = r'''
options:
  batch_size:
    description: Most accounts per batch call (1 to 1000).
    type: int
    default: 500
'''
