# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Script templates: the scripts PrivX runs on a host to set an account's new password.

A template has a ``name`` (unique), an ``operating_system`` and a ``script`` (a Go text/template). PrivX compiles a
script on request (``compile``), so a broken one is caught before it is stored (docs/privx-api-admin.md, "Script
templates"). Host rotation settings name a template by id; users name it (``reference``).
"""

from __future__ import annotations

from ansible_collections.privx.secrets.plugins.module_utils.core import paths
from ansible_collections.privx.secrets.plugins.module_utils.core.client import created_id
from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXConfigError, PrivXError, on_api_error, when_not_found
from ansible_collections.privx.secrets.plugins.module_utils.core.fields import checked_name, returned_view

OPERATING_SYSTEMS = ('LINUX', 'WINDOWS')
# Every writable ScriptTemplate field but the name, with its kind.
SCRIPT_TEMPLATE_FIELDS = {'operating_system': 'str', 'script': 'str'}
# Every key of a ScriptTemplate as this collection returns it, with its empty value.
RETURNED_SCRIPT_TEMPLATE = {'id': '', 'name': '', 'operating_system': '', 'script': '', 'created': '', 'created_by': '',
                            'updated': '', 'updated_by': ''}
IN_USE = ('PrivX refuses to delete script template %r because it is in use (%s); change the password rotation of the hosts '
          'that name it first')
NOT_COMPILED = 'script of script template %r does not compile: %s'


def script_template_options_spec():
    return {
        'operating_system': {'type': 'str', 'choices': list(OPERATING_SYSTEMS)},
        'script': {'type': 'str'},
        'script_file': {'type': 'path'},
    }


def desired_script_template(options, read_file=None):
    """The fields the task declares: the script inline or read from ``script_file`` (by ``read_file(path)``)."""
    desired = {}
    if options.get('operating_system') is not None:
        desired['operating_system'] = options['operating_system']
    script = options.get('script')
    if options.get('script_file') is not None:
        script = (read_file or _read_text)(options['script_file'])
    if script is not None:
        if not script.strip():
            raise PrivXConfigError('script must not be empty')
        desired['script'] = script
    return desired


def _read_text(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise PrivXConfigError('script_file %r cannot be read: %s' % (path, getattr(error, 'strerror', None) or error)) from None


def comparable_script_template(template):
    view = {'name': template.get('name') or ''}
    view.update((field, template.get(field) or '') for field in SCRIPT_TEMPLATE_FIELDS)
    return view


def script_template_changes(template, desired):
    view = comparable_script_template(template)
    return {field: value for field, value in desired.items() if view[field] != value}


def script_template_body(name, desired, template=None):
    """The whole ScriptTemplate a POST or PUT sends (a PUT replaces the template)."""
    body = comparable_script_template(template) if template else {}
    body.update(desired)
    body['name'] = name
    return body


def returned_script_template(template):
    return returned_view(RETURNED_SCRIPT_TEMPLATE, template)


def checked_script_template_name(name):
    return checked_name(name, 'name')


class ScriptTemplates:
    """PrivX's script templates, listed at most once per task."""

    def __init__(self, client):
        self._client = client
        self._by_name = None

    def by_name(self):
        if self._by_name is None:
            self._by_name = {template['name']: template for template in self._client.paginate(paths.SCRIPT_TEMPLATES)}
        return self._by_name

    def find(self, name):
        return self.by_name().get(name)

    def read(self, name=None):
        if name is None:
            return [self.by_name()[key] for key in sorted(self.by_name())]
        found = self.find(name)
        return [found] if found else []

    def reference(self, name):
        """The ``{id, name}`` of the template called ``name`` (as ``PasswordPolicies.reference``); a clear error naming the
        templates PrivX has when there is none."""
        template = self.find(name)
        if template is None:
            raise PrivXConfigError('script_template %r does not exist; PrivX has: %s' % (
                name, ', '.join(sorted(self.by_name())) or 'no script templates'))
        return {'id': template['id'], 'name': template['name']}

    def get(self, template_id):
        return self._client.get(paths.script_template(template_id))

    def compile(self, name, operating_system, script):
        """PrivX's compilation of the script; a script that does not compile is a PrivXConfigError naming the template."""
        refused = on_api_error(400, lambda error: PrivXConfigError(NOT_COMPILED % (name, error.error_message or error)))
        with refused:
            return self._client.request('POST', paths.SCRIPT_TEMPLATE_COMPILE,
                                        body={'operating_system': operating_system, 'script': script}, read=True, idempotent=True)

    def create(self, body):
        self._by_name = None
        return created_id(self._client.post(paths.SCRIPT_TEMPLATE, body), 'POST', paths.SCRIPT_TEMPLATE)

    def replace(self, template, body):
        self._by_name = None
        self._client.put(paths.script_template(template['id']), body)

    def delete(self, template):
        self._by_name = None
        # At the template's own path: the Go SDK's DeleteScriptTemplate wrongly uses the policy path (docs/privx-api-admin.md).
        with when_not_found(), on_api_error(400, lambda error: PrivXError(IN_USE % (template['name'], _reason(error)))):
            self._client.delete(paths.script_template(template['id']))


def _reason(error):
    return error.error_message or 'HTTP %s %s' % (error.status, error.error_code or '')
