# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging one identity provider: absent, created or replaced, compared field by field (``named.py``)."""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.converge.named import NamedKind, converge_named
from ansible_collections.privx.secrets.plugins.module_utils.resources.identity_providers import (
    comparable_identity_provider,
    identity_provider_body,
    identity_provider_changes,
    returned_identity_provider,
)

IDENTITY_PROVIDER = NamedKind('identity provider', 'identity_provider', comparable_identity_provider,
                              identity_provider_changes, identity_provider_body, returned_identity_provider)


def converge_identity_provider(providers, name, desired, *, state, check_mode):
    """Make the provider called ``name`` hold ``desired`` (or remove it); returns the module result."""
    return converge_named(providers, IDENTITY_PROVIDER, name, desired, state=state, check_mode=check_mode)
