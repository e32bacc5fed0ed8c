# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a declarative run did, level by level, by name: the managed_accounts role's summary.

A level (password policies, target domains, ...) is one entry of a table: its key, its title and the results its
tasks registered (a loop's register, a single task's, or a list of them), and whether the run declares anything at
that level (a level neither declared nor changed is left out). Every module of the collection that
converges returns the names it created, updated and deleted in the lists ``created``, ``updated`` and ``deleted``
(a batch does so itself; the module base adds them for one object, plugins/module_utils/converge/outcome.py), so a
new level needs no code here: one entry in the table. Skipped and failed items add nothing.

Names only, never a value: a registered result may hold other fields, which are not read.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.privx.secrets.plugins.module_utils.converge.outcome import ACTIONS, NO_CHANGE, verb


def change_summary(levels, *, check_mode=False):
    """``{'check_mode': ..., 'levels': {key: {'created': [...], 'updated': [...], 'deleted': [...]}}, 'lines': [...]}``."""
    summed = {}
    lines = []
    for level in levels:
        names = level_names(level.get('results'))
        if not boolean(level.get('declared', True), strict=False) and not any(names.values()):
            # A level the run neither declares nor changed (no host declared, say) is noise in every line and stat.
            continue
        summed[level['level']] = names
        lines.append('%s: %s' % (level['title'], level_line(names, check_mode=check_mode)))
    return {'check_mode': bool(check_mode), 'levels': summed, 'lines': lines}


def level_names(registered):
    """The names every result of ``registered`` created, updated and deleted, each once, in the order of the run."""
    names = {action: [] for action in ACTIONS}
    for result in task_results(registered):
        for action in ACTIONS:
            done = result.get(action)
            if isinstance(done, list):
                names[action].extend(name for name in done if isinstance(name, str) and name not in names[action])
    return names


def level_line(names, *, check_mode):
    """``created a, b; deleted c`` (check mode: ``would create a, b; would delete c``), or ``no change``."""
    parts = ['%s %s' % (verb(action, check_mode), ', '.join(names[action])) for action in ACTIONS if names[action]]
    return '; '.join(parts) or NO_CHANGE


def task_results(registered):
    """The module results in a register: the items of a loop, the result of a single task, or of each of a list."""
    if isinstance(registered, Mapping):
        items = registered.get('results')
        return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else [registered]
    if isinstance(registered, (list, tuple)):
        return [result for each in registered for result in task_results(each)]
    return []
