"""A log written as blocks of "Name: value" lines, one block per record, blocks parted by blank lines.

Event exports read this way: ``wevtutil qe System /f:text`` writes "Event[0]:" then "  Log Name: System",
"  Date: 2024-01-15T10:00:00.000", "  Level: Error", ..., "  Description: " and the description on the lines after
it; PowerShell's ``Format-List`` writes "TimeCreated  : ...", "Message      : ..." blocks. Read line by line, every
field is a record of its own and no record has a time, a level or a message.

A file is read so when its first block of text (``detect``) is mostly such blocks: at least
``MIN_BLOCKS`` blank-line-parted blocks, most of them of ``MIN_FIELDS`` fields or more, field lines most of its
lines, and most blocks naming the same fields (one kind of record). A field's name is words of letters (no
digits: a line that opens with a time or a count is no field), then a colon; a line that is no field goes on
the value of the field before it, and a field with an empty value takes the lines after it ("Description: ").
A block's first line without a value is its heading ("Event[0]:"), no field.

Each block becomes one line of compact JSON (its fields by name, in order; the heading left out), then one
``join`` marker per further line, so the JSON reader reads its time, level and message by their names and a
finding cites the line the block opens on; blank lines stay empty lines. A block that a text cuts waits for the
next text; a block longer than ``MAX_BLOCK_LINES`` lines ends the reading (the rest is read as lines).
"""

from __future__ import annotations

import json
import re
from collections import Counter

from .jsondoc import LEFT

MIN_BLOCKS = 3  # blocks the first text must hold
MIN_FIELDS = 3  # fields most of its blocks hold
FIELD_LINE_SHARE = 0.6  # share of its non-blank lines that are fields
SHARED_NAME_SHARE = 0.8  # share of its blocks that name the block's most common field
MAX_BLOCK_LINES = 200  # the longest block read as one record

# A line that opens with a date or a time of day (perhaps in brackets): a log's record, no field (a field's name is
# letters).
_OPENS_WITH_TIME = re.compile(r"\[?\d{1,4}[-/.:]\d{1,2}[-/.:]\d{1,4}")
# "Name: value", "Name    : value", "Name:": words of letters (and ._/()-), then a colon.
_FIELD = re.compile(r"([ \t]*)([A-Za-z][A-Za-z _./()-]{0,38}?)[ \t]*:(?:[ \t]+(.*?)|)[ \t]*")


def _opens_with_time(line: str) -> bool:
    """Whether a line opens with a date or a time of day: by its digits, or as any timestamp the engine reads does
    (Bacula's "11-Mar 23:05 bacula-dir JobId 4813: ...", the month by its name: a job's report of fields under such
    lines made the file blocks of fields, its warnings and fatal errors inside them)."""
    from .timestamps import leading_time_end

    return _OPENS_WITH_TIME.match(line) is not None or leading_time_end(line) > 0


def _goes_on(block: list[str], line: str) -> bool:
    """Whether ``line``, after blank lines that follow ``block``, goes on the block's last value: indented deeper
    than the block's fields and no field of its own at their indentation (a message's paragraphs under its
    "Message          : ", as Format-List writes a Windows event's text of several paragraphs); or, where the
    block's fields are indented under a heading at the margin, a line at the margin that does not open as the heading
    does (wevtutil's "Event[3]:" over "  Description: ", the description's paragraphs at the margin after it: each was
    a block of its own, and the file no blocks of fields)."""
    first = next((m for m in map(_FIELD.fullmatch, block) if m is not None), None)
    if first is None:
        return False
    indent = first.group(1)
    m = _FIELD.fullmatch(line)
    if m is not None and m.group(1) == indent:
        return False
    if line[:1].isspace():
        return len(line) - len(line.lstrip()) > len(indent)
    heading = block[0]
    return bool(indent) and _FIELD.fullmatch(heading) is None and _opening(line) != _opening(heading)


def _opening(line: str) -> str:
    """A line's text before its first digit, bracket or colon: what the headings of one file's blocks share ("Event"
    of "Event[12]:")."""
    m = _OPENING.match(line)
    return m.group() if m is not None else ""


_OPENING = re.compile(r"[^\d\[(:]*")


# "Name: value" pairs inside a heading line, after its time ("I41230988E562       LEVEL: Error").
_HEADING_PAIR = re.compile(r"(?<!\S)([A-Za-z][A-Za-z_]{0,23}) ?: +([^\s:]+)(?=\s|$)")


def _heading_fields(heading: str) -> dict[str, str]:
    """The fields a block's heading line states: the time it opens with, as "time", and the "Name: value" pairs after
    it (IBM DB2's db2diag.log heads each record with "2026-12-05-00.05.14.602576+060 I41230988E562  LEVEL: Error",
    its time and level, over the record's fields; the heading was dropped and no record had a time or a level)."""
    from .timestamps import leading_time_end

    end = leading_time_end(heading)
    if not end:
        return {}
    out = {"time": heading[:end]}
    for m in _HEADING_PAIR.finditer(heading, end):
        out.setdefault(m.group(1), m.group(2))
    return out


def _blocks(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    block: list[str] = []
    blanks = 0
    for line in text.split("\n"):
        if not line.strip():
            blanks += 1
            continue
        if blanks and block and not _goes_on(block, line):
            out.append(block)
            block = []
        block += [""] * blanks if block else []
        block.append(line)
        blanks = 0
    if block:
        out.append(block)
    return out


def _fields(block: list[str]) -> tuple[list[tuple[str, str]], int]:
    """The block's fields (name, value) in order, and how many of its lines are fields. The first field sets the
    fields' indentation: a line of another indentation goes on the value of the field before it (a description
    written under its "Description:", a message's wrapped lines), as does a line that is no field; a line before
    the first field is the block's heading."""
    fields: list[tuple[str, str]] = []
    indent: str | None = None
    for line in block:
        if not line.strip():
            continue  # a blank line between the paragraphs of a value
        m = _FIELD.fullmatch(line)
        if m is not None and (indent is None or m.group(1) == indent):
            indent = m.group(1)
            fields.append((m.group(2).strip(), (m.group(3) or "").strip()))
        elif fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip()}" if value else line.strip())
    return fields, len(fields)


def detect(text: str) -> bool:
    """Whether ``text`` (a file's first text) is records written as blocks of fields (module docstring)."""
    blocks = _blocks(text)
    if len(blocks) < MIN_BLOCKS:
        return False
    lines = field_lines = full = 0
    names: Counter[str] = Counter()
    for block in blocks:
        fields, n = _fields(block)
        lines += len(block)
        field_lines += n
        # A block of several lines that open with a time is records of a log, a summary of fields under them (Kylin's
        # query summaries after the lines that logged each query): a block of fields opens with a time once at most,
        # on its heading (db2diag.log's).
        full += n >= MIN_FIELDS and sum(1 for line in block if _opens_with_time(line)) <= 1
        names.update({name for name, _value in fields})
    if full < SHARED_NAME_SHARE * len(blocks) or field_lines < FIELD_LINE_SHARE * lines:
        return False
    return names.most_common(1)[0][1] >= SHARED_NAME_SHARE * len(blocks)


class FieldBlocks:
    """The reading of a file of field blocks (module docstring). ``take`` each text of whole lines."""

    def __init__(self, join: str) -> None:
        self.join = join
        self.mode = "blocks"
        self.records = 0

    def take(self, text: str, final: bool) -> tuple[str, str]:
        """The records of ``text`` as lines (blank lines as empty lines), and the lines held back: the block the
        text ends inside (it may go on in the next text), or, once a block is too long, the rest as it is."""
        lines = text.split("\n")
        out: list[str] = []
        start: int | None = None  # the first line of the block being read (None: between blocks)
        end = 0  # the line after its last line that is not blank
        for k, line in enumerate(lines):
            if not line.strip():
                if start is None:
                    out.append("")
                continue
            if start is not None and end < k and not _goes_on(lines[start:end], line):
                # Blank lines, then a line that does not go on the block's last value: the block ends before them.
                out.append(self._record(lines[start:end]))
                out += [""] * (k - end)
                start = None
            if start is None:
                start = k
            if k - start >= MAX_BLOCK_LINES:
                self.mode = LEFT
                return "\n".join(out), "\n".join(lines[start:])
            end = k + 1
        if start is not None:
            if not final:
                return "\n".join(out), "\n".join(lines[start:])
            out.append(self._record(lines[start:end]))
            out += [""] * (len(lines) - end)
        return "\n".join(out), ""

    def _record(self, block: list[str]) -> str:
        fields, _n = _fields(block)
        self.records += 1
        obj: dict[str, str] = _heading_fields(block[0]) if block and _FIELD.fullmatch(block[0]) is None else {}
        for name, value in fields:
            obj[name] = f"{obj[name]} {value}" if name in obj else value
        return json.dumps(obj, ensure_ascii=False) + self.join * (len(block) - 1)
