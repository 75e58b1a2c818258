"""The calls the screens make into ``app``, shaped for them, one module per page. Every function here runs on a
worker thread.

Nothing here computes accounting or queries the database: it calls ``app`` for what it stored or computed and
packs it into small records for the views. The names are re-exported here so a page can say
``backend.load_dashboard``.
"""

from ui.backend.audit import AuditQuery, AuditResult, record_history, search_audit, verify_audit
from ui.backend.dashboard import (
    TIMER_KEY,
    ConnectionState,
    DashboardState,
    HistoryRow,
    TieOut,
    connection_states,
    load_dashboard,
    run_audit_rows,
)
from ui.backend.exceptions import (
    ExceptionRow,
    assign_exceptions,
    choose_exception,
    dismiss_exception,
    exception_versions,
    link_exception,
    load_exceptions,
    post_exception_anyway,
    retry_exceptions,
)
from ui.backend.settings import load_settings, save_settings
from ui.backend.sync import default_sync_factory, make_clients, plan_rows, run_sync, runs_in_child, sync_job

__all__ = [
    "TIMER_KEY", "AuditQuery", "AuditResult", "ConnectionState", "DashboardState", "ExceptionRow",
    "HistoryRow", "TieOut", "assign_exceptions", "choose_exception", "connection_states", "default_sync_factory",
    "dismiss_exception", "exception_versions", "link_exception", "load_dashboard", "load_exceptions",
    "load_settings", "make_clients", "plan_rows", "post_exception_anyway", "record_history",
    "retry_exceptions", "run_audit_rows", "run_sync", "runs_in_child", "save_settings", "search_audit",
    "sync_job", "verify_audit",
]
