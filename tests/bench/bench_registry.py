"""Pattern-registry cost: a run's registry update with 5,000 templates, and ListPatterns on 20,000 patterns.

    make bench-registry [ARGS="--calls 200"]

On a real PostgreSQL (embedded, migrated like the service's): a service is filled with four runs of 5,000
distinct templates each (20,000 patterns; each of these updates registers 5,000 new patterns, with the lineage
look-up against everything registered before). Then runs of the same 5,000 templates (the steady state: a
service's next run) are stored the way a worker stores them (RunRepository.succeed: run row, registry merge,
report marked and summarised again, report row, one transaction), side by side with the same report stored for a
log file without a service (no registry), so the difference is the registry's share. Then ListPatterns, through
the use case the servicer calls, with a mix of orders, filters and page tokens, page size 50.

A report lists at most 1,000 templates (the engine's cap); these reports list 5,000, so the figure is for five
times the most a real run contributes. Prints medians and p95s and, last, exactly
``registry_update_ms=<median update of a 5,000-template run> list_patterns_p95_ms=<p95 of ListPatterns>``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import loglens_analysis
from loglens.v1 import report_pb2
from loglens_analysis.adapters.pattern_registry import PatternRegistryStore
from loglens_analysis.adapters.repository import RunRepository
from loglens_analysis.domain import AnalysisRun, StoredLogFile
from loglens_analysis.engine.miner import template_id
from loglens_analysis.patterns import PatternRegistry
from loglens_analysis.registry import PatternState
from loglens_common.db import async_engine, migrate
from loglens_devstack.servers import Postgres

MIGRATIONS = Path(loglens_analysis.__file__).parent / "migrations"
LETTERS = "abcdefghijklmnopqrstuvwxyz"
OWNER = "b" * 32
SERVICE = "checkout"


def vocabulary(n: int) -> list[str]:
    r = random.Random(0)
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(r.choice(LETTERS) for _ in range(r.randrange(4, 9))))
    return sorted(words)


def templates(first: int, count: int) -> list[str]:
    """``count`` distinct messages of 3 to 10 made-up words with a placeholder or two (the same for the same k)."""
    words = vocabulary(3000)
    out = []
    for k in range(first, first + count):
        rk = random.Random(k)
        text = " ".join(rk.choice(words) for _ in range(rk.randrange(3, 11)))
        out.append(f"{text} id=<*> took <*> ms")
    return out


def report(texts: list[str], seed: int) -> bytes:
    r = random.Random(seed)
    rep = report_pb2.AnalysisReport(engine_version="bench")
    levels = [report_pb2.LEVEL_INFO] * 8 + [report_pb2.LEVEL_WARN, report_pb2.LEVEL_ERROR]
    line = 1
    for text in texts:
        n = r.randrange(1, 500)
        level = r.choice(levels)
        t = rep.templates.add(
            id=template_id(text),
            text=text,
            count=n,
            levels=[report_pb2.LevelCount(level=level, count=n)],
            max_level=level,
            first_line=line,
            last_line=line + n,
        )
        t.placeholders.add(index=0, kind="id", records=n, counts_exact=True).top_values.add(value="42", count=n)
        line += n
        rep.record_count += n
    rep.template_count = len(texts)
    return rep.SerializeToString()


async def store_run(repository: RunRepository, data: bytes, service: str) -> float:
    """Store one SUCCEEDED run's report as a worker does; the time of RunRepository.succeed in ms."""
    log_file = StoredLogFile(uuid.uuid4().hex, OWNER, "b", uuid.uuid4().hex, 1, False, service=service)
    await repository.remember_log_file(log_file)
    run, _ = await repository.create_run(log_file, 1)
    claimed = await repository.claim(run.id, 60, "bench")
    assert isinstance(claimed, AnalysisRun)
    start = time.perf_counter()
    assert await repository.succeed(claimed, data, 1, 1, service, 50_000)
    return (time.perf_counter() - start) * 1000


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


async def bench(url: str, calls: int, updates: int) -> tuple[float, float]:
    engine = async_engine(url, pool_size=4)
    try:
        repository = RunRepository(engine)
        fill = []
        for batch in range(4):
            fill.append(await store_run(repository, report(templates(batch * 5000, 5000), batch), SERVICE))
        print(f"fill: 4 runs of 5,000 new templates each: {', '.join(f'{ms:.0f}' for ms in fill)} ms")
        steady = templates(15000, 5000)  # the last fill run's templates: known to the registry
        with_registry, without = [], []
        for i in range(updates):
            data = report(steady, 100 + i)
            with_registry.append(await store_run(repository, data, SERVICE))
            without.append(await store_run(repository, data, ""))
        update_ms = statistics.median(with_registry)
        plain_ms = statistics.median(without)
        print(
            f"store a 5,000-template run: with the registry median {update_ms:.1f} ms "
            f"(p95 {p95(with_registry):.1f}), without (no service) median {plain_ms:.1f} ms; "
            f"registry share {update_ms - plain_ms:.1f} ms ({updates} runs each)"
        )

        registry = PatternRegistry(PatternRegistryStore(engine))
        parent = f"services/{SERVICE}"
        (service,) = [s for s in (await registry.list_services(OWNER, 10, ""))[0] if s.service == SERVICE]
        print(f"service: {service.pattern_count} patterns, {service.run_count} runs")
        some_run = f"logFiles/{'0' * 32}/analysisRuns/{'0' * 32}"
        async with engine.connect() as conn:
            from sqlalchemy import text

            row = (
                await conn.execute(
                    text(
                        "SELECT log_file_id, run_id FROM analysis.service_runs WHERE service = :s ORDER BY seq LIMIT 1"
                    ),
                    {"s": SERVICE},
                )
            ).one()
            some_run = f"logFiles/{row[0]}/analysisRuns/{row[1]}"
        r = random.Random(7)
        words = vocabulary(3000)
        kinds = {
            "last seen": {},
            "total count": {"order": "total_count"},
            "first seen": {"order": "first_seen"},
            "new since run 1": {"new_since_run": some_run},
            "state MUTED": {"state": PatternState.MUTED},
            "min level ERROR": {"min_level": report_pb2.LEVEL_ERROR},
        }
        times: dict[str, list[float]] = {}
        everything: list[float] = []
        for i in range(calls):
            name = list(kinds)[i % (len(kinds) + 2)] if i % (len(kinds) + 2) < len(kinds) else ""
            args: dict[str, object] = dict(kinds[name]) if name else {"text_contains": r.choice(words)[:4]}
            name = name or "text contains"
            token = ""
            if i % 3 == 2:  # a second page
                _, token = await registry.list_patterns(OWNER, parent, 50, "", **args)  # type: ignore[arg-type]
            start = time.perf_counter()
            await registry.list_patterns(OWNER, parent, 50, token, **args)  # type: ignore[arg-type]
            ms = (time.perf_counter() - start) * 1000
            times.setdefault(name, []).append(ms)
            everything.append(ms)
        for name, values in times.items():
            print(f"ListPatterns {name}: p50 {statistics.median(values):.1f} ms, p95 {p95(values):.1f} ms")
        return update_ms, p95(everything)
    finally:
        await engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=200, help="ListPatterns calls timed")
    ap.add_argument("--updates", type=int, default=9, help="5,000-template runs stored, with and without registry")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="loglens-bench-registry-"))
    postgres = Postgres(root)
    try:
        postgres.start()
        migrate(postgres.url, MIGRATIONS, "analysis")
        update_ms, list_p95 = asyncio.run(bench(postgres.url, args.calls, args.updates))
    finally:
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"registry_update_ms={update_ms:.1f} list_patterns_p95_ms={list_p95:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
