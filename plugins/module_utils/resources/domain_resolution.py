# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Target domain resolution: the name or id a task gives, as the domain the account modules work on."""

from __future__ import annotations

import re

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, PrivXError, when_not_found

UUID_PATTERN = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
SUGGESTIONS = 10


class TargetDomain:
    """A target domain by id; the name is known when it was given or looked up."""

    def __init__(self, domain_id, name=None):
        self.id = domain_id
        self.name = name

    @property
    def label(self):
        return repr(self.name) if self.name else 'with id %s' % self.id

    def reference(self):
        """The ``{id, name}`` object PrivX uses to refer to the domain (docs/privx-api.md)."""
        return {'id': self.id, 'name': self.name} if self.name else {'id': self.id}

    def __repr__(self):
        return 'TargetDomain(%r, %r)' % (self.id, self.name)


class DomainObjects:
    """The base of the calls about one target domain's objects (its managed accounts, its scanned accounts)."""

    def __init__(self, client, domain):
        self.client = client
        self.domain = domain

    @property
    def domain_label(self):
        """The domain as messages name it: target domain 'corp.example.com'."""
        return 'target domain %s' % self.domain.label


def resolve_target_domain(client, name_or_id):
    """Resolve once per task. An id is taken as is (PrivX says so at first use), a name is looked up."""
    value = (name_or_id or '').strip()
    if not value:
        raise PrivXConfigError('target_domain must not be empty: give its name or id')
    if UUID_PATTERN.match(value):
        return TargetDomain(value.lower())
    found = list(client.paginate(paths.TARGET_DOMAIN_SEARCH, method='POST', body={'keywords': value}))
    matches = [domain for domain in found if domain.get('name') == value]
    if not matches:
        matches = [domain for domain in found if (domain.get('name') or '').lower() == value.lower()]
    if len(matches) == 1:
        return TargetDomain(matches[0]['id'], matches[0]['name'])
    if matches:
        raise PrivXConfigError('target_domain %r is ambiguous: %d target domains have that name (ids %s); give the id instead' % (
            value, len(matches), ', '.join(sorted(domain['id'] for domain in matches))))
    known = sorted(domain.get('name') or domain.get('id') for domain in client.paginate(paths.TARGET_DOMAINS))
    hint = ('; PrivX has: %s' % ', '.join(known[:SUGGESTIONS]) + (' ...' if len(known) > SUGGESTIONS else '')) if known else ''
    raise PrivXConfigError('unknown target_domain %r%s' % (value, hint))


def resolve_target_domains(client, names_or_ids):
    """{name or id as given: TargetDomain} for several domains: the names in one call (``targetdomains/resolve``,
    docs/privx-api.md), ids taken as they are; a name the call does not answer (another letter case, an unknown
    or ambiguous name) is resolved as ``resolve_target_domain`` resolves one, which says what is wrong with it."""
    given = [(name_or_id or '').strip() for name_or_id in names_or_ids]
    names = list(dict.fromkeys(value for value in given if value and not UUID_PATTERN.match(value)))
    answered = {}
    if len(names) > 1:
        answer = client.request('POST', paths.TARGET_DOMAIN_RESOLVE, body=names, idempotent=True, read=True) or {}
        for item in answer.get('items') or []:
            answered.setdefault(item.get('target_domain_name'), []).append(item.get('id'))
    resolved = {}
    for original, value in zip(names_or_ids, given):
        ids = answered.get(value) or []
        resolved[original] = TargetDomain(ids[0], value) if len(ids) == 1 else resolve_target_domain(client, value)
    return resolved


def domain_scope(domain):
    """Within a domain-wide call, a 404 means the domain itself is unknown: say so."""
    return when_not_found(lambda _error: PrivXError('unknown target_domain %s: PrivX answered 404 for it' % domain.label))
