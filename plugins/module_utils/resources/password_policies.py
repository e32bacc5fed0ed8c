# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Password policies: their fields, the comparison of desired with current, and the calls.

Users name policies; PrivX references them by ``{id, name}`` (``reference``/``resolved``, used by the account
modules). The password_policy modules declare the policies themselves (docs/privx-api-admin.md).
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.client import created_id
from ansible_collections.privx.secrets.plugins.module_utils.core.dates import as_iso_duration, iso_duration_seconds
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, PrivXError, on_api_error, when_not_found
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import checked_name, refuse_case_variant, returned_view

# Every writable PasswordPolicy field but the name, under PrivX's own name, with its kind.
POLICY_FIELDS = {
    'rotation_interval': 'duration',
    'password_min_length': 'int',
    'password_max_length': 'int',
    'use_special_characters': 'bool',
    'use_lower_case': 'bool',
    'use_upper_case': 'bool',
    'use_numbers': 'bool',
    'max_versions': 'int',
    'number_of_retries': 'int',
    'retry_interval': 'duration',
    'max_concurrent_checkouts': 'int',
    'max_checkout_duration': 'duration',
    'rotate_on_release': 'bool',
    'verify_after_rotation': 'bool',
}
ZERO = {'duration': '', 'int': 0, 'bool': False}
# What a new policy gets for a field the task leaves out. PrivX would store the zero value instead (no
# rotation interval, no character classes, which it refuses or cannot use), so the collection sends these.
POLICY_CREATE_DEFAULTS = {
    'rotation_interval': 'P30D', 'password_min_length': 12, 'password_max_length': 32, 'use_special_characters': True,
    'use_lower_case': True, 'use_upper_case': True, 'use_numbers': True, 'max_versions': 0, 'number_of_retries': 3,
    'retry_interval': 'PT5M', 'max_concurrent_checkouts': 0, 'max_checkout_duration': 'PT1H', 'rotate_on_release': False,
    'verify_after_rotation': False,
}
# A policy cannot rotate or be checked out without these (PrivX refuses a zero length).
POSITIVE_DURATIONS = ('rotation_interval', 'max_checkout_duration')
# Every key of a PasswordPolicy as this collection returns it, with its empty value.
RETURNED_POLICY = dict({'id': '', 'name': '', 'created': '', 'created_by': '', 'updated': '', 'updated_by': ''},
                       **{field: ZERO[kind] for field, kind in POLICY_FIELDS.items()})
IN_USE = ('PrivX refuses to delete password policy %r because it is in use (%s); move its managed accounts to another '
          'policy, and change the auto_onboarding_policy of target domains that name it, first')


def policy_options_spec():
    """Argument spec of the policy fields (durations are strings, checked by ``desired_policy``)."""
    spec = {field: {'type': 'str' if kind == 'duration' else kind} for field, kind in POLICY_FIELDS.items()}
    for field in ('password_min_length', 'password_max_length'):
        spec[field]['no_log'] = False  # lengths, not secrets (Ansible suspects any option named password*)
    return spec


def desired_policy(options):
    """The fields the task declares, durations as ISO-8601; a clear error for a value PrivX would refuse."""
    desired = {}
    for field, kind in POLICY_FIELDS.items():
        value = options.get(field)
        if value is None:
            continue
        if kind == 'duration':
            value = checked_duration(field, value)
        elif kind == 'int' and value < 0:
            raise PrivXConfigError('%s must be 0 or more, got %d' % (field, value))
        desired[field] = value
    check_lengths(desired)
    return desired


def checked_duration(field, value):
    text = str(value).strip()
    if not text and field not in POSITIVE_DURATIONS:
        return ''  # retry_interval may be empty: no wait between retries
    iso = as_iso_duration(value, field)
    if not iso_duration_seconds(iso):
        if field not in POSITIVE_DURATIONS:
            return ''  # a zero wait is no wait: PrivX's empty value, so that a rerun compares equal
        raise PrivXConfigError('%s must be longer than zero, got %r' % (field, value))
    return iso


def check_lengths(fields):
    minimum, maximum = fields.get('password_min_length'), fields.get('password_max_length')
    if minimum and maximum and minimum > maximum:
        raise PrivXConfigError('password_min_length (%d) must not be larger than password_max_length (%d)' % (minimum, maximum))


def _same(kind, current, desired):
    if kind == 'duration':
        return (iso_duration_seconds(current) or 0) == (iso_duration_seconds(desired) or 0)
    return current == desired


def comparable_policy(policy):
    """A policy reduced to its writable fields, with PrivX's omitted values as zero values."""
    view = {'name': policy.get('name') or ''}
    for field, kind in POLICY_FIELDS.items():
        value = policy.get(field)
        view[field] = ZERO[kind] if value is None else value
    return view


def policy_changes(policy, desired):
    """The declared fields whose value differs from the policy's (durations compared by length): {field: value}."""
    view = comparable_policy(policy)
    return {field: value for field, value in desired.items() if not _same(POLICY_FIELDS[field], view[field], value)}


def policy_body(name, desired, policy=None):
    """The whole PasswordPolicy a POST or PUT sends (PUT resets what it leaves out: docs/privx-api-admin.md)."""
    body = comparable_policy(policy) if policy else dict(POLICY_CREATE_DEFAULTS)
    body.update(desired)
    body['name'] = name
    check_lengths(body)
    return body


def returned_policy(policy):
    """What modules return for a policy: every PasswordPolicy field, nothing else."""
    return returned_view(RETURNED_POLICY, policy)


def checked_policy_name(name):
    return checked_name(name, 'name')


class PasswordPolicies:
    """PrivX's password policies, listed at most once per task."""

    def __init__(self, client):
        self._client = client
        self._by_name = None

    def by_name(self):
        if self._by_name is None:
            self._by_name = {policy['name']: policy for policy in self._client.paginate(paths.PASSWORD_POLICIES)}
        return self._by_name

    def find(self, name):
        """The policy with exactly this name (PrivX compares names with their letter case), or None."""
        return self.by_name().get(name)

    def refuse_case_variant(self, name):
        """Creating ``name`` beside a policy whose name differs only in letter case is almost surely a typo: refuse it."""
        refuse_case_variant(self.by_name(), name, 'password policy')

    def all(self):
        return [self.by_name()[name] for name in sorted(self.by_name())]

    def read(self, name=None):
        """The policy with this name, or all of them: a list in each case."""
        if name is None:
            return self.all()
        found = self.find(name)
        return [found] if found else []

    def reference(self, name):
        """The ``{id, name}`` PrivX expects for a policy name; None for no policy."""
        if not name:
            return None
        policy = self.find(name)
        if policy is None:
            raise PrivXConfigError('password_policy %r does not exist; PrivX has: %s' % (
                name, ', '.join(sorted(self.by_name())) or 'no password policies'))
        return {'id': policy['id'], 'name': policy['name']}

    def resolved(self, fields, field='password_policy'):
        """``fields`` with the policy name in ``field`` replaced by the {id, name} reference PrivX expects; an empty name
        (no policy) leaves it out. A target domain's ``auto_onboarding_policy`` names a policy too."""
        if field not in fields:
            return dict(fields)
        resolved = {name: value for name, value in fields.items() if name != field}
        try:
            reference = self.reference(fields[field])
        except PrivXConfigError as error:
            if field == 'password_policy':
                raise
            raise PrivXConfigError('%s: %s' % (field, error)) from None
        if reference:
            resolved[field] = reference
        return resolved

    def get(self, policy_id):
        return self._client.get(paths.password_policy(policy_id))

    def create(self, body):
        """Create a policy; returns its id."""
        self._by_name = None
        return created_id(self._client.post(paths.PASSWORD_POLICY, body), 'POST', paths.PASSWORD_POLICY)

    def replace(self, policy, body):
        """PUT the whole policy."""
        self._by_name = None
        self._client.put(paths.password_policy(policy['id']), body)

    def delete(self, policy):
        self._by_name = None
        with when_not_found(), on_api_error(400, lambda error: PrivXError(IN_USE % (policy['name'], _reason(error)))):
            self._client.delete(paths.password_policy(policy['id']))


def _reason(error):
    return error.error_message or 'HTTP %s %s' % (error.status, error.error_code or '')
