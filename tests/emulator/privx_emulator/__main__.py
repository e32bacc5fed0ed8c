# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# `python -m privx_emulator` (with tests/emulator on sys.path) runs the same CLI as tests/emulator/emulator.py.

import sys

from .cli import main

sys.exit(main())
