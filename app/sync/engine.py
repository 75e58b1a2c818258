"""The sync run: pull -> plan -> validate -> push -> link/audit -> verify. The same code serves the button,
the timer and the headless CLI.

Pull (Clio) and push (QuickBooks) overlap, since they draw on different services' quotas: customers and
sub-customers are pushed as soon as contacts and matters are stored, while bills, lines, allocations and
trust activity are still streaming in. Everything after that waits for the pull, then goes in dependency
waves. A killed run is finished by the next one (outbox first), and a cancelled one stops between batches.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import functools
import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.clients import ClioSource, QboBooks
from app.errors import LedgerbridgeError
from app.mapping import Mapping, load_mapping, validate
from app.mapping.validate import MappingProblem, global_problems
from app.model import AllocationParent, ExceptionItem
from app.reconcile.report import signed_months
from app.sources import firm_source, in_source_words
from app.store import audit, links, settings
from app.store import exceptions as exq
from app.store.db import Store, utcnow
from app.store.links import Link
from app.sync import cutover, runs, twoway
from app.sync.actions import WAVE_VOID, Action, Hold, Key, Plan, content_hash
from app.sync.clio_books import Books, load_books
from app.sync.cutover import Cutover
from app.sync.existing import ExistingBooks
from app.sync.health import HealthReport
from app.sync.health import health as _health
from app.sync.lock import sync_lock
from app.sync.plan import SECTIONS, PlanInput, Planner, exception_kind, reads
from app.sync.progress import Progress, PushProgress
from app.sync.pull import Puller
from app.sync.push import Pusher
from app.sync.slices import DEFAULT_BUDGET, FirmIndex, SliceSpec
from app.sync.verify import TrustTie, verify

log = logging.getLogger("ledgerbridge.sync")
QUIET_KEY = "sync.quiet_state"


class SyncInterrupted(LedgerbridgeError):
    """The run was cancelled between batches; what was sent is linked, the rest waits for the next run."""


@dataclass
class SyncSummary:
    created: int = 0
    updated: int = 0
    voided: int = 0
    held: int = 0
    skipped: int = 0
    requests_clio: int = 0
    requests_qbo: int = 0
    seconds: float = 0.0
    plan: Plan | None = None
    linked: int = 0
    unchanged: int = 0
    resumed: int = 0
    deferred: int = 0
    conflicts: int = 0
    before_cutover: int = 0  # Clio records dated before the firm's cutover, left to QuickBooks' own books
    cancelled: bool = False
    dry_run: bool = False
    mapping_problems: list[MappingProblem] = field(default_factory=list)
    trust: list[TrustTie] = field(default_factory=list)
    source: str = "Clio"  # the practice-management system read (``requests_clio`` counts its requests)

    @property
    def writes(self) -> int:
        return self.created + self.updated + self.voided

    @property
    def ok(self) -> bool:
        return not self.held and not self.mapping_problems and all(t.ties for t in self.trust) \
            and not self.deferred and not self.cancelled and not self.conflicts

    def lines(self) -> list[str]:
        out = [f"Created {self.created}, updated {self.updated}, voided {self.voided}, linked {self.linked}, "
               f"unchanged {self.unchanged}, held {self.held}, skipped {self.skipped}."]
        if self.before_cutover:
            out.append(f"Left out {self.before_cutover} Clio records dated before the cutover that QuickBooks does "
                       "not need (its own books stand before it; trust balances come in as opening entries).")
        if self.resumed:
            out.append(f"Finished {self.resumed} writes left by an interrupted run.")
        if self.deferred:
            out.append(f"{self.deferred} writes could not be sent now (QuickBooks busy or unreachable); the next "
                       "sync sends them with the same request id.")
        if self.conflicts:
            out.append(f"{self.conflicts} records were changed in QuickBooks and wait in the exception queue.")
        out += [f"Mapping: {p.message}" for p in self.mapping_problems]
        out += [t.sentence() for t in self.trust]
        out.append(f"Requests: {self.source} {self.requests_clio}, QuickBooks {self.requests_qbo}; {self.seconds:.1f} s."
                   + (" Cancelled: the rest waits for the next sync." if self.cancelled else ""))
        return out


def _exceptions_by_record(store: Store) -> dict[tuple[str, str], list[ExceptionItem]]:
    found: dict[tuple[str, str], list[ExceptionItem]] = defaultdict(list)
    for item in exq.list_items(store, status=("open", "retry", "linked", "dismissed")):
        found[(item.clio_kind, item.clio_id)].append(item)
    return found


class SyncEngine:
    def __init__(self, store: Store, clio: ClioSource, qbo: QboBooks, *, actor: str = "sync", workers: int = 8,
                 slice_budget: int = DEFAULT_BUDGET, trigger: str = "python") -> None:
        self.store = store
        self.trigger = trigger  # what started the runs, for the run history: "window", "command line", ...
        self.slice_budget = slice_budget
        self.clio = clio
        self.qbo = qbo
        self.actor = actor
        self.workers = workers
        self._existing: ExistingBooks | None = None
        self._run_cutover: Cutover | None = None
        self.lock_wait = 0.0  # seconds a run waits for another sync of the firm to end before refusing

    # --- the run -------------------------------------------------------------------------------------------

    def run(
        self,
        *,
        dry_run: bool = False,
        progress: Callable[[Progress], None] | None = None,
        cancel: threading.Event | None = None,
        full: bool = False,
        since: str | None = None,
    ) -> SyncSummary:
        """One sync, kept in the run history (``app.sync.runs``) however it ends. ``full`` re-reads every Clio
        record; ``since`` re-reads from that time."""
        cancel = cancel or threading.Event()
        began = utcnow()
        try:
            with self._lock():
                summary = self._run(dry_run=dry_run, progress=progress, cancel=cancel, full=full, since=since)
        except BaseException as exc:
            stopped = cancel.is_set() or isinstance(exc, KeyboardInterrupt)
            runs.record_failure(self.store, exc, started=began, trigger=self.trigger, actor=self.actor,
                                dry_run=dry_run, cancelled=stopped)
            raise
        runs.record_safely(self.store, runs.from_summary(summary, started=began, trigger=self.trigger,
                                                         actor=self.actor))
        return summary

    def _lock(self) -> contextlib.AbstractContextManager[None]:
        """The firm's sync lock (``app.sync.lock``): a second run of the same database refuses, whoever
        started either; one waits ``lock_wait`` seconds first. An in-memory database has nothing to share."""
        if self.store.path is None or str(self.store.path) in ("", ":memory:"):
            return contextlib.nullcontext()
        return sync_lock(self.store.path, trigger=self.trigger, wait_seconds=self.lock_wait)

    def _run(self, *, dry_run: bool, progress: Callable[[Progress], None] | None, cancel: threading.Event,
             full: bool, since: str | None) -> SyncSummary:
        report = progress or (lambda p: None)
        push = PushProgress(report)
        pusher = Pusher(self.store, self.qbo, actor=self.actor, cancel=cancel, on_done=push.pushed, workers=self.workers)
        run = _RunState(dry_run, full, since, cancel, report, push, pusher, SyncSummary(dry_run=dry_run, source=firm_source(self.store).word),
                        clio0=self.clio.requests_made, qbo0=self.qbo.requests_made)
        self._existing = None  # built on first use, after QuickBooks was read
        self._run_cutover = None
        if not dry_run:
            report(Progress("resume", 0, 0))
            resumed = pusher.resume()
            run.summary.resumed = resumed.created + resumed.updated + resumed.voided + resumed.linked
            self._check_auth(pusher)
        # What this run's own plans post is linked at or after this (what ``resume`` finished is not: an
        # earlier run planned it, perhaps with another mapping).
        run.started_at = utcnow()
        new_data = self._pull(run)
        if cancel.is_set():
            return self._finish(run, cancelled=True)
        report(Progress("plan", 0, 1))
        fingerprint = self._state_fingerprint()
        trust_books = load_books(self.store, trust_only=True)
        mapping, problems = self._mapping(trust_books)
        if not dry_run and not full and not new_data and fingerprint == settings.get(self.store, QUIET_KEY) \
                and not pusher.stats.created:
            # Nothing changed on either side since a run that left this very state: no plan, no write.
            run.summary.held = exq.open_count(self.store)
            return self._verify_and_finish(run, trust_books, mapping)
        return self._plan_and_push(run, trust_books, mapping, problems)

    def _pull(self, run: _RunState) -> bool:
        """Read Clio (on its own thread) and QuickBooks' changes, pushing early what is complete; whether
        anything new came from either side."""

        def on_page(stream: str, n: int) -> None:
            run.pulled += n
            run.report(Progress("pull", run.pulled, 0))

        puller = Puller(self.store, self.clio, signpost=run.now.isoformat(), cancel=run.cancel, on_page=on_page,
                        full=run.full, since=run.since)
        thread = puller.start()
        try:
            counts = twoway.refresh(self.store, self.qbo, run.now, actor=self.actor)
            run.summary.conflicts = counts["conflicts"]
            self._early_pushes(run, puller)
            thread.join()
            puller.wait(*puller.done)
        except BaseException:
            run.cancel.set()  # stop the pull at its next page, and do not leave its thread behind
            thread.join()
            raise
        return any(puller.changed.values()) or bool(counts["changed"])

    def _early_pushes(self, run: _RunState, puller: Puller) -> None:
        """While the rest of Clio is still being read, push what is already complete, in the order of the pull
        (``EARLY_STAGES``). Voids wait for the full plan, which first takes back any payment on a voided
        invoice; so does everything once the pull is over."""
        for streams, sections in EARLY_STAGES:
            invoices = "invoices" in sections
            puller.wait(*(() if invoices else streams))  # bills and their lines are read in step
            if run.dry_run or run.cancel.is_set() or puller.finished.is_set():
                break
            mapping, problems = self._mapping(load_books(self.store, only=SliceSpec.nothing()))
            if global_problems(problems) or run.early_mapping not in (None, mapping):
                break
            run.early_mapping = mapping
            push_early = functools.partial(self._push_early, run)
            if invoices:
                self._push_bills_as_lines_arrive(run, puller, mapping, problems, sections, push_early)
            puller.wait(*streams)
            if run.cancel.is_set() or not any(puller.changed.get(st) for st in streams):
                continue  # nothing new in these streams: nothing to push early
            if puller.finished.is_set():
                break  # the pull is over: the full plan sends the rest without an early round
            self._in_slices(mapping, problems, push_early, sections=sections, cancel=run.cancel,
                            skip_posted_bills=invoices)

    def _push_bills_as_lines_arrive(self, run: _RunState, puller: Puller, mapping: Mapping,
                                    problems: list[MappingProblem], sections: tuple[str, ...],
                                    push_early: OnSlice) -> None:
        """Bills and lines are the longest part of the pull. Rather than leave QuickBooks idle until they end,
        post the bills whose lines are all in already, round after round, whenever new or changed bills or
        lines have been stored. Bills posted from their cached version are left to the full plan's check."""
        seen = 0
        while not puller.done["line_items"].wait(0.5) and not run.cancel.is_set():
            stored = puller.changing.get("bills", 0) + puller.changing.get("line_items", 0)
            if stored > seen:
                seen = stored
                self._in_slices(mapping, problems, push_early, sections=sections, cancel=run.cancel,
                                only_complete_bills=True, skip_posted_bills=True)

    def _push_early(self, run: _RunState, part: Plan, planner: Planner, specs: list[SliceSpec], n: int) -> None:
        early = [a for a in part.actions if a.wave != WAVE_VOID]
        run.push.expect(len(early))
        self._push(run.pusher, early)

    def _plan_and_push(self, run: _RunState, trust_books: Books, mapping: Mapping,
                       problems: list[MappingProblem]) -> SyncSummary:
        """The full plan, slice by slice, each slice sent as it is planned (or kept, in a dry run); then the
        holds into the queue and the trust accounts verified."""
        glob = global_problems(problems)
        sending = not run.dry_run and not glob
        if sending:
            exq.resolve_for(self.store, "mapping", 0, actor=self.actor, note="mapping complete")
            run.push.start()
        taker = _SliceTaker(self, run, sending)
        # Invoices the early pushes posted from the cached bill, with this mapping, are unchanged by
        # construction: the plan counts them so without reading their lines again.
        settled = frozenset(links.posted_as_cached(self.store, "bills", since=run.started_at)) \
            if sending and mapping == run.early_mapping else frozenset()
        planner = self._in_slices(mapping, problems, taker, cancel=run.cancel if sending else None,
                                  senders=2 if sending else 1, settled_bills=settled)
        holds = sorted(planner.holds.values(), key=lambda h: h.key)
        if run.dry_run:
            return self._finish_dry_run(run, taker.dry, holds, problems)
        self._record_holds(holds, taker.blocks, run.summary)
        if glob:
            run.summary.mapping_problems = glob
            exq.add(self.store, kind="mapping", clio_kind="mapping", clio_id=0, reason_code="mapping_invalid",
                    message="The sync did not send anything because the account mapping is incomplete: "
                            + " ".join(p.message for p in glob), actor=self.actor)
            return self._finish(run)
        if run.cancel.is_set():
            return self._finish(run, cancelled=True)
        return self._verify_and_finish(run, trust_books, mapping, remember_quiet=True)

    def _verify_and_finish(self, run: _RunState, trust_books: Books, mapping: Mapping, *,
                           remember_quiet: bool = False) -> SyncSummary:
        run.report(Progress("verify", 0, 1))
        run.summary.trust = verify(self.store, self.qbo, trust_books, mapping, actor=self.actor)
        if remember_quiet:
            run.report(Progress("verify", 1, 1))
            if not run.summary.deferred and not run.pusher.stats.held:
                settings.put(self.store, QUIET_KEY, self._state_fingerprint())
        return self._finish(run)

    def _finish_dry_run(self, run: _RunState, dry: Plan, holds: list[Hold],
                        problems: list[MappingProblem]) -> SyncSummary:
        summary = run.summary
        dry.actions.sort(key=lambda a: (a.wave, a.key))
        dry.holds = holds
        dry.unchanged, dry.skipped, dry.before_cutover = summary.unchanged, summary.skipped, summary.before_cutover
        summary.plan = dry
        summary.held = len(holds)
        summary.mapping_problems = problems
        return self._finish(run, save=False)

    # --- pieces --------------------------------------------------------------------------------------------

    def _state_fingerprint(self) -> str:
        """What, besides Clio and QuickBooks data, decides a plan: the mapping, the exception queue (a
        person's retry, link or dismissal) and the outbox. Equal fingerprints and no new data: same plan."""
        queue = self.store.query("SELECT id, status FROM exceptions WHERE status IN "
                                 "('open', 'retry', 'linked', 'dismissed') ORDER BY id")
        pending = self.store.query("SELECT count(*) FROM outbox WHERE status = 'pending'")[0][0]
        mapping = load_mapping(self.store)
        return content_hash({"mapping": mapping.to_json() if mapping else None, "pending": pending,
                             "queue": [[r["id"], r["status"]] for r in queue]})

    def _mapping(self, books: Books) -> tuple[Mapping, list[MappingProblem]]:
        directory = twoway.directory(self.store)
        mapping = load_mapping(self.store)
        problems = validate(mapping, directory["Account"], directory["Item"],
                            clio_bank_accounts=books.bank_accounts.values())
        return mapping or Mapping(), problems

    def planner(self, mapping: Mapping, problems: list[MappingProblem], *, only_complete_bills: bool = False,
                settled_bills: frozenset[int] = frozenset()) -> Planner:
        """A planner over what is known now: QuickBooks' directory, the customers' links, the exception queue."""
        directory = twoway.directory(self.store)
        income = [str(a["Id"]) for a in directory["Account"] if a.get("AccountType") in ("Income", "Other Income")]
        return Planner(PlanInput(
            books=Books(),
            mapping=mapping,
            links=links.of_entity(self.store, "Customer"),
            qbo_customers=directory["Customer"],
            other_names=[str(v.get("DisplayName", "")) for v in directory["Vendor"]],
            exceptions=_exceptions_by_record(self.store),
            mapping_problems=problems,
            doc_numbers=twoway.doc_numbers_on(self.store),
            income_accounts=income,
            cutover=self._cutover(),
            signed_months=signed_months(self.store),
            existing=self._existing_books(),
            only_complete_bills=only_complete_bills,
            settled_bills=settled_bills,
        ))

    def _cutover(self) -> Cutover:
        """The firm's cutover; QuickBooks' closing date is read once per run, when a write first needs it (the
        firm closes a month whenever it likes; a run with nothing to write never asks)."""
        if self._run_cutover is None:
            self._run_cutover = cutover.load(self.store, self.qbo.preferences)
        return self._run_cutover

    def _existing_books(self) -> ExistingBooks:
        """What QuickBooks held that no Clio record is linked to yet (read from the cache once per run; what
        this run links is claimed in it as it goes)."""
        if self._existing is None:
            self._existing = ExistingBooks.load(self.store, links.qbo_ids(self.store))
        assert self._existing is not None
        return self._existing

    def _in_slices(self, mapping: Mapping, problems: list[MappingProblem],
                   on_slice: Callable[[Plan, Planner, list[SliceSpec], int], None], *,
                   sections: tuple[str, ...] = SECTIONS, cancel: threading.Event | None = None,
                   only_complete_bills: bool = False, skip_posted_bills: bool = False,
                   settled_bills: frozenset[int] = frozenset(), senders: int = 2) -> Planner:
        """Plan the firm one slice at a time (see ``app.sync.slices``), handing each slice's plan to
        ``on_slice``, on up to ``senders`` threads at once; the next slice is planned meanwhile, so at most
        ``senders`` + 2 slices' books and writes are in memory. Only the Clio kinds the ``sections`` need are
        read; ``skip_posted_bills`` leaves out bills posted from their cached version (an early round);
        ``settled_bills`` are planned without their lines (see ``PlanInput.settled_bills``)."""
        planner = self.planner(mapping, problems, only_complete_bills=only_complete_bills,
                               settled_bills=settled_bills)
        kinds = reads(sections)
        skip = links.posted_as_cached(self.store, "bills") if skip_posted_bills else set()
        specs = FirmIndex.from_store(self.store, kinds, skip).slices(self.slice_budget,
                                                                     first=max(1, self.slice_budget // 16))
        # The next slice is read and planned on another thread while this one is sent: slices do not depend
        # on each other, and QuickBooks should not wait on the planner. One slice ahead at most (memory).
        ready: queue.Queue[tuple[Plan, int] | BaseException | None] = queue.Queue(maxsize=1)
        stop = threading.Event()

        def produce() -> None:
            try:
                for n, spec in enumerate(specs):
                    if stop.is_set() or (cancel is not None and cancel.is_set()):
                        break
                    books = load_books(self.store, only=spec, kinds=kinds, lines_unread=settled_bills)
                    part = planner.plan_slice(books, _links_of(self.store, books), sections)
                    del books
                    while not stop.is_set():
                        try:
                            ready.put((part, n), timeout=0.2)
                            break
                        except queue.Full:
                            continue
            except BaseException as exc:  # handed to the sending thread, which raises it
                ready.put(exc)
            finally:
                ready.put(None)

        planning = threading.Thread(target=produce, name="sync-plan", daemon=True)
        planning.start()
        # Slices are handed on by ``senders`` threads: with two, the next slice starts while the last wave of
        # the one before drains (a wave ends with few chunks in flight, and every slice ended with one).
        slots = threading.Semaphore(senders)
        sending: list[cf.Future[None]] = []
        pool = cf.ThreadPoolExecutor(max_workers=senders, thread_name_prefix="sync-slice")
        try:
            while (item := ready.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                slots.acquire()
                for done in [f for f in sending if f.done()]:
                    sending.remove(done)
                    done.result()  # a failed slice stops the run here, before another is started
                future = pool.submit(on_slice, item[0], planner, specs, item[1])
                future.add_done_callback(lambda _: slots.release())
                sending.append(future)
            for future in sending:
                future.result()
        finally:
            stop.set()
            while planning.is_alive():  # let a producer blocked on a full queue see the stop
                with contextlib.suppress(queue.Empty):
                    ready.get(timeout=0.2)
            planning.join()
            pool.shutdown(wait=True)  # a slice already being sent is finished, never left half-sent
        return planner

    def _push(self, pusher: Pusher, actions: list[Action], cancel: threading.Event | None = None) -> None:
        for wave in Plan(actions=actions).by_wave().values():
            if cancel is not None and cancel.is_set():
                return
            pusher.push_wave(wave)
            self._check_auth(pusher)

    def _record_holds(self, holds: list[Hold], blocks: dict[Key, list[str]], summary: SyncSummary) -> None:
        # What each held record blocks: the planned actions that need it, and, transitively, the records
        # held because they wait for it (a held customer blocks its matters, their invoices and trust).
        waiting: dict[Any, list[Any]] = defaultdict(list)
        for h in holds:
            if h.blocked_by is not None:
                waiting[h.blocked_by].append(h.key)

        def blocked(key: Any) -> list[str]:
            out, stack, seen = [], list(waiting.get(key, ())), set()
            while stack:
                k = stack.pop()
                if k not in seen:
                    seen.add(k)
                    out.append(f"{k[0]}:{k[1]}")
                    stack.extend(waiting.get(k, ()))
            return out

        label = firm_source(self.store).word
        for hold in holds:
            summary.held += 1
            if hold.silent:
                continue
            exq.add(self.store, kind=hold.kind, clio_kind=exception_kind(hold.key), clio_id=hold.key[1],
                    reason_code=hold.reason_code, message=in_source_words(hold.message, label),
                    attempted=hold.attempted,
                    blocks=blocks.get(hold.key, []) + blocked(hold.key), actor=self.actor)

    def _check_auth(self, pusher: Pusher) -> None:
        if pusher.auth_error is not None:
            raise pusher.auth_error

    def _finish(self, run: _RunState, *, cancelled: bool = False, save: bool = True) -> SyncSummary:
        summary, stats = run.summary, run.pusher.stats
        summary.created += stats.created
        summary.updated += stats.updated
        summary.voided += stats.voided
        summary.linked += stats.linked
        summary.held += stats.held
        summary.deferred += stats.deferred
        summary.cancelled = cancelled
        summary.requests_clio = self.clio.requests_made - run.clio0
        summary.requests_qbo = self.qbo.requests_made - run.qbo0
        summary.seconds = time.monotonic() - run.started
        if save:
            if summary.writes or summary.held or cancelled:
                audit.append(self.store, actor=self.actor, action="sync.run", detail=" ".join(summary.lines()))
        run.report(Progress("done", 1, 1))
        return summary


OnSlice = Callable[[Plan, Planner, list[SliceSpec], int], None]

# The early pushes, in the order of the pull: (the Clio streams a stage waits for, the plan sections it
# pushes). Customers and sub-customers go as soon as contacts and matters are stored; invoices while their
# lines stream in; then payments and credit memos; then trust postings.
EARLY_STAGES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("contacts", "matters", "bank_accounts"), ("customers", "jobs")),
    (("bills", "line_items"), ("invoices",)),
    (("credit_memos", "allocations"), ("credit_memos", "payments")),
    (("bank_transactions",), ("trust",)),
)


@dataclass
class _RunState:
    """What the steps of one run share."""

    dry_run: bool
    full: bool
    since: str | None
    cancel: threading.Event
    report: Callable[[Progress], None]
    push: PushProgress
    pusher: Pusher
    summary: SyncSummary
    clio0: int = 0  # the clients' request counts when the run began
    qbo0: int = 0
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    started: float = field(default_factory=time.monotonic)
    started_at: str = ""
    early_mapping: Mapping | None = None  # the mapping the early pushes were planned with
    pulled: int = 0


class _SliceTaker:
    """Takes each slice's plan as it is made: counts it, notes what its held records block, then sends it
    (or, in a dry run, keeps it). Two slices may be taken at once (see ``SyncEngine._in_slices``)."""

    def __init__(self, engine: SyncEngine, run: _RunState, sending: bool) -> None:
        self.engine, self.run, self.sending = engine, run, sending
        self.dry = Plan()
        self.blocks: dict[Key, list[str]] = defaultdict(list)

    def __call__(self, part: Plan, planner: Planner, specs: list[SliceSpec], n: int) -> None:
        run, summary = self.run, self.run.summary
        with run.push.lock:
            run.report(Progress("plan", n + 1, len(specs)))
            summary.unchanged += part.unchanged
            summary.skipped += part.skipped
            summary.before_cutover += part.before_cutover
            for action in part.actions:
                for need in action.needs:
                    if need in planner.holds:  # held, yet already in QuickBooks: an update waits
                        self.blocks[need].append(f"{action.key[0]}:{action.key[1]}")
            if run.dry_run:
                self.dry.actions.extend(part.actions)
                return
            if not self.sending:
                summary.held += len(part.actions)
                return
            run.push.expect_slice_locked(len(part.actions), specs, n)
        for action in part.actions:
            if action.generation:  # a person marked it for retry: say it is being attempted again
                audit.append(self.engine.store, actor=self.engine.actor, action="sync.retried",
                             clio_kind=action.key[0], clio_id=action.key[1], clio_version=action.etag,
                             detail=action.label)
        self.engine._push(run.pusher, part.actions, run.cancel)


def _links_of(store: Store, books: Books) -> dict[Key, Link]:
    """The links a slice's plan compares with: its own records', in every role (payments by parent)."""
    payments = {a.parent_id for a in books.allocations if a.parent_type is AllocationParent.PAYMENT}
    memos = set(books.credit_memos) | {a.parent_id for a in books.allocations
                                       if a.parent_type is AllocationParent.CREDIT_MEMO}
    return links.for_records(store, {
        "contacts": books.clients, "matters": books.matters, "bills": books.invoices, "credit_memos": memos,
        "bank_transactions": [t.id for t in books.trust_txns], "payments": payments,
    })


def health(store: Store, qbo: QboBooks, sample: int = 10) -> HealthReport:
    """See :func:`app.sync.health.health`."""
    return _health(store, qbo, sample)
