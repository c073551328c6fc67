"""Line-level parsing for parser benchmarks: one (template id, template) per input line.

The lines go through the engine's own analysis (format discovery, shape caches, masking, mining and the
final template resolution of the report), fed as records as they are (one line, one record: no
multi-line joins, since a parser benchmark scores every line).
"""

from __future__ import annotations

from collections.abc import Sequence

from .analyzer import Analyzer, young_gc_threshold
from .records import BLOCK_BYTES, Block
from .report import roll_up


def parse_lines(lines: Sequence[str]) -> list[tuple[str, str]]:
    """One (template id, template with ``<*>``) per line, in order."""
    with young_gc_threshold():
        return _parse_lines(lines)


def _parse_lines(lines: Sequence[str]) -> list[tuple[str, str]]:
    an = Analyzer(keep_record_variants=True)
    start = 0
    while start < len(lines):
        size = 0
        end = start
        while end < len(lines) and size < BLOCK_BYTES:
            size += len(lines[end]) + 1
            end += 1
        text = "\n".join(line.replace("\n", " ") for line in lines[start:end])
        an.feed(Block(text, start + 1))
        start = end
    an.finish()
    _templates, of_variant = roll_up(an)
    assert an.record_variants is not None
    out: list[tuple[str, str]] = []
    for v in an.record_variants:
        if v is None:
            out.append(("", ""))
        else:
            r = of_variant[id(v)]
            out.append((r.id, r.text))
    return out
