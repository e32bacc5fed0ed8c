# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# Script templates of host password rotation (docs/privx-api-admin.md, "Script templates"): list, create, read,
# replace (PUT), delete, and compile a script with test data. Scripts are Go text/templates (script_template.py);
# one that does not compile is refused on create and replace as on compile.

import uuid

from .api_secrets_manager import SM_DEFAULT_LIMIT
from .context import Response
from .errors import bad_request, not_found
from .script_template import TemplateError, compile_script
from .store import SCRIPT_TEMPLATE_SORT
from .timeutil import format_time, now, whole_seconds
from .validation import DATETIME, STRING, UUID, EnumKind, check_fields, parse_paging, require_string

SCRIPT_TEMPLATE = "/secrets-manager/api/v1/script-template"
OPERATING_SYSTEM = EnumKind("LINUX", "WINDOWS", allow_empty=True)
WRITABLE_FIELDS = {"name": STRING, "operating_system": OPERATING_SYSTEM, "script": STRING}
READ_ONLY_FIELDS = {"id": UUID, "created": DATETIME, "created_by": UUID, "updated": DATETIME, "updated_by": UUID}


def render_template(row: dict) -> dict:
    return {
        "id": row["id"], "name": row["name"], "operating_system": row["operating_system"], "script": row["script"],
        "created": format_time(row["created"]), "created_by": row["created_by"],
        "updated": format_time(row["updated"]), "updated_by": row["updated_by"],
    }


def compiled(script: str) -> str:
    """The script rendered with test data; a script that does not compile is INVALID_REQUEST_DATA naming `script`,
    with text/template's error as the message [emulator's choice of the code]."""
    try:
        return compile_script(script)
    except TemplateError as exc:
        raise bad_request("INVALID_REQUEST_DATA", str(exc), "script") from None


def checked_template(body: dict, template: dict | None = None) -> dict:
    """The columns of a ScriptTemplate body: name, operating_system and a script that compiles are required."""
    values = check_fields(body, dict(WRITABLE_FIELDS, **READ_ONLY_FIELDS))
    if template is not None and values.get("id") and values["id"] != template["id"]:
        raise bad_request("INVALID_REQUEST_DATA", f"id {values['id']!r} contradicts the path, which names {template['id']!r}", "id")
    for key in ("name", "operating_system", "script"):
        if not str(values.get(key, "")).strip():
            raise bad_request("REQUIRED_VALUE_MISSING", f"{key} is required", key)
    compiled(values["script"])
    return {key: values[key] for key in WRITABLE_FIELDS}


def _refuse_duplicate_name(store, name: str, own_id: str | None = None) -> None:
    other = store.get_script_template_by_name(name)
    if other is not None and other["id"] != own_id:
        raise bad_request("VALUE_DUPLICATE", f"a script template named {name!r} already exists", "name")


def require_template(ctx) -> dict:
    template = ctx.store.get_script_template(ctx.params["scriptTemplateID"])
    if template is None:
        raise not_found("script template not found", "scriptTemplateID")
    return template


def list_templates(ctx) -> Response:
    """GET SM/script-templates -> {count, items}"""
    paging = parse_paging(ctx.query, SM_DEFAULT_LIMIT, SCRIPT_TEMPLATE_SORT, "name")
    with ctx.store.transaction(write=False) as store:
        count, rows = store.page_script_templates(paging)
    return Response(200, {"count": count, "items": [render_template(row) for row in rows]})


def create_template(ctx) -> Response:
    """POST SM/script-template -> 201 {"id"} with Location"""
    columns = checked_template(ctx.json_body())
    when = whole_seconds(now())
    with ctx.store.transaction() as store:
        _refuse_duplicate_name(store, columns["name"])
        row = dict(columns, id=str(uuid.uuid4()), created=when, updated=when, created_by=ctx.caller["user_id"], updated_by=ctx.caller["user_id"])
        store.insert_script_template(row)
    return Response(201, {"id": row["id"]}, {"Location": f"{SCRIPT_TEMPLATE}/{row['id']}"})


def get_template(ctx) -> Response:
    """GET SM/script-template/{id}"""
    with ctx.store.transaction(write=False):
        return Response(200, render_template(require_template(ctx)))


def replace_template(ctx) -> Response:
    """PUT SM/script-template/{id}: the body replaces the whole template."""
    with ctx.store.transaction() as store:
        template = require_template(ctx)
        columns = checked_template(ctx.json_body(), template)
        _refuse_duplicate_name(store, columns["name"], template["id"])
        store.update_script_template(template["id"], dict(columns, updated=whole_seconds(now()), updated_by=ctx.caller["user_id"]))
    return Response.empty()


def delete_template(ctx) -> Response:
    """DELETE SM/script-template/{id}: refused while a host's rotation settings or host secret name it."""
    with ctx.store.transaction() as store:
        template = require_template(ctx)
        hosts = store.hosts_using("script_template_id", template["id"])
        if hosts:
            raise bad_request("BAD_REQUEST", f"script template {template['name']!r} is in use by host(s) {', '.join(hosts)}",
                              "scriptTemplateID")
        store.delete_script_template(template["id"])
    return Response.empty()


def compile_template(ctx) -> Response:
    """POST SM/script-template/compile {operating_system, script} -> {script}, rendered with test data."""
    values = check_fields(ctx.json_body(), {"operating_system": OPERATING_SYSTEM, "script": STRING})
    require_string(values, "operating_system")
    return Response(200, {"script": compiled(require_string(values, "script"))})
