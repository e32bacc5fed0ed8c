# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# The control API under /_emulator/ (a prefix PrivX never uses), for tests and benchmarks only: no
# authentication, not written to the request log, never faulted. It reads the request log, resets
# state, injects faults and rotation failures, changes settings, and reads state past the permissions.

from . import __version__, control_hosts
from .api_managed_accounts import ROTATION_TRIGGERS
from .api_vault import stored_state
from .audit import format_event_time, to_micros
from .context import Response
from .errors import ApiError, bad_request, not_found
from .render import RENDERINGS, managed_account_fields, render_secrets
from .rotation import FAILURE_STATUSES, rotation_refusal, schedule_rotation
from .timeutil import advance_clock, clock_offset, format_time, now
from .fixture import DIRECTORY_SPEC, FixtureError, _entry
from .scans import DEFAULT_FAILURE
from . import tokens
from .validation import check_number, parse_count, parse_json_object

CONTROL_PREFIX = "/_emulator/"


def _query(query: dict, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _optional_body(raw: bytes) -> dict:
    return parse_json_object(raw) if raw.strip() else {}


def get_requests(app, query: dict, _raw: bytes) -> Response:
    since = parse_count(_query(query, "since") or "0", "since")
    items, last_seq = app.request_log.since(since)
    return Response(200, {"items": items, "last_seq": last_seq})


def clear_requests(app, _query_unused: dict, _raw: bytes) -> Response:
    app.request_log.clear()
    return Response.empty()


def reset(app, _query_unused: dict, _raw: bytes) -> Response:
    app.reset()
    return Response(200, {"status": "reset", "fixture": app.fixture_name})


def get_faults(app, _query_unused: dict, _raw: bytes) -> Response:
    return Response(200, {"items": app.faults.listing()})


def add_fault(app, _query_unused: dict, raw: bytes) -> Response:
    fault = app.faults.add(parse_json_object(raw))
    return Response(201, fault.describe())


def clear_faults(app, _query_unused: dict, _raw: bytes) -> Response:
    app.faults.clear()
    return Response.empty()


def expire_tokens(app, _query_unused: dict, raw: bytes) -> Response:
    body = _optional_body(raw)
    client_id = body.get("client_id")
    if client_id is not None and not isinstance(client_id, str):
        raise bad_request("VALUE_INCORRECT_TYPE", "client_id must be a string", "client_id")
    with app.store.transaction() as store:
        # One second in the past, so that no clock resolution lets a token live on.
        expired = store.expire_tokens(client_id, now() - 1.0)
    return Response(200, {"expired": expired})


def _target_domain(store, name_or_id: str | None) -> dict:
    if not name_or_id:
        raise bad_request("REQUIRED_VALUE_MISSING", "target_domain (name or id) is required", "target_domain")
    target_domain = store.find_target_domain(name_or_id)
    if target_domain is None:
        raise not_found(f"no target domain {name_or_id!r}", "target_domain")
    return target_domain


def get_rotation_failures(app, _query_unused: dict, _raw: bytes) -> Response:
    return Response(200, {"items": app.rotation_failures.listing()})


def add_rotation_failure(app, _query_unused: dict, raw: bytes) -> Response:
    body = parse_json_object(raw)
    for key in body:
        if key not in ("target_domain", "username", "status", "count"):
            raise bad_request("INVALID_REQUEST_DATA", f"unknown property {key}", key)
    username = body.get("username")
    if not isinstance(username, str) or not username:
        raise bad_request("REQUIRED_VALUE_MISSING", "username is required", "username")
    status = body.get("status", "ERROR")
    if status not in FAILURE_STATUSES:
        raise bad_request("VALUE_OUT_OF_BOUNDS", f"status must be one of {', '.join(FAILURE_STATUSES)}", "status")
    count = check_number(body["count"], "count", minimum=1, integer=True) if body.get("count") is not None else None
    with app.store.transaction() as store:
        target_domain = _target_domain(store, body.get("target_domain"))
    app.rotation_failures.add(target_domain["id"], username, status, count)
    return Response(201, {"target_domain_id": target_domain["id"], "username": username, "status": status, "remaining": count})


def clear_rotation_failures(app, _query_unused: dict, _raw: bytes) -> Response:
    app.rotation_failures.clear()
    return Response.empty()


def get_settings(app, _query_unused: dict, _raw: bytes) -> Response:
    return Response(200, app.settings.as_dict())


def change_settings(app, _query_unused: dict, raw: bytes) -> Response:
    body = parse_json_object(raw)
    for key in body:
        if key not in ("rotation_delay", "token_lifetime", "wrap_checkout", "scan_delay", "render"):
            raise bad_request("INVALID_REQUEST_DATA", f"unknown property {key}", key)
    # Check everything before changing anything.
    delay = check_number(body["rotation_delay"], "rotation_delay") if "rotation_delay" in body else None
    lifetime = check_number(body["token_lifetime"], "token_lifetime", minimum=1, integer=True) if "token_lifetime" in body else None
    scan_delay = check_number(body["scan_delay"], "scan_delay") if "scan_delay" in body else None
    wrap = body.get("wrap_checkout")
    if wrap is not None and not isinstance(wrap, bool):
        raise bad_request("VALUE_INCORRECT_TYPE", "wrap_checkout must be a boolean", "wrap_checkout")
    rendering = body.get("render")
    if rendering is not None and rendering not in RENDERINGS:
        raise bad_request("VALUE_INCORRECT_FORMAT", f"render must be one of {', '.join(RENDERINGS)}", "render")
    if wrap is not None:
        app.settings.wrap_checkout = wrap
    if rendering is not None:
        app.settings.render = rendering
    if delay is not None:
        app.settings.rotation_delay = float(delay)
    if lifetime is not None:
        app.settings.token_lifetime = lifetime
    if scan_delay is not None:
        app.settings.scan_delay = float(scan_delay)
    return Response(200, app.settings.as_dict())


def _checkout_summary(row: dict) -> dict:
    return {
        "id": row["id"],
        "path": row["path"],
        "type": row["type"],
        "client_id": row["client_id"],
        "user_id": row["user_id"],
        "managed_account_id": row["managed_account_id"],
        "host_account_id": row["host_account_id"],
        "created": format_time(row["created"]),
        "expires": format_time(row["expires"]),
        "expires_epoch": row["expires"],
    }


def get_checkouts(app, _query_unused: dict, _raw: bytes) -> Response:
    with app.store.transaction() as store:
        rows = store.all_active_checkouts(now())
    return Response(200, {"count": len(rows), "items": [_checkout_summary(row) for row in rows]})


def get_managed_accounts(app, query: dict, _raw: bytes) -> Response:
    """Every field of every managed account of a domain, empty ones included, plus internals."""
    when = now()
    with app.store.transaction() as store:
        target_domain = _target_domain(store, _query(query, "target_domain"))
        rows = store.all_managed_accounts(target_domain["id"])
        history = store.history_for([row["id"] for row in rows])
        active = store.all_active_checkouts(when)
        items = []
        for row in rows:
            checkouts = [_checkout_summary(item) for item in active if item["managed_account_id"] == row["id"]]
            item = managed_account_fields(row, history[row["id"]], checkouts)
            item["scanned_account_id"] = row["scanned_account_id"]
            item["current_version"] = store.current_secret_version(row["id"])
            items.append(item)
    return Response(200, {"count": len(items), "items": items})


def get_secrets(app, query: dict, _raw: bytes) -> Response:
    """All stored secret versions of one account: ?target_domain=&username= or ?host=&username=."""
    username = _query(query, "username")
    if not username:
        raise bad_request("REQUIRED_VALUE_MISSING", "username is required", "username")
    with app.store.transaction() as store:
        if _query(query, "host"):
            secret = store.find_account_secret(f"hosts/{_query(query, 'host')}/{username}")
        else:
            target_domain = _target_domain(store, _query(query, "target_domain"))
            account = store.find_managed_by_username(target_domain["id"], username.lower())
            secret = {"account_id": account["id"]} if account else None
        if secret is None:
            raise not_found(f"no account {username!r} there", "username")
        versions = store.secret_versions(secret["account_id"])
    return Response(200, {"items": render_secrets(versions)})


def get_directory(app, query: dict, _raw: bytes) -> Response:
    """What a scan of the domain finds: {count, items: [{username, email, ...}]}."""
    with app.store.transaction() as store:
        entries = store.directory(_target_domain(store, _query(query, "target_domain"))["id"])
    return Response(200, {"count": len(entries), "items": entries})


def add_directory_entries(app, _query_unused: dict, raw: bytes) -> Response:
    """{target_domain, accounts: [{username, email, full_name, sam_account_name, source_id, security_id}], replace?}:
    adds the accounts (replacing entries of the same username); replace: true drops every other entry."""
    body = parse_json_object(raw)
    for key in body:
        if key not in ("target_domain", "accounts", "replace"):
            raise bad_request("INVALID_REQUEST_DATA", f"unknown property {key}", key)
    accounts = body.get("accounts")
    if not isinstance(accounts, list):
        raise bad_request("VALUE_INCORRECT_TYPE", "accounts must be a list of directory entries", "accounts")
    replace = body.get("replace", False)
    if not isinstance(replace, bool):
        raise bad_request("VALUE_INCORRECT_TYPE", "replace must be a boolean", "replace")
    try:
        entries = [_entry(item, f"accounts[{index}]", DIRECTORY_SPEC) for index, item in enumerate(accounts)]
    except FixtureError as exc:
        raise bad_request("INVALID_REQUEST_DATA", str(exc), "accounts") from None
    with app.store.transaction() as store:
        td_id = _target_domain(store, body.get("target_domain"))["id"]
        if replace:
            store.clear_directory(td_id)
        store.put_directory_entries(td_id, entries)
        count = len(store.directory(td_id))
    return Response(200, {"target_domain_id": td_id, "count": count})


def remove_directory_entry(app, query: dict, _raw: bytes) -> Response:
    """?target_domain=&username=: the user leaves the directory (the next scan marks it REMOVED)."""
    username = _query(query, "username")
    if not username:
        raise bad_request("REQUIRED_VALUE_MISSING", "username is required", "username")
    with app.store.transaction() as store:
        td_id = _target_domain(store, _query(query, "target_domain"))["id"]
        if not store.remove_directory_entry(td_id, username):
            raise not_found(f"no directory entry {username!r}", "username")
    return Response.empty()


def get_scan_failures(app, _query_unused: dict, _raw: bytes) -> Response:
    return Response(200, {"items": app.scan_failures.listing()})


def add_scan_failure(app, _query_unused: dict, raw: bytes) -> Response:
    """{target_domain, message?, count? (default 1; null: every scan)}: the domain's next scans end in ERROR."""
    body = parse_json_object(raw)
    for key in body:
        if key not in ("target_domain", "message", "count"):
            raise bad_request("INVALID_REQUEST_DATA", f"unknown property {key}", key)
    message = body.get("message", DEFAULT_FAILURE)
    if not isinstance(message, str) or not message:
        raise bad_request("VALUE_INCORRECT_TYPE", "message must be a non-empty string", "message")
    count = 1
    if "count" in body:
        count = check_number(body["count"], "count", minimum=1, integer=True) if body["count"] is not None else None
    with app.store.transaction() as store:
        target_domain = _target_domain(store, body.get("target_domain"))
    app.scan_failures.add(target_domain["id"], message, count)
    return Response(201, {"target_domain_id": target_domain["id"], "message": message, "remaining": count})


def clear_scan_failures(app, _query_unused: dict, _raw: bytes) -> Response:
    app.scan_failures.clear()
    return Response.empty()


def get_target_domain_secrets(app, query: dict, _raw: bytes) -> Response:
    """The write-only endpoint secrets the emulator holds for a domain, which the API never answers."""
    with app.store.transaction() as store:
        td_id = _target_domain(store, _query(query, "target_domain"))["id"]
        endpoints = store.target_domain_details(td_id)["data"].get("endpoints", [])
    items = [{"index": index, "type": endpoint["type"], "ldap_bind_password": endpoint.get("ldap_bind_password", ""),
              "entra_client_secret": endpoint.get("entra_client_secret", "")} for index, endpoint in enumerate(endpoints)]
    return Response(200, {"items": items})


def _body_of(raw: bytes, *keys: str) -> dict:
    """A control call's JSON object body, which may hold only these keys."""
    body = parse_json_object(raw)
    unknown = [key for key in body if key not in keys]
    if unknown:
        raise bad_request("INVALID_REQUEST_DATA", f"unknown property {unknown[0]}", unknown[0])
    return body


def _required(body: dict, key: str, check, what: str):
    if body.get(key) is None or body[key] == "":
        raise bad_request("REQUIRED_VALUE_MISSING", f"{key} ({what}) is required", key)
    return check(body[key], key)


def _text(value: object, prop: str) -> str:
    if not isinstance(value, str):
        raise bad_request("VALUE_INCORRECT_TYPE", f"{prop} must be a string", prop)
    return value


def lock_account(app, _query_unused: dict, raw: bytes) -> Response:
    """{target_domain, username, seconds, trigger? (default PERIODIC)}: a rotation starts that takes `seconds`, so the
    account stays locked that long (a slow or stuck rotation); it then ends as any rotation does (rotation-failures apply)."""
    body = _body_of(raw, "target_domain", "username", "seconds", "trigger")
    username = _required(body, "username", _text, "the managed account's")
    seconds = _required(body, "seconds", check_number, "how long the rotation takes")
    trigger = body.get("trigger", "PERIODIC")
    if trigger not in ROTATION_TRIGGERS:
        raise bad_request("VALUE_OUT_OF_BOUNDS", f"trigger must be one of {', '.join(ROTATION_TRIGGERS)}", "trigger")
    when = now()
    with app.store.transaction() as store:
        target_domain = _target_domain(store, body.get("target_domain"))
        account = store.find_managed_by_username(target_domain["id"], username.lower())
        if account is None:
            raise not_found(f"no managed account {username!r} in {target_domain['name']}", "username")
        refusal = rotation_refusal(account)
        if refusal:
            raise bad_request("BAD_REQUEST", refusal, "username")
        schedule_rotation(app, store, account["id"], trigger, when, delay=seconds)
    return Response(201, {"managed_account_id": account["id"], "trigger": trigger, "locked_timestamp": format_time(when),
                          "unlocks": format_time(when + seconds)})


def _clock() -> Response:
    return Response(200, {"now": format_event_time(to_micros(now())), "offset": clock_offset()})


def get_clock(_app, _query_unused: dict, _raw: bytes) -> Response:
    return _clock()


def advance(_app, _query_unused: dict, raw: bytes) -> Response:
    """{seconds}: the emulator's clock jumps forward; checkouts expire, rotations and scans end, tokens run out as if
    that much time had passed. Reset sets it back (the clock lives in memory: a restart also sets it back)."""
    seconds = _required(_body_of(raw, "seconds"), "seconds", check_number, "how far the clock jumps")
    advance_clock(float(seconds))
    return _clock()


def get_vault_secrets(app, query: dict, _raw: bytes) -> Response:
    """Vault secrets as stored, data included, past every role check: all of them ({count, items}), or with
    ?name= one, with its versions (every accepted write, oldest first)."""
    name = _query(query, "name")
    with app.store.transaction(write=False) as store:
        if name is None:
            items = [stored_state(store, row, with_versions=False) for row in store.all_vault_secrets()]
            return Response(200, {"count": len(items), "items": items})
        row = store.get_vault_secret(name)
        if row is None:
            raise not_found(f"no Vault secret {name!r}", "name")
        return Response(200, stored_state(store, row, with_versions=True))


def health(app, _query_unused: dict, _raw: bytes) -> Response:
    return Response(200, {
        "status": "ok",
        "version": __version__,
        "fixture": app.fixture_name,
        "fixture_path": app.fixture_path,
        "db": app.store.path,
        "settings": app.settings.as_dict(),
    })


CONTROL_ROUTES = {
    "requests": {"GET": get_requests, "DELETE": clear_requests},
    "reset": {"POST": reset},
    "faults": {"GET": get_faults, "POST": add_fault, "DELETE": clear_faults},
    "tokens/expire": {"POST": expire_tokens},
    "rotation-failures": {"GET": get_rotation_failures, "POST": add_rotation_failure, "DELETE": clear_rotation_failures},
    "settings": {"GET": get_settings, "POST": change_settings},
    "checkouts": {"GET": get_checkouts},
    "managed-accounts": {"GET": get_managed_accounts},
    "secrets": {"GET": get_secrets},
    "health": {"GET": health},
    "directory": {"GET": get_directory, "POST": add_directory_entries, "DELETE": remove_directory_entry},
    "scan-failures": {"GET": get_scan_failures, "POST": add_scan_failure, "DELETE": clear_scan_failures},
    "target-domain-secrets": {"GET": get_target_domain_secrets},
    "locks": {"POST": lock_account},
    "clock": {"GET": get_clock, "POST": advance},
    **control_hosts.ROUTES,
    "vault-secrets": {"GET": get_vault_secrets},
}
CONTROL_ROUTES.update(tokens.CONTROL_ROUTES)


def handle_control(app, method: str, path: str, query: dict, raw_body: bytes) -> Response:
    methods = CONTROL_ROUTES.get(path[len(CONTROL_PREFIX):])
    try:
        if methods is None:
            raise not_found(f"no control endpoint {path}")
        handler = methods.get(method)
        if handler is None:
            raise ApiError(405, "GENERAL_ERROR", f"method {method} not allowed on {path}", headers={"Allow": ", ".join(sorted(methods))})
        return handler(app, query, raw_body)
    except ApiError as exc:
        return Response(exc.status, exc.body(), exc.headers)
