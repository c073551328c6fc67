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


def _has_word(text: str) -> bool:
    return any(ch.isalpha() for ch in text.replace(WILDCARD, ""))


def test_no_placeholder_only_template_swallows_messages_with_words() -> None:
    """Messages that start with a variable and share only placeholders are different events: a template
    of placeholders alone would hold them all (placeholders agreeing with placeholders are no evidence)."""
    lines = []
    for i in range(20):
        lines += [
            f"Hit:{i} http://archive{i}.example.com jammy InRelease",
            f"Err:{i} http://mirror{i}.example.com ./ InRelease",
            f"{i}.0 X Server {i}.21",
            f"{i}.5 client rule loaded",
            f"{i} {i + 1} {i + 2} {i + 3}",
        ]
    out = parse_lines(lines)
    for line, (_tid, template) in zip(lines, out, strict=True):
        assert matches(template, line), (template, line)
        if any(w in line for w in ("InRelease", "Server", "client")):
            assert _has_word(template), (template, line)
    templates = {t for _, t in out}
    assert "<*> <*> <*> <*>" in templates  # the rows of numbers only: no constant word in any of them
    assert "<*> client rule loaded" in templates


def test_ids_that_are_mostly_digits_do_not_split_a_table() -> None:
    """Tokens with more digits than letters read as ids: rows of ids stay one template."""
    lines = [f"RF{i % 50:05d} CM{i % 13:06d}.{i % 3} {1000 + i} {2000 + i}" for i in range(300)]
    templates = {t for _, t in parse_lines(lines)}
    assert len(templates) <= 2, templates
