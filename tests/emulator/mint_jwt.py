# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Launcher: `python3 tests/emulator/mint_jwt.py --sub ci-runner` prints a JWT of the fixtures' CI issuer, signed
# with the throwaway test key (privx_emulator/jwt_mint.py), for the emulator's token exchange.

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from privx_emulator.jwt_mint import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == "__main__":
    sys.exit(main())
