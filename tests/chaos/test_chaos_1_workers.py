"""Part 1: SIGKILL analysis workers at random points while runs are in progress; every run still ends once."""

from __future__ import annotations

import random
import time
from pathlib import Path

import grpc
import pytest

from loglens.v1 import analysis_pb2
from loglens_devstack.client import TERMINAL, GatewayClient
from loglens_devstack.stack import Stack
from loglens_loggen import write_log
from tests.chaos.kit import MIB, Workers, chunks_claimed_again, db, figure, scale, wait_until

RUNS = scale(5, 50)


@pytest.mark.timeout(scale(240, 900))
def test_killed_workers_lose_no_run_and_duplicate_none(
    chaos_stack: Stack,
    workers: Workers,
    ingest_channel: grpc.Channel,
    analysis_channel: grpc.Channel,
    owner: str,
    tmp_path: Path,
) -> None:
    rng = random.Random(9001)
    log = tmp_path / "app.log"
    write_log(str(log), 3 * MIB, seed=7)  # about half a second of engine work: kills land mid-run
    client = GatewayClient(ingest_channel, chaos_stack.token(owner), analysis_channel=analysis_channel)
    started = time.monotonic()
    pool = [workers.start(), workers.start()]
    files = [client.upload(log) for _ in range(RUNS)]
    ids = [f.name.split("/")[1] for f in files]

    def states() -> dict[str, int]:
        with db(chaos_stack) as conn:
            found = conn.execute(
                "SELECT state, count(*) FROM analysis.runs WHERE log_file_id = ANY(%s) GROUP BY state", (ids,)
            ).fetchall()
        return {state: count for state, count in found}

    kills = 0
    while states().get("SUCCEEDED", 0) + states().get("FAILED", 0) < RUNS and kills < RUNS:
        time.sleep(rng.uniform(0.3, 2.5))
        victim = pool.pop(rng.randrange(len(pool)))
        workers.kill(victim)
        kills += 1
        pool.append(workers.start())
    wait_until(
        lambda: sum(n for s, n in states().items() if s in ("SUCCEEDED", "FAILED", "CANCELLED")) == RUNS,
        scale(180, 600),
        "every run to end",
        every=0.5,
    )
    elapsed = time.monotonic() - started
    for f in files:
        run = client.runs(f.name)[-1]
        assert run.state in TERMINAL
        assert run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED, run.failure_reason
    with db(chaos_stack) as conn:
        found = conn.execute(
            "SELECT r.log_file_id, r.state, r.attempts, count(p.run_id) FROM analysis.runs r "
            "LEFT JOIN analysis.reports p ON p.run_id = r.id WHERE r.log_file_id = ANY(%s) "
            "GROUP BY r.id, r.log_file_id, r.state, r.attempts",
            (ids,),
        ).fetchall()
        run_ids = [r[0] for r in conn.execute("SELECT id FROM analysis.runs WHERE log_file_id = ANY(%s)", (ids,))]
    assert sorted(r[0] for r in found) == sorted(ids), "exactly one run per file"
    assert [r for r in found if r[1] != "SUCCEEDED" or r[3] != 1] == [], "one SUCCEEDED run and one report each"
    # A run analysed in one pass is claimed again (a new attempt); one analysed in chunks has a chunk claimed again.
    interrupted = sum(1 for r in found if r[2] > 1) + len(chunks_claimed_again(chaos_stack, run_ids))
    figure(
        f"[1 worker crashes] runs={RUNS} kills={kills} succeeded={sum(r[1] == 'SUCCEEDED' for r in found)} "
        f"reports={sum(r[3] for r in found)} left_running={sum(r[1] == 'RUNNING' for r in found)} "
        f"runs_interrupted={interrupted} attempts={sum(r[2] for r in found)} in {elapsed:.0f}s"
    )
    assert interrupted > 0, "the kills interrupted runs in progress"
