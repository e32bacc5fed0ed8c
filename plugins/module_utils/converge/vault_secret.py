# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging one Vault secret: absent, created or replaced, roles compared by id and data as PrivX keeps it.

The result carries a ``diff`` (the module base drops it when diff mode is off) that names the keys of ``data`` that
change and never a value, and ``data_changes`` (keys only). ``warnings`` are for the module to show.
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import Applied
from ansible_collections.privx.secrets.plugins.module_utils.resources.vault_secrets import (
    ROLE_FIELDS,
    VAULT_SECRET_CREATE_DEFAULTS,
    comparable_vault_secret,
    data_key_changes,
    data_markers,
    diff_view,
    readable,
    returned_vault_secret,
    vault_secret_body,
    vault_secret_changes,
)

NO_DATA_CHANGES = {'added': [], 'changed': [], 'removed': []}
UNREADABLE_WARNING = ('Vault secret %r: this API client holds none of its read_roles, so its data cannot be compared and '
                      'is written on every run; give the client a read role, or use update_data=on_create')


def converge_vault_secret(secrets, roles, name, desired, *, state, update_data, check_mode):
    """Make the Vault secret called ``name`` hold ``desired`` (or remove it); returns the module result."""
    with_data = 'data' in desired and update_data != 'on_create'
    current = secrets.find(name, with_data=with_data and state == 'present')
    if state == 'absent':
        if current is None:
            return {'changed': False, 'vault_secret': {}, 'data_changes': dict(NO_DATA_CHANGES), 'diff': {'before': {}, 'after': {}}}
        if not check_mode:
            secrets.delete(name)
        return {'changed': True, 'vault_secret': {}, 'data_changes': dict(NO_DATA_CHANGES),
                'diff': {'before': comparable_vault_secret(current), 'after': {}}}
    roles.learn([name for field in ROLE_FIELDS for name in desired.get(field, [])])  # one call for both fields
    wanted_roles = {field: roles.ids(desired[field], field) for field in ROLE_FIELDS if field in desired}
    if current is None:
        return _create(secrets, name, desired, wanted_roles, check_mode)
    return _update(secrets, name, current, desired, wanted_roles, update_data, check_mode)


def _create(secrets, name, desired, wanted_roles, check_mode):
    changes = dict(wanted_roles, data=desired.get('data', VAULT_SECRET_CREATE_DEFAULTS['data']))
    body = vault_secret_body(name, None, changes)
    after = diff_view(None, data_markers(changes['data']), _declared_names(desired))
    after['name'] = name
    result = {'changed': True, 'data_changes': dict(NO_DATA_CHANGES, added=sorted(changes['data'])),
              'diff': {'before': {}, 'after': after}}
    if check_mode:
        result['vault_secret'] = returned_vault_secret({'name': name})
        result['vault_secret'].update((field, sorted(desired.get(field, []))) for field in ROLE_FIELDS)
        return result
    with _applied(name, result) as applied:
        secrets.create(body)
        applied.done.append('created')
        result['vault_secret'] = returned_vault_secret(secrets.find(name) or {'name': name})
    return result


def _update(secrets, name, current, desired, wanted_roles, update_data, check_mode):
    changes = vault_secret_changes(current, desired, wanted_roles, update_data)
    result = {'changed': bool(changes), 'data_changes': dict(NO_DATA_CHANGES), 'diff': _diff(current, desired, changes)}
    if 'data' in changes:
        if readable(current):
            result['data_changes'] = data_key_changes(current['data'], changes['data'])
        else:
            result['data_changes'] = dict(NO_DATA_CHANGES, changed=sorted(changes['data']))
            if update_data == 'when_changed':
                result['warnings'] = [UNREADABLE_WARNING % name]
    if not changes or check_mode:
        result['vault_secret'] = returned_vault_secret(current)
        if check_mode:
            result['vault_secret'].update((field, sorted(desired[field])) for field in ROLE_FIELDS if field in changes)
        return result
    with _applied(name, result) as applied:
        secrets.replace(name, vault_secret_body(name, current, changes))
        applied.done.append('replaced')
        result['vault_secret'] = returned_vault_secret(secrets.find(name) or current)
    return result


def _diff(current, desired, changes):
    """Only what changes: role names, and the keys of data with markers (a changed key's marker differs)."""
    before, after = {}, {}
    for field in ROLE_FIELDS:
        if field in changes:
            before[field] = comparable_vault_secret(current)[field]
            after[field] = sorted(desired[field])
    if 'data' in changes:
        if readable(current):
            keys = data_key_changes(current['data'], changes['data'])
            before['data'] = data_markers(current['data'])
            after['data'] = data_markers(changes['data'], keys['added'] + keys['changed'])
        else:
            before['data'] = diff_view(current, None)['data']
            after['data'] = data_markers(changes['data'], list(changes['data']))
    return {'before': before, 'after': after}


def _declared_names(desired):
    return {field: desired[field] for field in ROLE_FIELDS if field in desired}


def _applied(name, result):
    """A failure after the write still reports changed, with the diff of what was written."""
    applied = Applied('Vault secret %r' % name)
    applied.fields['diff'] = result['diff']
    return applied
