"""Part 2: uploads cut at random points (TCP resets through the fault proxy) and an ingest killed mid-upload.

After one sweep nothing is left over: no orphan object, no open multipart upload, no row without its object;
a retry with the same request_id stores exactly one log file, whose bytes are the whole file.
"""

from __future__ import annotations

import hashlib
import random
import signal
import threading
import time
from collections.abc import Iterator

import grpc
import pytest

from loglens.v1 import log_file_pb2, log_file_pb2_grpc
from loglens_devstack.faultproxy import FaultProxy
from loglens_devstack.servers import free_port
from loglens_devstack.stack import Stack
from tests.chaos.kit import (
    MIB,
    figure,
    random_text,
    rows,
    s3_client,
    scale,
    store_state,
    sweep_once,
    upload,
    wait_until,
)

CUTS = scale(12, 100)
KILLED = scale(3, 6)
Request = log_file_pb2.UploadLogFileRequest


def _stream(
    meta: log_file_pb2.UploadLogFileMetadata, data: bytes, held: threading.Event, release: threading.Event
) -> Iterator[Request]:
    """Sends 6 MiB (a part is in flight), then waits: the ingest dies under it."""
    yield Request(metadata=meta)
    for start in range(0, len(data), MIB):
        if start == 6 * MIB:
            held.set()
            release.wait(60)
            return
        yield Request(chunk=data[start : start + MIB])


@pytest.mark.timeout(scale(240, 900))
def test_cut_uploads_and_a_killed_ingest_leave_nothing_after_one_sweep(
    chaos_stack: Stack, ingest_channel: grpc.Channel, owner: str
) -> None:
    rng = random.Random(77)
    token = chaos_stack.token(owner)
    s3 = s3_client(chaos_stack)
    payloads = {
        f"cut-{i}": random_text(rng.choice([rng.randrange(1, MIB), rng.randrange(MIB, 13 * MIB)]), i)
        for i in range(CUTS)
    }
    outcomes: dict[str, str] = {}
    host, port = chaos_stack.ports.addr("ingest").split(":")
    started = time.monotonic()
    with FaultProxy((host, int(port))) as proxy:
        for request_id, data in payloads.items():
            proxy.set("reset", reset_after_bytes=rng.randrange(0, len(data) + 2048))
            with grpc.insecure_channel(proxy.addr) as channel:  # a new connection, with its own cut point
                try:
                    upload(channel, token, data, request_id=request_id, filename=f"{request_id}.log", analyze=False)
                    outcomes[request_id] = "OK"
                except grpc.RpcError as exc:
                    outcomes[request_id] = exc.code().name  # type: ignore[attr-defined]
        resets = proxy.resets

    # Ingest killed with uploads in flight: multipart uploads stay open, as after a crash.
    victim_addr = f"127.0.0.1:{free_port()}"
    chaos_stack.start_service("ingest", name="ingest-victim", LOGLENS_LISTEN_ADDR=victim_addr, LOGLENS_METRICS_PORT="0")
    chaos_stack.wait_serving("ingest-victim", addr=victim_addr)
    killed = {f"killed-{i}": random_text(9 * MIB, 1000 + i) for i in range(KILLED)}
    with grpc.insecure_channel(victim_addr) as channel:
        stub = log_file_pb2_grpc.LogFileServiceStub(channel)
        calls, held, release = [], [], threading.Event()
        for request_id, data in killed.items():
            event = threading.Event()
            meta = log_file_pb2.UploadLogFileMetadata(
                filename=f"{request_id}.log", request_id=request_id, analyze=False
            )
            calls.append(
                stub.UploadLogFile.future(
                    _stream(meta, data, event, release), metadata=(("authorization", f"Bearer {token}"),), timeout=60
                )
            )
            held.append(event)
        for event in held:
            assert event.wait(30)
        wait_until(lambda: len(store_state(chaos_stack, s3)[2]) >= 1, 30, "a multipart upload to be open")
        victim = chaos_stack.processes.pop("ingest-victim")
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        for call in calls:
            with pytest.raises(grpc.RpcError):
                call.result()
        release.set()
    left_by_kill = store_state(chaos_stack, s3)
    assert left_by_kill[2], "the kill left multipart uploads open (else the sweep proves nothing)"

    # One sweep: a dedicated ingest sweeps once at start (and not again within the test).
    time.sleep(1.5)  # older than the stale age below
    swept = sweep_once(chaos_stack, s3)
    assert swept == (set(), set(), [])
    # Stray rows: only uploads the client saw acknowledged, or that completed just before their cut.
    stored = {request_id: sha for _, _, request_id, sha in rows(chaos_stack, owner)}
    assert not any(request_id in stored for request_id in killed), "a killed upload left a row"
    for request_id, sha in stored.items():
        assert sha == hashlib.sha256(payloads[request_id]).hexdigest(), f"{request_id}: stored bytes are partial"

    # Retries with the same request_id: exactly one log file each, with all the bytes.
    retried = {**payloads, **killed}
    names = {}
    for request_id, data in retried.items():
        names[request_id] = upload(
            ingest_channel, token, data, request_id=request_id, filename=f"{request_id}.log", analyze=False
        ).name
        again = upload(ingest_channel, token, data, request_id=request_id, filename=f"{request_id}.log", analyze=False)
        assert again.name == names[request_id]
    final = rows(chaos_stack, owner)
    assert sorted(r[2] or "" for r in final) == sorted(retried), "exactly one log file per request_id"
    for _, _, request_id, sha in final:
        assert sha == hashlib.sha256(retried[request_id or ""]).hexdigest()
    assert store_state(chaos_stack, s3) == (set(), set(), [])
    codes: dict[str, int] = {}
    for outcome in outcomes.values():
        codes[outcome] = codes.get(outcome, 0) + 1
    figure(
        f"[2 upload faults] cut uploads={CUTS} resets={resets} outcomes={codes} "
        f"completed-before-cut={sum(r in stored for r in payloads)}; ingest SIGKILLed with {KILLED} uploads in flight "
        f"left open multipart={len(left_by_kill[2])} orphans={len(left_by_kill[0])}; after one sweep: orphans=0 "
        f"open multipart=0 rows-without-object=0; retries: {len(retried)} request_ids -> {len(final)} log files "
        f"in {time.monotonic() - started:.0f}s"
    )
