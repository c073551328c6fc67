"""Part 9: internal trust. Forged NATS events and cross-schema queries are refused (issue 15, item 5).

On the chaos stack's real NATS and PostgreSQL, set up as in `make run` (a NATS user per service, a database
role per service):
- events forged with credentials NATS lets publish them (ingest's) reach analysis and are refused by its own
  check (no or a wrong signature, a signed event of the wrong bucket or object, a signed event replayed on
  another subject): each refusal is logged with its stream sequence, and nothing is created or deleted;
- the same events from any other NATS user, or without credentials, are refused by NATS itself;
- each service's database role reads its own schema and gets "permission denied" on the others'.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import grpc
import nats
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.timestamp_pb2 import Timestamp
from nats.errors import Error as NatsError

from loglens.events.v1 import events_pb2
from loglens_analysis.adapters.queue import EVENTS_CONSUMER
from loglens_common.events import (
    SIGNATURE_HEADER,
    STREAM,
    SUBJECT_DELETED,
    SUBJECT_RUN_QUEUED,
    SUBJECT_STORED,
    EventSigner,
    inbox_prefix,
    object_key,
)
from loglens_devstack.client import GatewayClient
from loglens_devstack.stack import DB_ROLES, EVENT_KID, SCHEMAS, Stack
from tests.chaos.kit import BUCKET, db, figure, wait_until

REFUSED = "log-file event refused"


def _stored(log_file_id: str, owner: str, bucket: str = BUCKET, key: str | None = None) -> bytes:
    created = Timestamp()
    created.GetCurrentTime()
    return events_pb2.LogFileStored(
        log_file=f"logFiles/{log_file_id}",
        owner=owner,
        bucket=bucket,
        object_key=object_key(log_file_id) if key is None else key,
        size_bytes=100,
        analyze=True,
        create_time=created,
        analysis_run_id=uuid.uuid4().hex,
    ).SerializeToString()


def _deleted(log_file_id: str, owner: str) -> bytes:
    return events_pb2.LogFileDeleted(log_file=f"logFiles/{log_file_id}", owner=owner).SerializeToString()


async def _connect(stack: Stack, user: str | None, password: str | None = None, **options: Any) -> nats.NATS:
    return await nats.connect(
        stack.nats.server_url,
        user=user,
        password=password if password is not None else (stack.nats_passwords[user] if user else None),
        inbox_prefix=inbox_prefix(user) if user in ("ingest", "analysis") else "_INBOX",
        connect_timeout=3,
        allow_reconnect=False,
        max_reconnect_attempts=0,
        **options,
    )


def publish_as_ingest(stack: Stack, events: list[tuple[str, bytes, dict[str, str]]]) -> list[int]:
    """Publish into the stream with ingest's NATS credentials (allowed); the stream sequence of each."""

    async def go() -> list[int]:
        nc = await _connect(stack, "ingest")
        try:
            js = nc.jetstream()
            return [
                (await js.publish(subject, payload, stream=STREAM, timeout=5, headers=headers or None)).seq
                for subject, payload, headers in events
            ]
        finally:
            await nc.close()

    return asyncio.run(go())


def refusals(stack: Stack) -> dict[int, str]:
    """Stream sequence -> reason of every refusal logged by any analysis process of the stack."""
    found: dict[int, str] = {}
    for path in Path(stack.root / "logs").glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if REFUSED in line and line.startswith("{"):
                entry = json.loads(line)
                if entry.get("message") == REFUSED and entry.get("stream_seq") is not None:
                    found[int(entry["stream_seq"])] = str(entry.get("reason"))
    return found


def events_consumer_idle(stack: Stack) -> bool:
    async def ask() -> bool:
        nc = await nats.connect(stack.nats.url)
        try:
            info = await nc.jetstream().consumer_info(STREAM, EVENTS_CONSUMER)
            return (info.num_pending or 0) == 0 and (info.num_ack_pending or 0) == 0
        finally:
            await nc.close()

    return asyncio.run(ask())


@pytest.mark.timeout(180)
def test_forged_events_from_a_publisher_nats_allows_are_refused_and_change_nothing(
    chaos_stack: Stack, ingest_channel: grpc.Channel, analysis_channel: grpc.Channel, owner: str, tmp_path: Path
) -> None:
    # The victim's real upload: ingest records it and signs its stored event; analysis takes it.
    victim = owner
    log = tmp_path / "victim.log"
    log.write_text("2026-11-30T10:00:00Z ERROR payment 42 declined\n" * 50)
    client = GatewayClient(ingest_channel, chaos_stack.token(victim), analysis_channel=analysis_channel)
    victim_file = client.upload(log)
    victim_id = victim_file.name.split("/")[1]
    wait_until(lambda: client.runs(victim_file.name), 30, "analysis to learn the victim's file")
    with db(chaos_stack) as conn:
        victim_runs_before = conn.execute(
            "SELECT id, state FROM analysis.runs WHERE log_file_id = %s ORDER BY id", (victim_id,)
        ).fetchall()

    attacker = uuid.uuid4().hex
    forged_id, never_recorded = uuid.uuid4().hex, uuid.uuid4().hex
    real = chaos_stack.event_signer()  # ingest's own key: what a leaked NATS password does not give
    impostor = EventSigner(EVENT_KID, Ed25519PrivateKey.generate())  # the right kid, another key
    steal = _stored(forged_id, attacker, key=object_key(victim_id))  # the victim's object in the attacker's report
    unrecorded = _stored(never_recorded, attacker)
    gone = _deleted(victim_id, victim)  # the victim's file and runs forgotten
    wrong_bucket = _stored(forged_id, attacker, bucket="elsewhere")

    def signed(signer: EventSigner, subject: str, payload: bytes) -> dict[str, str]:
        return {SIGNATURE_HEADER: signer.header(subject, payload)}

    cases: list[tuple[str, tuple[str, bytes, dict[str, str]]]] = [
        ("stored, unsigned, the victim's object", (SUBJECT_STORED, steal, {})),
        ("stored, unsigned, a file ingest never recorded", (SUBJECT_STORED, unrecorded, {})),
        ("stored, signed by another key", (SUBJECT_STORED, steal, signed(impostor, SUBJECT_STORED, steal))),
        ("stored, signature of other bytes", (SUBJECT_STORED, steal, signed(real, SUBJECT_STORED, unrecorded))),
        ("stored, signed, wrong bucket", (SUBJECT_STORED, wrong_bucket, signed(real, SUBJECT_STORED, wrong_bucket))),
        ("stored, signed, another file's object", (SUBJECT_STORED, steal, signed(real, SUBJECT_STORED, steal))),
        ("deleted, unsigned", (SUBJECT_DELETED, gone, {})),
        ("deleted, signed by another key", (SUBJECT_DELETED, gone, signed(impostor, SUBJECT_DELETED, gone))),
        # A genuine signature of ingest's for a stored event, replayed as a deleted event: the subject is signed.
        ("deleted, a stored event's signature", (SUBJECT_DELETED, gone, signed(real, SUBJECT_STORED, gone))),
    ]  # fmt: skip
    started = time.monotonic()
    seqs = publish_as_ingest(chaos_stack, [event for _, event in cases])
    logged = wait_until(
        lambda: (found := refusals(chaos_stack)) and all(s in found for s in seqs) and found,
        60,
        "analysis to log a refusal of every forged event",
        every=0.2,
    )
    elapsed = time.monotonic() - started
    reasons = {name: logged[seq] for (name, _), seq in zip(cases, seqs, strict=True)}
    assert "no signature" in reasons["stored, unsigned, the victim's object"]
    assert "bad signature" in reasons["stored, signed by another key"]
    assert "bucket" in reasons["stored, signed, wrong bucket"]
    assert "object key" in reasons["stored, signed, another file's object"]
    assert "bad signature" in reasons["deleted, a stored event's signature"]
    wait_until(lambda: events_consumer_idle(chaos_stack), 30, "the events consumer to settle")

    with db(chaos_stack) as conn:
        created = conn.execute(
            "SELECT count(*) FROM analysis.log_files WHERE owner = %s OR id = ANY(%s)",
            (attacker, [forged_id, never_recorded]),
        ).fetchone()
        attacker_runs = conn.execute("SELECT count(*) FROM analysis.runs WHERE owner = %s", (attacker,)).fetchone()
        victim_kept = conn.execute("SELECT count(*) FROM analysis.log_files WHERE id = %s", (victim_id,)).fetchone()
        tombstoned = conn.execute(
            "SELECT count(*) FROM analysis.deleted_log_files WHERE id = %s", (victim_id,)
        ).fetchone()
        victim_runs_after = conn.execute(
            "SELECT id, state FROM analysis.runs WHERE log_file_id = %s ORDER BY id", (victim_id,)
        ).fetchall()
    assert created == (0,) and attacker_runs == (0,), "a forged stored event created something"
    assert victim_kept == (1,) and tombstoned == (0,), "a forged deleted event deleted the victim's file"
    assert [r[0] for r in victim_runs_after] == [r[0] for r in victim_runs_before]
    assert all(state != "CANCELLED" for _, state in victim_runs_after), victim_runs_after
    assert victim_file.name in {f.name for f in client.list_log_files()}  # ingest still has it too
    figure(
        f"internal trust: {len(cases)} forged events published with ingest's NATS user, {len(cases)} refused and "
        f"logged by analysis ({elapsed:.1f} s); nothing created or deleted"
    )
    for name, reason in reasons.items():
        figure(f"  {name}: {reason}")


def nats_refusals(stack: Stack, user: str | None, password: str | None = None) -> tuple[str, list[str]]:
    """Try every forbidden thing as ``user``: how the connection went, and the server's errors."""
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    async def go() -> str:
        try:
            nc = await _connect(stack, user, password, error_cb=on_error)
        except (NatsError, OSError, TimeoutError) as exc:
            return f"not connected: {exc!r}"
        try:
            payload = _stored(uuid.uuid4().hex, uuid.uuid4().hex)
            for subject in (SUBJECT_STORED, SUBJECT_DELETED, SUBJECT_RUN_QUEUED, f"$JS.API.STREAM.PURGE.{STREAM}"):
                if user == "ingest" and subject in (SUBJECT_STORED, SUBJECT_DELETED):
                    continue  # ingest's own subjects
                if user == "analysis" and subject == SUBJECT_RUN_QUEUED:
                    continue
                await nc.publish(subject, payload)
            await nc.subscribe("loglens.logfile.>")  # reading events past the consumer
            if user != "analysis":  # pulling analysis's events (analysis itself may: its own consumer)
                await nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{STREAM}.{EVENTS_CONSUMER}", b"1", reply="x")
            await nc.flush(timeout=3)
            await asyncio.sleep(0.5)  # the server's -ERR lines come asynchronously
            return "connected"
        finally:
            await nc.close()

    return asyncio.run(go()), errors


def stream_last_seq(stack: Stack) -> int:
    async def ask() -> int:
        nc = await nats.connect(stack.nats.url)
        try:
            return int((await nc.jetstream().stream_info(STREAM)).state.last_seq)
        finally:
            await nc.close()

    return asyncio.run(ask())


@pytest.mark.timeout(120)
def test_nats_refuses_forged_events_from_every_other_user_and_without_credentials(chaos_stack: Stack) -> None:
    before = stream_last_seq(chaos_stack)
    outcome, errors = nats_refusals(chaos_stack, None)
    assert outcome.startswith("not connected") and "Authorization Violation" in outcome, outcome
    outcome, errors = nats_refusals(chaos_stack, "ingest", password="guessed")
    assert outcome.startswith("not connected") and "Authorization Violation" in outcome, outcome

    for user in ("analysis", "ingest"):
        outcome, errors = nats_refusals(chaos_stack, user)
        assert outcome == "connected", outcome
        text = "\n".join(errors).lower()
        expected_publish = [SUBJECT_RUN_QUEUED] if user == "ingest" else [SUBJECT_STORED, SUBJECT_DELETED]
        expected_publish += [f"$JS.API.STREAM.PURGE.{STREAM}"]
        if user == "ingest":
            expected_publish.append(f"$JS.API.CONSUMER.MSG.NEXT.{STREAM}.{EVENTS_CONSUMER}")
        for subject in expected_publish:
            assert f'permissions violation for publish to "{subject.lower()}"' in text, (user, subject, errors)
        assert 'permissions violation for subscription to "loglens.logfile.>"' in text, (user, errors)
    assert stream_last_seq(chaos_stack) == before, "a refused publish reached the stream"
    figure(
        "internal trust: NATS refused anonymous and wrong-password connections, and every subject a user does not own"
    )


def _query(url: str, statement: str) -> str:
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute(statement).fetchall()
        return "ok"
    except psycopg.errors.InsufficientPrivilege as exc:
        return f"denied: {str(exc).splitlines()[0]}"


OWN_TABLE = {"ingest": "ingest.log_files", "analysis": "analysis.runs", "gateway": "gateway.users"}


@pytest.mark.timeout(60)
def test_each_service_database_role_reaches_its_own_schema_only(chaos_stack: Stack) -> None:
    for service, table in OWN_TABLE.items():
        assert SCHEMAS[service] == table.split(".")[0]
    results: dict[tuple[str, str], str] = {}
    for service in OWN_TABLE:
        url = chaos_stack.database_url(service)
        for table in OWN_TABLE.values():
            results[(service, table)] = _query(url, f"SELECT count(*) FROM {table}")
        results[(service, "CREATE SCHEMA")] = _query(url, "CREATE SCHEMA intruder")
        results[(service, "public")] = _query(url, "CREATE TABLE public.intruder (id int)")
    for (service, target), outcome in results.items():
        if target == OWN_TABLE[service]:
            assert outcome == "ok", (service, target, outcome)
        else:
            assert outcome.startswith("denied: permission denied"), (service, target, outcome)
    # A role is no one else's: the gateway's password does not open ingest's role, nor the admin's.
    for role in (DB_ROLES["ingest"], "postgres"):
        url = chaos_stack.postgres.url_for(role, chaos_stack.db_passwords["gateway"])
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(url, connect_timeout=5).close()
    denied = sum(outcome.startswith("denied") for outcome in results.values())
    figure(f"internal trust: {denied} cross-schema or schema-creating statements by service roles, all denied")
