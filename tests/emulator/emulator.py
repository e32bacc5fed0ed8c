# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Launcher: `python3 tests/emulator/emulator.py --port 8443` from the repository root (or anywhere).
# It puts its own directory on sys.path so that the privx_emulator package is found, then runs the CLI.

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from privx_emulator.cli import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == "__main__":
    sys.exit(main())
