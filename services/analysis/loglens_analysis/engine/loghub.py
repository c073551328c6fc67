"""Line-level parsing for parser benchmarks: one (template id, template) per input line.

The lines go through the engine's own analysis (format discovery, shape caches, masking, mining and the
final template resolution of the report), fed as records as they are (one line, one record: no
multi-line joins, since a parser benchmark scores every line).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate

from .analyzer import Analyzer, young_gc_threshold
from .records import BLOCK_BYTES, Block
from .report import roll_up

_NONE = ("", "")  # a line with no record (empty): no template


def parse_lines(lines: Sequence[str]) -> list[tuple[str, str]]:
    """One (template id, template with ``<*>``) per line, in order."""
    with young_gc_threshold():
        return _parse_lines(lines)


def _parse_lines(lines: Sequence[str]) -> list[tuple[str, str]]:
    """Blocks of about BLOCK_BYTES cut in C-level passes (the running sum of the line sizes, bisected), and the
    answer looked up per distinct message variant, then mapped over the lines in C: no Python step per line."""
    an = Analyzer(keep_record_variants=True)
    ends = list(accumulate(len(line) + 1 for line in lines))  # each line's end in the joined text
    start = 0
    while start < len(lines):
        # The first line at whose end the block holds BLOCK_BYTES (as many lines as the size needs, at least one).
        base = ends[start - 1] if start else 0
        end = max(start + 1, min(len(lines), bisect_left(ends, base + BLOCK_BYTES, start) + 1))
        part = lines[start:end]
        text = "\n".join(part)
        if text.count("\n") != len(part) - 1:  # a line holding a newline is one record all the same
            text = "\n".join(line.replace("\n", " ") for line in part)
        an.feed(Block(text, start + 1))
        start = end
    an.finish()
    _templates, of_variant = roll_up(an)
    assert an.record_variants is not None
    answer: dict[object, tuple[str, str]] = {None: _NONE}
    for v in dict.fromkeys(an.record_variants):
        if v is not None:
            r = of_variant[id(v)]
            answer[v] = (r.id, r.text)
    return list(map(answer.__getitem__, an.record_variants))
