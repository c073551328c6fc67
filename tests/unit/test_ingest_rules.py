"""Upload rules: metadata validation, content sniffing, limits, integrity checks."""

from __future__ import annotations

import gzip
import hashlib

import grpc
import pytest

from loglens_common.errors import InvalidArgument, ResourceExhausted
from loglens_ingest.domain import MAX_CHUNK_BYTES, UploadTally, binary_reason, validate_metadata


def _meta(**overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = dict(
        filename="app.log",
        content_type="",
        labels={},
        service="",
        request_id="",
        declared_size=None,
        declared_sha256="",
        analyze=True,
        max_bytes=1000,
    )
    values.update(overrides)
    return validate_metadata(**values)  # type: ignore[arg-type]


def test_a_declared_size_over_the_limit_is_refused_before_any_byte() -> None:
    with pytest.raises(ResourceExhausted) as caught:
        _meta(declared_size=1001)
    assert caught.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert caught.value.reason == "FILE_TOO_LARGE"
    assert caught.value.metadata == {"limit_bytes": "1000"}


def test_a_declared_empty_file_gets_the_same_answer_as_an_empty_stream() -> None:
    """`loglens upload empty.log` declares size 0, `... | loglens upload -` sends no byte: one message."""
    with pytest.raises(InvalidArgument) as declared:
        _meta(declared_size=0)
    with pytest.raises(InvalidArgument) as streamed:
        UploadTally(1000).finish(None, "")
    assert declared.value.message == streamed.value.message == "the file is empty; there is nothing to analyse"
    assert declared.value.reason == streamed.value.reason == "EMPTY_FILE"
    assert not declared.value.violations


def test_filename_keeps_only_the_base_name() -> None:
    assert _meta(filename="../../etc/passwd").filename == "passwd"
    assert _meta(filename="C:\\logs\\app.log").filename == "app.log"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"filename": ""}, "metadata.filename"),
        ({"filename": "a" * 256}, "metadata.filename"),
        ({"filename": "bad\nname.log"}, "metadata.filename"),
        ({"labels": {"Bad Key": "x"}}, "metadata.labels['Bad Key']"),
        ({"service": "no spaces allowed"}, "metadata.service"),
        ({"request_id": "x" * 200}, "metadata.request_id"),
        ({"declared_size": -1}, "metadata.declared_size_bytes"),
        ({"declared_sha256": "XYZ"}, "metadata.declared_sha256"),
        ({"time_zone": "Europe/Berln"}, "metadata.time_zone"),
        ({"time_zone": "europe/berlin"}, "metadata.time_zone"),
        ({"time_zone": "../../etc/passwd"}, "metadata.time_zone"),
        ({"time_zone": "/etc/localtime"}, "metadata.time_zone"),
        ({"time_zone": "Europe/../UTC"}, "metadata.time_zone"),
        ({"time_zone": "localtime"}, "metadata.time_zone"),
        ({"time_zone": "right/UTC"}, "metadata.time_zone"),
        ({"time_zone": "zone.tab"}, "metadata.time_zone"),
        ({"time_zone": " UTC"}, "metadata.time_zone"),
        ({"time_zone": "UTC\x00"}, "metadata.time_zone"),
        ({"time_zone": "A/" * 100}, "metadata.time_zone"),
        ({"year": 1969}, "metadata.year"),
        ({"year": 10000}, "metadata.year"),
        ({"year": -2005}, "metadata.year"),
    ],
)
def test_invalid_metadata_names_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        _meta(**overrides)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in caught.value.violations] == [field]
    assert field in caught.value.message


def test_an_unknown_zone_is_refused_with_a_message_a_person_can_act_on() -> None:
    with pytest.raises(InvalidArgument) as caught:
        _meta(time_zone="Europe/Berln")
    [violation] = caught.value.violations
    assert (
        violation.description == 'unknown time zone "Europe/Berln": use an IANA name such as "Europe/Berlin" or "UTC"'
    )


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Asia/Kolkata"]
)
def test_time_hints_are_kept(zone: str) -> None:
    meta = _meta(time_zone=zone, year=2005)
    assert (meta.time_zone, meta.year) == (zone, 2005)
    assert (_meta().time_zone, _meta().year) == ("", None)  # no hints: none recorded
    assert _meta(year=1970).year == 1970 and _meta(year=9999).year == 9999


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "ELF"),
        (b"\x89PNG\r\n\x1a\n" + b"x" * 100, "PNG"),
        (b"PK\x03\x04" + b"x" * 100, "ZIP"),
        (b"\x00" * 50 + b"text" * 10, "NUL"),
    ],
)
def test_binaries_are_refused_with_the_reason(head: bytes, what: str) -> None:
    reason = binary_reason(head)
    assert reason is not None and what in reason


def test_text_with_a_few_odd_bytes_is_a_log() -> None:
    assert binary_reason(b"2026-01-01 INFO started\n\xff\xfe broken utf-8 \x00 one nul\n" * 20) is None


def test_tally_counts_size_and_sha256() -> None:
    tally = UploadTally(max_bytes=100)
    tally.add(b"hello ")
    tally.add(b"world\n")
    digest = tally.finish(12, hashlib.sha256(b"hello world\n").hexdigest())
    assert (tally.size, digest) == (12, hashlib.sha256(b"hello world\n").hexdigest())
    assert not tally.gzip


def test_tally_trips_the_size_limit_on_the_chunk_that_crosses_it() -> None:
    tally = UploadTally(max_bytes=10)
    tally.add(b"x" * 10)
    with pytest.raises(ResourceExhausted) as caught:
        tally.add(b"y")
    assert caught.value.reason == "FILE_TOO_LARGE"


def test_tally_refuses_oversized_chunks_empty_files_and_mismatches() -> None:
    with pytest.raises(InvalidArgument, match="1 MiB"):
        UploadTally(max_bytes=10 * MAX_CHUNK_BYTES).add(b"x" * (MAX_CHUNK_BYTES + 1))
    with pytest.raises(InvalidArgument, match="empty"):
        UploadTally(max_bytes=10).finish(None, "")
    tally = UploadTally(max_bytes=100)
    tally.add(b"abc\n")
    with pytest.raises(InvalidArgument) as caught:
        tally.finish(5, "")
    assert caught.value.reason == "SIZE_MISMATCH"
    with pytest.raises(InvalidArgument) as caught:
        tally.finish(None, "0" * 64)
    assert caught.value.reason == "CHECKSUM_MISMATCH"


def test_gzip_is_recognised_and_its_content_sniffed() -> None:
    tally = UploadTally(max_bytes=10**6)
    tally.add(gzip.compress(b"2026-01-01 INFO hello\n" * 100))
    tally.finish(None, "")
    assert tally.gzip
    binary = UploadTally(max_bytes=10**6)
    binary.add(gzip.compress(b"\x7fELF" + b"\x00" * 1000))
    with pytest.raises(InvalidArgument, match="ELF"):
        binary.finish(None, "")
