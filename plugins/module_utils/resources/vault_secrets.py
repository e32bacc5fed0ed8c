# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PrivX Vault secrets: named JSON documents with read and write roles (docs/privx-api.md, "Vault").

A secret's ``data`` never leaves this layer in a returned value or a diff: what is returned is its metadata, and a diff
names the keys of ``data`` that change, never a value (``data_key_changes``, ``diff_view``). Roles are declared by
name and compared by id (``resources/roles.py``).
"""

from __future__ import annotations

import re

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, PrivXError, on_api_error, when_not_found
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import checked_name, returned_view, shown

# Every writable field of a Vault secret but the name, with its kind in the argument spec.
VAULT_SECRET_FIELDS = {'data': 'dict', 'read_roles': 'list', 'write_roles': 'list'}
ROLE_FIELDS = ('read_roles', 'write_roles')
# What a new secret gets for a field the task leaves out: PrivX's own zero values (a create without data stores {}).
VAULT_SECRET_CREATE_DEFAULTS = {'data': {}, 'read_roles': [], 'write_roles': []}
# Every key of a Vault secret as this collection returns it, with its empty value: never `data`.
RETURNED_VAULT_SECRET = {'name': '', 'read_roles': [], 'write_roles': [], 'owner_id': '', 'created': '', 'updated': '',
                         'updated_by': '', 'author': '', 'path': ''}
UPDATE_DATA = ('when_changed', 'always', 'on_create')
# PrivX's page size limit for Vault lists (docs/privx-api.md, "Vault").
VAULT_PAGE_SIZE = 100
MAX_NAME_LENGTH = 255
# What a diff shows instead of a value of `data` (diff_view).
HIDDEN = '<hidden>'
HIDDEN_CHANGED = '<hidden, changed>'
NOT_READABLE = '<not readable by this API client>'
_CONTROL_CHARACTERS = re.compile('[\x00-\x1f\x7f]')


def vault_secret_options_spec():
    """Argument spec of the writable fields, and how data is updated."""
    return {
        'data': {'type': 'dict', 'no_log': True},
        'read_roles': {'type': 'list', 'elements': 'str'},
        'write_roles': {'type': 'list', 'elements': 'str'},
        'update_data': {'type': 'str', 'choices': list(UPDATE_DATA), 'default': 'when_changed'},
    }


def checked_vault_secret_name(name, option='name'):
    """A name PrivX takes for a secret (its rules: docs/privx-api.md, "Vault", Names), refused before any call."""
    checked_name(name, option)
    if len(name) > MAX_NAME_LENGTH:
        raise PrivXConfigError('%s %s is longer than %d characters' % (option, shown(name), MAX_NAME_LENGTH))
    if _CONTROL_CHARACTERS.search(name):
        raise PrivXConfigError('%s %s holds a control character' % (option, shown(name)))
    if any(segment in ('', '.', '..') for segment in name.split('/')):
        raise PrivXConfigError("%s %s must not begin or end with '/', hold '//', or have '.' or '..' between slashes" % (
            option, shown(name)))
    return name


def desired_vault_secret(options):
    """The fields the task declares (roles by name, each once); a clear error for a value PrivX would refuse."""
    desired = {}
    for field in VAULT_SECRET_FIELDS:
        value = options.get(field)
        if value is None:
            continue
        if field in ROLE_FIELDS:
            blank = [name for name in value if not str(name).strip()]
            if blank:
                raise PrivXConfigError('%s must not hold an empty role name' % field)
            value = list(dict.fromkeys(value))
        desired[field] = value
    return desired


def go_numbers(value):
    """``value`` with every number as a float, as PrivX keeps data (docs/privx-api.md, "Vault", Data): compared so,
    1 and 1.0 are the same, and an integer beyond 2**53 equals what PrivX gives back for it."""
    if isinstance(value, dict):
        return {key: go_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [go_numbers(item) for item in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return float(value)


def readable(secret):
    """Whether PrivX sent the secret's data: a missing ``data`` means the caller holds none of its read roles."""
    return secret is not None and isinstance(secret.get('data'), dict)


def data_key_changes(current_data, desired_data):
    """{'added', 'changed', 'removed'}: the keys of ``data`` that a write of ``desired_data`` changes (keys only)."""
    current, desired = go_numbers(current_data or {}), go_numbers(desired_data)
    return {
        'added': sorted(key for key in desired if key not in current),
        'changed': sorted(key for key in desired if key in current and current[key] != desired[key]),
        'removed': sorted(key for key in current if key not in desired),
    }


def role_ids(secret, field):
    return [handle['id'] for handle in secret.get(field) or [] if handle.get('id')]


def role_names(secret, field):
    """The names of a secret's roles; a role deleted from the role store shows as its id."""
    return sorted(handle.get('name') or handle.get('id') or '' for handle in secret.get(field) or [])


def comparable_vault_secret(secret):
    """A secret reduced to what is compared and shown: its name and role names (never its data)."""
    return {'name': secret.get('name') or '', 'read_roles': role_names(secret, 'read_roles'),
            'write_roles': role_names(secret, 'write_roles')}


def vault_secret_changes(current, desired, wanted_role_ids, update_data):
    """The declared fields that differ: {'read_roles': ids, 'write_roles': ids, 'data': dict}, roles compared as sets.

    ``data`` is among them per ``update_data``: V(always); V(when_changed) when it differs from the data read or the
    data could not be read (the caller holds no read role); never with V(on_create).
    """
    changes = {field: wanted_role_ids[field] for field in ROLE_FIELDS
               if field in wanted_role_ids and set(wanted_role_ids[field]) != set(role_ids(current, field))}
    if 'data' in desired and update_data != 'on_create':
        if update_data == 'always' or not readable(current) or go_numbers(current['data']) != go_numbers(desired['data']):
            changes['data'] = desired['data']
    return changes


def vault_secret_body(name, current, changes):
    """The PUT or POST body: the name, every role (PUT replaces them: left out means none), data only when it changes
    (a PUT without data keeps the secret's: docs/privx-api.md, "Vault", Writing)."""
    body = {'name': name}
    for field in ROLE_FIELDS:
        ids = changes[field] if field in changes else role_ids(current, field) if current else []
        body[field] = [{'id': role_id} for role_id in ids]
    if 'data' in changes or current is None:
        body['data'] = changes.get('data', VAULT_SECRET_CREATE_DEFAULTS['data'])
    return body


def diff_view(secret, data, role_names_by_field=None):
    """What a diff shows of a secret: role names, and each key of ``data`` with a marker instead of its value.

    ``data``: None when it cannot be read; ``{key: marker}`` otherwise (see ``data_markers``).
    """
    view = comparable_vault_secret(secret) if secret else {'name': '', 'read_roles': [], 'write_roles': []}
    view.update((field, sorted(names)) for field, names in (role_names_by_field or {}).items())
    view['data'] = NOT_READABLE if data is None else data
    return view


def data_markers(keys, changed=()):
    return {key: HIDDEN_CHANGED if key in changed else HIDDEN for key in sorted(keys)}


def returned_vault_secret(secret):
    """What modules return for a secret: its metadata with role names, never its data."""
    view = returned_view(RETURNED_VAULT_SECRET, {key: value for key, value in secret.items() if key != 'data'})
    for field in ROLE_FIELDS:
        view[field] = role_names(secret, field)
    return view


class VaultSecrets:
    """PrivX's Vault secrets, for one API client."""

    def __init__(self, client):
        self._client = client
        self._user_id = None

    def read(self, name=None, keywords=None):
        """The secret called ``name``, the secrets matching ``keywords``, or every secret the caller may see: a list,
        without data."""
        if name is not None:
            found = self.find(name)
            return [found] if found else []
        if keywords:
            return list(self._client.paginate(paths.VAULT_SECRET_SEARCH, method='POST', body={'keywords': keywords},
                                              page_size=VAULT_PAGE_SIZE))
        return list(self._client.paginate(paths.VAULT_SECRETS, page_size=VAULT_PAGE_SIZE))

    @when_not_found()
    def find(self, name, with_data=False):
        """The secret (with its data when asked and the caller may read it), or None when there is none."""
        return self._client.get(paths.vault_secret(name) if with_data else paths.vault_metadata(name))

    def create(self, body):
        self._client.post(paths.VAULT_SECRETS, body)

    def replace(self, name, body):
        self._client.put(paths.vault_secret(name), body)

    @when_not_found()
    def delete(self, name):
        self._client.delete(paths.vault_secret(name))

    def data(self, name, personal=False):
        """The data of a secret (one of the caller's personal secrets when ``personal``); a clear error when there is
        no such secret or the caller holds none of its read roles."""
        path = paths.personal_vault_secret(self.user_id(), name) if personal else paths.vault_secret(name)
        kind = 'personal Vault secret' if personal else 'Vault secret'
        with when_not_found(lambda error: PrivXError('no %s named %s' % (kind, shown(name)))), \
                on_api_error(403, lambda error: PrivXError('this API client holds no role that gives it access to the %s %s (%s)' % (
                    kind, shown(name), error.error_message or 'forbidden'))):
            secret = self._client.get(path)
        if not readable(secret):
            raise PrivXError('this API client may see the %s %s but not read its data: it holds none of its read_roles' % (
                kind, shown(name)))
        return secret['data']

    def user_id(self):
        """The caller's user id (a personal secret's path names it), asked once."""
        if self._user_id is None:
            self._user_id = (self._client.get(paths.CURRENT_USER) or {}).get('id') or ''
            if not self._user_id:
                raise PrivXError('PrivX did not say which user this API client is (%s has no id)' % paths.CURRENT_USER)
        return self._user_id
