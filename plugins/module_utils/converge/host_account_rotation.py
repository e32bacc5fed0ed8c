# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rotating the accounts of one host: which are due, starting them (one call per account: PrivX has no batch call),
and waiting for PrivX to finish.

A host's rotating accounts and their last outcome are in the host's ``password_rotation.rotation_status``
(``last_rotated``, ``last_error``, ``last_error_details``); a rotation has ended when that entry changes
(docs/privx-api-admin.md, "Host password rotation"). Reported as the target domain rotation reports its accounts,
with PrivX's ``last_error_details`` for a failure; any failure fails the task after every account is reported.
"""

from __future__ import annotations

import time

from ansible_collections.privx.secrets.plugins.module_utils.converge.rotation import POLL_MAX, PrivXRotationError, raise_for_failures
from ansible_collections.privx.secrets.plugins.module_utils.converge.waiting import poll_until
from ansible_collections.privx.secrets.plugins.module_utils.core.dates import moment_before, parse_timestamp, utc_now
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, PrivXError, on_api_error

RUNNING = 'a rotation of this account is already running'
# A zero time (Go's zero value, 0001-01-01) is no rotation at all.
FIRST_YEAR = 1970


def rotation_status(host):
    """{username: its RotationStatusItem} of the host's rotating accounts."""
    return {item.get('principal'): item for item in (host.get('password_rotation') or {}).get('rotation_status') or []}


def last_rotated(item):
    moment = parse_timestamp(item.get('last_rotated'))
    return moment if moment is not None and moment.year >= FIRST_YEAR else None


def _state(item):
    return (item.get('last_rotated') or '', item.get('last_error') or '', item.get('last_error_details') or '')


def plan_host_rotation(host, usernames, older_than, now=None):
    """(due usernames, skipped [{username, reason}]) of the host; a named account the host does not have is an error."""
    principals = [principal.get('principal') for principal in host.get('principals') or []]
    if usernames is not None:
        if not usernames or not all(isinstance(username, str) and username.strip() for username in usernames):
            raise PrivXConfigError('usernames is empty or holds an empty username: name the accounts to rotate, or set all: true')
        unknown = [username for username in usernames if username not in principals]
        if unknown:
            raise PrivXConfigError('not accounts of host %r: %s; its accounts: %s' % (
                host.get('common_name'), ', '.join(unknown), ', '.join(principals) or 'none'))
    status = rotation_status(host)
    cutoff = moment_before(now or utc_now(), older_than) if older_than is not None else None
    due, skipped = [], []
    for username in principals if usernames is None else list(dict.fromkeys(usernames)):
        reason = _skip_reason(host, status.get(username), older_than, cutoff)
        if reason:
            if usernames is not None or reason != 'rotation disabled':
                skipped.append({'username': username, 'host': host.get('common_name'), 'reason': reason})
        else:
            due.append(username)
    return due, skipped


def _skip_reason(host, item, older_than, cutoff):
    if not host.get('password_rotation_enabled') or item is None:
        return 'rotation disabled'
    rotated = last_rotated(item)
    if older_than is not None and rotated is not None and (cutoff is None or rotated > cutoff):
        return 'not due: last rotated %s' % rotated.strftime('%Y-%m-%dT%H:%M:%SZ')
    return None


def report(host, username, before, after=None):
    line = {'username': username, 'host': host.get('common_name'), 'status': None, 'rotated': None,
            'last_error': '', 'last_error_details': ''}
    if after is not None and _state(after) != _state(before):
        failed = (after.get('last_error') or '') != (before.get('last_error') or '') and after.get('last_error')
        line.update(status='ERROR' if failed else 'SUCCESS', rotated=after.get('last_rotated') or None,
                    last_error=after.get('last_error') or '', last_error_details=after.get('last_error_details') or '')
    return line


def converge_host_rotation_now(hosts, request, host_name, *, check_mode):
    """Rotate the host's accounts that are due and (with ``wait``) report how each ended; returns the module result."""
    host = hosts.require(host_name)
    due, skipped = plan_host_rotation(host, request.usernames, request.older_than)
    result = {'changed': bool(due), 'skipped_accounts': skipped}
    if check_mode or not due:
        result['rotated'] = [dict(report(host, username, {}), status='WOULD_ROTATE') for username in due]
        return result
    before = rotation_status(host)
    started = []
    for username in due:
        if _started(hosts, host, username):
            started.append(username)
        else:
            skipped.append({'username': username, 'host': host.get('common_name'), 'reason': RUNNING})
    result['changed'] = bool(started)
    if not request.wait:
        result['rotated'] = [dict(report(host, username, {}), status='STARTED') for username in started]
        return result
    try:
        result['rotated'] = wait_for_host(hosts, host, started, before, request.wait_timeout)
    except PrivXError as error:
        raise PrivXRotationError('%d rotation(s) were started, but waiting for them failed: %s' % (len(started), error),
                                 rotated=[dict(report(host, username, {}), status='STARTED') for username in started],
                                 skipped=skipped) from None
    raise_for_failures(result['rotated'], skipped, detail='last_error_details')
    return result


def _started(hosts, host, username):
    """Start one rotation; False when PrivX refuses because one is already running (400 BAD_REQUEST)."""
    with on_api_error(400, None, error_code='BAD_REQUEST'):
        hosts.rotate(host, username)
        return True
    return False


def wait_for_host(hosts, host, started, before, timeout, sleep=time.sleep, clock=time.monotonic):
    """Poll the host (one GET per poll, backing off) until each started rotation has a new outcome."""
    finished = {}

    def all_finished():
        status = rotation_status(hosts.get(host['id']))
        for username in started:
            if username not in finished:
                line = report(host, username, before.get(username, {}), status.get(username, {}))
                if line['status']:
                    finished[username] = line
        return len(finished) == len(started)

    if started:
        poll_until(all_finished, timeout, poll_max=POLL_MAX, sleep=sleep, clock=clock)
    return [finished.get(username) or dict(report(host, username, {}), status='TIMEOUT') for username in started]
