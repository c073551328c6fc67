"""The whole LogLens system on one machine: the three servers and the three services as processes.

Used by ``make run`` (fixed ports, data kept in .loglens/) and by the test session (free ports, a temporary
folder). Services are real subprocesses started with the same LOGLENS_* settings a deployment uses.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from grpc_health.v1 import health_pb2, health_pb2_grpc
from psycopg import sql

from loglens_analysis.adapters.repository import SCHEMA as ANALYSIS_SCHEMA
from loglens_common.auth import ACCESS, TokenSigner, load_private_key, private_pem, public_pem
from loglens_common.events import EventSigner
from loglens_devstack.nats_auth import ADMIN as NATS_ADMIN
from loglens_devstack.nats_auth import USERS as NATS_USERS
from loglens_devstack.servers import (
    Nats,
    Postgres,
    SeaweedS3,
    check_port,
    free_port,
    spawn,
    stop_process,
    stop_processes,
)
from loglens_gateway.adapters.repository import SCHEMA as GATEWAY_SCHEMA
from loglens_ingest.adapters.repository import SCHEMA as INGEST_SCHEMA

SERVICES = ("ingest", "analysis", "gateway")
MODULES = {"ingest": "loglens_ingest", "analysis": "loglens_analysis", "gateway": "loglens_gateway"}
KID = "dev-1"
# A second key published to every verifier but not used by the gateway: the state half-way through a key
# rotation. Tests sign with it to show that both keys are accepted; promoting it is a config change.
STANDBY_KID = "dev-2"
EVENT_KID = "ingest-dev-1"
# Each service's database role and the one schema it owns (deploy/postgres/init-roles.sh makes the same).
DB_ROLES = {"ingest": "loglens_ingest", "analysis": "loglens_analysis", "gateway": "loglens_gateway"}
SCHEMAS = {"ingest": INGEST_SCHEMA, "analysis": ANALYSIS_SCHEMA, "gateway": GATEWAY_SCHEMA}
# Objects of a schema that the admin created (data folders from before the roles) go to its role.
HAND_OVER = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
           WHERE c.relnamespace = {schema}::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO %I', r.name, {role_name});
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
           WHERE c.relnamespace = {schema}::regnamespace AND c.relkind = 'S'
             AND c.relowner <> {role_name}::regrole
  LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', r.name, {role_name});
  END LOOP;
  FOR r IN SELECT t.oid::regtype AS name FROM pg_type t
           WHERE t.typnamespace = {schema}::regnamespace AND t.typtype IN ('e', 'd')
             AND t.typowner <> {role_name}::regrole
  LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO %I', r.name, {role_name});
  END LOOP;
END $$
"""

# Fast timings for tests, so that crash and redelivery cases finish in seconds, not minutes.
TEST_TIMINGS = {
    "analysis": {
        "LOGLENS_ACK_WAIT_S": "4",
        "LOGLENS_HEARTBEAT_S": "0.5",
        "LOGLENS_STALE_AFTER_S": "3",
        "LOGLENS_RECONCILE_INTERVAL_S": "1",
        "LOGLENS_REQUEUE_AFTER_S": "6",
        "LOGLENS_RETRY_BACKOFF_S": "0.5",
        "LOGLENS_WATCH_POLL_S": "0.1",
    },
    "ingest": {"LOGLENS_OUTBOX_INTERVAL_S": "0.5"},
}


@dataclass(frozen=True)
class Ports:
    gateway: int
    ingest: int
    analysis: int
    nats: int
    s3: int
    weed: tuple[int, ...]
    metrics: tuple[int, int, int]
    http: int = 0  # the gateway's REST/JSON bridge; 0 turns it off

    @classmethod
    def from_base(cls, base: int) -> Ports:
        p = [base + i for i in range(1, 16)]
        return cls(p[0], p[1], p[2], p[3], p[4], tuple(p[5:12]), (p[12], p[13], p[14]), http=base + 30)

    @classmethod
    def free(cls) -> Ports:
        p = [free_port() for _ in range(16)]
        return cls(p[0], p[1], p[2], p[3], p[4], tuple(p[5:12]), (p[12], p[13], p[14]), http=p[15])

    def addr(self, service: str) -> str:
        return f"127.0.0.1:{getattr(self, service)}"


@dataclass
class Stack:
    root: Path
    ports: Ports
    workers: int = 1
    env_overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    s3_memory_limit_mib: int = 0  # see SeaweedS3.memory_limit_mib
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.postgres = Postgres(self.root / "postgres", admin_password=self._load_or_make_secret("postgres-admin"))
        self.db_passwords = {service: self._load_or_make_secret(f"db-{service}") for service in SERVICES}
        nats_users = (*NATS_USERS, NATS_ADMIN)
        self.nats_passwords = {user: self._load_or_make_secret(f"nats-{user}") for user in nats_users}
        self.nats = Nats(self.root / "nats", self.ports.nats, passwords=self.nats_passwords)
        self.s3 = SeaweedS3(self.root / "s3", self.ports.s3, list(self.ports.weed), self.s3_memory_limit_mib)
        self._signing_key = self._load_or_make_key()
        self._standby_key = self._load_or_make_key("standby-signing-key.pem")
        self._event_key = self._load_or_make_key("event-signing-key.pem")  # ingest's, for its NATS events

    # Credentials made once per data folder, kept in keys/ (0600) ----------------------------------------
    def _load_or_make_secret(self, name: str) -> str:
        path = self.root / "keys" / name
        if path.exists():
            return path.read_text().strip()
        secret = secrets.token_urlsafe(24)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.touch(0o600)
        path.write_text(secret + "\n")
        return secret

    def event_signer(self) -> EventSigner:
        """Ingest's event signer: tests use it to show what analysis does with a validly signed event."""
        return EventSigner(EVENT_KID, self._event_key)

    # Keys: the gateway signs, the others verify with the public key only -------------------------------
    def _load_or_make_key(self, filename: str = "signing-key.pem") -> Ed25519PrivateKey:
        path = self.root / "keys" / filename
        if path.exists():
            return load_private_key(path.read_text())
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text(private_pem(key))
        path.chmod(0o600)
        return key

    @property
    def public_keys_json(self) -> str:
        return json.dumps({KID: public_pem(self._signing_key), STANDBY_KID: public_pem(self._standby_key)})

    def signer(self) -> TokenSigner:
        return TokenSigner(KID, self._signing_key, "loglens", "loglens")

    def standby_signer(self) -> TokenSigner:
        return TokenSigner(STANDBY_KID, self._standby_key, "loglens", "loglens")

    def token(self, subject: str = "0" * 31 + "1", ttl_s: int = 3600) -> str:
        return self.signer().sign(subject, ACCESS, ttl_s)

    # Servers -----------------------------------------------------------------------------------------
    def start_servers(self) -> None:
        for service in SERVICES:
            check_port(getattr(self.ports, service), f"LogLens {service}")
        self.postgres.start()
        self.provision_database()
        self.nats.start()
        self.s3.start()

    def provision_database(self) -> None:
        """One login role per service, owning its schema and nothing else (the admin's job, as in deploy/).

        Migrations then run as that owning role, so every table a migration adds is the service's without a
        GRANT to remember. A data folder from before the roles existed gets its schemas' objects handed over.
        """
        with psycopg.connect(self.postgres.url, autocommit=True) as conn:
            conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")  # nothing of ours lives there
            for service in SERVICES:
                role, schema = sql.Identifier(DB_ROLES[service]), sql.Identifier(SCHEMAS[service])
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (DB_ROLES[service],)).fetchone()
                verb = "ALTER" if exists else "CREATE"
                conn.execute(
                    sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                        role, sql.Literal(self.db_passwords[service])
                    )
                )
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(schema, role))
                conn.execute(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(schema, role))
                conn.execute(
                    sql.SQL(HAND_OVER).format(
                        schema=sql.Literal(SCHEMAS[service]), role_name=sql.Literal(DB_ROLES[service])
                    )
                )

    def database_url(self, service: str) -> str:
        return self.postgres.url_for(DB_ROLES[service], self.db_passwords[service])

    def env(self, service: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOGLENS_")}
        env.update(
            {
                "LOGLENS_LISTEN_ADDR": self.ports.addr(service),
                "LOGLENS_METRICS_PORT": str(self.ports.metrics[SERVICES.index(service)]),
                "LOGLENS_JWT_PUBLIC_KEYS": self.public_keys_json,
                "LOGLENS_SHUTDOWN_GRACE_S": "5",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if service != "gateway":
            env.update(
                {
                    "LOGLENS_DATABASE_URL": self.database_url(service),
                    "LOGLENS_NATS_URL": self.nats.server_url,
                    "LOGLENS_NATS_USER": service,
                    "LOGLENS_NATS_PASSWORD": self.nats_passwords[service],
                    "LOGLENS_S3_ENDPOINT": self.s3.endpoint,
                    "LOGLENS_S3_ACCESS_KEY": self.s3.access_key,
                    "LOGLENS_S3_SECRET_KEY": self.s3.secret_key,
                    "LOGLENS_S3_BUCKET": "loglens",
                }
            )
        if service == "ingest":
            env["LOGLENS_EVENT_SIGNING_KEY"] = private_pem(self._event_key)
            env["LOGLENS_EVENT_KID"] = EVENT_KID
        if service == "analysis":
            env["LOGLENS_EVENT_PUBLIC_KEYS"] = json.dumps({EVENT_KID: public_pem(self._event_key)})
            env["LOGLENS_WORKERS"] = str(self.workers)
            env["LOGLENS_INGEST_ADDR"] = self.ports.addr("ingest")
        if service == "gateway":
            env["LOGLENS_INGEST_ADDR"] = self.ports.addr("ingest")
            env["LOGLENS_ANALYSIS_ADDR"] = self.ports.addr("analysis")
            env["LOGLENS_DATABASE_URL"] = self.database_url(service)
            env["LOGLENS_JWT_PRIVATE_KEY"] = private_pem(self._signing_key)
            env["LOGLENS_JWT_KID"] = KID
            env["LOGLENS_HTTP_LISTEN_ADDR"] = f"127.0.0.1:{self.ports.http}" if self.ports.http else ""
            # Every local client is 127.0.0.1: a per-address limit sized for the internet would trip here.
            env["LOGLENS_AUTH_PEER_BURST"] = "1000"
            env["LOGLENS_AUTH_REGISTER_BURST"] = "1000"
        env.update(self.env_overrides.get(service, {}))
        return env

    def migrate(self) -> None:
        for service in ("ingest", "analysis", "gateway"):
            subprocess.run(
                [sys.executable, "-m", MODULES[service], "migrate"],
                env=self.env(service),
                check=True,
                stdout=subprocess.DEVNULL,
            )

    # Services ----------------------------------------------------------------------------------------
    def start_service(self, service: str, name: str | None = None, **extra_env: str) -> subprocess.Popen[bytes]:
        env = self.env(service)
        env.update(extra_env)
        key = name or service
        process = spawn(
            [sys.executable, "-m", MODULES[service], "serve"]
            if service != "gateway"
            else [sys.executable, "-m", MODULES[service]],
            self.root / "logs" / f"{key}.log",
            env,
        )
        self.processes[key] = process
        return process

    def wait_serving(self, service: str, timeout_s: float = 60, addr: str | None = None) -> None:
        target = addr or self.ports.addr(service)
        deadline = time.monotonic() + timeout_s
        process = self.processes.get(service)
        with grpc.insecure_channel(target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                if process is not None and process.poll() is not None:
                    log = self.root / "logs" / f"{service}.log"
                    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
                    raise RuntimeError(f"{service} exited with {process.returncode}:\n{tail}")
                try:
                    reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                time.sleep(0.2)
        raise TimeoutError(f"{service} did not report SERVING on {target} within {timeout_s}s")

    def start_services(self) -> None:
        for service in SERVICES:
            self.start_service(service)
        for service in SERVICES:
            self.wait_serving(service)

    def stop_service(self, name: str, grace_s: float = 10) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            stop_process(process, grace_s)

    def start(self) -> None:
        try:
            self.start_servers()
            self.migrate()
            self.start_services()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """The services first, all at once (their graceful stop still uses the servers), then the servers."""
        services = list(self.processes.values())
        self.processes.clear()
        stop_processes(services, grace_s=10)
        with ThreadPoolExecutor(3) as pool:
            stopping = [pool.submit(server.stop) for server in (self.s3, self.nats, self.postgres)]
        for done in stopping:
            done.result()
