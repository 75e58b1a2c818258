"""Numbered, forward-only schema migrations. ``PRAGMA user_version`` records the version applied.

Never edit a migration that has shipped: add the next one. Each step runs in its own transaction.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "core tables",
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        -- Raw Clio JSON plus the columns the planner filters on.
        CREATE TABLE clio_records (
            kind TEXT NOT NULL,
            clio_id INTEGER NOT NULL,
            etag TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL DEFAULT '',
            parent_id INTEGER,
            client_id INTEGER,
            matter_id INTEGER,
            bank_account_id INTEGER,
            number TEXT,
            state TEXT,
            date TEXT,
            amount TEXT,
            raw TEXT NOT NULL,
            pulled_at TEXT NOT NULL,
            PRIMARY KEY (kind, clio_id)
        );
        CREATE INDEX clio_records_parent ON clio_records (kind, parent_id);
        CREATE INDEX clio_records_matter ON clio_records (kind, matter_id);
        CREATE TABLE qbo_records (
            entity TEXT NOT NULL,
            qbo_id TEXT NOT NULL,
            sync_token TEXT NOT NULL DEFAULT '',
            raw TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (entity, qbo_id)
        );
        -- The sync status table: one row per Clio record (and role) that has a QBO counterpart.
        CREATE TABLE links (
            clio_kind TEXT NOT NULL,
            clio_id INTEGER NOT NULL,
            role TEXT NOT NULL DEFAULT 'main',
            clio_etag TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL DEFAULT '',
            qbo_entity TEXT NOT NULL,
            qbo_id TEXT NOT NULL,
            qbo_sync_token TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'posted',
            linked_at TEXT NOT NULL,
            PRIMARY KEY (clio_kind, clio_id, role)
        );
        CREATE INDEX links_qbo ON links (qbo_entity, qbo_id);
        CREATE TABLE cursors (
            stream TEXT PRIMARY KEY,
            bookmark TEXT NOT NULL DEFAULT '',
            signpost TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        );
        -- Intent is written here before anything is sent, so a killed run can be finished.
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            request_id TEXT NOT NULL UNIQUE,
            clio_kind TEXT NOT NULL,
            clio_id INTEGER NOT NULL,
            role TEXT NOT NULL DEFAULT 'main',
            operation TEXT NOT NULL,
            qbo_entity TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            response TEXT,
            qbo_id TEXT,
            error TEXT
        );
        CREATE INDEX outbox_status ON outbox (status);
        CREATE TABLE exceptions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            clio_kind TEXT NOT NULL,
            clio_id TEXT NOT NULL,
            reason_code TEXT NOT NULL,
            message TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            attempted TEXT NOT NULL DEFAULT '',
            attempted_digest TEXT NOT NULL DEFAULT '',
            blocks TEXT NOT NULL DEFAULT '[]',
            owner TEXT NOT NULL DEFAULT '',
            resolution TEXT NOT NULL DEFAULT '',
            qbo_ref TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX exceptions_status ON exceptions (status);
        CREATE INDEX exceptions_ref ON exceptions (clio_kind, clio_id);
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            clio_kind TEXT NOT NULL DEFAULT '',
            clio_id TEXT NOT NULL DEFAULT '',
            clio_version TEXT NOT NULL DEFAULT '',
            qbo_entity TEXT NOT NULL DEFAULT '',
            qbo_id TEXT NOT NULL DEFAULT '',
            qbo_version TEXT NOT NULL DEFAULT '',
            request_id TEXT NOT NULL DEFAULT '',
            sent_digest TEXT NOT NULL DEFAULT '',
            received_digest TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_clio ON audit_log (clio_kind, clio_id);
        CREATE INDEX audit_qbo ON audit_log (qbo_entity, qbo_id);
        -- The head of the chain, so that cutting entries off the end is detected too.
        CREATE TABLE audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER exceptions_no_delete BEFORE DELETE ON exceptions
            BEGIN SELECT RAISE(ABORT, 'exceptions are never deleted'); END;
        """,
    ),
    (
        2,
        "bank statements and trust reconciliation",
        """
        -- One row per imported statement file; balances kept when the file has them.
        CREATE TABLE bank_statements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            file_name TEXT NOT NULL,
            file_digest TEXT NOT NULL,
            format TEXT NOT NULL,
            start_date TEXT,
            end_date TEXT,
            start_balance TEXT,
            ending_balance TEXT,
            balance_date TEXT,
            lines_in_file INTEGER NOT NULL DEFAULT 0,
            lines_added INTEGER NOT NULL DEFAULT 0,
            warnings TEXT NOT NULL DEFAULT '[]',
            imported_by TEXT NOT NULL DEFAULT '',
            imported_at TEXT NOT NULL
        );
        CREATE INDEX bank_statements_account ON bank_statements (account, end_date);
        -- dedupe_key is 'fitid:<FITID>' (OFX) or 'row:<fingerprint>' (CSV): unique per account, so a
        -- re-imported or overlapping file adds nothing. adjusts_period is set when the line's month was
        -- already signed off when it arrived (a period adjustment carried into the next open period).
        CREATE TABLE bank_lines (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            statement_id INTEGER NOT NULL REFERENCES bank_statements (id),
            dedupe_key TEXT NOT NULL,
            fitid TEXT,
            date TEXT NOT NULL,
            amount TEXT NOT NULL,
            payee TEXT NOT NULL DEFAULT '',
            memo TEXT NOT NULL DEFAULT '',
            check_number TEXT NOT NULL DEFAULT '',
            balance TEXT,
            adjusts_period TEXT,
            UNIQUE (account, dedupe_key)
        );
        CREATE INDEX bank_lines_date ON bank_lines (account, date);
        -- Saved CSV column mappings, per bank account and name.
        CREATE TABLE csv_mappings (
            account TEXT NOT NULL,
            name TEXT NOT NULL,
            mapping TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (account, name)
        );
        -- Matches a person made (kind 'manual') and automatic pairings a person rejected (kind 'reject').
        -- Automatic matches are recomputed from the data; a signed-off period keeps its own in its report.
        CREATE TABLE recon_matches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('manual', 'reject')),
            bank_line_ids TEXT NOT NULL,
            txn_ids TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            removed_by TEXT,
            removed_at TEXT
        );
        CREATE INDEX recon_matches_account ON recon_matches (account, removed_at);
        -- A signed-off period is locked; its report (JSON) and digest reproduce it exactly.
        CREATE TABLE recon_periods (
            account TEXT NOT NULL,
            period TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'signed',
            prepared_by TEXT NOT NULL,
            reviewed_by TEXT NOT NULL,
            signed_on TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            report TEXT NOT NULL,
            report_digest TEXT NOT NULL,
            signed_at TEXT NOT NULL,
            PRIMARY KEY (account, period)
        );
        CREATE TRIGGER recon_periods_no_update BEFORE UPDATE ON recon_periods
            BEGIN SELECT RAISE(ABORT, 'a signed-off period is locked'); END;
        CREATE TRIGGER recon_periods_no_delete BEFORE DELETE ON recon_periods
            BEGIN SELECT RAISE(ABORT, 'a signed-off period is locked'); END;
        """,
    ),
    (
        3,
        "sync: batch composition of outbox rows",
        """
        -- The batch a row was sent in: a killed run re-sends the same batch with the same requestid, so
        -- QuickBooks answers the first result instead of writing its items twice.
        ALTER TABLE outbox ADD COLUMN batch_id TEXT;
        CREATE INDEX outbox_batch ON outbox (batch_id);
        """,
    ),
    (
        4,
        "audit trail: search by client through indexes",
        """
        -- Everything the cache holds for one client (its matters, bills, payments, trust activity), so the
        -- audit search by client is an index lookup instead of a scan of the whole cache.
        CREATE INDEX clio_records_client ON clio_records (client_id);
        -- Audit entries by Clio id alone: the exception queue writes role-qualified kinds
        -- ('payments:trust_transfer'), which the (clio_kind, clio_id) index cannot reach by prefix.
        CREATE INDEX audit_clio_id ON audit_log (clio_id);
        """,
    ),
    (
        5,
        "matters read again for their practice area",
        """
        -- The pull now asks Clio for each matter's practice_area (the per-area income items of the mapping);
        -- matters cached before lack it and an incremental pull would not read them again. An empty bookmark
        -- makes the next sync read every matter once; nothing is posted for it (a sub-customer's body does
        -- not carry the practice area).
        UPDATE cursors SET bookmark = '' WHERE stream = 'matters';
        """,
    ),
    (
        6,
        "sync: one record per run, kept as a history",
        """
        -- Every run, whoever started it (window, timer, command line, scheduler); replaces the window's
        -- "ui.last_sync" and the engine's "sync.last_run" settings, which only one side read.
        CREATE TABLE sync_runs (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            finished TEXT NOT NULL,
            trigger TEXT NOT NULL,
            actor TEXT NOT NULL DEFAULT '',
            result TEXT NOT NULL,
            dry_run INTEGER NOT NULL DEFAULT 0,
            counts TEXT NOT NULL DEFAULT '{}',
            message TEXT NOT NULL DEFAULT '',
            tie_out TEXT NOT NULL DEFAULT '[]'
        );
        -- The window's last run, kept as the first entry of the history.
        INSERT INTO sync_runs (started, finished, trigger, actor, result, dry_run, counts, message, tie_out)
        SELECT coalesce(json_extract(value, '$.started'), ''), coalesce(json_extract(value, '$.finished'), ''),
               coalesce(json_extract(value, '$.trigger'), 'window'), '',
               coalesce(json_extract(value, '$.result'), ''), coalesce(json_extract(value, '$.dry_run'), 0),
               coalesce(json_extract(value, '$.counts'), '{}'), coalesce(json_extract(value, '$.message'), ''),
               coalesce(json_extract(value, '$.tie_out'), '[]')
        FROM settings WHERE key = 'ui.last_sync';
        DELETE FROM settings WHERE key IN ('ui.last_sync', 'sync.last_run');
        """,
    ),
    (
        7,
        "reconcile: a signed-off month can be reopened, with a reason, keeping its signed report",
        """
        -- Reopening moves the signed report here (it is never lost) and frees the month for a new sign-off.
        CREATE TABLE recon_reopened (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL,
            period TEXT NOT NULL,
            signed_report TEXT NOT NULL,
            report_digest TEXT NOT NULL,
            prepared_by TEXT NOT NULL,
            reviewed_by TEXT NOT NULL,
            signed_on TEXT NOT NULL,
            reopened_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            reopened_at TEXT NOT NULL
        );
        CREATE TRIGGER recon_reopened_no_update BEFORE UPDATE ON recon_reopened
            BEGIN SELECT RAISE(ABORT, 'a reopened report is kept as it was'); END;
        CREATE TRIGGER recon_reopened_no_delete BEFORE DELETE ON recon_reopened
            BEGIN SELECT RAISE(ABORT, 'a reopened report is kept as it was'); END;
        -- A signed period leaves only by a reopen that kept its report.
        DROP TRIGGER recon_periods_no_delete;
        CREATE TRIGGER recon_periods_no_delete BEFORE DELETE ON recon_periods
            WHEN NOT EXISTS (SELECT 1 FROM recon_reopened r WHERE r.account = OLD.account
                             AND r.period = OLD.period AND r.report_digest = OLD.report_digest)
            BEGIN SELECT RAISE(ABORT, 'a signed-off period is locked'); END;
        """,
    ),
    (
        8,
        "sources: stable local numbers for ids that are not integers (Smokeball's), a person's choices among candidates, and an imported trust ledger (MyCase)",
        """
        -- Smokeball's ids are GUIDs; the cache, links, holds and audit key records by integer. Each (source,
        -- kind, id) gets one number, for good: a record is the same record in every later sync.
        CREATE TABLE source_ids (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            source_id TEXT NOT NULL,
            UNIQUE (source, kind, source_id)
        );
        -- A person's choice among the candidates a held record listed (which invoice an unlinked payment paid);
        -- the latest choice for a record counts, the earlier ones stay as they were made.
        CREATE TABLE choices (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            record_id TEXT NOT NULL,
            choice TEXT NOT NULL,
            label TEXT NOT NULL,
            actor TEXT NOT NULL,
            chosen_at TEXT NOT NULL
        );
        CREATE INDEX choices_record ON choices (kind, record_id);
        -- The firm's own trust ledger, imported from its practice-management system's export when its API has no
        -- trust (MyCase): each line once (dedupe_key), with the import it came in.
        CREATE TABLE trust_ledger_imports (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL,
            file_name TEXT NOT NULL,
            file_sha256 TEXT NOT NULL,
            first_date TEXT,
            last_date TEXT,
            through_date TEXT,  -- the last day the export covers (the person says; else its last line's day)
            rows_read INTEGER NOT NULL,
            rows_added INTEGER NOT NULL,
            imported_at TEXT NOT NULL
        );
        CREATE TABLE trust_ledger_lines (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL,
            date TEXT NOT NULL,
            client TEXT NOT NULL,
            case_ref TEXT NOT NULL,
            type TEXT NOT NULL,
            amount TEXT NOT NULL,
            reference TEXT NOT NULL,
            dedupe_key TEXT NOT NULL,
            import_id INTEGER NOT NULL REFERENCES trust_ledger_imports(id),
            UNIQUE (account, dedupe_key)
        );
        """,
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]


def current_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int | None = None) -> list[int]:
    """Apply every migration above the current version up to ``target``; return those applied."""
    target = LATEST_VERSION if target is None else target
    applied = []
    for version, _name, sql in MIGRATIONS:
        if version <= current_version(conn) or version > target:
            continue
        # executescript commits first; wrap the step so that it applies whole or not at all.
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {int(version)};\nCOMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
