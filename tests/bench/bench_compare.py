"""Comparison latency: a run against 5 baseline runs of 5,000 templates each, through the gateway.

    make bench-compare [ARGS="--calls 40"]

On one local stack (real PostgreSQL, NATS JetStream and S3): six generated files of one service, each with
about 5,000 distinct messages (the engine mines them all and lists its 1,000 most frequent: the report cap), are
uploaded and analysed; then CompareAnalysisRuns is called through the gateway, with the service history (the
default: ingest lists the service's files, analysis reads six reports) and with the five runs named. Beside it,
the comparison rules alone on the same six reports in this process (parse included), so the ratio says what the
services add. Prints p50 and p95 of each and, last, exactly ``compare_p95_ms=<p95 of the history call>``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import grpc

from loglens.v1 import analysis_pb2, comparison_pb2, comparison_pb2_grpc, report_pb2
from loglens_analysis.comparison import RunReport, compare
from loglens_devstack.client import GatewayClient
from loglens_devstack.stack import Ports, Stack

LETTERS = "abcdefghijklmnopqrstuvwxyz"
BASE_EPOCH = 1714521600.0


def vocabulary(n: int) -> list[str]:
    r = random.Random(0)
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(r.choice(LETTERS) for _ in range(r.randrange(4, 9))))
    return sorted(words)


def write_many_templates(path: Path, seed: int, templates: int, per_template: int) -> None:
    """A log of ``templates`` distinct messages (3 to 6 made-up words each, the same set in every file), each
    written about ``per_template`` times in random order, with an id and a duration as variables."""
    words = vocabulary(6000)
    shapes = []
    for k in range(templates):
        rk = random.Random(k)
        shapes.append(" ".join(rk.choice(words) for _ in range(rk.randrange(3, 7))))
    r = random.Random(seed)
    t = BASE_EPOCH
    with path.open("w") as f:
        for _ in range(templates * per_template):
            t += r.random() * 0.01
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
            shape = shapes[r.randrange(templates)]
            worker, rid, took = r.randrange(8), r.randrange(10**6), r.randrange(1, 999)
            f.write(f"{stamp} INFO [worker-{worker}] {shape} id={rid} took {took} ms\n")


def percentile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q * len(s)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--templates", type=int, default=5000)
    parser.add_argument("--per-template", type=int, default=20)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="loglens-bench-compare-"))
    stack = Stack(root / "stack", Ports.free(), workers=2)
    try:
        stack.start()
        with grpc.insecure_channel(stack.ports.addr("gateway")) as channel:
            client = GatewayClient(channel, stack.token())
            runs = []
            started = time.monotonic()
            for seed in range(6):  # five baselines, then the target
                path = root / f"day{seed}.log"
                write_many_templates(path, seed, args.templates, args.per_template)
                log_file = client.upload(path, service="bench-compare")
                runs.append(log_file.name)
            runs = [client.wait_for_run(name, timeout=900) for name in runs]  # type: ignore[misc]
            for run in runs:
                assert run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED, run.failure_reason  # type: ignore[attr-defined]
            names = [run.name for run in runs]  # type: ignore[attr-defined]
            reports = [client.report(name).report for name in names]
            print(
                f"6 runs ready in {time.monotonic() - started:.0f} s: "
                + ", ".join(f"{r.template_count:,} templates ({len(r.templates):,} listed)" for r in reports[:1])
                + f", {reports[0].record_count:,} records each",
                flush=True,
            )
            stub = comparison_pb2_grpc.ComparisonServiceStub(channel)
            target, baselines = names[-1], names[:-1]
            requests = {
                "history": comparison_pb2.CompareAnalysisRunsRequest(target=target),
                "named": comparison_pb2.CompareAnalysisRunsRequest(target=target, baseline_runs=baselines[::-1]),
            }
            timings: dict[str, list[float]] = {k: [] for k in requests}
            last: comparison_pb2.Comparison | None = None
            for _ in range(args.calls):
                for kind, request in requests.items():  # alternated, so drift hits both alike
                    t0 = time.perf_counter()
                    last = stub.CompareAnalysisRuns(request, metadata=client.metadata, timeout=30).comparison
                    timings[kind].append((time.perf_counter() - t0) * 1000)
            assert last is not None and len(last.baselines) == 5
            blobs = [r.SerializeToString() for r in reports]
            local = []
            for _ in range(args.calls):
                t0 = time.perf_counter()
                parsed = []
                for blob in blobs:
                    rep = report_pb2.AnalysisReport()
                    rep.ParseFromString(blob)
                    parsed.append(rep)
                compare(
                    RunReport(target, parsed[-1]), [RunReport(n, p) for n, p in zip(baselines, parsed, strict=False)]
                )
                local.append((time.perf_counter() - t0) * 1000)
            print(
                f"comparison: {len(last.findings)} findings, {len(last.undecided)} undecided, "
                f"{last.templates_compared:,} messages, dispersion {last.rate_test.dispersion:.2f}"
            )
            for kind, xs in timings.items():
                print(
                    f"{kind}: p50 {statistics.median(xs):.0f} ms, p95 {percentile(xs, 0.95):.0f} ms ({len(xs)} calls)"
                )
            print(f"rules alone (parse + compare, in process): p50 {statistics.median(local):.0f} ms")
            p95 = percentile(timings["history"], 0.95)
            print(f"gateway_over_rules_ratio={statistics.median(timings['history']) / statistics.median(local):.2f}")
            print(f"compare_p95_ms={p95:.0f}")
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
