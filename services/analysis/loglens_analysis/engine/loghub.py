"""Line-level parsing for parser benchmarks: one (template id, template) per input line."""

from __future__ import annotations

from collections.abc import Sequence

from .formats import RecordParser, detect_format
from .masking import mask_text
from .miner import Cluster, TemplateMiner, resolve_templates, template_id

SAMPLE_LINES = 2000


def parse_lines(lines: Sequence[str]) -> list[tuple[str, str]]:
    """Detect the format on a sample, cut every line's header off and mine the messages."""
    guess = detect_format(list(lines[:SAMPLE_LINES]))
    parser = RecordParser(guess)
    miner = TemplateMiner()
    cache: dict[str, tuple[Cluster, tuple[str, ...]]] = {}
    assigned: list[tuple[Cluster, tuple[str, ...]]] = []
    for line in lines:
        msg = parser.parse(line).message
        hit = cache.get(msg)
        if hit is None:
            words = mask_text(msg).split()
            hit = cache[msg] = (miner.add_tokens(list(words)), tuple(words))
        assigned.append(hit)
    miner.finish()
    variants: dict[int, dict[tuple[str, ...], int]] = {}
    for c, vt in assigned:
        r = c.root()
        d = variants.setdefault(r.index, {})
        d[vt] = d.get(vt, 0) + 1
    final = resolve_templates([c for c in miner.clusters if c.merged_into is None], variants)
    out: list[tuple[str, str]] = []
    for c, vt in assigned:
        t = final[(c.root().index, vt)]
        out.append((template_id(t), t))
    return out
