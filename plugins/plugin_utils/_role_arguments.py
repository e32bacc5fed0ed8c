# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A role's variables as users give them, converted to the types of the role's argument spec.

YAML and ``-e '{"json": ...}'`` give typed values; AWX surveys and ``-e key=value`` give text (``'false'``, ``'7'``,
``'a,b'``). ansible-core's own checks of a role's argument spec accept that text but leave the variables as they
are, so a role that tested ``'false'`` would find it true. This converts each variable once, with ansible-core's
type checkers (``ArgumentSpecValidator``), and says in one line per variable what cannot be converted.

Beyond ansible-core's checkers:

- A null value, and empty text for any type but ``str``, count as not set: the spec's default applies.
- A ``list`` given as text is JSON when it starts with ``[``, else comma- (or newline-) separated items, each trimmed,
  empty ones dropped.
- An option of ``type: raw`` with ``options`` is a list of dicts with those options, given as a list or as that list's
  JSON text. (A role's own argument validation does not look into ``raw``, so that JSON text reaches this code; it
  checks each entry here, naming the entry.) Keys an entry does not give stay out of the result, so that a role can
  pass them on with ``default(omit)``.
"""

from __future__ import annotations

import copy
import difflib
import json

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

MASK = '********'


class RoleArgumentError(ValueError):
    """One variable cannot be read; the message names it and is one line."""


def read_role_arguments(variables, argument_spec):
    """``{'arguments': {name: converted value}, 'errors': [one line per variable that cannot be read]}``."""
    arguments, errors = {}, []
    for name, spec in argument_spec.items():
        try:
            arguments[name] = read_argument(name, spec, variables.get(name))
        except RoleArgumentError as error:
            errors.append(' '.join(str(error).split()))
    return {'arguments': arguments, 'errors': errors}


def read_argument(name, spec, value):
    if value is None or (is_text(value) and not value.strip() and spec.get('type', 'str') != 'str'):
        value = copy.deepcopy(spec.get('default'))
    if value is None:
        if spec.get('required'):
            raise RoleArgumentError('%s is required' % name)
        return None
    entry_options = spec.get('options') if spec.get('type') == 'raw' else None
    if entry_options is not None:
        return read_entries(name, entry_options, json_list(name, value))
    if spec.get('type') == 'list' and is_text(value):
        value = text_list(name, value)
    return validated(name, {name: spec}, {name: value})[name]


def is_text(value):
    return isinstance(value, str)


def text_list(name, text):
    """'a, b' or '["a", "b"]' as a list."""
    if text.strip().startswith('['):
        return json_list(name, text)
    return [item.strip() for item in text.replace('\n', ',').split(',') if item.strip()]


def json_list(name, value):
    """A list, or the JSON text of one."""
    if is_text(value):
        if not value.strip().startswith('['):
            raise RoleArgumentError('%s must be a list, or that list as JSON text (starting with [)' % name)
        try:
            value = json.loads(value)
        except ValueError as error:
            # The decoder's message says where, never what: the text may hold a bind password.
            raise RoleArgumentError('%s is not valid JSON: %s' % (name, error)) from None
    if not isinstance(value, list):
        raise RoleArgumentError('%s must be a list, not %s' % (name, type(value).__name__))
    return value


def read_entries(name, options, entries):
    """Each entry checked against ``options`` (unknown keys, types, choices, required), named by its index."""
    converted, problems = [], []
    for index, entry in enumerate(entries):
        where = '%s[%d]' % (name, index)
        if not isinstance(entry, dict):
            problems.append('%s must be a dict, not %s' % (where, type(entry).__name__))
            continue
        unknown = unknown_keys(options, entry, where)
        if unknown:
            problems.extend(unknown)
            continue
        try:
            converted.append(given_only(entry, validated(where, options, entry), options))
        except RoleArgumentError as error:
            problems.append(str(error))
    if problems:
        raise RoleArgumentError('; '.join(problems))
    return converted


def unknown_keys(options, entry, where):
    """A line per key that ``options`` does not know (a typo must not be taken for 'not set'), at any depth."""
    found = []
    for key, value in entry.items():
        if key not in options:
            close = difflib.get_close_matches(str(key), list(options), n=1)
            found.append('%s: unknown key %r%s' % (where, key, ' (did you mean %r?)' % close[0] if close else ''))
        elif options[key].get('options') and options[key].get('elements') == 'dict' and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    found.extend(unknown_keys(options[key]['options'], item, '%s.%s[%d]' % (where, key, index)))
    return found


def validated(where, spec, parameters):
    """ansible-core's conversion and checks of ``parameters`` against ``spec``; secrets masked in the messages."""
    result = ArgumentSpecValidator(spec).validate(parameters)
    messages = [str(error) for error in result.errors if not isinstance(error, UnsupportedError)]
    if messages:
        secrets = sorted(secret_values(spec, parameters), key=len, reverse=True)
        text = '; '.join(messages)
        for secret in secrets:
            text = text.replace(secret, MASK)
        raise RoleArgumentError(text if where in text else '%s: %s' % (where, text))
    return result.validated_parameters


def secret_values(spec, parameters):
    """The texts that options marked ``no_log`` hold in ``parameters``, at any depth."""
    found = set()
    for key, option in spec.items():
        value = parameters.get(key) if isinstance(parameters, dict) else None
        if option.get('no_log') and value:
            found.add(str(value))
        elif option.get('options') and isinstance(value, (list, dict)):
            for item in value if isinstance(value, list) else [value]:
                found.update(secret_values(option['options'], item))
    return found


def given_only(given, converted, options):
    """The converted values of the keys ``given`` holds, and of no other (the validator sets every option)."""
    result = {}
    for key in given:
        value = converted[key]
        sub_options = options[key].get('options')
        if sub_options and isinstance(value, list):
            value = [given_only(item, converted_item, sub_options) if isinstance(item, dict) and isinstance(converted_item, dict)
                     else converted_item for item, converted_item in zip(given[key], value)]
        result[key] = value
    return result
