"""Dashboard and sync runs: the real SyncEngine against the sandbox, through the window's task runner.

Which path each test's run takes (``ui.backend.runs_in_child``): the demo-firm tests (Sync now, Cancel, Dry
run, timer, killed child) run the engine in its own process, as the app does; the two failure tests inject
``ctx.sync_factory`` (a network that is down), which cannot cross to another process, so their factory
runs on the write worker itself.
"""

from __future__ import annotations

import multiprocessing
import os
import signal

from app.errors import LedgerbridgeError
from app.sync import runs
from app.sync.subprocess_run import SyncProcessDied
from tests.reliability.harness import duplicates, end_state
from ui import backend


def _ready(qtbot, window):
    qtbot.waitUntil(lambda: window.dashboard.refreshes >= 1, timeout=5000)
    return window.dashboard


def test_sync_now_runs_to_completion_with_progress_and_the_dashboard_updates(qtbot, demo_ctx, sandbox, make_window):
    assert backend.runs_in_child(demo_ctx)
    window = make_window(demo_ctx)
    dash = _ready(qtbot, window)
    seen = []
    bar_values = []
    window.sync.progressed.connect(lambda p: (seen.append(p), bar_values.append((dash.progress.value(),
                                                                                 dash.progress.maximum()))))
    assert dash.last_sync_label.text() == "never"
    refreshes = dash.refreshes
    with qtbot.waitSignal(window.sync.run_finished, timeout=60000) as finished:
        dash.sync_button.click()
        assert not dash.sync_button.isEnabled() and dash.cancel_button.isEnabled()
    summary, error, dry_run, trigger = finished.args
    assert error is None and not dry_run and trigger == "button"
    assert summary.created > 300
    phases = [p.phase for p in seen]
    assert "pull" in phases and "push" in phases and phases[-1] == "done"
    pushes = [p.done for p in seen if p.phase == "push"]
    assert pushes == sorted(pushes) and pushes[-1] > pushes[0]  # the bar advanced
    assert any(maximum > 1 and 0 < value < maximum for value, maximum in bar_values)
    assert dash.progress.format() == "done" and dash.sync_button.isEnabled()
    qtbot.waitUntil(lambda: dash.refreshes > refreshes and "created" in dash.last_sync_label.text(), timeout=5000)
    assert f"{summary.created} created" in dash.last_sync_label.text()
    # the window's run is in the history, as the window started it
    assert dash.history_model.rowCount() == 1
    assert dash.history_model.row_tuple(0)[1:3] == ("button", "held")
    # The demo firm plants a negative client ledger: the tie-out shows red, and the held records are counted.
    assert "does not tie out" in dash.tie_label.text()
    assert "$34,971.16" in dash.tie_label.text()
    from app.store import exceptions as exq

    assert dash.state.open_exceptions == exq.open_count(demo_ctx.store) > 0
    assert f"<b>{dash.state.open_exceptions}</b> waiting" in dash.exceptions_label.text()


def test_a_sync_run_from_the_command_line_shows_on_the_dashboard(qtbot, demo_ctx, sandbox, make_window):
    from app.cli import main

    args = ["sync", "--quiet", "--firm-db", str(demo_ctx.store.path), "--sandbox-clio", sandbox.clio_url,
            "--sandbox-qbo", sandbox.qbo_url, "--realm", sandbox.realm_id]
    assert main(args) in (0, 1)  # 1: the demo firm's planted problems are held
    [run] = runs.history(demo_ctx.store)
    assert run.trigger == "command line" and run.counts["created"] > 0 and run.tie_out
    window = make_window(demo_ctx)
    dash = _ready(qtbot, window)
    text = dash.last_sync_label.text()
    assert "from the command line" in text and f"{run.counts['created']} created" in text
    assert "Bank" in dash.tie_label.text()  # the tie-out the command line's verify step read
    # ... and in the history, from which the audit entries the run wrote open
    assert dash.history_model.rowCount() == 1
    started, by, result, written, _trust, _note = dash.history_model.row_tuple(0)
    assert by == "command line" and result == run.result and f"{run.counts['created']} created" in written
    dash.show_run(dash.history_model.key(0))
    qtbot.waitUntil(lambda: dash.run_dialog is not None and dash.run_dialog.isVisible(), timeout=10000)
    entries = [dash.run_dialog.model.row_tuple(r) for r in range(dash.run_dialog.model.rowCount())]
    assert len(entries) >= run.counts["created"] and any(e[1] == "sync.posted" for e in entries)


def test_cancel_stops_the_run_and_says_so(qtbot, demo_ctx, sandbox, make_window):
    sandbox.qbo_faults.set(latency=0.05)  # slow QuickBooks down so there is time to cancel
    window = make_window(demo_ctx)
    dash = _ready(qtbot, window)
    pushing = []
    window.sync.progressed.connect(lambda p: pushing.append(p) if p.phase == "push" and p.done > 0 else None)
    with qtbot.waitSignal(window.sync.run_finished, timeout=60000) as finished:
        dash.sync_button.click()
        qtbot.waitUntil(lambda: bool(pushing), timeout=30000)
        dash.cancel_button.click()
    _summary, error, _dry, trigger = finished.args
    assert trigger == "cancel"
    assert dash.progress.format() == "cancelled"
    assert "Cancelled" in dash.phase_label.text()
    assert window.last_error_dialog is None  # a cancel shows no error
    assert _last(demo_ctx.store)["result"] == "cancelled"
    assert dash.sync_button.isEnabled() and not dash.cancel_button.isEnabled()


def test_dry_run_shows_the_plan_and_sends_nothing(qtbot, demo_ctx, sandbox, make_window):
    window = make_window(demo_ctx)
    dash = _ready(qtbot, window)
    with qtbot.waitSignal(window.sync.run_finished, timeout=60000):
        dash.dry_button.click()
    dialog = dash.plan_dialog
    assert dialog is not None and dialog.isVisible()
    rows = [dialog.model.row_tuple(r) for r in range(dialog.model.rowCount())]
    assert len(rows) > 300
    assert {r[0] for r in rows} >= {"create", "hold"}
    assert any(r[1] == "Invoice" for r in rows)
    assert not demo_ctx.store.query("SELECT 1 FROM links LIMIT 1")  # nothing posted
    assert _last(demo_ctx.store) is None


def test_the_timer_fires_a_run_and_never_starts_a_second_one(qtbot, demo_ctx, sandbox, make_window):
    window = make_window(demo_ctx)
    dash = _ready(qtbot, window)
    sync = window.sync
    # Start from a quiet window: the start-up refreshes are done (a loaded CI machine is slow here).
    qtbot.waitUntil(lambda: not window.tasks.running(), timeout=30000)
    with qtbot.waitSignal(sync.run_started, timeout=30000) as started:
        sync.set_interval_ms(150)
    assert started.args == [False, "timer"]
    assert "every 0 s" in dash.next_sync_label.text()
    with qtbot.waitSignal(sync.run_finished, timeout=60000) as finished:
        pass
    sync.timer.stop()
    assert finished.args[1] is None and finished.args[3] == "timer"
    assert sync.skipped_busy >= 1  # ticks that came while the run was going were skipped
    assert _last(demo_ctx.store)["trigger"] == "timer"
    qtbot.waitUntil(lambda: "(timed)" in dash.last_sync_label.text(), timeout=5000)


def test_a_failed_timed_run_is_visible_not_silent(qtbot, ctx, make_window):
    def unreachable(_ctx):
        raise LedgerbridgeError("QuickBooks could not be reached.", kept="Nothing was sent.",
                                next_step="Check the internet connection.")

    ctx.sync_factory = unreachable  # the seam: a network that is down
    assert not backend.runs_in_child(ctx)  # an injected factory runs on the write worker
    window = make_window(ctx)
    dash = _ready(qtbot, window)
    with qtbot.waitSignal(window.sync.timed_run_failed, timeout=10000) as failed:
        window.sync.set_interval_ms(100)
    window.sync.timer.stop()
    assert "QuickBooks could not be reached" in failed.args[0]
    assert window.alerts and "timed sync failed" in window.alerts[0]
    assert "timed sync failed" in window.statusBar().currentMessage()
    assert window.last_error_dialog is None  # unattended: no modal dialog piles up
    qtbot.waitUntil(lambda: "failed" in dash.last_sync_label.text(), timeout=5000)
    assert "could not be reached" in dash.last_sync_label.text()
    assert dash.progress.format() == "failed"


def test_a_failed_sync_from_the_button_shows_the_problem_dialog(qtbot, ctx, make_window):
    from ui.errors import ProblemDialog

    ctx.sync_factory = lambda _c: (_ for _ in ()).throw(
        LedgerbridgeError("Clio refused the sign-in.", kept="Nothing was read.", next_step="Connect Clio again.")
    )
    window = make_window(ctx)
    dash = _ready(qtbot, window)
    with qtbot.waitSignal(window.sync.run_finished, timeout=10000):
        dash.sync_button.click()
    assert isinstance(window.last_error_dialog, ProblemDialog)
    assert window.last_error_dialog.next_step.text() == "Connect Clio again."


def _last(store):
    """The last run as the dashboard reads it (``app.sync.runs``), or None."""
    last = runs.last(store)
    return last.as_dict() if last else None


def _sync_children() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == "ledgerbridge-sync"]


def test_a_sync_process_killed_mid_run_is_a_clear_error_and_the_next_sync_finishes_it(
        qtbot, demo_ctx, sandbox, make_window):
    from ui.errors import ProblemDialog

    sandbox.qbo_faults.set(latency=0.05)  # slow QuickBooks down so the kill lands mid-push
    window = make_window(demo_ctx)
    dash = _ready(qtbot, window)
    pushing = []
    window.sync.progressed.connect(lambda p: pushing.append(p) if p.phase == "push" and p.done > 0 else None)
    with qtbot.waitSignal(window.sync.run_finished, timeout=60000) as finished:
        dash.sync_button.click()
        qtbot.waitUntil(lambda: bool(pushing), timeout=30000)
        children = _sync_children()
        assert len(children) == 1 and children[0].pid != os.getpid()  # the run is not in the app's process
        os.kill(children[0].pid, signal.SIGKILL)
    _summary, error, _dry, trigger = finished.args
    assert isinstance(error, SyncProcessDied) and trigger == "button"
    dialog = window.last_error_dialog
    assert isinstance(dialog, ProblemDialog)  # an error a person acts on, not a crash dialog
    assert "stopped before it finished" in dialog.what.text()
    assert "kept and linked" in dialog.kept.text()
    assert dialog.next_step.text() == "Run the sync again: it finishes the job where this one stopped."
    last = _last(demo_ctx.store)
    assert last["result"] == "failed" and "stopped before it finished" in last["message"]
    assert dash.progress.format() == "failed" and dash.sync_button.isEnabled()
    dialog.close()

    # The app syncs again at once, and that run finishes the job without sending anything twice.
    sandbox.qbo_faults.set(latency=0)
    with qtbot.waitSignal(window.sync.run_finished, timeout=60000) as again:
        dash.sync_button.click()
    summary, error, _dry, _trigger = again.args
    assert error is None and summary.created > 0
    assert _last(demo_ctx.store)["result"] in ("ok", "held")
    state = end_state(sandbox.qbo_url)
    assert duplicates(state) == [] and state["trust_bank"] == state["trust_liability"]
    qtbot.waitUntil(lambda: not _sync_children(), timeout=10000)  # nothing left running


def test_a_sign_in_near_its_end_or_refused_is_on_the_dashboard_with_reconnect(qtbot, keychain_profile,
                                                                            firm_store, make_window):
    import time

    from app.auth.tokens import TokenSet, TokenStore
    from ui.context import AppContext

    ctx = AppContext(firm_store, keychain_profile, firm_store.path.parent, actor="user:tester")
    tokens = TokenStore(keychain_profile)
    now = time.time()
    tokens.save("clio", TokenSet("a-clio", "r-clio", now + 3600, refresh_expires_at=now + 90 * 86400))
    tokens.save("qbo", TokenSet("a-qbo", "r-qbo", now + 3600, refresh_expires_at=now + 10 * 86400,
                                extra={"realm_id": "9130"}))
    window = make_window(ctx)
    dash = _ready(qtbot, window)
    assert "The QuickBooks sign-in expires on" in dash.sign_in_warning.text()
    assert "Clio" not in dash.sign_in_warning.text()
    assert dash.reconnect_button.isVisible()
    # Refused by Intuit: the dashboard says so, and Reconnect opens the wizard.
    tokens.save("qbo", TokenSet("a-qbo", "r-qbo", now - 10, extra={"realm_id": "9130", "reconnect": "1"}))
    from ui.tasks import Changes

    window.apply_changes(Changes(connections=True))
    qtbot.waitUntil(lambda: "refused to renew" in dash.sign_in_warning.text(), timeout=5000)
    dash.reconnect_button.click()
    assert window.wizard is not None and window.wizard.isVisible()
    window.wizard.close()
