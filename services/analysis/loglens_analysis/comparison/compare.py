"""The comparison rules (see the package docstring)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from loglens.v1 import comparison_pb2, report_pb2

from .identity import Lineage, generalises, link_wordings
from .rates import benjamini_hochberg, dispersion, rate_ratio, rate_test_p

FALSE_DISCOVERY_RATE = 0.01
MIN_RATE_RATIO = 1.5
NEW_VALUE_MIN_BASELINE = 20  # baseline records behind a placeholder's values before they count as "stable"
MAX_LINES = 5  # lines cited per finding
MAX_NEW_VALUES = 10
MAX_UNDECIDED = 200  # undecided findings listed (the first ones, in the order the rules meet them)
TEXT_CHARS = 100
METHOD = (
    "conditional binomial test of two Poisson rates (exact tails; likelihood ratio from 1,000 records a side), "
    "counts divided by the dispersion, Benjamini-Hochberg across all messages"
)

F = comparison_pb2
L = report_pb2
ERRORS = (L.LEVEL_ERROR, L.LEVEL_FATAL)
LEVEL_WORD: dict[int, str] = {
    L.LEVEL_TRACE: "TRACE",
    L.LEVEL_DEBUG: "DEBUG",
    L.LEVEL_INFO: "INFO",
    L.LEVEL_NOTICE: "NOTICE",
    L.LEVEL_WARN: "WARN",
    L.LEVEL_ERROR: "ERROR",
    L.LEVEL_FATAL: "FATAL",
}
# Ranking within one severity: failures first, then what is new, then what moved.
KIND_ORDER = {
    F.FINDING_KIND_NEW_EXCEPTION_GROUP: 0,
    F.FINDING_KIND_NEW_TEMPLATE: 1,
    F.FINDING_KIND_ERROR_SHARE_CHANGE: 2,
    F.FINDING_KIND_RATE_INCREASE: 3,
    F.FINDING_KIND_NEW_VALUES: 4,
    F.FINDING_KIND_GONE_TEMPLATE: 5,
    F.FINDING_KIND_TEMPLATE_GENERALISED: 6,
    F.FINDING_KIND_RATE_DECREASE: 7,
}


@dataclass(frozen=True, slots=True)
class RunReport:
    """A run's name and its stored report."""

    name: str
    report: report_pb2.AnalysisReport


@dataclass(slots=True)
class Side:
    run: RunReport
    templates: dict[str, report_pb2.Template]
    exposure: float
    capped: bool  # lists fewer templates than it mined
    min_listed: int  # the smallest listed count (an unlisted template had at most this many)

    @property
    def report(self) -> report_pb2.AnalysisReport:
        return self.run.report


@dataclass(slots=True)
class Message:
    """One message across the runs: the templates (wordings) of each side that are the same message."""

    key: str
    target: list[report_pb2.Template] = field(default_factory=list)
    baseline: list[list[report_pb2.Template]] = field(default_factory=list)

    k1: int = 0  # records in the target (``count``, once every template is in)
    k0: int = 0  # records in all baseline runs together
    present: int = 0  # baseline runs that have the message

    def count(self) -> None:
        self.k1 = sum(t.count for t in self.target)
        self.k0 = sum(t.count for ts in self.baseline for t in ts)
        self.present = sum(1 for ts in self.baseline if ts)

    def level(self, side: str = "target") -> int:
        ts = self.target if side == "target" and self.target else [t for ts in self.baseline for t in ts]
        return max((t.max_level for t in ts), default=L.LEVEL_UNSPECIFIED)

    def main_target(self) -> report_pb2.Template | None:
        return max(self.target, key=lambda t: (t.count, -t.first_line), default=None)

    def main_baseline(self) -> tuple[report_pb2.Template | None, int]:
        """The baseline wording with the most records, and the first baseline run (newest) that has it."""
        best: report_pb2.Template | None = None
        for ts in self.baseline:
            for t in ts:
                if best is None or t.count > best.count:
                    best = t
        if best is None:
            return None, -1
        first = next(j for j, ts in enumerate(self.baseline) if any(t.id == best.id for t in ts))
        return best, first


def _span_seconds(report: report_pb2.AnalysisReport) -> float:
    tr = report.time_range
    if not tr.HasField("start_time") or not tr.HasField("end_time"):
        return 0.0
    return max(0.0, (tr.end_time.ToNanoseconds() - tr.start_time.ToNanoseconds()) / 1e9)


def _errors(report: report_pb2.AnalysisReport) -> int:
    return sum(lc.count for lc in report.levels if lc.level in ERRORS)


def _side_proto(run: RunReport) -> comparison_pb2.ComparisonSide:
    r = run.report
    side = comparison_pb2.ComparisonSide(
        analysis_run=run.name,
        record_count=r.record_count,
        span_seconds=_span_seconds(r),
        template_count=r.template_count,
        listed_templates=len(r.templates),
        error_records=_errors(r),
        engine_version=r.engine_version,
    )
    if r.HasField("time_range"):
        side.time_range.CopyFrom(r.time_range)
    return side


def _short(text: str, limit: int = TEXT_CHARS) -> str:
    t = " ".join(text.split())
    return t if len(t) <= limit else t[: limit - 1] + "\u2026"


def _fmt_rate(x: float) -> str:
    if x == 0:
        return "0"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 1:
        return f"{x:.1f}"
    return f"{x:.2g}"


def _severity_of_level(level: int) -> int:
    if level >= L.LEVEL_FATAL:
        return F.SEVERITY_CRITICAL
    if level >= L.LEVEL_ERROR:
        return F.SEVERITY_HIGH
    if level >= L.LEVEL_WARN:
        return F.SEVERITY_MEDIUM
    return F.SEVERITY_LOW


def _by_kind(placeholders: Sequence[report_pb2.Placeholder]) -> dict[str, list[report_pb2.Placeholder]]:
    """Placeholders by kind of value, each list in placeholder order."""
    out: dict[str, list[report_pb2.Placeholder]] = {}
    for p in sorted(placeholders, key=lambda x: x.index):
        out.setdefault(p.kind, []).append(p)
    return out


def _lines(ts: Sequence[report_pb2.Template]) -> list[int]:
    found: set[int] = set()
    for t in ts:
        found.add(t.first_line)
        found.update(e.line_number for e in t.examples)
    return sorted(x for x in found if x > 0)[:MAX_LINES]


class _Comparer:
    def __init__(self, target: RunReport, baselines: Sequence[RunReport]) -> None:
        self.runs = [target, *baselines]
        spans = [_span_seconds(r.report) for r in self.runs]
        self.by_time = all(s > 0 for s in spans)
        self.unit = F.RATE_UNIT_PER_HOUR if self.by_time else F.RATE_UNIT_PER_THOUSAND_RECORDS
        self.unit_text = "per hour" if self.by_time else "per 1,000 records"
        sides = []
        for run, span in zip(self.runs, spans, strict=True):
            r = run.report
            exposure = span / 3600.0 if self.by_time else r.record_count / 1000.0
            listed = {t.id: t for t in r.templates}
            capped = r.template_count > len(r.templates)
            sides.append(Side(run, listed, max(exposure, 1e-9), capped, min((t.count for t in r.templates), default=0)))
        self.target = sides[0]
        self.baselines = sides[1:]
        self.e1 = self.target.exposure
        self.e0 = sum(s.exposure for s in self.baselines)
        self.out = comparison_pb2.Comparison(
            target=_side_proto(target),
            baselines=[_side_proto(b) for b in baselines],
            rate_unit=self.unit,
        )
        self.findings: list[tuple[tuple[int, int, float, int], comparison_pb2.ComparisonFinding]] = []
        self.undecided: list[comparison_pb2.UndecidedFinding] = []

    # Messages -------------------------------------------------------------------------------------
    def messages(self) -> tuple[list[Message], Lineage, set[str]]:
        lineage = Lineage()
        target_tokens = {tid: tuple(t.text.split()) for tid, t in self.target.templates.items()}
        baseline_tokens: dict[str, tuple[str, ...]] = {}
        for side in self.baselines:
            for tid, t in side.templates.items():
                baseline_tokens.setdefault(tid, tuple(t.text.split()))
        pairs = link_wordings(lineage, target_tokens, baseline_tokens)
        # Target templates that are a generalised wording of a baseline one (and not in any baseline run).
        generalised = {
            tid
            for tid, bid in pairs
            if tid not in baseline_tokens and generalises(target_tokens[tid], baseline_tokens[bid])
        }
        by_key: dict[str, Message] = {}

        def message(tid: str) -> Message:
            key = lineage.root(tid)
            m = by_key.get(key)
            if m is None:
                m = by_key[key] = Message(key, baseline=[[] for _ in self.baselines])
            return m

        for t in self.target.report.templates:
            message(t.id).target.append(t)
        for j, side in enumerate(self.baselines):
            for t in side.report.templates:
                message(t.id).baseline[j].append(t)
        for m in by_key.values():
            m.count()
        return list(by_key.values()), lineage, generalised

    def add(self, f: comparison_pb2.ComparisonFinding, strength: float, line: int = 0) -> None:
        key = (-f.severity, KIND_ORDER.get(f.kind, 9), strength, line)
        self.findings.append((key, f))

    def undecide(self, kind: int, ts: Sequence[report_pb2.Template], reason: str, lines: Sequence[int] = ()) -> None:
        self.undecided.append(
            comparison_pb2.UndecidedFinding(
                kind=kind,  # type: ignore[arg-type]
                template_ids=[t.id for t in ts],
                template_text=ts[0].text if ts else "",
                reason=reason,
                line_numbers=list(lines),
            )
        )

    def _unknown_in(self, m: Message) -> list[int]:
        """Baseline runs whose report is capped and does not list the message: its count there is unknown."""
        return [j for j, s in enumerate(self.baselines) if s.capped and not m.baseline[j]]

    # Rules ----------------------------------------------------------------------------------------
    def run(self) -> comparison_pb2.Comparison:
        messages, lineage, generalised = self.messages()
        self.out.templates_compared = len(messages)
        phi = dispersion([(m.k1, m.k0) for m in messages if m.k1 and m.k0], self.e1, self.e0)
        tested: list[tuple[Message, float, float, float]] = []  # message, k0 used, p (conservative), p (liberal)
        for m in messages:
            unknown = self._unknown_in(m)
            k0_low = float(m.k0)
            k0_high = k0_low + sum(self.baselines[j].min_listed for j in unknown)
            k1 = float(m.k1)
            k1_high = float(self.target.min_listed) if not m.target and self.target.capped else k1
            p = rate_test_p(k1, self.e1, k0_low, self.e0, phi)
            if k0_high == k0_low and k1_high == k1:  # every count known: one test
                tested.append((m, k0_low, p, p))
                continue
            # A count only bounded (beyond a report's cap): the rate ratio lies between its two extreme corners.
            # The weakest answer is 1 when that range holds equal rates, else the corner nearer to them; the
            # strongest is the corner farther away.
            low_p = rate_test_p(k1, self.e1, k0_high, self.e0, phi)  # lowest ratio
            high_p = rate_test_p(k1_high, self.e1, k0_low, self.e0, phi)  # highest ratio
            same = self.e1 / self.e0
            holds_equal = k1 * self.e0 <= k0_high * self.e1 and (k0_low == 0 or k1_high / k0_low >= same)
            weakest = 1.0 if holds_equal else max(low_p, high_p)
            tested.append((m, k0_low, weakest, min(low_p, high_p)))
        # New wordings of known messages (a constant became a placeholder): tested as new records of the message.
        wordings: list[tuple[Message, list[report_pb2.Template], float]] = []
        for m in messages:
            new = [t for t in m.target if t.id in generalised]
            if new and m.k0:
                wordings.append((m, new, rate_test_p(sum(t.count for t in new), self.e1, 0, self.e0, phi)))
        q_all = benjamini_hochberg([p for _m, _k, p, _pl in tested] + [p for _m, _n, p in wordings])
        q, q_wordings = q_all[: len(tested)], q_all[len(tested) :]
        for (m, new, p), qv in zip(wordings, q_wordings, strict=True):
            if qv <= FALSE_DISCOVERY_RATE or m.level() >= L.LEVEL_WARN:
                self.generalised_wording(m, new, p)
        # A message is undecided when its liberal p-value would have been a discovery but its conservative one is
        # not: the cut-off is the largest p-value that BH accepted (or alpha / m when it accepted none).
        accepted = [p for (_m, _k, p, _pl), qv in zip(tested, q, strict=True) if qv <= FALSE_DISCOVERY_RATE]
        cutoff = max(accepted, default=FALSE_DISCOVERY_RATE / max(1, len(tested)))
        self.out.rate_test.CopyFrom(
            comparison_pb2.RateTest(
                method=METHOD,
                false_discovery_rate=FALSE_DISCOVERY_RATE,
                tests=len(tested) + len(wordings),
                dispersion=round(phi, 4),
                min_rate_ratio=MIN_RATE_RATIO,
            )
        )
        majority = math.ceil(len(self.baselines) / 2)
        for (m, _k0, p, p_liberal), qv in zip(tested, q, strict=True):
            significant = qv <= FALSE_DISCOVERY_RATE
            open_question = not significant and p_liberal <= cutoff
            unknown = self._unknown_in(m)
            if m.k1 and not m.k0:
                if not unknown:
                    self.new_message(m, p, qv, significant)
                elif significant:  # absent from a capped baseline's list, and more than its cap allows for
                    bound = sum(self.baselines[j].min_listed for j in unknown)
                    self.rate_change(m, p, qv, phi, k0_bound=bound)
                elif open_question or m.level() >= L.LEVEL_WARN:
                    self.undecide(
                        F.FINDING_KIND_NEW_TEMPLATE,
                        m.target,
                        ", ".join(self.baselines[j].run.name for j in unknown)
                        + " list only their most frequent templates; this message may be among the others",
                        _lines(m.target),
                    )
            elif not m.k1 and m.k0:
                if m.present < majority:
                    continue
                if self.target.capped:
                    if significant or open_question:
                        bt, _j = m.main_baseline()
                        self.undecide(
                            F.FINDING_KIND_GONE_TEMPLATE,
                            [bt] if bt else [],
                            f"{self.target.run.name} lists {len(self.target.templates)} of its "
                            f"{self.target.report.template_count} templates; this message may be among the "
                            f"others (at most {self.target.min_listed} records each)",
                        )
                    continue
                if significant:
                    self.gone_message(m, p, qv, phi)
            elif m.k1 and m.k0:
                if open_question:
                    up = m.k1 * self.e0 > m.k0 * self.e1
                    self.undecide(
                        F.FINDING_KIND_RATE_INCREASE if up else F.FINDING_KIND_RATE_DECREASE,
                        m.target,
                        "its count in "
                        + ", ".join(self.baselines[j].run.name for j in unknown)
                        + " is unknown (the report lists only its most frequent templates)",
                        _lines(m.target),
                    )
                elif significant:
                    self.rate_change(m, p, qv, phi)
        self.new_values(messages)
        self.new_exception_groups(lineage)
        self.error_share(phi)
        self.findings.sort(key=lambda kf: kf[0])
        self.out.findings.extend(f for _k, f in self.findings)
        self.out.undecided.extend(self.undecided[:MAX_UNDECIDED])
        self.out.undecided_total = len(self.undecided)
        return self.out

    def _rates(self, f: comparison_pb2.ComparisonFinding, m: Message) -> None:
        f.target_count = m.k1
        f.baseline_count = m.k0
        f.target_rate = m.k1 / self.e1
        f.baseline_rate = m.k0 / self.e0
        f.baseline_runs_present = m.present

    def _histograms(self, f: comparison_pb2.ComparisonFinding, m: Message) -> None:
        main = m.main_target()
        if main is not None and main.HasField("histogram"):
            f.target_histogram.CopyFrom(main.histogram)
        bt, _j = m.main_baseline()
        if bt is not None and bt.HasField("histogram"):
            f.baseline_histogram.CopyFrom(bt.histogram)

    def new_message(self, m: Message, p: float, qv: float, significant: bool) -> None:
        level = m.level()
        if not (level >= L.LEVEL_WARN or significant):
            return
        main = m.main_target()
        assert main is not None
        f = comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_NEW_TEMPLATE,
            severity=_severity_of_level(level),  # type: ignore[arg-type]
            template_ids=[t.id for t in m.target],
            line_numbers=_lines(m.target),
            template_text=main.text,
            level=level,  # type: ignore[arg-type]
            placeholder_index=-1,
        )
        self._rates(f, m)
        self._histograms(f, m)
        if main.examples:
            f.example.CopyFrom(main.examples[0])
        word = LEVEL_WORD.get(level, "")
        f.description = (
            f'new {word + " " if word else ""}message "{_short(main.text)}": {m.k1:,} record'
            f"{'s' if m.k1 != 1 else ''}, first at line {main.first_line}"
        )
        self.add(f, -m.k1 if significant else p, main.first_line)

    def generalised_wording(self, m: Message, new: list[report_pb2.Template], p: float) -> None:
        main = max(new, key=lambda t: t.count)
        bt, _j = m.main_baseline()
        assert bt is not None
        level = m.level()
        f = comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_TEMPLATE_GENERALISED,
            severity=F.SEVERITY_INFO,
            template_ids=[t.id for t in new],
            baseline_template_ids=sorted({t.id for ts in m.baseline for t in ts}),
            line_numbers=_lines(new),
            template_text=main.text,
            baseline_template_text=bt.text,
            level=level,  # type: ignore[arg-type]
            placeholder_index=-1,
        )
        self._rates(f, m)
        self._histograms(f, m)
        if main.examples:
            f.example.CopyFrom(main.examples[0])
        count = sum(t.count for t in new)
        f.description = (
            f'"{_short(bt.text, 70)}" now also reads "{_short(main.text, 70)}": the same message, with '
            f"{count:,} record{'s' if count != 1 else ''} whose wording the baseline never had, first at line "
            f"{main.first_line}"
        )
        self.add(f, p, main.first_line)

    def gone_message(self, m: Message, p: float, qv: float, phi: float) -> None:
        bt, _j = m.main_baseline()
        assert bt is not None
        level = m.level("baseline")
        rr = rate_ratio(0, self.e1, m.k0, self.e0, phi)
        f = comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_GONE_TEMPLATE,
            severity=F.SEVERITY_MEDIUM,
            template_ids=sorted({t.id for ts in m.baseline for t in ts}),
            template_text=bt.text,
            level=level,  # type: ignore[arg-type]
            rate_change=comparison_pb2.RateChange(
                ratio=0.0, ratio_lower=0.0, ratio_upper=rr.upper, p_value=p, q_value=qv
            ),
            placeholder_index=-1,
        )
        self._rates(f, m)
        self._histograms(f, m)
        if bt.examples:
            f.example.CopyFrom(bt.examples[0])
        expected = m.k0 / self.e0 * self.e1
        f.description = (
            f'gone: "{_short(bt.text)}" ({m.k0:,} records in {m.present} of {len(self.baselines)} baseline runs, '
            f"{_fmt_rate(m.k0 / self.e0)} {self.unit_text}) is absent, where about {expected:,.0f} were expected"
        )
        self.add(f, p)

    def rate_change(self, m: Message, p: float, qv: float, phi: float, k0_bound: int = 0) -> None:
        """A rate finding; with ``k0_bound`` the baseline count is only known to be at most that (a capped report
        did not list the message), and the ratio is its lower bound."""
        rr = rate_ratio(m.k1, self.e1, k0_bound or m.k0, self.e0, phi)
        if 1 / MIN_RATE_RATIO < rr.ratio < MIN_RATE_RATIO:
            return
        up = rr.ratio > 1
        main = m.main_target()
        assert main is not None
        level = m.level()
        f = comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_RATE_INCREASE if up else F.FINDING_KIND_RATE_DECREASE,
            severity=_severity_of_level(level) if up else F.SEVERITY_LOW,  # type: ignore[arg-type]
            template_ids=[t.id for t in m.target],
            baseline_template_ids=sorted({t.id for ts in m.baseline for t in ts} - {t.id for t in m.target}),
            line_numbers=_lines(m.target),
            template_text=main.text,
            level=level,  # type: ignore[arg-type]
            rate_change=comparison_pb2.RateChange(
                ratio=rr.ratio, ratio_lower=rr.lower, ratio_upper=rr.upper, p_value=p, q_value=qv
            ),
            placeholder_index=-1,
        )
        self._rates(f, m)
        self._histograms(f, m)
        if main.examples:
            f.example.CopyFrom(main.examples[0])
        how = f"rose {rr.ratio:.1f}x" if up else f"fell to {rr.ratio:.2g}x"
        if k0_bound:
            f.baseline_count = k0_bound
            f.baseline_rate = k0_bound / self.e0
            f.description = (
                f'"{_short(main.text)}" rose at least {rr.ratio:.1f}x: {_fmt_rate(f.target_rate)} {self.unit_text} '
                f"({m.k1:,} records), where the baseline had at most {k0_bound:,} (beyond its reports' listed "
                f"templates; q = {qv:.2g})"
            )
        else:
            f.description = (
                f'"{_short(main.text)}" {how} (95% CI {rr.lower:.2g} to {rr.upper:.2g}): {_fmt_rate(f.target_rate)} '
                f"vs {_fmt_rate(f.baseline_rate)} {self.unit_text} ({m.k1:,} records, {m.k0:,} in the baseline; "
                f"q = {qv:.2g})"
            )
        self.add(f, p, main.first_line)

    # New messages, with their wording lineage ------------------------------------------------------
    def new_values(self, messages: list[Message]) -> None:
        """New values in known placeholders (their own BH family); also reports generalised wordings."""
        candidates: list[
            tuple[Message, report_pb2.Template, report_pb2.Placeholder, list[tuple[str, int]], set[str], float]
        ] = []
        for m in messages:
            for t in m.target:
                with_id = [
                    next((bt for bt in ts if bt.id == t.id), None)
                    for ts in m.baseline
                    if any(bt.id == t.id for bt in ts)
                ]
                if not with_id:
                    continue
                target_kinds = _by_kind(t.placeholders)
                for ph in t.placeholders:
                    if ph.distinct_values > len(ph.top_values):  # few values on this side too, all of them listed
                        continue
                    if ph.kind == "word":
                        # Words the miner made a placeholder because they take too many wordings for the message's
                        # own (user names, pages): an open set by that measure, where a new one is no news.
                        continue
                    known: set[str] = set()
                    sampled = 0
                    complete = True
                    rank = [x.index for x in target_kinds[ph.kind]].index(ph.index)
                    for bt in with_id:
                        assert bt is not None
                        # Values read from records of another shape (another number of placeholders) describe
                        # other records: no comparison. Within one shape another file can index them differently,
                        # so placeholders pair up as the n-th of their kind of value.
                        same_kind = _by_kind(bt.placeholders).get(ph.kind, [])
                        bp = (
                            same_kind[rank]
                            if len(bt.placeholders) == len(t.placeholders)
                            and len(same_kind) == len(target_kinds[ph.kind])
                            else None
                        )
                        if bp is None or bp.distinct_values > len(bp.top_values) or bp.distinct_values == 0:
                            complete = False
                            break
                        known.update(v.value for v in bp.top_values)
                        sampled += bp.sampled
                    if not complete or sampled < NEW_VALUE_MIN_BASELINE:
                        continue
                    fresh = [(v.value, v.count) for v in ph.top_values if v.value not in known]
                    if not fresh or ph.sampled <= 0:
                        continue
                    c = sum(n for _v, n in fresh)
                    share = ph.sampled / (ph.sampled + sampled)
                    candidates.append((m, t, ph, fresh, known, share**c))
        q = benjamini_hochberg([x[-1] for x in candidates])
        for (m, t, ph, fresh, known, p), qv in zip(candidates, q, strict=True):
            if qv > FALSE_DISCOVERY_RATE:
                continue
            level = t.max_level
            vals = ", ".join(v for v, _n in fresh[:MAX_NEW_VALUES])
            lines = sorted({e.line_number for e in t.examples if any(v in e.text for v, _n in fresh)})
            f = comparison_pb2.ComparisonFinding(
                kind=F.FINDING_KIND_NEW_VALUES,
                severity=F.SEVERITY_HIGH if level >= L.LEVEL_ERROR else F.SEVERITY_MEDIUM,
                template_ids=[t.id],
                line_numbers=lines or _lines([t]),
                template_text=t.text,
                level=level,
                placeholder_index=ph.index,
                new_values=[report_pb2.ValueCount(value=v, count=n) for v, n in fresh[:MAX_NEW_VALUES]],
                baseline_values=[report_pb2.ValueCount(value=v) for v in sorted(known)],
            )
            self._rates(f, m)
            f.target_count = t.count
            self._histograms(f, m)
            ex = next((e for e in t.examples if any(v in e.text for v, _n in fresh)), None)
            if ex is not None:
                f.example.CopyFrom(ex)
            f.description = (
                f'"{_short(t.text, 80)}": placeholder {ph.index + 1} took {vals} '
                f"({sum(n for _v, n in fresh):,} of {ph.sampled:,} sampled records), never seen in the baseline, "
                f"where it was only {', '.join(sorted(known))}"
            )
            self.add(f, p, t.first_line)

    def new_exception_groups(self, lineage: Lineage) -> None:
        rep = self.target.report
        known_fp: set[str] = set()
        known_shape: set[tuple[str, str, tuple[str, ...], str]] = set()
        known_frames: dict[tuple[str, str, str], list[tuple[str, ...]]] = {}
        capped = []
        for s in self.baselines:
            groups = s.report.exception_groups
            if s.report.caps.max_exception_groups and len(groups) >= s.report.caps.max_exception_groups:
                capped.append(s.run.name)
            for g in groups:
                known_fp.add(g.fingerprint)
                known_shape.add((g.exception_type, g.root_cause_type, tuple(g.top_frames), lineage.root(g.template_id)))
                known_frames.setdefault((g.exception_type, g.root_cause_type, lineage.root(g.template_id)), []).append(
                    tuple(g.top_frames)
                )
        new_templates = {i: f for i, (_k, f) in enumerate(self.findings) if f.kind == F.FINDING_KIND_NEW_TEMPLATE}
        for g in rep.exception_groups:
            shape = (g.exception_type, g.root_cause_type, tuple(g.top_frames), lineage.root(g.template_id))
            if g.fingerprint in known_fp or shape in known_shape:
                continue
            # A trace cut short (its frames the start of a known group's, same types and message) is that group.
            frames = tuple(g.top_frames)
            siblings = known_frames.get((g.exception_type, g.root_cause_type, lineage.root(g.template_id)), [])
            if frames and any(known[: len(frames)] == frames for known in siblings):
                continue
            kind_type = g.root_cause_type or g.exception_type
            if capped:
                self.undecide(
                    F.FINDING_KIND_NEW_EXCEPTION_GROUP,
                    [t for t in rep.templates if t.id == g.template_id],
                    f"{', '.join(capped)} list only their most frequent exception groups",
                    [g.first_line],
                )
                continue
            # The record that carries the exception is one finding: a new message gets the exception added.
            merged = next((f for f in new_templates.values() if g.template_id in f.template_ids), None)
            if merged is not None and not merged.fingerprint:
                merged.fingerprint = g.fingerprint
                merged.exception_type = kind_type
                merged.description += f", with exception {kind_type}"
                merged.severity = max(merged.severity, F.SEVERITY_HIGH)
                continue
            template = next((t for t in rep.templates if t.id == g.template_id), None)
            level = template.max_level if template is not None else L.LEVEL_ERROR
            f = comparison_pb2.ComparisonFinding(
                kind=F.FINDING_KIND_NEW_EXCEPTION_GROUP,
                severity=F.SEVERITY_CRITICAL if level >= L.LEVEL_FATAL else F.SEVERITY_HIGH,
                template_ids=[g.template_id],
                line_numbers=sorted({g.first_line, g.last_line})[:MAX_LINES],
                template_text=template.text if template is not None else "",
                level=level,
                target_count=g.count,
                fingerprint=g.fingerprint,
                exception_type=kind_type,
                example=g.example,
                placeholder_index=-1,
            )
            if template is not None and template.HasField("histogram"):
                f.target_histogram.CopyFrom(template.histogram)
            message = f": {_short(g.message, 60)}" if g.message else ""
            f.description = (
                f"new exception {kind_type}{message} ({g.count:,} time{'s' if g.count != 1 else ''}, first at line "
                f"{g.first_line})" + (f' in "{_short(template.text, 60)}"' if template is not None else "")
            )
            self.add(f, -g.count, g.first_line)

    def error_share(self, phi: float) -> None:
        n1 = self.target.report.record_count
        n0 = sum(s.report.record_count for s in self.baselines)
        e1 = _errors(self.target.report)
        e0 = sum(_errors(s.report) for s in self.baselines)
        if not n1 or not n0 or not (e1 or e0):
            return
        p = rate_test_p(e1, n1, e0, n0, phi)
        rr = rate_ratio(e1, n1, e0, n0, phi)
        if p > FALSE_DISCOVERY_RATE or 1 / MIN_RATE_RATIO < rr.ratio < MIN_RATE_RATIO:
            return
        up = rr.ratio > 1
        f = comparison_pb2.ComparisonFinding(
            kind=F.FINDING_KIND_ERROR_SHARE_CHANGE,
            severity=F.SEVERITY_HIGH if up else F.SEVERITY_INFO,
            target_count=e1,
            baseline_count=e0,
            target_error_share=e1 / n1,
            baseline_error_share=e0 / n0,
            rate_change=comparison_pb2.RateChange(
                ratio=rr.ratio, ratio_lower=rr.lower, ratio_upper=rr.upper, p_value=p, q_value=p
            ),
            level=L.LEVEL_ERROR,
            placeholder_index=-1,
        )
        f.description = (
            f"ERROR and FATAL records are {e1 / n1:.2%} of the target's records, against {e0 / n0:.2%} in the "
            f"baseline ({rr.ratio:.2g}x, 95% CI {rr.lower:.2g} to {rr.upper:.2g})"
        )
        self.add(f, p)


def compare(target: RunReport, baselines: Sequence[RunReport]) -> comparison_pb2.Comparison:
    """The comparison of ``target`` with ``baselines`` (at least one), findings ranked."""
    if not baselines:
        raise ValueError("a comparison needs at least one baseline run")
    return _Comparer(target, baselines).run()
