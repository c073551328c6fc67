"""Placeholder values: where a shape's values stand, and bounded summaries of them.

- ``ValueReader``: records of one *shape* (the record with every hex-ish digit run masked, see
  ``analyzer.SHAPE_RE``) share all their text but those runs, so the placeholders of the shape's first record
  locate every later record's: step over each constant stretch, match one digit run (linear, no scan for
  variables). A placeholder without a digit run is the same text in every record of the shape. Records with
  the same *digit key* (every digit written 0) have the same length and the same text but their digits,
  so the spans one of them gives serve all of them (``KeyValues``: slices in C, no search).
- ``HeavyHitters``: the mergeable Misra-Gries summary (Agarwal et al., "Mergeable summaries", 2012) of at
  most ``capacity`` values. Counts are exact until more distinct values come than it keeps; then every
  count kept is low by at most ``error`` (reported), and any value more frequent than ``error`` is kept.
  A placeholder's values are counted exactly first (``PlaceholderStats.pending``: ``Counter``, in C, over the
  records read) and settled into the summary once per ``PENDING_VALUES`` distinct values and when the file ends, so a
  placeholder of few distinct values is never pruned, and a prune subtracts the (capacity+1)-th largest count of
  many values: small where few values repeat.
- ``QuantileSketch``: a KLL quantile sketch, mergeable, with a rank-error bound tracked as it compacts;
  min, max and the count exact. Settled distinct values come with their counts as weights (a value of
  weight w sits at every level whose bit is set in w), so a number is converted once per distinct value and
  a column of few distinct values compacts little or not at all (rank error 0).
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, repeat
from operator import and_, itemgetter, lt, sub

# Caps (documented in the package docstring).
HEAVY_HITTERS_CAPACITY = 256
QUANTILE_LEVEL_CAPACITY = 1024  # values per level of a quantile sketch
PENDING_VALUES = 512  # distinct values a placeholder counts exactly before they are settled into its summaries

# A digit run as the shape masks it (``analyzer.SHAPE_RE``), possessive so a record's match is linear.
_RUN_RE = re.compile(r"[a-fA-F]*+\d[0-9a-fA-F]*+")
_NUMBER_CHARS = str.maketrans("", "", ",")
_DECIMAL = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")  # a decimal number, as float() reads it
# A duration as the masks take it (``masking``: a number with a time unit glued on), and its unit in seconds.
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|ns|min|s|m|h)")
_DURATIONS = re.compile(r"\d+(?:\.\d+)?(?:ms|us|µs|ns|min|s|m|h)(?: ?\d+(?:\.\d+)?(?:ms|us|µs|ns|min|s|m|h))*")
_PER_SECOND = {"ns": 1e9, "us": 1e6, "µs": 1e6, "ms": 1e3}  # divided by (exact: 9 / 1e3 == 0.009)
_SECONDS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}  # multiplied by
# A data size as the masks take it (``masking.SIZE_UNITS``), and its unit in bytes: "kB" is the SI kilobyte; a capital
# prefix counts in 1024s, with its "i" (IEC) or without (as the JVM, Spark and Windows write "KB", "MB", "GB").
_SIZE = re.compile(r"([-+]?\d+(?:[.,]\d+)*) ?(B|kB|[KMGTPE]i?B)")
_BYTES = {"B": 1.0, "kB": 1e3} | {p + i + "B": 1024.0**k for k, p in enumerate("KMGTPE", start=1) for i in ("", "i")}


class ValueReader:
    """Where the placeholders of one shape's records stand.

    Records of a shape have the same constant text between their digit runs, so a record's runs are found by
    stepping over each constant stretch (its length is known) and matching one run there (``_RUN_RE.match``
    at a position: linear, no scan for variables). A placeholder's edges are fixed offsets from the end of
    the run before them; a placeholder without a digit run is the same text in every record of the shape.
    Worked out from the shape's first record when the reader is made (the record itself is not kept: a file whose
    every line has a shape of its own holds a reader per cached shape); a shape with a placeholder edge inside a
    digit run reads nothing (its placeholders and runs do not line up).
    """

    __slots__ = ("_edges", "_gaps", "kinds")

    def __init__(self, head: str, spans: list[tuple[str, int, int]]):
        self.kinds = tuple(k for k, _s, _e in spans)
        self._gaps: tuple[int, ...] = ()
        self._edges: tuple[tuple[int, int, int, int], ...] | None = None
        if not spans:
            return
        # Up to the last placeholder's end in the record (a put-together message's placeholders need not stand in
        # the record in the template's order: a JSON access record's status field comes before its path field).
        runs = [m.span() for m in _RUN_RE.finditer(head, 0, max(e for _k, _s, e in spans))]
        # Every edge as (runs wholly before it, offset from the end of the last of them).
        anchors: dict[int, tuple[int, int]] = {}
        edges = sorted({x for _k, s, e in spans for x in (s, e)})
        j = 0
        for x in edges:
            while j < len(runs) and runs[j][1] <= x:
                j += 1
            if j < len(runs) and runs[j][0] < x:
                return  # the edge is inside a run
            anchors[x] = (j, x - (runs[j - 1][1] if j else 0))
        self._gaps = tuple(a - (runs[k - 1][1] if k else 0) for k, (a, _b) in enumerate(runs))
        self._edges = tuple((*anchors[s], *anchors[e]) for _k, s, e in spans)

    def spans(self, record: str) -> list[tuple[int, int]] | None:
        """Where every placeholder of one record stands (None when the record does not have the shape)."""
        if self._edges is None:
            return None
        ends = [0]
        pos = 0
        match = _RUN_RE.match
        for gap in self._gaps:
            m = match(record, pos + gap)
            if m is None:
                return None
            pos = m.end()
            ends.append(pos)
        return [(ends[js] + ds, ends[je] + de) for js, ds, je, de in self._edges]

    def read(self, record: str) -> list[str] | None:
        """The values of every placeholder of one record (None when the record does not have the shape)."""
        spans = self.spans(record)
        return None if spans is None else [record[s:e] for s, e in spans]


@dataclass(eq=False, slots=True)
class KeyValues:
    """Where the records of one digit key hold their placeholder values. Records with the same digit key (every
    digit written 0) differ in their digits only: same length, same text elsewhere, so the spans read from one
    of them are every one's, and a record's value at a placeholder is one ``itemgetter`` of a slice (C, no search).
    ``rows`` collects the key's records until ``take`` hands them out and empties it."""

    values: ClusterValues
    columns: tuple[tuple[PlaceholderStats, Callable[[str], str]], ...]  # each placeholder's statistics and slice
    rows: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, values: ClusterValues, reader: ValueReader, record: str) -> KeyValues | None:
        spans = reader.spans(record)
        if not spans:
            return None
        kinds = reader.kinds
        return cls(
            values, tuple((values.stats(j, kinds[j]), itemgetter(slice(s, e))) for j, (s, e) in enumerate(spans))
        )

    def take(self) -> list[str]:
        """The records collected, which are then let go (their values: ``map(get, rows)`` per column)."""
        rows, self.rows = self.rows, []
        self.values.records += len(rows)
        return rows


@dataclass(slots=True)
class HeavyHitters:
    """Mergeable Misra-Gries: exact counts while at most ``capacity`` distinct values were seen, else each kept
    count is low by at most ``error`` and every value with more than ``error`` occurrences is kept. A batch
    is counted in C (``Counter.update``) and merged by one prune."""

    capacity: int = HEAVY_HITTERS_CAPACITY
    counts: Counter[str] = field(default_factory=Counter)
    error: int = 0

    def add(self, value: str, count: int) -> None:
        self.counts[value] += count
        if len(self.counts) > self.capacity:
            self._prune()

    def add_all(self, values: Iterable[str]) -> None:
        self.counts.update(values)
        if len(self.counts) > self.capacity:
            self._prune()

    def add_counts(self, batch: Counter[str]) -> None:
        """Add a batch's exact counts (a ``Counter`` the summary may keep as its own): the smaller of the two is
        added into the larger (``Counter.update`` with a mapping is a Python loop), then one prune."""
        if len(batch) > len(self.counts):
            batch.update(self.counts)
            self.counts = batch
        else:
            self.counts.update(batch)
        if len(self.counts) > self.capacity:
            self._prune()

    def merge(self, other: HeavyHitters) -> None:
        """Add another summary (Agarwal et al.: counts added, errors added, one prune)."""
        self.counts.update(other.counts)
        self.error += other.error
        if len(self.counts) > self.capacity:
            self._prune()

    def _prune(self) -> None:
        """Subtract the (capacity+1)-th largest count from every count and drop what is left at zero or less: in
        C (a sort of the counts, then the values above the cut picked by a mask), as a prune may see many values
        (a batch of a column of mostly distinct values)."""
        counts = list(self.counts.values())
        cut = sorted(counts, reverse=True)[self.capacity]
        self.error += cut
        above = list(map(lt, repeat(cut), counts))
        kept = map(sub, compress(counts, above), repeat(cut))
        self.counts = Counter(dict(zip(compress(self.counts, above), kept, strict=True)))

    @property
    def exact(self) -> bool:
        return self.error == 0

    def top(self, k: int) -> list[tuple[str, int]]:
        """The ``k`` most frequent values whose kept count exceeds the error bound (below it, a value kept is
        as likely noise of the pruning as a frequent one)."""
        ranked = sorted(self.counts.items(), key=lambda vc: (-vc[1], vc[0]))
        return [(v, c) for v, c in ranked[:k] if c > self.error]


@dataclass(slots=True)
class QuantileSketch:
    """A compactor quantile sketch (Manku-Rajagopalan-Lindsay; KLL's compactors with equal capacities and
    deterministic offsets) over every value: level ``h`` holds values of weight 2**h, as packed doubles; a
    level over ``QUANTILE_LEVEL_CAPACITY`` is sorted and every other value (alternating offsets) moves up.
    All of it is work in C (extend, sort, slices). ``rank_error`` bounds, for any quantile, how far (as a
    share of ``count``) the returned value's rank can be from the one asked for: a compaction at level h moves
    any rank by at most 2**h, and they are added up as they happen (about log2(n / capacity) / capacity).
    Min, max and count are exact. Memory: at most one level's capacity per level, 8 bytes a value."""

    levels: list[array[float]] = field(default_factory=lambda: [array("d")])
    count: int = 0
    min: float = math.inf
    max: float = -math.inf
    error_weight: int = 0
    _flip: int = 0

    def add_all(self, xs: list[float]) -> None:
        if not xs:
            return
        self.count += len(xs)
        lo, hi = min(xs), max(xs)
        if lo < self.min:
            self.min = lo
        if hi > self.max:
            self.max = hi
        self._add_level(0, xs)

    def add_weighted(self, xs: list[float], weights: list[int]) -> None:
        """Values with their multiplicities (distinct values of a batch and their counts): a value of weight w
        goes to every level h whose bit is set in w (2**h copies of it, exactly: no rank error added), so a
        value repeated a million times costs about 20 items, not a million."""
        if not xs:
            return
        top = max(weights)
        if top == 1:
            self.add_all(xs)
            return
        self.count += sum(weights)
        lo, hi = min(xs), max(xs)
        if lo < self.min:
            self.min = lo
        if hi > self.max:
            self.max = hi
        for h in range(top.bit_length()):
            level = list(compress(xs, map(and_, weights, repeat(1 << h))))
            if level:
                while len(self.levels) < h:
                    self.levels.append(array("d"))
                self._add_level(h, level)

    def _add_level(self, h: int, xs: list[float]) -> None:
        """Values of weight 2**h into level ``h``; a level that would pass its capacity is compacted with them in
        one sort, its upper half carried up as a list (the same compactions as extending and then ``_compress``,
        without packing values into the array only to unpack them for the sort)."""
        while True:
            if h == len(self.levels):
                self.levels.append(array("d"))
            level = self.levels[h]
            if len(level) + len(xs) <= QUANTILE_LEVEL_CAPACITY:
                level.extend(xs)
                return
            ordered = sorted(chain(level, xs))
            keep = array("d", ordered[-1:] if len(ordered) % 2 else ())  # an even number is compacted
            if keep:
                ordered.pop()
            self._flip ^= 1
            self.levels[h] = keep
            self.error_weight += 1 << h
            xs = ordered[self._flip :: 2]
            h += 1

    def merge(self, other: QuantileSketch) -> None:
        """Add another sketch: level by level, then compacted as adding does (the error weights add up)."""
        if not other.count:
            return
        self.count += other.count
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        self.error_weight += other.error_weight
        for h, level in enumerate(other.levels):
            if h == len(self.levels):
                self.levels.append(array("d"))
            self.levels[h].extend(level)
        self._compress()

    def _compress(self) -> None:
        h = 0
        while h < len(self.levels):
            level = self.levels[h]
            if len(level) > QUANTILE_LEVEL_CAPACITY:
                if h + 1 == len(self.levels):
                    self.levels.append(array("d"))
                ordered = sorted(level)
                keep = array("d", ordered[-1:] if len(ordered) % 2 else ())  # an even number is compacted
                if keep:
                    ordered.pop()
                self._flip ^= 1
                self.levels[h + 1].extend(ordered[self._flip :: 2])
                self.levels[h] = keep
                self.error_weight += 1 << h
            h += 1

    @property
    def rank_error(self) -> float:
        return self.error_weight / self.count if self.count else 0.0

    def quantile(self, q: float) -> float:
        """The value at quantile ``q`` (0..1): the exact min and max at the ends."""
        return self.quantiles([q])[0]

    def quantiles(self, qs: list[float]) -> list[float]:
        """The values at quantiles ``qs`` (0..1): the exact min and max at the ends. The value at ``q`` is the
        first whose weights, added up in value order, exceed ``q`` x the total (C-level: sort, accumulate,
        bisect; one level of weight 1 is a plain sort)."""
        if not self.count:
            return [math.nan] * len(qs)
        values: list[float] = []
        weights: list[int] = []
        for h, level in enumerate(self.levels):
            values.extend(level)
            weights.extend(repeat(1 << h, len(level)))
        order = sorted(range(len(values)), key=values.__getitem__)
        ordered = list(map(values.__getitem__, order))
        upto = list(accumulate(map(weights.__getitem__, order)))
        total = upto[-1] if upto else 0
        out = []
        for q in qs:
            if q <= 0:
                out.append(self.min)
                continue
            i = bisect_right(upto, q * total)
            out.append(ordered[i] if i < len(ordered) and q < 1 else self.max)
        return out


@dataclass(eq=False, slots=True)
class PlaceholderStats:
    """Every value one placeholder of a cluster took: frequent values and, for numbers, their distribution.
    Values are counted exactly as they come (``pending``: ``Counter.update`` over a column, in C) and settled into
    the summaries only when ``pending`` holds more than ``PENDING_VALUES`` distinct values, and before the
    statistics are read or merged (``settle``): a placeholder of few distinct values converts each number once per
    file and merges once, whatever the number of records."""

    kind: str
    values: HeavyHitters = field(default_factory=HeavyHitters)
    numbers: QuantileSketch | None = None
    plain_numbers: bool = True  # a hint: every number so far read by float() as it stands (same values either way)
    pending: Counter[str] = field(default_factory=Counter)

    def merge(self, other: PlaceholderStats) -> None:
        """Add another placeholder's statistics (of the same kind)."""
        self.settle()
        other.settle()
        self.values.merge(other.values)
        if other.numbers is not None:
            if self.numbers is None:
                self.numbers = QuantileSketch()
            self.numbers.merge(other.numbers)

    def counted_as(self, kind: str) -> PlaceholderStats:
        """These values as a placeholder of another kind counts them: a chunk whose first record of a message wrote
        a placeholder's value otherwise ("04670963" a number where the file's first record wrote "361d9cca", a hash)
        counted them as that; one pass counts every record under the kind of the file's first. The values stay; the
        numbers are made again from their counts (exact while the counts are, ``HeavyHitters.exact``)."""
        self.settle()
        out = PlaceholderStats(kind, values=self.values, plain_numbers=self.plain_numbers)
        out._measure(Counter(self.values.counts))
        return out

    def enclosed(self, opened: str, closed: str) -> PlaceholderStats:
        """These values as they stand in the brackets or quotes around them (a template's placeholder over
        "<bob@example.com>", its variable the address inside): the values written with them, the numbers as read."""
        self.settle()
        written = Counter({opened + v + closed: c for v, c in self.values.counts.items()})
        hh = HeavyHitters(self.values.capacity, written)
        hh.error = self.values.error
        return PlaceholderStats(self.kind, values=hh, numbers=self.numbers, plain_numbers=self.plain_numbers)

    def add_column(self, column: Iterable[str]) -> None:
        """A batch of this placeholder's values (any iterable: consumed in C), counted into ``pending``."""
        pending = self.pending
        pending.update(column)
        if len(pending) > PENDING_VALUES:
            self.settle()

    def settle(self) -> None:
        """The values counted in ``pending`` go to the summaries: numbers converted once per distinct value and
        given to the quantile sketch with their counts as weights, the counts to the heavy hitters."""
        batch = self.pending
        if not batch:
            return
        self.pending = Counter()
        self._measure(batch)
        self.values.add_counts(batch)

    def _measure(self, batch: Counter[str]) -> None:
        """A number's, a duration's or a size's values, with their counts, to the quantile sketch (other kinds have
        none)."""
        if self.kind == "number":
            self._add_numbers(batch)
        elif self.kind == "duration":
            self._add_durations(batch)
        elif self.kind == "size":
            self._add_sizes(batch)
        elif self.kind == "clock":
            self._add_clocks(batch)

    def _sketch(self) -> QuantileSketch:
        if self.numbers is None:
            self.numbers = QuantileSketch()
        return self.numbers

    def _add_durations(self, batch: Counter[str]) -> None:
        """A duration's unit says its scale: "0.7ms", "3s" and "2m" are compared in seconds (the numeric
        statistics of a duration placeholder are in seconds), so a latency's p99 and max are read at all."""
        xs: list[float] = []
        ws: list[int] = []
        for v, c in batch.items():
            m = _DURATION.fullmatch(v)
            if m is not None:
                x, unit = float(m.group(1)), m.group(2)
                xs.append(x / _PER_SECOND[unit] if unit in _PER_SECOND else x * _SECONDS[unit])
                ws.append(c)
            elif _DURATIONS.fullmatch(v) is not None:  # several units, largest first: "1m30s", "2h0m0s", "1m 3s"
                parts = _DURATION.findall(v)
                xs.append(
                    sum(float(x) / _PER_SECOND[u] if u in _PER_SECOND else float(x) * _SECONDS[u] for x, u in parts)
                )
                ws.append(c)
        if xs:
            self._sketch().add_weighted(xs, ws)

    def _add_clocks(self, batch: Counter[str]) -> None:
        """A clock's reading ("0:02:58.311", hours, minutes, seconds) in seconds, as a duration's: a session's
        length is read as one number, not its hours, minutes and seconds apart."""
        xs: list[float] = []
        ws: list[int] = []
        for v, c in batch.items():
            h, m, sec = v.replace(",", ".").split(":")
            xs.append(int(h) * 3600.0 + int(m) * 60.0 + float(sec))
            ws.append(c)
        if xs:
            self._sketch().add_weighted(xs, ws)

    def _add_sizes(self, batch: Counter[str]) -> None:
        """A data size's unit says its scale ("512 B", "1.20 KB", "3.4 MB" of one placeholder): compared in bytes, a
        thousands separator dropped ("1,024 KB")."""
        xs: list[float] = []
        ws: list[int] = []
        for v, c in batch.items():
            m = _SIZE.fullmatch(v)
            if m is not None:
                xs.append(float(m.group(1).translate(_NUMBER_CHARS)) * _BYTES[m.group(2)])
                ws.append(c)
        if xs:
            self._sketch().add_weighted(xs, ws)

    def _add_numbers(self, batch: Counter[str]) -> None:
        """Each distinct value converted once, in C: by ``float`` while every one is a number as it stands, else
        with separators dropped ("1,234": one ``translate`` of the batch joined) and only the values that are
        decimal numbers (``_DECIMAL``; "12ms", "v1.2", "2005.06.03": a number with a unit, a version or a
        dotted date has no value here)."""
        values = list(batch)
        ws = list(batch.values())
        xs: list[float] = []
        if self.plain_numbers:
            try:
                xs = list(map(float, values))
            except ValueError:
                self.plain_numbers = False
        if not self.plain_numbers:
            cut = "\n".join(values).translate(_NUMBER_CHARS).split("\n")
            values = cut if len(cut) == len(values) else [v.translate(_NUMBER_CHARS) for v in values]
            keep = list(map(_DECIMAL.fullmatch, values))
            xs = list(map(float, compress(values, keep)))
            ws = list(compress(ws, keep))
        if xs:
            self._sketch().add_weighted(xs, ws)


@dataclass(slots=True)
class ClusterValues:
    """Placeholder statistics of one message variant (a cluster's exact masked message), over every record whose
    shape lines up with its placeholders; a template's are its variants' merged (``report.template_values``)."""

    width: int  # placeholders of the message: only shapes with as many count (their positions line up)
    records: int = 0  # records whose values were read
    positions: dict[int, PlaceholderStats] = field(default_factory=dict)

    def stats(self, index: int, kind: str) -> PlaceholderStats:
        s = self.positions.get(index)
        if s is None:
            s = self.positions[index] = PlaceholderStats(kind)
        return s
