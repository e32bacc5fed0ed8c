# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging one object that users name and PrivX replaces whole: absent, created or replaced, compared field by field.

Password policies and identity providers work alike: found by name, created with a POST, changed with a PUT of the
whole object (so an update sends the object as read with the changes applied), deleted by id. Each describes itself
with a ``NamedKind`` of its resource's functions. Only the fields a task declares are compared. The result always
carries a ``diff``, before and after, ``{}`` for an absent object (the module base drops it when diff mode is off).
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import Applied


class NamedKind(namedtuple('NamedKind', 'what result_key comparable changes body returned')):
    """``what``: the object's kind in words ('password policy'); ``result_key``: where the module returns it;
    ``comparable(obj)``, ``changes(current, desired)``, ``body(name, desired, current=None)``, ``returned(obj)``:
    the resource's functions of those names (resources/README.md)."""

    __slots__ = ()


def converge_named(objects, kind, name, desired, *, state, check_mode):
    """Make the object called ``name`` hold ``desired`` (or remove it); returns the module result.

    ``objects`` has ``find(name)``, ``refuse_case_variant(name)``, ``create(body)`` (the new id), ``get(id)``,
    ``replace(current, body)`` and ``delete(current)``.
    """
    current = objects.find(name)
    if state == 'absent':
        if current is None:
            return {'changed': False, kind.result_key: {}, 'diff': {'before': {}, 'after': {}}}
        if not check_mode:
            objects.delete(current)
        return {'changed': True, kind.result_key: {}, 'diff': {'before': kind.comparable(current), 'after': {}}}
    if current is None:
        objects.refuse_case_variant(name)
        body = kind.body(name, desired)
        result = {'changed': True, 'diff': {'before': {}, 'after': dict(body)}}
        if check_mode:
            result[kind.result_key] = kind.returned(body)
            return result
        with _applied(kind, name, result) as applied:
            object_id = objects.create(body)
            applied.done.append('created')
            result[kind.result_key] = kind.returned(objects.get(object_id))
        return result
    changes = kind.changes(current, desired)
    before = kind.comparable(current)
    result = {'changed': bool(changes), 'diff': {'before': {field: before[field] for field in changes}, 'after': dict(changes)}}
    if not changes:
        result[kind.result_key] = kind.returned(current)
        return result
    body = kind.body(name, changes, current)
    if check_mode:
        result[kind.result_key] = kind.returned(dict(current, **body))
        return result
    with _applied(kind, name, result) as applied:
        objects.replace(current, body)
        applied.done.append('replaced')
        result[kind.result_key] = kind.returned(objects.get(current['id']))
    return result


def _applied(kind, name, result):
    """A failure after the write still reports changed, with the diff of what was written."""
    applied = Applied('%s %r' % (kind.what, name))
    applied.fields['diff'] = result['diff']
    return applied
