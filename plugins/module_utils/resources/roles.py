# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role-store roles: users name them, PrivX refers to them by ``{id, name}`` handles whose id alone counts.

Names become ids through the resolve call, which leaves out a name no role has: the missing ones are found here
and refused by name (docs/privx-api.md, "Role store").
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, on_api_error
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import shown

NO_ROLES_VIEW = ('PrivX refuses to resolve role names for this API client (%s): naming roles needs the roles-view '
                 'permission (or roles-manage)')


class Roles:
    """Role names resolved to ids, each name asked of PrivX at most once per task."""

    def __init__(self, client):
        self._client = client
        self._ids = {}

    def learn(self, names):
        """Resolve the names not asked yet, in one call (a name no role has is simply not learnt)."""
        wanted = [name for name in dict.fromkeys(names) if name not in self._ids]
        if not wanted:
            return
        with on_api_error(403, lambda error: PrivXConfigError(NO_ROLES_VIEW % (error.error_message or 'forbidden'))):
            answer = self._client.request('POST', paths.ROLE_RESOLVE, body=wanted, idempotent=True, read=True)
        items = (answer.get('items') or []) if isinstance(answer, dict) else []
        self._ids.update((item['name'], item['id']) for item in items if item.get('name') in wanted and item.get('id'))

    def ids(self, names, option):
        """The role ids of ``names`` (each once, in the order given); a clear error naming ``option`` for an unknown name."""
        self.learn(names)
        unknown = [name for name in names if name not in self._ids]
        if unknown:
            raise PrivXConfigError('%s: PrivX has no role named %s' % (option, ', '.join(shown(name) for name in unknown)))
        return list(dict.fromkeys(self._ids[name] for name in names))
