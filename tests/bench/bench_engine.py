"""Engine throughput beside Drain3 and Tipping on the same raw lines, then peak RSS on a 1 GiB file.

    make bench-engine      (installs the bench extra: drain3, tipping)

1. Generated lines: the engine's FULL analysis (``analyze``: records, format, timestamps, mining, values,
   errors, anomalies, the report) and Drain3 (``TemplateMinerConfig`` defaults, ``add_log_message`` per
   line) on the same >= 500,000 raw lines of ``loglens_loggen``'s ``mixed`` kind, in this process.
   Drain3 gets a time budget: on these lines it degrades (it splits on whitespace, so every distinct
   JSON line is a one-token message that becomes a cluster of its own, and every later lookup scans
   them). When the budget runs out the bench says so and reports Drain3's rate over the lines it did
   process, an upper bound on its rate over all of them.
2. Loghub-like lines (``--loghub DIR``, default ../shared/loghub2k when it exists; not shipped with the
   project), lines Drain3 was designed for: (a) the raw lines of every system in one corpus, cycled to
   the same count with digits varied after the first cycle (as ``eval_parsers.py --throughput`` does);
   (b) one file per system, each system's lines cycled to a tenth of that, a fresh engine run and a
   fresh Drain3 miner per file (what a real single-system file looks like to both). Same process.
3. The engine on a generated 1 GiB file in a subprocess (the ``python -m loglens_analysis.engine FILE``
   entry point), its peak RSS read by the child from the kernel (``VmHWM``: ``ru_maxrss`` of a child
   also counts the parent's pages at fork, so it would report this bench's own size); then the same on a
   32 MiB file whose every line is a message of its own (``engine_unique_lines_peak_rss_mib``): the worst
   case for memory, where the shape cache and the variant table fill to their caps.

Tipping (``pip install tipping``, the Python binding of the Rust tipping-rs parser; issue 18's second peer) runs
in 1, 2a and 2b on the same lines as the engine and Drain3, right after them. It is a batch parser: its
``tipping.parse(messages)`` takes a whole corpus at once (token interdependencies are computed over all of it),
so it gets each corpus (each file in 2b) in one call, with its documented defaults (threshold 0.5, no special
white or black lists, its default symbols, templates and masks returned), on the same raw lines as the others,
headers included (README has the shared harness's figures for it on the Content field too). It may use every
core (Rust threads); the engine and Drain3 use one, so its CPU seconds are printed beside its wall time. Where
Loghub ground truth exists (2a and 2b: ``<System>_2k.log_structured.csv`` has an EventId per line, and a cycled
copy of a line keeps its line's EventId; in 2a ids are qualified by system) its grouping accuracy on those same
lines is printed: GA as Loghub defines it (a line counts when its predicted group holds exactly the lines of its
ground-truth group), computed by ``grouping_metrics`` of ``../shared/bench/eval_parsers.py``, imported from
there, not rewritten (no GA when the harness is absent). A line Tipping leaves unclustered (cluster ``None``) is
a group of its own. Before the last line: ``tipping_lines_per_s=<t> engine_over_tipping=<r> tipping_ga=<g>``:
``r`` the lowest engine/Tipping ratio over the same corpora as ``engine_ratio`` (1 and 2a), ``t`` Tipping's
lines/s on that corpus, ``g`` its mean GA over the per-system files of 2b (``nan`` without Loghub data or
harness).

Last line: ``engine_ratio=<x> engine_peak_rss_mib=<y>``; ``x`` is the LOWEST of the ratios over the corpora
of ``--lines`` raw lines analysed in one run, as the issue defines the comparison (1 and 2a; so a peer that
is pathological on one corpus cannot inflate it). The per-system run (2b) is printed with its own ratio
but is not in ``x``: each of its files is a tenth of that size, and on one small single-system file
Drain3's per-line cost is at its lowest (few clusters to compare with) while the engine's fixed cost
per file (format discovery, report) weighs most; read its line beside the headline.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import logging
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for p in ("gen", "services/analysis", "tools"):
    sys.path.insert(0, os.path.join(ROOT, p))

from loglens_loggen import generate_lines, write_log  # noqa: E402

DEFAULT_LOGHUB = os.path.join(os.path.dirname(ROOT), "shared", "loghub2k")
_DIGIT = re.compile(r"\d")


def bench_engine(label: str, lines: list[str]) -> float:
    from loglens_analysis.engine import analyze

    data = ("\n".join(lines) + "\n").encode("utf-8")
    chunks = [data[i : i + (1 << 20)] for i in range(0, len(data), 1 << 20)]
    t0 = time.perf_counter()
    rep = analyze(chunks)
    dt = time.perf_counter() - t0
    print(
        f"[{label}] engine (full analysis): {len(lines):,} lines ({rep.record_count:,} records, "
        f"{rep.template_count} templates) in {dt:.2f}s = {len(lines) / dt:,.0f} lines/s",
        flush=True,
    )
    return len(lines) / dt


def bench_drain3(label: str, lines: list[str], budget: float) -> float:
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    logging.disable(logging.WARNING)  # drain3 logs every new cluster otherwise
    tm = TemplateMiner(config=TemplateMinerConfig())
    add = tm.add_log_message
    n = len(lines)
    step = 5_000
    rates: list[float] = []
    done = 0
    t0 = time.perf_counter()
    for start in range(0, n, step):
        ts = time.perf_counter()
        for line in lines[start : start + step]:
            add(line)
        done = min(n, start + step)
        now = time.perf_counter()
        rates.append((done - start) / (now - ts))
        if now - t0 > budget and done < n:
            break
    dt = time.perf_counter() - t0
    rate = done / dt
    clusters = len(tm.drain.clusters)
    if done < n:
        print(
            f"[{label}] drain3 (defaults): DID NOT FINISH within its {budget:.0f}s budget: {done:,} of {n:,} "
            f"lines in {dt:.1f}s, {clusters:,} clusters (one per {done / max(clusters, 1):.1f} lines); its "
            f"rate fell from {rates[0]:,.0f} lines/s (first {step:,} lines) to {rates[-1]:,.0f} lines/s "
            f"(last {step:,}). PATHOLOGICAL on these lines: it splits on whitespace, so each distinct JSON "
            "line is a one-token message and a cluster of its own, and each new line is compared with all "
            "of them.",
            flush=True,
        )
        print(
            f"[{label}] drain3 (defaults): {rate:,.0f} lines/s over the {done:,} lines it processed (an upper "
            "bound on its rate over all of them; the ratio below is therefore a lower bound)",
            flush=True,
        )
    else:
        print(
            f"[{label}] drain3 (defaults): {n:,} lines ({clusters:,} clusters) in {dt:.2f}s = {rate:,.0f} lines/s",
            flush=True,
        )
    return rate


def bench_tipping(label: str, lines: list[str]) -> tuple[float, list[int | None]]:
    """Tipping with its documented defaults, the whole corpus in one ``tipping.parse`` call (its batch API).
    Returns its lines/s (wall) and its cluster per line."""
    import tipping

    c0 = time.process_time()
    t0 = time.perf_counter()
    clusters, _masks, templates = tipping.parse(lines)
    dt = time.perf_counter() - t0
    cpu = time.process_time() - c0
    rate = len(lines) / dt
    unclustered = sum(c is None for c in clusters)
    print(
        f"[{label}] tipping (defaults; the whole corpus in one tipping.parse() call, its batch API): "
        f"{len(lines):,} lines ({len(templates):,} clusters, {unclustered:,} lines unclustered) in {dt:.2f}s = "
        f"{rate:,.0f} lines/s (CPU {cpu:.2f}s over its threads: {len(lines) / cpu:,.0f} lines per CPU-second)",
        flush=True,
    )
    return rate, list(clusters)


GroupingMetrics = Callable[[Sequence[Any], Sequence[Any]], dict[str, Any]]


def shared_grouping_metrics(loghub: str) -> GroupingMetrics | None:
    """``grouping_metrics`` of the shared harness beside the Loghub data (../shared/bench/eval_parsers.py), so GA
    here is the harness's GA; None when the harness is not there (a new user's machine)."""
    path = os.path.join(os.path.dirname(os.path.abspath(loghub)), "bench", "eval_parsers.py")
    spec = importlib.util.spec_from_file_location("eval_parsers", path) if os.path.isfile(path) else None
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    metrics: GroupingMetrics = module.grouping_metrics
    return metrics


def tipping_groups(clusters: list[int | None]) -> list[int | str]:
    """Tipping's cluster per line; a line it leaves unclustered is a group of its own."""
    return [c if c is not None else f"unclustered-{i}" for i, c in enumerate(clusters)]


def _vary(line: str, cycle: int) -> str:
    """As eval_parsers.py: cycle 0 as it is, later cycles shift every digit by a seeded offset."""
    if cycle == 0:
        return line
    rnd = random.Random(zlib.crc32(f"{cycle}:{line}".encode()))
    return _DIGIT.sub(lambda m: str((int(m.group()) + rnd.randrange(1, 10)) % 10), line)


def loghub_systems(directory: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name, f"{name}_2k.log")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                out[name] = [line.strip() for line in f]
    return out


def loghub_truth(directory: str, name: str) -> list[str | None] | None:
    """The system's ground-truth EventId per raw line (None where the file has none), or None without the file."""
    path = os.path.join(directory, name, f"{name}_2k.log_structured.csv")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8", newline="") as f:
        return [row["EventId"] or None for row in csv.DictReader(f)]


def cycled(raw: list[str], n: int) -> list[str]:
    return [_vary(raw[i % len(raw)], i // len(raw)) for i in range(n)]


def cycled_truth(truth: list[str | None], n: int) -> list[str | None]:
    """A cycled copy of a line keeps its line's EventId: _vary changes digits only, never a template's words."""
    return [truth[i % len(truth)] for i in range(n)]


class LoghubFigures(NamedTuple):
    one: float  # engine/Drain3, all systems in one corpus
    per_system: float  # engine/Drain3, one file per system
    tipping_one: float  # Tipping's lines/s on the one corpus
    engine_over_tipping_one: float
    tipping_ga: float  # Tipping's mean GA over the per-system files (nan without the harness)


def _ga(metrics: GroupingMetrics | None, truth: Sequence[str | None] | None, clusters: list[int | None]) -> float:
    if metrics is None or truth is None:
        return float("nan")
    return float(metrics(truth, tipping_groups(clusters))["GA"])


def bench_loghub(directory: str, n: int) -> LoghubFigures | None:
    """Two ratios: all systems' lines in one corpus (eval_parsers --throughput style), and one file per
    system (each system's lines cycled to n / systems; a fresh engine run and Drain3 miner per file); Tipping
    beside both, with its GA where ground truth exists."""
    systems = loghub_systems(directory)
    if not systems:
        return None
    metrics = shared_grouping_metrics(directory)
    if metrics is None:
        print(f"[loghub] no eval_parsers.py beside {directory}: Tipping's GA is not computed", flush=True)
    truths = {name: loghub_truth(directory, name) for name in systems}
    raw_all = [line for lines in systems.values() for line in lines]
    truth_all: list[str | None] | None = None
    if all(t is not None and len(t) == len(systems[name]) for name, t in truths.items()):
        truth_all = [f"{name}:{e}" if e else None for name, t in truths.items() for e in t or ()]
    corpus = cycled(raw_all, n)
    engine_one = bench_engine("loghub, one corpus", corpus)
    one = engine_one / bench_drain3("loghub, one corpus", corpus, float("inf"))
    print(f"[loghub, one corpus] ratio engine/drain3: {one:.2f}", flush=True)
    tipping_one, clusters = bench_tipping("loghub, one corpus", corpus)
    ga_one = _ga(metrics, cycled_truth(truth_all, n) if truth_all else None, clusters)
    print(
        f"[loghub, one corpus] ratio engine/tipping: {engine_one / tipping_one:.2f}; tipping GA {ga_one:.3f} "
        "(ground truth EventId per system, a cycled copy keeps its line's)",
        flush=True,
    )
    del corpus, clusters
    import tipping
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    from loglens_analysis.engine import analyze

    per = max(1, n // len(systems))
    engine_s = drain_s = tipping_s = 0.0
    gas: list[float] = []
    for name, raw in systems.items():
        lines = cycled(raw, per)
        data = ("\n".join(lines) + "\n").encode("utf-8")
        chunks = [data[i : i + (1 << 20)] for i in range(0, len(data), 1 << 20)]
        t0 = time.perf_counter()
        analyze(chunks)
        e = time.perf_counter() - t0
        tm = TemplateMiner(config=TemplateMinerConfig())
        t0 = time.perf_counter()
        for line in lines:
            tm.add_log_message(line)
        d = time.perf_counter() - t0
        t0 = time.perf_counter()
        clusters = tipping.parse(lines)[0]  # the whole file in one call, defaults
        tp = time.perf_counter() - t0
        engine_s += e
        drain_s += d
        tipping_s += tp
        truth = truths[name]
        ga = _ga(metrics, cycled_truth(truth, per) if truth else None, clusters)
        ga_2k = _ga(metrics, truth, clusters[: len(raw)]) if truth and per >= len(raw) else float("nan")
        gas.append(ga)
        print(
            f"[loghub, per system] {name:<10} engine {per / e:>9,.0f} lines/s  drain3 {per / d:>9,.0f} lines/s  "
            f"tipping {per / tp:>9,.0f} lines/s (GA {ga:.3f}; on the file's first {len(raw):,} lines, Loghub's "
            f"own: {ga_2k:.3f})"
        )
    total = per * len(systems)
    print(
        f"[loghub, per system] engine (full analysis): {total:,} lines in {engine_s:.2f}s = "
        f"{total / engine_s:,.0f} lines/s; drain3 (defaults): {drain_s:.2f}s = {total / drain_s:,.0f} lines/s; "
        f"tipping (defaults, one call per file): {tipping_s:.2f}s = {total / tipping_s:,.0f} lines/s",
        flush=True,
    )
    per_system = drain_s / engine_s
    print(
        f"[loghub, per system] ratio engine/drain3: {per_system:.2f} (files of {per:,} lines; not in engine_ratio)",
        flush=True,
    )
    ga_mean = sum(gas) / len(gas)
    print(
        f"[loghub, per system] ratio engine/tipping: {tipping_s / engine_s:.2f}; tipping GA mean over "
        f"{len(gas)} systems {ga_mean:.3f} ({', '.join(f'{k} {g:.3f}' for k, g in zip(systems, gas, strict=True))})",
        flush=True,
    )
    return LoghubFigures(one, per_system, tipping_one, engine_one / tipping_one, ga_mean)


# The child measures itself: ru_maxrss of a child also counts the pages of the (large) parent it was
# forked from before exec, so the bench reads the peak of the engine process's own memory (VmHWM).
_CHILD = """
import resource, sys
from loglens_analysis.engine.__main__ import main
rc = main([sys.argv[1]])
hwm = 0
try:
    with open("/proc/self/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"peak_kib={hwm}", file=sys.stderr)
raise SystemExit(rc)
"""


def write_unique(path: str, size: int, seed: int) -> int:
    """A file whose every line is a message of its own (words of random letters: no two lines share a shape or a
    message variant), the worst case for the engine's memory: its caches and variant table fill to their caps."""
    rnd = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        while f.tell() < size:
            words = " ".join("".join(rnd.choices(letters, k=rnd.randint(4, 12))) for _ in range(rnd.randint(3, 9)))
            f.write(f"2026-11-25T10:{n // 60 % 60:02d}:{n % 60:02d}Z INFO {words}\n")
            n += 1
    return n


def peak_rss(size: int, what: str = "generated", write: Callable[[str, int, int], int] = write_log) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.log")
        t0 = time.perf_counter()
        n = write(path, size, 7)
        print(
            f"{what}: {os.path.getsize(path) / (1 << 20):,.0f} MiB ({n:,} lines) in {time.perf_counter() - t0:.1f}s",
            flush=True,
        )
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(os.path.join(ROOT, p) for p in ("gen", "services/analysis")))
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, path],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        dt = time.perf_counter() - t0
        peak_kib = int(done.stderr.rsplit("peak_kib=", 1)[1].split()[0])
        children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"engine on {size / (1 << 20):,.0f} MiB ({what}) in a subprocess: {dt:.1f}s ({n / dt:,.0f} lines/s), "
            f"peak RSS {peak_kib / 1024:.0f} MiB (the engine process's VmHWM; ru_maxrss of children says "
            f"{children_kib / 1024:.0f} MiB, which counts this bench's own pages at fork)",
            flush=True,
        )
        return peak_kib / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--drain3-budget", type=float, default=60.0, help="seconds Drain3 may take on generated lines")
    ap.add_argument(
        "--loghub",
        default=DEFAULT_LOGHUB if os.path.isdir(DEFAULT_LOGHUB) else "",
        help="directory of Loghub-2k samples for the second comparison ('' skips it)",
    )
    ap.add_argument("--rss-size", default=str(1 << 30), help="bytes of the file for the RSS run (0 skips)")
    ap.add_argument(
        "--unique-size", default=str(32 << 20), help="bytes of the file of distinct lines for the RSS run (0 skips)"
    )
    args = ap.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")

    lines = generate_lines(args.lines, seed=3)
    engine = bench_engine("generated", lines)
    drain = bench_drain3("generated", lines, args.drain3_budget)
    ratio = engine / drain
    print(f"[generated] ratio engine/drain3: {ratio:.2f}", flush=True)
    tipping_rate = bench_tipping("generated", lines)[0]
    print(f"[generated] ratio engine/tipping: {engine / tipping_rate:.2f} (no ground truth for GA)", flush=True)
    del lines

    ratios = [ratio]
    # (engine/Tipping, Tipping's lines/s) per corpus of engine_ratio; the lowest ratio is reported with its rate.
    over_tipping = [(engine / tipping_rate, tipping_rate)]
    tipping_ga = float("nan")
    loghub = bench_loghub(args.loghub, args.lines) if args.loghub and os.path.isdir(args.loghub) else None
    if loghub is not None:
        ratios.append(loghub.one)
        over_tipping.append((loghub.engine_over_tipping_one, loghub.tipping_one))
        tipping_ga = loghub.tipping_ga
    rss = peak_rss(int(args.rss_size)) if int(args.rss_size) else float("nan")
    if int(args.unique_size):
        unique = peak_rss(int(args.unique_size), "every line a message of its own", write_unique)
        print(f"engine_unique_lines_peak_rss_mib={unique:.0f}")
    print(
        f"engine_ratio below is the lowest of the ratios on {args.lines:,}-line corpora (generated"
        + (f", loghub one corpus: {', '.join(f'{r:.2f}' for r in ratios)}" if loghub else f": {ratio:.2f}")
        + ")"
        + (f"; loghub per system (one file per system, not in it): {loghub.per_system:.2f}" if loghub else "")
    )
    low, low_rate = min(over_tipping)
    print(
        "tipping (whole corpus per tipping.parse() call, defaults): engine/tipping "
        + ", ".join(f"{r:.2f}" for r, _ in over_tipping)
        + " on the same corpora; the line below has the lowest, with Tipping's lines/s there, and Tipping's mean GA"
        " over the Loghub per-system files"
    )
    print(f"tipping_lines_per_s={low_rate:.0f} engine_over_tipping={low:.2f} tipping_ga={tipping_ga:.3f}")
    print(f"engine_ratio={min(ratios):.2f} engine_peak_rss_mib={rss:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
