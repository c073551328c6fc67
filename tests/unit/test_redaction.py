"""Secrets never reach a log line or a start-up error: URL passwords, configured keys, API keys, tokens."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loglens_common import redaction
from loglens_common.auth import private_pem
from loglens_common.config import StorageSettings, load_settings, secret_values
from loglens_common.db import async_engine, sqlalchemy_url
from loglens_common.logs import JsonFormatter
from loglens_common.redaction import redact, register_secrets
from loglens_ingest.config import IngestSettings

DB_PASSWORD = "Hunter2-db-pass"
NATS_PASSWORD = "Hunter2-nats-pass"
S3_SECRET = "Hunter2-s3-secret"


@pytest.fixture(autouse=True)
def _no_registered_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redaction, "_secrets", ())


def _env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOGLENS_")}
    key = private_pem(Ed25519PrivateKey.generate())
    # Settings other items of the service may require; each test sets what it is about.
    env.update({"LOGLENS_EVENT_SIGNING_KEY": key, "LOGLENS_EVENT_KID": "t-1", "LOGLENS_LISTEN_ADDR": "127.0.0.1:0"})
    env.update({f"LOGLENS_{k.upper()}": v for k, v in settings.items()})
    return env


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://app:s3cr%40t@db:5432/x?sslmode=require", "postgresql://app:***@db:5432/x?sslmode=require"),
        ("not a URL: 'mysql://u:p@ss@h/db'", "not a URL: 'mysql://u:***@h/db'"),
        ("nats://TOKEN123@n1:4222,nats://a:b@n2:4222", "nats://***@n1:4222,nats://a:***@n2:4222"),
        ("host=db password=hunter2 user=x", "host=db password=*** user=x"),
        ('{"password": "hunter2", "page_token": "abc"}', '{"password": ***, "page_token": "abc"}'),
        ("key llk_abcdefghijklmnopqrstuvwxyz012 here", "key *** here"),
        ("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlc2ln", "***"),
        ("http://host:9000/path@x and user@example.com", "http://host:9000/path@x and user@example.com"),
    ],
)
def test_secrets_are_masked_by_shape(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_configured_secrets_are_masked_wherever_they_appear() -> None:
    settings = StorageSettings(  # type: ignore[call-arg]
        database_url=f"postgresql://app:{DB_PASSWORD}@db/x",
        nats_url=f"nats://svc:{NATS_PASSWORD}@nats:4222",
        s3_secret_key=S3_SECRET,
        s3_access_key="loglens",
    )
    register_secrets(secret_values(settings))
    line = f"psycopg said {DB_PASSWORD}; nats {NATS_PASSWORD}; s3 {S3_SECRET}; service loglens"
    assert redact(line) == "psycopg said ***; nats ***; s3 ***; service loglens"  # the access key is a name


def test_the_log_formatter_masks_message_fields_and_traceback() -> None:
    register_secrets([S3_SECRET])
    try:
        raise RuntimeError(f"cannot connect to postgresql://app:{DB_PASSWORD}@db/x with {S3_SECRET}")
    except RuntimeError:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "failed: %s", (f"nats://u:{NATS_PASSWORD}@n",), None
        )
        record.exc_info = sys.exc_info()
    record.fields = {"url": f"postgresql://app:{DB_PASSWORD}@db/x"}  # type: ignore[attr-defined]
    line = JsonFormatter("test").format(record)
    for secret in (DB_PASSWORD, NATS_PASSWORD, S3_SECRET):
        assert secret not in line
    entry = json.loads(line)
    assert entry["message"] == "failed: nats://u:***@n"
    assert "RuntimeError: cannot connect to postgresql://app:***@db/x with ***" in entry["exception"]


@pytest.mark.parametrize(
    ("setting", "value", "secret"),
    [
        ("database_url", f"mysql://app:{DB_PASSWORD}@db/x", DB_PASSWORD),
        ("database_url", f"postgresql//app:{DB_PASSWORD}@db/x", DB_PASSWORD),
        ("nats_url", f"http://svc:{NATS_PASSWORD}@nats:4222", NATS_PASSWORD),
        ("nats_url", f"nats://n1:4222,svc:{NATS_PASSWORD}@n2:4222", NATS_PASSWORD),
        ("s3_endpoint", f"https://AKIA:{S3_SECRET}@minio:9000", S3_SECRET),
    ],
)
def test_a_malformed_url_is_refused_at_start_up_without_its_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], setting: str, value: str, secret: str
) -> None:
    for key, env_value in _env(**{"database_url": "postgresql://x", setting: value}).items():
        monkeypatch.setenv(key, env_value)
    with pytest.raises(SystemExit) as caught:
        load_settings(IngestSettings)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"LOGLENS_{setting.upper()}" in err
    assert secret not in err


def test_a_url_the_driver_cannot_take_is_named_without_its_password() -> None:
    with pytest.raises(ValueError) as caught:
        sqlalchemy_url(f"mysql://app:{DB_PASSWORD}@db/x")
    assert DB_PASSWORD not in str(caught.value) and "mysql://app:***@db/x" in str(caught.value)


def test_a_service_that_cannot_reach_its_servers_logs_no_secret() -> None:
    """Ingest started against closed ports: it fails at start-up (S3 first) with a logged traceback, and no line
    of its output holds the database or NATS password or the S3 secret key."""
    env = _env(
        database_url=f"postgresql://app:{DB_PASSWORD}@127.0.0.1:1/x",
        nats_url=f"nats://svc:{NATS_PASSWORD}@127.0.0.1:1",
        s3_endpoint="127.0.0.1:1",
        s3_secret_key=S3_SECRET,
    )
    done = subprocess.run(
        [sys.executable, "-m", "loglens_ingest", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert '"uncaught exception"' in output and "Connection refused" in output, output[-2000:]
    for secret in (DB_PASSWORD, NATS_PASSWORD, S3_SECRET):
        assert secret not in output


def test_engines_leave_bound_parameters_out_of_their_errors() -> None:
    engine = async_engine(f"postgresql://app:{DB_PASSWORD}@127.0.0.1:1/x")
    assert engine.sync_engine.hide_parameters
    assert DB_PASSWORD not in repr(engine.url)
