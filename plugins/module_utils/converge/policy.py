# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging one password policy: absent, created or replaced, compared field by field (``named.py``)."""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.converge.named import NamedKind, converge_named
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import (
    policy_body,
    policy_changes,
    returned_policy,
    comparable_policy,
)

POLICY = NamedKind('password policy', 'password_policy', comparable_policy, policy_changes, policy_body, returned_policy)


def converge_policy(policies, name, desired, *, state, check_mode):
    """Make the policy called ``name`` hold ``desired`` (or remove it); returns the module result."""
    return converge_named(policies, POLICY, name, desired, state=state, check_mode=check_mode)
