# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sending accounts in chunks, and saying exactly what was applied when a chunk fails.

Batch create, edit and delete (``converge/batch.py``) and batch rotate (``converge/rotation.py``) share this: a failed chunk
becomes a ``PrivXBatchError`` naming the chunk, the usernames applied before it, those not applied, and those
whose outcome is unknown because PrivX's answer never came.
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, PrivXError

NAMES_IN_MESSAGE = 5
BATCH_LIMIT = 1000  # most ids PrivX takes in one batch call (docs/privx-api.md)
# How many accounts a module's batch calls carry when the task does not say (batch_size).
DEFAULT_BATCH_SIZE = 500


class PrivXBatchError(PrivXError):
    """A batch call failed: which chunk, and which usernames were and were not applied."""

    def __init__(self, message, applied, not_applied, unknown):
        super().__init__(message)
        self.applied = applied
        self.not_applied = not_applied
        self.unknown = unknown

    def result_fields(self):
        fields = {'changed': any(self.applied.values()), 'applied': self.applied, 'not_applied': self.not_applied}
        if any(self.unknown.values()):
            fields.update(changed=True, unknown=self.unknown)
        return fields


def checked_batch_size(batch_size):
    if not 1 <= batch_size <= BATCH_LIMIT:
        raise PrivXConfigError('batch_size must be between 1 and %d, got %d' % (BATCH_LIMIT, batch_size))
    return batch_size


def chunks_of(items, size):
    return [items[start:start + size] for start in range(0, len(items), size)]


class Progress:
    """What has been applied so far, for the message of a failed chunk.

    ``pending``: the usernames still to apply, by outcome ({'created': [...], ...}); every outcome is reported.
    ``noun``: what the names name, for the message.
    """

    def __init__(self, pending, noun='account'):
        self.noun = noun
        self.applied = {outcome: [] for outcome in pending}
        self.pending = {outcome: list(usernames) for outcome, usernames in pending.items()}

    def done(self, outcome, usernames):
        self.applied[outcome].extend(usernames)
        remaining = set(usernames)
        self.pending[outcome] = [username for username in self.pending[outcome] if username not in remaining]

    def failure(self, what, number, total, usernames, error, outcome):
        shown = ', '.join(usernames[:NAMES_IN_MESSAGE]) + (', ...' if len(usernames) > NAMES_IN_MESSAGE else '')
        unknown = {kind: [] for kind in self.pending}
        if error.outcome_unknown:
            # PrivX may have applied the chunk (its answer never came): it is neither applied nor not applied.
            unknown[outcome] = list(usernames)
            self.pending[outcome] = [username for username in self.pending[outcome] if username not in set(usernames)]
            what_happened = 'got no answer, so whether its %d %s(s) were applied is unknown' % (len(usernames), self.noun)
        else:
            what_happened = 'failed, so its %d %s(s) were not applied' % (len(usernames), self.noun)
        applied = '; '.join('%s %d' % (kind, len(names)) for kind, names in self.applied.items() if names) or 'nothing'
        pending = '; '.join('%s %d' % (kind, len(names)) for kind, names in self.pending.items() if names) or 'nothing'
        message = ('%s chunk %d of %d %s (%s): %s. '
                   'Applied before it: %s. Not applied: %s. Run the task again to converge the rest.' % (
                       what, number, total, what_happened, shown, error, applied, pending))
        return PrivXBatchError(message, applied=self.applied, not_applied=self.pending, unknown=unknown)


def send_chunks(progress, what, outcome, accounts, batch_size, send, name=lambda account: account['username']):
    """``send(chunk)`` for each chunk of at most ``batch_size`` accounts (``name(item)`` names each); a failure raises
    PrivXBatchError."""
    chunks = chunks_of(accounts, batch_size)
    for number, chunk in enumerate(chunks, start=1):
        usernames = [name(account) for account in chunk]
        try:
            send(chunk)
        except PrivXError as error:
            raise progress.failure(what, number, len(chunks), usernames, error, outcome) from None
        progress.done(outcome, usernames)
