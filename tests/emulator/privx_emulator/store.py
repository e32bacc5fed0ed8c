# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

# SQLite persistence: the schema and every query. One connection guarded by one re-entrant lock
# (":memory:" needs a single connection anyway); callers hold the lock through transaction().
# Rows come back as dicts; the API modules validate and render, this module only stores.
# A field that a query filters, sorts or joins on has a column; the rest of an object (a policy's or a
# domain's settings that only the API renders) is kept as JSON in a *_details table. A details row
# missing (a DB written before that table existed) reads as the defaults.

import contextlib
import json
import os
import sqlite3
import threading

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_clients (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    oauth_client_id TEXT NOT NULL,
    oauth_client_secret TEXT NOT NULL,
    user_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    access_token TEXT PRIMARY KEY,
    refresh_token TEXT NOT NULL,
    client_id TEXT NOT NULL,
    issued REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_by_client ON tokens (client_id);
CREATE INDEX IF NOT EXISTS tokens_by_expiry ON tokens (expires);
CREATE INDEX IF NOT EXISTS tokens_by_refresh ON tokens (refresh_token);
-- How each token was granted, and whether its refresh token is still good (tokens.py); a token without a row
-- here was granted to an API client's password grant, its refresh token unused.
CREATE TABLE IF NOT EXISTS token_grants (
    access_token TEXT PRIMARY KEY,
    grant_type TEXT NOT NULL,
    scope TEXT NOT NULL,
    identity_provider_id TEXT NOT NULL,
    refresh_state TEXT NOT NULL
);
-- Trusted JWT issuers (api_identity_providers.py); what no query needs is in data (JSON).
CREATE TABLE IF NOT EXISTS identity_providers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_type TEXT NOT NULL,
    jwt_issuer TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS identity_providers_by_issuer ON identity_providers (jwt_issuer);
-- PrivX user directories and the users in them that an exchanged token's subject resolves to (fixture only).
CREATE TABLE IF NOT EXISTS user_directories (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS directory_users (
    user_id TEXT PRIMARY KEY,
    directory_id TEXT NOT NULL,
    principal TEXT NOT NULL,
    principal_key TEXT NOT NULL,
    role TEXT NOT NULL,
    UNIQUE (directory_id, principal_key)
);
CREATE TABLE IF NOT EXISTS password_policies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    rotation_interval TEXT NOT NULL,
    max_versions INTEGER NOT NULL,
    max_concurrent_checkouts INTEGER NOT NULL,
    max_checkout_duration TEXT NOT NULL,
    rotate_on_release INTEGER NOT NULL,
    verify_after_rotation INTEGER NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS target_domains (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    comment TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    auto_onboarding INTEGER NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS scanned_accounts (
    id TEXT PRIMARY KEY,
    target_domain_id TEXT NOT NULL,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL,
    email TEXT NOT NULL,
    full_name TEXT NOT NULL,
    sam_account_name TEXT NOT NULL,
    source_id TEXT NOT NULL,
    security_id TEXT NOT NULL,
    state TEXT NOT NULL,
    ignored INTEGER NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS scanned_by_username ON scanned_accounts (target_domain_id, username, id);
CREATE INDEX IF NOT EXISTS scanned_by_key ON scanned_accounts (target_domain_id, username_key);
CREATE TABLE IF NOT EXISTS managed_accounts (
    id TEXT PRIMARY KEY,
    target_domain_id TEXT NOT NULL,
    scanned_account_id TEXT,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL,
    email TEXT NOT NULL,
    full_name TEXT NOT NULL,
    sam_account_name TEXT NOT NULL,
    source_id TEXT NOT NULL,
    security_id TEXT NOT NULL,
    additional_data TEXT NOT NULL,
    password_policy_id TEXT,
    enabled INTEGER NOT NULL,
    rotation_enabled INTEGER NOT NULL,
    explicit_checkout INTEGER NOT NULL,
    state TEXT NOT NULL,
    comment TEXT NOT NULL,
    locked INTEGER NOT NULL,
    locked_timestamp INTEGER,
    created INTEGER NOT NULL,
    author TEXT NOT NULL,
    updated INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    disable_rdp_cert_auth INTEGER NOT NULL,
    UNIQUE (target_domain_id, username_key)
);
CREATE INDEX IF NOT EXISTS managed_by_username ON managed_accounts (target_domain_id, username, id);
CREATE TABLE IF NOT EXISTS rotation_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    managed_account_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    rotated INTEGER NOT NULL,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_by_account ON rotation_history (managed_account_id, seq);
CREATE TABLE IF NOT EXISTS secret_versions (
    account_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    secret TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (account_id, version)
);
CREATE TABLE IF NOT EXISTS hosts (
    id TEXT PRIMARY KEY,
    common_name TEXT NOT NULL UNIQUE,
    addresses TEXT NOT NULL,
    external_id TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS host_accounts (
    id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL,
    username TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    UNIQUE (host_id, username)
);
-- The rest of a host (docs/privx-api-admin.md, "Hosts"): every Host field as stored, as JSON (the principals'
-- passphrases included), and the rotation settings that other queries filter on.
CREATE TABLE IF NOT EXISTS host_details (
    host_id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    rotation_enabled INTEGER NOT NULL,
    password_policy_id TEXT,
    script_template_id TEXT
);
CREATE INDEX IF NOT EXISTS host_details_by_policy ON host_details (password_policy_id);
CREATE INDEX IF NOT EXISTS host_details_by_template ON host_details (script_template_id);
-- A host's secret in Secrets Manager: its metadata (JSON); its accounts are the host_accounts rows.
CREATE TABLE IF NOT EXISTS host_secrets (
    host_id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    password_policy_id TEXT,
    script_template_id TEXT
);
-- A host account's rotation state, and who may check it out: access_roles is ',<role id>,<role name>,...,'
-- (lower case) of its principal's roles, or '' for every caller with a role.
CREATE TABLE IF NOT EXISTS host_account_details (
    account_id TEXT PRIMARY KEY,
    access_roles TEXT NOT NULL,
    rotation_initiated REAL,
    last_rotated INTEGER,
    last_error INTEGER,
    last_error_details TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS script_templates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    operating_system TEXT NOT NULL,
    script TEXT NOT NULL,
    created INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checkouts (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    path TEXT NOT NULL,
    type TEXT NOT NULL,
    managed_account_id TEXT,
    host_account_id TEXT,
    created REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS checkouts_by_client ON checkouts (client_id, created, id);
CREATE INDEX IF NOT EXISTS checkouts_by_managed ON checkouts (managed_account_id);
CREATE INDEX IF NOT EXISTS checkouts_by_host_account ON checkouts (host_account_id);
CREATE INDEX IF NOT EXISTS checkouts_by_expiry ON checkouts (expires);
CREATE TABLE IF NOT EXISTS pending_rotations (
    managed_account_id TEXT PRIMARY KEY,
    trigger TEXT NOT NULL,
    requested REAL NOT NULL,
    due REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_by_due ON pending_rotations (due);
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
-- Everything a caller could check out, managed accounts and host accounts alike. The explicit_checkout
-- column is kept so that a checkout of an account without it can be told apart from an unknown path. A host
-- account's policy is its host's while the host rotates; access_roles is host_account_details'.
-- Dropped and made again at every start, so that a DB written by an older emulator gets today's columns.
DROP VIEW IF EXISTS account_secrets;
CREATE VIEW account_secrets AS
    SELECT td.name || '/' || ma.username AS path, 'TARGET_DOMAIN_SECRET' AS type, ma.id AS account_id,
           ma.id AS managed_account_id, NULL AS host_account_id, NULL AS host_id,
           ma.username AS username, ma.email AS email, ma.full_name AS full_name,
           td.id AS target_domain_id, td.name AS target_domain_name, ma.password_policy_id AS password_policy_id,
           ma.explicit_checkout AS explicit_checkout, ma.created AS created, ma.updated AS updated, '' AS access_roles
    FROM managed_accounts ma JOIN target_domains td ON td.id = ma.target_domain_id
    UNION ALL
    SELECT 'hosts/' || h.common_name || '/' || ha.username, 'HOST_SECRET', ha.id,
           NULL, ha.id, h.id,
           ha.username, '', '',
           NULL, NULL, CASE WHEN hd.rotation_enabled = 1 THEN hd.password_policy_id END,
           1, ha.created, ha.updated, COALESCE(had.access_roles, '')
    FROM host_accounts ha JOIN hosts h ON h.id = ha.host_id
    LEFT JOIN host_details hd ON hd.host_id = h.id
    LEFT JOIN host_account_details had ON had.account_id = ha.id;
-- The audit log (audit.py): created in microseconds; message is a JSON object of strings (the event's own, without
-- the attributes every event has, which audit.py derives); search_text is what keywords match.
CREATE TABLE IF NOT EXISTS audit_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    created INTEGER NOT NULL,
    service_id TEXT NOT NULL,
    service_name TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    event_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    message TEXT NOT NULL,
    search_text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_created ON audit_events (created, seq);
-- The role store's roles (PrivX's own and the fixture's) and which API client holds which (api_identity.py).
-- A role's fields other than id, name and times are kept as JSON.
CREATE TABLE IF NOT EXISTS roles (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created INTEGER,
    updated INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS client_roles (
    client_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (client_id, role_id)
);
-- Vault secrets (api_vault.py): owner_id is '' for a shared secret; data is the JSON object. Every accepted
-- write is kept as a version, for the control API; data_reads counts the answers that carried the data.
CREATE TABLE IF NOT EXISTS vault_secrets (
    name TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    data TEXT NOT NULL,
    author TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    data_reads INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS vault_secrets_by_owner ON vault_secrets (owner_id, name);
CREATE TABLE IF NOT EXISTS vault_secret_roles (
    name TEXT NOT NULL,
    access TEXT NOT NULL,
    position INTEGER NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (name, access, position)
);
CREATE INDEX IF NOT EXISTS vault_roles_by_role ON vault_secret_roles (role_id, access, name);
CREATE TABLE IF NOT EXISTS vault_secret_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    read_roles TEXT NOT NULL,
    write_roles TEXT NOT NULL,
    updated INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
"""

TABLES = (
    "meta", "api_clients", "tokens", "password_policies", "target_domains", "scanned_accounts", "managed_accounts",
    "rotation_history", "secret_versions", "hosts", "host_accounts", "checkouts", "pending_rotations",
    "policy_details", "target_domain_details", "scanned_account_details", "directory_entries", "pending_scans",
    "audit_events", "host_details", "host_secrets", "host_account_details", "script_templates",
    "roles", "client_roles", "vault_secrets", "vault_secret_roles", "vault_secret_versions",
)
TABLES += ("token_grants", "identity_providers", "user_directories", "directory_users")

# sortkey -> column, per list. Every order ends with the id so that paging is stable.
TARGET_DOMAIN_SORT = {"id": "id", "name": "name", "created": "created", "updated": "updated"}
SCANNED_SORT = {
    "id": "id", "username": "username", "email": "email", "full_name": "full_name", "state": "state",
    "created": "created", "updated": "updated",
}
MANAGED_SORT = {
    "id": "ma.id", "username": "ma.username", "email": "ma.email", "full_name": "ma.full_name", "state": "ma.state",
    "comment": "ma.comment", "enabled": "ma.enabled", "created": "ma.created", "updated": "ma.updated",
}
POLICY_SORT = {"id": "id", "name": "name", "created": "created", "updated": "updated"}
SECRET_SORT = {"path": "path", "username": "username", "type": "type", "created": "created", "updated": "updated"}
CHECKOUT_SORT = {"created": "c.created", "expires": "c.expires", "path": "c.path", "id": "c.id"}
IDENTITY_PROVIDER_SORT = {key: key for key in ("id", "name", "jwt_issuer", "token_type", "created", "updated")}
HOST_SORT = {"id": "h.id", "common_name": "h.common_name", "created": "h.created", "updated": "h.updated"}
SCRIPT_TEMPLATE_SORT = {"id": "id", "name": "name", "created": "created", "updated": "updated"}
_HOST_SELECT = (
    "SELECT h.*, hd.data AS data, COALESCE(hd.rotation_enabled, 0) AS rotation_enabled, "
    "hd.password_policy_id AS password_policy_id, hd.script_template_id AS script_template_id "
    "FROM hosts h LEFT JOIN host_details hd ON hd.host_id = h.id"
)
_HOST_ACCOUNT_SELECT = (
    "SELECT ha.*, COALESCE(d.access_roles, '') AS access_roles, d.rotation_initiated AS rotation_initiated, "
    "d.last_rotated AS last_rotated, d.last_error AS last_error, COALESCE(d.last_error_details, '') AS last_error_details, "
    "COALESCE(d.created_by, '') AS created_by "
    "FROM host_accounts ha LEFT JOIN host_account_details d ON d.account_id = ha.id"
)
ROLE_SORT = {"name": "name", "id": "id"}
VAULT_SORT = {"name": "s.name", "created": "s.created", "updated": "s.updated"}

_MANAGED_SELECT = (
    "SELECT ma.*, td.name AS target_domain_name, pp.name AS password_policy_name "
    "FROM managed_accounts ma JOIN target_domains td ON td.id = ma.target_domain_id "
    "LEFT JOIN password_policies pp ON pp.id = ma.password_policy_id"
)
_CHECKOUT_SELECT = (
    "SELECT c.*, COALESCE(ma.username, ha.username) AS username, COALESCE(ma.email, '') AS email, "
    "COALESCE(ma.full_name, '') AS full_name, td.id AS target_domain_id, td.name AS target_domain_name, "
    "h.id AS host_id, ma.password_policy_id AS password_policy_id "
    "FROM checkouts c "
    "LEFT JOIN managed_accounts ma ON ma.id = c.managed_account_id "
    "LEFT JOIN target_domains td ON td.id = ma.target_domain_id "
    "LEFT JOIN host_accounts ha ON ha.id = c.host_account_id "
    "LEFT JOIN hosts h ON h.id = ha.host_id"
)
# Seconds a transaction waits for another process's write lock on a file DB.
BUSY_TIMEOUT = 5.0
# Batches of "IN (?, ...)" parameters stay below SQLite's historical limit of 999 variables.
_IN_CHUNK = 500


def is_file_db(path: str) -> bool:
    # ":memory:" and "" (a private temporary DB) are not files of the caller's.
    return path not in ("", ":memory:")


def create_private_file(path: str) -> None:
    """Create the DB file readable by its owner only: it holds the fixture's secrets and live tokens.
    SQLite gives the -wal and -shm files the mode of the DB file. An existing file keeps its mode."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)


def _contains_ci(haystack, needle) -> bool:
    """Case-insensitive substring test; SQLite's own lower() only knows ASCII."""
    return needle in (haystack or "").lower()


def _keyword_clauses(keywords: list, columns: tuple) -> tuple:
    """Every keyword must be found in at least one of the columns."""
    clauses, params = [], []
    for word in keywords:
        clauses.append("(" + " OR ".join(f"contains_ci({column}, ?)" for column in columns) + ")")
        params.extend([word] * len(columns))
    return clauses, params


def _range_clauses(criteria: dict, table: str) -> tuple:
    """created_after, created_before, updated_after and updated_before, each when given."""
    clauses, params = [], []
    for key, column, operator in (
        ("created_after", "created", ">"), ("created_before", "created", "<"),
        ("updated_after", "updated", ">"), ("updated_before", "updated", "<"),
    ):
        if criteria.get(key) is not None:
            clauses.append(f"{table}{column} {operator} ?")
            params.append(criteria[key])
    return clauses, params


def _order_by(paging, columns: dict, id_column: str) -> str:
    direction = "DESC" if paging.descending else "ASC"
    column = columns[paging.sortkey]
    if column == id_column:
        return f"{column} {direction}"
    return f"{column} {direction}, {id_column} {direction}"


def _chunks(items: list) -> list:
    return [items[start:start + _IN_CHUNK] for start in range(0, len(items), _IN_CHUNK)]


class Store:
    """The emulator's state in SQLite."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._depth = 0
        if is_file_db(path):
            create_private_file(path)
        # The busy timeout makes a transaction wait while another process (sqlite3 on the command line,
        # a test) holds the write lock, instead of failing at once with "database is locked".
        self.conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        if is_file_db(path):
            # WAL keeps readers of a file DB (e.g. sqlite3 on the command line) from blocking the server.
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.create_function("contains_ci", 2, _contains_ci, deterministic=True)
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextlib.contextmanager
    def transaction(self, write: bool = True):
        """Hold the lock for one atomic unit of work; nested use joins the outer transaction.
        write=False promises that the unit only reads: it then takes no write lock."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            # IMMEDIATE takes the write lock up front, waiting for it under the busy timeout. A deferred
            # BEGIN would take it only at the first write, when SQLite fails at once rather than wait
            # (waiting there could deadlock with another reader turned writer).
            self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            self._depth = 1
            try:
                yield self
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    # -- generic helpers -------------------------------------------------------------------------

    def _one(self, sql: str, params=()) -> dict | None:
        row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def _all(self, sql: str, params=()) -> list:
        return [dict(row) for row in self.conn.execute(sql, params).fetchall()]

    def _insert(self, table: str, row: dict, replace: bool = False) -> None:
        columns = ", ".join(row)
        marks = ", ".join("?" for _column in row)
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        self.conn.execute(f"{verb} INTO {table} ({columns}) VALUES ({marks})", list(row.values()))

    def _insert_many(self, table: str, rows: list) -> None:
        if not rows:
            return
        columns = list(rows[0])
        marks = ", ".join("?" for _column in columns)
        self.conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            [[row[column] for column in columns] for row in rows],
        )

    def _update(self, table: str, row_id: str, columns: dict) -> None:
        assignments = ", ".join(f"{column} = ?" for column in columns)
        self.conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", list(columns.values()) + [row_id])

    def _json(self, sql: str, params) -> dict | None:
        row = self.conn.execute(sql, params).fetchone()
        return json.loads(row[0]) if row is not None else None

    def _page(self, select: str, count_from: str, where: list, params: list, order: str, paging) -> tuple:
        where_sql = (" WHERE " + " AND ".join(where)) if where else ""
        count = self.conn.execute(f"SELECT count(*) {count_from}{where_sql}", params).fetchone()[0]
        rows = self._all(f"{select}{where_sql} ORDER BY {order} LIMIT ? OFFSET ?", params + [paging.limit, paging.offset])
        return count, rows

    # -- lifecycle -------------------------------------------------------------------------------

    def is_seeded(self) -> bool:
        return self._one("SELECT value FROM meta WHERE key = 'seeded'") is not None

    def mark_seeded(self, fixture_name: str, fixture_path: str) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [("seeded", fixture_name), ("fixture_path", fixture_path)],
        )

    def seeded_fixture(self) -> str | None:
        """The path of the fixture that seeded the DB; None when empty, or seeded before paths were kept."""
        row = self._one("SELECT value FROM meta WHERE key = 'fixture_path'")
        return row["value"] if row is not None else None

    def wipe(self) -> None:
        for table in TABLES:
            self.conn.execute(f"DELETE FROM {table}")

    # -- API clients and tokens ------------------------------------------------------------------

    def insert_api_client(self, row: dict) -> None:
        self._insert("api_clients", row)

    def get_api_client(self, client_id: str) -> dict | None:
        """The client with `roles`: the role rows it holds, or None when it holds none here (a DB seeded before
        roles were stored: api_identity.roles_of then goes by the client's `role`)."""
        client = self._one("SELECT * FROM api_clients WHERE client_id = ?", (client_id,))
        if client is not None:
            client["roles"] = self.client_roles(client_id) or None
        return client

    def oauth_client_known(self, oauth_client_id: str, oauth_client_secret: str) -> bool:
        sql = "SELECT 1 FROM api_clients WHERE oauth_client_id = ? AND oauth_client_secret = ?"
        return self._one(sql, (oauth_client_id, oauth_client_secret)) is not None

    def insert_token(self, row: dict) -> None:
        self._insert("tokens", row)

    def get_token(self, access_token: str) -> dict | None:
        return self._one("SELECT * FROM tokens WHERE access_token = ?", (access_token,))

    def expire_tokens(self, client_id: str | None, when: float) -> int:
        if client_id is None:
            cursor = self.conn.execute("UPDATE tokens SET expires = ? WHERE expires > ?", (when, when))
        else:
            sql = "UPDATE tokens SET expires = ? WHERE expires > ? AND client_id = ?"
            cursor = self.conn.execute(sql, (when, when, client_id))
        return cursor.rowcount

    def purge_tokens(self, expired_before: float) -> None:
        # Expired tokens are kept for a while so that a late call is told "expired" rather than "invalid".
        if self.conn.execute("DELETE FROM tokens WHERE expires < ?", (expired_before,)).rowcount:
            self.conn.execute("DELETE FROM token_grants WHERE access_token NOT IN (SELECT access_token FROM tokens)")

    # -- token grants, identity providers and the users their tokens map to ------------------------

    _GRANT_SELECT = ("SELECT t.*, COALESCE(g.grant_type, 'password') AS grant_type, g.scope AS scope, "
                     "COALESCE(g.identity_provider_id, '') AS identity_provider_id, "
                     "COALESCE(g.refresh_state, 'active') AS refresh_state "
                     "FROM tokens t LEFT JOIN token_grants g ON g.access_token = t.access_token")

    def oauth_client_ids(self) -> set:
        return {row["oauth_client_id"] for row in self._all("SELECT DISTINCT oauth_client_id FROM api_clients")}

    def insert_token_grant(self, row: dict) -> None:
        self._insert("token_grants", row, replace=True)

    def token_by_refresh(self, refresh_token: str) -> dict | None:
        return self._one(f"{self._GRANT_SELECT} WHERE t.refresh_token = ?", (refresh_token,))

    def set_refresh_state(self, access_token: str, state: str, grant: dict) -> None:
        row = {key: grant[key] for key in ("grant_type", "identity_provider_id")}
        row.update(access_token=access_token, scope=grant["scope"] or "", refresh_state=state)
        self._insert("token_grants", row, replace=True)

    def token_grants(self, client_id: str | None = None) -> list:
        where, params = (" WHERE t.client_id = ?", (client_id,)) if client_id is not None else ("", ())
        return self._all(f"{self._GRANT_SELECT}{where} ORDER BY t.issued, t.access_token", params)

    def insert_identity_provider(self, row: dict) -> None:
        self._insert("identity_providers", row)

    def get_identity_provider(self, provider_id: str) -> dict | None:
        return self._one("SELECT * FROM identity_providers WHERE id = ?", (provider_id,))

    def identity_provider_by_name(self, name: str) -> dict | None:
        return self._one("SELECT * FROM identity_providers WHERE name = ?", (name,))

    def identity_providers_by_issuer(self, issuer: str) -> list:
        return self._all("SELECT * FROM identity_providers WHERE jwt_issuer = ? ORDER BY name, id", (issuer,))

    def update_identity_provider(self, provider_id: str, columns: dict) -> None:
        self._update("identity_providers", provider_id, columns)

    def delete_identity_provider(self, provider_id: str) -> None:
        self.conn.execute("DELETE FROM identity_providers WHERE id = ?", (provider_id,))

    def page_identity_providers(self, keywords: list, paging) -> tuple:
        where, params = _keyword_clauses(keywords, ("name", "jwt_issuer"))
        order = _order_by(paging, IDENTITY_PROVIDER_SORT, "id")
        return self._page("SELECT * FROM identity_providers", "FROM identity_providers", where, params, order, paging)

    def insert_user_directory(self, row: dict) -> None:
        self._insert("user_directories", row)

    def get_user_directory(self, directory_id: str) -> dict | None:
        return self._one("SELECT * FROM user_directories WHERE id = ?", (directory_id,))

    def insert_directory_user(self, row: dict) -> None:
        self._insert("directory_users", row)

    def find_directory_user(self, directory_id: str, principal: str) -> dict | None:
        sql = "SELECT * FROM directory_users WHERE directory_id = ? AND principal_key = ?"
        return self._one(sql, (directory_id, principal.lower()))

    def get_directory_user(self, user_id: str) -> dict | None:
        return self._one("SELECT * FROM directory_users WHERE user_id = ?", (user_id,))

    # -- password policies -----------------------------------------------------------------------

    def insert_policy(self, row: dict) -> None:
        self._insert("password_policies", row)

    def get_policy(self, policy_id: str | None) -> dict | None:
        if not policy_id:
            return None
        return self._one("SELECT * FROM password_policies WHERE id = ?", (policy_id,))

    def get_policy_by_name(self, name: str) -> dict | None:
        return self._one("SELECT * FROM password_policies WHERE name = ?", (name,))

    def page_policies(self, paging) -> tuple:
        order = _order_by(paging, POLICY_SORT, "id")
        return self._page("SELECT * FROM password_policies", "FROM password_policies", [], [], order, paging)

    def policy_details(self, policy_id: str) -> dict:
        return self._json("SELECT data FROM policy_details WHERE policy_id = ?", (policy_id,)) or {}

    def set_policy_details(self, policy_id: str, data: dict) -> None:
        self._insert("policy_details", {"policy_id": policy_id, "data": json.dumps(data, sort_keys=True)}, replace=True)

    def update_policy(self, policy_id: str, columns: dict) -> None:
        self._update("password_policies", policy_id, columns)

    def delete_policy(self, policy_id: str) -> None:
        self.conn.execute("DELETE FROM password_policies WHERE id = ?", (policy_id,))
        self.conn.execute("DELETE FROM policy_details WHERE policy_id = ?", (policy_id,))

    def policy_users(self, policy_id: str) -> tuple:
        """(number of managed accounts with this policy, names of target domains that auto-onboard with it)"""
        accounts = self.conn.execute(
            "SELECT count(*) FROM managed_accounts WHERE password_policy_id = ?", (policy_id,),
        ).fetchone()[0]
        rows = self._all(
            "SELECT td.name FROM target_domain_details d JOIN target_domains td ON td.id = d.target_domain_id "
            "WHERE d.auto_onboarding_policy_id = ? ORDER BY td.name", (policy_id,),
        )
        return accounts, [row["name"] for row in rows]

    # -- target domains --------------------------------------------------------------------------

    def insert_target_domain(self, row: dict) -> None:
        self._insert("target_domains", row)

    def get_target_domain(self, td_id: str) -> dict | None:
        return self._one("SELECT * FROM target_domains WHERE id = ?", (td_id,))

    def find_target_domain(self, name_or_id: str) -> dict | None:
        sql = "SELECT * FROM target_domains WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1"
        return self._one(sql, (name_or_id.lower(), name_or_id, name_or_id.lower()))

    def target_domain_by_name(self, name: str) -> dict | None:
        return self._one("SELECT * FROM target_domains WHERE name = ?", (name,))

    def target_domains_by_names(self, names) -> dict:
        """{name: target domain row} of the domains whose name is among names (exactly)."""
        found = {}
        for chunk in _chunks(sorted(set(names))):
            marks = ", ".join("?" for _item in chunk)
            for row in self._all(f"SELECT * FROM target_domains WHERE name IN ({marks})", chunk):
                found[row["name"]] = row
        return found

    def update_target_domain(self, td_id: str, columns: dict) -> None:
        self._update("target_domains", td_id, columns)

    def target_domain_details(self, td_id: str) -> dict:
        """{data (dict), auto_onboarding_policy_id, scan_status, scan_message, last_scanned}, defaults when absent."""
        details = self._one("SELECT * FROM target_domain_details WHERE target_domain_id = ?", (td_id,))
        if details is None:
            return {"data": {}, "auto_onboarding_policy_id": None, "scan_status": "", "scan_message": "", "last_scanned": None}
        details["data"] = json.loads(details["data"])
        return details

    def set_target_domain_details(self, td_id: str, details: dict) -> None:
        row = dict(details, target_domain_id=td_id, data=json.dumps(details["data"], sort_keys=True))
        columns = ("target_domain_id", "data", "auto_onboarding_policy_id", "scan_status", "scan_message", "last_scanned")
        self._insert("target_domain_details", {column: row[column] for column in columns}, replace=True)

    def set_scan_state(self, td_id: str, status: str, message: str, last_scanned: int | None) -> None:
        details = self.target_domain_details(td_id)
        details.update(scan_status=status, scan_message=message)
        if last_scanned is not None:
            details["last_scanned"] = last_scanned
        self.set_target_domain_details(td_id, details)

    def count_managed_accounts(self, td_id: str) -> int:
        return self.conn.execute("SELECT count(*) FROM managed_accounts WHERE target_domain_id = ?", (td_id,)).fetchone()[0]

    def delete_target_domain(self, td_id: str) -> None:
        """The domain with its scanned accounts, directory and pending scan; the caller checked it has no managed accounts."""
        for sql in (
            "DELETE FROM scanned_account_details WHERE scanned_account_id IN "
            "(SELECT id FROM scanned_accounts WHERE target_domain_id = ?)",
            "DELETE FROM scanned_accounts WHERE target_domain_id = ?",
            "DELETE FROM directory_entries WHERE target_domain_id = ?",
            "DELETE FROM pending_scans WHERE target_domain_id = ?",
            "DELETE FROM target_domain_details WHERE target_domain_id = ?",
            "DELETE FROM target_domains WHERE id = ?",
        ):
            self.conn.execute(sql, (td_id,))

    def page_target_domains(self, criteria: dict, paging) -> tuple:
        where, params = _keyword_clauses(criteria.get("keywords", []), ("name", "comment"))
        for flag in ("enabled", "auto_onboarding"):
            if flag in criteria:
                where.append(f"{flag} = ?")
                params.append(int(criteria[flag]))
        if "periodic_scan" in criteria:
            # periodic_scan lives in the details' JSON (read here, not with SQLite's JSON functions, which older
            # SQLite builds lack); a domain without details has it false.
            wanted = [row["id"] for row in self._all("SELECT id FROM target_domains")
                      if bool(self.target_domain_details(row["id"])["data"].get("periodic_scan", False)) == criteria["periodic_scan"]]
            where.append(f"id IN ({', '.join('?' for _item in wanted)})" if wanted else "0")
            params += wanted
        order = _order_by(paging, TARGET_DOMAIN_SORT, "id")
        return self._page("SELECT * FROM target_domains", "FROM target_domains", where, params, order, paging)

    # -- scanned accounts ------------------------------------------------------------------------

    def insert_scanned_accounts(self, rows: list) -> None:
        self._insert_many("scanned_accounts", rows)

    def get_scanned_account(self, td_id: str, account_id: str) -> dict | None:
        return self._one("SELECT * FROM scanned_accounts WHERE target_domain_id = ? AND id = ?", (td_id, account_id))

    def find_scanned_by_username(self, td_id: str, username_key: str) -> dict | None:
        sql = "SELECT * FROM scanned_accounts WHERE target_domain_id = ? AND username_key = ? ORDER BY id LIMIT 1"
        return self._one(sql, (td_id, username_key))

    def set_scanned_state(self, account_id: str, state: str, when: int) -> None:
        self.conn.execute("UPDATE scanned_accounts SET state = ?, updated = ? WHERE id = ?", (state, when, account_id))

    def all_scanned_accounts(self, td_id: str) -> list:
        return self._all("SELECT * FROM scanned_accounts WHERE target_domain_id = ?", (td_id,))

    def update_scanned_account(self, account_id: str, columns: dict) -> None:
        self._update("scanned_accounts", account_id, columns)

    def scanned_details(self, account_ids: list) -> dict:
        """{scanned account id: {comment, updated_by}} for those that have any."""
        found = {}
        for chunk in _chunks(list(account_ids)):
            marks = ", ".join("?" for _item in chunk)
            for row in self._all(f"SELECT * FROM scanned_account_details WHERE scanned_account_id IN ({marks})", chunk):
                found[row["scanned_account_id"]] = row
        return found

    def change_scanned_account(self, account_id: str, changes: dict, caller_user_id: str, when: int) -> None:
        """Apply a change set {ignored?, comment?}: what it leaves out stays as it is."""
        if "ignored" in changes:
            self.update_scanned_account(account_id, {"ignored": int(changes["ignored"])})
        current = self.scanned_details([account_id]).get(account_id, {"comment": ""})
        row = {"scanned_account_id": account_id, "comment": changes.get("comment", current["comment"]), "updated_by": caller_user_id}
        self._insert("scanned_account_details", row, replace=True)
        self.update_scanned_account(account_id, {"updated": when})

    def page_scanned_accounts(self, td_id: str, criteria: dict, paging) -> tuple:
        where = ["target_domain_id = ?"]
        params = [td_id]
        clauses, keyword_params = _keyword_clauses(
            criteria.get("keywords", []), ("username", "email", "full_name", "sam_account_name")
        )
        where += clauses
        params += keyword_params
        if "state" in criteria:
            where.append("state = ?")
            params.append(criteria["state"])
        if "ignored" in criteria:
            where.append("ignored = ?")
            params.append(int(criteria["ignored"]))
        clauses, range_params = _range_clauses(criteria, "")
        where += clauses
        params += range_params
        order = _order_by(paging, SCANNED_SORT, "id")
        return self._page("SELECT * FROM scanned_accounts", "FROM scanned_accounts", where, params, order, paging)

    # -- directory content and scans -------------------------------------------------------------

    def directory(self, td_id: str) -> list:
        rows = self._all("SELECT data FROM directory_entries WHERE target_domain_id = ? ORDER BY username_key", (td_id,))
        return [json.loads(row["data"]) for row in rows]

    def put_directory_entries(self, td_id: str, entries: list) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO directory_entries (target_domain_id, username_key, data) VALUES (?, ?, ?)",
            [(td_id, entry["username"].lower(), json.dumps(entry, sort_keys=True)) for entry in entries],
        )

    def remove_directory_entry(self, td_id: str, username: str) -> int:
        sql = "DELETE FROM directory_entries WHERE target_domain_id = ? AND username_key = ?"
        return self.conn.execute(sql, (td_id, username.lower())).rowcount

    def clear_directory(self, td_id: str) -> None:
        self.conn.execute("DELETE FROM directory_entries WHERE target_domain_id = ?", (td_id,))

    def pending_scan(self, td_id: str) -> dict | None:
        return self._one("SELECT * FROM pending_scans WHERE target_domain_id = ?", (td_id,))

    def add_pending_scan(self, td_id: str, requested: float, due: float) -> None:
        self._insert("pending_scans", {"target_domain_id": td_id, "requested": requested, "due": due})

    def due_scans(self, when: float) -> list:
        return self._all("SELECT * FROM pending_scans WHERE due <= ? ORDER BY due, target_domain_id", (when,))

    def delete_pending_scan(self, td_id: str) -> None:
        self.conn.execute("DELETE FROM pending_scans WHERE target_domain_id = ?", (td_id,))

    # -- managed accounts ------------------------------------------------------------------------

    def insert_managed_account(self, row: dict) -> None:
        self._insert("managed_accounts", row)

    def get_managed_account(self, td_id: str, account_id: str) -> dict | None:
        return self._one(f"{_MANAGED_SELECT} WHERE ma.target_domain_id = ? AND ma.id = ?", (td_id, account_id))

    def get_managed_account_by_id(self, account_id: str) -> dict | None:
        return self._one(f"{_MANAGED_SELECT} WHERE ma.id = ?", (account_id,))

    def find_managed_by_username(self, td_id: str, username_key: str) -> dict | None:
        return self._one(f"{_MANAGED_SELECT} WHERE ma.target_domain_id = ? AND ma.username_key = ?", (td_id, username_key))

    def update_managed_account(self, account_id: str, changes: dict) -> None:
        self._update("managed_accounts", account_id, changes)

    def delete_managed_account(self, account_id: str) -> None:
        for sql in (
            "DELETE FROM managed_accounts WHERE id = ?",
            "DELETE FROM rotation_history WHERE managed_account_id = ?",
            "DELETE FROM secret_versions WHERE account_id = ?",
            "DELETE FROM checkouts WHERE managed_account_id = ?",
            "DELETE FROM pending_rotations WHERE managed_account_id = ?",
        ):
            self.conn.execute(sql, (account_id,))

    def page_managed_accounts(self, td_id: str, criteria: dict, paging) -> tuple:
        where = ["ma.target_domain_id = ?"]
        params = [td_id]
        clauses, keyword_params = _keyword_clauses(
            criteria.get("keywords", []), ("ma.username", "ma.email", "ma.full_name", "ma.comment")
        )
        where += clauses
        params += keyword_params
        for flag in ("enabled", "rotation_enabled", "explicit_checkout"):
            if flag in criteria:
                where.append(f"ma.{flag} = ?")
                params.append(int(criteria[flag]))
        if "state" in criteria:
            where.append("ma.state = ?")
            params.append(criteria["state"])
        clauses, range_params = _range_clauses(criteria, "ma.")
        where += clauses
        params += range_params
        order = _order_by(paging, MANAGED_SORT, "ma.id")
        return self._page(_MANAGED_SELECT, "FROM managed_accounts ma", where, params, order, paging)

    def all_managed_accounts(self, td_id: str) -> list:
        return self._all(f"{_MANAGED_SELECT} WHERE ma.target_domain_id = ? ORDER BY ma.username, ma.id", (td_id,))

    # -- rotation history, secret versions and pending rotations ---------------------------------

    def append_history(self, account_id: str, version: int, rotated: int, trigger: str, status: str) -> None:
        row = {"managed_account_id": account_id, "version": version, "rotated": rotated, "trigger": trigger, "status": status}
        self._insert("rotation_history", row)

    def history_for(self, account_ids: list) -> dict:
        """{account id: [history rows, oldest first]}"""
        history = {account_id: [] for account_id in account_ids}
        for chunk in _chunks(list(account_ids)):
            marks = ", ".join("?" for _item in chunk)
            sql = f"SELECT * FROM rotation_history WHERE managed_account_id IN ({marks}) ORDER BY seq"
            for row in self._all(sql, chunk):
                history[row["managed_account_id"]].append(row)
        return history

    def secret_versions(self, account_id: str) -> list:
        return self._all("SELECT * FROM secret_versions WHERE account_id = ? ORDER BY version", (account_id,))

    def current_secret_version(self, account_id: str) -> int:
        row = self._one("SELECT max(version) AS version FROM secret_versions WHERE account_id = ?", (account_id,))
        return row["version"] or 0

    def add_secret_version(self, account_id: str, secret: str, created: int, max_versions: int = 0) -> int:
        """Store the next version (highest + 1) and trim the oldest beyond max_versions (when > 0)."""
        version = self.current_secret_version(account_id) + 1
        self._insert("secret_versions", {"account_id": account_id, "version": version, "secret": secret, "created": created})
        if max_versions > 0:
            sql = "DELETE FROM secret_versions WHERE account_id = ? AND version <= ?"
            self.conn.execute(sql, (account_id, version - max_versions))
        return version

    def add_pending_rotation(self, account_id: str, trigger: str, requested: float, due: float) -> None:
        row = {"managed_account_id": account_id, "trigger": trigger, "requested": requested, "due": due}
        self._insert("pending_rotations", row)

    def due_rotations(self, when: float) -> list:
        return self._all("SELECT * FROM pending_rotations WHERE due <= ? ORDER BY due, managed_account_id", (when,))

    def delete_pending_rotation(self, account_id: str) -> None:
        self.conn.execute("DELETE FROM pending_rotations WHERE managed_account_id = ?", (account_id,))

    # -- hosts -----------------------------------------------------------------------------------

    def insert_host(self, row: dict) -> None:
        self._insert("hosts", row)

    def insert_host_account(self, row: dict) -> None:
        self._insert("host_accounts", row)

    @staticmethod
    def _host(row: dict | None) -> dict | None:
        if row is not None:
            row["addresses"] = json.loads(row["addresses"])
            row["data"] = json.loads(row["data"]) if row["data"] else {}
        return row

    def get_host(self, host_id: str) -> dict | None:
        """The host with its details: `data` (the stored Host fields), rotation_enabled, password_policy_id, ..."""
        return self._host(self._one(f"{_HOST_SELECT} WHERE h.id = ?", (host_id,)))

    def find_host(self, name_or_id: str) -> dict | None:
        sql = f"{_HOST_SELECT} WHERE h.id = ? OR h.common_name = ? ORDER BY h.id = ? DESC LIMIT 1"
        return self._host(self._one(sql, (name_or_id.lower(), name_or_id, name_or_id.lower())))

    def hosts(self, common_names=None, order: str = "h.common_name, h.id") -> list:
        """Every host (or those with one of the common names, ASCII letter case ignored), in `order`."""
        where, params = "", []
        if common_names is not None:
            where = f" WHERE h.common_name COLLATE NOCASE IN ({', '.join('?' for _name in common_names)})" if common_names else " WHERE 0"
            params = list(common_names)
        return [self._host(row) for row in self._all(f"{_HOST_SELECT}{where} ORDER BY {order}", params)]

    def update_host(self, host_id: str, columns: dict) -> None:
        self._update("hosts", host_id, columns)

    def set_host_details(self, host_id: str, data: dict, rotation_enabled: bool, policy_id: str | None, template_id: str | None) -> None:
        row = {"host_id": host_id, "data": json.dumps(data, sort_keys=True), "rotation_enabled": int(rotation_enabled),
               "password_policy_id": policy_id or None, "script_template_id": template_id or None}
        self._insert("host_details", row, replace=True)

    def delete_host(self, host_id: str) -> None:
        """The host, its details and its secret with every account."""
        self.delete_host_secret(host_id)
        self.conn.execute("DELETE FROM host_details WHERE host_id = ?", (host_id,))
        self.conn.execute("DELETE FROM hosts WHERE id = ?", (host_id,))

    def hosts_using(self, column: str, value: str) -> list:
        """Common names of the hosts whose rotation settings or host secret name this password_policy_id or
        script_template_id (`column`), rotating or not."""
        sql = (f"SELECT h.common_name FROM hosts h WHERE h.id IN (SELECT host_id FROM host_details WHERE {column} = ? "
               f"UNION SELECT host_id FROM host_secrets WHERE {column} = ?) ORDER BY h.common_name")
        return [row["common_name"] for row in self._all(sql, (value, value))]

    # -- host secrets and their accounts ---------------------------------------------------------

    def get_host_secret(self, host_id: str) -> dict | None:
        return self._json("SELECT data FROM host_secrets WHERE host_id = ?", (host_id,))

    def set_host_secret(self, host_id: str, data: dict) -> None:
        row = {"host_id": host_id, "data": json.dumps(data, sort_keys=True), "password_policy_id": data.get("policy_id") or None,
               "script_template_id": data.get("script_template_id") or None}
        self._insert("host_secrets", row, replace=True)

    def delete_host_secret(self, host_id: str) -> None:
        for account in self.host_accounts(host_id):
            self.delete_host_account(account["id"])
        self.conn.execute("DELETE FROM host_secrets WHERE host_id = ?", (host_id,))

    def host_accounts(self, host_id: str) -> list:
        """The accounts of a host's secret, with their rotation state, by username."""
        return self._all(f"{_HOST_ACCOUNT_SELECT} WHERE ha.host_id = ? ORDER BY ha.username", (host_id,))

    def get_host_account(self, account_id: str) -> dict | None:
        return self._one(f"{_HOST_ACCOUNT_SELECT} WHERE ha.id = ?", (account_id,))

    def set_host_account_details(self, account_id: str, **changes) -> None:
        """Change some of an account's rotation state; the others keep their values (defaults for a new row)."""
        current = self._one("SELECT * FROM host_account_details WHERE account_id = ?", (account_id,)) or {
            "account_id": account_id, "access_roles": "", "rotation_initiated": None, "last_rotated": None, "last_error": None,
            "last_error_details": "", "created_by": ""}
        current.update(changes)
        self._insert("host_account_details", current, replace=True)

    def delete_host_account(self, account_id: str) -> None:
        for sql in (
            "DELETE FROM host_accounts WHERE id = ?",
            "DELETE FROM host_account_details WHERE account_id = ?",
            "DELETE FROM secret_versions WHERE account_id = ?",
            "DELETE FROM checkouts WHERE host_account_id = ?",
            "DELETE FROM pending_rotations WHERE managed_account_id = ?",
        ):
            self.conn.execute(sql, (account_id,))

    # -- script templates ------------------------------------------------------------------------

    def insert_script_template(self, row: dict) -> None:
        self._insert("script_templates", row)

    def get_script_template(self, template_id: str | None) -> dict | None:
        if not template_id:
            return None
        return self._one("SELECT * FROM script_templates WHERE id = ?", (template_id,))

    def get_script_template_by_name(self, name: str) -> dict | None:
        return self._one("SELECT * FROM script_templates WHERE name = ?", (name,))

    def update_script_template(self, template_id: str, columns: dict) -> None:
        self._update("script_templates", template_id, columns)

    def delete_script_template(self, template_id: str) -> None:
        self.conn.execute("DELETE FROM script_templates WHERE id = ?", (template_id,))

    def page_script_templates(self, paging) -> tuple:
        order = _order_by(paging, SCRIPT_TEMPLATE_SORT, "id")
        return self._page("SELECT * FROM script_templates", "FROM script_templates", [], [], order, paging)

    def hosts_by_id(self, host_ids) -> dict:
        wanted = sorted({host_id for host_id in host_ids if host_id})
        hosts = {}
        for chunk in _chunks(wanted):
            marks = ", ".join("?" for _item in chunk)
            for row in self._all(f"SELECT * FROM hosts WHERE id IN ({marks})", chunk):
                row["addresses"] = json.loads(row["addresses"])
                hosts[row["id"]] = row
        return hosts

    # -- account secrets (what a caller may check out) -------------------------------------------

    @staticmethod
    def _access_clause(access) -> tuple:
        """Rows a caller with these role keys (lower-case ids and names; None: any, as privx-admin) may see."""
        if access is None:
            return [], []
        return ["(access_roles = ''" + "".join(" OR instr(access_roles, ?) > 0" for _key in access) + ")"], [f",{key}," for key in access]

    def page_account_secrets(self, criteria: dict, paging) -> tuple:
        where, params = self._access_clause(criteria.get("access"))
        where.append("explicit_checkout = 1")
        clauses, keyword_params = _keyword_clauses(criteria.get("keywords", []), ("path", "username", "email", "full_name"))
        where += clauses
        params += keyword_params
        if criteria.get("host_id"):
            where.append("host_id = ?")
            params.append(criteria["host_id"])
        if criteria.get("username"):
            where.append("username = ?")
            params.append(criteria["username"])
        order = f"{SECRET_SORT[paging.sortkey]} {'DESC' if paging.descending else 'ASC'}, path, account_id"
        return self._page("SELECT * FROM account_secrets", "FROM account_secrets", where, params, order, paging)

    def find_account_secret(self, path: str, access=None) -> dict | None:
        where, params = self._access_clause(access)
        sql = f"SELECT * FROM account_secrets WHERE {' AND '.join(where + ['path = ?'])} ORDER BY type DESC LIMIT 1"
        return self._one(sql, params + [path])

    # -- checkouts -------------------------------------------------------------------------------

    def insert_checkout(self, row: dict) -> None:
        self._insert("checkouts", row)

    def get_checkout(self, checkout_id: str) -> dict | None:
        return self._one(f"{_CHECKOUT_SELECT} WHERE c.id = ?", (checkout_id,))

    def active_checkout_of(self, client_id: str, account_id: str, when: float) -> dict | None:
        sql = (f"{_CHECKOUT_SELECT} WHERE c.client_id = ? AND c.expires > ? "
               "AND (c.managed_account_id = ? OR c.host_account_id = ?) ORDER BY c.created, c.id LIMIT 1")
        return self._one(sql, (client_id, when, account_id, account_id))

    def count_active_checkouts(self, account_id: str, when: float) -> int:
        sql = "SELECT count(*) FROM checkouts WHERE expires > ? AND (managed_account_id = ? OR host_account_id = ?)"
        return self.conn.execute(sql, (when, account_id, account_id)).fetchone()[0]

    def page_checkouts(self, client_id: str, when: float, paging) -> tuple:
        where = ["c.client_id = ?", "c.expires > ?"]
        order = _order_by(paging, CHECKOUT_SORT, "c.id")
        return self._page(_CHECKOUT_SELECT, "FROM checkouts c", where, [client_id, when], order, paging)

    def checkouts_of_accounts(self, client_id: str, account_ids: list, when: float) -> dict:
        """{managed account id: [the client's active checkouts of it]}"""
        found = {account_id: [] for account_id in account_ids}
        for chunk in _chunks(list(account_ids)):
            marks = ", ".join("?" for _item in chunk)
            sql = (f"{_CHECKOUT_SELECT} WHERE c.client_id = ? AND c.expires > ? AND c.managed_account_id IN ({marks}) "
                   "ORDER BY c.created, c.id")
            for row in self._all(sql, [client_id, when] + chunk):
                found[row["managed_account_id"]].append(row)
        return found

    def all_active_checkouts(self, when: float) -> list:
        return self._all(f"{_CHECKOUT_SELECT} WHERE c.expires > ? ORDER BY c.created, c.id", (when,))

    def expired_checkouts(self, when: float) -> list:
        return self._all(f"{_CHECKOUT_SELECT} WHERE c.expires <= ? ORDER BY c.expires, c.id", (when,))

    def delete_checkout(self, checkout_id: str) -> None:
        self.conn.execute("DELETE FROM checkouts WHERE id = ?", (checkout_id,))

    # -- audit events ----------------------------------------------------------------------------

    def insert_audit_event(self, row: dict) -> None:
        self._insert("audit_events", row)

    def last_audit_created(self) -> int:
        return self.conn.execute("SELECT max(created) FROM audit_events").fetchone()[0] or 0

    def page_audit_events(self, criteria: dict, paging) -> tuple:
        """Events with start <= created < end (microseconds, each when given), of a user or host, matching keywords."""
        where, params = _keyword_clauses(criteria.get("keywords", []), ("search_text",))
        for key, condition in (("start", "created >= ?"), ("end", "created < ?"), ("user_id", "user_id = ?"), ("host_id", "host_id = ?")):
            if criteria.get(key) not in (None, ""):
                where.append(condition)
                params.append(criteria[key])
        direction = "DESC" if paging.descending else "ASC"
        order = f"created {direction}, seq {direction}"
        return self._page("SELECT * FROM audit_events", "FROM audit_events", where, params, order, paging)

    # -- roles -----------------------------------------------------------------------------------

    def insert_role(self, row: dict) -> None:
        self._insert("roles", row)

    def grant_role(self, client_id: str, role_id: str) -> None:
        self.conn.execute("INSERT OR IGNORE INTO client_roles (client_id, role_id) VALUES (?, ?)", (client_id, role_id))

    def client_roles(self, client_id: str) -> list:
        sql = "SELECT r.* FROM client_roles c JOIN roles r ON r.id = c.role_id WHERE c.client_id = ? ORDER BY r.name"
        return self._all(sql, (client_id,))

    def get_role(self, role_id: str) -> dict | None:
        return self._one("SELECT * FROM roles WHERE id = ?", (role_id,))

    def roles_by(self, column: str, values) -> dict:
        """{value: role row} of the roles whose `id` or `name` is among values."""
        assert column in ("id", "name")
        found = {}
        for chunk in _chunks(sorted(set(values))):
            marks = ", ".join("?" for _item in chunk)
            for row in self._all(f"SELECT * FROM roles WHERE {column} IN ({marks})", chunk):
                found[row[column]] = row
        return found

    def page_roles(self, paging) -> tuple:
        return self._page("SELECT * FROM roles", "FROM roles", [], [], _order_by(paging, ROLE_SORT, "id"), paging)

    # -- Vault secrets ---------------------------------------------------------------------------

    def insert_vault_secret(self, row: dict, read_ids: list, write_ids: list) -> None:
        self._insert("vault_secrets", dict(row, data_reads=0))
        self.set_vault_roles(row["name"], read_ids, write_ids)

    def get_vault_secret(self, name: str) -> dict | None:
        return self._one("SELECT * FROM vault_secrets WHERE name = ?", (name,))

    def update_vault_secret(self, name: str, columns: dict) -> None:
        assignments = ", ".join(f"{column} = ?" for column in columns)
        self.conn.execute(f"UPDATE vault_secrets SET {assignments} WHERE name = ?", list(columns.values()) + [name])

    def set_vault_roles(self, name: str, read_ids: list, write_ids: list) -> None:
        self.conn.execute("DELETE FROM vault_secret_roles WHERE name = ?", (name,))
        rows = [(name, "read", index, role_id) for index, role_id in enumerate(read_ids)]
        rows += [(name, "write", index, role_id) for index, role_id in enumerate(write_ids)]
        self.conn.executemany("INSERT INTO vault_secret_roles (name, access, position, role_id) VALUES (?, ?, ?, ?)", rows)

    def vault_roles(self, names) -> dict:
        """{name: {"read": [role ids], "write": [role ids]}}, in the order they were given."""
        found = {name: {"read": [], "write": []} for name in names}
        for chunk in _chunks(list(found)):
            marks = ", ".join("?" for _item in chunk)
            sql = f"SELECT * FROM vault_secret_roles WHERE name IN ({marks}) ORDER BY name, access, position"
            for row in self._all(sql, chunk):
                found[row["name"]][row["access"]].append(row["role_id"])
        return found

    def delete_vault_secret(self, name: str) -> None:
        for table in ("vault_secrets", "vault_secret_roles", "vault_secret_versions"):
            self.conn.execute(f"DELETE FROM {table} WHERE name = ?", (name,))

    def add_vault_version(self, name: str, data: str, read_ids: list, write_ids: list, updated: int, updated_by: str) -> int:
        row = self._one("SELECT max(version) AS version FROM vault_secret_versions WHERE name = ?", (name,))
        version = (row["version"] or 0) + 1
        self._insert("vault_secret_versions", {"name": name, "version": version, "data": data, "read_roles": json.dumps(read_ids),
                                               "write_roles": json.dumps(write_ids), "updated": updated, "updated_by": updated_by})
        return version

    def vault_versions(self, name: str) -> list:
        return self._all("SELECT * FROM vault_secret_versions WHERE name = ? ORDER BY version", (name,))

    def count_vault_read(self, name: str) -> None:
        self.conn.execute("UPDATE vault_secrets SET data_reads = data_reads + 1 WHERE name = ?", (name,))

    def all_vault_secrets(self) -> list:
        return self._all("SELECT * FROM vault_secrets ORDER BY name")

    def page_vault_secrets(self, criteria: dict, paging) -> tuple:
        """The secrets a caller may see, filtered. criteria: user_id and role_ids (the caller's), manage (sees
        every secret), and optionally keywords, owner_ids, owner (exactly this owner: '' for shared secrets),
        readable, writable."""
        where, params = _keyword_clauses(criteria.get("keywords", []), ("s.name",))
        if not criteria["manage"]:
            clause, clause_params = self._vault_access(criteria, ("read", "write"))
            where.append(clause)
            params += clause_params
        # vault-manage lets a caller write every secret, but read only those its roles (or ownership) reach.
        wanted = [access for access, key in (("read", "readable"), ("write", "writable"))
                  if criteria.get(key) and not (access == "write" and criteria["manage"])]
        for access in wanted:
            clause, clause_params = self._vault_access(criteria, (access,))
            where.append(clause)
            params += clause_params
        if "owner" in criteria:
            where.append("s.owner_id = ?")
            params.append(criteria["owner"])
        if criteria.get("owner_ids"):
            where.append(f"s.owner_id IN ({', '.join('?' for _item in criteria['owner_ids'])})")
            params += criteria["owner_ids"]
        order = _order_by(paging, VAULT_SORT, "s.name")
        return self._page("SELECT s.* FROM vault_secrets s", "FROM vault_secrets s", where, params, order, paging)

    @staticmethod
    def _vault_access(criteria: dict, accesses: tuple) -> tuple:
        """SQL: the caller owns the secret, or holds one of its roles of these kinds."""
        clause, params = "s.owner_id = ?", [criteria["user_id"]]
        role_ids = sorted(criteria["role_ids"])
        if role_ids:
            kinds = ", ".join("?" for _item in accesses)
            marks = ", ".join("?" for _item in role_ids)
            clause += (f" OR EXISTS (SELECT 1 FROM vault_secret_roles r WHERE r.name = s.name AND r.access IN ({kinds}) "
                       f"AND r.role_id IN ({marks}))")
            params += list(accesses) + role_ids
        return f"({clause})", params
