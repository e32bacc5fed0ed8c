# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging the password rotation of many hosts in one task.

Each host is compared exactly as ``converge/host_rotation.py`` compares one (``plan_host_change``), but the hosts are
read together (``Hosts.find_all``: one search for every common name, one by address for the rest, one GET per id) and
the policy and template lists once for all of them. PrivX's host store has no batch write: each host that changes is
one PUT of the whole host, sent through ``converge/chunked.py`` so that a failure says which hosts were applied, which
were not, and which are unknown. Names in the outcome lists are the hosts' common names; a host whose rotation starts
is ``created``, one whose rotation stops ``deleted``, any other change ``updated`` (as the one-host module's diff says).
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.converge.chunked import Progress, send_chunks
from ansible_collections.privx.secrets.plugins.module_utils.converge.host_rotation import plan_host_change
from ansible_collections.privx.secrets.plugins.module_utils.converge.outcome import ACTIONS, object_action
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.resources.hosts import HostRotationRequest

WRITE = 'host write (PUT; the host store has no batch call)'


class HostBatchRequest:
    """The ``hosts`` entries of a task, each checked as the one-host module checks its options, before any call."""

    def __init__(self, items):
        self.requests = []
        seen = {}
        for index, item in enumerate(items):
            try:
                request = HostRotationRequest(item)
            except PrivXConfigError as error:
                raise PrivXConfigError('hosts[%d]: %s' % (index, error)) from None
            if request.host.casefold() in seen:
                raise PrivXConfigError('hosts[%d] and hosts[%d] both name host %r' % (seen[request.host.casefold()], index, request.host))
            seen[request.host.casefold()] = index
            self.requests.append(request)


def _common_name(change):
    return change.host.get('common_name') or change.host.get('id')


def plan_host_batch(hosts, names, request):
    """Every host's HostChange, in the order of the entries; reads the hosts, the policies and templates, nothing else."""
    found = hosts.require_all([each.host for each in request.requests])
    by_id = {}
    for each in request.requests:
        host_id = found[each.host]['id']
        if host_id in by_id:
            raise PrivXConfigError('hosts names host %r twice (as %r and as %r)' % (
                found[each.host].get('common_name'), by_id[host_id], each.host))
        by_id[host_id] = each.host
    return [plan_host_change(found[each.host], names, each) for each in request.requests]


def converge_host_rotation_batch(hosts, names, request, *, check_mode):
    """Make every listed host's rotation match its entry; returns the module result, with its diff."""
    changes = plan_host_batch(hosts, names, request)
    by_outcome = {action: [] for action in ACTIONS}
    for change in changes:
        if change.changes:
            by_outcome[object_action(change.diff, True) or 'updated'].append(change)
    result = {action: sorted(_common_name(change) for change in by_outcome[action]) for action in ACTIONS}
    result.update(
        changed=any(by_outcome.values()),
        host_password_rotations=[change.returned for change in changes],
        diff=[dict(change.diff, before_header=_common_name(change), after_header=_common_name(change))
              for change in changes if change.changes])
    if result['changed'] and not check_mode:
        progress = Progress({action: result[action] for action in ACTIONS}, noun='host')
        for action in ACTIONS:
            send_chunks(progress, WRITE, action, by_outcome[action], 1,
                        lambda chunk: hosts.replace(chunk[0].host, chunk[0].body), name=_common_name)
    return result
