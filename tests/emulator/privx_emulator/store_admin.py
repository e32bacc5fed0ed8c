# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# SQLite state of the Secrets Manager administration endpoints (password policies, target domains and
# their scans, scanned accounts' change sets), kept in tables of their own beside store.py's: the columns
# store.py already has (a policy's rotation settings, a domain's name, comment, enabled, auto_onboarding)
# stay where they are and the rest lives here, as JSON where no query looks into it. A row missing here
# (a DB written before these tables existed) reads as the defaults.
# Every function takes the Store and runs inside the caller's transaction.

import json

ADMIN_SCHEMA = """
CREATE TABLE IF NOT EXISTS policy_details (
    policy_id TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS target_domain_details (
    target_domain_id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    auto_onboarding_policy_id TEXT,
    scan_status TEXT NOT NULL,
    scan_message TEXT NOT NULL,
    last_scanned INTEGER
);
CREATE INDEX IF NOT EXISTS td_details_by_policy ON target_domain_details (auto_onboarding_policy_id);
CREATE TABLE IF NOT EXISTS scanned_account_details (
    scanned_account_id TEXT PRIMARY KEY,
    comment TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
-- What the target domain's directory (AD, LDAP, Entra ID) holds: what the next scan finds.
CREATE TABLE IF NOT EXISTS directory_entries (
    target_domain_id TEXT NOT NULL,
    username_key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (target_domain_id, username_key)
);
CREATE TABLE IF NOT EXISTS pending_scans (
    target_domain_id TEXT PRIMARY KEY,
    requested REAL NOT NULL,
    due REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_scans_by_due ON pending_scans (due);
"""

ADMIN_TABLES = ("policy_details", "target_domain_details", "scanned_account_details", "directory_entries", "pending_scans")


def create_tables(store) -> None:
    with store.lock:
        store.conn.executescript(ADMIN_SCHEMA)


def wipe(store) -> None:
    for table in ADMIN_TABLES:
        store.conn.execute(f"DELETE FROM {table}")


def _json_row(store, sql: str, params) -> dict | None:
    row = store.conn.execute(sql, params).fetchone()
    return json.loads(row[0]) if row is not None else None


# -- password policies -------------------------------------------------------------------------------

def policy_details(store, policy_id: str) -> dict:
    return _json_row(store, "SELECT data FROM policy_details WHERE policy_id = ?", (policy_id,)) or {}


def set_policy_details(store, policy_id: str, data: dict) -> None:
    store.conn.execute(
        "INSERT OR REPLACE INTO policy_details (policy_id, data) VALUES (?, ?)", (policy_id, json.dumps(data, sort_keys=True)),
    )


def update_policy(store, policy_id: str, columns: dict) -> None:
    assignments = ", ".join(f"{column} = ?" for column in columns)
    store.conn.execute(f"UPDATE password_policies SET {assignments} WHERE id = ?", list(columns.values()) + [policy_id])


def delete_policy(store, policy_id: str) -> None:
    store.conn.execute("DELETE FROM password_policies WHERE id = ?", (policy_id,))
    store.conn.execute("DELETE FROM policy_details WHERE policy_id = ?", (policy_id,))


def policy_users(store, policy_id: str) -> tuple:
    """(number of managed accounts with this policy, names of target domains that auto-onboard with it)"""
    accounts = store.conn.execute("SELECT count(*) FROM managed_accounts WHERE password_policy_id = ?", (policy_id,)).fetchone()[0]
    rows = store.conn.execute(
        "SELECT td.name FROM target_domain_details d JOIN target_domains td ON td.id = d.target_domain_id "
        "WHERE d.auto_onboarding_policy_id = ? ORDER BY td.name", (policy_id,),
    ).fetchall()
    return accounts, [row[0] for row in rows]


# -- target domains ----------------------------------------------------------------------------------

def target_domain_details(store, td_id: str) -> dict:
    """{data (dict), auto_onboarding_policy_id, scan_status, scan_message, last_scanned}, defaults when absent."""
    row = store.conn.execute("SELECT * FROM target_domain_details WHERE target_domain_id = ?", (td_id,)).fetchone()
    if row is None:
        return {"data": {}, "auto_onboarding_policy_id": None, "scan_status": "", "scan_message": "", "last_scanned": None}
    details = dict(row)
    details["data"] = json.loads(details["data"])
    return details


def set_target_domain_details(store, td_id: str, details: dict) -> None:
    store.conn.execute(
        "INSERT OR REPLACE INTO target_domain_details "
        "(target_domain_id, data, auto_onboarding_policy_id, scan_status, scan_message, last_scanned) VALUES (?, ?, ?, ?, ?, ?)",
        (td_id, json.dumps(details["data"], sort_keys=True), details["auto_onboarding_policy_id"], details["scan_status"],
         details["scan_message"], details["last_scanned"]),
    )


def set_scan_state(store, td_id: str, status: str, message: str, last_scanned: int | None) -> None:
    details = target_domain_details(store, td_id)
    details.update(scan_status=status, scan_message=message)
    if last_scanned is not None:
        details["last_scanned"] = last_scanned
    set_target_domain_details(store, td_id, details)


def update_target_domain(store, td_id: str, columns: dict) -> None:
    assignments = ", ".join(f"{column} = ?" for column in columns)
    store.conn.execute(f"UPDATE target_domains SET {assignments} WHERE id = ?", list(columns.values()) + [td_id])


def target_domain_by_name(store, name: str) -> dict | None:
    row = store.conn.execute("SELECT * FROM target_domains WHERE name = ?", (name,)).fetchone()
    return dict(row) if row is not None else None


def count_managed_accounts(store, td_id: str) -> int:
    return store.conn.execute("SELECT count(*) FROM managed_accounts WHERE target_domain_id = ?", (td_id,)).fetchone()[0]


def delete_target_domain(store, td_id: str) -> None:
    """The domain with its scanned accounts, directory and pending scan; the caller checked it has no managed accounts."""
    store.conn.execute(
        "DELETE FROM scanned_account_details WHERE scanned_account_id IN (SELECT id FROM scanned_accounts WHERE target_domain_id = ?)",
        (td_id,),
    )
    for sql in (
        "DELETE FROM scanned_accounts WHERE target_domain_id = ?",
        "DELETE FROM directory_entries WHERE target_domain_id = ?",
        "DELETE FROM pending_scans WHERE target_domain_id = ?",
        "DELETE FROM target_domain_details WHERE target_domain_id = ?",
        "DELETE FROM target_domains WHERE id = ?",
    ):
        store.conn.execute(sql, (td_id,))


def page_target_domains(store, criteria: dict, paging, sort_columns: dict) -> tuple:
    where, params = [], []
    for word in criteria.get("keywords", []):
        where.append("(contains_ci(name, ?) OR contains_ci(comment, ?))")
        params += [word, word]
    for flag in ("enabled", "auto_onboarding"):
        if flag in criteria:
            where.append(f"{flag} = ?")
            params.append(int(criteria[flag]))
    if "periodic_scan" in criteria:
        # periodic_scan lives in the details' JSON (read here, not with SQLite's JSON functions, which older
        # SQLite builds lack); a domain without details has it false.
        wanted = [td_id for (td_id,) in store.conn.execute("SELECT id FROM target_domains")
                  if bool(target_domain_details(store, td_id)["data"].get("periodic_scan", False)) == criteria["periodic_scan"]]
        where.append(f"id IN ({', '.join('?' for _item in wanted)})" if wanted else "0")
        params += wanted
    where_sql = (" WHERE " + " AND ".join(where)) if where else ""
    count = store.conn.execute(f"SELECT count(*) FROM target_domains{where_sql}", params).fetchone()[0]
    order = _order(paging, sort_columns)
    rows = store.conn.execute(
        f"SELECT * FROM target_domains{where_sql} ORDER BY {order} LIMIT ? OFFSET ?", params + [paging.limit, paging.offset],
    ).fetchall()
    return count, [dict(row) for row in rows]


def _order(paging, sort_columns: dict) -> str:
    direction = "DESC" if paging.descending else "ASC"
    column = sort_columns[paging.sortkey]
    return f"{column} {direction}" if column == "id" else f"{column} {direction}, id {direction}"


# -- scanned accounts --------------------------------------------------------------------------------

def scanned_details(store, account_ids: list) -> dict:
    """{scanned account id: {comment, updated_by}} for those that have any."""
    found = {}
    for start in range(0, len(account_ids), 500):
        chunk = account_ids[start:start + 500]
        marks = ", ".join("?" for _item in chunk)
        for row in store.conn.execute(f"SELECT * FROM scanned_account_details WHERE scanned_account_id IN ({marks})", chunk):
            found[row["scanned_account_id"]] = dict(row)
    return found


def change_scanned_account(store, account_id: str, changes: dict, caller_user_id: str, when: int) -> None:
    """Apply a change set {ignored?, comment?}: what it leaves out stays as it is."""
    if "ignored" in changes:
        store.conn.execute("UPDATE scanned_accounts SET ignored = ? WHERE id = ?", (int(changes["ignored"]), account_id))
    current = scanned_details(store, [account_id]).get(account_id, {"comment": ""})
    comment = changes.get("comment", current["comment"])
    store.conn.execute(
        "INSERT OR REPLACE INTO scanned_account_details (scanned_account_id, comment, updated_by) VALUES (?, ?, ?)",
        (account_id, comment, caller_user_id),
    )
    store.conn.execute("UPDATE scanned_accounts SET updated = ? WHERE id = ?", (when, account_id))


def all_scanned_accounts(store, td_id: str) -> list:
    return [dict(row) for row in store.conn.execute("SELECT * FROM scanned_accounts WHERE target_domain_id = ?", (td_id,))]


def update_scanned_account(store, account_id: str, columns: dict) -> None:
    assignments = ", ".join(f"{column} = ?" for column in columns)
    store.conn.execute(f"UPDATE scanned_accounts SET {assignments} WHERE id = ?", list(columns.values()) + [account_id])


def page_scanned_accounts(store, td_id: str, criteria: dict, paging, sort_columns: dict) -> tuple:
    where, params = ["target_domain_id = ?"], [td_id]
    for word in criteria.get("keywords", []):
        where.append("(" + " OR ".join(f"contains_ci({column}, ?)" for column in
                                       ("username", "email", "full_name", "sam_account_name")) + ")")
        params += [word] * 4
    if "state" in criteria:
        where.append("state = ?")
        params.append(criteria["state"])
    if "ignored" in criteria:
        where.append("ignored = ?")
        params.append(int(criteria["ignored"]))
    for key, column, operator in (
        ("created_after", "created", ">"), ("created_before", "created", "<"),
        ("updated_after", "updated", ">"), ("updated_before", "updated", "<"),
    ):
        if criteria.get(key) is not None:
            where.append(f"{column} {operator} ?")
            params.append(criteria[key])
    where_sql = " WHERE " + " AND ".join(where)
    count = store.conn.execute(f"SELECT count(*) FROM scanned_accounts{where_sql}", params).fetchone()[0]
    rows = store.conn.execute(
        f"SELECT * FROM scanned_accounts{where_sql} ORDER BY {_order(paging, sort_columns)} LIMIT ? OFFSET ?",
        params + [paging.limit, paging.offset],
    ).fetchall()
    return count, [dict(row) for row in rows]


# -- directory content and scans ---------------------------------------------------------------------

def directory(store, td_id: str) -> list:
    rows = store.conn.execute(
        "SELECT data FROM directory_entries WHERE target_domain_id = ? ORDER BY username_key", (td_id,),
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


def put_directory_entries(store, td_id: str, entries: list) -> None:
    store.conn.executemany(
        "INSERT OR REPLACE INTO directory_entries (target_domain_id, username_key, data) VALUES (?, ?, ?)",
        [(td_id, entry["username"].lower(), json.dumps(entry, sort_keys=True)) for entry in entries],
    )


def remove_directory_entry(store, td_id: str, username: str) -> int:
    cursor = store.conn.execute(
        "DELETE FROM directory_entries WHERE target_domain_id = ? AND username_key = ?", (td_id, username.lower()),
    )
    return cursor.rowcount


def clear_directory(store, td_id: str) -> None:
    store.conn.execute("DELETE FROM directory_entries WHERE target_domain_id = ?", (td_id,))


def pending_scan(store, td_id: str) -> dict | None:
    row = store.conn.execute("SELECT * FROM pending_scans WHERE target_domain_id = ?", (td_id,)).fetchone()
    return dict(row) if row is not None else None


def add_pending_scan(store, td_id: str, requested: float, due: float) -> None:
    store.conn.execute("INSERT INTO pending_scans (target_domain_id, requested, due) VALUES (?, ?, ?)", (td_id, requested, due))


def due_scans(store, when: float) -> list:
    rows = store.conn.execute("SELECT * FROM pending_scans WHERE due <= ? ORDER BY due, target_domain_id", (when,)).fetchall()
    return [dict(row) for row in rows]


def delete_pending_scan(store, td_id: str) -> None:
    store.conn.execute("DELETE FROM pending_scans WHERE target_domain_id = ?", (td_id,))
