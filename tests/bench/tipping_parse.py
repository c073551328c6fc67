"""Adapter for ../shared/bench/eval_parsers.py: Tipping (``pip install tipping``, the Python binding of the Rust
tipping-rs parser) as a peer, with its documented defaults and no per-system configuration of any kind.

    python ../shared/bench/eval_parsers.py --parser tests/bench/tipping_parse.py:parse --feed raw

Tipping is a batch parser: ``tipping.parse(messages)`` takes the whole list at once (token interdependencies
are computed over all of it) and answers, per message, a cluster id (``None`` when it finds no cluster) and a
parameter mask, one character per UTF-8 byte of the message, ``'1'`` where the byte belongs to a parameter;
and, per cluster, the set of templates its messages take. So each line is given its cluster id, and its own
template: the line with each run of masked bytes replaced by ``<*>`` (one cluster often has several templates,
e.g. ``blk_<*>`` and ``blk_-<*>``; the mask says which one this line has). A line Tipping leaves unclustered is a
group of its own.
"""

from __future__ import annotations

import re

import tipping

_MASKED = re.compile(rb"1+")


def line_template(line: str, mask: str) -> str:
    """The line with each run of parameter bytes (``'1'`` in Tipping's per-byte mask) replaced by ``<*>``."""
    data = line.encode("utf-8")
    if len(mask) != len(data):  # not expected; keep the line rather than cut it at the wrong places
        return line
    out = bytearray()
    last = 0
    for m in _MASKED.finditer(mask.encode("ascii")):
        out += data[last : m.start()] + b"<*>"
        last = m.end()
    out += data[last:]
    return out.decode("utf-8", errors="replace")


def group_ids(clusters: list[int | None]) -> list[str]:
    """One group key per line: Tipping's cluster id, or a key of its own for a line Tipping left unclustered."""
    return [f"c{c}" if c is not None else f"unclustered-{i}" for i, c in enumerate(clusters)]


def parse(lines: list[str]) -> list[tuple[str, str]]:
    """One (cluster id, this line's template with <*>) per raw line; the whole list in one call."""
    clusters, masks, _templates = tipping.parse(lines)
    templates = [line_template(line, mask) for line, mask in zip(lines, masks, strict=True)]
    return list(zip(group_ids(clusters), templates, strict=True))
