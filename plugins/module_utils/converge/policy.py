# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging one password policy: absent, created or replaced, compared field by field.

Only the fields a task declares are compared; PrivX's PUT replaces the whole policy, so an update sends
the policy as read with the changes applied. The result always carries a ``diff`` (the module base drops
it when diff mode is off).
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import Applied
from ansible_collections.privx.secrets.plugins.module_utils.resources.password_policies import (
    policy_body,
    policy_changes,
    returned_policy,
    comparable_policy,
)


def converge_policy(policies, name, desired, *, state, check_mode):
    """Make the policy called ``name`` hold ``desired`` (or remove it); returns the module result."""
    current = policies.find(name)
    if state == 'absent':
        if current is None:
            return {'changed': False, 'password_policy': {}, 'diff': {'before': {}, 'after': {}}}
        if not check_mode:
            policies.delete(current)
        return {'changed': True, 'password_policy': {}, 'diff': {'before': comparable_policy(current), 'after': {}}}
    if current is None:
        policies.refuse_case_variant(name)
        body = policy_body(name, desired)
        result = {'changed': True, 'diff': {'before': {}, 'after': dict(body)}}
        if check_mode:
            result['password_policy'] = returned_policy(body)
            return result
        with _applied(name, result) as applied:
            policy_id = policies.create(body)
            applied.done.append('created')
            result['password_policy'] = returned_policy(policies.get(policy_id))
        return result
    changes = policy_changes(current, desired)
    result = {'changed': bool(changes), 'diff': {'before': {field: comparable_policy(current)[field] for field in changes},
                                                 'after': dict(changes)}}
    if not changes:
        result['password_policy'] = returned_policy(current)
        return result
    body = policy_body(name, changes, current)
    if check_mode:
        result['password_policy'] = returned_policy(dict(current, **body))
        return result
    with _applied(name, result) as applied:
        policies.replace(current, body)
        applied.done.append('replaced')
        result['password_policy'] = returned_policy(policies.get(current['id']))
    return result


def _applied(name, result):
    """A failure after the write still reports changed, with the diff of what was written."""
    applied = Applied('password policy %r' % name)
    applied.fields['diff'] = result['diff']
    return applied
