# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts of PrivX's host store, as far as their password rotation goes.

Rotation lives on the host: ``password_rotation_enabled``, the ``password_rotation`` settings (ids of a password
policy and a script template), and per principal (account) ``rotate`` and ``use_for_password_rotation``. PrivX's PUT
replaces the whole host, so a change sends the host exactly as read with only these fields changed; a new rotating
account's initial password goes as its ``passphrase``, which PrivX answers masked and keeps when the mask is sent
back (docs/privx-api-admin.md, "Hosts", "Host password rotation"). The host store has no batch calls.
"""

from __future__ import annotations

import copy
import re

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, when_not_found
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import checked_name, returned_view

OPERATING_SYSTEMS = ('LINUX', 'WINDOWS')
PROTOCOLS = ('SSH', 'WINRM')
CERTIFICATE_VALIDATION = ('DISABLED', 'ENABLED')
# The writable rotation settings of a host, with their kind; the policy and the template are named by the task and
# held by id (HOST_ROTATION_OPTIONS maps the two).
HOST_ROTATION_FIELDS = {
    'use_main_account': 'bool', 'operating_system': 'str', 'protocol': 'str', 'winrm_address': 'str', 'winrm_port': 'int',
    'certificate_validation_options': 'str', 'winrm_host_certificate_trust_anchors': 'str',
    'password_policy': 'str', 'script_template': 'str',
}
HOST_ROTATION_OPTIONS = {'password_policy': 'password_policy_id', 'script_template': 'script_template_id'}
ZERO = {'bool': False, 'str': '', 'int': 0}
# Per account (principal) of the host.
HOST_ACCOUNT_FIELDS = {'rotate': 'bool', 'use_for_password_rotation': 'bool'}
# The protocol a new rotation gets when the task leaves it out: what the operating system speaks.
DEFAULT_PROTOCOL = {'LINUX': 'SSH', 'WINDOWS': 'WINRM'}
# What enabled rotation needs (PrivX refuses a host without them).
REQUIRED_TO_ENABLE = ('operating_system', 'password_policy', 'script_template')
# Read-only fields of the rotation settings: not sent back.
ROTATION_READ_ONLY = ('rotation_status', 'created', 'updated', 'created_by', 'updated_by')
MASK = '********'
# Every key modules return for one host's rotation, with its empty value.
RETURNED_HOST_ROTATION = dict({'id': '', 'common_name': '', 'addresses': [], 'password_rotation_enabled': False, 'accounts': []},
                              **{field: ZERO[kind] for field, kind in HOST_ROTATION_FIELDS.items()})
RETURNED_HOST_ACCOUNT = {'username': '', 'rotate': False, 'use_for_password_rotation': False, 'last_rotated': '',
                         'last_error': '', 'last_error_details': ''}
# Names one host search carries, so that a search body stays of a modest size however many hosts a task names.
NAMES_PER_SEARCH = 500
UUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def host_rotation_options_spec():
    """Argument spec of the rotation settings and the accounts."""
    return {
        'use_main_account': {'type': 'bool'},
        'operating_system': {'type': 'str', 'choices': list(OPERATING_SYSTEMS)},
        'protocol': {'type': 'str', 'choices': list(PROTOCOLS)},
        'winrm_address': {'type': 'str'},
        'winrm_port': {'type': 'int'},
        'certificate_validation_options': {'type': 'str', 'choices': list(CERTIFICATE_VALIDATION)},
        'winrm_host_certificate_trust_anchors': {'type': 'str'},
        'password_policy': {'type': 'str', 'no_log': False},
        'script_template': {'type': 'str'},
        'accounts': {'type': 'list', 'elements': 'dict', 'options': {
            'username': {'type': 'str', 'required': True},
            'rotate': {'type': 'bool', 'default': True},
            'use_for_password_rotation': {'type': 'bool'},
            'initial_password': {'type': 'str', 'no_log': True},
        }},
    }


def host_rotation_entry_spec():
    """Argument spec of one host's declaration: the host, its state, the rotation settings and the accounts (the options
    of host_password_rotation, and of each entry of host_password_rotation_batch's ``hosts``)."""
    spec = {
        'host': {'type': 'str', 'required': True},
        'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
    }
    spec.update(host_rotation_options_spec())
    return spec


class HostRotationRequest:
    """What a task declares for one host's rotation, checked before any call.

    ``settings``: the declared HOST_ROTATION_FIELDS; ``accounts``: {username: the declared HOST_ACCOUNT_FIELDS};
    ``initial_passwords``: {username: password} (never returned).
    """

    def __init__(self, options):
        self.host = checked_name(options['host'], 'host')
        self.enabled = options.get('state', 'present') == 'present'
        self.settings = {field: options[field] for field in HOST_ROTATION_FIELDS if options.get(field) is not None}
        if options.get('winrm_port') is not None and not 0 < options['winrm_port'] < 65536:
            raise PrivXConfigError('winrm_port must be between 1 and 65535, got %d' % options['winrm_port'])
        self.accounts, self.initial_passwords = {}, {}
        for index, account in enumerate(options.get('accounts') or []):
            username = checked_name(account['username'], 'accounts[%d].username' % index)
            if username in self.accounts:
                raise PrivXConfigError('accounts lists %r twice' % username)
            self.accounts[username] = {field: account[field] for field in HOST_ACCOUNT_FIELDS if account.get(field) is not None}
            if account.get('initial_password'):
                self.initial_passwords[username] = account['initial_password']
        main = [name for name, account in self.accounts.items() if account.get('use_for_password_rotation')]
        if len(main) > 1:
            raise PrivXConfigError('accounts: only one account may have use_for_password_rotation, not %s' % ', '.join(main))


def comparable_host_rotation(host, names):
    """The host's rotation reduced to what a task declares: enabled, the settings (policy and template by name, through
    ``names(option, id)``), and each principal's flags."""
    settings = host.get('password_rotation') or {}
    view = {'password_rotation_enabled': bool(host.get('password_rotation_enabled'))}
    for field, kind in HOST_ROTATION_FIELDS.items():
        value = settings.get(HOST_ROTATION_OPTIONS.get(field, field))
        if field in HOST_ROTATION_OPTIONS:
            value = names(field, value) if value else ''
        view[field] = ZERO[kind] if value is None else value
    view['accounts'] = {principal.get('principal') or '': {field: bool(principal.get(field)) for field in HOST_ACCOUNT_FIELDS}
                        for principal in host.get('principals') or []}
    return view


def host_rotation_changes(view, request, has_settings):
    """{key: new value} of what differs: ``password_rotation_enabled``, settings, and ``accounts`` {username: flags}.

    Without rotation (``request.enabled`` false) the settings go too (``password_rotation: None``): a host whose settings
    name a policy or template keeps PrivX from deleting it, even with rotation disabled (docs/privx-api-admin.md).
    """
    changes = {}
    if view['password_rotation_enabled'] != request.enabled:
        changes['password_rotation_enabled'] = request.enabled
    if not request.enabled:
        if has_settings:
            changes.update(password_rotation_enabled=False, password_rotation=None)
        return changes
    desired = dict(request.settings)
    if not view['password_rotation_enabled'] and not view['protocol'] and 'protocol' not in desired:
        operating_system = desired.get('operating_system') or view['operating_system']
        if operating_system:
            desired['protocol'] = DEFAULT_PROTOCOL[operating_system]
    changes.update((field, value) for field, value in desired.items() if view[field] != value)
    accounts = {}
    for username, flags in request.accounts.items():
        if username not in view['accounts']:
            raise PrivXConfigError('host %r has no account %r; its accounts: %s' % (
                request.host, username, ', '.join(sorted(view['accounts'])) or 'none'))
        differ = {field: value for field, value in flags.items() if view['accounts'][username][field] != value}
        if differ:
            accounts[username] = differ
    if accounts:
        changes['accounts'] = accounts
    after = dict(view, **{key: value for key, value in changes.items() if key != 'accounts'})
    missing = [field for field in REQUIRED_TO_ENABLE if not after[field]]
    if missing:
        raise PrivXConfigError('host %r has no %s in its password rotation settings; enabling rotation needs them' % (
            request.host, ', '.join(missing)))
    return changes


def newly_rotating(view, changes):
    """Usernames that rotate after the change and did not before (their host secret account is new)."""
    before = view['password_rotation_enabled']
    after_enabled = changes.get('password_rotation_enabled', before)
    found = []
    for username, flags in view['accounts'].items():
        rotates = changes.get('accounts', {}).get(username, {}).get('rotate', flags['rotate'])
        if after_enabled and rotates and not (before and flags['rotate']):
            found.append(username)
    return found


def host_rotation_body(host, changes, ids, initial_passwords):
    """The whole Host a PUT sends: as read, with only the rotation fields changed (``ids(option, name)`` resolves the
    policy and the template), and the initial passwords of accounts that start rotating as their passphrase."""
    body = copy.deepcopy(host)
    view_before = comparable_host_rotation(host, lambda _field, value: value)
    starting = newly_rotating(view_before, changes)
    if 'password_rotation_enabled' in changes:
        body['password_rotation_enabled'] = changes['password_rotation_enabled']
    settings = {key: value for key, value in (body.get('password_rotation') or {}).items() if key not in ROTATION_READ_ONLY}
    for field in HOST_ROTATION_FIELDS:
        if field in changes:
            value = changes[field]
            settings[HOST_ROTATION_OPTIONS.get(field, field)] = ids(field, value) if field in HOST_ROTATION_OPTIONS else value
    if changes.get('password_rotation', settings) is None:
        body.pop('password_rotation', None)
    elif body.get('password_rotation') is not None or settings:
        body['password_rotation'] = settings
    for principal in body.get('principals') or []:
        principal.update(changes.get('accounts', {}).get(principal.get('principal'), {}))
        if principal.get('principal') in starting and principal.get('principal') in initial_passwords:
            principal['passphrase'] = initial_passwords[principal['principal']]
    return body


def returned_host_rotation(host, names):
    """What modules return for one host: its rotation settings (names, not ids) and each account with its last rotation."""
    view = comparable_host_rotation(host, names)
    status = {item.get('principal'): item for item in (host.get('password_rotation') or {}).get('rotation_status') or []}
    accounts = [returned_view(RETURNED_HOST_ACCOUNT, dict(status.get(username, {}), username=username, **flags))
                for username, flags in view['accounts'].items()]
    found = dict(view, id=host.get('id'), common_name=host.get('common_name'), addresses=host.get('addresses'), accounts=accounts)
    return returned_view(RETURNED_HOST_ROTATION, found)


def diff_view(view, keys=None):
    """The comparable view (or the named ``keys`` of it) as a diff shows it."""
    if keys is None:
        return copy.deepcopy(view)
    shown = {key: copy.deepcopy(view[key]) for key in keys if key != 'accounts'}
    if 'accounts' in keys:
        shown['accounts'] = {username: {flag: view['accounts'][username][flag] for flag in flags}
                             for username, flags in keys['accounts'].items()}
    return shown


class Hosts:
    """The host store: one host found by common name, address or id, and written back whole."""

    def __init__(self, client):
        self._client = client

    def search(self, **criteria):
        return list(self._client.paginate(paths.HOST_SEARCH, method='POST', body=criteria))

    def read(self):
        """Every host (one list call per 1000 hosts)."""
        return list(self._client.paginate(paths.HOSTS))

    def get(self, host_id):
        return self._client.get(paths.host(host_id))

    def find(self, name):
        """The host whose id, common name or (when no common name matches) address is ``name``; None when there is none."""
        return self.find_all([name]).get(name)

    def find_all(self, names):
        """{name: host} for each of ``names`` (an id, a common name or, when no common name matches, an address) that
        names a host, in as few calls as the host store allows: one GET per id (a search takes one id only), one search
        for all the common names at once, and one by address for the names no common name matched."""
        found = {}
        for name in names:
            if UUID.match(name):
                with when_not_found():
                    found[name] = self.get(name)
        by_name = [name for name in names if not UUID.match(name)]
        if by_name:
            named = [host for start in range(0, len(by_name), NAMES_PER_SEARCH)
                     for host in self.search(common_name=by_name[start:start + NAMES_PER_SEARCH])]
            found.update((name, host) for name, host in ((name, _by_common_name(name, named)) for name in by_name) if host)
        by_address = [name for name in by_name if name not in found]
        if by_address:
            addressed = self.search(address=by_address)
            found.update((name, host) for name, host in ((name, _by_address(name, addressed)) for name in by_address) if host)
        return found

    def require(self, name):
        return self.require_all([name])[name]

    def require_all(self, names):
        """find_all, failing with one line naming every name that names no host."""
        found = self.find_all(names)
        missing = [name for name in names if name not in found]
        if len(missing) == 1:
            raise PrivXConfigError('host %r is not in PrivX\'s host store (looked for it as a common name, an address and an id)' % missing[0])
        if missing:
            raise PrivXConfigError('%d hosts are not in PrivX\'s host store (looked for each as a common name, an address and an id): %s' % (
                len(missing), ', '.join(missing)))
        return found

    def replace(self, host, body):
        self._client.put(paths.host(host['id']), body)

    def rotate(self, host, account):
        """Start the rotation of one account of the host (answered at once; one call per account)."""
        self._client.post(paths.host_account_rotate(host['id'], account))


def _by_common_name(name, hosts):
    """The host among ``hosts`` whose common name is ``name``: the search ignores letter case and may match more, so the
    exact common name wins over one that differs in letter case only, and several that differ only so are refused."""
    exact = [host for host in hosts if (host.get('common_name') or '') == name]
    folded = [host for host in hosts if (host.get('common_name') or '').casefold() == name.casefold()]
    if not exact and len(folded) > 1:
        # Guessing would change the wrong host.
        raise PrivXConfigError('host %r is the common name of several hosts in another letter case (%s); name one by its '
                               'exact common name or id' % (name, ', '.join(sorted(host['common_name'] for host in folded))))
    return (exact or folded or [None])[0]


def _by_address(name, hosts):
    """The one host among ``hosts`` with the address ``name``; an address several hosts share is refused."""
    found = [host for host in hosts if name in (host.get('addresses') or [])]
    if len(found) > 1:
        raise PrivXConfigError('host %r is an address of several hosts (%s); name one by its common name or id' % (
            name, ', '.join(sorted(host.get('common_name') or host.get('id') for host in found))))
    return found[0] if found else None
