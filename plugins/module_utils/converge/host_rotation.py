# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging one host's password rotation: enabled with the declared settings and accounts, or disabled.

The host is found once (a search, or a GET by id), compared as ``comparable_host_rotation`` views it, and written
with one PUT of the whole host only when something differs; everything else on the host goes back as read. The
password policy and the script template are named by the task and resolved through their lists (one call each,
only when a host's settings or the task name one). The result always carries a ``diff`` in that view: a host whose
rotation starts shows ``before: {}``, one whose rotation stops ``after: {}``.
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import Applied
from ansible_collections.privx.secrets.plugins.module_utils.resources.hosts import (
    comparable_host_rotation,
    diff_view,
    host_rotation_body,
    host_rotation_changes,
    returned_host_rotation,
)


class Names:
    """Policy and template names for ids and back, each list read at most once and only when needed."""

    def __init__(self, policies, templates):
        self._lists = {'password_policy': policies, 'script_template': templates}

    def name(self, field, object_id):
        found = [name for name, held in self._lists[field].by_name().items() if held['id'] == object_id]
        return found[0] if found else object_id

    def id(self, field, name):
        return self._lists[field].reference(name)['id']


class HostChange:
    """What one host's declared rotation changes: ``changes`` (empty when none), the ``diff``, the ``body`` a PUT
    sends (None without change) and the host as ``returned`` after the task."""

    def __init__(self, host, changes, diff, body, returned):
        self.host, self.changes, self.diff, self.body, self.returned = host, changes, diff, body, returned


def plan_host_change(host, names, request):
    """Compare ``host`` (as read) with ``request``; reads only the policy and template lists (through ``names``)."""
    if request.enabled:
        for field in ('password_policy', 'script_template'):
            if field in request.settings:
                names.id(field, request.settings[field])  # an unknown name fails here, before any write
    view = comparable_host_rotation(host, names.name)
    changes = host_rotation_changes(view, request, host.get('password_rotation') is not None)
    after_view = dict(view, **{key: value for key, value in changes.items() if key not in ('accounts', 'password_rotation')})
    for username, flags in changes.get('accounts', {}).items():
        after_view['accounts'] = dict(after_view['accounts'], **{username: dict(view['accounts'][username], **flags)})
    diff = _diff(view, after_view, changes)
    if not changes:
        return HostChange(host, changes, diff, None, returned_host_rotation(host, names.name))
    body = host_rotation_body(host, changes, names.id, request.initial_passwords)
    return HostChange(host, changes, diff, body, returned_host_rotation(body, names.name))


def converge_host_rotation(hosts, names, request, *, check_mode):
    change = plan_host_change(hosts.require(request.host), names, request)
    result = {'changed': bool(change.changes), 'diff': change.diff, 'host_password_rotation': change.returned}
    if not change.changes or check_mode:
        return result
    applied = Applied('host %r' % change.host.get('common_name'))
    applied.fields['diff'] = result['diff']
    with applied:
        hosts.replace(change.host, change.body)
        applied.done.append('rotation settings written')
    return result


def _diff(view, after_view, changes):
    """before/after in the comparable view: the whole view when rotation starts or stops, else what changed."""
    if not changes:
        return {'before': {}, 'after': {}}
    if changes.get('password_rotation_enabled') is True:
        return {'before': {}, 'after': diff_view(after_view)}
    if changes.get('password_rotation_enabled') is False or 'password_rotation' in changes:
        return {'before': diff_view(view), 'after': {}}
    return {'before': diff_view(view, changes), 'after': diff_view(after_view, changes)}
