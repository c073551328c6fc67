"""`make run` as a user runs it: the sample analysed once per data directory, Ctrl-C stops everything fast."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from loglens_devstack.servers import Postgres, free_port

ROOT = Path(__file__).resolve().parents[2]
STOP_WITHIN_S = 5.0


def free_port_base() -> int:
    """A base whose 30 ports above it are all free (make run takes base+1 .. base+30)."""
    for _ in range(50):
        base = free_port() - 31
        try:
            for port in range(base + 1, base + 31):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no block of 30 free ports")


def stack_processes(devstack: psutil.Process, data: Path) -> dict[int, psutil.Process]:
    """The devstack, its children, and the servers that detach from it (PostgreSQL) with all their children."""
    found = {devstack.pid: devstack}
    for process in psutil.process_iter(["cmdline"]):
        if str(data) in " ".join(process.info["cmdline"] or []):
            found[process.pid] = process
    for process in list(found.values()):
        with contextlib.suppress(psutil.NoSuchProcess):
            for child in process.children(recursive=True):
                found[child.pid] = child
    return found


def run_until_serving(data: Path, base: int) -> tuple[subprocess.Popen[str], list[str]]:
    """Started as a non-interactive shell starts a background command (`make run &` in a script or a CI job):
    with SIGINT ignored, which Python keeps; Ctrl-C (SIGINT) must stop it all the same."""
    env = dict(os.environ, LOGLENS_DEV_DATA=str(data), LOGLENS_DEV_PORT_BASE=str(base))
    process = subprocess.Popen(
        ["sh", "-c", f"trap '' INT; exec {shlex.quote(sys.executable)} -m loglens_devstack run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 150
    for line in process.stdout:
        lines.append(line)
        if "press Ctrl-C" in line:
            return process, lines
        assert time.monotonic() < deadline, "".join(lines)
    process.wait(10)
    raise AssertionError(f"make run exited with {process.returncode}:\n{''.join(lines)}")


def ctrl_c(process: subprocess.Popen[str], data: Path) -> tuple[float, list[str]]:
    """SIGINT as the terminal sends it; the time until the devstack exited, and what it left running."""
    tracked = stack_processes(psutil.Process(process.pid), data)
    assert len(tracked) >= 8, tracked  # devstack, 3 services, weed, nats, postgres and its workers
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    assert process.stdout is not None
    process.stdout.read()
    process.wait(30)
    took = time.monotonic() - started
    left = [
        f"{p.pid} {' '.join(p.cmdline())[:120]}"
        for p in tracked.values()
        if p.pid != process.pid and p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    ]
    return took, left


@pytest.fixture
def data() -> Iterator[Path]:
    """Not under tmp_path: a pytest session started meanwhile makes /tmp/pytest-of-root 0700, and PostgreSQL,
    which runs as its own user, loses its folder."""
    root = Path(tempfile.mkdtemp(prefix="loglens-devstack-"))
    yield root / "data"
    shutil.rmtree(root, ignore_errors=True)


def test_make_run_uploads_the_sample_once_and_ctrl_c_stops_everything_fast(data: Path) -> None:
    base = free_port_base()

    process, first = run_until_serving(data, base)
    took, left = ctrl_c(process, data)
    output = "".join(first)
    assert "uploaded sample.log as logFiles/" in output
    assert "\nSummary\n-------\n" in output  # the sample's report
    assert process.returncode == 0
    assert not left, left
    assert took < STOP_WITHIN_S, f"Ctrl-C took {took:.1f}s"

    process, second = run_until_serving(data, base)
    took_again, left = ctrl_c(process, data)
    output = "".join(second)
    assert "uploaded sample.log" not in output
    assert "sample.log was uploaded before as logFiles/" in output
    assert "\nSummary\n-------\n" in output  # its report, shown again
    assert not left, left
    assert took_again < STOP_WITHIN_S, f"Ctrl-C took {took_again:.1f}s"
    print(f"[devstack] Ctrl-C stopped everything in {took:.1f}s and {took_again:.1f}s")


def test_postgres_stops_when_pg_ctl_cannot_reach_its_folder() -> None:
    outer = Path(tempfile.mkdtemp(prefix="loglens-pg-"))
    try:
        postgres = Postgres(outer / "inner" / "postgres")
        postgres.start()
        pid = int((postgres.root / "data" / "postmaster.pid").read_text().split()[0])
        outer.chmod(0o700)  # pg_ctl runs as the server's user, who can no longer enter the folder
        postgres.stop()
        assert not psutil.pid_exists(pid)
    finally:
        shutil.rmtree(outer, ignore_errors=True)
