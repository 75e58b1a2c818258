"""One sync run in a child process, so the caller's interpreter (the desktop app's UI thread) never competes
with the run's threads for the GIL.

The engine's pull thread and push threads, and long C calls such as JSON parsing, hold the GIL for
stretches that showed as UI stalls of over 100 ms when the run shared the window's process. Here the run
is ``SyncEngine.run`` in a ``multiprocessing`` child started with "spawn" (a fresh interpreter: no copy
of the parent's Qt state or threads, and the same on every platform). The child opens its own
``Store`` on the same SQLite file (WAL lets both processes have it open) and builds its clients the way
the CLI does (``app.connections.build_clients``: settings from the store, tokens from the keychain of
the same login session, or the demo sandbox's addresses).

What comes back over a one-way pipe: the latest ``Progress`` (at most every ``PROGRESS_INTERVAL``
seconds, plus every change of phase), then the ``SyncSummary`` (a dry run's plan included) or the
exception, pickled by the child itself so that an unpicklable one is replaced there rather than lost.
Cancel is a ``multiprocessing`` Event. A child that dies without an answer (killed, crashed) becomes
:class:`SyncProcessDied`, never a hang.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection as mpc
import os
import pickle
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.connections import SandboxAddress
from app.errors import LedgerbridgeError
from app.logs import redact

log = logging.getLogger("ledgerbridge.sync.process")

#: the child sends progress at most this often (and at every change of phase): the UI polls at 80 ms.
PROGRESS_INTERVAL = 0.05
#: after Cancel, how long the run may take to reach its next safe point before the child is killed. A kill
#: is safe (the outbox and request ids let the next run finish without duplicates); the window's close
#: waits 15 s for its workers, so this stays under that.
CANCEL_GRACE_SECONDS = 10.0
#: how often the waiting thread looks at the caller's cancel flag.
POLL_SECONDS = 0.1
#: the child's CPU priority below the app's (Unix "nice"): a sync is background work, so on a busy machine
#: the window (and whatever else the person is doing) gets the processor first. It only slows the run when
#: the processor is contended; most of a run is waiting on the services anyway.
BACKGROUND_NICENESS = 5


@dataclass(frozen=True)
class SyncJob:
    """Everything the child needs to run the sync, all plain values (it is pickled to the child)."""

    database: Path
    profile: str
    actor: str = "sync"
    dry_run: bool = False
    trigger: str = "window"  # what started the run, for the run history
    sandbox: SandboxAddress | None = None
    #: the level of the caller's ``ledgerbridge`` logging, repeated in the child; None: leave it as it is.
    log_level: int | None = None


class SyncProcessDied(LedgerbridgeError):
    """The child process ended without an answer (killed, crashed, out of memory)."""


def caller_log_level() -> int | None:
    """The caller's ``ledgerbridge`` log level when it set up logging (``app.logs.setup_logging``)."""
    logger = logging.getLogger("ledgerbridge")
    return logger.level if logger.handlers else None


def run_in_child(
    job: SyncJob,
    *,
    progress: Callable[[Any], None] | None = None,
    cancel: threading.Event | None = None,
    cancel_grace: float = CANCEL_GRACE_SECONDS,
    on_start: Callable[[multiprocessing.process.BaseProcess], None] | None = None,
) -> Any:
    """Run the sync described by ``job`` in a child process and return its ``SyncSummary``, or raise the
    exception it raised. Blocks the calling thread, which only waits on the pipe (the GIL is free).

    ``cancel`` is the caller's flag, passed on to the run. ``on_start`` is handed the child process as
    soon as it runs (for tests that need to kill it)."""
    mp = multiprocessing.get_context("spawn")
    receiver, sender = mp.Pipe(duplex=False)
    child_cancel = mp.Event()
    proc = mp.Process(target=_child_main, args=(job, sender, child_cancel), name="ledgerbridge-sync", daemon=True)
    proc.start()
    sender.close()  # only the child writes: when it is gone, the pipe reads as closed
    if on_start is not None:
        on_start(proc)
    kill_at: float | None = None
    try:
        while True:
            if cancel is not None and cancel.is_set() and kill_at is None:
                child_cancel.set()
                kill_at = time.monotonic() + cancel_grace
            if kill_at is not None and time.monotonic() > kill_at:
                log.warning("the sync did not stop within %.0f s of Cancel; its process was ended", cancel_grace)
                proc.kill()
                kill_at = float("inf")  # killed once; the closed pipe ends the loop below
            ready = mpc.wait([receiver, proc.sentinel], timeout=POLL_SECONDS)
            if not ready:
                continue
            try:
                # Read the pipe even when the sentinel alone fired: the answer is written before the exit.
                if receiver not in ready and not receiver.poll():
                    raise EOFError
                kind, payload = pickle.loads(receiver.recv_bytes())
            except (EOFError, OSError):
                proc.join(5)
                raise _died(proc.exitcode) from None
            if kind == "progress":
                if progress is not None:
                    progress(payload)
            elif kind == "result":
                return payload
            else:
                raise payload
    finally:
        if proc.is_alive():  # the waiting thread itself was interrupted: do not leave the run behind
            proc.kill()
        proc.join(5)
        receiver.close()


def _died(exitcode: int | None) -> SyncProcessDied:
    how = f"was ended by signal {-exitcode}" if exitcode is not None and exitcode < 0 else \
        f"ended unexpectedly (exit code {exitcode})"
    return SyncProcessDied(
        f"The sync stopped before it finished: its process {how}.",
        kept="Everything it had already sent to QuickBooks is kept and linked; nothing is lost or sent twice.",
        next_step="Run the sync again: it finishes the job where this one stopped.",
    )


# -- the child ------------------------------------------------------------------------------------------


class _Sender:
    """The child's end of the pipe. Thread-safe (the engine reports from its push threads). Progress is
    thinned to the latest value every ``PROGRESS_INTERVAL``; a pipe the parent closed (the app went
    away) cancels the run at its next safe point."""

    def __init__(self, conn: mpc.Connection, cancel: Any) -> None:
        self.conn = conn
        self.cancel = cancel
        self.lock = threading.Lock()
        self.last_sent = 0.0
        self.last_phase: str | None = None
        self.pending: Any = None
        self.broken = False

    def progress(self, value: Any) -> None:
        with self.lock:
            phase = getattr(value, "phase", None)
            now = time.monotonic()
            if phase == self.last_phase and now - self.last_sent < PROGRESS_INTERVAL:
                self.pending = value
                return
            if self.pending is not None and phase != self.last_phase:
                self._send(("progress", self.pending))  # where the phase before got to, then the new one
            self.pending = None
            self.last_phase, self.last_sent = phase, now
            self._send(("progress", value))

    def finish(self, kind: str, payload: Any) -> None:
        with self.lock:
            if self.pending is not None:  # the last value the run reported, before its outcome
                self._send(("progress", self.pending))
                self.pending = None
            self._send((kind, payload))

    def _send(self, message: tuple[str, Any]) -> None:
        if self.broken:
            return
        try:
            self.conn.send_bytes(_dumps(message))
        except OSError:  # BrokenPipeError: nobody is waiting for this run any more
            self.broken = True
            self.cancel.set()


def _dumps(message: tuple[str, Any]) -> bytes:
    kind, payload = message
    try:
        return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        if kind != "error":
            raise
    # An exception that cannot be pickled (it holds a socket, a lock, ...): send one that says the same.
    if isinstance(payload, LedgerbridgeError):
        substitute: BaseException = LedgerbridgeError(payload.what, kept=payload.kept, next_step=payload.next_step)
    else:
        substitute = RuntimeError(f"{type(payload).__name__}: {redact(str(payload))}")
    for note in getattr(payload, "__notes__", ()):
        substitute.add_note(note)
    return pickle.dumps((kind, substitute), protocol=pickle.HIGHEST_PROTOCOL)


def _child_main(job: SyncJob, conn: mpc.Connection, cancel: Any) -> None:
    """The body of the child process."""
    _lower_priority()
    sender = _Sender(conn, cancel)
    try:
        summary = _run(job, sender, cancel)
    except BaseException as exc:
        if not isinstance(exc, LedgerbridgeError):  # a bug: its details are shown with copyable text
            exc.add_note("In the sync process:\n" + redact("".join(traceback.format_exception(exc))))
        exc.__traceback__ = None  # frames are not sent; the note carries them for a bug
        sender.finish("error", exc)
    else:
        try:
            sender.finish("result", summary)
        except Exception as exc:  # a summary that cannot be pickled is a bug; say so rather than die mute
            sender.finish("error", RuntimeError(f"The sync finished but its summary could not be sent back: {exc!r}"))
    finally:
        conn.close()


def _lower_priority() -> None:
    if hasattr(os, "nice"):  # Unix; on Windows the child keeps the normal priority
        try:
            os.nice(BACKGROUND_NICENESS)
        except OSError:  # not allowed here: a normal priority is still correct, only less polite
            pass


def _run(job: SyncJob, sender: _Sender, cancel: Any) -> Any:
    # Imported here, in the child: the caller of run_in_child never loads the engine for it.
    from app.connections import build_clients
    from app.logs import setup_logging
    from app.store import audit_key, open_store
    from app.sync.engine import SyncEngine

    if job.log_level is not None:
        setup_logging(job.log_level)
    store = open_store(job.database)
    # The audit key of the profile the database names: the window's keyed log stays keyed in this process too.
    audit_key.attach(store)
    try:
        clio, qbo = build_clients(store, job.profile, sandbox=job.sandbox)
        try:
            summary = SyncEngine(store, clio, qbo, actor=job.actor, trigger=job.trigger).run(
                dry_run=job.dry_run, progress=sender.progress, cancel=cancel)
        finally:
            clio.close()
            qbo.close()
    finally:
        store.close()
    if not job.dry_run:
        summary.plan = None  # only a dry run's plan is shown: do not ship a real run's to the parent
    return summary
