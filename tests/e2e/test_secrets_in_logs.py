"""No secret of a user reaches a log: a whole session on the real stack, then every log file is searched.

A fresh user registers, logs in (once with a wrong password), refreshes, uploads a file over gRPC and REST, reads
its run and report (JSON and the HTML page), creates an API key and calls with it (and with a wrong one).
Then every log the session stack writes (the three services, NATS, the S3 server, PostgreSQL) must hold none
of: the password, the e-mail address, the API key, the password's hash, the key's hash, the tokens.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import psycopg
import pytest

from loglens.v1 import analysis_pb2
from loglens_devstack.client import GatewayClient
from loglens_devstack.stack import Stack

SAMPLE = Path(__file__).resolve().parents[2] / "tools" / "loglens_devstack" / "sample.log"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, method: str, url: str, *, token: str = "", expect: int = 200, **kwargs: Any
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.request(method, url, headers=headers, **kwargs) as reply:
        body = await reply.read()
        # expect 0: any 4xx; -1: any answer but a 5xx
        assert (
            reply.status == expect
            or (expect <= 0 and 400 <= reply.status < 500)
            or (expect == -1 and reply.status < 500)
        ), (
            reply.status,
            body[:500],
        )
        return await reply.json() if reply.content_type == "application/json" else {"text": body.decode()}


def service_logs(root: Path) -> list[Path]:
    """Every log file under the stack's folder: services (logs/*.log), NATS, weed, PostgreSQL (data/log)."""
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and (path.suffix == ".log" or path.name == "log" or path.parent.name in ("log", "logs"))
    )


async def test_no_user_secret_reaches_any_log(stack: Stack, http: aiohttp.ClientSession) -> None:
    rest = f"http://127.0.0.1:{stack.ports.http}"
    username = f"leak{uuid.uuid4().hex[:12]}"
    email = f"{username}@secrets-test.example"
    password = f"Pw-{uuid.uuid4().hex}"

    await call(
        http, "POST", f"{rest}/v1/auth:register", json={"username": username, "email": email, "password": password}
    )
    # The same e-mail again (a unique key in the database), and a wrong password: the error paths log too.
    await call(
        http,
        "POST",
        f"{rest}/v1/auth:register",
        json={"username": username + "x", "email": email, "password": password},
        expect=0,
    )
    # Registrations racing for one e-mail: a loser may get past the check and reach the database's unique index,
    # whose error names the key's value (in PostgreSQL's own log too).
    raced = "x" + email
    await asyncio.gather(
        *(
            call(
                http,
                "POST",
                f"{rest}/v1/auth:register",
                json={"username": f"{username}r{i}", "email": raced, "password": password},
                expect=-1,
            )
            for i in range(4)
        )
    )
    await call(http, "POST", f"{rest}/v1/auth:login", json={"username": username, "password": password + "!"}, expect=0)
    login = await call(http, "POST", f"{rest}/v1/auth:login", json={"username": username, "password": password})
    access, refresh = login["accessToken"], login["refreshToken"]
    refreshed = await call(http, "POST", f"{rest}/v1/auth:refresh", json={"refreshToken": refresh})
    access = refreshed["accessToken"]
    me = await call(http, "GET", f"{rest}/v1/me", token=access)
    assert me["user"]["email"] == email

    # Upload over gRPC with the session's token and follow the run to its report.
    with grpc.insecure_channel(stack.ports.addr("gateway")) as channel:
        client = GatewayClient(channel, access)
        log_file = client.upload(SAMPLE, service="secrets-test")
        run = client.wait_for_run(log_file.name, timeout=120)
        assert run.state == analysis_pb2.AnalysisRun.STATE_SUCCEEDED, run.failure_reason
    await call(http, "GET", f"{rest}/v1/{run.name}/report", token=access)
    page = await call(http, "GET", f"{rest}/v1/{run.name}/report:html", token=access)
    assert "<html" in page["text"].lower()

    created = await call(http, "POST", f"{rest}/v1/apiKeys", token=access, json={"displayName": "secrets test"})
    api_key = created["secret"]
    # The key at work: an upload over REST and a listing; then a wrong key.
    async with http.put(
        f"{rest}/v1/logFiles:upload",
        params={"filename": "with-key.log", "analyze": "false"},
        data=SAMPLE.read_bytes(),
        headers={"Authorization": f"Bearer {api_key}"},
    ) as reply:
        assert reply.status == 200, await reply.text()
    listed = await call(http, "GET", f"{rest}/v1/logFiles", token=api_key)
    assert len(listed["logFiles"]) == 2
    await call(http, "GET", f"{rest}/v1/logFiles", token=api_key[:-4] + "AAAA", expect=401)

    with psycopg.connect(stack.postgres.url) as db:
        row = db.execute("SELECT id, password_hash FROM gateway.users WHERE username = %s", (username,)).fetchone()
        assert row is not None
        user_id, password_hash = row
        key_hashes = [
            r[0] for r in db.execute("SELECT secret_hash FROM gateway.api_keys WHERE user_id = %s", (user_id,))
        ]
    assert key_hashes

    await asyncio.sleep(1.0)  # the services write their last lines
    secrets = {
        "password": password,
        "e-mail": email,
        "raced e-mail": raced,
        "e-mail (URL-encoded)": urllib.parse.quote(email),
        "API key": api_key,
        "API key's secret part": api_key.split("_", 1)[1],
        "password hash": password_hash,
        "password hash's digest": password_hash.rsplit("$", 1)[-1],
        "refresh token": refresh,
        "access token": access,
        **{f"API key hash {i}": h for i, h in enumerate(key_hashes)},
    }
    logs = service_logs(stack.root)
    names = {path.name for path in logs}
    assert {"gateway.log", "ingest.log", "analysis.log", "nats.log", "weed.log", "log"} <= names, names
    gateway_log = (stack.root / "logs" / "gateway.log").read_text(errors="replace")
    assert "/v1/auth:login" in gateway_log and "/v1/apiKeys" in gateway_log, "the bridge's lines of this session"

    found = []
    started = time.perf_counter()
    total = 0
    for path in logs:
        data = path.read_bytes()
        total += len(data)
        for what, secret in secrets.items():
            if secret.encode() in data:
                at = data.index(secret.encode())
                found.append(f"{what} in {path.relative_to(stack.root)}: ...{data[max(0, at - 200) : at + 80]!r}")
    print(f"searched {len(logs)} log files, {total / 1e6:.1f} MB, in {time.perf_counter() - started:.2f} s")
    assert not found, "\n".join(found)
