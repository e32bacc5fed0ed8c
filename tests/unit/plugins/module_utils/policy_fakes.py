# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real PasswordPolicies on a client that answers the policy list as PrivX does."""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies


class PolicyClient:
    """Answers the password policy list; counts how often it is asked."""

    def __init__(self):
        self.asked = 0

    def paginate(self, path):
        self.asked += 1
        return [{'id': 'p-' + name, 'name': name} for name in ('default', 'strict')]


def policies():
    return PasswordPolicies(PolicyClient())
