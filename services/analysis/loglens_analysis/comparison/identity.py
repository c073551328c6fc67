"""Template identity across runs: the same id is the same text; a wording that generalised is the same message.

Template ids are hashes of their text, so a message whose wording changed between runs (a constant became a
placeholder: ``cache warmed for region eu-west`` then ``cache warmed for region <*>``; or the reverse, where a
run saw one value only) has two ids. Such templates are linked (union-find) into one *message* and compared as
one: never reported as one new message and one gone.

Two templates are the same message when they have the same number of tokens, at most ``MAX_CHANGED_TOKENS``
tokens differ, each differing token of one is matched by the other's placeholder pattern (``<*>``,
``status=<*>``), and they share at least as many constant tokens as they differ in. Only a template missing
from the other side is looked up (a template present on both sides is its own evidence), through an index of
the first three token positions: with at most two tokens changed, one of those three agrees.
"""

from __future__ import annotations

from collections.abc import Iterable

WILDCARD = "<*>"
MAX_CHANGED_TOKENS = 2
INDEX_POSITIONS = MAX_CHANGED_TOKENS + 1


def covers(pattern: str, token: str) -> bool:
    """Whether ``token`` fits ``pattern``, each ``<*>`` of which stands for one or more characters. Linear: the
    constant parts are found left to right (no regex, no backtracking)."""
    if WILDCARD not in pattern or pattern == token:
        return pattern == token
    parts = pattern.split(WILDCARD)
    head, tail = parts[0], parts[-1]
    if not token.startswith(head) or not token.endswith(tail) or len(token) < len(head) + len(tail) + 1:
        return False
    pos, end = len(head) + 1, len(token) - len(tail)
    for part in parts[1:-1]:
        found = token.find(part, pos, end)
        if found < 0:
            return False
        pos = found + len(part) + 1
    return pos <= end


def same_message(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two templates (as tokens) are one message in two wordings (see the module docstring)."""
    if len(a) != len(b) or a == b:
        return a == b
    changed = 0
    shared = 0
    for x, y in zip(a, b, strict=True):
        if x == y:
            shared += x != WILDCARD
            continue
        changed += 1
        if changed > MAX_CHANGED_TOKENS or not (covers(x, y) or covers(y, x)):
            return False
    return shared >= max(1, changed)


def generalises(general: tuple[str, ...], specific: tuple[str, ...]) -> bool:
    """Whether ``general`` is ``specific`` with some constants turned into placeholders (and nothing else)."""
    return general != specific and all(x == y or covers(x, y) for x, y in zip(general, specific, strict=True))


class Lineage:
    """Union-find over template ids: ``root(id)`` names the message a template belongs to."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def root(self, tid: str) -> str:
        parent = self._parent.get(tid, tid)
        if parent == tid:
            return tid
        top = self.root(parent)
        self._parent[tid] = top
        return top

    def link(self, a: str, b: str) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)


class TokenIndex:
    """Templates by (token count, position, token) for the first ``INDEX_POSITIONS`` positions."""

    def __init__(self, templates: Iterable[tuple[str, tuple[str, ...]]]) -> None:
        self._by_key: dict[tuple[int, int, str], list[tuple[str, tuple[str, ...]]]] = {}
        for tid, tokens in templates:
            for pos in range(min(INDEX_POSITIONS, len(tokens))):
                self._by_key.setdefault((len(tokens), pos, tokens[pos]), []).append((tid, tokens))

    def matches(self, tokens: tuple[str, ...]) -> list[str]:
        """Ids of indexed templates that are the same message as ``tokens`` in another wording."""
        seen: set[str] = set()
        out = []
        for pos in range(min(INDEX_POSITIONS, len(tokens))):
            for tid, other in self._by_key.get((len(tokens), pos, tokens[pos]), ()):
                if tid not in seen:
                    seen.add(tid)
                    if other != tokens and same_message(tokens, other):
                        out.append(tid)
        return out


def link_wordings(
    lineage: Lineage,
    target: dict[str, tuple[str, ...]],
    baseline: dict[str, tuple[str, ...]],
) -> list[tuple[str, str]]:
    """Link each template found on one side only to its other wordings on the other side; the (target id,
    baseline id) pairs linked."""
    target_index = TokenIndex(target.items())
    baseline_index = TokenIndex(baseline.items())
    pairs: list[tuple[str, str]] = []
    for tid, tokens in target.items():
        if tid not in baseline:
            for bid in baseline_index.matches(tokens):
                lineage.link(tid, bid)
                pairs.append((tid, bid))
    for bid, tokens in baseline.items():
        if bid not in target:
            for tid in target_index.matches(tokens):
                if (tid, bid) not in pairs:
                    lineage.link(tid, bid)
                    pairs.append((tid, bid))
    return pairs
