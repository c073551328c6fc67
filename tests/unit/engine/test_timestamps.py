"""Timestamp families, zones, years, and the analyzer's per-shape time finder (all lines synthetic)."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loglens.v1 import report_pb2
from loglens_analysis.engine import ENGINE_VERSION, analyze
from loglens_analysis.engine.analyzer import Analyzer
from loglens_analysis.engine.formats import token_class
from loglens_analysis.engine.records import RecordReader
from loglens_analysis.engine.report import build_report
from loglens_analysis.engine.timestamps import (
    ASSUME_FILE_YEAR,
    ASSUME_NO_DATE,
    ASSUME_NO_DATE_FALLBACK,
    ASSUME_UTC,
    ASSUME_YEAR,
    ASSUME_ZONE_NAME,
    TimestampParser,
)

pytestmark = pytest.mark.unit


def _utc(text: str) -> float:
    """Epoch of an ISO 8601 UTC text written in the test (Python's own parser, not ours)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


# --------------------------------------------------------------------------- families
@pytest.mark.parametrize(
    ("text", "utc", "fmt", "assumption"),
    [
        # RFC 3339 / ISO 8601: T or space, fractions of any length, Z and every offset form.
        ("2020-01-20T16:25:06.090+0800", "2020-01-20T08:25:06.090", "iso8601", ""),
        ("2020-01-20T16:25:06.090+08:00", "2020-01-20T08:25:06.090", "iso8601", ""),
        ("2017-05-25T11:49:00-03 panic", "2017-05-25T14:49:00", "iso8601", ""),
        ("2024-01-01 10:00:00 +0100 GET /", "2024-01-01T09:00:00", "iso8601", ""),
        ("2024-01-01 10:00:00 UTC x", "2024-01-01T10:00:00", "iso8601", ""),
        # The date and time columns of a tab-separated log (CloudFront's W3C fields).
        ("2026-11-30\t08:00:07\tFRA56-P1\t1234\t198.51.100.7", "2026-11-30T08:00:07", "iso8601", ASSUME_UTC),
        # A comma and a space between date and time (Airflow's task logs).
        ("[2024-03-01, 12:00:01 UTC] {taskinstance.py:1157} INFO", "2024-03-01T12:00:01", "iso8601", ""),
        ("2024-01-01T00:00:00.1234567Z ##[group]Run", "2024-01-01T00:00:00.1234567", "iso8601", ""),
        ("2021-06-08T18:26:05.510762253Z", "2021-06-08T18:26:05.510762253", "iso8601", ""),
        ("2024-01-01T10:00:00.5-05:30", "2024-01-01T15:30:00.5", "iso8601", ""),
        ("2024-01-01 10:00:00 -12 items left", "2024-01-01T10:00:00", "iso8601", ASSUME_UTC),
        # An offset of hours alone after a space where the header goes on (PostgreSQL's "%t" in a zone set by its
        # offset, Duplicati's lines): the stamp's zone, not text.
        ("2024-03-08 02:00:00 +01 - [Information-Duplicati.Main]: x", "2024-03-08T01:00:00", "iso8601", ""),
        ("2024-03-08 02:00:00.123 -05 [4242] LOG:  x", "2024-03-08T07:00:00.123", "iso8601", ""),
        # A bar between the date and the clock (Tendermint's and CometBFT's "I[2024-03-12|11:00:00.012] ...").
        ("I[2024-03-12|11:00:00.012] Version info", "2024-03-12T11:00:00.012", "iso8601", ASSUME_UTC),
        # A zone's name after a space (PostgreSQL's log_line_prefix %t/%m, Java's "z"): read where it is not
        # ambiguous, noted where it is, never taken from a word glued to the time.
        ("2024-03-01 12:00:01.123 CET [4242] LOG:  x", "2024-03-01T11:00:01.123", "iso8601", ""),
        ("2024-07-01 12:00:01 PDT worker started", "2024-07-01T19:00:01", "iso8601", ""),
        ("2024-03-01 12:00:01 IST [1] LOG:  x", "2024-03-01T12:00:01", "iso8601", ASSUME_ZONE_NAME),
        ("2024-03-01 12:00:01 CETUS x", "2024-03-01T12:00:01", "iso8601", ASSUME_UTC),
        # A zone of the tz database by its name (PHP's error_log, Java's "VV"), at its offset on that day.
        ("[02-Dec-2026 05:51:03 Europe/Berlin] PHP Warning: x", "2026-12-02T04:51:03", "day-month-year", ""),
        ("[02-Jul-2026 05:51:03 Europe/Berlin] PHP Warning: x", "2026-07-02T03:51:03", "day-month-year", ""),
        ("2024-03-01 12:00:01 America/Argentina/Buenos_Aires x", "2024-03-01T15:00:01", "iso8601", ""),
        ("2024-03-01 12:00:01 Europe/Atlantis x", "2024-03-01T12:00:01", "iso8601", ASSUME_ZONE_NAME),
        ("20240101T100000Z", "2024-01-01T10:00:00", "iso8601-basic", ""),
        # Python logging, bare and bracketed; log4j ISO8601; Windows.
        ("2024-01-01 10:00:00,123 INFO x: y", "2024-01-01T10:00:00.123", "iso8601", ASSUME_UTC),
        ("[2021-04-05 05:14:39,503] {x.py:36} ERROR - m", "2021-04-05T05:14:39.503", "iso8601", ASSUME_UTC),
        ("[2022-09-05T07:35:02,595][INFO ][o.e.n.Node]", "2022-09-05T07:35:02.595", "iso8601", ASSUME_UTC),
        ("2016-09-28 04:30:30, Info CBS", "2016-09-28T04:30:30", "iso8601", ASSUME_UTC),
        # Go and nginx error logs.
        ("2006/01/02 15:04:05.123456 msg", "2006-01-02T15:04:05.123456", "slashed", ASSUME_UTC),
        ("2024/1/2 3:04:05 [error] 12#0", "2024-01-02T03:04:05", "slashed", ASSUME_UTC),
        ("[GIN] 2024/03/01 - 12:00:01 | 200 |", "2024-03-01T12:00:01", "slashed", ASSUME_UTC),
        ("2024/03/01-12:00:01.123456 7f8b2c0 [db/db_impl.cc:1] x", "2024-03-01T12:00:01.123456", "slashed", ASSUME_UTC),
        ("2024-03-01 - 12:00:01 worker", "2024-03-01T12:00:01", "iso8601", ASSUME_UTC),
        # An hour of one digit after a space, padded with a second one or not (MariaDB's error log).
        ("2024-03-01  8:00:07 0 [Note] InnoDB: x", "2024-03-01T08:00:07", "iso8601", ASSUME_UTC),
        # Two spaces before an hour of two digits (Icecast's "%Y-%m-%d  %H:%M:%S"): no time was read.
        (
            "[2024-03-14  06:00:02] INFO main/main Icecast 2.4.4 server started",
            "2024-03-14T06:00:02",
            "iso8601",
            ASSUME_UTC,
        ),
        ("2024-03-01 8:00:07.250 x", "2024-03-01T08:00:07.25", "iso8601", ASSUME_UTC),
        # yyMMdd then the clock with colons, the hour padded with a space or not (MySQL 5, Tornado).
        ("240301  8:00:07 [Note] Event Scheduler: x", "2024-03-01T08:00:07", "compact-clock", ASSUME_UTC),
        ("[I 240301 18:00:07 web:2243] 200 GET /", "2024-03-01T18:00:07", "compact-clock", ASSUME_UTC),
        # Apache / nginx access logs: the offset is applied.
        ('1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /', "2000-10-10T20:55:36", "apache", ""),
        ("[18/Jan/2020:00:36:18 +0530]", "2020-01-17T19:06:18", "apache", ""),
        # Python's http.server and Django's development server: a blank between the date and the time, no zone.
        ('[01/Mar/2024 12:00:05] "GET /api HTTP/1.1" 200 512', "2024-03-01T12:00:05", "apache", ASSUME_UTC),
        ("20171223-22:15:29:606|Step_LSC|3|m", "2017-12-23T22:15:29.606", "compact-dash", ASSUME_UTC),
        # After a full date, the clock's fields may lack their leading zeros.
        ("20171224-7:05:09:31|Step_LSC|3|m", "2017-12-24T07:05:09.31", "compact-dash", ASSUME_UTC),
        ("20171224-0:5:9:310|Step_LSC|3|m", "2017-12-24T00:05:09.31", "compact-dash", ASSUME_UTC),
        ("2005.11.09 10:00:00 host", "2005-11-09T10:00:00", "dotted", ASSUME_UTC),
        ("2005-06-03-15.42.50.675872 R02", "2005-06-03T15:42:50.675872", "dashed", ASSUME_UTC),
        # The date with dots and the fraction after a colon (Unreal Engine's log).
        ("[2026.11.30-08.00.01:123][  0]LogInit: Display: x", "2026-11-30T08:00:01.123", "dashed", ASSUME_UTC),
        ("081109 203615 148 INFO dfs", "2008-11-09T20:36:15", "compact", ASSUME_UTC),
        ("17/06/09 20:10:40 INFO x", "2017-06-09T20:10:40", "short-year", ASSUME_UTC),
        ("05/01/2024 3:04:05 PM x", "2024-05-01T15:04:05", "us-date", ASSUME_UTC),
        # Day first with dots (most European locales), with or without a fraction or a zone.
        ("05.03.2024 10:00:01 INFO x", "2024-03-05T10:00:01", "day-month-dotted", ASSUME_UTC),
        ("5.3.2024 9:00:01,250 x", "2024-03-05T09:00:01.25", "day-month-dotted", ASSUME_UTC),
        ("25.12.2023 23:59:59 +01:00 x", "2023-12-25T22:59:59", "day-month-dotted", ""),
        ("[Wed Oct 11 14:32:52.123456 2000] [error]", "2000-10-11T14:32:52.123456", "ctime", ASSUME_UTC),
        ("Mon Jan  2 15:04:05 PST 2006", "2006-01-02T23:04:05", "ctime", ""),
        # GNU date(1) in a 12-hour locale (a script's "$(date): ..."), and day first as en_GB writes it.
        ("Mon Nov 30 08:00:07 PM CET 2026: backup done", "2026-11-30T19:00:07", "ctime", ""),
        ("Mon Nov 30 12:00:07 AM UTC 2026 x", "2026-11-30T00:00:07", "ctime", ""),
        ("Mon 30 Nov 08:00:07 GMT 2026 - backup done", "2026-11-30T08:00:07", "ctime-day-first", ""),
        ("Mon 30 Nov 08:00:07 CET 2026", "2026-11-30T07:00:07", "ctime-day-first", ""),
        ("Tue, 02 Jan 2024 15:04:05 GMT", "2024-01-02T15:04:05", "day-month-year", ""),
        # A 12-hour clock after an ISO date; a 24-hour clock's hour beside a marker (a layout's "HH ... a") is its hour.
        ("2026-11-30 08:00:07 PM CET job done", "2026-11-30T19:00:07", "iso8601", ""),
        ("2026-11-30 20:00:07 PM job done", "2026-11-30T20:00:07", "iso8601", ASSUME_UTC),
        # Names written out: the long English style ("at" before the time), a full month's name day first, which a
        # header's time column (the clock alone) reaches back to.
        ("November 30, 2026 at 8:00:07 PM UTC - synced", "2026-11-30T20:00:07", "month-day-year", ""),
        ("Wednesday, September 30, 2026 at 8:00:07 PM: x", "2026-09-30T20:00:07", "month-day-year", ASSUME_UTC),
        ("30 November 2026 20:00:07 INFO job", "2026-11-30T20:00:07", "day-month-year", ASSUME_UTC),
        # The long form with two blanks before the clock (a task timer's "%A %d %B %Y  %H:%M:%S %z"), and a dash
        # between blanks after the year (a development server's banner).
        (
            "Thursday 14 March 2024  02:00:04 +0000 (0:00:02.323)       0:00:01.558 ****",
            "2024-03-14T02:00:04",
            "day-month-year",
            "",
        ),
        ("March 14, 2024 - 08:47:12", "2024-03-14T08:47:12", "month-day-year", ASSUME_UTC),
        # GNU date's "+%c" in a 12-hour locale: the half of the day, then the zone.
        ("Mon 30 Nov 2026 08:00:07 PM CET backup done", "2026-11-30T19:00:07", "day-month-year", ""),
        ("Mon 30 Nov 2026 12:00:07 AM UTC x", "2026-11-30T00:00:07", "day-month-year", ""),
        ("01 Jan 2024 10:00:00,123 INFO x", "2024-01-01T10:00:00.123", "day-month-year", ASSUME_UTC),
        ("16-Jul-2021 17:47:02.787 general: info", "2021-07-16T17:47:02.787", "day-month-year", ASSUME_UTC),
        ("host - app (12) - 25 May 17 11:49 -03 - panic", "2017-05-25T14:49:00", "day-month-year", ""),
        ("Jan 12, 2012 3:53:59 PM org.x.Y init", "2012-01-12T15:53:59", "month-day-year", ASSUME_UTC),
        ("Jan 12, 2012 12:03:59 AM org.x.Y init", "2012-01-12T00:03:59", "month-day-year", ASSUME_UTC),
        # Kibana's date format (its CSV exports and Discover): an "@" before the time.
        ('"Jan 15, 2024 @ 10:24:46.508",info,web-3', "2024-01-15T10:24:46.508", "month-day-year", ASSUME_UTC),
        # A zone after the 12-hour clock (WebLogic's "####<Nov 30, 2026 8:00:07 AM UTC>").
        ("####<Nov 30, 2026 8:00:07 PM CET> <Info>", "2026-11-30T19:00:07", "month-day-year", ""),
        # A two-digit year, month first, milliseconds after a colon, then a zone (WebSphere's SystemOut.log).
        ("[11/30/26 8:00:07:123 EST] 0000002a SystemOut", "2026-11-30T13:00:07.123", "us-date", ""),
        ("[1/5/26 17:00:07:123 UTC] 0000002a SystemOut", "2026-01-05T17:00:07.123", "us-date", ""),
        ("11/30/26 08:00:07 x", "2026-11-30T08:00:07", "us-date", ASSUME_UTC),
        # The date closed by its bracket, the 12-hour clock in the next (Nginx Proxy Manager's "[11/14/2026] [9:47:06
        # PM] [Global   ] ... info ..."): no time was read in the file.
        ("[11/14/2026] [9:47:06 PM] [Global   ] info x", "2026-11-14T21:47:06", "us-date", ASSUME_UTC),
        # Suricata's fast.log: a dash between the date and the clock.
        (
            "12/05/2026-14:02:43.022136  [**] [1:2010935:3] ET POLICY",
            "2026-12-05T14:02:43.022136",
            "us-date",
            ASSUME_UTC,
        ),
        # The Source engine's game servers: a dash between blanks, as the year-first and month-name families take it.
        ('L 03/04/2024 - 18:00:04: Loading map "ctf_2fort"', "2024-03-04T18:00:04", "us-date", ASSUME_UTC),
        # Epoch seconds, ms, us, ns, and seconds with a fraction.
        ("1579508706 x", "2020-01-20T08:25:06", "epoch", ""),
        ("1579508706123", "2020-01-20T08:25:06.123", "epoch", ""),
        ("1579508706123456", "2020-01-20T08:25:06.123456", "epoch", ""),
        ("1579508706123456789", "2020-01-20T08:25:06.123456789", "epoch", ""),
        ('"ts":1579508706.25,', "2020-01-20T08:25:06.25", "epoch", ""),
        ("1579508706: New connection from 10.0.0.2:51234 on port 1883.", "2020-01-20T08:25:06", "epoch", ""),
        # A syslog time beside a yyyy.mm.dd date takes the date's year.
        # glog with its year (glog 0.6+ writes it by default; CockroachDB two digits of it): the year is the text's.
        ("I20240304 09:00:01.123456 12345 disk.cc:42] x", "2024-03-04T09:00:01.123456", "klog-dated", ASSUME_UTC),
        ("W240304 09:00:01.123456 14 kv/store.go:52 ⋮ 7  x", "2024-03-04T09:00:01.123456", "klog-dated", ASSUME_UTC),
        ("2005.11.09 dn228 Nov  9 12:01:01 dn228/dn228 crond", "2005-11-09T12:01:01", "dated-syslog", ASSUME_UTC),
        ("2005.12.31 h Jan  1 00:00:01 h/h x", "2006-01-01T00:00:01", "dated-syslog", ASSUME_UTC),
    ],
)
def test_families(text: str, utc: str, fmt: str, assumption: str) -> None:
    t = TimestampParser().parse(text)
    assert t is not None, text
    assert (t.fmt, t.assumption) == (fmt, assumption)
    assert t.epoch == pytest.approx(_utc(utc), abs=1e-6)


@pytest.mark.parametrize(
    ("text", "utc", "fmt"),
    [
        ("Jan  5 10:00:00 host sshd[1]: x", "2000-01-05T10:00:00", "syslog"),
        ("Dec-02 10:15:01.118 [main] DEBUG nextflow.cli.Launcher - x", "2000-12-02T10:15:01.118", "syslog"),
        ("E0120 11:42:15.123456    1234 file.go:42] msg", "2000-01-20T11:42:15.123456", "klog"),
        ("03-17 16:13:38.811  1702  2395 D Tag: msg", "2000-03-17T16:13:38.811", "month-day"),
        ("[10.30 16:49:06] x", "2000-10-30T16:49:06", "month-day-dotted"),
        ("08/21 10:00:00.123: [app] INFO: x", "2000-08-21T10:00:00.123", "month-day-slashed"),
        ("11/30-08:00:07.123456  [**] [1:2001219:20] x", "2000-11-30T08:00:07.123456", "month-day-slashed"),
        # The clock's digits run together after the month, the day and a slash (Chromium's debug log).
        ("[812:812:1130/080007.123456:ERROR:gpu_init.cc(523)] x", "2000-11-30T08:00:07.123456", "month-day-compact"),
    ],
)
def test_year_less_families_fall_back_to_2000_and_say_so(text: str, utc: str, fmt: str) -> None:
    t = TimestampParser().parse(text)
    assert t is not None
    assert (t.fmt, t.assumption) == (fmt, ASSUME_YEAR)
    assert t.epoch == pytest.approx(_utc(utc), abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "version 1.2.3 released",
        "connect to 10.0.0.1:8080 failed",
        "v2.10.30 16:49:06x",  # digits glued to the stamp
        "2024-13-01 10:00:00",  # month 13
        "2024-02-30 10:00:00",  # no 30 February (and its time is not read as a time of day)
        "2024-01-01 24:00:00",
        "2024-01-01 10:61:00",
        "took 12345678901 ns",  # 11 digits: no epoch
        "port 1579508706:8080",  # a colon glued to more digits: no header's end
        "id 0123456789",
        "build 20241301-10:00:00",
        "9999-12-31 23:59:59",  # a sentinel, not a time
        "2024-03-01T8:00:07",  # after a T the hour has two digits
        "build 1130/080007 done",  # run-together clock digits without a fraction: a path's numbers
    ],
)
def test_no_false_positives(text: str) -> None:
    assert TimestampParser().parse(text) is None


def test_invalid_dates_are_not_read_as_their_family() -> None:
    for text in ("E1320 11:42:15.123456", "13-17 16:13:38.811", "[13.45 16:49:06]"):
        t = TimestampParser().parse(text)
        assert t is None or t.fmt == "time-only", text  # at most a time of day, honestly without a date


def test_more_specific_family_wins_at_the_same_place() -> None:
    p = TimestampParser()
    assert p.parse("I0120 11:42:15.123 1 f.go:1] x").fmt == "klog"  # type: ignore[union-attr]
    assert p.parse("2024-03-17 16:13:38.811 x").fmt == "iso8601"  # type: ignore[union-attr]
    assert p.parse("17/06/09 20:10:40 x").fmt == "short-year"  # type: ignore[union-attr]
    # Leftmost wins: the epoch of a BGL-style header, not the local time written after it.
    t = p.parse("- 1117838570 2005.06.03 R02 2005-06-03-15.42.50.675872 R02 RAS")
    assert t is not None and t.fmt == "epoch" and t.epoch == _utc("2005-06-03T22:42:50")


# --------------------------------------------------------------------------- zones
def test_zone_hint_is_dst_correct_and_recorded() -> None:
    p = TimestampParser(default_zone="Europe/Berlin")
    winter = p.parse("2024-01-15 10:00:00 x")
    summer = p.parse("2024-07-15 10:00:00 x")
    assert winter is not None and summer is not None
    assert winter.epoch == _utc("2024-01-15T09:00:00")
    assert summer.epoch == _utc("2024-07-15T08:00:00")
    assert winter.assumption == "no time zone in the timestamp; used the upload's zone Europe/Berlin"
    # An offset in the text wins over the hint, and nothing is assumed.
    zoned = p.parse("2024-07-15T10:00:00-04:00")
    assert zoned is not None and zoned.epoch == _utc("2024-07-15T14:00:00") and zoned.assumption == ""
    # The night clocks go forward (02:30 does not exist in Berlin on 2024-03-31): fold 0, +01:00.
    gap = p.parse("2024-03-31 02:30:00")
    assert gap is not None and gap.epoch == _utc("2024-03-31T01:30:00")


def test_zone_abbreviations_only_when_unambiguous() -> None:
    p = TimestampParser()
    assert p.parse("Tue, 02 Jan 2024 15:04:05 JST").epoch == _utc("2024-01-02T06:04:05")  # type: ignore[union-attr]
    cst = p.parse("Tue, 02 Jan 2024 15:04:05 CST")  # China or US Central: not guessed
    assert cst is not None and cst.epoch == _utc("2024-01-02T15:04:05") and "abbreviation" in cst.assumption


# --------------------------------------------------------------------------- years and dates
def test_year_hint() -> None:
    t = TimestampParser(year=2024).parse("Feb 29 10:00:00 h x")
    assert t is not None and t.epoch == _utc("2024-02-29T10:00:00")
    assert "2024" in t.assumption and t.assumption.startswith("no year in the timestamp")


def test_reference_time_rolls_back_across_new_year() -> None:
    upload = _utc("2026-01-03T12:00:00")
    p = TimestampParser(reference_epoch=upload)
    assert p.parse("Dec 31 23:00:00 h x").epoch == _utc("2025-12-31T23:00:00")  # type: ignore[union-attr]
    assert p.parse("I0102 10:00:00.000000 1 f.go:1] x").epoch == _utc("2026-01-02T10:00:00")  # type: ignore[union-attr]
    t = p.parse("01-03 20:00:00.000 1 2 I t: x")  # later that day (a zone ahead of UTC): still this year
    assert t is not None and t.epoch == _utc("2026-01-03T20:00:00")
    assert "2026-01-03" in t.assumption and "upload" in t.assumption
    # 29 February: the latest leap year before the upload.
    leap = TimestampParser(reference_epoch=_utc("2026-03-01T00:00:00")).parse("Feb 29 01:00:00 h x")
    assert leap is not None and leap.epoch == _utc("2024-02-29T01:00:00")


def test_year_of_the_files_dated_stamps_across_new_year() -> None:
    p = TimestampParser(reference_epoch=_utc("2030-06-01T00:00:00"))  # the file's own dates win
    p.parse("2025-12-31 23:59:59 app started")
    t = p.parse("Jan  1 00:00:01 host kernel: x")
    assert t is not None and t.epoch == _utc("2026-01-01T00:00:01") and t.assumption == ASSUME_FILE_YEAR


def test_time_without_a_date() -> None:
    alone = TimestampParser().parse("10:00:00.123 INFO [Main] x")
    assert alone is not None and alone.assumption == ASSUME_NO_DATE_FALLBACK
    p = TimestampParser()
    p.parse("Jan 12, 2012 11:53:59 PM org.x.Y init")
    first = p.parse("23:54:07,115 INFO  [X:1] a")
    after_midnight = p.parse("00:00:02,000 INFO  [X:1] b")
    assert first is not None and after_midnight is not None
    assert first.epoch == _utc("2012-01-12T23:54:07.115") and first.assumption == ASSUME_NO_DATE
    assert after_midnight.epoch == _utc("2012-01-13T00:00:02")
    upload = TimestampParser(reference_epoch=_utc("2026-01-03T05:00:00")).parse("23:00:00 x")
    assert upload is not None and upload.epoch == _utc("2026-01-02T23:00:00") and "upload" in upload.assumption


def test_a_time_without_a_date_right_after_a_dated_stamp_takes_the_day_nearest_it() -> None:
    # A build log's banner states its start and its finish, then its lines write the time of day from the start: a
    # clock more than 12 hours ahead of the dated stamp before it is the day before's (it was a day after the finish).
    p = TimestampParser()
    p.parse("2024-03-12 23:41:07 build started")
    p.parse("2024-03-13 00:13:33 build finished")
    got = [p.parse(f"{clock} step") for clock in ("23:41:07", "23:46:57", "00:11:14", "00:13:31")]
    assert [t.epoch if t else None for t in got] == [
        _utc("2024-03-12T23:41:07"),
        _utc("2024-03-12T23:46:57"),
        _utc("2024-03-13T00:11:14"),
        _utc("2024-03-13T00:13:31"),
    ]
    # Between time-only stamps the clock only moves on: 13 hours ahead is later the same day, not the day before.
    p = TimestampParser()
    p.parse("2024-03-12 01:00:00 start")
    later = [p.parse(f"{clock} step") for clock in ("01:30:00", "14:45:00")]
    assert [t.epoch if t else None for t in later] == [_utc("2024-03-12T01:30:00"), _utc("2024-03-12T14:45:00")]


def test_parser_does_not_read_the_clock() -> None:
    a = [TimestampParser().parse(t) for t in ("Jan  5 10:00:00", "10:00:00 x", "I0105 10:00:00.1 1 f:1] x")]
    b = [TimestampParser().parse(t) for t in ("Jan  5 10:00:00", "10:00:00 x", "I0105 10:00:00.1 1 f:1] x")]
    assert a == b


# --------------------------------------------------------------------------- the analyzer's keys
@st.composite
def _rfc3339(draw: st.DrawFn) -> tuple[str, float]:
    local = draw(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2199, 12, 30)))
    local = local.replace(microsecond=0)
    digits = draw(st.integers(0, 9))
    frac = draw(st.text("0123456789", min_size=digits, max_size=digits))
    offset = draw(st.integers(-(23 * 60 + 59), 23 * 60 + 59))
    sign = "-" if offset < 0 else "+"
    hh, mm = divmod(abs(offset), 60)
    forms = [f"{sign}{hh:02d}:{mm:02d}", f"{sign}{hh:02d}{mm:02d}"]
    if mm == 0:
        forms.append(f"{sign}{hh:02d}")
    if offset == 0:
        forms.append("Z")
    zone = draw(st.sampled_from(forms))
    sep = draw(st.sampled_from("T "))
    text = local.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + (f".{frac}" if frac else "") + zone
    epoch = calendar.timegm(local.timetuple()) - offset * 60 + (int(frac) / 10 ** len(frac) if frac else 0)
    return text, epoch


@settings(max_examples=400, derandomize=True, deadline=None)
@given(_rfc3339(), st.sampled_from(["", "x ", '{"ts":"']), st.sampled_from(["", " msg", '","level":"info"}']))
def test_any_rfc3339_time_round_trips_to_its_utc_instant(stamp: tuple[str, float], before: str, after: str) -> None:
    text, epoch = stamp
    p = TimestampParser()
    t = p.parse(before + text + after)
    assert t is not None and t.fmt == "iso8601" and t.assumption == ""
    assert t.epoch == pytest.approx(epoch, abs=2e-6)
    # The analyzer's key: whole seconds, and the same instant.
    for q in (p, TimestampParser(default_zone="Asia/Tokyo")):
        m = q.key_pattern("iso8601").search(before + text + after)
        assert m is not None
        k = q.convert("iso8601", m.groupdict())
        assert k is not None and math.floor(k.epoch) == math.floor(epoch + 1e-9)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-03-05 10:00:00 GMT+01:00 INFO x", "2024-03-05T09:00:00"),  # Java's SimpleDateFormat "z"
        ("2024-03-05 10:00:00 UTC+01:00 INFO x", "2024-03-05T09:00:00"),
        ("2024-03-05 10:00:00 GMT+1 INFO x", "2024-03-05T09:00:00"),
        ("2024-03-05 10:00:00 UTC-5 INFO x", "2024-03-05T15:00:00"),
        ("2024-03-05 10:00:00 GMT-05:30 INFO x", "2024-03-05T15:30:00"),
        ("2024-03-05 10:00:00 GMT+00:00 INFO x", "2024-03-05T10:00:00"),
        ("Tue Mar 05 10:00:00 GMT+01:00 2024 INFO x", "2024-03-05T09:00:00"),  # java.util.Date.toString()
    ],
)
def test_an_offset_after_a_utc_word_is_that_offset(text: str, utc: str) -> None:
    """ "GMT+01:00" is an hour east of UTC; it was read as GMT, an hour off, with no assumption told."""
    t = TimestampParser().parse(text)
    assert t is not None and t.epoch == _utc(utc) and not t.assumption, t
    key = TimestampParser().key_pattern("iso8601").search(text)
    if "+00" not in text and key is not None:  # the key keeps a zone that is not UTC (two zones, two instants)
        assert key.group().endswith(text.split()[2]), key.group()


def test_key_holds_the_zone_unless_it_means_utc() -> None:
    rx = TimestampParser().key_pattern("iso8601")
    plus8 = rx.search('"ts":"2020-01-20T16:25:06.090+0800"')
    minus5 = rx.search('"ts":"2020-01-20T16:25:06.090-0500"')
    utc = rx.search('"ts":"2020-01-20T16:25:06.090Z"')
    bare = rx.search("2020-01-20 16:25:06,090 INFO")
    assert plus8 is not None and minus5 is not None and utc is not None and bare is not None
    assert plus8.group() != minus5.group()
    assert plus8.group().endswith("+0800")
    # Z and zone-less text are the same instant when zone-less means UTC: one key, at second resolution.
    assert utc.group() == "2020-01-20T16:25:06" and bare.group() == "2020-01-20 16:25:06"
    # With a zone hint they are not: the key keeps the Z.
    hinted = TimestampParser(default_zone="Europe/Berlin").key_pattern("iso8601")
    assert hinted.search('"2020-01-20T16:25:06Z"').group() == "2020-01-20T16:25:06Z"  # type: ignore[union-attr]
    epoch = TimestampParser().key_pattern("epoch").search('{"ts":1579508706123,"x":1}')
    assert epoch is not None and epoch.group() == "1579508706"


def test_new_families_are_time_tokens_for_header_discovery() -> None:
    assert token_class("2020-01-20T16:25:06.090+0800") == "T"
    assert token_class("16:25:06.090") == "T"


# --------------------------------------------------------------------------- through the engine
def _report(text: str, **hints: object) -> report_pb2.AnalysisReport:
    reader = RecordReader()
    an = Analyzer(**hints)  # type: ignore[arg-type]
    data = text.encode()
    for block in reader.blocks([data[i : i + 4096] for i in range(0, len(data), 4096)]):
        an.feed(block)
    an.finish()
    return build_report(an, reader.counters, ENGINE_VERSION)


def _range(rep: report_pb2.AnalysisReport) -> tuple[str, str]:
    return (rep.time_range.start_time.ToJsonString(), rep.time_range.end_time.ToJsonString())


def _no_zone_claim(rep: report_pb2.AnalysisReport) -> bool:
    return not any("time zone" in a for a in rep.parse_quality.time_assumptions)


def test_engine_klog_with_upload_time() -> None:
    lines = [
        f"{'IWE'[i % 3]}1231 23:59:{i % 60:02d}.{i:06d}    4178 handler.go:{i % 90}] request {i} handled"
        for i in range(300)
    ] + [f"I0101 00:00:{i % 60:02d}.{i:06d}    4178 handler.go:{i % 90}] request {i} handled" for i in range(300)]
    rep = _report("\n".join(lines) + "\n", reference_epoch=_utc("2026-01-03T00:00:00"))
    assert rep.parse_quality.timestamp_share == 1.0
    assert _range(rep) == ("2025-12-31T23:59:00Z", "2026-01-01T00:00:59Z")
    assert any("upload" in a for a in rep.parse_quality.time_assumptions)


def test_engine_logcat_with_year_and_zone_hints() -> None:
    tags = ("ActivityManager", "PackageManager", "vold")
    lines = [
        f"03-17 16:{13 + i // 60:02d}:{i % 60:02d}.{i % 1000:03d}  1702  2395 {'DIWE'[i % 4]} {tags[i % 3]}: event {i}"
        for i in range(400)
    ]
    rep = _report("\r\n".join(lines) + "\r\n", year=2024, time_zone="America/New_York")
    assert rep.parse_quality.timestamp_share == 1.0
    # 2024-03-17 is after the switch to daylight time in New York (-04:00).
    assert _range(rep) == ("2024-03-17T20:13:00Z", "2024-03-17T20:19:39Z")
    assumed = " ".join(rep.parse_quality.time_assumptions)
    assert "2024" in assumed and "America/New_York" in assumed


def test_engine_json_with_offsets_applies_them_and_claims_no_missing_zone() -> None:
    lines = [
        json.dumps(
            {
                "level": "info",
                "ts": f"2020-01-20T16:{25 + i // 60:02d}:{i % 60:02d}.{i % 1000:03d}+0800",
                "caller": "etcdserver/server.go:1",
                "msg": f"applied entry {i}",
            }
        )
        for i in range(200)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.timestamp_share == 1.0
    assert _range(rep) == ("2020-01-20T08:25:00Z", "2020-01-20T08:28:19Z")
    assert _no_zone_claim(rep)


def test_engine_thunderbird_style_dates_give_the_year() -> None:
    lines = [
        f"- 2005.11.{9 + i // 200:02d} node-{i % 7} Nov {9 + i // 200} 12:{i % 60:02d}:01 node-{i % 7}/node-{i % 7} "
        f"crond(pam_unix)[{2900 + i}]: session closed for user root"
        for i in range(400)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.timestamp_share == 1.0
    assert _range(rep) == ("2005-11-09T12:00:01Z", "2005-11-10T12:59:01Z")
    assert ASSUME_YEAR not in rep.parse_quality.time_assumptions


def test_engine_access_log_offsets_are_applied() -> None:
    lines = [
        f'10.0.{i % 5}.{i % 200} - - [10/Oct/2000:13:{i // 60:02d}:{i % 60:02d} -0700] "GET /item/{i} HTTP/1.1" '
        f"{(200, 404, 500)[i % 3]} {100 + i}"
        for i in range(300)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.timestamp_share == 1.0
    assert _range(rep) == ("2000-10-10T20:00:00Z", "2000-10-10T20:04:59Z")
    assert _no_zone_claim(rep)


def test_engine_reads_a_zone_name_after_an_iso_time() -> None:
    """PostgreSQL writes its log_timezone's abbreviation after the time ("%m": "2024-03-01 12:00:01.123 CET"):
    the records' instants are in that zone, and no missing zone is claimed."""
    messages = ["checkpoint starting: time", "automatic vacuum of table {}", 'relation "t{}" does not exist']
    lines = [
        f"2024-03-01 12:{i // 60:02d}:{i % 60:02d}.{i % 1000:03d} CET [{4000 + i % 7}] "
        + ("LOG:  ", "LOG:  ", "ERROR:  ")[i % 3]
        + messages[i % 3].format(i % 11)
        for i in range(180)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.timestamp_share == 1.0
    assert _range(rep) == ("2024-03-01T11:00:00Z", "2024-03-01T11:02:59Z")
    assert _no_zone_claim(rep)


def _php_fpm(n: int) -> bytes:
    """A PHP-FPM error log: the interpreter's lines name the zone of date.timezone, the process manager's own lines
    (the same host's clock) name none. Berlin is at +01:00 in December."""
    rows = [
        "[02-Dec-2026 05:{m:02d}:{s:02d}] NOTICE: [pool www] child {i} started",
        "[02-Dec-2026 05:{m:02d}:{s:02d} Europe/Berlin] PHP Warning:  Undefined variable $r in /srv/c{i}.php on line 2",
        "[02-Dec-2026 05:{m:02d}:{s:02d} Europe/Berlin] PHP Fatal error:  Allowed memory size of {i} bytes exhausted",
    ]
    return "".join(rows[i % 3].format(m=i // 60, s=i % 60, i=i) + "\n" for i in range(n)).encode()


def test_engine_reads_a_zone_named_by_the_tz_database_and_the_files_zone_less_stamps_in_it() -> None:
    """Every record is at its Berlin instant, the named ones by their own zone and the zone-less ones by the zone
    the file's other stamps name (said so), so interleaved lines stay in order."""
    rep = analyze([_php_fpm(180)])
    assert rep.parse_quality.timestamp_share == 1.0
    assert _range(rep) == ("2026-12-02T04:00:00Z", "2026-12-02T04:02:59Z")
    assert rep.parse_quality.out_of_order_records == 0
    assert list(rep.parse_quality.time_assumptions) == [
        "no time zone in the timestamp; used the zone the file's other timestamps name, Europe/Berlin"
    ]


def test_a_head_naming_two_zones_teaches_no_zone() -> None:
    text = _php_fpm(180).decode().replace("Europe/Berlin] PHP Fatal", "America/New_York] PHP Fatal")
    rep = analyze([text.encode()])
    assert ASSUME_UTC in rep.parse_quality.time_assumptions
    assert _range(rep)[1] == "2026-12-02T10:02:59Z"  # the last line names New York: 05:02:59 at -05:00


def test_every_chunk_reads_zone_less_stamps_in_the_zone_the_files_head_names() -> None:
    from loglens_analysis.engine.chunks import HEAD_BYTES, analyze_chunk, can_chunk, merge_partials, plan_chunks

    data = _php_fpm(3000)
    assert can_chunk(data[:HEAD_BYTES]) is None
    one = analyze([data])
    parts = [analyze_chunk(data[:HEAD_BYTES], [data[p.read_from :]], p) for p in plan_chunks(len(data), 40_000)]
    assert len(parts) > 2
    rep = merge_partials(parts)
    assert rep.time_range == one.time_range
    assert list(rep.parse_quality.time_assumptions) == list(one.parse_quality.time_assumptions)
    assert [(t.text, t.count) for t in rep.templates] == [(t.text, t.count) for t in one.templates]


def test_engine_offsets_that_differ_within_a_second_are_not_confused() -> None:
    """The time cache is keyed on the stamp's text: it must hold the offset."""
    lines = []
    for i in range(120):
        lines.append(f"2024-03-10T10:00:{i % 60:02d}.{i:03d}+01:00 INFO worker: job {i} done")
        lines.append(f"2024-03-10T10:00:{i % 60:02d}.{i:03d}-01:00 INFO worker: job {i} done")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _range(rep) == ("2024-03-10T09:00:00Z", "2024-03-10T11:00:59Z")


def test_engine_time_only_lines_take_the_date_of_dated_lines() -> None:
    lines = ["Jan 12, 2012 3:53:59 PM org.apache.catalina.startup.Catalina start", "INFO: Server startup"]
    lines += [f"15:{54 + i // 60:02d}:{i % 60:02d},{i:03d} INFO  [Loader:{i % 9}] loaded part {i}" for i in range(120)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _range(rep) == ("2012-01-12T15:53:59Z", "2012-01-12T15:55:59Z")
    assert ASSUME_NO_DATE in rep.parse_quality.time_assumptions


def test_clock_only_stamps_take_the_offset_the_files_dated_stamps_all_write() -> None:
    """A Maven build's test output: Logback's "10:14:16.902 [main] INFO ..." (a clock alone) before Spring Boot's
    "2024-05-02T10:14:17.542+02:00  INFO ..." lines of the same JVM. The clock is the machine's, in the offset every
    dated stamp writes (read as UTC, the build ran two hours and its first lines came out of order)."""
    lines = [f"10:14:16.{900 + i} [main] INFO org.springframework.test.context.Loader -- step {i}" for i in range(2)]
    lines += [
        f"2024-05-02T10:14:{17 + i // 50:02d}.{i % 50:03d}+02:00  INFO 18422 --- [main] c.acme.OrderIT : loaded {i}"
        for i in range(100)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _range(rep) == ("2024-05-02T08:14:16Z", "2024-05-02T08:14:18Z")
    assert rep.parse_quality.out_of_order_records == 0
    assert any("+02:00" in a for a in rep.parse_quality.time_assumptions), list(rep.parse_quality.time_assumptions)


def test_engine_learns_the_zone_written_beside_the_same_time() -> None:
    """A zone-less header time and the same wall-clock time with an offset in the message (Rails)."""
    lines = []
    for i in range(200):
        t = f"2016-05-03T09:{34 + i // 60:02d}:{i % 60:02d}"
        lines.append(f'I, [{t}.{i:06d} #6750]  INFO -- : Started GET "/" for 127.0.0.1 at {t.replace("T", " ")} +0200')
        lines.append(f"I, [{t}.{i:06d} #6750]  INFO -- : Completed 200 OK in {i % 9}ms")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _range(rep) == ("2016-05-03T07:34:00Z", "2016-05-03T07:37:19Z")
    assert list(rep.parse_quality.time_assumptions) == [
        "no time zone in the timestamp; used +02:00, written beside the same time in the file"
    ]


def test_engine_learns_the_zone_named_beside_the_same_time() -> None:
    """A zone's unambiguous abbreviation after the same wall-clock time in the record (Samba's auth lines under its
    zone-less header: "at [Thu, 13 Jun 2024 08:05:29.992827 CEST]") is the header's zone, as an offset would be."""
    lines = []
    for i in range(100):
        t = f"08:{5 + i // 60:02d}:{i % 60:02d}"
        lines.append(f"[2024/06/13 {t}.{i:06d},  3] ../../source3/auth/auth_log.c:876(log_authentication_event)")
        lines.append(f"  Auth: user [bob{i % 7}] at [Thu, 13 Jun 2024 {t}.{i:06d} CEST] status [NT_STATUS_OK]")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _range(rep) == ("2024-06-13T06:05:00Z", "2024-06-13T06:06:39Z")
    assert list(rep.parse_quality.time_assumptions) == [
        "no time zone in the timestamp; used +02:00, written beside the same time in the file"
    ]
    # An ambiguous abbreviation ("IST": India's, Ireland's or Israel's) teaches nothing.
    rep = analyze([("\n".join(lines) + "\n").replace("CEST", "IST").encode()])
    assert _range(rep) == ("2024-06-13T08:05:00Z", "2024-06-13T08:06:39Z")


def test_a_year_less_time_learns_zone_and_year_from_a_dated_time_of_the_same_wall_clock() -> None:
    """logcat's "09-26 18:18:35.260" has no year and no zone; a message printing the device's clock beside it, "now=Sat
    Sep 26 18:18:35 GMT+03:00 2020", says both (the year of a year-less stamp is an assumption, so only the calendar
    day and the time must agree)."""
    lines = []
    for i in range(200):
        t = f"18:{18 + i // 60:02d}:{i % 60:02d}"
        lines.append(f"09-26 {t}.{i % 1000:03d}  2817  2817 D CondProv: now=Sat Sep 26 {t} GMT+03:00 2020 ({i})")
        lines.append(f"09-26 {t}.{i % 1000:03d}  2817  2830 I ActivityManager: Start proc {4000 + i}")
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2026-11-30T12:00:00"))
    assert _range(rep) == ("2020-09-26T15:18:00Z", "2020-09-26T15:21:19Z")
    assert any("+03:00" in a for a in rep.parse_quality.time_assumptions), list(rep.parse_quality.time_assumptions)


def test_a_zoned_time_of_another_moment_in_the_message_teaches_nothing() -> None:
    lines = [
        f"2024-05-01 10:00:{i % 60:02d},000 INFO cert: valid until 2031-07-14 17:47:06 +0200 ({i})" for i in range(100)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _range(rep) == ("2024-05-01T10:00:00Z", "2024-05-01T10:00:59Z")
    assert list(rep.parse_quality.time_assumptions) == [ASSUME_UTC]


def test_year_less_records_take_the_year_of_a_dated_record_of_the_same_stretch() -> None:
    """A dated record among year-less ones gives them its year, also the year-less records just before it
    (the parser meets a shape's first record before the block's times are read); dates merely mentioned in
    a message do not."""
    lines = [f"I0801 16:34:{i % 60:02d}.{i:06d}    7 main.cc:{i % 50}] tick {i}" for i in range(60)]
    lines.append("*** SIGABRT received at time=1659371665 on cpu 8 ***")
    lines += [f"E0801 16:35:{i % 60:02d}.{i:06d}    7 main.cc:{i % 50}] tock {i}" for i in range(60)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _range(rep) == ("2022-08-01T16:34:00Z", "2022-08-01T16:35:59Z")
    mentioned = [
        f"Sep 24 08:20:{i % 60:02d} host kernel: microcode from 2023-02-23 10:00:00 +0000 loaded" for i in range(60)
    ]
    rep = analyze([("\n".join(mentioned) + "\n").encode()])
    assert _range(rep) == ("2000-09-24T08:20:00Z", "2000-09-24T08:20:59Z")


def test_a_year_less_time_takes_the_year_of_a_dated_stamp_of_the_same_day_in_its_record() -> None:
    """A syslog line whose message carries its own full date (a proxy's request time, an application's time
    after the syslog prefix): the year in the text wins over the assumed one. A date of another day in the
    message (a certificate's expiry) does not give the year."""
    lines = [
        f"Mar  1 12:00:{i % 60:02d} lb1 proxy[2001]: 10.0.0.{i % 200}:{40000 + i} [01/Mar/2024:12:00:{i % 60:02d}.123]"
        f' front back/app1 0/0/1/2/3 200 {100 + i} "GET /item/{i} HTTP/1.1"'
        for i in range(60)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2026-12-01T00:00:00"))
    assert _range(rep) == ("2024-03-01T12:00:00Z", "2024-03-01T12:00:59Z")
    assert ASSUME_FILE_YEAR in rep.parse_quality.time_assumptions[0]
    other = [
        f"Mar  1 12:00:{i % 60:02d} host app[7]: certificate valid until 2030-06-01 00:00:00 UTC" for i in range(60)
    ]
    rep = analyze([("\n".join(other) + "\n").encode()], reference_epoch=_utc("2026-12-01T00:00:00"))
    assert _range(rep) == ("2026-03-01T12:00:00Z", "2026-03-01T12:00:59Z")
    hinted = analyze([("\n".join(lines) + "\n").encode()], year=2021)  # a year given at upload wins
    assert _range(hinted) == ("2021-03-01T12:00:00Z", "2021-03-01T12:00:59Z")


def _slashed(first_day: int, day_first: bool) -> bytes:
    """Two days of records with slashed dates, day first (25/03/2024) or month first (03/25/2024)."""
    lines = []
    for i in range(120):
        day = first_day + i // 60
        date = f"{day:02d}/03/2024" if day_first else f"03/{day:02d}/2024"
        lines.append(f"{date} 10:{i % 60:02d}:00 INFO job {i} ok")
    return ("\n".join(lines) + "\n").encode()


def test_slashed_dates_are_day_first_where_the_files_head_says_so() -> None:
    """A file whose slashed dates put a day above 12 first reads them day first (Britain, most of Europe, India);
    one that puts it second, or whose head has none above 12, month first (the US order, as before)."""
    from loglens_analysis.engine.timestamps import slashed_day_first

    uk = analyze([_slashed(25, day_first=True)])
    assert uk.time_range.start_time.ToJsonString() == "2024-03-25T10:00:00Z"
    assert uk.time_range.end_time.ToJsonString() == "2024-03-26T10:59:00Z"
    assert uk.parse_quality.timestamp_share == 1.0
    us = analyze([_slashed(25, day_first=False)])
    assert us.time_range.start_time.ToJsonString() == "2024-03-25T10:00:00Z"
    assert us.time_range.end_time.ToJsonString() == "2024-03-26T10:59:00Z"
    assert slashed_day_first(["25/03/2024 10:00:00 x"]) is True
    assert slashed_day_first(["03/25/2024 10:00:00 x"]) is False
    assert slashed_day_first(["05/03/2024 10:00:00 x", "25/03/2024 10:00:00 x"]) is True
    assert slashed_day_first(["05/03/2024 10:00:00 x"]) is False  # nothing tells: the US order, as before
    # A two-digit year may open a date (Spark's "17/06/09"): such a date says nothing of the order, and is never read
    # day first (25/12/24 is yy/MM/dd as well).
    assert slashed_day_first(["17/06/09 20:10:40 INFO x"]) is False
    day_first = TimestampParser()
    day_first.day_first = True
    t = day_first.parse("17/06/09 20:10:40 INFO x")
    assert t is not None and (t.fmt, t.epoch) == ("short-year", _utc("2017-06-09T20:10:40"))


def test_every_chunk_reads_slashed_dates_as_the_files_head_does() -> None:
    from loglens_analysis.engine.chunks import HEAD_BYTES, analyze_chunk, merge_partials, plan_chunks

    data = _slashed(25, day_first=True)
    one = analyze([data])
    parts = [analyze_chunk(data[:HEAD_BYTES], [data[p.read_from :]], p) for p in plan_chunks(len(data), 1000)]
    assert len(parts) > 2
    rep = merge_partials(parts)
    assert rep.time_range == one.time_range
    assert [(t.text, t.count) for t in rep.templates] == [(t.text, t.count) for t in one.templates]


@pytest.mark.parametrize(
    ("record", "found"),
    [
        # A sentence the date goes on: what the record says, not when it was written.
        ("compiled with version: 12.2.0 on 01 January 2024 10:00:00", None),
        ("the certificate is valid until [2031-07-14 17:47:06]", None),
        # Punctuation between the sentence's last word and the date: Python's build date in its version string, as a
        # server's banner prints it (uWSGI's span started a year before its file).
        ("Python version: 3.11.2 (main, Mar 13 2023, 12:18:29) [GCC 12.2.0]", None),
        # A header before a leading stamp: names, brackets, separators, a level.
        ("web-1  | 2024-03-04 09:00:01 GET /api", "iso8601"),
        ("[main] 2024-03-04 09:00:01 started", "iso8601"),
        ("INFO 2024-03-04 09:00:01 started", "iso8601"),
        ("*** Starting uWSGI 2.0.23 (64bit) on [Mon Mar  4 09:00:00 2024] ***", "ctime"),
    ],
)
def test_a_stamp_that_prose_leads_to_is_no_leading_time(record: str, found: str | None) -> None:
    got = TimestampParser().locate(record, None)
    assert (got[0] if got is not None else None) == found


def test_a_banner_naming_a_build_date_does_not_stretch_the_files_span() -> None:
    # uWSGI's banner says when it was compiled, two months before the file: the span is the requests'.
    lines = ["compiled with version: 12.2.0 on 01 January 2024 10:00:00", "detected number of CPU cores: 2"]
    lines += [
        f"[pid: 9|app: 0|req: {i}/{i}] [Mon Mar  4 09:{i % 60:02d}:00 2024] GET /api/{i} => 200" for i in range(60)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.time_range.start_time.ToJsonString() == "2024-03-04T09:00:00Z"
    assert rep.parse_quality.out_of_order_records == 0


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-12-05 10:00:00.004+0100: 2211: info : hostname: kvm-host-07", "2026-12-05T09:00:00.004"),
        ("2026-12-05 10:00:00.004-05:00: 2211: error : cannot open file", "2026-12-05T15:00:00.004"),
        ("2026-12-05T10:00:00Z: worker 3 started", "2026-12-05T10:00:00"),
    ],
)
def test_a_zone_closed_by_a_colon_that_ends_a_header_field_is_read(text: str, utc: str) -> None:
    """libvirt writes "<time>+0000: <pid>: <level> : ...": the colon after the offset closes the time's field. The
    offset was dropped (UTC assumed), an hour off where the file's zone is +0100."""
    t = TimestampParser().parse(text)
    assert t is not None and t.epoch == _utc(utc) and not t.assumption, t


def test_engine_reads_a_zone_a_colon_closes_in_every_record() -> None:
    lines = [
        f"2026-12-05 10:{i // 60:02d}:{i % 60:02d}.{i:03d}+0100: {2200 + i % 3}: info : qemuProcessLaunch:7661 : "
        f"Domain vm-{i % 7} started, pid {120000 + i}"
        for i in range(200)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.timestamp_share == 1.0
    assert _range(rep) == ("2026-12-05T09:00:00Z", "2026-12-05T09:03:19Z")
    assert _no_zone_claim(rep)


@pytest.mark.parametrize(
    "stamp",
    [
        "2024-03-14 06:00:{s:02d} UTC",
        "2024-03-14 06:00:{s:02d}.118223523 +0100 CET",
        "2024-03-14 06:00:{s:02d} +0000 UTC",
    ],
)
def test_a_zones_name_after_the_clock_or_its_offset_is_the_times_not_the_messages(stamp: str) -> None:
    # Go's time.Time prints itself "2024-03-14 06:00:02.118223523 +0100 CET" (podman events): the zone's name opened
    # every template ("CET container start <*>"), and so did "UTC" after a clock.
    lines = [f"{stamp.format(s=i % 60)} container start id{i} name=web" for i in range(120)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert [t.text for t in rep.templates] == ["container start <*> name=web"]
    assert rep.parse_quality.timestamp_share == 1.0


def test_an_offsets_plus_escaped_in_a_json_string_is_the_offset() -> None:
    """.NET's JSON console formatter (System.Text.Json) escapes "+" as "\\u002B" in every string: the time
    "2026-12-05T00:00:02.331\\u002B01:00" is an hour east of UTC, as with a plain plus, and no zone is assumed."""
    lines = []
    for i in range(30):
        stamp = f"2026-12-05T10:{i:02d}:02.331\\u002B01:00"
        lines.append(f'{{"Timestamp":"{stamp}","EventId":2,"LogLevel":"Information","Message":"Request {i} done"}}')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.time_range.start_time.ToJsonString() == "2026-12-05T09:00:02Z"
    assert rep.time_range.end_time.ToJsonString() == "2026-12-05T09:29:02Z"
    assert list(rep.parse_quality.time_assumptions) == []


def test_a_stamp_inside_a_fields_quoted_value_is_no_records_time() -> None:
    """glog's year-less stamps after its "Log file created at: 2026/12/05" header, and a dumped message's member
    under one of them ('format_stamp: "Formatted at 2026-03-02 11:20:03 on tserver-1"'): the stamp is what the
    field says. Read as that line's time, its year (2026-03) put the file's December 5 in 2025 for a whole run."""
    lines = ["Log file created at: 2026/12/05 06:12:40", "Running on machine: tserver-1"]
    for i in range(40):
        lines.append(f"I1205 06:{13 + i // 60:02d}:{i % 60:02d}.118223  3129 fs_manager.cc:548] Opened filesystem {i}")
        if i == 5:
            lines.append('format_stamp: "Formatted at 2026-03-02 11:20:03 on tserver-1"')
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.time_range.start_time.ToJsonString() == "2026-12-05T06:12:40Z"
    assert rep.parse_quality.out_of_order_records == 0


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        # A network device's buffer ("display logbuffer"): the offset follows the clock with no blank.
        ("Dec  6 2024 20:50:45+08:00 CORE-SW01 %%01SHELL/5/CMDRECORD(s)[60]:Recorded", "2024-12-06T12:50:45"),
        ("Dec  6 2024 20:50:45-0500 edge-1 link up", "2024-12-07T01:50:45"),
        ("05/01/2024 10:00:00+02:00 job done", "2024-05-01T08:00:00"),
    ],
)
def test_an_offset_right_after_the_clock_of_a_date_in_words_or_slashes_is_read(text: str, utc: str) -> None:
    """The offset was dropped and UTC assumed: a switch's whole buffer eight hours off."""
    t = TimestampParser().parse(text)
    assert t is not None and t.epoch == _utc(utc) and not t.assumption, t


@pytest.mark.parametrize(
    ("text", "fmt", "utc"),
    [
        # Node-RED: the day before the month's name, no year.
        ("6 Dec 00:00:03 - [info] Node-RED version: v3.1.9", "day-month", "2024-12-06T00:00:03"),
        # Sophos UTM: a date with colons, a dash before the clock.
        ("2024:12:06-00:01:04 utm-1 httpproxy[5566]: id=0001", "dashed", "2024-12-06T00:01:04"),
        # OCaml's Dream: day first with dots, the year in two digits.
        ("12.06.24 08:00:00.012      dream.http  INFO Running", "day-month-dotted", "2024-06-12T08:00:00.012"),
        # Bacula: the day and the month's name joined by a dash, to the minute.
        ("09-Mar 23:05 bacula-dir JobId 48212: Start Backup JobId 48212", "day-month-minute", "2024-03-09T23:05:00"),
    ],
)
def test_more_ways_of_writing_a_date_are_read(text: str, fmt: str, utc: str) -> None:
    t = TimestampParser(year=2024).parse(text)
    assert t is not None and (t.fmt, t.epoch) == (fmt, _utc(utc)), t


def test_engine_reads_a_log_whose_times_put_the_day_before_the_month() -> None:
    lines = [f"6 Dec 0{i // 60}:{i % 60:02d}:03 - [info] [tcp in:Panel] connection from 10.0.0.{i}" for i in range(90)]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2024-12-07T00:00:00"))
    assert rep.parse_quality.timestamp_share == 1.0
    assert _range(rep) == ("2024-12-06T00:00:03Z", "2024-12-06T01:29:03Z")


@pytest.mark.parametrize(
    "line",
    [
        "Commit timestamp : 2023-08-17 16:33:01 -0700",  # a banner's fields, aligned (Dgraph)
        "     Build Date                                    : Thu Feb 22 00:00:00 UTC 2024",  # Jira's environment
        "LogInit: Compiled (64-bit): Jan 23 2024 18:34:52",  # Unreal Engine
        "Built on Mon Jan 22 10:14:05 UTC 2024",  # under Impala's version line
    ],
)
def test_a_build_date_a_banner_states_is_not_its_lines_time_nor_the_files_year(line: str) -> None:
    """Year-less glog records after a banner that states when the binary was built: the build's date was read as
    the banner line's time, its year became the file's (Dgraph's March 2024 read as March 2023, a span of 366 days)
    and the file's range began at the build (Impala: 51 days)."""
    lines = ["I0314 03:09:59.029000       1 init.go:102] ", "", "Dgraph version   : v23.1.0", line, ""]
    for i in range(40):
        lines.append(f"I0314 03:{10 + i // 60:02d}:{i % 60:02d}.029000       1 groups.go:107] Current Raft Id: {i}")
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2024-12-01T00:00:00"))
    assert _range(rep) == ("2024-03-14T03:09:59Z", "2024-03-14T03:10:39Z")
    assert rep.parse_quality.out_of_order_records == 0


def test_a_date_a_sentence_of_the_file_states_gives_year_less_times_their_year_when_no_record_does() -> None:
    """journalctl's banner "-- Logs begin at Mon 2024-03-11 06:12:40 UTC, end at ... --" is no record's time, but
    it says which year the syslog stamps under it are in (the upload came two years later)."""
    lines = ["-- Logs begin at Mon 2024-03-11 06:12:40 UTC, end at Tue 2024-03-12 23:58:41 UTC. --"]
    lines += [f"Mar 12 00:{i:02d}:04 node-2 systemd[1]: Started session {i} of user core." for i in range(40)]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2026-12-05T00:00:00"))
    assert _range(rep) == ("2024-03-12T00:00:04Z", "2024-03-12T00:39:04Z")
    assert "the year of a date the file's text states" in rep.parse_quality.time_assumptions[0]


def test_a_counter_before_a_date_is_no_time_but_an_epoch_beside_the_local_clock_of_its_instant_is() -> None:
    """SingleStore's tracelog opens each line with the microseconds since the process started, then its date: once
    the counter reached ten digits, a message first written then had it read as epoch seconds (records dated 2007 to
    2062, 810 out of order). BGL writes the epoch and then the same instant on the local clock, zone-less: the epoch
    stays the time (UTC)."""
    lines = []
    for i in range(40):
        level = "WARNING" if i % 4 == 0 else "INFO"
        msg = "Tick" if i < 20 else "Total server memory usage is above 90%"
        lines.append(f"{i * 60_000_000:08d} 2024-03-06 04:{i:02d}:02.323 {level:>8}: Thread 115076: Memory: {msg} {i}")
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _range(rep) == ("2024-03-06T04:00:02Z", "2024-03-06T04:39:02Z")
    assert rep.parse_quality.out_of_order_records == 0
    bgl = [
        f"- {1117838570 + i} 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.{50 + i:02d}.675872 R02-M1-N0-C:J12-U11"
        f" RAS KERNEL INFO instruction cache parity error corrected"
        for i in range(9)
    ]
    rep = analyze([("\n".join(bgl) + "\n").encode()])
    assert _range(rep) == ("2005-06-03T22:42:50Z", "2005-06-03T22:42:58Z")


def test_a_year_after_a_syslog_clock_is_the_times() -> None:
    """ArubaOS (and Cisco's "datetime year") write the year after the clock: it was read as the relay's host name
    and the file dated in the upload's year (2026 for a 2024 file)."""
    t = TimestampParser().parse("Mar 12 00:04:27 2024")
    assert t is not None and t.epoch == _utc("2024-03-12T00:04:27") and "year" not in t.assumption, t
    lines = [
        f"Mar 12 00:{i:02d}:27 2024 aruba-mc1 stm[3456]: <501100> <3456> <NOTI> <aruba-mc1 10.1.1.10>  |stm|  Assoc"
        f" success @ 00:{i:02d}:27.112243: 89:f2:18:b5:ae:{i:02d}"
        for i in range(40)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2026-12-06T00:00:00"))
    assert _range(rep) == ("2024-03-12T00:00:27Z", "2024-03-12T00:39:27Z")
    assert rep.format.name == "syslog-rfc3164"


def test_a_date_after_the_clock_is_the_times_day() -> None:
    """Resque's "** [09:00:04 2024-05-14] 14211: ..." : the clock was read alone and the upload's day assumed."""
    t = TimestampParser().parse("09:00:04 2024-05-14")
    assert t is not None and t.epoch == _utc("2024-05-14T09:00:04") and "date" not in t.assumption, t
    lines = [f"** [09:{i:02d}:04 2024-05-14] 14211: Checking mailers" for i in range(30)]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2026-12-06T00:00:00"))
    assert _range(rep) == ("2024-05-14T09:00:04Z", "2024-05-14T09:29:04Z")


def _clock_an_hour_ahead(start: dt.datetime, rest: Callable[[dt.datetime, int], str]) -> report_pb2.AnalysisReport:
    """A file of 30 lines a minute apart from ``start``, each a syslog clock an hour ahead of the instant ``rest`` (its
    text after the clock, of that instant and the line's index) states: read with an upload time of 2024-12-01."""
    lines = [
        f"{start + dt.timedelta(minutes=i, hours=1):%b %d %H:%M:%S} " + rest(start + dt.timedelta(minutes=i), i)
        for i in range(30)
    ]
    return analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2024-12-01T00:00:00"))


def test_a_relays_zone_less_clock_takes_the_offset_to_the_records_own_zoned_time() -> None:
    """A syslog server in CET stamps what a firewall sends, and the firewall writes its own time in UTC: "Mar 12
    00:18:06 10.1.1.2 id=firewall ... time="2024-03-11 23:18:06 UTC"" (or a load balancer's header right after the
    relay's: "... 10.1.1.20 03/11/2024:23:04:09 GMT ns01 ..."). The relay's clock was read as UTC: the file an hour
    off. The two are one instant: the relay's clock is an hour ahead, and said so."""
    start = dt.datetime(2024, 3, 11, 23, 50, 6, tzinfo=dt.UTC)
    for inner in (
        'id=firewall sn=0017C5 time="{:%Y-%m-%d %H:%M:%S} UTC" msg="Connection Opened"',
        "{:%m/%d/%Y:%H:%M:%S} GMT ns01 0-PPE-0 : TCP CONN_DELINK",
    ):
        rep = _clock_an_hour_ahead(start, lambda t, _i, inner=inner: "10.1.1.2 " + inner.format(t))
        assert _range(rep) == ("2024-03-11T23:50:06Z", "2024-03-12T00:19:06Z"), inner
        assert "+01:00" in rep.parse_quality.time_assumptions[0]
    # A sentence's label is no key of the record's time, even where the time it states is a whole offset off: a
    # sync's "last sync time: ..." a quarter of an hour, or an hour, before the record.
    for gap in (15, 60):
        lines = [
            f"{start + dt.timedelta(minutes=i):%Y-%m-%d %H:%M:%S},117 INFO  [org.keycloak.ldap] (pool-7) Sync changed"
            f" users, last sync time: {start + dt.timedelta(minutes=i - gap):%a %b %d %H:%M:%S} UTC 2024"
            for i in range(30)
        ]
        rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2024-12-01T00:00:00"))
        assert _range(rep) == ("2024-03-11T23:50:06Z", "2024-03-12T00:19:06Z"), lines[0]


def test_a_zone_less_clock_takes_the_offset_to_the_epoch_seconds_the_record_states() -> None:
    """A server's syslog in local time (CET) holds the kernel's audit records, each stating its instant in epoch
    seconds ("audit(1710238491.123:45)"), and Drupal writes its request's time as a field of its own ("|1710417994|"):
    the clock was read as UTC, an hour off. The same second but for a zone's offset: the clock's zone, said so. A
    whole number that is no such field (an expiry an hour on, "exp=...") teaches nothing."""
    start = dt.datetime(2024, 3, 12, 9, 50, 6, tzinfo=dt.UTC)
    for inner in (
        'kernel: audit: type=1400 audit({:.0f}.{:03d}:45): apparmor="DENIED" operation="open" profile="snap"',
        "drupal: https://www.example.org|{:.0f}|access denied|203.0.113.{:d}|https://www.example.org/admin|",
    ):
        rep = _clock_an_hour_ahead(start, lambda t, i, inner=inner: "web01 " + inner.format(t.timestamp(), i))
        assert _range(rep) == ("2024-03-12T09:50:06Z", "2024-03-12T10:19:06Z"), inner
        assert "+01:00" in rep.parse_quality.time_assumptions[0]
    lines = []
    for i in range(30):
        t = start + dt.timedelta(minutes=i)
        lines.append(f"{t:%b %d %H:%M:%S} web01 api: token issued exp={(t + dt.timedelta(hours=1)).timestamp():.0f}")
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2024-12-01T00:00:00"))
    assert _range(rep) == ("2024-03-12T09:50:06Z", "2024-03-12T10:19:06Z"), lines[0]


def test_the_zone_a_sentence_saying_when_the_log_begins_states_is_its_zone_less_times_zone() -> None:
    """journalctl shows times in the local zone and says so once: "-- Logs begin at Sun 2024-04-21 06:12:44 EDT, end
    at ...". Its syslog-style stamps were read as UTC (four hours off) where the file's first record is not the
    banner's second (a later excerpt); a date another sentence states in a zone is no such one."""
    banner = "-- Logs begin at Sun 2024-04-21 06:12:44 EDT, end at Mon 2024-04-22 23:58:10 EDT. --"
    lines = [banner] + [f"Apr 22 00:{i:02d}:01 db-stor02 multipathd[1043]: sdb: path up {i}" for i in range(30)]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2024-12-01T00:00:00"))
    assert _range(rep) == ("2024-04-22T04:00:01Z", "2024-04-22T04:29:01Z")
    assert "-04:00" in rep.parse_quality.time_assumptions[0]
    lines[0] = "-- The certificate expires at Sun 2024-04-21 06:12:44 EDT, renew it. --"
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2024-12-01T00:00:00"))
    assert _range(rep) == ("2024-04-22T00:00:01Z", "2024-04-22T00:29:01Z")


def test_a_date_field_of_the_stamps_day_gives_a_year_less_stamp_its_year() -> None:
    """A syslog server's "Mar 12 00:04:06 fgt01 date=2024-03-12 time=00:04:06 ...": the device's date is a field of its
    own, its clock another; the relay's year-less stamp took the upload's year (2026 for a 2024 file)."""
    lines = [
        f"Mar 12 00:{i:02d}:06 fgt01 date=2024-03-12 time=00:{i:02d}:06 type=traffic action=accept" for i in range(30)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2026-12-06T00:00:00"))
    assert _range(rep) == ("2024-03-12T00:00:06Z", "2024-03-12T00:29:06Z")


def test_a_date_in_words_with_its_year_in_a_message_gives_a_year_less_stamp_its_year() -> None:
    """Cisco IOS writes "Login Success [user: netadmin] ... at 12:00:03 CEST Mon Jun 3 2024" under a collector's
    "Jun  3 10:00:03": the file states its year, and the report said 2026 (the upload's). A date in words with its
    year, of the stamp's day, gives it; one of another day, or a clock after the year (a stamp of its own), does not."""
    lines = [
        f"Jun  3 10:{i:02d}:03 core-sw1 {4212 + i:06d}: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: netadmin]"
        f" [Source: 10.0.0.50] [localport: 22] at 12:{i:02d}:03 CEST Mon Jun 3 2024"
        for i in range(30)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2026-12-06T00:00:00"))
    assert _range(rep) == ("2024-06-03T10:00:03Z", "2024-06-03T10:29:03Z")
    other_day = [line.replace("Mon Jun 3 2024", "Fri Jun 7 2024") for line in lines]
    rep = analyze([("\n".join(other_day) + "\n").encode()], reference_epoch=_utc("2026-12-06T00:00:00"))
    assert _range(rep)[0].startswith("2026-06-03"), _range(rep)
    day_first = [line.replace("Mon Jun 3 2024", "3 June 2024") for line in lines]
    rep = analyze([("\n".join(day_first) + "\n").encode()], reference_epoch=_utc("2026-12-06T00:00:00"))
    assert _range(rep)[0].startswith("2024-06-03"), _range(rep)


def test_a_zones_name_after_a_syslog_clock_closed_by_a_colon_is_its_zone() -> None:
    """Cisco IOS with "service timestamps log datetime msec localtime show-timezone": "001001: Mar 14 00:00:36.475
    EDT: %LINK-3-UPDOWN: ...". The zone was dropped ("assumed UTC"): every record four hours off."""
    t = TimestampParser(year=2024).parse("Mar 14 00:00:36.475 EDT: %LINK-3-UPDOWN: Interface up")
    assert t is not None and t.epoch == _utc("2024-03-14T04:00:36.475") and "zone" not in t.assumption, t


def test_a_date_a_past_participle_states_is_no_records_time() -> None:
    """A device's boot banner among its buffer's records: "Compiled Fri 20-Oct-23 10:44 by mcpre" was read as a record
    of October 2023, the file's span 146 days."""
    lines = [
        f"{1000 + i:06d}: Mar 14 00:{i:02d}:36.475 UTC: %LINK-3-UPDOWN: Interface Gi1/0/{i}, changed state"
        for i in range(20)
    ]
    lines.insert(10, "Compiled Fri 20-Oct-23 10:44 by mcpre")
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2024-12-01T00:00:00"))
    assert _range(rep) == ("2024-03-14T00:00:36Z", "2024-03-14T00:19:36Z")


def test_a_twelve_hour_clock_without_a_date_keeps_its_half_of_the_day() -> None:
    """Netlify's build log opens each line with "11:57:41 PM: ": the 24-hour reading of the clock matched first and
    left "PM" in the message: every time 12 hours off, and the midnight a build crossed never crossed."""
    clocks = [f"11:{57 + i // 60}:{i % 60:02d} PM" for i in range(120)] + ["12:00:00 AM", "12:00:05 AM"]
    lines = [f"{c}: Installing npm packages step {i}" for i, c in enumerate(clocks)]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2024-03-15T06:00:00"))
    start, end = _range(rep)
    assert start.endswith("T23:57:00Z") and end.endswith("T00:00:05Z"), (start, end)
    assert all("PM" not in t.text for t in rep.templates), [t.text for t in rep.templates]


def test_a_dashed_date_with_its_century_left_out_is_year_first() -> None:
    """Clojure's timbre writes "24-01-18 21:33:04" (yy-MM-dd): read as no time at all, the file had no timeline and its
    stack traces' lines were records of their own."""
    t = TimestampParser().parse("24-01-18 21:33:04 ledger-7c9f INFO [ledger.worker:61] - Posted entry 9")
    assert t is not None and t.epoch == _utc("2024-01-18T21:33:04"), t


def test_a_year_before_the_months_name_is_the_stamps_year() -> None:
    """Cisco NX-OS's "2024 Mar 15 06:14:27 N9K-1 %..." and Boost's "2024-Mar-15 06:14:27.123456": the year was left
    out and the upload's assumed (2026)."""
    parser = TimestampParser(reference_epoch=_utc("2026-12-06T00:00:00"))
    t = parser.parse("2024 Mar 15 06:14:27 N9K-CORE-1 %ETHPORT-5-SPEED: Interface Ethernet1/12, speed 10 Gbps")
    assert t is not None and t.epoch == _utc("2024-03-15T06:14:27") and "year" not in t.assumption, t
    t = parser.parse("2024-Mar-15 06:14:27.250000 <info> server started")
    assert t is not None and t.epoch == _utc("2024-03-15T06:14:27.25") and "year" not in t.assumption, t


def test_a_day_glued_to_its_months_name_is_a_date() -> None:
    """BeeGFS writes "(3) Feb27 06:41:03 Main [App] >> ...": the date was skipped and every record dated the upload's
    day."""
    t = TimestampParser(year=2024).parse("(3) Feb27 06:41:03 Main [App] >> BeeGFS Storage Server Version: 7.4.2")
    assert t is not None and t.epoch == _utc("2024-02-27T06:41:03"), t


def test_a_zone_the_file_states_holds_where_a_message_carries_its_own_utc_time() -> None:
    """A journal shown in CET ("-- Logs begin at ... CET") of k3s, whose messages carry their own time in UTC an hour
    behind: the inner time was taken for the prefix's own wall clock (zone +00:00 learned "from the file") and every
    record was an hour late."""
    banner = "-- Logs begin at Fri 2026-12-04 22:11:08 CET, end at Sun 2026-12-06 11:31:47 CET. --"
    lines = [banner] + [
        f'Dec 06 09:{i:02d}:12 k3s-1 k3s[1187]: time="2026-12-06T08:{i:02d}:12Z" level=info msg="step {i} done"'
        for i in range(30)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2026-12-07T00:00:00"))
    assert _range(rep) == ("2026-12-06T08:00:12Z", "2026-12-06T08:29:12Z"), rep.parse_quality.time_assumptions


def _tai64n(t: float) -> str:
    """The TAI64N label of a Unix time, as daemontools' tai64n writes it (2^62 + 10 + the second, the nanosecond)."""
    sec = math.floor(t)
    return f"@{2**62 + 10 + sec:016x}{round((t - sec) * 1e9):08x}"


def test_a_tai64n_label_is_the_records_time() -> None:
    """runit's svlogd and daemontools' multilog open each line with "@4000000065f00b8e0019b1ee": 0% timestamps, no
    timeline, every template opening with "@<*>"."""
    t0 = _utc("2024-03-12T08:00:04.25")
    assert TimestampParser().parse(_tai64n(t0) + " new msg 1712372").epoch == t0  # type: ignore[union-attr]
    lines = [f"{_tai64n(t0 + 7 * i)} INFO:relay.worker:delivered evt_{i:04d} status=200" for i in range(40)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.timestamp_share == 1.0
    assert _range(rep) == ("2024-03-12T08:00:04Z", "2024-03-12T08:04:37Z")
    assert [t.text for t in rep.templates] == ["delivered <*> status=<*>"]


def test_a_zone_closing_the_header_with_a_colon_is_the_stamps_zone() -> None:
    """Aerospike writes "Mar 12 2024 13:00:01 GMT: INFO (as): ...": the zone was left out ("assumed UTC"), and under an
    upload's zone every time moved by its offset."""
    t = TimestampParser(default_zone="Europe/Berlin").parse("Mar 12 2024 13:00:01 GMT: INFO (as): (as.c:351) ready")
    assert t is not None and t.epoch == _utc("2024-03-12T13:00:01") and t.assumption == "", t
    t = TimestampParser().parse("Mar 12 2024 13:00:01 CET: INFO (as): (as.c:351) ready")
    assert t is not None and t.epoch == _utc("2024-03-12T12:00:01"), t


def test_a_time_a_line_labels_is_read_where_the_files_layout_puts_none() -> None:
    """Skipper writes its own records as "[APP]time=\"...\" level=info msg=..." among its access lines: the access
    layout read the bracketed tag as their time column, found none there, and a quarter of the file had no time (a
    restart cited "no time written")."""
    said = ("Expose metrics in codahale format", "enable swarm: false", "Replacing {} filter specification")
    app = [said[k % 3].format(f"f{k}") for k in range(12)]
    access = (
        '10.2.5.{0} - - [06/Dec/2026:11:{1:02d}:51 +0000] "GET /products/{0} HTTP/1.1" 200 6175 "-" "okhttp/4.12.0"'
    )
    lines = [f'[APP]time="2026-12-06T11:00:{k:02d}Z" level=info msg="{m}"' for k, m in enumerate(app)]
    lines += [access.format(i, i) for i in range(1, 50)]
    lines += [f'[APP]time="2026-12-06T11:55:{k:02d}Z" level=info msg="{m}"' for k, m in enumerate(app)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.timestamp_share == 1.0
    assert _range(rep) == ("2026-12-06T11:00:00Z", "2026-12-06T11:55:11Z")


def test_a_year_written_by_a_later_record_of_the_head_is_the_files_year() -> None:
    """A node's kern.log opens with the firewall's lines, no year in their stamps; the AppArmor lines under them write
    the audit record's epoch ("audit(1710238491.123:45)", 2024): the upload's year (2026) was given to every record,
    the first one's stamp having been read before a record that tells the year."""
    ufw = "Mar 12 10:{0:02d}:51 web-03 kernel: [531126.98{0:04d}] [UFW BLOCK] IN=ens3 OUT= SRC=167.92.39.{0} PROTO=TCP"
    lines = [ufw.format(i) for i in range(10)]
    lines += [
        f"Mar 12 10:{10 + i:02d}:{i:02d} web-03 kernel: [531200.00{i:04d}] audit: type=1400 "
        f'audit({_utc(f"2024-03-12T10:{10 + i:02d}:{i:02d}"):.0f}.123:{45 + i}): apparmor="DENIED" operation="open"'
        for i in range(20)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2026-12-07T00:00:00"))
    assert _range(rep) == ("2024-03-12T10:00:51Z", "2024-03-12T10:29:19Z"), rep.parse_quality.time_assumptions


def test_a_zone_less_stamp_takes_the_one_offset_the_files_other_stamps_write() -> None:
    """XtraBackup writes "2024-03-12T02:00:01.100000+01:00 0 [Note] ..." and, from its version check, "240312 02:00:01
    version_check ...": the zone-less lines were read as UTC, an hour late (111 records out of order, the file's end an
    hour after its last line). Where the zoned stamps write offsets that differ, nothing is assumed from them."""
    zoned = "2024-03-12T02:{0:02d}:01.100000{1} 0 [Note] [MY-011825] [Xtrabackup] Copying ./shop/t{0}.ibd to backup"
    plain = "240312 02:{0:02d}:30  version_check Connected to MySQL server"
    lines = (
        [zoned.format(i, "+01:00") for i in range(5)]
        + [plain.format(5)]
        + [zoned.format(i, "+01:00") for i in range(6, 9)]
    )
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert rep.parse_quality.out_of_order_records == 0, rep.parse_quality.time_assumptions
    assert _range(rep) == ("2024-03-12T01:00:01Z", "2024-03-12T01:08:01Z")
    lines = [zoned.format(i, "+01:00" if i % 2 else "+02:00") for i in range(5)] + [plain.format(5)]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _range(rep)[1] == "2024-03-12T02:05:30Z", rep.parse_quality.time_assumptions  # (UTC, as the upload's)


def _scanner_run(day: str, start: int, checks: int) -> list[str]:
    """A tool's run as it writes it under a time of day alone: its banner, the date it states at its first clock,
    its checks, the date it ends at."""
    lines = [f"[06:25:{start:02d}] Running Rootkit Hunter version 1.4.6 on web-01", f"[06:25:{start:02d}] "]
    lines.append(f"[06:25:{start:02d}] Info: Start date is {day} 06:25:{start:02d} AM CET")
    lines += [f"[06:25:{start + 1 + i // 4:02d}] Info: Found the 'c{i}' command: /usr/bin/c{i}" for i in range(checks)]
    end = start + 1 + (checks - 1) // 4
    return [*lines, f"[06:25:{end:02d}] Info: End date is {day} 06:25:{end:02d} AM CET"]


def test_a_date_a_clock_only_record_states_at_its_clock_dates_it_and_the_lines_after_it() -> None:
    """rkhunter writes "[hh:mm:ss]" alone before each line and states the date of a run at its first clock ("Start
    date is Mon 11 Mar 2024 06:25:03 AM CET"): two daily runs were both put on the upload's day, 37 seconds long and
    out of order, in UTC. The date a record states at its own clock is its date, with its zone; the next run's first
    lines, before its date, are on the next run's day."""
    lines = _scanner_run("Mon 11 Mar 2024", 3, 40) + _scanner_run("Tue 12 Mar 2024", 2, 40)
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2026-12-07T12:00:00"))
    assert _range(rep) == ("2024-03-11T05:25:03Z", "2024-03-12T05:25:12Z")
    assert rep.parse_quality.out_of_order_records == 0
    assert "zone +01:00 (from the file)" in rep.parse_quality.time_assumptions[0]
    # A date at another clock is no record's date (a certificate's expiry): the clock stays on the upload's day.
    other = [line.replace("Start date is", "Certificate expires") for line in _scanner_run("Mon 11 Mar 2024", 1, 40)]
    other[2] = other[2].replace("06:25:01 AM", "11:59:59 PM")
    other[-1] = other[-1].replace("End date is", "Certificate checked")
    other[-1] = other[-1][: other[-1].index(" Mon")] + " Mon 11 Mar 2024 11:59:59 PM CET"
    rep = analyze([("\n".join(other) + "\n").encode()], reference_epoch=_utc("2026-12-07T12:00:00"))
    assert _range(rep) == ("2026-12-07T06:25:01Z", "2026-12-07T06:25:11Z")


def _device_boot(count: int) -> list[str]:
    """A device's boot as it writes it before its clock is set: its clock reads midnight, its banner fifth."""
    return [
        "00:00:00.001 HDW: ESP8266EX",
        "00:00:00.009 UFS: FlashFS mounted with 44 kB free",
        f"00:00:00.017 CFG: Loaded from File, Count {count}",
        "00:00:00.021 QPC: Count 1",
        "00:00:00.085 Project tasmota - Tasmota Version 13.2.0(tasmota)",
        "00:00:02.185 WIF: Connected",
    ]


def test_a_devices_clock_only_log_is_dated_by_its_reports_and_a_clock_reset_at_its_reboot_is_no_new_day() -> None:
    """A device writes its time of day alone, and its periodic report states the date at that clock
    ('{"Time":"2023-12-04T14:05:17", ...}'). At a reboot its clock starts from midnight until it is set: the day had
    rolled on there (the clock went back 14 hours), and the report after it says it did not; the file was on the
    upload's day and 39 hours long. The boot sequence, its banner after four lines of it, written again after the
    reset is a restart."""
    lines = _device_boot(1222)
    for i in range(30):
        clock = f"14:{5 + i:02d}:17"
        lines.append(f'{clock}.098 MQT: tele/plug/STATE = {{"Time":"2023-12-04T{clock}","Uptime":"0T00:0{i % 10}:05"}}')
    lines += ["14:53:17.401 CMD: Restart 1", "14:53:17.511 APP: Restarting", *_device_boot(1223)]
    for i in range(10):
        clock = f"14:{54 + i // 2:02d}:{23 + i:02d}"
        lines.append(f'{clock}.492 MQT: tele/plug/STATE = {{"Time":"2023-12-04T{clock}","Uptime":"0T00:01:05"}}')
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2026-12-07T12:00:00"))
    assert _range(rep) == ("2023-12-04T00:00:00Z", "2023-12-04T14:58:32Z")
    restarts = [a for a in rep.anomalies if a.kind == report_pb2.ANOMALY_KIND_RESTART]
    assert [a.line_numbers[0] for a in restarts] == [len(_device_boot(0)) + 30 + 2 + 1]


def test_milliseconds_after_a_colon_then_an_offset_are_the_stamps() -> None:
    """Windows' ReportingEvents.log writes "2024-02-27 09:12:04:211+0100", its milliseconds after a colon: the offset
    after them was not read, every record an hour off and "no time zone in the timestamp; assumed UTC"."""
    t = TimestampParser().parse("{79CB9E86-830C-71C2}\t2024-02-27 09:12:04:211+0100\t1\t147 [AGENT_DETECTION_FINISHED]")
    assert t is not None and (t.epoch, t.assumption) == (_utc("2024-02-27T08:12:04.211"), "")
    t = TimestampParser().parse("2024-02-27 09:12:04:2113 ok")  # four digits: no milliseconds, nor their offset
    assert t is not None and t.epoch == _utc("2024-02-27T09:12:04")


def test_a_date_a_named_field_of_a_banner_states_is_no_records_time() -> None:
    """A solver's transcript writes no times but its banner's "Build Time: Jun 07 2023 09:33:50 EDT  Build Id: 10149":
    the build's date became the time of every record after it (a crash in March 2024 dated June 2023). A field's name
    of words in capitals before a date names a date of another thing; a sentence that says when the log began
    ("Log file created at: ...", glog's) is still the file's time."""
    lines = ["Welcome to ANSYS Fluent 2023 R2", "Build Time: Jun 07 2023 09:33:50 EDT  Build Id: 10149"]
    lines += [f"  iter {i}  continuity {i}.2e-03  x-velocity {i}.1e-04" for i in range(40)]
    rep = analyze([("\n".join(lines) + "\n").encode()], reference_epoch=_utc("2024-03-05T00:00:00"))
    assert rep.parse_quality.timestamp_share == 0.0


def test_a_date_after_a_fields_name_and_blanks_that_align_it_is_no_records_time() -> None:
    """Milvus's start banner writes "Built:     Thu Jan  4 10:05:09 UTC 2024" (its values aligned after the colon):
    the build's date became the time of the banner's records, the file 70 days long instead of 94 minutes."""
    lines = ["Milvus Standalone starting", "Version:   v2.3.5", "Built:     Thu Jan  4 10:05:09 UTC 2024", ""]
    lines += [
        f'[2024/03/14 12:{i:02d}:03.117 +00:00] [INFO] [datacoord/server.go:362] ["flushed segment {i}"]'
        for i in range(40)
    ]
    rep = analyze([("\n".join(lines) + "\n").encode()])
    assert _range(rep) == ("2024-03-14T12:00:03Z", "2024-03-14T12:39:03Z")
