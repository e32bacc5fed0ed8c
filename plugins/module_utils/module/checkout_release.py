# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options of checkout_release, shared by its action plugin and its documentation stub."""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.module.options import connection_argument_spec


# Exactly one of: the paths to release, or all of them.
CHECKOUT_RELEASE_CONSTRAINTS = {
    'mutually_exclusive': [('paths', 'all')],
    'required_if': [('all', False, ('paths',))],
}


def checkout_release_argument_spec():
    # Connection options are accepted so that module_defaults of group/privx.secrets.privx apply cleanly;
    # the agent releases each checkout with the credentials that made it.
    spec = {name: dict(option, required=False) for name, option in connection_argument_spec().items()}
    for option in spec.values():
        option.pop('fallback', None)
        option.pop('default', None)
    spec.update(
        paths=dict(type='list', elements='str'),
        all=dict(type='bool', default=False),
    )
    return spec
