# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential plugin's tests run against the collection's PrivX emulator, as the collection's integration tests
do: this takes their emulator fixtures and secret scan from tests/integration/conftest.py (loaded under a name of its
own, so that its pytest hooks stay there). The folder is a package (``__init__.py``), so that this conftest is not
taken for tests/integration's."""

from __future__ import annotations

import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))

_SPEC = importlib.util.spec_from_file_location('privx_integration_conftest', os.path.join(REPO, 'tests', 'integration', 'conftest.py'))
_INTEGRATION = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_INTEGRATION)

emulator = _INTEGRATION.emulator
privx = _INTEGRATION.privx
PLANTED_SECRETS = _INTEGRATION.PLANTED_SECRETS
assert_no_secret = _INTEGRATION.assert_no_secret

# JWTs for the workload identity tests, as the collection's token exchange tests mint them.
_TOKENS_SPEC = importlib.util.spec_from_file_location('privx_exchange_tokens', os.path.join(REPO, 'tests', 'integration', 'exchange_tokens.py'))
exchange_tokens = importlib.util.module_from_spec(_TOKENS_SPEC)
_TOKENS_SPEC.loader.exec_module(exchange_tokens)
