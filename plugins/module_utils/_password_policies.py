# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Password policies, which users name and PrivX references by id."""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils import _paths as paths
from ansible_collections.privx.secrets.plugins.module_utils._errors import PrivXConfigError


class PasswordPolicies:
    """Looks the policies up at most once, and only when a name must become a reference."""

    def __init__(self, client):
        self._client = client
        self._by_name = None

    def reference(self, name):
        """The ``{id, name}`` PrivX expects for a policy name; None for no policy."""
        if not name:
            return None
        if self._by_name is None:
            self._by_name = {policy['name']: policy for policy in self._client.paginate(paths.PASSWORD_POLICIES)}
        policy = self._by_name.get(name)
        if policy is None:
            raise PrivXConfigError('password_policy %r does not exist; PrivX has: %s' % (
                name, ', '.join(sorted(self._by_name)) or 'no password policies'))
        return {'id': policy['id'], 'name': policy['name']}

    def resolved(self, fields):
        """``fields`` with a policy name replaced by the {id, name} reference PrivX expects; an empty name (no policy) leaves it out."""
        if 'password_policy' not in fields:
            return dict(fields)
        resolved = {field: value for field, value in fields.items() if field != 'password_policy'}
        reference = self.reference(fields['password_policy'])
        if reference:
            resolved['password_policy'] = reference
        return resolved
