"""Part 3: NATS, PostgreSQL and S3 each stopped under a steady load of uploads and analyses.

During an outage calls fail fast with UNAVAILABLE (never INTERNAL, never a hang); health says NOT_SERVING
while the database is away; afterwards every acknowledged upload is there, every analysis completes, and
health is SERVING again, all without restarting a service.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import grpc
import pytest

from loglens.v1 import analysis_pb2, analysis_pb2_grpc, log_file_pb2, log_file_pb2_grpc
from loglens_devstack.client import GatewayClient
from loglens_devstack.stack import Stack
from tests.chaos.kit import (
    Workers,
    figure,
    health,
    random_text,
    s3_client,
    scale,
    store_state,
    sweep_once,
    upload,
    wait_until,
)

OUTAGE_S = scale(5, 20)
FAIL_FAST_S = 6.0  # the bound on any call during an outage
LOADERS = scale(1, 2)


@dataclass
class Load:
    """Clients uploading (with analysis) and reading, recording every call."""

    channel: grpc.Channel
    token: str
    phase: str = "baseline"
    calls: list[tuple[str, str, str, float]] = field(default_factory=list)  # (phase, rpc, code, seconds)
    acknowledged: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def _call(self, rpc: str, fn: object) -> object:
        started = time.monotonic()
        try:
            result = fn()  # type: ignore[operator]
            code = "OK"
        except grpc.RpcError as exc:
            result, code = None, exc.code().name  # type: ignore[attr-defined]
        self.calls.append((self.phase, rpc, code, time.monotonic() - started))
        return result

    def run(self, seed: int) -> None:
        files = log_file_pb2_grpc.LogFileServiceStub(self.channel)
        runs = analysis_pb2_grpc.AnalysisServiceStub(self.channel)
        md = (("authorization", f"Bearer {self.token}"),)
        n = 0
        while not self.stop.is_set():
            n += 1
            data = random_text(48 * 1024, seed * 100_000 + n)
            log_file = self._call("Upload", lambda d=data: upload(self.channel, self.token, d, timeout=10))
            if log_file is not None:
                self.acknowledged.append(log_file.name)  # type: ignore[attr-defined]
            if self.acknowledged:
                name = self.acknowledged[-1]
                self._call(
                    "GetLogFile",
                    lambda n=name: files.GetLogFile(log_file_pb2.GetLogFileRequest(name=n), metadata=md, timeout=10),
                )
                self._call(
                    "ListAnalysisRuns",
                    lambda n=name: runs.ListAnalysisRuns(
                        analysis_pb2.ListAnalysisRunsRequest(parent=n), metadata=md, timeout=10
                    ),
                )
            time.sleep(0.2)


@pytest.mark.timeout(scale(280, 900))
def test_dependency_outages_lose_nothing_and_fail_fast(
    chaos_stack: Stack, workers: Workers, chaos_gateway: grpc.Channel, owner: str
) -> None:
    workers.start(LOGLENS_WORKERS="2")
    services = {s: chaos_stack.ports.addr(s) for s in ("ingest", "analysis", "gateway")}
    pids = {s: chaos_stack.processes[s].pid for s in services}
    load = Load(chaos_gateway, chaos_stack.token(owner))
    threads = [threading.Thread(target=load.run, args=(i,), daemon=True) for i in range(LOADERS)]
    for t in threads:
        t.start()
    observed: dict[str, set[str]] = {}
    recovery_s: dict[str, float] = {}
    outages = {
        "nats": (chaos_stack.nats.stop, chaos_stack.nats.start),
        "postgres": (chaos_stack.postgres.kill, chaos_stack.postgres.start),
        "s3": (chaos_stack.s3.stop, chaos_stack.s3.start),
    }
    try:
        time.sleep(3)
        for dependency, (down, up) in outages.items():
            load.phase = f"{dependency} down"
            down()
            until = time.monotonic() + OUTAGE_S
            while time.monotonic() < until:
                for service, addr in services.items():
                    observed.setdefault(f"{dependency}:{service}", set()).add(health(addr))
                time.sleep(0.5)
            load.phase = f"{dependency} recovering"
            back = time.monotonic()
            up()
            wait_until(
                lambda: all(health(addr) == "SERVING" for addr in services.values()),
                60,
                f"health SERVING after the {dependency} outage",
                every=0.2,
            )
            recovery_s[dependency] = time.monotonic() - back
            load.phase = f"after {dependency}"
            time.sleep(3)
    finally:
        load.stop.set()
        for t in threads:
            t.join(30)
        for _, up in outages.values():  # whatever happened, leave the servers running
            try:
                up()
            except Exception:
                pass

    # Nothing acknowledged is lost, and every analysis completes.
    client = GatewayClient(chaos_gateway, chaos_stack.token(owner))
    listed = {f.name for f in client.list_log_files()}
    missing = [name for name in load.acknowledged if name not in listed]
    assert not missing, f"acknowledged uploads lost: {missing}"
    not_succeeded = []
    for name in load.acknowledged:
        run = client.wait_for_run(name, timeout=180)
        if run.state != analysis_pb2.AnalysisRun.STATE_SUCCEEDED:
            not_succeeded.append((name, analysis_pb2.AnalysisRun.State.Name(run.state), run.failure_reason))
    assert not not_succeeded, not_succeeded

    # Failures were UNAVAILABLE and fast; no call hung.
    failed = [c for c in load.calls if c[2] != "OK"]
    wrong = [c for c in failed if c[2] != "UNAVAILABLE"]
    slow = [c for c in load.calls if c[3] >= FAIL_FAST_S]
    assert pids == {s: chaos_stack.processes[s].pid for s in services}, "no service was restarted"
    assert all(chaos_stack.processes[s].poll() is None for s in services)
    for dependency in outages:
        phase = [c for c in load.calls if c[0] == f"{dependency} down"]
        fails = [c for c in phase if c[2] != "OK"]
        figure(
            f"[3 outage {dependency} {OUTAGE_S}s] calls={len(phase)} failed={len(fails)} "
            f"codes={sorted({c[2] for c in phase})} slowest={max((c[3] for c in phase), default=0):.2f}s "
            f"slowest-failure={max((c[3] for c in fails), default=0):.2f}s "
            f"health seen={ {k.split(':')[1]: sorted(v) for k, v in observed.items() if k.startswith(dependency)} } "
            f"SERVING {recovery_s.get(dependency, -1):.1f}s after its restart began"
        )
    figure(
        f"[3 outages] acknowledged uploads={len(load.acknowledged)} lost=0 analyses SUCCEEDED="
        f"{len(load.acknowledged)} calls={len(load.calls)} failed={len(failed)} non-UNAVAILABLE={len(wrong)} "
        f">= {FAIL_FAST_S}s: {len(slow)}"
    )
    # Objects whose row could not commit while the database was away are orphans the sweeper removes.
    s3 = s3_client(chaos_stack)
    orphans = len(store_state(chaos_stack, s3)[0])
    after = sweep_once(chaos_stack, s3)
    figure(f"[3 outages] orphan objects left by failed commits: {orphans}; after one sweep: {len(after[0])}")
    assert after == (set(), set(), [])
    assert not wrong, wrong[:10]
    assert not slow, slow[:10]
    assert "NOT_SERVING" in observed["postgres:analysis"], "analysis health follows its database"
