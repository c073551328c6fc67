"""Adapter for ../shared/bench/eval_parsers.py: the engine's own format detection, header discovery and
template mining on raw lines. No per-system configuration of any kind."""

from __future__ import annotations

import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _p in ("gen", "services/analysis"):
    _path = os.path.join(_ROOT, _p)
    if _path not in sys.path:
        sys.path.insert(0, _path)

from loglens_analysis.engine.loghub import parse_lines  # noqa: E402


def parse(lines: list[str]) -> list[tuple[str, str]]:
    """One (template id, template with <*>) per raw line."""
    return parse_lines(lines)
