"""How well the comparison finds planted changes, and how quiet it stays when nothing changed.

    python tests/bench/eval_compare.py [--seeds 10] [--null-pairs 20] [--records 60000]

Planted case: for each seed, a baseline file (generator seed s) and a changed file (seed s + 10,000, every
planted change of ``loglens_loggen.PLANTS``), both analysed by the engine, the reports compared. A plant is
recalled when a finding of its kind names its message; a finding is true when it is about a plant (a second
finding on the same plant is true too, and listed). The generalised template must never be reported as new or
gone. Null case: pairs of files of the same settings and different seeds, no plants: every finding is a false
discovery. Prints the figures and each false finding.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from loglens.v1 import comparison_pb2, report_pb2
from loglens_analysis.comparison import RunReport, compare
from loglens_analysis.engine import analyze
from loglens_loggen import PLANTS, records

F = comparison_pb2
CHANGED_SEED_OFFSET = 10_000


def _text(f: comparison_pb2.ComparisonFinding) -> str:
    return f.template_text + " " + f.baseline_template_text


# Which finding recalls which plant.
RECALLS: dict[str, Callable[[comparison_pb2.ComparisonFinding], bool]] = {
    "new-error": lambda f: f.kind == F.FINDING_KIND_NEW_TEMPLATE and "Payment provider rejected" in f.template_text,
    "gone": lambda f: f.kind == F.FINDING_KIND_GONE_TEMPLATE and "rate limit close" in f.template_text,
    "x5": lambda f: f.kind == F.FINDING_KIND_RATE_INCREASE and "eth0: link up" in f.template_text,
    "div5": lambda f: f.kind == F.FINDING_KIND_RATE_DECREASE and "Retrying connection" in f.template_text,
    "new-status": lambda f: (
        f.kind == F.FINDING_KIND_NEW_VALUES
        and "Completed" in f.template_text
        and any(v.value == "503" for v in f.new_values)
    ),
    "new-exception": lambda f: (
        "NullPointerException" in f.exception_type
        and f.kind in (F.FINDING_KIND_NEW_EXCEPTION_GROUP, F.FINDING_KIND_NEW_TEMPLATE)
    ),
    "generalised": lambda f: f.kind == F.FINDING_KIND_TEMPLATE_GENERALISED and "Slow query" in _text(f),
}
# Findings that are about a plant without recalling it by its own kind (still true).
ABOUT: dict[str, Callable[[comparison_pb2.ComparisonFinding], bool]] = {
    "new-error": lambda f: "Payment provider rejected" in f.template_text,
    "gone": lambda f: "rate limit close" in f.template_text,
    "x5": lambda f: "eth0: link up" in f.template_text,
    "div5": lambda f: "Retrying connection" in f.template_text,
    "new-status": lambda f: f.kind == F.FINDING_KIND_NEW_VALUES and any(v.value == "503" for v in f.new_values),
    "new-exception": lambda f: "NullPointerException" in f.exception_type,
    "generalised": lambda f: f.kind == F.FINDING_KIND_TEMPLATE_GENERALISED and "Slow query" in _text(f),
}


def new_or_gone_generalised(f: comparison_pb2.ComparisonFinding) -> bool:
    return f.kind in (F.FINDING_KIND_NEW_TEMPLATE, F.FINDING_KIND_GONE_TEMPLATE) and "Slow query" in f.template_text


@dataclass
class Judgement:
    recalled: set[str] = field(default_factory=set)
    true: list[comparison_pb2.ComparisonFinding] = field(default_factory=list)
    false: list[comparison_pb2.ComparisonFinding] = field(default_factory=list)
    new_and_gone: bool = False


def judge(comparison: comparison_pb2.Comparison, plants: tuple[str, ...] = PLANTS) -> Judgement:
    j = Judgement()
    for f in comparison.findings:
        j.recalled |= {p for p in plants if RECALLS[p](f)}
        if new_or_gone_generalised(f):
            j.new_and_gone = True
        (j.true if any(ABOUT[p](f) for p in plants) else j.false).append(f)
    return j


def log_bytes(seed: int, n_records: int, plants: tuple[str, ...] = ()) -> bytes:
    out = []
    for i, rec in enumerate(records(seed, "mixed", plants)):
        if i >= n_records:
            break
        out.append(rec)
    return ("\n".join(out) + "\n").encode()


@cache
def report_of(seed: int, n_records: int, plants: tuple[str, ...] = ()) -> report_pb2.AnalysisReport:
    data = log_bytes(seed, n_records, plants)
    return analyze(data[i : i + (1 << 20)] for i in range(0, len(data), 1 << 20))


def planted_case(seed: int, n_records: int) -> tuple[comparison_pb2.Comparison, Judgement]:
    base = report_of(seed, n_records)
    changed = report_of(seed + CHANGED_SEED_OFFSET, n_records, PLANTS)
    c = compare(RunReport("changed", changed), [RunReport("baseline", base)])
    return c, judge(c)


def null_case(seed: int, n_records: int) -> comparison_pb2.Comparison:
    return compare(RunReport("b", report_of(seed + 1, n_records)), [RunReport("a", report_of(seed, n_records))])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--null-pairs", type=int, default=20)
    ap.add_argument(
        "--records",
        type=int,
        default=50_000,
        help="records per file (below 60,000 ticks: no error burst in either file)",
    )
    args = ap.parse_args(argv)
    started = time.monotonic()
    recalled = planted = true = found = 0
    new_and_gone = 0
    for seed in range(1, args.seeds + 1):
        c, j = planted_case(seed, args.records)
        recalled += len(j.recalled)
        planted += len(PLANTS)
        true += len(j.true)
        found += len(j.true) + len(j.false)
        new_and_gone += j.new_and_gone
        missed = sorted(set(PLANTS) - j.recalled)
        print(
            f"seed {seed}: {len(j.recalled)}/{len(PLANTS)} plants recalled"
            + (f" (missed {', '.join(missed)})" if missed else "")
            + f", {len(j.true)} true and {len(j.false)} false findings, dispersion {c.rate_test.dispersion:.2f}"
        )
        for f in j.false:
            print(f"    false: {F.FindingKind.Name(f.kind)} {f.description}")
    null_findings = 0
    for pair in range(args.null_pairs):
        seed = 1 + 2 * pair + 100  # pairs of fresh seeds (s, s + 1)
        c = null_case(seed, args.records)
        null_findings += len(c.findings)
        for f in c.findings:
            print(f"    null pair {pair + 1}: {F.FindingKind.Name(f.kind)} {f.description}")
    recall = recalled / planted if planted else 0.0
    precision = true / found if found else 1.0
    print(f"planted_recall={recall:.3f} ({recalled}/{planted})")
    print(f"planted_precision={precision:.3f} ({true}/{found})")
    print(f"generalised_new_and_gone={new_and_gone} (of {args.seeds} comparisons)")
    mean_null = null_findings / args.null_pairs if args.null_pairs else 0.0
    print(f"null_mean_findings={mean_null:.2f} ({null_findings} findings over {args.null_pairs} pairs)")
    print(f"records_per_file={args.records} elapsed_s={time.monotonic() - started:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
