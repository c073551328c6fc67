"""A log file that is one JSON document, or JSON objects written over several lines each.

Tools export logs this way: ``gcloud logging read --format=json`` and most web consoles write an array of entries,
pretty-printed; ``aws logs filter-log-events`` an object whose "events" key holds that array (so do
``kubectl get events -o json``'s "items" and a search API's "hits"); ``journalctl -o json-pretty`` and ``jq .``
write one object after another, each over many lines. Read line by line, such a file is a heap of one-line
fragments (``"severity": "ERROR",``) and no record at all.

A record is one object. The document's records are:

- the elements of its top-level array (each an object);
- or, in a top-level object that is no record itself, the elements of the first array of objects in it (through
  nested objects): a *wrapper*. An object is a record when, before that array, one of its keys names a time, a
  level or a message (``formats.names_record_field``): a record's own list of objects is one of its fields;
- else every top-level object, one after another.

Each record becomes one line of compact JSON (the pretty-printer's line breaks and indentation removed: JSON
strings hold no raw line break, so the text is the same JSON), followed by one ``join`` marker per further
physical line it spans, so the reader's line numbers stay the file's and a finding cites the line its object opens
on. The document's own lines (brackets, a wrapper's other keys) become empty lines.

Read as a stream: a record that a block cuts waits for the next block (``take`` returns its lines as the rest). A
record that does not parse (a damaged or truncated file), or is longer than ``MAX_DOCUMENT_RECORD_CHARS``, or
starts on the line the record before it ends on, or text that is no object where a record is due (an application's
log after the configuration it printed) ends the document: the rest of the file is read as lines.
"""

from __future__ import annotations

import json
import re

MAX_DOCUMENT_RECORD_CHARS = 1 << 20  # the longest object read as one record of a JSON document

_DECODER = json.JSONDecoder()
_BLANKS = re.compile(r"[ \t\n\r]*")
_BLANKS_OR_COMMAS = re.compile(r"[ \t\n\r,]*")
_LINE_BREAK_INDENT = re.compile(r"\n[ \t]*")


def _past_blanks(text: str, pos: int) -> int:
    """The first position at or after ``pos`` that is no JSON blank (``len(text)`` if none)."""
    m = _BLANKS.match(text, pos)
    assert m is not None  # (the pattern matches the empty string)
    return m.end()


# Modes of the reading.
_START = "start"  # the document's opening is not read yet
_ARRAY = "array"  # inside the array of records
_OBJECTS = "objects"  # top-level objects, each a record
_AFTER = "after"  # the array of records has closed: the rest is the document's own
LEFT = "left"  # the rest of the file is read as lines


def opens_document(first_line: str) -> bool:
    """Whether a file whose first non-blank line is this may be a pretty-printed JSON document: a line of only an
    opening bracket or brace (every pretty-printer starts so; a one-line object is JSON lines)."""
    return first_line.strip() in ("[", "{")


class JsonDocument:
    """The reading of one JSON document's records (module docstring). ``take`` each block of whole lines."""

    def __init__(self, join: str) -> None:
        self.join = join
        self.mode = _START
        self._resume = 0  # where the reading goes on in the first line of the text held back
        self.records = 0

    def take(self, text: str, final: bool) -> tuple[str, str]:
        """The records of ``text`` (whole lines, after the lines held back last time) as lines, and the lines held
        back: the start of a record the text cuts, or, once the reading has left the document, the rest as it is."""
        out: list[str] = []
        occupied = False  # a record was given for the line the reading is in
        pos = self._resume
        self._resume = 0
        n = len(text)
        while pos < n and self.mode != LEFT:
            if self.mode == _START:
                got = self._open(text, final)
                if got is None:  # not decided yet: hold it all
                    if len(text) <= MAX_DOCUMENT_RECORD_CHARS:
                        return "", text
                    self.mode = LEFT
                    break
                out.append("\n" * text.count("\n", pos, got))
                pos = got
                continue
            if self.mode == _AFTER:
                out.append("\n" * text.count("\n", pos))
                return _lines(out, ""), ""
            skip = _BLANKS_OR_COMMAS.match(text, pos)
            assert skip is not None
            if skip.end() > pos:
                breaks = text.count("\n", pos, skip.end())
                if breaks:
                    out.append("\n" * breaks)
                    occupied = False
                pos = skip.end()
            if pos >= n:
                break
            if self.mode == _ARRAY and text[pos] == "]":
                self.mode = _AFTER
                continue
            if text[pos] != "{" or occupied:
                # No record here (an application's log after the configuration it printed), or a record opening on
                # the line the one before it ends on (it would have no line of its own): the document ends.
                self.mode = LEFT
                break
            line_start = text.rfind("\n", 0, pos) + 1
            try:
                _obj, end = _DECODER.raw_decode(text, pos)
            except (ValueError, RecursionError):
                if not final and n - line_start <= MAX_DOCUMENT_RECORD_CHARS:
                    self._resume = pos - line_start
                    return _lines(out, text[line_start:]), text[line_start:]
                self.mode = LEFT
                break
            if end - pos > MAX_DOCUMENT_RECORD_CHARS or not isinstance(_obj, dict):
                self.mode = LEFT
                break
            if self.mode == _ARRAY:
                after = _past_blanks(text, end)
                if after < n and text[after] not in ",]":
                    self.mode = LEFT
                    break
            body = text[pos:end]
            breaks = body.count("\n")
            if breaks:
                body = _LINE_BREAK_INDENT.sub("", body) + self.join * breaks
            out.append(body)
            occupied = True
            self.records += 1
            pos = end
        if self.mode != LEFT or pos >= n:
            return _lines(out, ""), ""
        # The rest as it is, from the line the reading stopped in (from the next line if a record was given for it).
        if occupied:
            nl = text.find("\n", pos)
            rest = "" if nl < 0 else text[nl + 1 :]
            if rest:
                out.append("\n")
            return _lines(out, rest), rest
        rest = text[text.rfind("\n", 0, pos) + 1 :]
        return _lines(out, rest), rest

    def _open(self, text: str, final: bool) -> int | None:
        """Read the document's opening: where its first record starts (the mode set), or None until more text
        is needed to tell."""
        at = _past_blanks(text, 0)
        if at >= len(text):
            return None if not final else self._leave(0)
        if text[at] == "[":
            inner = _past_blanks(text, at + 1)
            if inner >= len(text):
                return None if not final else self._leave(0)
            if text[inner] != "{":
                return self._leave(0)
            self.mode = _ARRAY
            return inner
        if text[at] != "{":
            return self._leave(0)
        found = _wrapped_array(text, at)
        if found is None:
            return None if not final else self._leave(0)
        if found < 0:
            self.mode = _OBJECTS
            return at
        self.mode = _ARRAY
        return found

    def _leave(self, at: int) -> int:
        self.mode = LEFT
        return at


def _wrapped_array(text: str, at: int) -> int | None:
    """In the object opening at ``at``: where the first element of its array of records starts (it is a wrapper),
    -1 when it is a record (a key names a time, a level or a message before any array of objects, or it closes
    without one), None when the text ends before that is known. Nested objects are walked into; other values are
    stepped over whole."""
    from .formats import names_record_field

    depth = 0
    pos = at
    n = len(text)
    while True:
        pos = _past_blanks(text, pos)
        if pos >= n:
            return None
        c = text[pos]
        if c == "{":
            depth += 1
            pos += 1
            continue
        if c == "}":
            depth -= 1
            if depth == 0:
                return -1
            pos += 1
            continue
        if c == ",":
            pos += 1
            continue
        if c != '"':
            return -1  # no JSON object: the caller reads it as a record, which then fails and leaves
        try:
            key, pos = _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError):
            return None
        pos = _past_blanks(text, pos)
        if pos >= n:
            return None
        if text[pos] != ":":
            return -1
        if names_record_field(str(key)):
            return -1
        pos = _past_blanks(text, pos + 1)
        if pos >= n:
            return None
        c = text[pos]
        if c == "{":
            continue  # walked into
        if c == "[":
            first = _past_blanks(text, pos + 1)
            if first >= n:
                return None
            if text[first] == "{":
                return first
        try:
            _value, pos = _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError):
            return None


def _lines(out: list[str], rest: str) -> str:
    """The records given, as lines: without the line break before the rest of the text (it starts a line)."""
    done = "".join(out)
    if rest and done:
        assert done.endswith("\n"), "the rest of the text starts a line"
        return done[:-1]
    return done
