# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converging one script template: absent, created or replaced; a script about to be written is compiled first.

PrivX refuses a script that does not compile when it is stored; check mode asks PrivX to compile it too, so a
broken template fails the check run with PrivX's own message and nothing is written (docs/privx-api-admin.md).
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import Applied, PrivXConfigError
from ansible_collections.privx.secrets.plugins.module_utils.resources.script_templates import (
    comparable_script_template,
    returned_script_template,
    script_template_body,
    script_template_changes,
)


def converge_script_template(templates, name, desired, *, state, check_mode):
    """Make the template called ``name`` hold ``desired`` (or remove it); returns the module result with a ``diff``."""
    current = templates.find(name)
    if state == 'absent':
        if current is None:
            return {'changed': False, 'script_template': {}, 'diff': {'before': {}, 'after': {}}}
        if not check_mode:
            templates.delete(current)
        return {'changed': True, 'script_template': {}, 'diff': {'before': comparable_script_template(current), 'after': {}}}
    if current is None:
        missing = [field for field in ('operating_system', 'script') if field not in desired]
        if missing:
            raise PrivXConfigError('script template %r does not exist yet; creating it needs %s' % (
                name, ' and '.join(field if field != 'script' else 'script (or script_file)' for field in missing)))
        changes = body = script_template_body(name, desired)
        before = {}
    else:
        changes = script_template_changes(current, desired)
        body = script_template_body(name, changes, current)
        before = {field: comparable_script_template(current)[field] for field in changes}
    result = {'changed': bool(changes), 'diff': {'before': before, 'after': dict(changes)}}
    if not changes:
        result['script_template'] = returned_script_template(current)
        return result
    # Compiled whenever a script is about to be stored, so that check mode fails where the real run would.
    templates.compile(name, body['operating_system'], body['script'])
    if check_mode:
        result['script_template'] = returned_script_template(dict(current or {}, **body))
        return result
    applied = Applied('script template %r' % name)
    applied.fields['diff'] = result['diff']
    with applied:
        if current is None:
            template_id = templates.create(body)
            applied.done.append('created')
        else:
            templates.replace(current, body)
            template_id = current['id']
            applied.done.append('replaced')
        result['script_template'] = returned_script_template(templates.get(template_id))
    return result
