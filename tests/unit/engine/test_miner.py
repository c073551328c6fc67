"""Template resolution: clusters merged over a variable span, and every template matching its records."""

from __future__ import annotations

import pytest

from loglens_analysis.engine.loghub import parse_lines
from loglens_analysis.engine.masking import WILDCARD

pytestmark = pytest.mark.unit


def matches(template: str, line: str) -> bool:
    """``line`` is an instance of ``template`` (each ``<*>`` any text): greedy left-to-right."""
    pieces = template.split(WILDCARD)
    if len(pieces) == 1:
        return template == line
    if not line.startswith(pieces[0]) or not line[len(pieces[0]) :].endswith(pieces[-1]):
        return False
    pos, end = len(pieces[0]), len(line) - len(pieces[-1])
    for p in pieces[1:-1]:
        k = line.find(p, pos, end)
        if k < 0:
            return False
        pos = k + len(p)
    return True


def test_merged_cluster_of_several_lengths_splits_without_crash() -> None:
    """Regression: a cluster merged over a multi-token variable holds variants of 4 and 5 tokens; the
    split on "Local"/"Remote" compared positions across lengths (IndexError in resolve_templates)."""
    lines = [
        "Reached target Local charlie units",
        "Reached target Remote delta units",
        "Reached target Local alpha",
        "Reached target Remote golf hotel",
        "Reached target Remote bravo",
    ] * 3
    out = parse_lines(lines)
    assert len(out) == len(lines)
    for line, (_tid, template) in zip(lines, out, strict=True):
        assert matches(template, line), (template, line)
