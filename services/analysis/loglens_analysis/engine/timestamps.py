"""Timestamps in the usual formats, normalised to UTC seconds since the epoch.

Every value that needed an assumption says so (``assumption`` names it) so that the report can record
it: no zone means UTC, no year (syslog) means the year of the last dated timestamp seen in the file, or,
when there is none, the year 2000 (a leap year, so 29 Feb parses) rolled forward when the month goes
backwards. Nothing here reads the clock: the same input always gives the same times.
"""

from __future__ import annotations

import calendar
import re
from typing import NamedTuple

MONTHS = {m: i for i, m in enumerate(calendar.month_abbr) if m}
_MON = r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_TZ = r"(?:\s?(?P<tz>Z|[+-]\d{2}:?\d{2}|UTC|GMT))?"
_FRAC = r"(?:[.,:](?P<frac>\d{1,9}))?"
_HMS = r"(?P<H>\d{1,2})[:.](?P<M>\d{2})[:.](?P<S>\d{2})"

ASSUME_NONE = ""
ASSUME_UTC = "no time zone in the timestamp; assumed UTC"
ASSUME_YEAR = "no year in the timestamp; assumed 2000 (rolled forward when months wrap), UTC"
ASSUME_FILE_YEAR = "no year in the timestamp; assumed the year of the file's dated timestamps, UTC"
SYSLOG_DEFAULT_YEAR = 2000

# (name, regex, has_year); searched in this order.
_FORMATS: tuple[tuple[str, str, bool], ...] = (
    ("iso8601", rf"(?P<Y>\d{{4}})-(?P<m>\d{{2}})-(?P<d>\d{{2}})[T ]{_HMS}{_FRAC}{_TZ}", True),
    ("dashed", rf"(?P<Y>\d{{4}})-(?P<m>\d{{2}})-(?P<d>\d{{2}})-{_HMS}{_FRAC}", True),
    ("slashed", rf"(?P<Y>\d{{4}})/(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})[ T:]{_HMS}{_FRAC}{_TZ}", True),
    ("apache", rf"(?P<d>\d{{2}})/{_MON}/(?P<Y>\d{{4}}):{_HMS}{_FRAC}{_TZ}", True),
    (
        "ctime",
        rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]* {_MON} +(?P<d>\d{{1,2}}) {_HMS}{_FRAC} (?P<Y>\d{{4}})",
        True,
    ),
    ("short-year", rf"(?P<y2>\d{{2}})/(?P<m>\d{{2}})/(?P<d>\d{{2}}) {_HMS}{_FRAC}", True),
    ("us-date", rf"(?P<m>\d{{2}})/(?P<d>\d{{2}})/(?P<Y>\d{{4}})[ T:]{_HMS}{_FRAC}", True),
    ("syslog", rf"{_MON} +(?P<d>\d{{1,2}}) {_HMS}{_FRAC}", False),
    (
        "compact",
        r"(?<!\d)(?P<y2>\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d) (?P<H>[0-2]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d)(?!\d)",
        True,
    ),
    ("epoch", r"(?<![\d.])(?P<epoch>1[0-9]{9})(?:(?P<ms>\d{3})|\.(?P<efrac>\d{1,9}))?(?![\d.])", True),
)
_COMPILED = tuple((name, re.compile(rx), has_year) for name, rx, has_year in _FORMATS)


class ParsedTime(NamedTuple):
    """A timestamp as UTC epoch seconds and the assumption it needed (empty when none).

    A named tuple: made for every timestamp not cached yet, and a frozen dataclass costs several
    times as much to construct."""

    epoch: float
    fmt: str
    assumption: str


def _tz_offset(tz: str | None) -> tuple[int, bool]:
    if not tz:
        return 0, False
    if tz in ("Z", "UTC", "GMT"):
        return 0, True
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return sign * (int(digits[:2]) * 3600 + int(digits[2:4]) * 60), True


class TimestampParser:
    """Finds and converts timestamps; remembers the format that worked last (files rarely mix them)."""

    def __init__(self) -> None:
        self._days: dict[tuple[int, int, int], int] = {}
        self._order = list(_COMPILED)
        self._syslog_year = SYSLOG_DEFAULT_YEAR
        self._syslog_last_month = 0
        self._dated_year: int | None = None

    def _day(self, y: int, m: int, d: int) -> int:
        """Epoch of a day's midnight (a day past the month's end is read as its last day)."""
        key = (y, m, d)
        v = self._days.get(key)
        if v is None:
            v = calendar.timegm((y, m, min(d, calendar.monthrange(y, m)[1]), 0, 0, 0, 0, 0, 0))
            if len(self._days) > 4096:
                self._days.clear()
            self._days[key] = v
        return v

    def parse(self, text: str, fmt: str | None = None) -> ParsedTime | None:
        """The first timestamp found in ``text``, or None. With ``fmt``, only that format is tried."""
        if fmt is not None:
            for name, rx, has_year in self._order:
                if name == fmt:
                    m = rx.search(text)
                    try:
                        return self._convert(name, m.groupdict(), has_year) if m is not None else None
                    except (ValueError, KeyError, OverflowError):
                        return None
            return None
        for i, (name, rx, has_year) in enumerate(self._order):
            m = rx.search(text)
            if m is None:
                continue
            try:
                t = self._convert(name, m.groupdict(), has_year)
            except (ValueError, KeyError, OverflowError):
                continue
            if t is None:
                continue
            if i:
                self._order.insert(0, self._order.pop(i))
            return t
        return None

    def convert(self, name: str, g: dict[str, str | None]) -> ParsedTime | None:
        """The time of the groups of a match of format ``name`` (a search already done), or None."""
        try:
            return self._convert(name, g, True)
        except (ValueError, KeyError, OverflowError):
            return None

    def _convert(self, name: str, g: dict[str, str | None], has_year: bool) -> ParsedTime | None:
        if name == "epoch":
            sec = int(g["epoch"] or 0)
            frac = 0.0
            if g.get("ms"):
                frac = int(g["ms"] or 0) / 1000.0
            elif g.get("efrac"):
                frac = float("0." + (g["efrac"] or "0"))
            return ParsedTime(sec + frac, name, ASSUME_NONE)
        month = MONTHS[(g["mon"] or "")[:3]] if g.get("mon") else int(g["m"] or 0)
        day = int(g["d"] or 0)
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        hour, minute, sec = int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0)
        if hour > 23 or minute > 59 or sec > 60:
            return None
        assumption = ASSUME_NONE
        if g.get("Y"):
            year = self._dated_year = int(g["Y"] or 0)
        elif g.get("y2"):
            year = self._dated_year = 2000 + int(g["y2"] or 0)
        elif self._dated_year is not None:
            # Sources interleaved in one file: a syslog line beside dated lines belongs to their year.
            year = self._dated_year
            assumption = ASSUME_FILE_YEAR
        else:
            if month < self._syslog_last_month - 6:
                self._syslog_year += 1
            self._syslog_last_month = month
            year = self._syslog_year
            assumption = ASSUME_YEAR
        offset, has_zone = _tz_offset(g.get("tz"))
        if not has_zone and not assumption:
            assumption = ASSUME_UTC
        frac_s = g.get("frac")
        frac = float("0." + frac_s) if frac_s else 0.0
        epoch = self._day(year, month, day)
        return ParsedTime(epoch + hour * 3600 + minute * 60 + sec + frac - offset, name, assumption)


def looks_like_time_token(token: str) -> bool:
    """True for tokens that are (part of) a date or time: used by header discovery."""
    return _TIME_TOKEN.fullmatch(token.strip("[](),")) is not None


_TIME_TOKEN = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[T -].*)?|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2}/[A-Z][a-z]{2}/\d{4}.*"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?:[.,:]\d+)?(?:Z|[+-]\d{2}:?\d{2})?|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*|\d{4}-\d{2}-\d{2}T\S+|1\d{9}(?:\d{3}|\.\d+)?"
)
