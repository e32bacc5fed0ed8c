# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging many managed accounts of one domain with PrivX's batch endpoints.

``plan_batch`` compares the declared accounts with one read of the domain's
managed accounts (and, when something must be created, one read of its
scanned accounts) and decides the fewest calls: batch create grouped by the
settings the new accounts share, batch edit grouped by identical changes,
single updates only for the fields batch calls cannot carry, batch delete.
``apply_plan`` sends them in chunks (``converge/chunked.py``) and, when a chunk fails,
says exactly what was and was not applied; a rerun then converges the rest.
"""

from __future__ import annotations

import json

from ansible_collections.privx.secrets.plugins.module_utils.converge.chunked import DEFAULT_BATCH_SIZE, Progress, checked_batch_size, send_chunks
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, PrivXError
from ansible_collections.privx.secrets.plugins.module_utils.resources.managed_accounts import (
    BATCH_FIELDS,
    ACCOUNT_CREATE_DEFAULTS,
    SCANNED_FIELDS,
    as_options,
    desired_account,
    account_changes,
    account_diff,
)
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import PasswordPolicies
from ansible_collections.privx.secrets.plugins.module_utils.resources.scanned_accounts import checked_username


class BatchPlan:
    """What must happen for PrivX to match the declaration; every list holds usernames or accounts."""

    def __init__(self):
        self.create_groups = {}    # settings key -> (batch create data, [scanned account])
        self.after_create = {}     # username -> changes batch create cannot carry
        self.edit_groups = {}      # changes key -> (changes, [managed account])
        self.updates = []          # (managed account, changes) for single PUTs
        self.deletions = []        # managed accounts
        self.rotated = []          # usernames created with a first rotation
        self.diffs = []

    @property
    def created(self):
        return sorted(account['username'] for _data, accounts in self.create_groups.values() for account in accounts)

    @property
    def updated(self):
        edited = [account['username'] for _changes, accounts in self.edit_groups.values() for account in accounts]
        return sorted(edited + [account['username'] for account, _changes in self.updates])

    @property
    def deleted(self):
        return sorted(account['username'] for account in self.deletions)

    @property
    def changed(self):
        return bool(self.create_groups or self.edit_groups or self.updates or self.deletions)


class BatchRequest:
    """What a batch task declares, checked before any call to PrivX."""

    def __init__(self, items, *, state='present', exclusive=False, rotate=False, allow_delete_all=False, batch_size=DEFAULT_BATCH_SIZE):
        self.batch_size = checked_batch_size(batch_size)
        self.declared = declared_accounts(items)
        self.state = state
        self.exclusive = exclusive
        self.rotate = rotate
        self.allow_delete_all = allow_delete_all


def converge_batch(domain_accounts, request, *, check_mode):
    """Make the domain's managed accounts match ``request``; returns the module result, with its diff."""
    policies = PasswordPolicies(domain_accounts.client)
    plan = plan_batch(domain_accounts, policies, request.declared, state=request.state, exclusive=request.exclusive,
                      rotate=request.rotate, allow_delete_all=request.allow_delete_all)
    if plan.changed and not check_mode:
        apply_plan(domain_accounts, policies, plan, request.batch_size)
    return {'changed': plan.changed, 'created': plan.created, 'updated': plan.updated,
            'deleted': plan.deleted, 'rotated': sorted(plan.rotated), 'diff': plan.diffs}


def _group_key(values):
    return json.dumps(values, sort_keys=True)


def declared_accounts(items):
    """The declared accounts by username; duplicates (in any letter case) are one error."""
    declared = {}
    seen = {}
    duplicates = set()
    for item in items:
        username = checked_username(item.get('username'))
        folded = username.lower()
        if folded in seen:
            duplicates.update((seen[folded], username))
        seen[folded] = username
        declared[username] = desired_account(item, where='accounts[%s].' % username)
    if duplicates:
        raise PrivXConfigError('accounts lists these usernames more than once (letter case aside): %s' % ', '.join(sorted(duplicates)))
    return declared


def _index_by_username(accounts, declared, source):
    """Map each declared username to its account in ``accounts``; a letter-case mismatch is an error for all at once."""
    exact = {account['username']: account for account in accounts}
    folded = {account['username'].lower(): account['username'] for account in accounts}
    found, mismatched = {}, []
    for username in declared:
        if username in exact:
            found[username] = exact[username]
        elif username.lower() in folded:
            mismatched.append('%r (PrivX holds %r)' % (username, folded[username.lower()]))
    if mismatched:
        raise PrivXConfigError('these usernames differ only in letter case from accounts %s holds; write them as PrivX does: %s' % (
            source, ', '.join(mismatched)))
    return found


def plan_batch(domain_accounts, policies, declared, *, state, exclusive, rotate, allow_delete_all=False):
    """Compare the declaration with PrivX and plan the calls; sends nothing but reads.

    A plan that deletes every managed account of the domain is refused unless ``allow_delete_all``:
    a misspelt or empty list with ``exclusive`` would otherwise wipe the domain, and PrivX loses the
    secret history of a deleted managed account.
    """
    plan = BatchPlan()
    managed = domain_accounts.all()
    existing = _index_by_username(managed, declared, domain_accounts.domain_label)
    if state == 'absent':
        plan.deletions = [existing[username] for username in sorted(existing)]
    else:
        missing = [username for username in declared if username not in existing]
        if missing:
            _plan_creations(plan, domain_accounts, policies, {username: declared[username] for username in missing}, rotate=rotate)
        for username in sorted(existing):
            _plan_update(plan, existing[username], declared[username])
        if exclusive:
            plan.deletions = sorted((account for account in managed if account['username'] not in declared),
                                    key=lambda account: account['username'])
    if plan.deletions and len(plan.deletions) == len(managed) and not allow_delete_all:
        raise PrivXConfigError(
            'this would delete every managed account of %s (%d, and PrivX loses their secret history); '
            'set allow_delete_all: true if that is what you mean' % (domain_accounts.domain_label, len(managed)))
    plan.diffs.extend({'before_header': account['username'], 'after_header': account['username'],
                       'before': as_options(account), 'after': {}} for account in plan.deletions)
    return plan


def _plan_update(plan, account, desired):
    changes = account_changes(account, desired)
    if not changes:
        return
    before, after = account_diff(account, changes)
    plan.diffs.append({'before_header': account['username'], 'after_header': account['username'], 'before': before, 'after': after})
    # Batch edit cannot remove a policy (null and {} do not, see docs/privx-api.md): a single update does it.
    if set(changes) <= set(BATCH_FIELDS) and changes.get('password_policy') != '':
        key = _group_key(changes)
        plan.edit_groups.setdefault(key, (changes, []))[1].append(account)
    else:
        plan.updates.append((account, changes))


def _plan_creations(plan, domain_accounts, policies, wanted, *, rotate):
    scanned_accounts = domain_accounts.scanned
    scanned = _index_by_username(scanned_accounts.read(), wanted, scanned_accounts.source)
    unknown = sorted(username for username in wanted if username not in scanned)
    if unknown:
        raise PrivXConfigError('%d username(s) are neither managed nor scanned accounts of %s, so PrivX cannot manage them: %s' % (
            len(unknown), domain_accounts.domain_label, ', '.join(unknown)))
    for username in sorted(wanted):
        desired = wanted[username]
        data = {field: desired.get(field, ACCOUNT_CREATE_DEFAULTS.get(field)) for field in BATCH_FIELDS}
        data = policies.resolved({field: value for field, value in data.items() if value is not None})
        if rotate:
            data['rotate'] = True
            plan.rotated.append(username)
        plan.create_groups.setdefault(_group_key(data), (data, []))[1].append(scanned[username])
        created_as = dict((field, scanned[username].get(field)) for field in SCANNED_FIELDS)
        created_as['state'] = ACCOUNT_CREATE_DEFAULTS['state']
        leftover = account_changes(created_as, {field: value for field, value in desired.items() if field not in BATCH_FIELDS})
        if leftover:
            plan.after_create[username] = leftover
        _before, after = account_diff(None, desired)
        plan.diffs.append({'before_header': username, 'after_header': username, 'before': {}, 'after': dict(after, username=username)})


def apply_plan(domain_accounts, policies, plan, batch_size):
    """Send the planned calls; raises PrivXBatchError naming what was and was not applied."""
    # The new accounts whose remaining fields are set after batch create count as updated, so that a failure before
    # or while setting them lists them as not applied.
    updated = sorted(set(plan.updated) | set(plan.after_create))
    progress = Progress({'created': plan.created, 'updated': updated, 'deleted': plan.deleted})
    for changes, accounts in plan.edit_groups.values():
        batch_changes = policies.resolved(changes)
        send_chunks(progress, 'batch edit', 'updated', accounts, batch_size,
                    lambda chunk, body=batch_changes: domain_accounts.batch('edit', [account['id'] for account in chunk], changes=body))
    for account, changes in plan.updates:
        send_chunks(progress, 'update', 'updated', [account], 1,
                    lambda chunk, changes=changes: domain_accounts.update(chunk[0], changes, policies))
    for data, scanned in plan.create_groups.values():
        send_chunks(progress, 'batch create', 'created', scanned, batch_size,
                    lambda chunk, data=data: domain_accounts.batch('create', [account['id'] for account in chunk], data=data))
    if plan.after_create:
        _finish_creations(domain_accounts, policies, plan.after_create, progress)
    send_chunks(progress, 'batch delete', 'deleted', plan.deletions, batch_size,
                lambda chunk: domain_accounts.batch('delete', [account['id'] for account in chunk]))


def _finish_creations(domain_accounts, policies, after_create, progress):
    """Set the fields batch create cannot carry (read the new accounts once, then one PUT each).

    Each PUT goes through send_chunks as plan.updates does, so a failure lists the accounts set before it as applied.
    """
    what = 'setting the fields batch create cannot carry'
    try:
        created = {account['username']: account for account in domain_accounts.all() if account['username'] in after_create}
    except PrivXError as error:
        raise progress.failure(what, 1, 1, sorted(after_create), error, 'updated') from None
    for username, changes in sorted(after_create.items()):
        account = created.get(username)
        if account is None:
            raise progress.failure(what, 1, 1, [username], PrivXError('PrivX does not list the new account %r after creating it' % username),
                                   'updated')
        still = account_changes(account, changes)
        send_chunks(progress, 'update', 'updated', [account], 1,
                    lambda chunk, still=still: domain_accounts.update(chunk[0], still, policies) if still else None)
