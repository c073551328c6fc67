"""A stack whose analysis workers the test starts itself: ingest and the analysis API process (no worker slots) on
real servers, and analysis worker processes sharing the work queue's durable consumer, each with the settings the
test gives it (slots, chunking, re-send waits). Used by the run lifecycle suites (test_runs, test_run_chunks,
test_run_resend)."""

from __future__ import annotations

import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import grpc

from loglens_devstack.servers import free_port
from loglens_devstack.stack import TEST_TIMINGS, Ports, Stack


@contextmanager
def api_stack(prefix: str, analysis_env: Mapping[str, str] | None = None) -> Iterator[Stack]:
    """The stack without workers; ``analysis_env`` goes to the analysis API process (its reconciler, its planner)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    overrides = {k: dict(v) for k, v in TEST_TIMINGS.items()}
    overrides["analysis"].update(analysis_env or {})
    s = Stack(root, Ports.free(), workers=0, env_overrides=overrides)
    try:
        s.start_servers()
        s.migrate()
        for service in ("ingest", "analysis"):
            s.start_service(service)
        for service in ("ingest", "analysis"):
            s.wait_serving(service)
        yield s
    finally:
        s.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def api_channels(stack: Stack) -> Iterator[tuple[grpc.Channel, grpc.Channel]]:
    """Channels to ingest and to the analysis API process."""
    with (
        grpc.insecure_channel(stack.ports.addr("ingest")) as ingest,
        grpc.insecure_channel(stack.ports.addr("analysis")) as analysis,
    ):
        yield ingest, analysis


class Workers:
    """Analysis worker processes sharing the work queue's durable consumer; ``env`` is every worker's, a start's
    own settings go on top."""

    def __init__(self, stack: Stack, **env: str) -> None:
        self.stack = stack
        self.env = env
        self.count = 0

    def start(self, slots: int = 1, **env: str) -> str:
        self.count += 1
        name = f"worker-{self.count}"
        addr = f"127.0.0.1:{free_port()}"
        self.stack.start_service(
            "analysis",
            name=name,
            LOGLENS_LISTEN_ADDR=addr,
            LOGLENS_WORKERS=str(slots),
            LOGLENS_METRICS_PORT="0",
            **{**self.env, **env},
        )
        self.stack.wait_serving(name, addr=addr)
        return name

    def kill(self, name: str) -> None:
        process = self.stack.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self, name: str) -> None:
        self.stack.stop_service(name)

    def stop_all(self) -> None:
        for name in [n for n in self.stack.processes if n.startswith("worker-")]:
            self.stack.stop_service(name)

    def log(self) -> str:
        """What the workers wrote to their logs."""
        return "".join(p.read_text(errors="replace") for p in (self.stack.root / "logs").glob("worker-*.log"))


@contextmanager
def workers_of(stack: Stack, **env: str) -> Iterator[Workers]:
    """Workers for one test: every one still running is stopped at its end."""
    pool = Workers(stack, **env)
    try:
        yield pool
    finally:
        pool.stop_all()
