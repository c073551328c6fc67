"""The REST/JSON bridge end to end: real HTTP against the gateway of the session stack.

Every REST route of LogFileService and AnalysisService is called with JSON; errors are checked as
google.rpc.Status bodies with their HTTP codes; uploads go in both ways curl sends them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from loglens_devstack.stack import Stack
from loglens_presentation import CONTENT_SECURITY_POLICY

ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"


@pytest.fixture(scope="session")
def rest_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.ports.http}"


@pytest.fixture
def headers(stack: Stack, subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(subject)}"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        yield session


def make_log(path: Path, size: int) -> Path:
    """A log of about ``size`` bytes with INFO and ERROR lines, so analysis has something to find."""
    line_no = 0
    with path.open("w") as f:
        written = 0
        while written < size:
            line_no += 1
            level = "ERROR" if line_no % 17 == 0 else "INFO"
            line = f"2026-11-25 10:{line_no // 60 % 60:02d}:{line_no % 60:02d},123 {level} worker-{line_no % 7} "
            line += f"request {line_no} handled in {line_no % 97} ms for user u{line_no % 13}\n"
            f.write(line)
            written += len(line)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def upload(
    http: aiohttp.ClientSession, rest_url: str, headers: dict[str, str], path: Path, **params: str
) -> dict[str, Any]:
    query = {"filename": path.name, "analyze": "false", **params}
    with path.open("rb") as body:
        async with http.put(f"{rest_url}/v1/logFiles:upload", params=query, data=body, headers=headers) as reply:
            payload = await reply.json()
            assert reply.status == 200, payload
            return payload["logFile"]  # type: ignore[no-any-return]


async def call(http: aiohttp.ClientSession, method: str, url: str, expect: int = 200, **kwargs: Any) -> dict[str, Any]:
    async with http.request(method, url, **kwargs) as reply:
        assert reply.headers["Content-Type"].startswith("application/json")
        payload = await reply.json()
        assert reply.status == expect, payload
        return payload  # type: ignore[no-any-return]


async def gateway_log_line(stack: Stack, *needles: str, timeout_s: float = 10) -> dict[str, Any]:
    """The first JSON line of the gateway's log holding every needle, waiting for it up to ``timeout_s``."""
    log = stack.root / "logs" / "gateway.log"
    for _ in range(int(timeout_s / 0.1)):
        for line in log.read_text(errors="replace").splitlines():
            if all(needle in line for needle in needles):
                return json.loads(line)  # type: ignore[no-any-return]
        await asyncio.sleep(0.1)
    return {}


def reason(status: dict[str, Any]) -> str:
    return next(d["reason"] for d in status["details"] if d["@type"] == ERROR_INFO)  # type: ignore[no-any-return]


async def test_log_files_upload_get_list_download_delete(
    http: aiohttp.ClientSession, rest_url: str, headers: dict[str, str], tmp_path: Path
) -> None:
    big = make_log(tmp_path / "big.log", 3 * 1024 * 1024 + 1234)  # several 1 MiB chunks and a remainder
    stored = await upload(http, rest_url, headers, big, service="checkout", labels="env=prod")
    assert stored["name"].startswith("logFiles/")
    assert stored["sizeBytes"] == str(big.stat().st_size)  # int64 as a string, per proto3 JSON
    assert stored["sha256"] == sha256(big)
    assert stored["labels"] == {"env": "prod"}
    assert stored["compression"] == "COMPRESSION_NONE"  # enums by name

    got = await call(http, "GET", f"{rest_url}/v1/{stored['name']}", headers=headers)
    assert got["logFile"] == stored

    # Streamed back byte for byte.
    async with http.get(f"{rest_url}/v1/{stored['name']}:download", headers=headers) as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "application/octet-stream"
        digest = hashlib.sha256()
        async for piece in reply.content.iter_chunked(256 * 1024):
            digest.update(piece)
    assert digest.hexdigest() == stored["sha256"]

    await call(http, "DELETE", f"{rest_url}/v1/{stored['name']}", headers=headers)
    missing = await call(http, "GET", f"{rest_url}/v1/{stored['name']}", expect=404, headers=headers)
    assert missing["code"] == 5
    assert reason(missing) == "RESOURCE_NOT_FOUND"


async def test_list_pages_with_page_token_and_filters(
    http: aiohttp.ClientSession, rest_url: str, headers: dict[str, str], tmp_path: Path
) -> None:
    names = []
    for i in range(3):
        path = make_log(tmp_path / f"f{i}.log", 2000)
        names.append((await upload(http, rest_url, headers, path, service="pager", labels=f"n={i}"))["name"])
    await upload(http, rest_url, headers, make_log(tmp_path / "other.log", 100), service="other")

    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        query = {"page_size": "2", "service": "pager", **({"page_token": token} if token else {})}
        page = await call(http, "GET", f"{rest_url}/v1/logFiles", headers=headers, params=query)
        pages += 1
        seen += [f["name"] for f in page["logFiles"]]
        token = page.get("nextPageToken", "")
        if not token:
            break
    assert pages == 2
    assert seen == list(reversed(names))  # newest first

    # Repeated query parameters, in the proto or the JSON spelling.
    labelled = await call(
        http, "GET", f"{rest_url}/v1/logFiles", headers=headers, params=[("labels", "n=1"), ("pageSize", "10")]
    )
    assert [f["name"] for f in labelled["logFiles"]] == [names[1]]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_curl_upload_both_ways(
    rest_url: str, headers: dict[str, str], tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    path = make_log(tmp_path / "curl.log", 1536 * 1024)
    auth = f"Authorization: {headers['Authorization']}"
    results = []
    for how in (["-T", str(path)], ["--data-binary", f"@{path}"]):
        url = f"{rest_url}/v1/logFiles:upload?filename=curl.log&service=curl&labels=k=v&analyze=false"
        done = await asyncio.to_thread(
            subprocess.run,
            ["curl", "-sS", "--fail-with-body", "-H", auth, *how, url],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr + done.stdout
        results.append(json.loads(done.stdout)["logFile"])
    for stored in results:
        assert stored["sha256"] == sha256(path)
        assert stored["labels"] == {"k": "v"}
        # --data-binary's default form content type says nothing about the file and is not recorded.
        assert stored.get("contentType", "") == ""


async def test_upload_is_idempotent_with_request_id_and_refuses_bad_metadata(
    http: aiohttp.ClientSession, rest_url: str, headers: dict[str, str], tmp_path: Path
) -> None:
    path = make_log(tmp_path / "same.log", 5000)
    key = uuid.uuid4().hex
    first = await upload(http, rest_url, headers, path, request_id=key)
    again = await upload(http, rest_url, headers, path, request_id=key)
    assert again["name"] == first["name"]

    # POST with a chunked body (no Content-Length) works too.
    async def chunks() -> AsyncIterator[bytes]:
        yield b"line one\n"
        yield b"line two\n"

    async with http.post(
        f"{rest_url}/v1/logFiles:upload", params={"filename": "gen.log"}, data=chunks(), headers=headers
    ) as reply:
        assert reply.status == 200
        assert (await reply.json())["logFile"]["sizeBytes"] == "18"

    bad_size = await call(
        http,
        "PUT",
        f"{rest_url}/v1/logFiles:upload",
        expect=400,
        params={"filename": "x.log", "declared_size_bytes": "not-a-number"},
        data=b"abc",
        headers=headers,
    )
    assert bad_size["code"] == 3
    violations = next(d for d in bad_size["details"] if d["@type"].endswith("BadRequest"))["fieldViolations"]
    assert violations[0]["field"] == "declared_size_bytes"
    no_name = await call(http, "PUT", f"{rest_url}/v1/logFiles:upload", expect=400, data=b"abc", headers=headers)
    assert no_name["code"] == 3


async def test_upload_carries_the_time_hints_and_refuses_an_unknown_zone_on_its_field(
    http: aiohttp.ClientSession, rest_url: str, headers: dict[str, str], tmp_path: Path
) -> None:
    path = make_log(tmp_path / "messages", 2000)
    log_file = await upload(http, rest_url, headers, path, time_zone="Europe/Berlin", year="2005")
    assert (log_file["timeZone"], log_file["year"]) == ("Europe/Berlin", 2005)
    got = (await call(http, "GET", f"{rest_url}/v1/{log_file['name']}", headers=headers))["logFile"]
    assert (got["timeZone"], got["year"]) == ("Europe/Berlin", 2005)

    bad = await call(
        http,
        "PUT",
        f"{rest_url}/v1/logFiles:upload",
        expect=400,
        params={"filename": "x.log", "time_zone": "Europe/Berln"},
        data=b"abc\n",
        headers=headers,
    )
    violations = next(d for d in bad["details"] if d["@type"].endswith("BadRequest"))["fieldViolations"]
    assert [v["field"] for v in violations] == ["metadata.time_zone"]
    assert 'use an IANA name such as "Europe/Berlin"' in violations[0]["description"]


async def wait_state(
    http: aiohttp.ClientSession, rest_url: str, headers: dict[str, str], run: str, states: set[str]
) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        got = (await call(http, "GET", f"{rest_url}/v1/{run}", headers=headers))["analysisRun"]
        if got["state"] in states or time.monotonic() > deadline:
            return got  # type: ignore[no-any-return]
        await asyncio.sleep(0.1)


async def test_analysis_runs_create_get_list_cancel_report(
    http: aiohttp.ClientSession, rest_url: str, headers: dict[str, str], tmp_path: Path, stack: Stack
) -> None:
    stored = await upload(http, rest_url, headers, make_log(tmp_path / "runs.log", 200_000))
    runs_url = f"{rest_url}/v1/{stored['name']}/analysisRuns"
    assert await call(http, "GET", runs_url, headers=headers) == {}  # analyze=false: no run yet

    created = await call(http, "POST", runs_url, headers=headers, json={})
    run = created["analysisRun"]
    assert run["name"].startswith(stored["name"] + "/analysisRuns/")
    finished = await wait_state(http, rest_url, headers, run["name"], {"STATE_SUCCEEDED", "STATE_FAILED"})
    assert finished["state"] == "STATE_SUCCEEDED", finished
    assert finished["bytesDone"] == stored["sizeBytes"]

    report = (await call(http, "GET", f"{rest_url}/v1/{run['name']}/report", headers=headers))["report"]
    assert report["byteCount"] == stored["sizeBytes"]
    assert int(report["lineCount"]) > 1000

    # The same report as the HTML page, for people; another tenant gets the JSON NOT_FOUND.
    # It goes through the bridge's dispatch like any route: the caller's request id comes back.
    async with http.get(
        f"{rest_url}/v1/{run['name']}/report:html", headers={**headers, "X-Request-Id": "page-req-1"}
    ) as reply:
        assert reply.status == 200 and reply.content_type == "text/html"
        assert reply.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "script-src" not in reply.headers["Content-Security-Policy"]
        assert reply.headers["X-Request-Id"] == "page-req-1"
        page = await reply.text()
    assert './comparison:html">Compare with recent runs</a>' in page
    assert "<svg" in page and "<table" in page
    # Titled with the file's name everywhere, as `loglens report` titles it; not with the run's resource name.
    assert "<title>runs.log · LogLens</title>" in page and "<h1>runs.log</h1>" in page
    assert run["name"] not in page
    stranger = {"Authorization": f"Bearer {stack.token(uuid.uuid4().hex)}"}
    async with http.get(f"{rest_url}/v1/{run['name']}/report:html", headers=stranger) as reply:
        assert reply.status == 404 and (await reply.json())["code"] == 5
    async with http.get(f"{rest_url}/v1/{run['name']}/report:html") as reply:
        assert reply.status == 401

    # A second run with an empty body (no JSON at all), then cancelled at once: queued or running either way.
    async with http.post(runs_url, headers=headers) as reply:
        assert reply.status == 200
        second = (await reply.json())["analysisRun"]
    async with http.post(f"{rest_url}/v1/{second['name']}:cancel", headers=headers, json={}) as reply:
        payload = await reply.json()
        if reply.status == 200:
            assert payload["analysisRun"]["state"] == "STATE_CANCELLED"
        else:  # it finished first: a finished run cannot be cancelled
            assert (reply.status, payload["code"], reason(payload)) == (400, 9, "RUN_FINISHED")

    listed = await call(http, "GET", runs_url, headers=headers, params={"page_size": "1"})
    assert len(listed["analysisRuns"]) == 1 and listed["nextPageToken"]
    rest = await call(http, "GET", runs_url, headers=headers, params={"page_token": listed["nextPageToken"]})
    assert {r["name"] for r in listed["analysisRuns"] + rest["analysisRuns"]} == {run["name"], second["name"]}

    # The finished run cannot be cancelled: FAILED_PRECONDITION is HTTP 400.
    refused = await call(http, "POST", f"{rest_url}/v1/{run['name']}:cancel", expect=400, headers=headers, json={})
    assert refused["code"] == 9


async def test_errors_are_status_json_with_http_codes(
    http: aiohttp.ClientSession, rest_url: str, headers: dict[str, str], stack: Stack, tmp_path: Path
) -> None:
    stored = await upload(http, rest_url, headers, make_log(tmp_path / "mine.log", 1000))
    url = f"{rest_url}/v1/{stored['name']}"

    # No token: 401 with a Bearer challenge.
    async with http.get(url) as reply:
        assert reply.status == 401
        assert reply.headers["WWW-Authenticate"].startswith("Bearer")
        body = await reply.json()
        assert body["code"] == 16 and reason(body) == "NO_CREDENTIAL"
    await call(http, "GET", url, expect=401, headers={"Authorization": "Bearer not-a-token"})

    # Another tenant's log file, and its runs and download, do not exist for them.
    stranger = {"Authorization": f"Bearer {stack.token(uuid.uuid4().hex)}"}
    assert (await call(http, "GET", url, expect=404, headers=stranger))["code"] == 5
    await call(http, "GET", f"{url}/analysisRuns", expect=404, headers=stranger)
    await call(http, "DELETE", url, expect=404, headers=stranger)
    async with http.get(f"{url}:download", headers=stranger) as reply:
        assert reply.status == 404 and (await reply.json())["code"] == 5

    # Malformed names are 400 with the field that is wrong.
    bad = await call(http, "GET", f"{rest_url}/v1/logFiles/not-an-id", expect=400, headers=headers)
    assert bad["code"] == 3 and reason(bad) == "INVALID_NAME"
    await call(http, "GET", f"{rest_url}/v1/logFiles/x/analysisRuns/y/report", expect=400, headers=headers)

    # Bridge-side refusals are Status JSON too.
    unknown = await call(http, "GET", f"{rest_url}/v1/logFiles", expect=400, headers=headers, params={"pageSise": "1"})
    assert reason(unknown) == "INVALID_PARAMETER"
    await call(http, "GET", f"{rest_url}/v1/logFiles", expect=400, headers=headers, params={"page_size": "many"})
    not_json = await call(http, "POST", f"{url}/analysisRuns", expect=400, headers=headers, data=b"{nope")
    assert reason(not_json) == "INVALID_JSON"
    await call(http, "POST", f"{url}/analysisRuns", expect=400, headers=headers, json={"unknownField": 1})
    assert reason(await call(http, "GET", f"{rest_url}/v2/nothing", expect=404, headers=headers)) == "ROUTE_NOT_FOUND"
    async with http.patch(url, headers=headers) as reply:
        assert reply.status == 405
        assert set(reply.headers["Allow"].split(", ")) == {"GET", "DELETE"}

    # A deadline from grpc-timeout: too short to finish is 504 DEADLINE_EXCEEDED.
    late = await call(http, "GET", url, expect=504, headers={**headers, "grpc-timeout": "1n"})
    assert late["code"] == 4
    await call(http, "GET", url, expect=400, headers={**headers, "grpc-timeout": "soon"})


async def test_request_id_is_passed_through_and_echoed(
    http: aiohttp.ClientSession, rest_url: str, headers: dict[str, str], stack: Stack
) -> None:
    request_id = f"rest-{uuid.uuid4().hex}"
    async with http.get(f"{rest_url}/v1/logFiles", headers={**headers, "X-Request-Id": request_id}) as reply:
        assert reply.status == 200
        assert reply.headers["X-Request-Id"] == request_id
    async with http.get(f"{rest_url}/v1/logFiles", headers=headers) as reply:
        assert len(reply.headers["X-Request-Id"]) == 32  # one is made when none is sent
    # The gateway (and so the back end) saw the same id.
    assert await gateway_log_line(stack, request_id)


async def test_client_disconnect_cancels_the_upload(
    rest_url: str, headers: dict[str, str], stack: Stack, http: aiohttp.ClientSession
) -> None:
    """A client that goes away mid-body leaves no log file behind: the bridge cancels the gRPC call."""
    port = int(rest_url.rsplit(":", 1)[1])
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    request_id = f"gone-{uuid.uuid4().hex}"
    head = (
        "PUT /v1/logFiles:upload?filename=gone.log HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nAuthorization: {headers['Authorization']}\r\n"
        f"X-Request-Id: {request_id}\r\nContent-Length: {20 * 1024 * 1024}\r\n\r\n"
    )
    writer.write(head.encode())
    for _ in range(3):
        writer.write(b"x" * (1024 * 1024))
        await writer.drain()
    await asyncio.sleep(0.5)
    writer.close()
    await writer.wait_closed()

    ended = await gateway_log_line(stack, request_id, '"status"')
    assert ended.get("status") == 499 and ended["rpc"].endswith("/UploadLogFile"), ended
    assert await call(http, "GET", f"{rest_url}/v1/logFiles", headers=headers) == {}


async def test_health_and_openapi_document(http: aiohttp.ClientSession, rest_url: str) -> None:
    from openapi_spec_validator import validate

    assert await call(http, "GET", f"{rest_url}/healthz") == {"status": "SERVING"}
    document = await call(http, "GET", f"{rest_url}/openapi.json")
    validate(document)
    paths = document["paths"]
    for path, verb in [
        ("/v1/logFiles", "get"),
        ("/v1/logFiles/{logFile}", "get"),
        ("/v1/logFiles/{logFile}", "delete"),
        ("/v1/logFiles:upload", "put"),
        ("/v1/logFiles:upload", "post"),
        ("/v1/logFiles/{logFile}:download", "get"),
        ("/v1/logFiles/{logFile}/analysisRuns", "post"),
        ("/v1/logFiles/{logFile}/analysisRuns", "get"),
        ("/v1/logFiles/{logFile}/analysisRuns/{analysisRun}", "get"),
        ("/v1/logFiles/{logFile}/analysisRuns/{analysisRun}:cancel", "post"),
        ("/v1/logFiles/{logFile}/analysisRuns/{analysisRun}/report", "get"),
    ]:
        assert verb in paths.get(path, {}), (verb, path)
    log_file = document["components"]["schemas"]["loglens.v1.LogFile"]["properties"]
    assert log_file["sizeBytes"]["type"] == "string"  # int64 as a string
    assert log_file["compression"]["enum"][0] == "COMPRESSION_UNSPECIFIED"
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert paths["/v1/auth:login"]["post"]["security"] == []
