"""One large file through the running system, with 1 and with 2 analysis workers: time to report and the same report.

    make bench-scale [ARGS="--file big.log --chunk-bytes 64MiB --chunk-threshold 256MiB"]
    (or LOGLENS_BENCH_SCALE_FILE=big.log make bench-scale)

A plain log of ``--size`` (1 GiB) is generated once with ``loglens_loggen`` (the ``mixed`` kind: application lines
with stack traces, JSON, access, syslog, logfmt, Python and container lines interleaved, seed ``--seed``) and kept
in ``build/bench-scale/``; ``--file`` takes any plain log instead. One local stack is started as ``make run``
starts it (real PostgreSQL, NATS JetStream and S3; ingest, analysis and gateway as their own processes), with
analysis's chunk settings ``LOGLENS_CHUNK_THRESHOLD_BYTES`` (below the file's size, so the file is analysed in
chunks) and ``LOGLENS_CHUNK_BYTES`` (64 MiB: 16 chunks of a 1 GiB file, enough for two workers to balance); a
build without chunking ignores them and analyses the file in one pass. Ingest's ``LOGLENS_MAX_UPLOAD_BYTES`` is
raised to fit the file.

The file is uploaded once through the gateway (``analyze=false``; its time is printed apart). Then, for each
worker count (``--workers 1,2``), the analysis service is (re)started with that many workers and one analysis run
of the uploaded object is created (CreateAnalysisRun) and polled to SUCCEEDED. The time is the run's own: from
its ``create_time`` (queued) to its ``finish_time``. ``--two-workers slots`` (the default) gives one analysis
process ``LOGLENS_WORKERS=2``; ``processes`` runs two analysis processes of one slot each. Both use two cores for
the engine, because each slot analyses in a child process of its own (``sandbox.py``); slots are the default
because they are what a pod is (prod runs ``LOGLENS_WORKERS=2`` per pod and scales pods on the queue).

While a run goes, every process of the analysis services' process groups (the service, its forkserver and the
engine children) is sampled from /proc: peak RSS of the service process, of the largest engine child, and of the
group's sum (what a pod's memory limit sees), and the group's CPU seconds. Both reports (and runs) are fetched and
compared field by field: only the run's name and times may differ (a report holds no processing time).

Prints per configuration the seconds, lines/s, MiB/s and peaks, and last, exactly
``scale_speedup_2w=<t(1 worker) / t(2 workers)> scale_same_report=<0|1>``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.json_format import MessageToDict

from loglens.v1 import analysis_pb2
from loglens_devstack.client import TERMINAL, GatewayClient
from loglens_devstack.servers import free_port
from loglens_devstack.stack import Ports, Stack
from loglens_loggen import parse_size, write_log

MIB = 1 << 20
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "bench-scale"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024

# Fields of a run that name or time it: the only ones two runs of one file may differ in. A report holds no
# processing time (its times are the log's own), so nothing of it is ignored.
RUN_IGNORED = frozenset({"name", "create_time", "start_time", "finish_time"})
REPORT_IGNORED: frozenset[str] = frozenset()


# Pure helpers (tests/unit/test_bench_scale.py) ----------------------------------------------------------------
def parse_workers(text: str) -> tuple[int, ...]:
    """``"1,2"`` -> (1, 2): distinct positive worker counts in the order given."""
    counts: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise argparse.ArgumentTypeError(f"worker counts are positive integers, got {part!r}")
        if int(part) not in counts:
            counts.append(int(part))
    if not counts:
        raise argparse.ArgumentTypeError("give at least one worker count, e.g. 1,2")
    return tuple(counts)


def size_arg(text: str) -> int:
    try:
        value = parse_size(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 64MiB, 1GiB, 4096)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a size is not negative: {text!r}")
    return value


def parse_args(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> argparse.Namespace:
    environ = os.environ if environ is None else environ
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--file",
        type=Path,
        default=Path(environ["LOGLENS_BENCH_SCALE_FILE"]) if environ.get("LOGLENS_BENCH_SCALE_FILE") else None,
        help="a plain log file to analyse (default: generated once into build/bench-scale/; "
        "env LOGLENS_BENCH_SCALE_FILE)",
    )
    ap.add_argument("--size", type=size_arg, default=1 << 30, help="size of the generated file (default 1GiB)")
    ap.add_argument("--seed", type=int, default=42, help="loggen seed of the generated file")
    ap.add_argument(
        "--year",
        type=int,
        default=2024,
        help="the upload's year hint for times without one (default 2024, loggen's; without a hint a file with "
        "year-less times, as syslog's, is analysed in one pass); 0: none",
    )
    ap.add_argument("--workers", type=parse_workers, default=(1, 2), help="worker counts to measure (default 1,2)")
    ap.add_argument(
        "--two-workers",
        choices=("slots", "processes"),
        default="slots",
        help="N workers as one analysis process of N slots (default) or N processes of one slot",
    )
    ap.add_argument("--chunk-bytes", type=size_arg, default=64 * MIB, help="LOGLENS_CHUNK_BYTES (default 64MiB)")
    ap.add_argument(
        "--chunk-threshold",
        type=size_arg,
        default=256 * MIB,
        help="LOGLENS_CHUNK_THRESHOLD_BYTES (default 256MiB; 0 turns chunking off)",
    )
    ap.add_argument("--timeout", type=float, default=3600, help="seconds one run may take")
    ap.add_argument(
        "--analysis-env",
        action="append",
        default=[],
        metavar="LOGLENS_X=VALUE",
        help="another analysis setting (repeatable), e.g. LOGLENS_ENGINE_MEMORY_LIMIT_MIB=2048",
    )
    args = ap.parse_args(argv)
    if args.chunk_bytes < 4096:
        ap.error("--chunk-bytes must be at least 4096 (the service's lower bound)")
    for item in args.analysis_env:
        if not item.startswith("LOGLENS_") or "=" not in item:
            ap.error(f"--analysis-env takes LOGLENS_NAME=VALUE, got {item!r}")
    return args


def chunk_count(size: int, chunk_bytes: int, threshold: int) -> int:
    """Chunks the service cuts a plain file into under these settings (about: each cut moves to a record start);
    1 when the file is analysed in one pass."""
    if threshold <= 0 or size <= threshold:
        return 1
    return max(1, -(-size // chunk_bytes))


def differences(a: Any, b: Any, ignore: Iterable[str] = (), path: str = "") -> list[str]:
    """Where two JSON-like values (dicts of a message's fields) differ, as dotted paths (``templates[3].count``).

    ``ignore`` names paths left out, with ``[]`` for any list index (``templates[].first_time``).
    """
    ignored = frozenset(ignore)
    out: list[str] = []
    _diff(a, b, ignored, path, out)
    return out


def _generic(path: str) -> str:
    """``templates[3].count`` -> ``templates[].count``."""
    out, depth = [], 0
    for ch in path:
        if ch == "[":
            depth += 1
            out.append("[]")
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _diff(a: Any, b: Any, ignored: frozenset[str], path: str, out: list[str]) -> None:
    if path and _generic(path) in ignored:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            sub = f"{path}.{key}" if path else str(key)
            if _generic(sub) in ignored:
                continue
            if key not in a or key not in b:
                out.append(f"{sub} (only in {'second' if key not in a else 'first'})")
            else:
                _diff(a[key], b[key], ignored, sub, out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path or '<root>'} (length {len(a)} vs {len(b)})")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _diff(x, y, ignored, f"{path}[{i}]", out)
    elif a != b or type(a) is not type(b):
        out.append(path or "<root>")


def speedup(seconds: Mapping[int, float]) -> float:
    """The 1-worker time over the 2-worker time (nan when either is missing)."""
    if 1 not in seconds or 2 not in seconds or seconds[2] <= 0:
        return float("nan")
    return seconds[1] / seconds[2]


def result_line(seconds: Mapping[int, float], same_report: bool) -> str:
    return f"scale_speedup_2w={speedup(seconds):.2f} scale_same_report={int(same_report)}"


# Measuring ------------------------------------------------------------------------------------------------------
@dataclass
class GroupSampler:
    """Peak memory and CPU of the processes of some process groups (an analysis service, its forkserver and its
    engine children), sampled from /proc. A VmHWM is per process: an engine child's peak is read while it lives,
    so a child that lives less than one interval may be missed (a chunk lives seconds)."""

    groups: tuple[int, ...]
    interval_s: float = 0.3
    leader_peak_kib: int = 0
    child_peak_kib: int = 0
    group_peak_kib: int = 0
    _cpu_start: float = 0.0
    _cpu_now: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _sample(self) -> float:
        total_rss, cpu = 0, 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) not in self.groups:
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, IndexError, ValueError):
                continue
            cpu += sum(int(f) for f in fields[11:15]) / CLOCK_TICKS  # utime stime cutime cstime
            hwm = _status_kib(status, "VmHWM")
            total_rss += _status_kib(status, "VmRSS")
            if int(stat.parent.name) in self.groups:
                self.leader_peak_kib = max(self.leader_peak_kib, hwm)
            else:
                self.child_peak_kib = max(self.child_peak_kib, hwm)
        self.group_peak_kib = max(self.group_peak_kib, total_rss)
        return cpu

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._cpu_now = max(self._cpu_now, self._sample())

    def __enter__(self) -> GroupSampler:
        self._cpu_start = self._cpu_now = self._sample()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._cpu_now = max(self._cpu_now, self._sample())

    @property
    def cpu_s(self) -> float:
        return self._cpu_now - self._cpu_start


def _status_kib(status: str, key: str) -> int:
    for line in status.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


@dataclass
class StepTimes:
    """When a chunked run's steps moved, from its rows in ``analysis.run_chunks`` polled during the run (the rows
    go with the commit that ends the run, so they are read while it goes). All times are this process's clock."""

    chunks: int = 0  # chunk steps seen (0: the run was analysed in one pass, or this build has no chunks)
    cut_at: float = 0.0  # first seen: the run was cut
    last_chunk_done_at: float = 0.0  # every chunk step DONE
    merge_running_at: float = 0.0  # the merge step claimed
    error: str = ""


def step_times_update(times: StepTimes, rows: Iterable[tuple[int, bool, str]], now: float) -> None:
    """Fold one poll of (idx, merge, state) rows into ``times``."""
    rows = list(rows)
    chunks = [state for _, merge, state in rows if not merge]
    if chunks and not times.cut_at:
        times.cut_at = now
    times.chunks = max(times.chunks, len(chunks))
    if chunks and all(state == "DONE" for state in chunks) and not times.last_chunk_done_at:
        times.last_chunk_done_at = now
    if any(merge and state in ("RUNNING", "DONE") for _, merge, state in rows) and not times.merge_running_at:
        times.merge_running_at = now


class StepWatcher:
    def __init__(self, database_url: str, interval_s: float = 0.25) -> None:
        self.url = database_url
        self.interval_s = interval_s
        self.times = StepTimes()
        self.run_id = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def watch(self, run_name: str) -> None:
        self.run_id = run_name.rsplit("/", 1)[1]
        self._thread.start()

    def _loop(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                while not self._stop.wait(self.interval_s):
                    rows = conn.execute(
                        "SELECT idx, merge, state FROM analysis.run_chunks WHERE run_id = %s", (self.run_id,)
                    ).fetchall()
                    step_times_update(self.times, rows, time.time())
        except Exception as exc:  # e.g. a build without run_chunks: the run's own times still hold
            self.times.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class Measured:
    workers: int
    run: analysis_pb2.AnalysisRun
    report: dict[str, Any]
    queued_s: float
    wall_s: float
    sampler: GroupSampler
    steps: StepTimes
    load_before: str
    load_after: str

    def line(self, size: int) -> str:
        run = self.run
        lines = run.lines_done
        s = self.queued_s
        return (
            f"{self.workers} worker{'s' if self.workers > 1 else ''}: {s:.1f} s queued -> SUCCEEDED "
            f"(running {_seconds(run.start_time, run.finish_time):.1f} s; polled {self.wall_s:.1f} s), "
            f"{lines / s:,.0f} lines/s, {size / MIB / s:.1f} MiB/s; analysis CPU {self.sampler.cpu_s:.0f} s "
            f"({self.sampler.cpu_s / s:.2f} cores); peak RSS: service {self.sampler.leader_peak_kib / 1024:.0f} MiB, "
            f"largest engine child {self.sampler.child_peak_kib / 1024:.0f} MiB, all analysis processes "
            f"{self.sampler.group_peak_kib / 1024:.0f} MiB; load average {self.load_before} -> {self.load_after}"
            + self.steps_line()
        )

    def steps_line(self) -> str:
        t = self.steps
        if not t.chunks:
            return "\n   analysed in one pass (no chunk steps seen" + (f": {t.error})" if t.error else ")")
        created = self.run.create_time.ToNanoseconds() / 1e9
        finish = self.run.finish_time.ToNanoseconds() / 1e9
        parts = [f"{t.chunks} chunks", f"cut {t.cut_at - created:.1f} s after queued"]
        if t.last_chunk_done_at:
            parts.append(f"chunks done at {t.last_chunk_done_at - created:.1f} s")
            parts.append(f"merge and report {finish - t.last_chunk_done_at:.1f} s (last chunk DONE -> SUCCEEDED)")
        return "\n   " + ", ".join(parts) + " (steps polled every 0.25 s)"


def _seconds(start: Any, end: Any) -> float:
    return float((end.ToNanoseconds() - start.ToNanoseconds()) / 1e9)


def ensure_file(args: argparse.Namespace) -> Path:
    if args.file is not None:
        if not args.file.is_file():
            raise SystemExit(f"bench-scale: no such file: {args.file}")
        return Path(args.file)
    path = CACHE / f"mixed-{args.size // MIB}MiB-seed{args.seed}.log"
    if path.exists():
        print(f"file: {path} (cached)", flush=True)
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".tmp")
    t0 = time.perf_counter()
    write_log(str(tmp), args.size, seed=args.seed, kind="mixed")
    tmp.rename(path)
    print(f"file: generated {path} in {time.perf_counter() - t0:.0f} s", flush=True)
    return path


def count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as f:
        while chunk := f.read(16 * MIB):
            n += chunk.count(b"\n")
    return n


class AnalysisWorkers:
    """The analysis service(s) of the stack, restarted with a given number of workers."""

    def __init__(self, stack: Stack, mode: str) -> None:
        self.stack = stack
        self.mode = mode
        self.names: list[str] = ["analysis"]

    def start(self, workers: int) -> tuple[int, ...]:
        for name in self.names:
            self.stack.stop_service(name)
        if self.mode == "slots" or workers == 1:
            self.names = ["analysis"]
            self.stack.start_service("analysis", LOGLENS_WORKERS=str(workers))
            self.stack.wait_serving("analysis")
        else:
            # The first process serves the API on the stack's port; the others only work the queue.
            self.names = ["analysis"] + [f"analysis-{i}" for i in range(2, workers + 1)]
            addrs: dict[str, str | None] = {}
            for name in self.names:
                extra = {"LOGLENS_WORKERS": "1"}
                addrs[name] = None if name == "analysis" else f"127.0.0.1:{free_port()}"
                if addrs[name]:
                    extra.update(LOGLENS_LISTEN_ADDR=str(addrs[name]), LOGLENS_METRICS_PORT=str(free_port()))
                self.stack.start_service("analysis", name=name, **extra)
            for name in self.names:
                self.stack.wait_serving("analysis", addr=addrs[name])
        return tuple(self.stack.processes[name].pid for name in self.names)


def create_run(client: GatewayClient, log_file: str) -> str:
    """A new run of the file. Right after the analysis service restarted, the gateway's channel to it may still be
    backing off (UNAVAILABLE, the call not delivered): asked again for up to 30 s."""
    deadline = time.monotonic() + 30
    while True:
        try:
            created = client.analysis.CreateAnalysisRun(
                analysis_pb2.CreateAnalysisRunRequest(parent=log_file), metadata=client.metadata, timeout=30
            )
            return str(created.analysis_run.name)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def run_once(
    client: GatewayClient, log_file: str, groups: tuple[int, ...], workers: int, timeout: float, database_url: str
) -> Measured:
    load_before = load_average()
    t0 = time.perf_counter()
    watcher = StepWatcher(database_url)
    with GroupSampler(groups) as sampler:
        name = create_run(client, log_file)
        watcher.watch(name)
        deadline = time.monotonic() + timeout
        while True:
            run = client.analysis.GetAnalysisRun(
                analysis_pb2.GetAnalysisRunRequest(name=name), metadata=client.metadata, timeout=30
            ).analysis_run
            if run.state in TERMINAL:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} not finished after {timeout:.0f} s")
            time.sleep(0.5)
    watcher.stop()
    wall = time.perf_counter() - t0
    if run.state != analysis_pb2.AnalysisRun.STATE_SUCCEEDED:
        state = analysis_pb2.AnalysisRun.State.Name(run.state)
        t = watcher.times
        created = run.create_time.ToNanoseconds() / 1e9
        seen = f"{t.chunks} chunk steps seen" + (
            f", all DONE {t.last_chunk_done_at - created:.1f} s after queued" if t.last_chunk_done_at else ""
        )
        seen += f", merge claimed at {t.merge_running_at - created:.1f} s" if t.merge_running_at else ""
        raise SystemExit(
            f"bench-scale: {name} ended {state} after {_seconds(run.create_time, run.finish_time):.1f} s "
            f"({seen}; analysis peak RSS: largest engine child {sampler.child_peak_kib / 1024:.0f} MiB): "
            f"{run.failure_code} {run.failure_reason}"
        )
    report = MessageToDict(client.report(name).report, preserving_proto_field_name=True)
    return Measured(
        workers,
        run,
        report,
        _seconds(run.create_time, run.finish_time),
        wall,
        sampler,
        watcher.times,
        load_before,
        load_average(),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    path = ensure_file(args)
    size = path.stat().st_size
    lines = count_lines(path)
    chunks = chunk_count(size, args.chunk_bytes, args.chunk_threshold)
    print(
        f"file: {path.name}, {size / MIB:,.1f} MiB, {lines:,} lines; LOGLENS_CHUNK_THRESHOLD_BYTES="
        f"{args.chunk_threshold} LOGLENS_CHUNK_BYTES={args.chunk_bytes} (about {chunks} chunk(s) where chunking "
        f"exists); workers {','.join(map(str, args.workers))} as {args.two_workers}"
        + (f"; analysis {' '.join(args.analysis_env)}" if args.analysis_env else ""),
        flush=True,
    )
    root = Path(tempfile.mkdtemp(prefix="loglens-bench-scale-"))
    env = {
        "ingest": {"LOGLENS_MAX_UPLOAD_BYTES": str(max(size + MIB, 1 << 30))},
        "analysis": {
            "LOGLENS_CHUNK_THRESHOLD_BYTES": str(args.chunk_threshold),
            "LOGLENS_CHUNK_BYTES": str(args.chunk_bytes),
            **dict(item.split("=", 1) for item in args.analysis_env),
        },
    }
    stack = Stack(root / "stack", Ports.free(), workers=args.workers[0], env_overrides=env)
    measured: list[Measured] = []
    try:
        stack.start()
        workers = AnalysisWorkers(stack, args.two_workers)
        with grpc.insecure_channel(stack.ports.addr("gateway")) as channel:
            client = GatewayClient(channel, stack.token())
            t0 = time.perf_counter()
            hint = {"year": args.year} if args.year else {}
            log_file = client.upload(path, timeout=3600, analyze=False, **hint)
            up = time.perf_counter() - t0
            print(f"upload through the gateway: {up:.1f} s ({size / MIB / up:.1f} MiB/s), {log_file.name}", flush=True)
            for count in args.workers:
                groups = workers.start(count)
                m = run_once(client, log_file.name, groups, count, args.timeout, stack.database_url("analysis"))
                measured.append(m)
                print(m.line(size), flush=True)
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)

    first = measured[0]
    same = True
    for m in measured[1:]:
        run_a = MessageToDict(first.run, preserving_proto_field_name=True)
        run_b = MessageToDict(m.run, preserving_proto_field_name=True)
        diffs = differences(run_a, run_b, RUN_IGNORED) + differences(first.report, m.report, REPORT_IGNORED)
        print(
            f"report of {m.workers} worker(s) vs {first.workers}: "
            + ("the same, field by field" if not diffs else f"{len(diffs)} difference(s): {', '.join(diffs[:10])}"),
            flush=True,
        )
        same = same and not diffs
    if first.run.lines_done != lines:
        print(f"note: the run read {first.run.lines_done:,} lines, the file has {lines:,} newlines", flush=True)
    print(result_line({m.workers: m.queued_s for m in measured}, same))
    return 0


if __name__ == "__main__":
    sys.exit(main())
