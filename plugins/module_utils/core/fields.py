# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks and views that the resource files (accounts, scanned accounts, target domains, password policies) share."""

from __future__ import annotations

import copy

from .errors import PrivXConfigError


def checked_name(value, option):
    """A name option as given: neither empty nor with leading or trailing spaces (PrivX would keep them)."""
    if value is None or not value.strip():
        raise PrivXConfigError('%s must not be empty' % option)
    if value != value.strip():
        raise PrivXConfigError('%s %r has leading or trailing spaces' % (option, value))
    return value


def refuse_case_variant(held_names, name, what):
    """Creating ``name`` beside an object whose name differs only in letter case is almost surely a typo: refuse it."""
    for held in held_names:
        if held != name and held.lower() == name.lower():
            raise PrivXConfigError('name %r differs only in letter case from %s %r, which PrivX already holds; '
                                   'write %r to declare that one' % (name, what, held, held))


# Longest part of a value that a message of ours repeats.
MAX_SHOWN = 200


def shown(value):
    """A value as a message repeats it: quoted, and cut with its length said when long (a 100,000-character path
    would otherwise come back whole)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= MAX_SHOWN:
        return repr(text)
    return '%r... (%d characters)' % (text[:MAX_SHOWN], len(text))


def returned_view(defaults, obj):
    """``defaults`` (every documented key with its empty value) overlaid with what ``obj`` holds for those keys.

    Deep copies both, so a module's result never shares a list or dict with PrivX's answer; keys PrivX adds are
    left out, and a key PrivX leaves out or sends as null keeps its empty value.
    """
    view = copy.deepcopy(defaults)
    view.update((key, copy.deepcopy(obj[key])) for key in defaults if obj.get(key) is not None)
    return view
