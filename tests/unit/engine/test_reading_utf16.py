"""A log written in UTF-16 (Windows PowerShell's redirection, SQL Server's error log) is read as text: its byte order
mark or, without one, the NUL in every other byte of ASCII text says so. Before, its NULs were dropped: the mark
spoiled the first record and any character beyond ASCII was lost."""

from __future__ import annotations

import codecs
import gzip

import pytest

from loglens_analysis.engine import analyze
from loglens_analysis.engine.chunks import can_chunk
from loglens_analysis.engine.records import utf16_of

pytestmark = pytest.mark.unit

MESSAGES = ("Auftrag {} für Müller angelegt", "Zahlung {} abgelehnt: Karte gesperrt", "Lager {} geprüft, alles ok")
TEXT = "".join(
    f"2024-03-05 10:00:{i % 60:02d} {'ERROR' if i % 3 == 1 else 'INFO'} {MESSAGES[i % 3].format(i)}\r\n"
    for i in range(120)
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("gzipped", [False, True])
def test_utf16_text_reads_as_its_utf8_twin(encoding: str, gzipped: bool) -> None:
    data = TEXT.encode(encoding)
    if gzipped:
        data = gzip.compress(data)
    want = analyze([TEXT.encode("utf-8")])
    got = analyze([data[i : i + 7] for i in range(0, len(data), 7)])  # pieces that cut code units apart
    assert sorted(t.text for t in got.templates) == [
        "Auftrag <*> für Müller angelegt",
        "Lager <*> geprüft, alles ok",
        "Zahlung <*> abgelehnt: Karte gesperrt",
    ]
    assert [(t.text, t.count) for t in got.templates] == [(t.text, t.count) for t in want.templates]
    assert got.levels == want.levels and got.time_range == want.time_range
    assert got.parse_quality.invalid_utf8_sequences == 0 and got.parse_quality.nul_bytes == 0


def test_the_byte_order_is_told_by_the_mark_or_by_the_nuls() -> None:
    assert utf16_of(codecs.BOM_UTF16_LE + "a".encode("utf-16-le")) == "utf-16"
    assert utf16_of("2024-03-05 10:00:00 INFO x".encode("utf-16-le")) == "utf-16-le"
    assert utf16_of("2024-03-05 10:00:00 INFO x".encode("utf-16-be")) == "utf-16-be"
    assert utf16_of(b"2024-03-05 10:00:00 INFO x \x00 padded with a NUL or two\x00") is None
    assert utf16_of(b"\x00" * 64) is None
    assert utf16_of("short".encode("utf-16-le")) is None  # too few bytes to tell


def test_utf16_files_are_not_cut_into_chunks() -> None:
    head = TEXT.encode("utf-16")
    assert can_chunk(head, year=2024) is not None and "UTF-16" in str(can_chunk(head, year=2024))
    assert can_chunk(TEXT.encode("utf-8"), year=2024) is None
