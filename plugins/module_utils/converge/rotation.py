# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Password rotation: which accounts are due, triggering it, and waiting for PrivX to finish.

PrivX rotates asynchronously (docs/privx-api.md): the account is locked until a new rotation_history entry
appears, which is what waiting looks for.
"""

from __future__ import annotations

import time

from ansible_collections.privx.secrets.plugins.module_utils.converge.chunked import DEFAULT_BATCH_SIZE, Progress, checked_batch_size, send_chunks
from ansible_collections.privx.secrets.plugins.module_utils.converge.waiting import checked_wait_timeout, no_progress, poll_until
from ansible_collections.privx.secrets.plugins.module_utils.core.dates import (
    moment_before,
    parse_duration,
    parse_timestamp,
    utc_now,
)
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.resources.scanned_accounts import pick_username

SUCCESS = 'SUCCESS'
# Outcomes that fail the task once every account is reported: PrivX's errors, and what waiting could not see end.
FAILED_STATUSES = ('ERROR', 'MAX_ROTATION_RETRIES_ERROR', 'TIMEOUT', 'DELETED')
POLL_MAX = 10.0


class PrivXRotationError(PrivXError):
    """Some rotations ended in error or did not finish; the result still reports every account."""

    def __init__(self, message, rotated, skipped):
        super().__init__(message)
        self.rotated = rotated
        self.skipped = skipped

    def result_fields(self):
        return {'changed': True, 'rotated': self.rotated, 'skipped_accounts': self.skipped}


class RotationRequest:
    """What a rotate task asks for, checked before any call to PrivX."""

    def __init__(self, usernames=None, *, older_than=None, wait=True, wait_timeout=300, batch_size=DEFAULT_BATCH_SIZE,
                 progress=no_progress):
        self.usernames = usernames  # None: every managed account of the domain
        self.older_than = parse_duration(older_than, 'older_than') if older_than is not None else None
        checked_wait_timeout(wait_timeout)
        self.batch_size = checked_batch_size(batch_size)
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.progress = progress


def converge_rotation(domain_accounts, request, *, check_mode):
    """Rotate what is due and (with ``wait``) report how each rotation ended; returns the module result."""
    selected = select_accounts(domain_accounts.all(), request.usernames, domain_accounts.domain_label)
    due, skipped = plan_rotation(selected, request.older_than)
    result = {'changed': bool(due), 'skipped_accounts': skipped, 'elapsed': 0.0}
    if check_mode or not due:
        result['rotated'] = [dict(outcome(account), status='WOULD_ROTATE') for account in due]
        return result
    trigger(domain_accounts, due, request.batch_size)
    if not request.wait:
        result['rotated'] = [dict(outcome(account), status='STARTED') for account in due]
        return result
    try:
        result['rotated'], result['elapsed'] = wait_for(domain_accounts, due, request.wait_timeout, progress=request.progress)
    except PrivXError as error:
        # The rotations were started: a failed poll must not report the task as having changed nothing.
        raise PrivXRotationError('%d rotation(s) were started, but waiting for them failed: %s' % (len(due), error),
                                 rotated=[dict(outcome(account), status='STARTED') for account in due], skipped=skipped) from None
    raise_for_failures(result['rotated'], skipped)
    return result


def raise_for_failures(reports, skipped, detail=None):
    """Fail naming every rotation that did not succeed, with the whole report in the result; ``detail``: a report key
    whose text (PrivX's reason) follows the status."""
    failed = [report for report in reports if report['status'] in FAILED_STATUSES]
    if failed:
        raise PrivXRotationError('%d of %d rotation(s) did not succeed: %s' % (
            len(failed), len(reports), ', '.join('%s (%s)' % (report['username'], _reason(report, detail)) for report in failed)),
            rotated=reports, skipped=skipped)


def _reason(report, detail):
    if detail and report.get(detail):
        return '%s: %s' % (report['status'], report[detail])
    return report['status']


def _history_key(entry):
    return (entry.get('version'), entry.get('rotated'), entry.get('trigger'), entry.get('status'))


def latest_version(account):
    versions = [entry.get('version') for entry in account.get('rotation_history') or [] if entry.get('version') is not None]
    return max(versions) if versions else None


def last_success(account):
    moments = [parse_timestamp(entry.get('rotated')) for entry in account.get('rotation_history') or []
               if entry.get('status') == SUCCESS]
    moments = [moment for moment in moments if moment is not None]
    return max(moments) if moments else None


def select_accounts(accounts, usernames, source):
    """The named accounts (all of them when ``usernames`` is None); names PrivX does not manage are one error."""
    if usernames is None:
        return sorted(accounts, key=lambda account: account['username'])
    if not usernames:
        raise PrivXConfigError('usernames is empty: name the accounts to rotate, or set all: true')
    if not all(isinstance(username, str) and username.strip() for username in usernames):
        raise PrivXConfigError('usernames holds an empty username: name the accounts to rotate')
    selected, unknown = [], []
    for username in usernames:
        account = pick_username(accounts, username, source)
        if account is None:
            unknown.append(username)
        elif account not in selected:
            selected.append(account)
    if unknown:
        raise PrivXConfigError('not managed accounts of %s: %s' % (source, ', '.join(unknown)))
    return selected


def skip_reason(account, older_than, now):
    """Why this account is not rotated now, or None when it is due."""
    if account.get('locked'):
        return 'locked: a rotation is already running'
    if not account.get('enabled', False):
        return 'disabled'
    if not account.get('rotation_enabled', False):
        return 'rotation disabled'
    if older_than is not None:
        rotated = last_success(account)
        cutoff = moment_before(now, older_than)
        # No cutoff: older_than reaches back before any date, so no rotation is that old.
        if rotated is not None and (cutoff is None or rotated > cutoff):
            return 'not due: last rotated %s' % rotated.strftime('%Y-%m-%dT%H:%M:%SZ')
    return None


def plan_rotation(accounts, older_than):
    """Split accounts into (due, skipped) where skipped entries say why."""
    now = utc_now()
    due, skipped = [], []
    for account in accounts:
        reason = skip_reason(account, older_than, now)
        if reason:
            skipped.append({'username': account['username'], 'id': account['id'], 'reason': reason})
        else:
            due.append(account)
    return due, skipped


def trigger(domain_accounts, accounts, batch_size):
    """One account: the single endpoint; several: batch rotate in chunks, reported as batch create/edit/delete are."""
    if len(accounts) == 1:
        domain_accounts.rotate(accounts[0])
        return
    progress = Progress({'rotated': [account['username'] for account in accounts]})
    send_chunks(progress, 'batch rotate', 'rotated', accounts, batch_size,
                lambda chunk: domain_accounts.batch('rotate', [account['id'] for account in chunk]))


def outcome(before, after=None):
    """The report line of one account: previous and new version and PrivX's status (None while unknown)."""
    previous = latest_version(before)
    report = {'username': before['username'], 'id': before['id'], 'previous_version': previous,
              'new_version': None, 'status': None, 'rotated': None}
    if after is not None:
        seen = set(_history_key(entry) for entry in before.get('rotation_history') or [])
        fresh = [entry for entry in after.get('rotation_history') or [] if _history_key(entry) not in seen]
        if fresh:
            newest = max(fresh, key=lambda entry: (entry.get('version') or 0, entry.get('rotated') or ''))
            report['status'] = newest.get('status')
            report['rotated'] = newest.get('rotated')
            if newest.get('status') == SUCCESS:
                report['new_version'] = newest.get('version')
                if previous is None and newest.get('version'):
                    report['previous_version'] = newest['version'] - 1 or None
    return report


def wait_for(domain_accounts, started, timeout, sleep=time.sleep, clock=time.monotonic, progress=no_progress):
    """Poll (one list of the domain per poll, backing off) until every started rotation has finished; returns
    (a report per account, the seconds waited), telling ``progress`` after each poll how many still run."""
    pending = {account['id']: account for account in started}
    finished = {}

    def all_finished():
        current = {account['id']: account for account in domain_accounts.all() if account['id'] in pending}
        for account_id, before in list(pending.items()):
            after = current.get(account_id)
            if after is None:
                finished[account_id] = dict(outcome(before), status='DELETED')
                del pending[account_id]
                continue
            report = outcome(before, after)
            if report['status'] and not after.get('locked'):
                finished[account_id] = report
                del pending[account_id]
        return not pending

    def still_running(elapsed):
        progress('waiting for %d rotation(s) in %s: %d s, %d still running' % (
            len(started), domain_accounts.domain_label, elapsed, len(pending)))

    elapsed = poll_until(all_finished, timeout, poll_max=POLL_MAX, sleep=sleep, clock=clock, progress=still_running) if pending else 0.0
    reports = [finished.get(account['id']) or dict(outcome(account), status='TIMEOUT') for account in started]
    return reports, elapsed
