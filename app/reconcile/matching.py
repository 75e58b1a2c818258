"""Matching bank lines to trust journal entries, in passes from the most certain to the least.

1. Manual matches a person made.
2. Deterministic links: the check number on the bank line is the entry's confirmation number, or a
   reference (a token with a digit, like a wire reference) appears on exactly one line and one entry.
3. One to one by exact amount within a date window, scored by date distance then text similarity. A pair
   is taken only when each is the other's single best candidate; a tie is left for a person.
4. One bank line to several entries (a deposit of several receipts): a bounded subset sum over the
   nearby unmatched entries of the same sign. Exactly one solution is taken; more than one is ambiguous.
5. Several bank lines to one entry, the same search the other way round.

Everything is indexed (amount in cents, date-sorted lists with bisect, token maps), so 50,000 lines
against 50,000 entries takes a second or so rather than the hours a pairwise scan would.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from app.model import TrustTxn
from app.reconcile.records import Ambiguity, Match, Rule, StoredBankLine

_WORD = re.compile(r"[a-z0-9]{3,}")
_REF = re.compile(r"[A-Z0-9]*\d[A-Z0-9]*")
_SEPARATORS = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r"})
_CHECK = re.compile(r"^(?:CHECK|CHK|CK|NO\.?|#)?\s*#?\s*0*(\d{1,12})$")


@dataclass(frozen=True, slots=True)
class MatchOptions:
    date_window: int = 10  # days either side for one-to-one matches
    group_window: int = 5  # days either side for one-to-several matches
    max_group: int = 6  # at most this many items on the "several" side
    max_candidates: int = 12  # nearest candidates considered for a subset sum
    subset_budget: int = 5_000  # search nodes per subset sum before giving up (left for a person)


@dataclass(slots=True)
class MatchOutcome:
    matches: list[Match] = field(default_factory=list)
    ambiguities: list[Ambiguity] = field(default_factory=list)


def check_key(text: str) -> str:
    """``0000312``, ``CHK 312``, ``#312`` → ``312``; anything else → ''."""
    m = _CHECK.match(text.strip().upper())
    return m.group(1) if m else ""


def _cents(value) -> int:  # Decimal → int cents, exact for quantized amounts
    return int(value.scaleb(2))


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


class _Matcher:
    def __init__(
        self,
        bank: Sequence[StoredBankLine],
        journal: Sequence[TrustTxn],
        options: MatchOptions,
        rejected: set[tuple[tuple[int, ...], tuple[int, ...]]],
    ) -> None:
        self.bank = bank
        self.journal = journal
        self.opt = options
        self.rejected = rejected
        self.b_free = [True] * len(bank)
        self.j_free = [True] * len(journal)
        self.b_cents = [_cents(b.amount) for b in bank]
        self.j_cents = [_cents(j.amount) for j in journal]
        self.b_day = [b.date.toordinal() for b in bank]
        self.j_day = [j.date.toordinal() for j in journal]
        self.out = MatchOutcome()
        self._b_words: dict[int, frozenset[str]] = {}
        self._j_words: dict[int, frozenset[str]] = {}

    # -- helpers -----------------------------------------------------------------------------------

    def _ok(self, bi: Iterable[int], ji: Iterable[int]) -> bool:
        key = (tuple(sorted(self.bank[i].id for i in bi)), tuple(sorted(self.journal[j].id for j in ji)))
        return key not in self.rejected

    def _take(self, bi: Sequence[int], ji: Sequence[int], rule: Rule, score: int = 100) -> None:
        if len(bi) == 1 and len(ji) == 1:  # the common case, kept cheap
            i, j = bi[0], ji[0]
            self.b_free[i] = self.j_free[j] = False
            b = self.bank[i]
            self.out.matches.append(Match((b.id,), (self.journal[j].id,), rule, score, amount=b.amount))
            return
        for i in bi:
            self.b_free[i] = False
        for j in ji:
            self.j_free[j] = False
        self.out.matches.append(
            Match(
                tuple(sorted(self.bank[i].id for i in bi)),
                tuple(sorted(self.journal[j].id for j in ji)),
                rule,
                score,
                amount=sum((self.bank[i].amount for i in bi), Decimal("0.00")),
            )
        )

    def _ambiguous(self, bi: Iterable[int], ji: Iterable[int], reason: str) -> None:
        self.out.ambiguities.append(
            Ambiguity(
                tuple(sorted({self.bank[i].id for i in bi})),
                tuple(sorted({self.journal[j].id for j in ji})),
                reason,
            )
        )

    def _bw(self, i: int) -> frozenset[str]:
        w = self._b_words.get(i)
        if w is None:
            w = self._b_words[i] = _words(self.bank[i].text)
        return w

    def _jw(self, j: int) -> frozenset[str]:
        w = self._j_words.get(j)
        if w is None:
            w = self._j_words[j] = _words(self.journal[j].description)
        return w

    # -- passes ------------------------------------------------------------------------------------

    def by_check_number(self) -> None:
        banks: dict[str, list[int]] = defaultdict(list)
        for i, b in enumerate(self.bank):
            if b.check_number and (k := check_key(b.check_number)):
                banks[k].append(i)
        entries: dict[str, list[int]] = defaultdict(list)
        for j, t in enumerate(self.journal):
            if t.confirmation and (k := check_key(t.confirmation)) and k in banks:
                entries[k].append(j)
        for key, js in entries.items():
            bs = banks[key]
            if len(bs) != 1 or len(js) != 1:
                self._ambiguous(bs, js, f"check number {key} appears more than once")
                continue
            i, j = bs[0], js[0]
            if self.b_cents[i] != self.j_cents[j]:
                self._ambiguous([i], [j], f"check {key} cleared for a different amount than the journal shows")
                continue
            if self.b_free[i] and self.j_free[j] and self._ok([i], [j]):
                self._take([i], [j], Rule.CHECK_NUMBER)

    def by_reference(self) -> None:
        refs: dict[str, list[int]] = defaultdict(list)
        for j, t in enumerate(self.journal):
            if self.j_free[j] and t.confirmation and not check_key(t.confirmation):
                for tok in set(t.confirmation.upper().translate(_SEPARATORS).split()):
                    if len(tok) >= 4 and _REF.fullmatch(tok):
                        refs[tok].append(j)
        if not refs:
            return
        hits: dict[int, set[int]] = defaultdict(set)  # journal index → bank indexes carrying its reference
        back: dict[int, set[int]] = defaultdict(set)
        for i, b in enumerate(self.bank):
            if not self.b_free[i]:
                continue
            text = f"{b.payee} {b.memo} {b.check_number} {b.fitid or ''}".upper().translate(_SEPARATORS)
            for tok in set(text.split()):
                for j in refs.get(tok, ()):
                    if self.b_cents[i] == self.j_cents[j]:
                        hits[j].add(i)
                        back[i].add(j)
        for j, bs in hits.items():
            if len(bs) == 1:
                (i,) = bs
                if len(back[i]) == 1 and self.b_free[i] and self.j_free[j] and self._ok([i], [j]):
                    self._take([i], [j], Rule.REFERENCE)

    def by_amount_and_date(self) -> None:
        window = self.opt.date_window
        b_groups: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.bank)):
            if self.b_free[i]:
                b_groups[self.b_cents[i]].append(i)
        j_groups: dict[int, list[int]] = defaultdict(list)
        for j in range(len(self.journal)):
            if self.j_free[j] and self.j_cents[j] in b_groups:
                j_groups[self.j_cents[j]].append(j)
        for amount, js in j_groups.items():
            bs = b_groups[amount]
            if len(bs) == 1 and len(js) == 1:  # the common case, without the general machinery
                i, j = bs[0], js[0]
                days = abs(self.b_day[i] - self.j_day[j])
                if days <= window and self._ok([i], [j]):
                    self._take([i], [j], Rule.AMOUNT_DATE, max(0, 100 - 5 * days))
                continue
            self._resolve_group(bs, js, window)

    def _score(self, i: int, j: int, days: int) -> int:
        # Date distance dominates; shared words break ties between equally distant candidates.
        return max(0, 100 - 5 * days) + round(20 * _similarity(self._bw(i), self._jw(j)))

    def _best(self, me: int, cands: list[tuple[int, int]], mine_is_bank: bool) -> int | None:
        """The single best of ``cands`` (days, index) for ``me``, or None on a tie."""
        if len(cands) == 1:
            return cands[0][1]
        least = min(d for d, _ in cands)
        near = [k for d, k in cands if d == least]
        if len(near) == 1:
            return near[0]
        # Equally near: let the text decide, and only a clear winner counts.
        if mine_is_bank:
            scored = sorted(((_similarity(self._bw(me), self._jw(k)), k) for k in near), reverse=True)
        else:
            scored = sorted(((_similarity(self._bw(k), self._jw(me)), k) for k in near), reverse=True)
        return scored[0][1] if scored[0][0] > scored[1][0] else None

    def _resolve_group(self, bs: list[int], js: list[int], window: int) -> None:
        """Many lines and entries of one amount: take mutual single-best pairs, round by round."""
        for _ in range(4):
            bs = sorted((i for i in bs if self.b_free[i]), key=self.b_day.__getitem__)
            js = sorted((j for j in js if self.j_free[j]), key=self.j_day.__getitem__)
            if not bs or not js:
                return
            j_days = [self.j_day[j] for j in js]
            b_cands: dict[int, list[tuple[int, int]]] = {}
            j_cands: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for i in bs:
                lo = bisect.bisect_left(j_days, self.b_day[i] - window)
                hi = bisect.bisect_right(j_days, self.b_day[i] + window)
                found = []
                for j in js[lo:hi]:
                    if self._ok([i], [j]):
                        days = abs(self.b_day[i] - self.j_day[j])
                        found.append((days, j))
                        j_cands[j].append((days, i))
                if found:
                    b_cands[i] = found
            taken = False
            for i, cands in b_cands.items():
                best = self._best(i, cands, True)
                if best is None or self._best(best, j_cands[best], False) != i:
                    continue
                j = best
                self._take([i], [j], Rule.AMOUNT_DATE, self._score(i, j, abs(self.b_day[i] - self.j_day[j])))
                taken = True
            if not taken:
                left_b = [i for i in b_cands if self.b_free[i]]
                left_j = [j for j in j_cands if self.j_free[j]]
                if left_b and left_j:
                    self._ambiguous(left_b, left_j, "several lines and entries of the same amount and date")
                return

    def one_to_several(self, bank_side_single: bool) -> None:
        """One item on one side equal to the sum of 2..max_group free items on the other side.

        The books record money before the bank shows it, so the other side is searched on or before a bank
        line's date (on or after an entry's date): the same day, the day before, both, then the whole
        window, stopping at the first stage with an answer (one solution: a match; several: left for a
        person).
        """
        opt = self.opt
        if bank_side_single:
            n_single, s_cents, s_day, s_free = len(self.bank), self.b_cents, self.b_day, self.b_free
            o_cents, o_day, o_free = self.j_cents, self.j_day, self.j_free
        else:
            n_single, s_cents, s_day, s_free = len(self.journal), self.j_cents, self.j_day, self.j_free
            o_cents, o_day, o_free = self.b_cents, self.b_day, self.b_free
        # Free items of the other side, by sign and day.
        by_day: dict[tuple[bool, int], list[int]] = defaultdict(list)
        for k in range(len(o_cents)):
            if o_free[k] and o_cents[k] != 0:
                by_day[(o_cents[k] > 0, o_day[k])].append(k)
        if not by_day:
            return
        # Same day, the day before, both, then the whole window (offsets towards the earlier side).
        stages = ((0,), (1,), (0, 1), tuple(range(opt.group_window + 1)))
        # A budget for the whole pass, so a pathological file cannot stall it (what is left stays unmatched).
        budget = 500_000 + 100 * n_single
        o_abs = [abs(c) for c in o_cents]
        for s in range(n_single):
            target = s_cents[s]
            if not s_free[s] or target == 0 or budget <= 0:
                continue
            sign, size, day = target > 0, abs(target), s_day[s]
            per_day: dict[int, list[int]] = {}  # filled lazily: most singles settle on the first stages
            searched: set[tuple[int, ...]] = set()
            for stage, offsets in enumerate(stages):
                # Over the whole window only small groups are believable (and the search stays cheap).
                group = opt.max_group if stage < len(stages) - 1 else min(opt.max_group, 4)
                cands = []
                for step in offsets:
                    found = per_day.get(step)
                    if found is None:
                        d = day - step if bank_side_single else day + step
                        found = per_day[step] = [k for k in by_day.get((sign, d), ()) if o_free[k] and o_abs[k] < size]
                    cands += found
                if len(cands) < 2:
                    continue
                if len(cands) > opt.max_candidates:
                    cands = sorted(cands, key=lambda k: (abs(o_day[k] - day), k))[: opt.max_candidates]
                key = tuple(sorted(cands))
                if key in searched:  # a wider stage that found nothing new to try
                    continue
                searched.add(key)
                if sum(o_abs[k] for k in cands) < size:
                    continue
                solutions, used = subset_sums(
                    cands, [o_abs[k] for k in cands], size, group, min(opt.subset_budget, budget)
                )
                budget -= used
                if len(solutions) == 1:
                    chosen = solutions[0]
                    bi, ji = ([s], chosen) if bank_side_single else (chosen, [s])
                    if self._ok(bi, ji):
                        rule = Rule.ONE_DEPOSIT_MANY_ENTRIES if bank_side_single else Rule.MANY_LINES_ONE_ENTRY
                        self._take(bi, ji, rule, 90)
                    break
                if len(solutions) > 1:
                    flat = sorted({k for sol in solutions for k in sol})
                    bi, ji = ([s], flat) if bank_side_single else (flat, [s])
                    self._ambiguous(bi, ji, "more than one combination adds up to this amount")
                    break


def subset_sums(
    items: list[int], values: list[int], target: int, max_size: int, budget: int
) -> tuple[list[list[int]], int]:
    """Up to two subsets (size 2..max_size) of ``items`` whose ``values`` sum to ``target``, and the
    number of search nodes used.

    Depth-first over values sorted large to small, pruned when the rest cannot reach the target. Stops
    at a second solution (that is already "ambiguous") or when the node budget runs out (then it reports
    two empty solutions' worth of ambiguity only if one was found; otherwise nothing).
    """
    order = sorted(range(len(items)), key=lambda n: -values[n])
    vals = [values[n] for n in order]
    suffix = [0] * (len(vals) + 1)
    for n in range(len(vals) - 1, -1, -1):
        suffix[n] = suffix[n + 1] + vals[n]
    neg = [-v for v in vals]  # ascending, for bisect: skip straight past values larger than what is left
    count = len(vals)
    found: list[list[int]] = []
    nodes = 0
    chosen: list[int] = []

    last_depth = max_size - 1
    bisect_left, bisect_right = bisect.bisect_left, bisect.bisect_right

    def walk(start: int, remaining: int, depth: int) -> bool:
        nonlocal nodes
        n = bisect_left(neg, -remaining, start)
        if depth == last_depth:  # the last pick must be exactly what is left
            for k in range(n, bisect_right(neg, -remaining, n)):
                nodes += 1
                if depth:
                    found.append([items[order[c]] for c in (*chosen, k)])
                    if len(found) > 1:
                        return True
            return False
        while n < count:
            nodes += 1
            if nodes > budget:
                return True
            if suffix[n] < remaining:
                return False
            v = vals[n]
            chosen.append(n)
            if v == remaining:
                if depth:
                    found.append([items[order[c]] for c in chosen])
                    if len(found) > 1:
                        chosen.pop()
                        return True
            elif walk(n + 1, remaining - v, depth + 1):
                chosen.pop()
                return True
            chosen.pop()
            n += 1
        return False

    exhausted = walk(0, target, 0)
    if exhausted and len(found) == 1 and nodes > budget:
        found.append([])  # not searched to the end: a second solution may exist, so do not guess
    return found, nodes


def match(
    bank: Sequence[StoredBankLine],
    journal: Sequence[TrustTxn],
    *,
    manual: Iterable[Match] = (),
    rejected: Iterable[tuple[tuple[int, ...], tuple[int, ...]]] = (),
    options: MatchOptions | None = None,
) -> MatchOutcome:
    """Match ``bank`` lines to ``journal`` entries. ``manual`` matches are taken as given (their items
    must be in the inputs); ``rejected`` pairings (bank ids, entry ids) are never made automatically."""
    m = _Matcher(bank, journal, options or MatchOptions(), {(tuple(sorted(b)), tuple(sorted(t))) for b, t in rejected})
    b_index = {b.id: i for i, b in enumerate(bank)}
    j_index = {t.id: j for j, t in enumerate(journal)}
    for man in manual:
        bi = [b_index[x] for x in man.bank_ids if x in b_index]
        ji = [j_index[x] for x in man.txn_ids if x in j_index]
        if len(bi) != len(man.bank_ids) or len(ji) != len(man.txn_ids):
            continue  # an item outside this period's universe: the match belongs to another period
        if all(m.b_free[i] for i in bi) and all(m.j_free[j] for j in ji):
            for i in bi:
                m.b_free[i] = False
            for j in ji:
                m.j_free[j] = False
            m.out.matches.append(replace(man, amount=sum((bank[i].amount for i in bi), Decimal("0.00"))))
    m.by_check_number()
    m.by_reference()
    m.by_amount_and_date()
    m.one_to_several(bank_side_single=True)
    m.one_to_several(bank_side_single=False)
    # Ambiguities whose items were all matched by a later pass are no longer open questions.
    free_b = {bank[i].id for i in range(len(bank)) if m.b_free[i]}
    free_j = {journal[j].id for j in range(len(journal)) if m.j_free[j]}
    m.out.ambiguities = [
        a for a in m.out.ambiguities if any(x in free_b for x in a.bank_ids) or any(x in free_j for x in a.txn_ids)
    ]
    return m.out
