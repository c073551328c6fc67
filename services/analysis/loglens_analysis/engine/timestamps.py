"""Timestamps in the usual formats, normalised to UTC seconds since the epoch.

Each *family* (ISO 8601, syslog, klog, epoch numbers, ...) is one regex with named groups, plus a second
regex at one-second resolution that the analyzer uses to find and cache the times of many records: its
matched text is the cache key, so it holds everything that changes the instant (the zone offset when the
text has one) and, where it can, leaves the fraction out (so records of the same second share the key).

Rules (the report records every assumption, ``ParsedTime.assumption`` says which):

- an offset or ``Z`` in the text is always applied, and so is a zone of the tz database named after the time
  ("05:51:03 Europe/Berlin", DST-correct), and then nothing is assumed about the zone; a text without one is
  read in the zone hint (an IANA name, DST-correct), else in the one zone the file's head names that way
  (``learn_named_zone``), else as UTC;
- a year in the text wins. A year-less stamp (syslog, klog, logcat, ``MM.DD``) takes the year hint, else
  the year of the file's dated stamps (the nearest one to the last dated stamp), else the latest year
  that does not put it after the reference time (the upload time), else 2000 (a leap year, so 29 Feb
  parses) rolled forward when the months wrap;
- a time with no date at all takes the date of the file's last dated stamp, else the reference date,
  else 2000-01-01, and moves a day on when the clock goes back by more than 12 hours.

Nothing here reads the clock: the same input and hints always give the same times.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import functools
import math
import re
import time as _time
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .records import JOIN

MONTHS = {m: i for i, m in enumerate(calendar.month_abbr) if m}

ASSUME_NONE = ""
# (The writer's clock was most often its host's local time: a person is told that the zone is not known and how to
# give it, not only that UTC was taken.)
ASSUME_UTC = "no time zone in the timestamp; read as UTC, the writer's zone unknown (an upload's time_zone sets it)"
ASSUME_YEAR = "no year in the timestamp; assumed 2000 (rolled forward when months wrap), UTC"
ASSUME_FILE_YEAR = "no year in the timestamp; assumed the year of the file's dated timestamps, UTC"
ASSUME_STATED_YEAR = "no year in the timestamp; assumed the year of a date the file's text states, UTC"
ASSUME_STATED_DATE = "no date in the timestamp; assumed the date the file's text states last, UTC"
ASSUME_ZONE_NAME = "time zone abbreviation in the timestamp not understood (they are ambiguous); assumed UTC"
ASSUME_NO_DATE = "no date in the timestamp; assumed the date of the file's last dated timestamp, UTC"
ASSUME_NO_DATE_FALLBACK = (
    "no date in the timestamp and none in the file; placed on 2000-01-01 (only the time of day and the "
    "order are meaningful), UTC"
)
SYSLOG_DEFAULT_YEAR = 2000
_UTC_SUFFIX = ", UTC"
_HALF_DAY = 43_200
_DAY = 86_400
_ZONE_SLACK = 14 * 3600  # a wall clock may be this far ahead of UTC

# --------------------------------------------------------------------------- regex parts
# A month's name, in capitals too (Oracle's "30-NOV-2026 08:00:07", a mainframe's "NOV 30"): the same months.
_MON = (
    r"(?P<mon>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}"
    r"|(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]{0,6})\.?"
)
_DOW = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]{0,6}"
_H2 = r"(?P<H>[01]\d|2[0-3])"
_H12 = r"(?P<H>[01]?\d|2[0-3])"  # one or two digits
_MS = r"(?P<M>[0-5]\d):(?P<S>[0-5]\d|60)(?!\d)"
_HMS = _H2 + ":" + _MS
_HMS12 = _H12 + ":" + _MS
_HMS_UNPADDED = _H12 + r":(?P<M>[0-5]?\d):(?P<S>[0-5]?\d|60)(?!\d)"  # 9:05:07 or 9:5:7
# Any length, the first 9 digits read; after a colon, milliseconds (Windows' "2024-02-27 09:12:04:211+0100").
_FRAC = r"(?:[.,]|:(?=\d{3}(?!\d)))(?P<frac>\d+)"
# An offset's sign; a plus as a JSON string escapes it too (.NET's System.Text.Json writes "+" as "\u002B":
# '"Timestamp":"2026-12-05T00:00:02.331\u002B01:00"', its JSON console formatter's every record).
_SIGN = r"(?:[+-]|\\u002[Bb])"
_OFF = _SIGN + r"(?:[01]\d|2[0-3])(?::?[0-5]\d)?"  # +hh, +hhmm, +hh:mm (hours up to 23)
_OFF_LONG = _SIGN + r"(?:[01]\d|2[0-3]):?[0-5]\d"  # +hhmm, +hh:mm: only these may follow a space
# An offset after a UTC word: Java's "GMT+01:00" (SimpleDateFormat's general time zone), "UTC+1", "GMT-5".
_OFF_WORD = r"(?:UTC|GMT)[+-](?:1[0-4]|0?\d)(?::?[0-5]\d)?"
# Zone names: only the unambiguous ones are read (CST, IST, BST, AST mean different zones in different places).
_ZONE_NAMES = {
    "Z": 0,
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "WET": 0,
    "CET": 60,
    "WEST": 60,
    "CEST": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "HKT": 480,
    "SGT": 480,
    "AWST": 480,
    "JST": 540,
    "KST": 540,
    "ACST": 570,
    "AEST": 600,
    "AEDT": 660,
    "NZST": 720,
    "NZDT": 780,
    "HST": -600,
    "AKST": -540,
    "AKDT": -480,
    "PST": -480,
    "PDT": -420,
    "MST": -420,
    "MDT": -360,
    "EST": -300,
    "EDT": -240,
}
_UTC_ZONES = frozenset({"Z", "UTC", "GMT", "UT"})
_AMBIGUOUS_ZONES = ("CST", "CDT", "IST", "BST", "AST", "ADT")  # noted, not read
# A zone of the tz database by its name ("Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"): one of
# the database's areas, a slash, a location. Its offset depends on the date (DST), read per wall-clock minute.
_IANA_AREA = r"(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)/"
_IANA_ZONE = _IANA_AREA + r"[A-Z][A-Za-z0-9_+-]*+(?:/[A-Z][A-Za-z_-]*+)?+(?![\w/])"
_NAMED_ZONE = (
    "(?:(?:"
    + "|".join(sorted([*_ZONE_NAMES, *_AMBIGUOUS_ZONES], key=len, reverse=True))
    # (A colon may close the header field the zone ends: Cisco IOS's "Mar 14 00:00:36.475 EDT: %LINK-3-UPDOWN: ...".)
    + r")(?!\w|:\S)|"
    + _IANA_ZONE
    + ")"
)
# A tz database name right after a time of day (and its fraction): the zone a file's stamps name; the area alone
# first (a cheap test: most files name none).
_IANA_AFTER_TIME = re.compile(rf"\d:[0-5]\d(?:[.,]\d+)?\s({_IANA_ZONE})")
_IANA_AREA_RE = re.compile(_IANA_AREA)


class _Tail(NamedTuple):
    """What may follow the seconds of a family: a fraction, a zone (and where), text needed after it."""

    frac: str | None  # fraction pattern (with a group "frac"), or None
    zone: str  # "adj+sp" (right after, or after a space), "adj" (right after), "sp" (after a space), ""
    after: str = ""  # a pattern that must follow (a year, AM/PM): then the fraction is part of the key


class Family(NamedTuple):
    """One timestamp family: its full regex (for ``parse``) and its second-resolution regexes."""

    name: str
    rx: re.Pattern[str]  # full: fraction and zone captured
    sec_rx: re.Pattern[str]  # analyzer key when zone-less text means UTC: UTC zones left out of the key
    sec_rx_local: re.Pattern[str]  # analyzer key when zone-less text has another zone: every zone kept
    dated: str  # "date" (full date), "year-less", "time-only", "epoch"


# Where a zone after the seconds ends: no word character after it, and a colon only where it closes a header field (a
# blank or the end after it: libvirt's "2026-12-05 10:00:00.004+0100: 2211: info : ..."), not a longer offset's.
_ZONE_END = r"(?!\w|:\S)"


def _zone(kind: str, group: str, utc_only: bool = False) -> str:
    """A zone after the seconds (and fraction), captured as ``group``; with ``utc_only``, only zones that
    mean UTC (Z, +00, +0000, +00:00, UTC, GMT, UT)."""
    off = r"[+-]00(?::?00)?" if utc_only else _OFF
    off_long = r"[+-]00:?00" if utc_only else _OFF_LONG
    # A UTC word followed by an offset is that offset ("GMT+01:00"), not UTC.
    words = r"(?:UTC|GMT)[+-]0?0(?::?00)?|" if utc_only else _OFF_WORD + "|"
    words += r"(?:UTC|GMT|UT)(?![+-]\d)|Z"
    if kind == "adj":
        return rf"(?P<{group}>(?:{off}|Z){_ZONE_END})"
    if kind == "adj+sp":
        # After a space only +hhmm, +hh:mm, a UTC word or a zone's name (PostgreSQL's "12:00:01.123 CET"):
        # "10:00:00 -12 items" is text. An offset may have its zone's name after it, which the offset says (Go's
        # time.Time as it prints itself: "2024-03-14 06:00:02.118223523 +0100 CET", "... +0000 UTC").
        # An offset of hours alone after a space where the header goes on after it, no word of prose next (PostgreSQL's
        # "%t" in a zone set by its offset, Duplicati's "2024-03-08 02:00:00 +01 - [Information-...]").
        named = rf"(?:(?<=\d) {_NAMED_ZONE})?+"
        hours = r"[+-]00" if utc_only else r"[+-](?:0\d|1[0-4])"
        hours += r"(?= [^\sa-z])"
        if utc_only:
            space = rf"(?:\s(?=(?:{off_long}|{words}){_ZONE_END}|{hours}))?+"
            return rf"{space}(?P<{group}>(?:{off}|{words}){_ZONE_END}){named}"
        space = rf"(?:\s(?=(?:{off_long}|{words}){_ZONE_END}|{hours}|{_NAMED_ZONE}))?+"
        return rf"{space}(?P<{group}>(?:{off}|{words}){_ZONE_END}|(?<=\s){_NAMED_ZONE}){named}"
    if kind == "sp":
        named = "" if utc_only else "|" + _NAMED_ZONE
        return rf" (?P<{group}>(?:{off}|{words}){_ZONE_END}{named})"
    raise ValueError(kind)


def _family(name: str, head: str, tail: _Tail, dated: str, key: str | None = None) -> Family:
    """Builds the regexes of a family from its parts (no regex text is edited afterwards)."""
    frac = rf"(?:{tail.frac})?" if tail.frac else ""
    zone = rf"(?:{_zone(tail.zone, 'tz')})?" if tail.zone else ""
    full = head + frac + zone + tail.after
    if key is not None:
        sec = local = key
    elif tail.after:
        # Text after the time is needed: the fraction (if any) is part of the key, like everything else.
        sec = local = full
    elif tail.zone:
        skip = r"(?:[.,:]\d++)?+" if tail.frac else ""
        # (A backslash: the escaped plus of ``_SIGN``.)
        first = {"adj": r"[-+Z\\]", "adj+sp": r"\s?+[-+A-Z\\]", "sp": r" [-+A-Z\\]"}[tail.zone]
        guard = rf"(?={skip}{first})"  # cheap: most zone-less stamps stop here
        utc = rf"(?={skip}{_zone(tail.zone, 'utc', utc_only=True)})"
        other = frac + _zone(tail.zone, "tz")
        # 1. a UTC zone: looked at, left out of the key (zone-less text is UTC too: the same instant);
        # 2. another zone: in the key, and so is the fraction before it (the minute cache copes);
        # 3. no zone: the key ends at the seconds.
        sec = head + rf"(?:{guard}(?:{utc}|{other}))?"
        local = head + rf"(?:{guard}{other})?"
    else:
        sec = local = head
    return Family(name, re.compile(full), re.compile(sec), re.compile(local), dated)


# A 12-hour clock's half of the day after its seconds (or its fraction), if written.
_AMPM = r"(?: ?(?P<ampm>[AaPp][Mm])(?!\w))?"
# The half of the day, then a zone, after the seconds of a date written in words or slashes ("Nov 30, 2026 8:00:07 AM
# UTC", "11/30/26 8:00:07:123 EST").
# An offset may also follow the clock with no blank ("Dec  6 2024 20:50:45+08:00", network devices' logs), as it
# does in ISO 8601.
# (A colon after the zone only where it closes the header: Aerospike's "Mar 12 2024 13:00:01 GMT: INFO ...".)
_AMPM_ZONE = rf"{_AMPM}(?:(?: |(?<=\d)(?=[+-]))(?P<tz>{_OFF_LONG}|{_OFF_WORD}|{_NAMED_ZONE}){_ZONE_END})?"


# After a ctime's clock: its half of the day, its zone, then its year.
_CTIME_TAIL = _Tail(
    _FRAC,
    "",
    rf"{_AMPM}(?: (?P<tz>[+-]\d{{4}}|{_OFF_WORD}|{_NAMED_ZONE}))? (?P<Y>\d{{4}})(?!\d)",
)


def _families() -> tuple[Family, ...]:
    iso_date = r"(?<![\w.])(?P<Y>\d{4})-(?P<m>[01]\d)-(?P<d>[0-3]\d)"
    any_frac = _Tail(_FRAC, "adj+sp")
    return (
        # RFC 3339 / ISO 8601 with T or space, Python logging, log4j, Windows, CRI / GitHub Actions prefixes; a
        # comma and a space between date and time too (Airflow's "2024-03-01, 12:00:01 UTC"), or a dash between
        # spaces. After a space, an hour of one digit, padded with a second space or not (MariaDB's
        # "2024-03-01  8:00:07"), or two spaces before any (Icecast's "[2024-03-14  06:00:02]"). A tab between them:
        # the date and time columns of a tab-separated log (CloudFront's); a bar (Tendermint's and CometBFT's
        # "I[2024-03-12|11:00:00.012]"), alone or between blanks (a table's date and clock columns).
        # A 12-hour clock's half of the day after the seconds ("2026-11-30 08:00:07 PM CET"), where no fraction is.
        _family(
            "iso8601",
            rf"{iso_date}(?:T(?=\d\d)|(?:  ?|, | [-|] |\t|\|)(?: (?=\d:))?){_HMS12}{_AMPM}",
            any_frac,
            "date",
        ),
        # ISO 8601 basic: 20240101T100000Z.
        _family(
            "iso8601-basic",
            r"(?<![\w.])(?P<Y>\d{4})(?P<m>[01]\d)(?P<d>[0-3]\d)T" + _H2 + r"(?P<M>[0-5]\d)"
            r"(?P<S>[0-5]\d|60)",
            any_frac,
            "date",
        ),
        # The same with a colon between the date and the clock (Zabbix's "1234:20240301:080007.123").
        _family(
            "basic-colon",
            r"(?<![\w.])(?P<Y>\d{4})(?P<m>[01]\d)(?P<d>[0-3]\d):" + _H2 + r"(?P<M>[0-5]\d)(?P<S>[0-5]\d|60)(?![\d:])",
            _Tail(r"\.(?P<frac>\d+)", ""),
            "date",
        ),
        # 2005-06-03-15.42.50.675872 (BGL, DB2); the date written with dots, the fraction after a colon (Unreal
        # Engine's "[2026.11.30-08.00.01:123]"), or with colons (Sophos UTM's "2024:12:06-00:00:22").
        _family(
            "dashed",
            r"(?<![\w.])(?P<Y>\d{4})[-.:](?P<m>[01]\d)[-.:](?P<d>[0-3]\d)-"
            + rf"{_H2}[.:](?P<M>[0-5]\d)[.:](?P<S>[0-5]\d|60)",
            _Tail(r"[.:](?P<frac>\d+)", ""),
            "date",
        ),
        # Go and nginx error logs: 2006/01/02 15:04:05(.000000).
        # A dash between spaces, too: Gin's "[GIN] 2024/03/01 - 12:00:01 | 200 | ...", or alone: RocksDB's and
        # LevelDB's "2024/03/01-12:00:01.123456".
        _family(
            "slashed",
            r"(?<![\w./])(?P<Y>\d{4})/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)(?:[ T:-]| - )" + _HMS12,
            any_frac,
            "date",
        ),
        # 2005.11.09 10:00:00.
        _family("dotted", r"(?<![\w.])(?P<Y>\d{4})\.(?P<m>[01]\d)\.(?P<d>[0-3]\d)[ T-]" + _HMS, any_frac, "date"),
        # 20171223-22:15:29:606; after this full a date, the clock's fields may be written without their leading
        # zero (20171224-0:5:9:33).
        _family(
            "compact-dash",
            r"(?<![\w.])(?P<Y>\d{4})(?P<m>[01]\d)(?P<d>[0-3]\d)[- ]" + _HMS_UNPADDED,
            _Tail(r"[.,:](?P<frac>\d+)", "adj"),
            "date",
        ),
        # Apache / nginx access logs: 10/Oct/2000:13:55:36 -0700; Python's http.server and Django: 10/Oct/2000 13:55:36.
        _family(
            "apache", r"(?<![\w/])(?P<d>[0-3]?\d)/" + _MON + r"/(?P<Y>\d{4})[: ]" + _HMS, _Tail(_FRAC, "sp"), "date"
        ),
        # ctime, Apache error logs, Go UnixDate: Wed May  1 10:00:00(.123) (MST )2024; GNU date(1) in a 12-hour
        # locale ("Mon Nov 30 08:00:07 AM CET 2026"), and day first as en_GB writes it ("Mon 30 Nov 08:00:07 GMT 2026").
        _family("ctime", rf"(?<!\w){_DOW},? {_MON} +(?P<d>[0-3]?\d) {_HMS12}", _CTIME_TAIL, "date"),
        _family("ctime-day-first", rf"(?<!\w){_DOW},? (?P<d>[0-3]?\d) {_MON} {_HMS12}", _CTIME_TAIL, "date"),
        # A syslog time with its year after the clock, as network devices' relays write it (ArubaOS, Cisco's
        # "service timestamps log datetime year": "Mar 12 00:04:27 2024 aruba-mc1 stm[3456]: ...").
        _family(
            "syslog-year",
            rf"(?<!\w){_MON} +(?P<d>[0-3]?\d) {_HMS}",
            # (Its milliseconds after a colon where HPE Comware writes them: "%Mar 14 00:06:32:007 2024 Core1 ...".)
            _Tail(r"[.,:](?P<frac>\d+)", "", r" (?P<Y>(?:19|20)\d\d)(?![\d:.-])"),
            "date",
        ),
        # The year first, then the month by its name and the day (Cisco NX-OS's "2024 Mar 15 06:14:27 N9K-1 %...",
        # Boost's "2024-Mar-15 06:14:27.123456").
        _family(
            "year-month-name",
            rf"(?<![\w.:/-])(?P<Y>(?:19|20)\d\d)([ -]){_MON}\2(?P<d>[0-3]?\d) {_HMS}",
            _Tail(_FRAC, ""),
            "date",
        ),
        # RFC 822 / 1123 and log4j DATE: (Mon, )02 Jan 2006 15:04(:05)(,000) (-0700); Erlang/OTP's
        # "2-Jan-2006::15:04:05"; GNU date's "+%c" in a 12-hour locale: "Mon 30 Nov 2026 08:00:07 AM CET"; the
        # long form with two blanks before the clock ("Thursday 14 March 2024  02:00:04 +0000", Ansible's task
        # timer).
        _family(
            "day-month-year",
            rf"(?<![\w.:/-])(?:{_DOW},? )?(?P<d>[0-3]?\d)[ -]{_MON}[ -](?:(?P<Y>\d{{4}})|"
            rf"(?P<y2>\d\d))(?: {{1,2}}|::){_H12}:(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d|60))?{_AMPM}",
            _Tail(_FRAC, "sp"),
            "date",
        ),
        # java.util.logging and friends: Jan 12, 2012 3:53:59 PM; also Jan 12 2012 15:53:59; Kibana's "@" before the
        # time: Jan 12, 2012 @ 15:53:59.123; the long English style's "at": November 30, 2026 at 8:00:07 PM; a dash
        # between blanks (Django's "March 14, 2024 - 08:47:12").
        _family(
            "month-day-year",
            rf"(?<!\w){_MON} +(?P<d>[0-3]?\d),? (?P<Y>\d{{4}})(?:,? | @ |,? at | - ){_HMS12}",
            _Tail(_FRAC, "", _AMPM_ZONE),
            "date",
        ),
        # US dates: 05/01/2024 10:00:00 (PM); day first (25/12/2024) where the file's head says so
        # (``slashed_day_first``): the first field takes any day so that such a date is found. The year in two
        # digits too, month first only (WebSphere's "11/30/26 8:00:07:123 UTC": its milliseconds after a colon, its
        # zone after the clock); "17/06/09" is no month and is left to the year-first family below. A dash between
        # the date and the clock too (Suricata's fast.log: "12/05/2026-14:02:43.022136"), alone or between blanks as the
        # families above take it (the Source engine's game servers: "L 03/04/2024 - 18:00:04: Loading map ..."), or a
        # bar between blanks: a table's date and clock columns (``ipmitool sel elist``'s "  1a | 03/08/2024 | 10:02:16
        # | Memory DIMM_B2 | ...").
        _family(
            "us-date",
            r"(?<![\w./])(?P<m>[0-3]?\d)/(?P<d>[0-3]?\d)/(?:(?P<Y>\d{4})|(?P<y2>\d\d)(?!\d))(?:[ T:,]+|-| [-|] |\] \[)"
            + _HMS12,
            _Tail(r"[.,:](?P<frac>\d+)", "", _AMPM_ZONE),
            "date",
        ),
        # The same with dashes and a four-digit year (Splunk's "11-30-2026 08:00:07.123 +0000"); day first where the
        # file's head says so, as for slashes.
        _family(
            "dashed-us-date",
            r"(?<![\w./-])(?P<m>[0-3]?\d)-(?P<d>[0-3]?\d)-(?P<Y>\d{4})[ T:,]+" + _HMS12,
            _Tail(r"[.,:](?P<frac>\d+)", "", _AMPM_ZONE),
            "date",
        ),
        # Day first with dots, as most of Europe writes a date (German, Russian, Polish, Nordic locales): 05.03.2024
        # 10:00:00(,123), the year in two digits too (OCaml's Dream: "12.06.24 08:00:00.012"). A date with dots and
        # the year last is never month first.
        _family(
            "day-month-dotted",
            r"(?<![\w.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?:(?P<Y>\d{4})|(?P<y2>\d\d))[ T,]+" + _HMS12,
            _Tail(_FRAC, "adj+sp"),
            "date",
        ),
        # yy/MM/dd HH:mm:ss (Spark).
        _family(
            "short-year", r"(?<![\w./])(?P<y2>\d\d)/(?P<m>[01]\d)/(?P<d>[0-3]\d) " + _HMS, _Tail(_FRAC, ""), "date"
        ),
        # The same with dashes, as ISO 8601 orders a date with its century left out (Clojure's timbre: "24-01-18
        # 21:33:04"): the year first, as in every dashed date of numbers.
        _family(
            "short-year-dashed",
            r"(?<![\w./:-])(?P<y2>\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)[ T]" + _HMS,
            _Tail(_FRAC, ""),
            "date",
        ),
        # yyMMdd HH:mm:ss, the hour padded with a space or not (MySQL 5's "240301  8:00:07", Tornado's
        # "[I 240301 08:00:07 web:2243]").
        _family(
            "compact-clock",
            r"(?<![\w.])(?P<y2>\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)  ?" + _HMS12,
            _Tail(_FRAC, ""),
            "date",
        ),
        # yyMMdd HHmmss (HDFS).
        _family(
            "compact",
            r"(?<![\w.])(?P<y2>\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d) " + _H2 + r"(?P<M>[0-5]\d)"
            r"(?P<S>[0-5]\d)(?![\w.])",
            _Tail(None, ""),
            "date",
        ),
        # A syslog time beside a dated stamp (2005.11.09 host Nov  9 12:01:01): the date's year.
        _family(
            "dated-syslog",
            r"(?<![\w.])(?P<Y>\d{4})[./-](?P<m2>[01]\d)[./-](?P<d2>[0-3]\d) (?:\S+ )?"
            + _MON
            + r" +(?P<d>[0-3]?\d) "
            + _HMS,
            _Tail(_FRAC, ""),
            "date",
        ),
        # Year-less families.
        # The month and its day joined by a dash too (a JVM tool's "MMM-dd HH:mm:ss.SSS": "Dec-02 10:15:01.118").
        # (A zone after a blank is the time's: Cisco IOS's "service timestamps log datetime msec localtime
        # show-timezone", "001001: Mar 14 00:00:36.475 EDT: %LINK-3-UPDOWN: ...".)
        # (The day glued to the month: BeeGFS's "(3) Feb27 06:41:03 Main [App] >> ...".)
        _family("syslog", rf"(?<!\w){_MON}(?: *|-)(?P<d>[0-3]?\d) {_HMS}", _Tail(_FRAC, "sp"), "year-less"),
        # The day before the month, as the dated "day-month-year" family writes it but without the year (Node-RED's
        # "6 Dec 00:00:03 - [info] ...").
        _family("day-month", rf"(?<![\w.:/-])(?P<d>[0-3]?\d) {_MON} {_HMS}", _Tail(_FRAC, ""), "year-less"),
        # The same with a dash, to the minute (Bacula's "09-Mar 23:05 bacula-dir JobId 48212: Start Backup ...").
        _family(
            "day-month-minute",
            rf"(?<![\w.:/-])(?P<d>[0-3]\d)-{_MON} {_H2}:(?P<M>[0-5]\d)(?![\d:.])",
            _Tail(None, ""),
            "year-less",
        ),
        # glog with its year (C++ glog 0.6+ "I20240120 11:42:15.123456", CockroachDB "I240120 11:42:15.123456"):
        # the level letter, then the date with a four- or two-digit year.
        _family(
            "klog-dated",
            r"(?<![\w.])[IWEF](?:(?P<Y>\d{4})|(?P<y2>\d\d))(?P<m>[01]\d)(?P<d>[0-3]\d) " + _HMS,
            _Tail(_FRAC, ""),
            "date",
        ),
        # klog / glog: I0120 11:42:15.123456.
        _family("klog", r"(?<![\w.])[IWEF](?P<m>[01]\d)(?P<d>[0-3]\d) " + _HMS, _Tail(_FRAC, ""), "year-less"),
        # Android logcat: 03-17 16:13:38.811; log15's terminal format (go-ethereum's): [03-17|16:13:38.811].
        _family("month-day", r"(?<![\w.:/-])(?P<m>[01]\d)-(?P<d>[0-3]\d)[ |]" + _HMS, _Tail(_FRAC, ""), "year-less"),
        # [10.30 16:49:06]
        _family(
            "month-day-dotted", r"(?<![\w.:/-])(?P<m>[01]\d)\.(?P<d>[0-3]\d) " + _HMS, _Tail(_FRAC, ""), "year-less"
        ),
        # 08/21 10:00:00.123 (Open5GS); the time joined by a dash as in the dated slashed family above (an IDS's
        # fast alert log: "11/30-08:00:07.123456").
        _family(
            "month-day-slashed", r"(?<![\w.:/-])(?P<m>[01]\d)/(?P<d>[0-3]\d)[ -]" + _HMS, _Tail(_FRAC, ""), "year-less"
        ),
        # The month and day, a slash, then the clock's digits run together, with a fraction (Chromium's and
        # Electron's "[812:812:1130/080007.123456:ERROR:gpu_init.cc(523)]").
        _family(
            "month-day-compact",
            r"(?<![\w./-])(?P<m>[01]\d)(?P<d>[0-3]\d)/" + _H2 + r"(?P<M>[0-5]\d)(?P<S>[0-5]\d)(?=\.\d{3})",
            _Tail(r"\.(?P<frac>\d+)", ""),
            "year-less",
        ),
        # Epoch seconds, ms, us, ns (10, 13, 16, 19 digits) and seconds with a fraction: 2001-09 to 2065.
        # The key is the seconds: the sub-second digits are only looked at.
        _family(
            "epoch",
            r"(?<![\w./-])(?P<epoch>[12]\d{9})",
            # With a fraction, a colon may follow: auditd's "audit(1709294400.123:1000)" (time, then serial); without
            # one, a colon only as a header's end, a blank after it (a broker's "1764489607: New connection from ...").
            _Tail(
                None,
                "",
                r"(?P<sub>\d{9}|\d{6}|\d{3})?(?:\.(?P<efrac>\d+)(?![\w/-])|(?![\w:/-])|(?=: ))(?!\.\d)",
            ),
            "epoch",
            key=r"(?<![\w./-])(?P<epoch>[12]\d{9})"
            r"(?=(?:\d{9}|\d{6}|\d{3})?(?:\.\d+(?![\w/-])|(?![\w:/-])|(?=: ))(?!\.\d))",
        ),
        # A TAI64N label (D. J. Bernstein's tai64n, written by daemontools' multilog, runit's svlogd, s6-log): "@", the
        # TAI64 second as 16 hex digits (2^62 + 10 + the Unix second, as tai64nlocal reads it), the nanosecond as 8. The
        # key is the second.
        _family(
            "tai64n",
            r"(?<![\w./-])@(?P<tai>4000000[0-9a-f]{9})(?P<tainano>[0-9a-f]{8})(?![0-9A-Za-z])",
            _Tail(None, ""),
            "epoch",
            key=r"(?<![\w./-])@(?P<tai>4000000[0-9a-f]{9})(?=[0-9a-f]{8}(?![0-9A-Za-z]))",
        ),
        # A clock, then its date (Resque's "** [09:00:04 2024-05-14] 14211: ..."): the date after the time is its day.
        _family(
            "clock-date",
            r"(?<![\w:.,/-])" + _HMS,
            _Tail(_FRAC, "", r" (?P<Y>\d{4})-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?![\d:T])"),
            "date",
        ),
        # A 12-hour clock without a date, its seconds perhaps left out (Go's time.Kitchen, zerolog's console: "9:04AM";
        # Netlify's build log: "11:57:41 PM: ..."): before the 24-hour one, whose match would leave its half of the day
        # out (every time 12 hours off in the afternoon).
        _family(
            "time-only-12h",
            r"(?<![\w:.,/-])(?P<H>1[0-2]|0?[1-9]):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))? ?(?P<ampm>[AaPp][Mm])(?!\w)",
            _Tail(None, ""),
            "time-only",
        ),
        # A time with no date (some log4j layouts): last, so any dated family around it wins.
        _family("time-only", r"(?<![\w:.,/-])(?<!\d[-/.]\d\d[ T])" + _HMS, _Tail(_FRAC, "adj"), "time-only"),
    )


FAMILIES = _families()
_BY_NAME = {f.name: f for f in FAMILIES}
_MONTH_FIRST = ("us-date", "dashed-us-date")  # the month-first families, read day first where the file's head says so
_SLASHED = tuple(_BY_NAME[name].rx for name in _MONTH_FIRST)  # the dates ``slashed_day_first`` reads
_SLASHED_HINT = re.compile(r"[/-]\d\d?[/-]\d{4}")  # a part of every one of them (a fast scan)
_FAMILIES_BY_DATED = {f.name: f.dated for f in FAMILIES}
# Cheap test for a zoned stamp later in a record: a digit, then an offset, a UTC word or a zone's unambiguous
# abbreviation (Samba's "at [Thu, 13 Jun 2024 08:05:29.992827 CEST]" under its zone-less header), or epoch seconds.
_ZONE_AFTER = re.compile(
    r"\d(?:[.,]\d+)?(?: ?[+-]\d\d:?\d\d|Z| (?:"
    + "|".join(sorted((name for name in _ZONE_NAMES if len(name) > 1), key=len, reverse=True))
    + r"))"
    + _ZONE_END
    + r"|(?<![\w.])[12]\d{9}[.|\t,]"
)
# Epoch seconds a record states as an instant: with a fraction of a second ("1710238491.123", never a count or an
# expiry), or as a field of its own between delimiters ("|1710417994|", a tab or a comma on both sides).
_STATED_EPOCH = re.compile(
    r"(?<![\w.])([12]\d{9})(?:\.\d{3,9}(?![\d.])|(?<=\|[12]\d{9})(?=\|)|(?<=\t[12]\d{9})(?=\t)|(?<=,[12]\d{9})(?=,))"
)
MAX_ZONE_LEARNING = 64  # shapes whose records are searched for a zone written beside their time
STATED_DATE_SEARCH = 200  # how far after a clock-only record's clock a date stated at that clock is looked for
STATED_CLOCK_TRIES = 3  # places where the clock's minutes and seconds come again, looked at for that date
NAMED_ZONE_SEARCH = 100  # how far into a line of the file's head a stamp naming its tz database zone is looked for
# (name, regex, has_year): the older view of the families, kept for callers that iterate it.
_COMPILED = tuple((f.name, f.rx, f.dated in ("date", "epoch")) for f in FAMILIES)
# Families whose time depends on what came before (the date of a dated stamp): never cache by text.
STATEFUL_FAMILIES = frozenset(f.name for f in FAMILIES if f.dated == "time-only")
# An ISO date standing alone as a field's value, no time after it: "date=2026-11-30", '"date": "2026-11-30"'.
_DATE_ALONE = re.compile(r'(?:=|=\"|": ?\")(\d{4})-(\d\d)-(\d\d)(?![\d:/-]|[T ]\d)')
# A date written in words with its year, and no clock after it, its weekday's name before it or not: "Mon Jun 3 2024"
# after a clock and its zone (Cisco IOS's "Login Success [...] at 12:00:03 CEST Mon Jun 3 2024"), "3 June 2024".
_NAMED_DATE_ALONE = re.compile(
    r"(?<![\w:])(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? +)?"
    r"(?:(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* +(?P<d>\d{1,2})"
    r"|(?P<d2>\d{1,2}) +(?P<mon2>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*),? +(?P<Y>(?:19|20)\d\d)"
    r"(?![\d:]| +\d{1,2}:\d)"
)
MAX_ZONE_OFFSET = 14 * 3600 + 60  # seconds between a local clock and UTC at most (UTC+14), and a minute
TAI64_UNIX_ZERO = 2**62 + 10  # the TAI64 label of the Unix epoch, as daemontools' tai64nlocal reads labels
# The seconds the epoch family reads (10 digits, the first 1 or 2: 2001-09 to 2065-01), a TAI64N label's as well.
_EPOCH_LOW, _EPOCH_HIGH = 1_000_000_000, 3_000_000_000
_LEADING_SKIP = frozenset({"epoch"})  # a bare number at the start of a line is not evidence of a time
_MAX_STAMP = 48  # longer than any stamp: how far after the time text a stamp may run
# How far before the time text a stamp overlapping it may start: a weekday, a klog letter, a date with its names
# written out ("Wednesday, September 30, 2026 at 8:00:07 PM").
_BEFORE_SPAN = 32
_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
# Head lines whose stamps write an offset before zone-less stamps take it (``learn_offset_from_head``).
MIN_ZONED_LINES = 3
# What a line holds where a head's scan for its year or its offset has something to read: a year or epoch seconds, a
# clock's offset or zone other than UTC (cheap tests before the families are searched).
_YEAR_HINT = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|(?<![\w.])[12]\d{9}(?!\d)")
_OFFSET_HINT = re.compile(
    r":\d\d(?:[.,]\d+)? ?[+-](?:0[1-9]|1[0-4]|00:?(?:30|45))(?::?\d\d)?(?![\d:])"
    # (or a zone's abbreviation other than UTC's: Slurm's "09:02:11 CET 2024")
    r"|:\d\d(?:[.,]\d+)? (?:"
    + "|".join(sorted((name for name, off in _ZONE_NAMES.items() if off and len(name) > 1), key=len, reverse=True))
    + r")\b"
)
_TIME_ONLY = _BY_NAME["time-only"].rx  # a clock alone (no date)
YEAR_SEARCH_CHARS = 200  # how far after a year-less stamp a dated stamp of the same day is looked for
LEADING_LIMIT = 64  # a dated stamp this near the start of a record without a header time is its time
# Where a leading stamp (no time text) may start: at the very start (after one bracket), a dated one before
# LEADING_LIMIT; a bare number never (``_LEADING_SKIP``).
_LEAD_BOUND = {f.name: LEADING_LIMIT if f.dated == "date" else 0 if f.name in _LEADING_SKIP else 2 for f in FAMILIES}
_STEP_STARTS = 8  # this few starts left to try: matched one by one rather than searched
# A lower-case word of letters standing alone (not part of a name: no digit, dot, dash or underscore beside it).
_PROSE_WORD = re.compile(r"(?<![\w.-])[a-z]{2,}(?![\w.-])")


# A field's name alone before a value: "Date: ", "last_modified: " (letters, dashes and underscores, then a colon).
_FIELD_LABEL = re.compile(r"[A-Za-z][A-Za-z_-]*:(?: |[ \t]{2,})?")  # (blanks after it: aligned, "Built:     Thu ...")
# A field's name of two to four words of letters, the first and the last with a capital, closed by a colon ("Build
# Time: ", "Last Modified: "): not a program's name after a host's ("web01 app: "), nor a sentence that says when
# the file began ("Log file created at: ").
_NAMED_FIELD = re.compile(r"[A-Z][A-Za-z-]*(?: [A-Za-z][A-Za-z-]*){0,2} [A-Z][A-Za-z-]*:[ \t]*")
# A name assigned the value after it ("AIRFLOW_CTX_EXECUTION_DATE=", an environment a task prints), and the names
# that assign the record's own time ("time=", "ts=", FortiGate's "date=... time=..."), not another one's.
_ASSIGNED = re.compile(r"([A-Za-z][\w.-]*)=\"?")
_OWN_TIME_NAMES = frozenset({"time", "ts", "timestamp", "datetime", "date", "t"})


# A name given the value after it with a spaced equals sign, at the end of a text (an opening quote after it): a
# member of a dumped object ("createdTime = ").
_SPACED_ASSIGNMENT = re.compile(r"([A-Za-z@_][\w.@-]*)[ \t]+=[ \t]*[\"']?$")


# A field's name at the end of a text, then a colon with blanks before it, as a dump aligns its fields ("Commit
# timestamp : ", "     Build Date                : "), or with a qualifier in parentheses ("Compiled (64-bit): "):
# the name of a value the line states.
_SPACED_LABEL = re.compile(r"([A-Za-z][\w.()/-]*(?: [\w.()/-]+)*)[ \t]+:[ \t]*[\"']?$")
_QUALIFIED_LABEL = re.compile(r"[A-Za-z][\w.-]*(?: [\w.-]+)* \([^()]*\):[ \t]*[\"']?$")
# A sentence of two words that a date completes, the first with a capital ("Built on ", "Expires at "), or a verb's
# past participle alone, the date its object's (Cisco IOS's boot banner "Compiled Fri 20-Oct-23 10:44 by mcpre" among
# its buffer's records was read as a record of October: the file's span 146 days).
_TWO_WORD_SENTENCE = re.compile(r"[A-Z][a-z]+ [a-z]{2,} |[A-Z][a-z]+ed ")


def gives_other_time(before: str) -> bool:
    """Whether the text before a stamp gives it, with " = " as a dump writes its members, to a name of another time
    than the record's own ('-->    createdTime = "1970-01-01T00:00:00Z"', a line of an event dumped under a record):
    a value the line states. (A JSON or logfmt member, '"TimeCreated": "..."', 'ts=...', is a record's field.) So
    does a field's name that a dump aligns, blanks before its colon ("Commit timestamp : 2023-08-17 16:33:01 -0700" in
    a banner: a build's time, not the line's), or qualifies in parentheses ("Compiled (64-bit): Jan 23 2024 ...")."""
    m = _SPACED_ASSIGNMENT.search(before)
    if m is not None:
        return m.group(1).lower().lstrip("@_") not in _OWN_TIME_NAMES
    if _QUALIFIED_LABEL.search(before) is not None:
        return True
    m = _SPACED_LABEL.search(before)
    if m is None:
        return False
    from .levels import level_from_word

    return level_from_word(m.group(1).rsplit(None, 1)[-1]) is None


def opens_with_label(line: str) -> bool:
    """Whether a line opens with a field's name (``_FIELD_LABEL``) that is no level word: what follows is the field's
    value ("Date: Mon, 30 Nov 2026 08:00:07 GMT", a line of a dumped HTTP response), not a header."""
    m = _FIELD_LABEL.match(line)
    if m is None:
        return False
    from .levels import level_from_word

    return level_from_word(m.group().rstrip(": ")) is None


def opens_with_assigned_time(line: str) -> bool:
    """Whether a line opens with a name assigned a time that is not the record's own ("AIRFLOW_CTX_EXECUTION_DATE=
    2026-12-04T00:00:00+00:00": a value the line states, not when it was written)."""
    m = _ASSIGNED.match(line)
    return m is not None and m.group(1).lower() not in _OWN_TIME_NAMES and leading_time_end(line[m.end() :]) > 0


_BEFORE_WEEKDAY = re.compile(r"(?<![A-Za-z])(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?[ \t]*$")


# The words of a sentence that says when the log begins, right before the stamp ("-- Logs begin at ", "-- Journal
# begins at ", "Log opened ").
_LOG_BEGINS = re.compile(
    r"(?i:\b(?:begins?|began|start(?:s|ed)?|open(?:s|ed)?)(?: at| on)?)(?: (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?)?[ \t]*$"
)


def _a_sentence(before: str) -> bool:
    """Whether the text before a stamp is a sentence the stamp ends (``_in_prose``'s words, not a field's name)."""
    if _TWO_WORD_SENTENCE.fullmatch(before) is not None:
        return True
    words = _PROSE_WORD.findall(before)
    return len(words) >= 2 and _BEFORE_WEEKDAY.sub("", before).rstrip(" \t[(\"',").endswith(words[-1])


def _in_prose(before: str) -> bool:
    """Whether the text before a stamp near a record's start is a sentence the stamp goes on ("compiled with version:
    12.2.0 on 01 January 2024 10:00:00", "certificate valid until ..."): at least two lower-case words, the last one
    right before the stamp (an opening bracket or quote between); or a field's name alone (a dumped HTTP response's
    "Date: Mon, 30 Nov 2026 08:00:07 GMT", a YAML document's "created_at: 2024-03-01 ..."), no level word, or
    assigned ("AIRFLOW_CTX_EXECUTION_DATE=2026-12-04T00:00:00+00:00"), no name of a record's time. Such a
    stamp is what the record says, not when it was written; a header before a leading stamp is names, levels,
    brackets and separators ("web-1  | ", "[main] ", "INFO ")."""
    if before[-1:].strip() and any(c in before.rsplit(None, 1)[-1] for c in "/?"):
        # Glued to a path or a URL ("... fetching https://feed.example/v2/stock?since=2024-03-13T00:00:00Z", "wrote
        # /backups/db-2024-03-13.tar"): it names a file or a query, not when the line was written.
        return True
    if _FIELD_LABEL.fullmatch(before) is not None:
        return opens_with_label(before)
    if _NAMED_FIELD.fullmatch(before) is not None:
        # A field's name of a few words ("Build Time: Jun 07 2023 09:33:50 EDT" in a solver's banner): a date of
        # another thing the line states (a transcript dated by its build was 9 months early).
        from .levels import level_from_word

        return level_from_word(before.rstrip(": \t").rsplit(None, 1)[-1]) is None
    if (label := _FIELD_LABEL.match(before)) is not None and before[label.end() : label.end() + 1] in ("'", '"'):
        # Inside a field's quoted value ('format_stamp: "Formatted at 2026-03-02 11:20:03 on yb-tserver-1"', a
        # dumped message's member): what the field says, not when the line was written.
        return opens_with_label(before)
    if (assigned := _ASSIGNED.fullmatch(before)) is not None:
        # The value of a name the line opens with: the record's own time only under a name of it.
        return assigned.group(1).lower() not in _OWN_TIME_NAMES
    if gives_other_time(before):
        # The value of a name further in, a dumped object's member (ESXi's hostd read its file as 20,062 days long).
        return True
    # (A weekday's name the sentence puts before the date is the stamp's: journalctl's "-- Logs begin at Wed
    # 2024-11-13 21:04:11 UTC, end at ... --".) Two words alone, the first with a capital, are a sentence too ("Built
    # on Mon Jan 22 10:14:05 UTC 2024", under a version line).
    return _a_sentence(before)


# Characters every match of a family holds (":": a clock's colon, between digits; "M": a month's name): a family
# whose characters are not all in the window has no stamp there. Read off the regexes above (a literal outside
# every optional part).
_MONTH_NAME = re.compile(
    "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
)
_CLOCK_COLON = re.compile(r"\d:\d")
_GATE_CHARS = "-/. T"
_NEEDS: dict[str, frozenset[str]] = {
    name: frozenset(needs)
    for name, needs in (
        ("iso8601", "-:"),
        ("iso8601-basic", "T"),
        ("basic-colon", ":"),
        ("dashed", "-"),
        ("slashed", "/:"),
        ("dotted", ".:"),
        ("compact-dash", ":"),
        ("apache", "/:M"),
        ("ctime", ": M"),
        ("ctime-day-first", ": M"),
        ("syslog-year", ": M"),
        ("year-month-name", ": M"),
        ("day-month-year", ": M"),
        ("month-day-year", ": M"),
        ("us-date", "/:"),
        ("dashed-us-date", "-:"),
        ("day-month-dotted", ".:"),
        ("short-year", "/: "),
        ("short-year-dashed", "-:"),
        ("compact-clock", ": "),
        ("compact", " "),
        ("dated-syslog", ": M"),
        ("syslog", ": M"),
        ("day-month", ": M"),
        ("day-month-minute", "-: M"),
        ("klog-dated", ": "),
        ("klog", ": "),
        ("month-day", "-: "),
        ("month-day-dotted", ".: "),
        ("month-day-slashed", "/: "),
        ("month-day-compact", "/."),
        ("epoch", ""),
        ("tai64n", ""),
        ("clock-date", ":-"),
        ("time-only", ":"),
        ("time-only-12h", ":"),
    )
}
assert set(_NEEDS) == set(_BY_NAME)


def _present(record: str, lo: int, end: int) -> set[str]:
    """Which of the characters families need (``_NEEDS``) are in ``record[lo:end]``."""
    found = {c for c in _GATE_CHARS if record.find(c, lo, end) >= 0}
    if _CLOCK_COLON.search(record, lo, end) is not None:
        found.add(":")
    if _MONTH_NAME.search(record, lo, end) is not None:
        found.add("M")
    return found


class ParsedTime(NamedTuple):
    """A timestamp as UTC epoch seconds and the assumption it needed (empty when none).

    A named tuple: made for every timestamp not cached yet, and a frozen dataclass costs several
    times as much to construct."""

    epoch: float
    fmt: str
    assumption: str


def _tz_offset(tz: str | None) -> int | None:
    """Seconds east of UTC of a zone in the text; None for none or a name that is not understood."""
    if not tz:
        return None
    if tz[:3] in ("UTC", "GMT") and len(tz) > 3:
        tz = tz[3:]  # "GMT+01:00"
    if tz[:1] == "\\":
        tz = "+" + tz[6:]  # "\u002B01:00", a plus escaped (``_SIGN``)
    if tz[0] not in "+-":
        minutes = _ZONE_NAMES.get(tz)
        return None if minutes is None else minutes * 60
    sign = -1 if tz[0] == "-" else 1
    hours, _, minutes_text = tz[1:].partition(":")
    if not minutes_text and len(hours) > 2:  # +hhmm (or +hmm)
        hours, minutes_text = hours[:-2], hours[-2:]
    return sign * (int(hours) * 3600 + int(minutes_text or 0) * 60)


@functools.lru_cache(maxsize=64)
def _named_zone(name: str) -> ZoneInfo | None:
    """The tz database's zone of that name (None for a name it does not have)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _same_wall_clock(a: float, b: float, dated: str) -> bool:
    """Whether two wall-clock times (epochs read as if UTC) are the same second; for a year-less stamp, the same
    second of the same day of the year's calendar (its year is an assumption the other stamp may not share: a
    logcat line's "09-26 18:18:35" beside "Sat Sep 26 18:18:35 GMT+03:00 2020")."""
    if math.floor(a) == math.floor(b):
        return True
    if dated != "year-less":
        return False
    x, y = _dt.datetime.fromtimestamp(math.floor(a), _dt.UTC), _dt.datetime.fromtimestamp(math.floor(b), _dt.UTC)
    return (x.month, x.day, x.hour, x.minute, x.second) == (y.month, y.day, y.hour, y.minute, y.second)


# What stands between a relay's clock and the time the record itself states: a few fields of the relay's header (a
# host, a priority: "<local0.info> 10.1.1.20 "), or a key that names a time ('time="', "timestamp=", '"date": "').
_RELAYED_FIELDS = re.compile(r"(?:\s+\S+){0,3}\s+")
# (A key and "=", or a JSON member's name and ":": not a sentence's label, "last sync time: Sat Dec 05 06:36:17 UTC
# 2026", which a record at 06:51:17 wrote, a quarter of an hour off.)
_TIME_KEY_BEFORE = re.compile(r"""(?:^|[\s,{;])["']?(?i:[\w.@-]*(?:time|date|timestamp)|ts)(?:=|["']:)\s*["']?$""")
ZONE_STEP = 1800  # zones are whole half hours off UTC ...
ODD_ZONE_OFFSETS = frozenset({5 * 3600 + 2700, 8 * 3600 + 2700, 12 * 3600 + 2700, 13 * 3600 + 2700})  # ... and these


def _own_time(record: str, clock_end: int, stamp_start: int) -> bool:
    """Whether a stamp after a record's first clock is the record's own time: the next fields' (a relay's header
    before the device's own), or a field that names a time."""
    between = record[clock_end:stamp_start]
    return (
        _RELAYED_FIELDS.fullmatch(between) is not None
        or _TIME_KEY_BEFORE.search(record, max(clock_end, stamp_start - 40), stamp_start) is not None
    )


def _clock_shift(local: float, utc: float, dated: str) -> int | None:
    """Seconds a zone-less clock (``local``, read as if UTC) runs ahead of the instant ``utc`` it stands for: a
    zone's offset (whole half hours, or one of the few zones a quarter hour off them), the same second; None
    otherwise. A year-less clock's year is an assumption: read in the instant's year (or the one either side, over a
    new year)."""
    candidates = [local]
    if dated == "year-less":
        x = _dt.datetime.fromtimestamp(math.floor(local), _dt.UTC)
        year = _dt.datetime.fromtimestamp(math.floor(utc), _dt.UTC).year
        for y in (year, year - 1, year + 1):
            try:
                candidates.append(x.replace(year=y).timestamp() + (local - math.floor(local)))
            except ValueError:  # February 29 in another year
                continue
    for c in candidates:
        shift = round(c - utc)
        if (
            abs(shift) <= MAX_ZONE_OFFSET
            and (shift % ZONE_STEP == 0 or shift in ODD_ZONE_OFFSETS)
            and abs(c - utc - shift) < 1
        ):
            return shift
    return None


def _frac_of(s: str | None) -> float:
    return int(s[:9]) / 10 ** len(s[:9]) if s else 0.0


class TimestampParser:
    """Finds and converts timestamps. Hints (all optional, from the upload): ``default_zone`` (an IANA name)
    for times written without a zone, ``year`` for year-less stamps, ``reference_epoch`` (the upload time)
    that year-less and date-less stamps must not run past."""

    def __init__(
        self, default_zone: str | None = None, year: int | None = None, reference_epoch: float | None = None
    ) -> None:
        self._days: dict[tuple[int, int, int], int] = {}
        self._locate_memo: dict[tuple[str, int, bool], str | None] = {}
        # Offsets learned from the file for zone-less families (when there is no zone hint); the analyzer
        # drops its cached times when ``rules_version`` changes.
        self._learned: dict[str, int] = {}
        self.file_zone: str | None = None  # the zone the file's head names, read for its zone-less stamps
        self._learn_tries = 0
        self.rules_version = 0
        self._zone: ZoneInfo | None = None
        self._zone_name: str | None = None
        self._zone_offsets: dict[tuple[str, int, int, int, int, int], int] = {}
        self._year_hint = year
        self._reference = reference_epoch
        self._syslog_year = SYSLOG_DEFAULT_YEAR
        self._syslog_last_month = 0
        self._dated_year: int | None = None
        self._year_less_converted = False  # a year-less stamp was given a year: the file's year is settled
        self._dated_epoch: float | None = None
        self._dated_day: int | None = None  # local midnight (as if UTC) of the last dated stamp
        # The last date a sentence of the file states ("-- Logs begin at Mon 2024-03-11 06:12:40 UTC, ..."): no
        # record's time, but the year of year-less times where no record's time gives one.
        self._stated_year: int | None = None
        self._stated_epoch: float | None = None
        self._stated_day: int | None = None  # and the day of date-less times where no record's date gives one
        # The zone a sentence saying when the log begins writes its time in (journalctl's "-- Logs begin at Sun
        # 2024-04-21 06:12:44 EDT, end at ..."): the zone its zone-less times are shown in.
        self._stated_offset: int | None = None
        # The one offset the head's zoned stamps write (``learn_offset_from_head``).
        self._written_offset: int | None = None
        self._clock_day: int | None = None  # the day date-less times are placed on
        self._clock_last: int | None = None  # the last date-less time (local seconds), to see midnight pass
        self._clock_dated = False  # whether ``_clock_last`` is a dated stamp's (its clock, read on its date)
        self._stated_family: Family | None = None  # the family of the last date a record stated at its clock
        # Slashed dates (the us-date family) are day first: decided once from the file's head (``slashed_day_first``).
        self.day_first = False
        self._suffix = _UTC_SUFFIX
        self._assume_zone = ASSUME_UTC
        self._assume_name = ASSUME_ZONE_NAME
        if default_zone:
            self._use_zone(ZoneInfo(default_zone), "the upload's zone")

    def _use_zone(self, zone: ZoneInfo, source: str) -> None:
        """Times written without a zone are read in ``zone`` (DST-correct), and the report says so."""
        self._zone, self._zone_name = zone, zone.key
        self._suffix = f", zone {zone.key}"
        self._assume_zone = f"no time zone in the timestamp; used {source} {zone.key}"
        self._assume_name = f"time zone abbreviation in the timestamp not understood; used {source} {zone.key}"

    def learn_named_zone(self, lines: Sequence[str]) -> None:
        """A file whose stamps name one zone of the tz database ("[02-Dec-2026 05:51:03 Europe/Berlin]") keeps its
        clock in that zone: its stamps written without a zone (the same process's other lines) are read in it
        too. Learned from the file's head before any record is read (no upload hint), so every record and every
        chunk of the file reads its times the same way; a head naming two zones teaches nothing."""
        if self._zone is not None:
            return
        head = "\n".join([line[:NAMED_ZONE_SEARCH] for line in lines])
        names = set(_IANA_AFTER_TIME.findall(head)) if _IANA_AREA_RE.search(head) is not None else set()
        if len(names) == 1:
            self.use_file_zone(names.pop())

    def use_file_zone(self, name: str) -> None:
        """Read zone-less stamps in the zone the file's head names (``learn_named_zone``; a chunk is told it)."""
        zone = _named_zone(name)
        if zone is not None:
            self._use_zone(zone, "the zone the file's other timestamps name,")
            self.file_zone = name

    def learn_day(self, record: str, name: str) -> None:
        """A record whose time is a time of day alone (family ``name``) and that writes its date in a field of its
        own (FortiGate's "date=2026-11-30 time=08:00:18 ...", a JSON "date"), or states it at its clock
        (``date_the_clock``): the file's date-less times start on that date, as they would after a dated stamp. Only
        before any date is known or assumed for them; the clock rolls on from there as it does (a day on when it goes
        back by more than half a day)."""
        if self._dated_day is not None or self._clock_day is not None or name not in STATEFUL_FAMILIES:
            return
        clock = _BY_NAME[name].rx.search(record, 0, LEADING_LIMIT + _MAX_STAMP)
        if clock is not None and self._stated_at(record, name, clock) is not None:
            return  # (the date the file's head states at a clock of its, before its first date-less time is read)
        m = _DATE_ALONE.search(record)
        if m is None:
            return
        try:
            self._dated_day = self._day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:  # no such day
            return

    def date_the_clock(self, record: str, name: str, clock: re.Match[str]) -> int | None:
        """A record whose own time is a clock alone (``clock``, of family ``name``) and whose text states a full date
        at that very clock, to the second ("[06:25:03] Info: Start date is Mon 11 Mar 2024 06:25:03 AM CET", a tool's
        run opening under its clock-only lines; a device's report '{"Time":"2023-12-04T14:05:17", ...}'): the record is
        on that date, and the date-less times after it roll on from it (the next run, a day later, opens on its own
        date, not 33 seconds back on the first run's day); a zone the date writes is the clock's from there on. A date
        at another clock (a certificate's expiry, a build's date) is not the record's time and says nothing. Returns
        the seconds the date moved the clock's day (0: as it was), None where the record states no date."""
        stated = self._stated_at(record, name, clock)
        if stated is None:
            return None
        _year, midnight, seconds = stated
        moved = midnight - self._clock_day if self._clock_day is not None else 0
        self._clock_day, self._clock_last, self._clock_dated = midnight, seconds, True
        return moved

    def _stated_at(self, record: str, name: str, clock: re.Match[str]) -> tuple[int, int, int] | None:
        """The year, day (its midnight) and clock (seconds) of a full date a record states at its own clock
        (``date_the_clock``), made the file's last dated stamp (with its zone, if it writes one); None for none.
        Looked for only around where the clock's minutes and seconds are written again (a 12-hour clock's too), the
        family found last tried first: a file whose every line states its date costs a few searches a line."""
        hms = _hms(clock.groupdict())
        if hms is None:
            return None
        start = clock.end()
        stop = start + STATED_DATE_SEARCH
        mmss = f":{hms[1]:02d}:{hms[2]:02d}"
        at = record.find(mmss, start, stop)
        tries = 0
        while at >= 0 and tries < STATED_CLOCK_TRIES:
            tries += 1
            lo, hi = max(start, at - _MAX_STAMP), at + _MAX_STAMP
            if _YEAR_HINT.search(record, lo, hi) is not None:
                found = self._stated_between(record, lo, hi, hms)
                if found is not None:
                    fam, year, month, day, offset = found
                    midnight = self._day(year, month, day)
                    seconds = hms[0] * 3600 + hms[1] * 60 + hms[2]
                    if offset is not None:
                        self._learned[name] = offset
                    self._dated_year, self._dated_day = year, midnight
                    self._dated_epoch = midnight + seconds - (offset or 0)
                    self._stated_family = fam
                    return year, midnight, seconds
            at = record.find(mmss, at + 1, stop)
        return None

    def _stated_between(
        self, record: str, lo: int, hi: int, hms: tuple[int, int, int]
    ) -> tuple[Family, int, int, int, int | None] | None:
        """The first dated stamp in ``record[lo:hi]`` at the clock ``hms``: its family, year, month, day and offset."""
        last = self._stated_family
        for fam in (last, *_DATED_FAMILIES) if last is not None else _DATED_FAMILIES:
            for other in fam.rx.finditer(record, lo, hi):
                g = other.groupdict()
                if _hms(g) != hms or not (g.get("Y") or g.get("y2")):
                    continue
                month, day = _month_day(g)
                if self.day_first and fam.name in _MONTH_FIRST:
                    month, day = day, month
                year = int(g["Y"] or 0) if g.get("Y") else 2000 + int(g["y2"] or 0)
                try:
                    self._day(year, month, day)
                except ValueError:  # no such day
                    continue
                return fam, year, month, day, _tz_offset(g.get("tz") or g.get("utc"))
        return None

    @property
    def clock_day(self) -> int | None:
        """The day (its midnight) date-less times are placed on now; None before the first."""
        return self._clock_day

    @property
    def year_from_text(self) -> bool:
        """Whether year-less times take their year from the file's text (a dated stamp, a date a sentence states)."""
        return self._dated_year is not None or self._stated_year is not None

    def learn_year_from_head(self, lines: Sequence[str]) -> None:
        """The file's year from any line of its head whose year-less stamp has a dated stamp of the same day further
        on (``learn_year``), before the first record is given the upload's year: a node's kern.log opens with the
        firewall's lines, no year in their stamps, and its AppArmor lines under them write the audit record's epoch
        ("audit(1710238491.123:45)": the year was 2026 for a file of 2024). Only where the head's first line opens
        with a year-less stamp (the file's layout has none), and only ``learn_year`` changes the parser's state."""
        if not lines or not self.year_open() or self._year_less_at(lines[0]) is None:
            return
        if any(f.rx.search(lines[0], 0, LEADING_LIMIT + _MAX_STAMP) for f in _DATED_FAMILIES):
            return  # (its first line's stamp has a year: Apache's "[Sun Dec 04 04:47:44 2005]")
        for line in lines:
            if not self.year_open():
                return
            if _YEAR_HINT.search(line) is None:
                continue  # (no year nor epoch seconds in the line: one scan, not every family's)
            fam = self._year_less_at(line)
            if fam is not None:
                self.learn_year(line, fam.name, fam.rx)

    @staticmethod
    def _year_less_at(line: str) -> Family | None:
        """The year-less family of the leftmost such stamp near the line's start (``LEADING_LIMIT``), or None."""
        best: tuple[int, Family] | None = None
        for fam in _YEAR_LESS_FAMILIES:
            m = fam.rx.search(line, 0, LEADING_LIMIT + _MAX_STAMP)
            if m is not None and (best is None or m.start() < best[0]):
                best = (m.start(), fam)
        return best[1] if best is not None else None

    def learn_offset_from_head(self, lines: Sequence[str]) -> None:
        """Zone-less stamps of a file whose zoned stamps all write one offset, other than UTC's, are read in that
        offset: the writer's clock, one machine's (XtraBackup writes "2024-03-12T02:00:01.100000+01:00 0 [Note] ..."
        and, from its version check, "240312 02:00:01  version_check ...": read as UTC, those records were an hour
        late, 111 records out of order and the file's end an hour after its last line). From the head's lines that open
        with a dated stamp: ``MIN_ZONED_LINES`` zoned at least, every one the same offset, and a zone-less one among
        them."""
        if not any(_OFFSET_HINT.search(line, 0, LEADING_LIMIT + _MAX_STAMP) for line in lines):
            return  # (no stamp with an offset near a line's start: no family is searched)
        offsets: set[int] = set()
        zoned = 0
        zone_less = False
        for line in lines:
            found = min(
                (m for f in _DATED_FAMILIES if (m := f.rx.search(line, 0, LEADING_LIMIT + _MAX_STAMP)) is not None),
                key=lambda m: m.start(),
                default=None,
            )
            if found is None:
                # A clock alone opening the line (Logback's "10:14:16.902 [main] INFO ..." among a Spring Boot
                # test's "2024-05-02T10:14:17.542+02:00 INFO ..." lines): a zone-less stamp of the same machine.
                zone_less = zone_less or _TIME_ONLY.match(line) is not None
                continue
            tz = found.groupdict().get("tz")
            if not tz:
                zone_less = True
            elif (offset := _tz_offset(tz)) is not None:
                offsets.add(offset)
                zoned += 1
            else:
                return  # a zone by its name: its offset moves with the date
        if zone_less and zoned >= MIN_ZONED_LINES and len(offsets) == 1 and (offset := offsets.pop()) != 0:
            self._written_offset = offset

    def year_open(self) -> bool:
        """Whether the file's year may still be learned: no year hint, no dated stamp read, no year-less stamp given a
        year yet (the file's years stay consistent)."""
        return self._year_hint is None and self._dated_year is None and not self._year_less_converted

    def learn_year(self, record: str, name: str, pattern: re.Pattern[str]) -> None:
        """A record whose time is a year-less stamp (family ``name``, found by ``pattern``) and that carries a dated
        stamp of the same day further on (a syslog line holding an application's own full time, a proxy's request
        date): the year in the text wins, for this record and the file's other year-less stamps, as it would from
        dated records of the file. Only while the file's year is open: no year hint, no dated stamp read yet, no
        year-less stamp given a year yet (the file's years stay consistent)."""
        if not self.year_open() or _FAMILIES_BY_DATED.get(name) != "year-less":
            return
        stamp = pattern.search(record)
        if stamp is None:
            return
        month, day = _month_day(stamp.groupdict())
        end = stamp.end()
        dated = [(m, f) for f in _DATED_FAMILIES if (m := f.rx.search(record, end, end + YEAR_SEARCH_CHARS))]
        epoch = None if dated else _BY_NAME["epoch"].rx.search(record, end, end + YEAR_SEARCH_CHARS)
        if epoch is not None and _same_day(_time.gmtime(int(epoch.group("epoch"))), month, day):
            # Epoch seconds of the same day (the kernel's audit records: "audit(1710238491.123:45)"): their year.
            self._epoch(epoch.groupdict())
            return
        if not dated:
            # A date in a field of its own, its clock in another (FortiGate's "date=2024-03-12 time=00:04:06" behind a
            # syslog server's "Mar 12 00:04:06"): its year, where it is the stamp's day.
            alone = _DATE_ALONE.search(record, end, end + YEAR_SEARCH_CHARS)
            if alone is not None and (int(alone.group(2)), int(alone.group(3))) == (month, day):
                self._year_of_stamp(stamp, alone.group(1), month, day)
                return
            # A date in words with its year, standing alone in the message (Cisco IOS's "at 12:00:03 CEST Mon Jun 3
            # 2024"): its year, where it is the stamp's day, give or take a zone.
            named = _NAMED_DATE_ALONE.search(record, end, end + YEAR_SEARCH_CHARS)
            if named is not None:
                other_month = MONTHS[(named.group("mon") or named.group("mon2"))[:3].title()]
                other_day = int(named.group("d") or named.group("d2"))
                if other_month == month and abs(other_day - day) <= 1:
                    self._year_of_stamp(stamp, named.group("Y"), month, day)
            return
        m, f = min(dated, key=lambda mf: mf[0].start())  # the leftmost (families in order break ties)
        g = m.groupdict()
        other_month, other_day = _month_day(g)
        if other_month == month and abs(other_day - day) <= 1:  # the same day, give or take a zone
            self._convert(f.name, g)

    def _year_of_stamp(self, stamp: re.Match[str], year: str, month: int, day: int) -> None:
        """A year-less ``stamp`` read with ``year`` (its month and day its own), as a dated stamp: the file's year."""
        g = dict(stamp.groupdict(), Y=year, m=f"{month:02d}", d=f"{day:02d}", mon=None)
        self._convert("iso8601", {k: v for k, v in g.items() if k in _BY_NAME["iso8601"].rx.groupindex})

    # ------------------------------------------------------------------ finding
    def parse(self, text: str, fmt: str | None = None) -> ParsedTime | None:
        """The first (leftmost; at equal starts the more specific family) timestamp in ``text``, or None.
        With ``fmt``, only that family is tried."""
        fams = (_BY_NAME[fmt],) if fmt is not None and fmt in _BY_NAME else (() if fmt is not None else FAMILIES)
        best: tuple[int, int, ParsedTime] | None = None
        for i, fam in enumerate(fams):
            for m in fam.rx.finditer(text):
                if best is not None and m.start() >= best[0]:
                    break
                t = self.convert(fam.name, m.groupdict())
                if t is not None:
                    best = (m.start(), i, t)
                    break
        return best[2] if best is not None else None

    def key_pattern(self, name: str) -> re.Pattern[str]:
        """The second-resolution regex of a family whose matched text identifies the instant (cache key)."""
        fam = _BY_NAME[name]
        return fam.sec_rx if self._zone is None else fam.sec_rx_local

    def locate(self, record: str, time_text: str | None, limit: int = 160) -> tuple[str, re.Pattern[str]] | None:
        """The family of the record's timestamp and its key regex, or None.

        ``time_text`` is where the format layer expects the time (a JSON field, a header, the start of a
        plain line): the leftmost stamp overlapping it wins (at equal starts, the more specific family); a
        time with no date only where that text starts. Without it, a stamp at the very start of the record
        (after one bracket), or a dated one within ``LEADING_LIMIT`` characters. The key regex must find
        a valid time within ``limit`` characters (widened to the time text), as the analyzer looks there.
        """
        span: tuple[int, int] | None = None
        if time_text:
            pos = record.find(time_text)
            size = len(time_text)
            if pos < 0:  # not verbatim (a JSON string with escapes): its first word
                first = time_text.split(None, 1)[0] if time_text.strip() else time_text
                pos, size = record.find(first), len(first)
            if pos >= 0:
                span = (pos, pos + size)
                # A time field late in a long line (JSON): the analyzer widens its window for the shape.
                limit = max(limit, pos + size + 256)
        # Only where a stamp overlapping the span (or near the start) can be; and the choice is the same for
        # records whose text there differs only in digits (shapes of one layout): remembered.
        lo, hi = (max(0, span[0] - _BEFORE_SPAN), span[1] + _MAX_STAMP) if span else (0, LEADING_LIMIT + _MAX_STAMP)
        if span is None and (first_end := record.find(JOIN, 0, hi)) >= 0:
            # A record's time is on its first line: a date on a line under a short one (a two-line record's message,
            # "As of \"03/11/2024 13:05:20\", the heartbeat ...") is what the record says, not when it was written.
            hi = first_end
        memo_key = None
        if span is not None or time_text is None:
            end = span[1] if span else LEADING_LIMIT
            memo_key = (record[lo:end].translate(_DIGITS_TO_ZERO), span[0] - lo if span else -1, span is None)
            name = self._locate_memo.get(memo_key, "")
            if name != "":
                return self._key_match(name, record, limit)
        name = self._first_family(record, lo, min(hi, limit), span, time_text is None)
        if name is None and time_text and span is None:
            # The time text is not in the record at all: the family of the text itself, searched for.
            for fam in FAMILIES:
                found = fam.rx.search(time_text)
                if found is not None and self._valid(fam.name, found.groupdict()):
                    name = fam.name
                    break
        if memo_key is not None:
            if len(self._locate_memo) > 4096:
                self._locate_memo.clear()
            self._locate_memo[memo_key] = name
        return self._key_match(name, record, limit)

    def _first_family(self, record: str, lo: int, end: int, span: tuple[int, int] | None, leading: bool) -> str | None:
        """The family of the leftmost valid stamp in ``record[lo:end]`` (at equal starts, the earlier family) that
        starts where it may: overlapping ``span`` (a date-less time only where the span starts); else, when
        ``leading``, at the very start (after one bracket) or, a dated stamp, within ``LEADING_LIMIT``.

        Each family's matches are read in order (as ``finditer`` gives them) up to the first start that can no
        longer win: one past the leftmost valid stamp found so far, or the family's own limit. So a family is
        not searched at all once a stamp starts where the window does (a time opening the record), and only the
        few starts left are tried one by one; a family whose required characters are not in the window is
        skipped."""
        present: set[str] | None = None  # read once a family is to be searched
        # (A dated stamp found valid gives the file its year: not one that prose leads to, given back below.)
        dated = (self._dated_year, self._dated_epoch, self._dated_day)
        best: str | None = None
        best_at = end
        best_groups: dict[str, str | None] = {}
        for fam in FAMILIES:
            # A bare number before a date written out is the time only where the two are the same instant but for
            # the date's zone (BGL's "1117838570 2005.06.03 ... 2005-06-03-15.42.50.675872": UTC, then the local
            # clock); else it is another number (a header's counter: "1922122471 2024-03-06 04:32:02.323 WARNING:
            # ...", microseconds since the process started, read as epoch seconds dated the record 2030).
            rival = (
                best_groups
                if best is not None and fam.name in _LEADING_SKIP and _FAMILIES_BY_DATED[best] == "date"
                else None
            )
            if span is not None:
                bound = span[0] + 2 if fam.dated == "time-only" else span[1]
            elif leading:
                bound = _LEAD_BOUND[fam.name]
            else:
                bound = end
            if best_at < bound:
                bound = best_at
            if bound <= lo:
                continue
            if present is None:
                present = _present(record, lo, end)
            if not _NEEDS[fam.name] <= present:
                continue
            rx = fam.rx
            if bound - lo <= _STEP_STARTS:
                # Few starts to try: each one matched in place (what finditer would try, without its search
                # running on past them).
                p = lo
                while p < bound:
                    m = rx.match(record, p, end)
                    if m is None:
                        p += 1
                        continue
                    if (
                        (span is None or m.end() > span[0])
                        and self._valid(fam.name, m.groupdict())
                        and (rival is None or self._same_instant(best, rival, fam.name, m.groupdict()))
                    ):
                        best, best_at, best_groups = fam.name, p, m.groupdict()
                        break
                    p = max(m.end(), p + 1)
                continue
            for m in rx.finditer(record, lo, end):
                s = m.start()
                if s >= bound:
                    break
                if span is not None and m.end() <= span[0]:
                    continue
                if self._valid(fam.name, m.groupdict()) and (
                    rival is None or self._same_instant(best, rival, fam.name, m.groupdict())
                ):
                    best, best_at, best_groups = fam.name, s, m.groupdict()
                    break
        if best is not None and span is None and leading and _in_prose(record[lo:best_at]):
            if _a_sentence(record[lo:best_at]) and self._dated_year is not None and self._dated_epoch != dated[1]:
                self._stated_year, self._stated_epoch, self._stated_day = (
                    self._dated_year,
                    self._dated_epoch,
                    self._dated_day,
                )
                if (
                    _LOG_BEGINS.search(record, lo, best_at) is not None
                    and (offset := _tz_offset(best_groups.get("tz"))) is not None
                    and offset != self._stated_offset
                ):
                    # (Times cached before are stale, and a chunk of the file would not know it: ``rules_version``.)
                    self._stated_offset = offset
                    self.rules_version += 1
            self._dated_year, self._dated_epoch, self._dated_day = dated
            return None
        return best

    def _same_instant(self, name: str | None, g: dict[str, str | None], other: str, h: dict[str, str | None]) -> bool:
        """Whether two stamps of a record are one instant, but for a zone's offset between them."""
        a = self._peek(name, g) if name is not None else None
        b = self._peek(other, h)
        return a is not None and b is not None and abs(a.epoch - b.epoch) <= MAX_ZONE_OFFSET

    def _key_match(self, name: str | None, record: str, limit: int) -> tuple[str, re.Pattern[str]] | None:
        """The family and its key regex, when that regex finds a valid time in the record's window."""
        if name is None:
            return None
        rx = self.key_pattern(name)
        m = rx.search(record, 0, limit)
        if m is None or not self._valid(name, m.groupdict()):
            return None
        if (
            self._zone is None
            and name not in self._learned
            and self._learn_tries < MAX_ZONE_LEARNING
            and _FAMILIES_BY_DATED[name] in ("date", "year-less")
            and not (m.group("tz") if "tz" in rx.groupindex else None)
            and not (m.group("utc") if "utc" in rx.groupindex else None)
            and _ZONE_AFTER.search(record, m.end(), m.end() + 400) is not None
        ):
            self._learn_zone(name, record, m)
        return name, rx

    def _learn_zone(self, name: str, record: str, m: re.Match[str]) -> None:
        """A zone-less stamp written beside a zoned stamp of the same wall-clock time, in one record (Rails:
        ``I, [2016-05-03T09:34:37.002679 #1] ... at 2016-05-03 09:34:37 +0200``): that offset is the clock's
        zone, used for the family's zone-less stamps from now on (and said so)."""
        self._learn_tries += 1
        local = self._peek(name, m.groupdict())
        if local is None:
            return
        if self._stated_offset is not None:
            # Read on the wall clock: the zone the file states it begins in was applied (journalctl's "-- Logs begin
            # at ... CET" over k3s's own "time="...Z"" an hour behind its prefix: the prefix is CET, not UTC).
            local = local._replace(epoch=local.epoch + self._stated_offset)
        for fam in FAMILIES:
            if fam.dated != "date" or "tz" not in fam.rx.groupindex:
                continue
            for other in fam.rx.finditer(record, m.end(), m.end() + 400):
                offset = _tz_offset(other.group("tz"))
                if offset is None:
                    continue
                t = self._peek(fam.name, other.groupdict())
                if t is not None and _same_wall_clock(t.epoch + offset, local.epoch, _FAMILIES_BY_DATED[name]):
                    self._learned[name] = offset
                    self.rules_version += 1
                    return
                if t is not None and _own_time(record, m.end(), other.start()):
                    # The record's own time, with its zone, after a relay's zone-less clock (a syslog server's
                    # "Mar 12 00:18:06 10.1.1.2 id=firewall ... time="2024-03-11 23:18:06 UTC"", NetScaler's
                    # "... 10.1.1.20 03/11/2024:23:04:09 GMT ns01 ..."): the relay's clock runs a zone's offset
                    # ahead of UTC, its zone (the file was an hour off, "assumed UTC").
                    shift = _clock_shift(local.epoch, t.epoch, _FAMILIES_BY_DATED[name])
                    if shift is not None:
                        self._learned[name] = shift
                        self.rules_version += 1
                        return
        for e in _STATED_EPOCH.finditer(record, m.end(), m.end() + 400):
            # Epoch seconds the record states as its own instant, the same second as the clock but for a zone's
            # offset (the kernel's audit records under a syslog clock in local time, "audit(1710238491.123:45)";
            # Drupal's "|1710417994|" field): the clock runs that offset ahead of UTC.
            shift = _clock_shift(local.epoch, int(e.group(1)), _FAMILIES_BY_DATED[name])
            if shift is not None:
                self._learned[name] = shift
                self.rules_version += 1
                return

    def _valid(self, name: str, g: dict[str, str | None]) -> bool:
        """Whether the groups (a record's own time) make a real time. The order-dependent state of
        year-less and date-less stamps is left as it was; a dated stamp does give the file its year."""
        state = (self._syslog_year, self._syslog_last_month, self._clock_day, self._clock_last, self._clock_dated)
        settled = self._year_less_converted
        try:
            return self._convert(name, g) is not None
        except (ValueError, KeyError, OverflowError):
            return False
        finally:
            self._syslog_year, self._syslog_last_month, self._clock_day, self._clock_last, self._clock_dated = state
            self._year_less_converted = settled

    def _peek(self, name: str, g: dict[str, str | None]) -> ParsedTime | None:
        """The time of the groups, leaving every state as it was: a stamp only looked at (a date inside a
        message) says nothing about the file's year."""
        state = (
            self._syslog_year,
            self._syslog_last_month,
            self._clock_day,
            self._clock_last,
            self._clock_dated,
            self._dated_year,
            self._dated_epoch,
            self._dated_day,
            self._year_less_converted,
        )
        try:
            return self._convert(name, g)
        except (ValueError, KeyError, OverflowError):
            return None
        finally:
            (
                self._syslog_year,
                self._syslog_last_month,
                self._clock_day,
                self._clock_last,
                self._clock_dated,
                self._dated_year,
                self._dated_epoch,
                self._dated_day,
                self._year_less_converted,
            ) = state

    # ------------------------------------------------------------------ converting
    def convert(self, name: str, g: dict[str, str | None]) -> ParsedTime | None:
        """The time of the groups of a match of family ``name`` (a search already done), or None."""
        try:
            return self._convert(name, g)
        except (ValueError, KeyError, OverflowError):
            return None

    def _day(self, y: int, m: int, d: int) -> int:
        """Epoch of a day's midnight, UTC; ValueError for a day the month does not have."""
        key = (y, m, d)
        v = self._days.get(key)
        if v is None:
            if not (1970 <= y <= 2200 and 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]):
                raise ValueError(f"no such day {y}-{m}-{d}")
            v = calendar.timegm((y, m, d, 0, 0, 0, 0, 0, 0))
            if len(self._days) > 4096:
                self._days.clear()
            self._days[key] = v
        return v

    def _local_offset(self, y: int, m: int, d: int, hour: int, minute: int, zone: ZoneInfo | None = None) -> int:
        """Seconds east of UTC of a zone (the hinted one unless given) at that wall-clock time (DST-correct;
        cached per minute)."""
        zone = zone or self._zone
        key = (zone.key if zone is not None else "", y, m, d, hour, minute)
        off = self._zone_offsets.get(key)
        if off is None:
            delta = _dt.datetime(y, m, d, hour, minute, tzinfo=zone).utcoffset()
            off = int(delta.total_seconds()) if delta is not None else 0
            if len(self._zone_offsets) > 4096:
                self._zone_offsets.clear()
            self._zone_offsets[key] = off
        return off

    def _convert(self, name: str, g: dict[str, str | None]) -> ParsedTime | None:
        if name == "epoch":
            return self._epoch(g)
        if name == "tai64n":
            return self._tai64n(g)
        # (``_hms``, written out: every time not cached comes here.)
        hour, minute, sec = int(g["H"] or 0), int(g["M"] or 0), int(g.get("S") or 0)
        if (ampm := g.get("ampm")) and 1 <= hour <= 12:
            hour = hour % 12 + (12 if ampm[0] in "Pp" else 0)
        if hour > 23 or minute > 59 or sec > 60:
            return None
        tz = g.get("tz") or g.get("utc")
        offset = _tz_offset(tz)
        # A zone written by its name: its offset on that day.
        named = _named_zone(tz) if offset is None and tz is not None and "/" in tz else None
        clock = hour * 3600 + minute * 60 + sec + _frac_of(g.get("frac"))
        fam = _BY_NAME[name]
        if fam.dated == "time-only":
            return self._time_only(clock, offset, tz, name, named)
        month, day = _month_day(g)
        if self.day_first and name in _MONTH_FIRST:
            if not g.get("Y"):  # 25/12/24 may be yy/MM/dd as well: a two-digit year is read month first only
                return None
            month, day = day, month
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        assumption = ASSUME_NONE
        dated = bool(g.get("Y") or g.get("y2"))
        if dated:
            year = int(g["Y"] or 0) if g.get("Y") else 2000 + int(g["y2"] or 0)
            if name == "dated-syslog":
                year += _year_step(int(g["m2"] or 0), month)
        else:
            year, assumption = self._year_of(month, day, clock)
            self._year_less_converted = True
        midnight = self._day(year, month, day)
        if named is not None:
            offset = self._local_offset(year, month, day, hour, minute, named)
        if offset is None:
            learned = self._learned.get(name)
            stated = next((x for x in (learned, self._stated_offset, self._written_offset) if x is not None), None)
            if stated is not None:
                offset = stated
                zone = _offset_text(stated)
                if learned is not None:
                    note = f"no time zone in the timestamp; used {zone}, written beside the same time in the file"
                elif self._stated_offset is not None:
                    note = f"no time zone in the timestamp; used {zone}, the zone the file states it begins in"
                else:
                    note = f"no time zone in the timestamp; used {zone}, the offset the file's other stamps write"
                assumption = assumption + f", zone {zone} (from the file)" if assumption else note
            else:
                offset = self._local_offset(year, month, day, hour, minute) if self._zone is not None else 0
                # A year assumption already says which zone was used.
                zone_note = self._assume_name if tz else self._assume_zone
                assumption = assumption + self._suffix if assumption else zone_note
        epoch = midnight + clock - offset
        if dated:
            self._dated_year, self._dated_epoch, self._dated_day = year, epoch, midnight
            self._clock_day, self._clock_last, self._clock_dated = midnight, int(clock), True
        return ParsedTime(epoch, name, assumption)

    def _epoch(self, g: dict[str, str | None]) -> ParsedTime:
        sec = int(g["epoch"] or 0)
        sub = g.get("sub")
        frac = int(sub) / 10 ** len(sub) if sub else _frac_of(g.get("efrac"))
        epoch = sec + frac
        day = sec - sec % _DAY
        self._dated_year, self._dated_epoch, self._dated_day = _time.gmtime(sec).tm_year, epoch, day
        self._clock_day, self._clock_last, self._clock_dated = day, sec - day, True
        return ParsedTime(epoch, "epoch", ASSUME_NONE)

    def _tai64n(self, g: dict[str, str | None]) -> ParsedTime | None:
        sec = int(g["tai"] or "0", 16) - TAI64_UNIX_ZERO
        if not _EPOCH_LOW <= sec < _EPOCH_HIGH:
            return None
        nano = g.get("tainano")
        return self._epoch({"epoch": str(sec), "sub": f"{int(nano, 16):09d}" if nano else None})

    def _year_of(self, month: int, day: int, clock: float) -> tuple[int, str]:
        """The year of a year-less stamp, and the assumption that gave it."""
        if self._year_hint is not None:
            return _leap_ok(
                self._year_hint, month, day, -1
            ), f"no year in the timestamp; used the upload's year {self._year_hint}"
        dated = self._dated_year is not None
        if dated or self._stated_year is not None:
            # Sources interleaved in one file: the year (of three) that puts it nearest the last dated stamp (else
            # the last date the file's text states).
            year = self._dated_year if dated else self._stated_year
            assert year is not None
            near = (self._dated_epoch if dated else self._stated_epoch) or 0.0
            best = year
            best_gap = math.inf
            for y in (year - 1, year, year + 1):
                if month == 2 and day == 29 and not calendar.isleap(y):
                    continue
                gap = abs(self._day(y, month, day) + clock - near)
                if gap < best_gap:
                    best, best_gap = y, gap
            return best, (ASSUME_FILE_YEAR if dated else ASSUME_STATED_YEAR).removesuffix(_UTC_SUFFIX)
        if self._reference is not None:
            ref = self._reference
            y = _time.gmtime(ref).tm_year
            # The latest year that does not put it after the upload (with slack for the zone).
            y = _leap_ok(y, month, day, -1)
            if self._day(y, month, day) + clock > ref + _ZONE_SLACK:
                y = _leap_ok(y - 1, month, day, -1)
            when = _time.strftime("%Y-%m-%d", _time.gmtime(ref))
            return y, f"no year in the timestamp; assumed the latest year not after the upload ({when})"
        if month < self._syslog_last_month - 6:
            self._syslog_year += 1
        self._syslog_last_month = month
        return _leap_ok(self._syslog_year, month, day, 1), ASSUME_YEAR.removesuffix(_UTC_SUFFIX)

    def _time_only(
        self, clock: float, offset: int | None, tz: str | None, name: str, named: ZoneInfo | None = None
    ) -> ParsedTime:
        """A time with no date: the date of the last dated stamp (moving on a day when the clock goes back
        by more than 12 hours), else the reference date, else 2000-01-01. Right after a dated stamp, the day of the
        two that puts it nearest that stamp: a clock more than 12 hours ahead of it is the day before's (a build
        log's banner "Started 'Tue Mar 12 23:41:07 UTC 2024'" then "Finished 'Wed Mar 13 00:13:33 UTC 2024'", then
        its lines "[23:41:07] ..." from the start: on the 12th, not a day after the finish)."""
        if self._clock_day is None:
            if self._dated_day is not None:
                self._clock_day = self._dated_day
            elif self._stated_day is not None:  # sbt's "[success] Total time: 0 s, completed Mar 14, 2024, ..."
                self._clock_day = self._stated_day
            elif self._reference is not None:
                ref = self._reference
                day = int(ref // _DAY) * _DAY
                self._clock_day = day - _DAY if day + clock > ref + _ZONE_SLACK else day
            else:
                self._clock_day = self._day(2000, 1, 1)
        if self._clock_last is not None and clock < self._clock_last - _HALF_DAY:
            self._clock_day += _DAY
        elif self._clock_dated and self._clock_last is not None and clock > self._clock_last + _HALF_DAY:
            self._clock_day -= _DAY
        self._clock_last, self._clock_dated = int(clock), False
        midnight = self._clock_day
        if self._dated_day is not None:
            why = ASSUME_NO_DATE.removesuffix(_UTC_SUFFIX)
        elif self._stated_day is not None:
            why = ASSUME_STATED_DATE.removesuffix(_UTC_SUFFIX)
        elif self._reference is not None:
            why = "no date in the timestamp and none in the file; assumed the upload's date"
        else:
            why = ASSUME_NO_DATE_FALLBACK.removesuffix(_UTC_SUFFIX)
        learned = self._learned.get(name) if offset is None and named is None and self._learned else None
        if learned is not None:  # the zone of a date the file states at a clock of its (``date_the_clock``)
            offset = learned
            why += f", zone {_offset_text(learned)} (from the file)"
        elif offset is None:
            zone = named or self._zone  # the zone the stamp names, else the hinted or learned one
            if zone is not None:
                d = _time.gmtime(midnight)
                h = int(clock // 3600)
                offset = self._local_offset(d.tm_year, d.tm_mon, d.tm_mday, h, int(clock % 3600 // 60), zone)
            elif self._written_offset is not None:  # the offset the file's dated stamps all write
                offset = self._written_offset
                why += f", zone {_offset_text(offset)} (the offset the file's other stamps write)"
            else:
                offset = 0
            if named is None and (zone is not None or self._written_offset is None):
                why += self._suffix
        return ParsedTime(midnight + clock - offset, name, why)


def _hms(g: dict[str, str | None]) -> tuple[int, int, int] | None:
    """The hour (a 12-hour clock's half of the day applied), minute and second a match writes; None for no clock."""
    hour, minute = int(g["H"] or 0), int(g["M"] or 0)
    sec = int(g.get("S") or 0)
    ampm = g.get("ampm")
    if ampm and 1 <= hour <= 12:  # an hour past 12 (or 0) is a 24-hour clock's: a marker beside it adds nothing
        hour = hour % 12 + (12 if ampm[0] in "Pp" else 0)
    if hour > 23 or minute > 59 or sec > 60:
        return None
    return hour, minute, sec


def _offset_text(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    hh, mm = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hh:02d}:{mm:02d}"


def _year_step(date_month: int, stamp_month: int) -> int:
    """A syslog stamp's year relative to the dated stamp beside it (Dec beside January: the year before)."""
    if stamp_month - date_month > 6:
        return -1
    if date_month - stamp_month > 6:
        return 1
    return 0


def _leap_ok(year: int, month: int, day: int, step: int) -> int:
    """29 February only exists in leap years: the nearest one in the direction of ``step``."""
    if month == 2 and day == 29:
        while not calendar.isleap(year):
            year += step
    return year


def leading_time_end(text: str) -> int:
    """Where a time that opens ``text`` ends (with its fraction and zone), 0 when it opens with none: the longest
    match of any family at its start."""
    return max((m.end() for f in FAMILIES if (m := f.rx.match(text)) is not None), default=0)


STAMP_ALONE_CHARS = 64  # a stamp alone on its line is at most this long (a date, a clock, a fraction and a zone)


def stamp_alone(line: str) -> bool:
    """Whether ``line`` holds a dated stamp (a date, or a month and day, and a clock) and nothing else: no message of
    its own. Oracle's alert log writes one above each group of message lines it times ("2024-09-10T01:58:44.118+02:00",
    "Tue Sep 10 01:58:44 2024")."""
    text = line.strip()
    return 0 < len(text) <= STAMP_ALONE_CHARS and any(
        m.end() == len(text) for f in FAMILIES if f.dated in ("date", "year-less") and (m := f.rx.match(text))
    )


def dated_stamp_near_start(text: str, chars: int = LEADING_LIMIT) -> bool:
    """Whether a stamp with a date (or a month and day) stands in the first ``chars`` characters of ``text``
    (after a weekday's name, a bracket, a process's number: "Sat 2026-12-05 06:15:11.735252 CET [s=...]")."""
    return any(f.rx.search(text, 0, chars) for f in FAMILIES if f.dated in ("date", "year-less"))


def slashed_day_first(lines: Sequence[str]) -> bool:
    """Whether a file writes its slashed dates day first (25/12/2024, as Britain, most of Europe, India and Australia
    do), from its first lines: a first field above 12 says day first, a second field above 12 month first (the US
    order), the first such date seen deciding; none of either (every date of the head up to the 12th): month first.
    Read from the head alone, so every chunk of a file makes the same choice."""
    # Each line's head, joined: one C-level scan (a slashed date holds no line break, and the regex's edges read a
    # line break as they read a head's end).
    heads = "\n".join(map(itemgetter(slice(0, LEADING_LIMIT + _MAX_STAMP)), lines))
    if _SLASHED_HINT.search(heads) is None:  # a plain regex the scanner runs fast: most files have no such date
        return False
    for m in sorted(chain.from_iterable(rx.finditer(heads) for rx in _SLASHED), key=lambda m: m.start()):
        if not m.group("Y"):  # a two-digit year may come first ("17/06/09"): no evidence of the order
            continue
        first, second = int(m.group("m")), int(m.group("d"))
        if first > 12 >= second:
            return True
        if second > 12 >= first:
            return False
    return False


def _month_day(g: dict[str, str | None]) -> tuple[int, int]:
    """The month (by its name or its number) and the day of a family's match."""
    mon = g.get("mon")
    return (MONTHS[mon[:3].title()] if mon else int(g.get("m") or 0)), int(g.get("d") or 0)


def _same_day(at: _time.struct_time, month: int, day: int) -> bool:
    """Whether a UTC time falls on a year-less stamp's day, give or take a zone."""
    return at.tm_mon == month and abs(at.tm_mday - day) <= 1


def looks_like_time_token(token: str) -> bool:
    """True for tokens that are (part of) a date or time: used by header discovery. A token that is a whole
    timestamp of a dated family ("20171223-22:15:29:606") is one too, whatever its layout."""
    text = token.strip("[](),")
    return _TIME_TOKEN.fullmatch(text) is not None or any(f.rx.fullmatch(text) for f in _DATED_FAMILIES)


_DATED_FAMILIES = tuple(f for f in FAMILIES if f.dated == "date")
_YEAR_LESS_FAMILIES = tuple(f for f in FAMILIES if f.dated == "year-less")
_TIME_TOKEN = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[T -].*)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2}/[A-Z][a-z]{2}/\d{4}.*"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?:[.,:]\d+)?(?:Z|[+-]\d{2}:?\d{2}|[AaPp][Mm])?|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*|\d{4}-\d{2}-\d{2}T\S+|1\d{9}(?:\d{3}|\.\d+)?"
    r"|[AaPp][Mm]"  # a 12-hour clock's half of the day ("3:53:59 PM")
    r"|@[0-9a-f]{24}"  # a TAI64N label (multilog's, svlogd's)
    # A zone's name, after the clock or its offset ("2024-03-14 06:00:02 UTC", Go's "... +0100 CET"): the time's, not
    # the first word of every message.
    r"|(?:" + "|".join(sorted([*_ZONE_NAMES, *_AMBIGUOUS_ZONES, "UTC", "GMT"], key=len, reverse=True)) + ")"
)
