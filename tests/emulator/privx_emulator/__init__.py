# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# A stand-in for PrivX Secrets Manager (the API as docs/privx-api.md describes it), built on the Python standard library only,
# so the collection's tests, benchmarks and demos run without a real PrivX.

__version__ = "1.0.0"
