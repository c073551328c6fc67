"""Settings fail fast with a message naming each bad variable."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loglens_common.auth import private_pem
from loglens_common.config import load_settings
from loglens_ingest.config import IngestSettings


@pytest.fixture(autouse=True)
def _event_signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingest's required event key, so that each test sees only the setting it is about."""
    monkeypatch.setenv("LOGLENS_EVENT_SIGNING_KEY", private_pem(Ed25519PrivateKey.generate()))
    monkeypatch.setenv("LOGLENS_EVENT_KID", "test-1")


def test_bad_values_stop_the_service_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOGLENS_DATABASE_URL", "postgresql://x")
    monkeypatch.setenv("LOGLENS_S3_PART_SIZE_MIB", "2")
    monkeypatch.setenv("LOGLENS_LOG_LEVEL", "LOUD")
    with pytest.raises(SystemExit) as caught:
        load_settings(IngestSettings)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "LOGLENS_S3_PART_SIZE_MIB" in err
    assert "LOGLENS_LOG_LEVEL" in err


def test_missing_required_setting_is_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("LOGLENS_DATABASE_URL", raising=False)
    with pytest.raises(SystemExit):
        load_settings(IngestSettings)
    assert "LOGLENS_DATABASE_URL" in capsys.readouterr().err


def test_defaults_are_sane(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGLENS_DATABASE_URL", "postgresql://x")
    settings = load_settings(IngestSettings)
    assert settings.max_upload_bytes == 1024**3
    assert settings.s3_part_size_mib >= 5


def test_a_rule_across_settings_names_them_and_echoes_no_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOGLENS_DATABASE_URL", "postgresql://user:secret@db/x")
    monkeypatch.setenv("LOGLENS_MAX_UPLOAD_BYTES", str(100 * 1024**3))
    with pytest.raises(SystemExit):
        load_settings(IngestSettings)
    err = capsys.readouterr().err
    assert "LOGLENS_S3_PART_SIZE_MIB" in err and "10000 parts" in err
    assert "secret" not in err


def test_the_event_keys_are_checked_at_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ingest will not start without a usable signing key, nor analysis without a key to verify events with
    (it would refuse every event): the prod overlay's placeholders stop both with the variable named."""
    from loglens_analysis.config import AnalysisSettings

    monkeypatch.setenv("LOGLENS_DATABASE_URL", "postgresql://x")
    monkeypatch.setenv("LOGLENS_EVENT_SIGNING_KEY", "REPLACE_ME: the PEM")
    with pytest.raises(SystemExit):
        load_settings(IngestSettings)
    err = capsys.readouterr().err
    assert "LOGLENS_EVENT_SIGNING_KEY" in err and "REPLACE_ME" not in err
    for keys in ("{}", "not json", '{"k": "not a pem"}'):
        monkeypatch.setenv("LOGLENS_EVENT_PUBLIC_KEYS", keys)
        with pytest.raises(SystemExit):
            load_settings(AnalysisSettings)
        assert "LOGLENS_EVENT_PUBLIC_KEYS" in capsys.readouterr().err


def test_the_chunk_settings_default_to_big_files_only_and_bad_ones_are_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file is analysed in chunks above 256 MiB, in chunks of 64 MiB; 0 turns chunking off; a chunk smaller than
    4 KiB (or a negative threshold) stops the service naming the variable."""
    import json

    from loglens_analysis.config import AnalysisSettings
    from loglens_common.auth import public_pem

    monkeypatch.setenv("LOGLENS_DATABASE_URL", "postgresql://x")
    monkeypatch.setenv("LOGLENS_EVENT_PUBLIC_KEYS", json.dumps({"k1": public_pem(Ed25519PrivateKey.generate())}))
    settings = load_settings(AnalysisSettings)
    assert (settings.chunk_threshold_bytes, settings.chunk_bytes) == (256 << 20, 64 << 20)
    monkeypatch.setenv("LOGLENS_CHUNK_THRESHOLD_BYTES", "0")
    assert load_settings(AnalysisSettings).chunk_threshold_bytes == 0
    monkeypatch.setenv("LOGLENS_CHUNK_THRESHOLD_BYTES", "-1")
    monkeypatch.setenv("LOGLENS_CHUNK_BYTES", "1000")
    with pytest.raises(SystemExit):
        load_settings(AnalysisSettings)
    err = capsys.readouterr().err
    assert "LOGLENS_CHUNK_THRESHOLD_BYTES" in err and "LOGLENS_CHUNK_BYTES" in err
