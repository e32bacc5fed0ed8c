# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a converging task did, in one line and by name: the ``msg`` and the ``created``/``updated``/``deleted`` lists.

Two shapes of result are read, so that a module gets its line without code of its own (the module base calls
``describe`` on every result):

- a batch: the result holds the lists ``created``, ``updated`` and ``deleted`` (names), as managed_account_batch's;
  the line counts each and names the deleted: ``created 3, updated 1, deleted 2: alice, svc_backup``.
- one object: the result's ``diff`` holds ``before`` and ``after``, an absent object being ``{}``; the object's name
  is the ``name``, ``username`` or ``host`` of the diff or of the options. The line names it and, for an update, the fields
  that differ (``updated target domain 'corp' (comment, periodic_scan)``); the three lists are added, holding the
  name under what happened, so that the managed_accounts role sums up every level the same way.

Check mode says what would happen (``would create password policy 'x'``). A result with its own ``msg``, or of
neither shape (info modules, rotate), is left as it is. Names and field names only: never a value, so no secret.
"""

from __future__ import annotations

ACTIONS = ('created', 'updated', 'deleted')
NAME_KEYS = ('name', 'username', 'host')
# What check mode says instead of each past tense.
_WOULD = {'created': 'create', 'updated': 'update', 'deleted': 'delete'}
NO_CHANGE = 'no change'


def describe(result, *, noun, options, check_mode):
    """Add ``msg`` (and, for one object, the three lists) to a module's successful ``result``, in place."""
    if 'msg' in result:
        return result
    if all(isinstance(result.get(action), list) for action in ACTIONS):
        result['msg'] = batch_line(result, check_mode=check_mode)
        return result
    diff = result.get('diff')
    name = object_name(diff, options)
    if name is None:
        return result
    action = object_action(diff, result.get('changed'))
    result.update({key: [name] if key == action else [] for key in ACTIONS})
    if action is None and result.get('changed'):
        # Changed, yet the object is as it was (a scan started, say): what happened is the module's to say.
        return result
    result['msg'] = object_line(action, noun, name, changed_fields(diff) if action == 'updated' else (), check_mode=check_mode)
    return result


def batch_line(lists, *, check_mode):
    """``created 3, updated 1, deleted 2: alice, svc_backup`` (check mode: ``would create 3, ...``); ``no change``."""
    counts = ['%s %d' % (_WOULD[action] if check_mode else action, len(lists[action])) for action in ACTIONS if lists[action]]
    if not counts:
        return NO_CHANGE
    line = ('would ' if check_mode else '') + ', '.join(counts)
    return '%s: %s' % (line, ', '.join(lists['deleted'])) if lists['deleted'] else line


def object_line(action, noun, name, fields=(), *, check_mode):
    """``updated target domain 'corp' (comment, periodic_scan)``; ``would delete password policy 'x'``; ``no change``."""
    if action is None:
        return NO_CHANGE
    line = '%s %s %r' % (verb(action, check_mode), noun, name)
    return '%s (%s)' % (line, ', '.join(fields)) if fields else line


def object_action(diff, changed):
    """'created', 'updated' or 'deleted' for one object's before/after diff of a task that changed; None otherwise."""
    if not changed or not _is_object_diff(diff) or not (diff['before'] or diff['after']):
        return None
    if not diff['before']:
        return 'created'
    if not diff['after']:
        return 'deleted'
    return 'updated'


def object_name(diff, options):
    """The object's name: from the diff (after, then before), else from the task's options; None when it has none."""
    sources = [diff['after'], diff['before']] if _is_object_diff(diff) else []
    if not sources:
        return None
    for source in sources + [options or {}]:
        for key in NAME_KEYS:
            value = source.get(key) if isinstance(source, dict) else None
            if isinstance(value, str) and value:
                return value
    return None


def changed_fields(diff):
    """The fields an update changes, sorted; the name is what the line already says."""
    before, after = diff['before'], diff['after']
    return sorted(key for key in set(before) | set(after) if key not in NAME_KEYS and before.get(key) != after.get(key))


def verb(action, check_mode):
    """'created', or in check mode 'would create': the words every line of a run uses."""
    return 'would ' + _WOULD[action] if check_mode else action


def _is_object_diff(diff):
    return isinstance(diff, dict) and isinstance(diff.get('before'), dict) and isinstance(diff.get('after'), dict)
