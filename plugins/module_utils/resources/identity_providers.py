# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identity providers: the JWT issuers PrivX trusts for the token exchange, their fields, the comparison of desired with
current, and the calls (docs/privx-api-admin.md, "Identity providers").

Users name providers; PrivX replaces a provider whole on PUT, so an update sends the provider as read with the
changes applied (converge/named.py). Public keys and certificates are public: nothing here is secret.
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.client import created_id
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, when_not_found
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import checked_name, refuse_case_variant, returned_view

# Every writable IdentityProvider field but the name and token_type (always JWT), under PrivX's own name, with its kind.
IDENTITY_PROVIDER_FIELDS = {
    'jwt_issuer': 'str',
    'jwt_audience': 'str',
    'jwt_subject_type': 'str',
    'jwt_subject_dn_username_attribute': 'str',
    'users_directory': 'str',
    'public_key_method': 'str',
    'public_keys': 'keys',
    'x5u_trust_anchor': 'pem',
    'x5u_tls_trust_anchor': 'pem',
    'x5u_prefix': 'str',
    'custom_attributes': 'rules',
    'enabled': 'bool',
}
# Options named otherwise than their field: the JWT's claims, as a person says them.
IDENTITY_PROVIDER_OPTIONS = {
    'issuer': 'jwt_issuer',
    'audience': 'jwt_audience',
    'subject_type': 'jwt_subject_type',
    'subject_dn_username_attribute': 'jwt_subject_dn_username_attribute',
    'claim_rules': 'custom_attributes',
}
SUBJECT_TYPES = ('plain', 'dn')
KEY_METHODS = ('static', 'x5u', 'x5u-publickey')
RULE_TYPES = ('string_pattern', 'numeric_range', 'ip_range', 'ip_client')
# The fields of one public key and of one claim rule, every one a string PrivX always sends (docs/privx-api-fields.md).
KEY_FIELDS = ('key_id', 'comment', 'public_key')
RULE_FIELDS = ('field_name', 'type', 'expected_value', 'start', 'end')
ZERO = {'str': '', 'pem': '', 'bool': False, 'keys': [], 'rules': []}
# What a new provider gets for a field the task leaves out.
IDENTITY_PROVIDER_CREATE_DEFAULTS = {'jwt_subject_type': 'plain', 'public_key_method': 'static', 'enabled': True}
# What a provider must hold, by key method, before PrivX accepts it; checked before any call.
REQUIRED_BY_METHOD = {'static': 'public_keys', 'x5u': 'x5u_trust_anchor', 'x5u-publickey': 'x5u_prefix'}
FIELD_OPTION = dict((field, option) for option, field in IDENTITY_PROVIDER_OPTIONS.items())
RETURNED_IDENTITY_PROVIDER = dict(
    {'id': '', 'name': '', 'token_type': '', 'author': '', 'created': '', 'updated': '', 'updated_by': ''},
    **{field: ZERO[kind] for field, kind in IDENTITY_PROVIDER_FIELDS.items()})


def identity_provider_options_spec():
    """Argument spec of the provider's fields, under their option names."""
    spec = {}
    for field, kind in IDENTITY_PROVIDER_FIELDS.items():
        option = FIELD_OPTION.get(field, field)
        if kind == 'keys':
            spec[option] = {'type': 'list', 'elements': 'dict', 'no_log': False, 'options': {
                'key_id': {'type': 'str', 'required': True, 'no_log': False},
                'public_key': {'type': 'str', 'required': True, 'no_log': False},
                'comment': {'type': 'str', 'default': ''}}}
        elif kind == 'rules':
            spec[option] = {'type': 'list', 'elements': 'dict', 'options': {
                'field_name': {'type': 'str', 'required': True},
                'type': {'type': 'str', 'required': True, 'choices': list(RULE_TYPES)},
                'expected_value': {'type': 'str', 'default': ''},
                'start': {'type': 'str', 'default': ''},
                'end': {'type': 'str', 'default': ''}}}
        else:
            spec[option] = {'type': 'bool' if kind == 'bool' else 'str'}
    spec['subject_type']['choices'] = list(SUBJECT_TYPES)
    spec['public_key_method']['choices'] = list(KEY_METHODS)
    return spec


def desired_identity_provider(options):
    """The fields the task declares, under PrivX's names; a clear error for what PrivX would refuse."""
    desired = {}
    for field, kind in IDENTITY_PROVIDER_FIELDS.items():
        value = options.get(FIELD_OPTION.get(field, field))
        if value is None:
            continue
        desired[field] = _normalised(kind, value)
    keys = [key['key_id'] for key in desired.get('public_keys', [])]
    repeated = sorted(set(key for key in keys if keys.count(key) > 1))
    if repeated:
        raise PrivXConfigError('public_keys: key_id %s is given more than once' % ', '.join(repr(key) for key in repeated))
    return desired


def _normalised(kind, value):
    if kind == 'pem':
        return _pem(value)
    if kind == 'keys':
        return [dict(key_id=key['key_id'], comment=key.get('comment') or '', public_key=_pem(key['public_key'])) for key in value]
    if kind == 'rules':
        return [dict((name, rule.get(name) or '') for name in RULE_FIELDS) for rule in value]
    return value


def _pem(text):
    """PEM text as compared and sent: line endings and the white space around it do not count."""
    return '\n'.join(line.strip() for line in (text or '').strip().splitlines()) + '\n' if text and text.strip() else ''


def comparable_identity_provider(provider):
    """A provider reduced to its writable fields and name, PrivX's omitted values filled in."""
    view = {'name': provider.get('name') or ''}
    for field, kind in IDENTITY_PROVIDER_FIELDS.items():
        value = provider.get(field)
        view[field] = ZERO[kind] if value is None else _normalised(kind, value)
    return view


def _same(kind, current, desired):
    if kind == 'keys':
        return sorted(current, key=lambda key: key['key_id']) == sorted(desired, key=lambda key: key['key_id'])
    if kind == 'rules':
        return sorted(current, key=sorted_rule) == sorted(desired, key=sorted_rule)
    return current == desired


def sorted_rule(rule):
    return tuple(rule[name] for name in RULE_FIELDS)


def identity_provider_changes(provider, desired):
    """The declared fields whose value differs from the provider's (keys and rules in any order): {field: value}."""
    view = comparable_identity_provider(provider)
    return {field: value for field, value in desired.items()
            if not _same(IDENTITY_PROVIDER_FIELDS[field], view[field], value)}


def identity_provider_body(name, desired, provider=None):
    """The whole IdentityProvider a POST or PUT sends; a clear error, before any call, for one PrivX would refuse."""
    body = comparable_identity_provider(provider) if provider else dict(IDENTITY_PROVIDER_CREATE_DEFAULTS)
    body.update(desired)
    body['name'] = name
    body['token_type'] = 'JWT'
    _check_complete(body)
    return body


def _check_complete(body):
    missing = [field for field in ('jwt_issuer', 'users_directory') if not body.get(field)]
    method = body.get('public_key_method') or 'static'
    if not body.get(REQUIRED_BY_METHOD[method]):
        missing.append(REQUIRED_BY_METHOD[method])
    if body.get('jwt_subject_type') == 'dn' and not body.get('jwt_subject_dn_username_attribute'):
        missing.append('jwt_subject_dn_username_attribute')
    if missing:
        reasons = ', '.join(FIELD_OPTION.get(field, field) for field in missing)
        raise PrivXConfigError('identity provider %r needs %s (public_key_method %s, subject_type %s)' % (
            body['name'], reasons, method, body.get('jwt_subject_type') or 'plain'))


def returned_identity_provider(provider):
    """What modules return for a provider: every IdentityProvider field, nothing else."""
    return returned_view(RETURNED_IDENTITY_PROVIDER, provider)


def checked_identity_provider_name(name):
    return checked_name(name, 'name')


class IdentityProviders:
    """PrivX's identity providers, listed at most once per task."""

    # The role store pages these by at most 100 (docs/privx-api-admin.md).
    PAGE_SIZE = 100

    def __init__(self, client):
        self._client = client
        self._by_name = None

    def by_name(self):
        if self._by_name is None:
            self._by_name = {provider['name']: provider
                             for provider in self._client.paginate(paths.IDENTITY_PROVIDERS, page_size=self.PAGE_SIZE)}
        return self._by_name

    def find(self, name):
        """The provider with exactly this name, or None."""
        return self.by_name().get(name)

    def refuse_case_variant(self, name):
        """Creating ``name`` beside a provider whose name differs only in letter case is almost surely a typo: refuse it."""
        refuse_case_variant(self.by_name(), name, 'identity provider')

    def read(self, name=None):
        """The provider with this name, or all of them sorted by name: a list in each case."""
        if name is None:
            return [self.by_name()[held] for held in sorted(self.by_name())]
        found = self.find(name)
        return [found] if found else []

    def get(self, provider_id):
        return self._client.get(paths.identity_provider(provider_id))

    def create(self, body):
        """Create a provider; returns its id."""
        self._by_name = None
        return created_id(self._client.post(paths.IDENTITY_PROVIDERS, body), 'POST', paths.IDENTITY_PROVIDERS)

    def replace(self, provider, body):
        """PUT the whole provider."""
        self._by_name = None
        self._client.put(paths.identity_provider(provider['id']), body)

    def delete(self, provider):
        self._by_name = None
        with when_not_found():
            self._client.delete(paths.identity_provider(provider['id']))
