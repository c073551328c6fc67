"""Streaming template mining (Drain-class): masked tokens in, a template cluster out.

Each message is masked (``masking``), split on whitespace and routed by (token count, first constant
token) to a short list of clusters; it joins the most similar one when at least ``similarity`` of the
positions agree (positions that differ become ``<*>``), or starts a new cluster. At the end, clusters
whose templates are equal once runs of placeholders are collapsed are merged (a variable that spans a
varying number of tokens). Template ids are a hash of the template text, so the same template has the
same id in every run and file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from math import isqrt

from .masking import HTTP_METHODS, WILDCARD

# Thresholds, principled constants rather than fitted ones: a message joins a cluster when at least half of
# its evidence positions agree (a two-word message "Updating <name>" joins on its verb); a template
# placeholder filled by a word counts half. A leave-one-out grid over the ten Loghub systems (similarity
# 0.4-0.6, placeholder credit 0-1, SPLIT_MAX_VALUES 2-4) picks "just above half, no credit" for every left-out
# system (+0.003 mean GA), but that splits every two-word message with a varying word on real files (a
# kube-apiserver log's "FLAG: <*>" becomes 168 templates, 86 -> 339 in all), so these stay.
DEFAULT_SIMILARITY = 0.5
WILD_WEIGHT = 0.5
MAX_CLUSTERS_PER_GROUP = 64
# Clusters mined at most, then one overflow template. Real systems have hundreds to a few thousand (a 2,700-variant
# pop-os journal: 1,659); a file whose every line is a message of its own would otherwise hold a cluster, a variant
# and a rolled-up template per line up to the cap, about 4 KiB each (50,000 of them took an 8 MiB file to 317 MiB).
MAX_CLUSTERS = 10_000

# Placeholders apart by blanks or by punctuation; a blank beside a quote only where quotes stand on both sides of it
# (a list of quoted values: "'<*>', '<*>'"): a quote then a blank alone closes a quoted field, and what stands after
# it is another field ('"GET /x HTTP/<*>" <*> OK': the request and the status).
_COLLAPSE = re.compile(
    r"<\*>(?:(?:[\s,;:=/.-]*|[,;:=/.'\"-]*|[,;:=/.'\"-]*['\"][,;:=/.-]*\s+[,;:=/.-]*['\"][,;:=/.'\"-]*)<\*>)+"
)


def template_id(template: str) -> str:
    """A stable id: the same template text gives the same id everywhere."""
    return "t" + hashlib.blake2b(template.encode("utf-8"), digest_size=6).hexdigest()


# A key's value that holds a variable, whatever its shape ("ws=WorkSource{<*>}", "flags=0x<*>"): up to the
# punctuation that ends a key=value pair.
_KEYED_VALUE = re.compile(r"(?<!\S)([A-Za-z_][\w.-]*=)(?=[^\s,;]*<\*>)[^\s,;]+")


# Punctuation glued after a placeholder, which the miner keeps in one cluster and not in another (a value's own
# closing bracket, the comma after it): clusters are merged whatever it is, as ``resolve_templates`` joins templates
# whose texts agree without it.
_PUNCTUATION_AFTER = re.compile(r"<\*>[^\s\w<]+")


# A list in brackets of several items of one shape that holds a variable: "[Reader(path='<*>'), Reader(path='<*>')]".
_LIST = re.compile(r"\[([^\s\[\],]*<\*>[^\s\[\],]*)(?:, \1)+\]")


def merge_key(template: str) -> str:
    """Templates equal under this key describe the same event: a variable spanning several tokens, a key's
    value of any shape once it holds a variable ("ws=<*>," beside "ws=WorkSource{<*> <*>},": the key is the
    statement's wording, what it holds is data), and a list of one item's shape however many items it holds."""
    key = _LIST.sub(r"[\1]", template) if "[" in template else template
    return _KEYED_VALUE.sub(r"\1" + WILDCARD, _COLLAPSE.sub(WILDCARD, key))


@dataclass(eq=False, slots=True)
class Cluster:
    """One template being learned. ``index`` orders clusters by first appearance."""

    tokens: list[str]
    index: int
    count: int = 0
    merged_into: Cluster | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return " ".join(self.tokens)

    def root(self) -> Cluster:
        c = self
        while c.merged_into is not None:
            c = c.merged_into
        return c


PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">", '"': '"', "'": "'"}
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def generalize(a: str, b: str) -> str:
    """The placeholder for two differing tokens; ``key=`` prefixes and enclosing brackets they share stay.

    Shared bracket layers are peeled in a loop over index ranges (no recursion, no slice per layer),
    and the next "=" and opening bracket of ``a`` are searched forward only: a deeply nested token costs
    time linear in its length.
    """
    opens: list[str] = []
    closes: list[str] = []
    la, ha, lb, hb = 0, len(a), 0, len(b)
    nxt = {c: -2 for c in "=([{"}  # next position of each character in a at or after la (-2: not searched)
    if (
        ha >= 3
        and hb >= 3
        and a[-1] == b[-1]
        and a[-1] in ",;:."
        and a[-2] == b[-2]
        and a[-2] in ")]}\"'"
        and a[0] == b[0]
        and PAIRS.get(a[0]) == a[-2]
    ):
        # A bracketed or quoted value that punctuation closes ("[Screen Dim Timeout]," / "[NlpWakeLock],"): the
        # punctuation stays after the layers peeled below ("[<*>],").
        closes.append(a[-1])
        ha, hb = ha - 1, hb - 1

    def find(c: str) -> int:
        p = nxt[c]
        if p == -2 or 0 <= p < la:
            p = nxt[c] = a.find(c, la)
        return p if p < ha else -1

    while True:
        if (ha - la == 3 and a.startswith(WILDCARD, la)) or (hb - lb == 3 and b.startswith(WILDCARD, lb)):
            break
        ia = find("=")
        if ia > la and b.find("=", lb, lb + ia - la + 1) == lb + ia - la and a[la:ia] == b[lb : lb + ia - la]:
            # The key stays, and so does punctuation both values end with ("state=<*>," from "state=up,"),
            # with the quote or bracket both open with when it closes there ('name="<*>",').
            va, vb = ia + 1, lb + ia - la + 1
            t = 0
            while (
                ha - t > va
                and hb - t > vb
                and a[ha - 1 - t] == b[hb - 1 - t]
                and not a[ha - 1 - t].isalnum()
                and a[ha - 1 - t] != ">"
            ):
                t += 1
            head = a[la:va]
            tail = a[ha - t : ha]
            o = a[va] if va < ha - t and vb < hb - t and a[va] == b[vb] and a[va] in PAIRS else ""
            if o and PAIRS[o] in tail:
                head += o
                tail = tail[tail.index(PAIRS[o]) :]
            else:
                # A bracket the values close that opens inside them, not before the key ("uid=1000(system)" /
                # "uid=1021(gps)"): the values' own brackets, "uid=<*>(<*>)", where both open it; else no stray
                # closing bracket.
                tail = _closed_suffix([], head, tail, [a[:ha], b[:hb]], va)
            opens.append(head)
            closes.append(tail)
            break
        # A shared "name(" or "(" opening and its closing bracket: "chdir(<*>)", "[<*>]".
        k = min((i for i in (find("("), find("["), find("{")) if i >= 0), default=-1)
        n = k + 1 - la
        if (
            k >= 0
            and a[ha - 1] == PAIRS[a[k]]
            and b[hb - 1] == a[ha - 1]
            and hb - lb > n
            and a[la : k + 1] == b[lb : lb + n]
        ):
            opens.append(a[la : k + 1])
            closes.append(a[ha - 1])
            la, ha, lb, hb = k + 1, ha - 1, lb + n, hb - 1
        elif (
            ha - la >= 2
            and hb - lb >= 2
            and a[la] == b[lb]
            and a[ha - 1] == b[hb - 1]
            and PAIRS.get(a[la]) == a[ha - 1]
        ):
            opens.append(a[la])
            closes.append(a[ha - 1])
            la, ha, lb, hb = la + 1, ha - 1, lb + 1, hb - 1
        else:
            break
        # The tokens differ and every peeled layer is the same in both: the insides differ too.
        if la >= ha or lb >= hb:
            break
    return "".join(opens) + WILDCARD + "".join(reversed(closes))


@lru_cache(maxsize=1 << 16)
def _is_plain_word(token: str) -> bool:
    """A token that is constant wording: word-like (``_is_wordlike``), with text and no placeholder in it."""
    return WILDCARD not in token and _is_wordlike(token) and _has_text(token)


# A value named by the key before it: "ws=<*>,", "release:lock=<*>", "tag='<*>'".
_NAMED_VALUE = re.compile(r"[A-Za-z_][\w.:-]*[=:][\"'{\[(]?<\*>")


@lru_cache(maxsize=1 << 16)
def _says_what(token: str) -> bool:
    """A token that tells what a value is: constant wording (``_is_plain_word``) or a key naming its value."""
    return _is_plain_word(token) or _NAMED_VALUE.match(token) is not None


@lru_cache(maxsize=1 << 16)
def _is_wordlike(token: str) -> bool:
    """A token whose constant text reads as words, keys or punctuation, not as an id or a number: not a
    bare placeholder, and fewer digits than letters besides its placeholders (``Hit:<*>``, ``ipv4``,
    ``--enable-ipv4-nat='<*>'`` yes; ``CM000231.<*>``, ``RF00001``, ``a1b2`` no)."""
    if token == WILDCARD:
        return False
    digits = letters = 0
    for ch in token.replace(WILDCARD, "") if WILDCARD in token else token:
        if ch.isdigit():
            digits += 1
        elif ch.isalpha():
            letters += 1
    return digits == 0 or digits < letters


_NAME_INSIDE = frozenset("._-/@")


def _is_name(token: str) -> bool:
    """A placeholder, or a token with a dot, dash, underscore, slash or "@" between its letters (a unit's, a host's, a
    logger's name: ``sysstat-collect.service:``), punctuation around it aside; not a plain word (``Started``)."""
    if token == WILDCARD:
        return True
    core = token.strip("()[]{}<>:;,.!?\"'")
    return any(ch in _NAME_INSIDE for ch in core) and any(ch.isalpha() for ch in core)


def _has_digit_or_wild(token: str) -> bool:
    return WILDCARD in token or any(ch.isdigit() for ch in token)


# A key, at a token's start or first in a structure a name opens (Python's and Java's printed objects:
# "CFS(Keyspace='shop',"), before a quoted string or a braced or bracketed structure.
_KEY = re.compile(r"(?:[A-Za-z_$][\w.$]*[(\[{])?[A-Za-z_][\w.-]*=(?=[\"'{\[])")


@lru_cache(maxsize=1 << 16)
def _key_of(token: str) -> str | None:
    """The ``key=`` a token opens with (after a structure's name: ``CFS(Keyspace=``; brackets the sentence opens before
    it left out: ``(ssid="HomeNet"``) where a quoted string or a braced or bracketed structure follows it."""
    m = _KEY.match(token.lstrip("([{"))
    return None if m is None else m.group()


def _same_key(a: str, b: str) -> bool:
    key = _key_of(a)
    return key is not None and key == _key_of(b)


class TemplateMiner:
    """Drain-class streaming miner over masked messages. Bounded: at most ``max_clusters`` clusters."""

    def __init__(self, *, similarity: float = DEFAULT_SIMILARITY, max_clusters: int = MAX_CLUSTERS) -> None:
        self.similarity = similarity
        self.max_clusters = max_clusters
        self.clusters: list[Cluster] = []
        self._groups: dict[tuple[int, str], list[Cluster]] = {}
        self._overflow: Cluster | None = None

    def add_tokens(self, tokens: list[str]) -> Cluster:
        if not tokens:
            tokens = [""]
        first = tokens[0]
        key = (len(tokens), WILDCARD if _has_digit_or_wild(first) else first)
        group = self._groups.get(key, ())  # created only when a cluster joins it (bounded by the cap)
        best: Cluster | None = None
        best_sim = -1.0
        best_wild = -1
        best_den = 0
        for c in group:
            same = 0
            wild = 0
            den = 0
            for a, b in zip(c.tokens, tokens, strict=False):
                # Only positions where one side is a word (no digit, no placeholder) are evidence: two
                # variable-looking tokens (ids, numbers, placeholders) neither agree nor disagree.
                if a == b:
                    if _is_wordlike(a):
                        same += 1
                        den += 1
                elif a == WILDCARD:
                    wild += 1
                    den += 1
                elif _is_wordlike(a) or _is_wordlike(b):
                    den += 1
                    if _same_key(a, b):  # one name over two quoted values: the wording agrees, the data differs
                        same += 1
            sim = same / den if den else 1.0
            if sim > best_sim or (sim == best_sim and wild > best_wild):
                best, best_sim, best_wild, best_den = c, sim, wild, den
        if (
            best is not None
            and (best_sim + best_wild / max(best_den, 1) * WILD_WEIGHT) >= self.similarity
            and (best_sim > 0)
        ):
            if best.tokens == tokens:
                best.count += 1
                return best
            merged = [a if a == b else generalize(a, b) for a, b in zip(best.tokens, tokens, strict=False)]
            # A message without a word of its own (only placeholders and words holding one) joins a template that
            # has words only where it would leave none standing ("GC(<*>) User=<*> Sys=<*> Real=<*>" into "GC(<*>)
            # <*> regions: <*>" made "GC(<*>) <*> <*> <*>", which then took every message of four tokens): the
            # two agree on placeholders alone, and the message is a cluster of its own.
            if (
                not any(map(_is_plain_word, tokens))
                and any(map(_is_plain_word, best.tokens))
                and not any(map(_is_plain_word, merged))
            ):
                best = None
            else:
                best.tokens = merged
                best.count += 1
                return best
        if len(self.clusters) >= self.max_clusters:
            if self._overflow is None:
                self._overflow = Cluster(["<overflow>", WILDCARD], len(self.clusters))
                self.clusters.append(self._overflow)
            self._overflow.count += 1
            return self._overflow
        c = Cluster(list(tokens), len(self.clusters), 1)
        self.clusters.append(c)
        members = self._groups.get(key)
        if members is None:
            members = self._groups[key] = []
        if len(members) >= MAX_CLUSTERS_PER_GROUP:
            members.pop(0)
        members.append(c)
        return c

    def finish(self) -> list[Cluster]:
        """Merge clusters that differ only by a variable spanning several tokens; the survivors."""
        by_key: dict[str, Cluster] = {}
        for c in self.clusters:
            if c.merged_into is not None:
                continue
            k = merge_key(c.template)
            if k != c.template and not any(map(_says_what, k.split())):
                continue  # no word or key left to tell what the collapsed variable is: its lengths stay apart
            loose = _PUNCTUATION_AFTER.sub(WILDCARD, k)
            if _has_text(loose):  # placeholders and punctuation alone say too little to merge on
                k = loose
            other = by_key.get(k)
            if other is None:
                by_key[k] = c
            elif other is not c:
                keep, drop = (other, c) if other.count >= c.count else (c, other)
                keep.count += drop.count
                drop.merged_into = keep
                drop.count = 0
                by_key[k] = keep
        self._merge_named_first_tokens()
        return [c for c in self.clusters if c.merged_into is None]

    def _merge_named_first_tokens(self) -> None:
        """Clusters routed apart only by their first token, where each of those tokens is a name (a unit's, a
        host's: ``sysstat-collect.service:``) or a placeholder, are one cluster: the first token routes a message for
        speed, and what a position's values mean (a few words that tell events apart, or a variable) is for
        ``resolve_templates`` to decide over all of them, as at any other position. A plain word opening a message
        (a verb: ``Started``, ``Stopped``) keeps its cluster."""
        by_rest: dict[tuple[str, ...], list[Cluster]] = {}
        for c in self.clusters:
            # The rest must word the event: where it is placeholders only, the first token is all the wording there
            # is ("[scheduler-<*>] <*>" beside "[http-nio-<*>-exec-<*>] <*>": two threads' fragments, not one event).
            if (
                c.merged_into is None
                and len(c.tokens) > 1
                and (_is_name(c.tokens[0]) or _is_plain_word(c.tokens[0]))
                and any(_is_wordlike(t) and _has_text(t) for t in c.tokens[1:])
            ):
                by_rest.setdefault(tuple(c.tokens[1:]), []).append(c)
        for group in by_rest.values():
            if not any(c.tokens[0] == WILDCARD for c in group):
                # A plain word keeps its cluster, but where the same rest opens with a masked value too: the
                # statement's first token is a value there (a player's name, "Steve42" masked, "blockwright" not).
                group = [c for c in group if _is_name(c.tokens[0])]
            if len(group) < 2:
                continue
            keep = max(group, key=lambda c: (c.count, -c.index))
            first = keep.tokens[0]
            for c in group:
                if c is not keep:
                    first = first if first == c.tokens[0] else generalize(first, c.tokens[0])
                    keep.count += c.count
                    c.merged_into = keep
                    c.count = 0
            keep.tokens = [first, *keep.tokens[1:]]


SPLIT_MAX_VALUES = 3
CONSTANTS_MAX_VALUES = 8  # a position of states in capitals is a closed set up to this many, however few records


# Canonical rendering of a template (the conventions of Khan et al., ICSE 2022, used by Loghub-2.0):
# a placeholder glued to other characters of the same piece is one variable ("<*>MB", "<*>>"), and
# placeholders joined by nothing, "." or "-" are one variable. Pieces are cut at these delimiters:
_DELIMS = r"\s,!;:=|\"'`\[\](){}.\-+@#$%&/"
_PIECE = re.compile(rf"[^{_DELIMS}]+")
_JOINED = re.compile(r"<\*>(?:[.-]?<\*>)+")


# The superuser's name is an account (data), but it is kept through mining so that it can still tell
# events apart from other account names; it becomes a placeholder when the template is written, where it stands as
# an account: a key's value ("user=root", "acct=root") or after a word that names who ("for root", "user root",
# "user: root", "by root", "as root"), quoted there ("user 'root'@'%'", 'acct="root"') or alone in brackets ("[root]",
# "(root)"), not as a word of its own ("Content root path", "with root cause", "non-root", "Root CA", "x509: root
# certificate").
_ACCOUNT = re.compile(rf"(?<![^{_DELIMS}])(?i:root)(?![^{_DELIMS}])")
_ACCOUNT_VALUE = re.compile(
    rf"((?:=|(?<![^\s\[(])(?i:user|for|by|as|login|account|owner)[:=]?[ \t])[ \t]*[\"'`]?)(?i:root)(?![^{_DELIMS}])"
    r"|(?<=[\[(])()(?i:root)(?=[\])])"
)


def _glued(m: re.Match[str]) -> str:
    """A piece holding a placeholder is one variable (unless it also holds a literal "*")."""
    piece = m.group()
    if WILDCARD not in piece or "*" in piece.replace(WILDCARD, ""):
        return piece
    return WILDCARD


def _account_placeholder(m: re.Match[str]) -> str:
    return (m.group(1) or "") + WILDCARD


def render(template: str) -> str:
    """The canonical text of a template: glued and joined placeholders become one ``<*>``, the superuser's name where
    it stands as an account (``_ACCOUNT_VALUE``) too."""
    if "oot" in template or "OOT" in template:
        template = _ACCOUNT_VALUE.sub(_account_placeholder, template)
    if WILDCARD not in template:
        return template
    t = _PIECE.sub(_glued, template)
    return _JOINED.sub(WILDCARD, t)


def _is_word(token: str) -> bool:
    return WILDCARD not in token


# Runs of word characters, dots, dashes and placeholders (no overlap between the two, nothing after the
# run: no backtracking, linear); a run that holds a placeholder is one variable.
_RUN = re.compile(r"(?:[\w.-]|<\*>)+")


def _widen(m: re.Match[str]) -> str:
    return WILDCARD if WILDCARD in m.group() else m.group()


def _skeleton(token: str) -> str:
    """A token with its placeholders widened over the characters glued to them (``<*>.example.net``)."""
    return _RUN.sub(_widen, token) if WILDCARD in token else token


def _has_text(token: str) -> bool:
    """True when a token holds letters besides its placeholders (``user=guest``, ``LOGIN(uid=<*>)``)."""
    return any(ch.isalpha() for ch in token.replace(WILDCARD, ""))


def glob_match(pattern: str, text: str) -> bool:
    """True when ``text`` is an instance of ``pattern``, each ``<*>`` standing for any (possibly empty) text.

    Linear in the lengths (no regex, no backtracking): the constant pieces between placeholders are
    matched greedily left to right, the first at the start and the last at the end. Leftmost placement
    of each middle piece is always safe for a pattern whose only wildcard matches any text.
    """
    pieces = pattern.split(WILDCARD)
    if len(pieces) == 1:
        return pattern == text
    head, tail = pieces[0], pieces[-1]
    if len(head) + len(tail) > len(text) or not text.startswith(head) or not text.endswith(tail):
        return False
    pos, end = len(head), len(text) - len(tail)
    for piece in pieces[1:-1]:
        if not piece:
            continue
        k = text.find(piece, pos, end)
        if k < 0:
            return False
        pos = k + len(piece)
    return True


def _instances(tokens: Iterable[str]) -> dict[str, str]:
    """Each token that is an instance of another's pattern, and the most specific such pattern (followed to the
    end): where a position tells events apart, a value that fills one of the events' patterns is of that event
    (``_distinct_events`` counts it so), not an event of its own. A Kubernetes pod's name whose random suffix holds
    no digit ("batch/report-job-<*>-wwrmh") is one of "batch/report-job-<*>", beside "ml/trainer-<*>"; a bare
    placeholder is no event's pattern here (a plain word beside one is an event)."""
    values = sorted(set(tokens))
    patterns = [v for v in values if WILDCARD in v and v != WILDCARD]
    out: dict[str, str] = {}
    for v in values:
        if WILDCARD in v:
            found = [p for p in patterns if p != v and glob_match(p, v)]
            if found:
                out[v] = max(found, key=lambda p: (len(p.replace(WILDCARD, "")), p))
    for v, p in out.items():
        seen = {v}
        while p in out and p not in seen:
            seen.add(p)
            p = out[p]
        out[v] = p
    return out


def _is_quoted(token: str) -> bool:
    """A token that is one quoted string, ``"plugin-dir"``, ``'x'``, ```x``` or ```x'`` (the grave-and-apostrophe
    quotes of older tools), or one written with escaped quotes inside another quoted string (``\\"plugin-dir\\"``, a
    structured record's message quoting a name); brackets and punctuation around it are the sentence's
    (``(UniqueName: \\"kubernetes.io/configmap/<*>\\")``)."""
    token = token.lstrip("([{").rstrip(")]}:;,.")
    if len(token) >= 2 and token[0] in "\"'`" and token[-1] in ("'`" if token[0] == "`" else token[0]):
        return True
    return len(token) >= 4 and token[0] == "\\" and token[1] == '"' and token.endswith('\\"')


_BRACKETED = re.compile(r"(?:\[[^\[\]\s]+\]|<[^<>\s*]+>)[,;:.]?")


def _is_bracketed(token: str) -> bool:
    """A token that is one value in square brackets, as a log writes each datum of a message (``[logs-2024.05]``,
    ``[elastic]``), or in angle brackets (Gatekeeper's "container <app> has no resource limits", "<sidecar>"): data
    a message names, as a quoted one."""
    return _BRACKETED.fullmatch(token) is not None


# Three or more dotted labels, and a class of it after a slash (a component: "org.example.app/.ui.MainActivity").
_LABEL = r"[A-Za-z_$][\w$-]*"
# Or a host's name then a path under it: a Go package ("github.com/org/repo/aws"), an image ("docker.io/library/redis"),
# a URL written without its scheme; the host's dots and the slash after it make it a name, not a word's "TCP_MISS/200".
_HOST_LABEL = r"(?:[A-Za-z_$]|<\*>)(?:[\w$-]|<\*>)*"  # a label with a digit is masked where it holds one ("k8s")
_DOTTED_NAME = re.compile(
    rf"{_LABEL}(?:\.{_LABEL}){{2,}}(?:/\.?{_LABEL}(?:\.{_LABEL})*)?"
    rf"|[A-Za-z_$](?:[\w$-]|<\*>)*(?:\.{_HOST_LABEL})+(?:/(?:[\w.$@+~:-]|<\*>)+)+"
)


def _is_dotted_name(token: str) -> bool:
    """A token that is one name of three or more dotted labels (``com.example.sync.daily``, ``mail.example.org``,
    ``org.example.app/.ui.MainActivity``) or a host's path (``github.com/org/repo/aws``): a package, class, component,
    host or job name a message names, data as a path is; punctuation around it is the sentence's."""
    return _DOTTED_NAME.fullmatch(token.lstrip("([{").rstrip(")]}:;,.")) is not None


# A relative path to a file: directories, then a name with an extension ("src/hash.c", "app/models/user.rb"), perhaps
# with the place in it a compiler or a linter writes after it (":<*>:<*>", "(<*>,<*>)").
_FILE_PATH = re.compile(r"(?:[\w.$@+~-]+/)+[A-Za-z_][\w$@+~-]*(?:\.[\w-]+)*\.[A-Za-z][A-Za-z0-9]{0,7}")
_PLACE_IN_FILE = re.compile(r"(?::<\*>)+|\(<\*>(?:,<\*>)*")  # its closing bracket is stripped with the punctuation


def _is_file_path(token: str) -> bool:
    """A token that is one relative path to a file (``src/hash.c``, ``build/hash.o``, ``src/net.c:<*>:<*>:``): data
    a message names, as an absolute path is (masking takes only those: a name with a slash may be a word's, as
    ``TCP_MISS/200`` or ``text/html`` are); punctuation around it is the sentence's."""
    core = token.lstrip("([{'\"")
    m = _FILE_PATH.match(core)
    if m is None:
        return False
    rest = core[m.end() :].rstrip(")]}:;,.'\"")
    return not rest or _PLACE_IN_FILE.fullmatch(rest) is not None


_KEYED = re.compile(r"([A-Za-z_][\w-]*[:=])(\S+)")


def _keyed_dotted_names(values: Iterable[str]) -> bool:
    """True when every value is one ``key:`` (or ``key=``) glued to a dotted name (``action:android.intent.action.
    SCREEN_ON``): the name is data, as it is where a blank stands after the key (``action: <*>``)."""
    keys = set()
    for v in values:
        m = _KEYED.fullmatch(v.lstrip("([{"))
        if m is None or not _is_dotted_name(m.group(2)):
            return False
        keys.add(m.group(1))
    return len(keys) == 1


def _one_key(values: Iterable[str]) -> bool:
    """True when every value is ``key=`` and a quoted string (or a braced or bracketed structure) with the same key:
    data the statement writes under a name (``probeType="Readiness"``, ``event={"Type":"ContainerDied"}``), quoted
    as data is, never its wording. A bare ``key=word`` stays a word (``user=root``, ``tty=NODEVssh``)."""
    keys = {_key_of(v) for v in values}
    return len(keys) == 1 and None not in keys


_DIGITS = re.compile(r"\d+")


def _numbered(token: str) -> str:
    """A token with each run of digits written as a placeholder (the word a numbered name is a number of)."""
    return _DIGITS.sub(WILDCARD, token)


def _distinct_events(values: list[str]) -> bool:
    """True when at least two values differ in constant text, not merely by filling a placeholder.

    ``chdir(pwd)`` is an instance of ``chdir(<*>)`` (same event); ``LOGIN(uid=<*>)`` and ``(uid=<*>)``
    or ``up`` and ``down`` are different events.
    """
    if not any(_has_text(v) for v in values):
        return False
    if len(set(map(_numbered, values))) == 1:
        # The same word numbered otherwise ("eth0" / "eth1", "CPU0:" / "CPU1:", "sda1" / "sda5"): one event, whose
        # number is data as any other number is.
        return False
    if len(values) == 2 and WILDCARD in values:
        # One plain word against a bare placeholder (a masked number, address or id): the word is a constant of
        # its records ("request <*> served" beside "<*> <*> served"), two events. With several words beside
        # the placeholder the position varies like a name, and stays a variable; so does a word that holds a digit
        # (a cipher's, a version's name: "ECDHE-RSA-AES256-GCM-SHA384" beside a masked one), a value as the masked
        # one is (records are told apart by their digits only where their words vary, ``Analyzer``'s sample).
        word = values[0] if values[1] == WILDCARD else values[1]
        if WILDCARD not in word and _has_text(word) and not _DIGITS.search(word):
            return True
    patterns = [v for v in values if WILDCARD in v]
    kept = [v for v in values if not any(p != v and glob_match(p, v) for p in patterns)]
    return len(kept) > 1


def resolve_templates(
    clusters: list[Cluster],
    variants: dict[int, dict[tuple[str, ...], int]],
    levels: dict[int, dict[tuple[str, ...], str | None]] | None = None,
    *,
    requests: bool = False,
) -> dict[tuple[int, tuple[str, ...]], str]:
    """Final template text for each (cluster index, variant tokens).

    A request's target is a statement's argument, one variable, where a message reports the request after other
    words ("10.0.0.1 "GET <*> HTTP/1.1" status: 200", nova's wsgi server, werkzeug), and where requests are one
    statement among the many of a program's log ("GET <*> -> 200 in 8 ms", an application's handler). In a log of
    requests (``requests``: most records are a request, their message the request itself, ``is_access_log``), what
    tells its events apart is the route each names: its records are split by route while the routes are a closed
    set (``_route_shapes``).

    A position that became ``<*>`` because its tokens differed, but took at most ``SPLIT_MAX_VALUES``
    distinct values over the whole file, one of them holding text besides placeholders, is a constant
    that tells events apart ("Link up" / "Link error", "by (uid=<*>)" / "by LOGIN(uid=<*>)"), not a
    variable: the cluster is split on it. Words that differ *together* in several positions (a phrase:
    each position's word determines the others', ``_phrase_positions``) split the cluster while they take at
    most max(SPLIT_MAX_VALUES, sqrt(n)) wordings over its n records: distinct messages in one wrapper
    ("failed (Disk quota hit)" / "failed (Peer hung up)"), where one lone word with more than
    SPLIT_MAX_VALUES values (a user name) stays a variable, unless each is a verb of one inflection
    (``_one_inflection``) or a program's constant in capitals (``_constants``: "RUNNING" / "FAILED" / "KILLED").
    Neither bound is fitted to data. A position whose
    tokens are each one quoted string (``volume "plugin-dir"``) is never split on: a message quotes data, not its
    own wording, and neither is one whose tokens are each a dotted name (``_is_dotted_name``: a package, class or
    host a message names; glued to one key, ``_keyed_dotted_names``), a relative path to a file (``_is_file_path``:
    "src/hash.c", a compiler's "src/net.c:40:12:") or a ``key="value"`` position of one key (the
    key is the wording, the quoted value its data; ``_one_key``). Nor is one whose words differ only in their
    digits (``eth0`` / ``eth1``: ``_numbered``).

    A log statement has one level: where a position's words (a closed set, as above) each come at one level and
    not all at the same one, the records are several statements ("VM started", "VM stopped" at INFO beside "VM
    crashed" at ERROR), split by level on that position's words (``levels``: each variant's one level, None
    where its records have none or several). The words of one level stay together (the level tells statements
    apart, not every word: a name logged at one level is still a variable).

    Positions are compared only between variants of the same token count: a cluster merged by
    ``finish`` (a variable spanning several tokens) holds variants of several lengths, whose positions
    do not line up. Each length is resolved on its own, and the text of a merged cluster is written in
    its merged form (runs of placeholders collapsed), which every one of its variants matches.
    """
    plain: dict[tuple[int, tuple[str, ...]], str] = {}
    shown: dict[str, set[str]] = {}  # each text without kept punctuation -> its texts with it
    for c in clusters:
        vs = variants.get(c.index, {})
        by_len: dict[int, list[tuple[str, ...]]] = {}
        for toks in vs:
            by_len.setdefault(len(toks), []).append(toks)
        merged = len(by_len) > 1
        lv = levels.get(c.index) if levels is not None else None
        for n, members in by_len.items():
            base = list(c.tokens) if n == len(c.tokens) else _fold(members)
            for toks, (text, punctuated) in _resolve_aligned(base, members, vs, levels=lv, requests=requests).items():
                if merged:
                    text, punctuated = merge_key(text), merge_key(punctuated)
                plain[(c.index, toks)] = text
                shown.setdefault(text, set()).add(punctuated)
    # A template is the records whose texts agree without the punctuation kept around placeholders (which a
    # placeholder's masking may have taken in one cluster and not in another: "Starting <*>" / "Starting <*>...");
    # its text has that punctuation where all of them agree on it.
    return {k: next(iter(shown[t])) if len(shown[t]) == 1 else t for k, t in plain.items()}


_PUNCTUATION = frozenset("()[]{},;:.!?\"'`")


def _with_shared_punctuation(base: list[str], members: list[tuple[str, ...]]) -> list[str]:
    """A bare placeholder keeps the punctuation every record's token has around it: "(device <*>): using" where the
    tokens were "sda1):" and "nvme1n1p3):", "{<*> <*>}" where a braced list's last words differ ("-1}" / "list}"),
    so the template does not lose a bracket its records close (or open) there; where no punctuation is shared, a
    bracket every token opens, with the words that stand with it."""
    out = base
    for i, t in enumerate(base):
        if t != WILDCARD or len(members) < 2:
            continue
        tokens = [toks[i] for toks in members]
        first = tokens[0]
        head = 0
        while (
            head < len(first)
            and first[head] in _PUNCTUATION
            and all(len(x) > head and x[head] == first[head] for x in tokens)
        ):
            head += 1
        tail = 0
        while (
            tail < len(first) - head
            and first[-1 - tail] in _PUNCTUATION
            and all(len(x) - head > tail and x[-1 - tail] == first[-1 - tail] for x in tokens)
        ):
            tail += 1
        if not head and not tail:
            # A bracket every token opens, with the words between it and the token's edge: the name a call's
            # argument follows ("_OSI(Module" / "_OSI(Processor": "_OSI(<*>"), or the words an argument opens with
            # ("invoke(Native" / "invoke0(Native": "<*>(Native", then "Method)" closes it).
            common = _common_prefix(tokens)
            head = max(map(common.rfind, "([{")) + 1
            if not head:
                common = _common_prefix([x[::-1] for x in tokens])[::-1]
                cut = min((k for k in map(common.find, "([{") if k >= 0), default=-1)
                tail = len(common) - cut if cut >= 0 else 0
        suffix = _closed_suffix(out[:i], first[:head], first[len(first) - tail :] if tail else "", tokens, head)
        if head or suffix:
            if out is base:
                out = base.copy()
            out[i] = first[:head] + WILDCARD + suffix
    return out


def _common_prefix(texts: list[str]) -> str:
    """The characters every text starts with (those of the first and last in sorted order are every one's)."""
    lo, hi = min(texts), max(texts)
    k = 0
    while k < len(lo) and lo[k] == hi[k]:
        k += 1
    return lo[:k]


def _quote_marks(text: str, quote: str) -> int:
    """How many of ``text``'s characters open or close a quote of that kind: not an apostrophe inside a word
    ("can't"); for "'", also the grave accents that open a `name' quote."""
    marks = quote + "`" if quote == "'" else quote
    n = 0
    for k, ch in enumerate(text):
        if ch in marks and not (0 < k < len(text) - 1 and text[k - 1].isalnum() and text[k + 1].isalnum()):
            n += 1
    return n


def _closed_suffix(before: list[str], head: str, suffix: str, tokens: list[str], skip: int) -> str:
    """The punctuation kept after a placeholder, up to a closing bracket that nothing before it opens: where every
    token opens that bracket inside its value ("RuntimeInit.wtf(RuntimeInit.java:<*>)"), the value's own brackets
    ("<*>(<*>)"), else the punctuation before that bracket only (no stray closing bracket, nor a closing quote
    where no quote is open before it)."""
    depth = {o: 0 for o in _CLOSERS.values()}
    for ch in chain.from_iterable((*before, head)):
        if ch in depth:
            depth[ch] += 1
        elif ch in _CLOSERS and depth[_CLOSERS[ch]] > 0:
            depth[_CLOSERS[ch]] -= 1
    for j, ch in enumerate(suffix):
        if ch in "\"'`" and sum(_quote_marks(x, ch) for x in (*before, head)) % 2 == 0:
            return suffix[:j]  # a quote that closes none opened before it ('FLAG: --address="0.0.0.0"')
        if ch in depth:
            depth[ch] += 1
        elif ch in _CLOSERS:
            opener = _CLOSERS[ch]
            if depth[opener] > 0:
                depth[opener] -= 1
            elif all(opener in x[skip : len(x) - len(suffix)] for x in tokens):
                return opener + WILDCARD + suffix[j:]
            else:
                return suffix[:j]
    return suffix


def _fold(members: list[tuple[str, ...]]) -> list[str]:
    """The template of variants of one length: positions that differ generalised."""
    base = list(members[0])
    for toks in members[1:]:
        base = [a if a == b else generalize(a, b) for a, b in zip(base, toks, strict=True)]
    return base


def _is_target(toks: tuple[str, ...], i: int) -> bool:
    """Whether token ``i`` is a request's target as masking leaves it: its route ("/api/orders/<*>"), after its
    origin where the target is written whole (a load balancer's or a proxy's "GET <*>/api/orders/<*>", the
    scheme and authority one placeholder), which only a method before it tells from other values (netstat's
    "1234/sshd")."""
    t = toks[i]
    return t[:1] == "/" or (t.startswith(WILDCARD + "/") and i > 0 and toks[i - 1] in HTTP_METHODS)


def _requested(toks: tuple[str, ...], i: int) -> bool:
    """Whether token ``i`` is the target of a request a message reports after other words (a server's "10.0.0.1
    "GET /v2/<*>/servers/detail HTTP/1.1" status: 200", werkzeug's): the message is not the request itself."""
    return i >= 2 and toks[i - 1].lstrip("\"'") in HTTP_METHODS and _is_target(toks, i)


def is_access_log(first_tokens: dict[str, int]) -> bool:
    """Whether a file is a log of requests (``resolve_templates``): most of its records (more than half) are a
    request, their message opening with an HTTP method (``first_tokens``: each record's first token, quotes aside,
    and its count of records). A server's own lines among them (an ingress controller's) leave it one."""
    total = sum(first_tokens.values())
    methods = sum(n for t, n in first_tokens.items() if t.strip("\"'") in HTTP_METHODS)
    return methods * 2 > total


def _route_shapes(targets: dict[str, int]) -> dict[str, str]:
    """The route of each request target (with its count of records): the target itself, but where the targets below
    a route's segment go on to more segments than a closed set has (more than max(SPLIT_MAX_VALUES, sqrt(n)) over
    its n records: a user's name, a page's slug, every file of a site), the route ends there with a placeholder
    for the rest ("/users/<*>", "/blog/<*>", "/<*>"). An API's endpoints stay apart ("/api/<*>/items/<*>",
    "/health"); a value that is no route does not make a template of each of its values."""
    shapes: dict[str, str] = {}
    stack: list[tuple[int, list[tuple[list[str], str, int]]]] = [
        (1, [(t.split("/"), t, c) for t, c in targets.items()])
    ]
    while stack:
        depth, items = stack.pop()
        below: dict[str, list[tuple[list[str], str, int]]] = {}
        n = 0
        for segs, t, c in items:
            if len(segs) <= depth:
                shapes[t] = t  # the target ends here, every segment of it kept
            else:
                below.setdefault(segs[depth], []).append((segs, t, c))
                n += c
        if len(below) > max(SPLIT_MAX_VALUES, isqrt(n)):
            for group in below.values():
                for segs, t, _c in group:
                    shapes[t] = "/".join(segs[:depth]) + "/" + WILDCARD
        else:
            stack.extend((depth + 1, group) for group in below.values())
    return shapes


def _word_levels(
    i: int, members: list[tuple[str, ...]], levels: dict[tuple[str, ...], str | None]
) -> dict[str, str] | None:
    """Each word's level at position ``i`` when every word comes at one level and the words come at more than one
    (several statements, ``resolve_templates``); else None (a variant without one level, one level for all)."""
    out: dict[str, str] = {}
    for toks in members:
        lv = levels.get(toks)
        if lv is None or out.setdefault(_skeleton(toks[i]), lv) != lv:
            return None
    return out if len(set(out.values())) > 1 else None


MAX_PHRASE_POSITIONS = 32  # positions compared pairwise for a phrase (bounds the quadratic step)


# A verb inflected as a message states what happened ("Started", "Paused", "Resumed", "Stopped"; "starting"): a word
# of its wording, as no name of data (an account, a host) is one.
_INFLECTED = re.compile(r"[A-Za-z]{2,}(?:ed|ing)")


def _one_inflection(values: dict[str, int]) -> bool:
    """True when every word a position takes is a verb of the same inflection (all past forms, or all -ing forms):
    the position words the statement, however many of them there are (within the closed set's bound), where a lone
    position of other words reads as a variable (a user name)."""
    words = list(values)
    if not all(_INFLECTED.fullmatch(w) for w in words):
        return False
    return len({w.endswith("ed") for w in words}) == 1


# A code constant: capitals and digits, words joined by underscores, the first a letter ("TCP_MISS", "RUNNING").
_CONSTANT = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*(?:/<\*>)?")


def _constants(values: dict[str, int]) -> bool:
    """True when every word a position takes is a program's constant in capitals (an enum's name, a state, a result
    code: "TCP_HIT", "TCP_DENIED/<*>"), of two letters or more: the statement's own kinds, told apart, however many
    (within the closed set's bound), where words of data (a user's, a host's name) are rarely written so."""
    return all(len(v) > 1 and _CONSTANT.fullmatch(v) for v in values)


_STATE = re.compile(r"[A-Z]+(?:_[A-Z]+)*(?:ING|ED)")


def _states(values: dict[str, int]) -> bool:
    """True when every word a position takes is a state a program names in capitals, a verb's "-ING" or "-ED" form
    ("STARTING", "STOPPED", "PENDING_SHUTDOWN"), or constants in capitals among which such a state is (Hazelcast's
    "STARTING", "STARTED", "SHUTTING_DOWN", "SHUTDOWN"): a lifecycle's steps, not data (process names, protocols:
    "MMON", "AMQP", written in capitals too, stay values in a few records)."""
    states = sum(1 for v in values if _STATE.fullmatch(v))
    return states == len(values) or (states > 0 and _constants(values))


def _phrase_positions(
    candidates: list[int], members: list[tuple[str, ...]], partners: list[int] | None = None
) -> list[int]:
    """The candidate positions that vary in lockstep with another one: their words determine each other
    (one-to-one over the variants), so together they word distinct events ("Process timed out" beside
    "Received SIGTERM now"), where a lone varying word (a user name) reads as a variable. A partner position (of
    few words) counts with a candidate it varies in lockstep with, never with another partner alone."""
    cands = candidates[:MAX_PHRASE_POSITIONS]
    others = (partners or [])[:MAX_PHRASE_POSITIONS]
    out: set[int] = set()
    for x, i in enumerate(cands):
        for j in [*cands[x + 1 :], *others]:
            if i in out and j in out:
                continue
            fwd: dict[str, str] = {}
            back: dict[str, str] = {}
            locked = True
            for toks in members:
                a, b = _skeleton(toks[i]), _skeleton(toks[j])
                if fwd.setdefault(a, b) != b or back.setdefault(b, a) != a:
                    locked = False
                    break
            if locked:
                out.update((i, j))
    return sorted(out)


def _short_wordings(base: list[str], wider: list[int], members: list[tuple[str, ...]], limit: int) -> list[int]:
    """The word positions of a short message whose template would keep fewer words than it generalised, where
    their words together take at most ``limit`` wordings: distinct messages of few words that share one (Prometheus'
    "WAL segment loaded", "WAL checkpoint loaded", "WAL replay completed", "WAL watcher stopped" were one template,
    "WAL <*> <*>"). Each position holds words only (no value, no placeholder); a message that keeps more words than
    it generalises keeps a lone varying word a variable (a user name beside "logged in from")."""
    if len(wider) < 2:
        return []
    kept = sum(1 for t in base if WILDCARD not in t)
    if kept >= len(wider):
        return []
    wordings: set[tuple[str, ...]] = set()
    for toks in members:
        words = tuple(toks[i] for i in wider)
        if not all(w.isalpha() for w in words):
            return []
        wordings.add(words)
        if len(wordings) > limit:
            return []
    return wider


# A call: a name (two characters at least, no placeholder) and its arguments in parentheses, perhaps punctuation after.
_CALL = re.compile(r"([A-Za-z_][\w.]*[A-Za-z_])\(([^()]+)\)([,;:.]?)")


def _call_names(members: list[tuple[str, ...]], i: int) -> dict[str, str] | None:
    """Each token's call at position ``i`` ("channel(dispatch)": "channel(<*>)"), where every token there is a call
    (``_CALL``) and their names are at most SPLIT_MAX_VALUES; else None."""
    out: dict[str, str] = {}
    names: set[str] = set()
    for toks in members:
        v = _skeleton(toks[i])
        if v in out:
            continue
        m = _CALL.fullmatch(v)
        if m is None:
            return None
        names.add(m.group(1))
        if len(names) > SPLIT_MAX_VALUES:
            return None
        out[v] = f"{m.group(1)}({WILDCARD}){m.group(3)}"
    return out


def _resolve_aligned(
    base: list[str],
    members: list[tuple[str, ...]],
    counts: dict[tuple[str, ...], int],
    eligible: frozenset[int] | None = None,
    levels: dict[tuple[str, ...], str | None] | None = None,
    requests: bool = False,
) -> dict[tuple[str, ...], tuple[str, str]]:
    """Final texts for variants that all have ``len(base)`` tokens (see ``resolve_templates``). ``eligible``: the
    positions an event split off a cluster may still be split on (None: every position of a cluster); ``levels``:
    each variant's one level (None: none or several); ``requests``: the records are requests (an access log), each
    told by its route. Each text twice: as is, and with the punctuation every record has around a placeholder
    (``_with_shared_punctuation``)."""
    wild = [i for i, t in enumerate(base) if WILDCARD in t and (eligible is None or i in eligible)]
    split_at: list[int] = []
    # A phrase of constant words that differ together is a closed set while it has at most about sqrt(n)
    # wordings over n records (a variable's values keep coming as records do).
    limit = max(SPLIT_MAX_VALUES, isqrt(sum(counts.get(toks, 1) for toks in members)))
    wider: list[int] = []  # positions of SPLIT_MAX_VALUES < k <= limit distinct words
    few: set[int] = set()  # positions of at most SPLIT_MAX_VALUES distinct words
    routes: dict[int, dict[str, str]] = {}  # position of request targets -> each target's route (``_route_shapes``)
    by_level: dict[int, dict[str, str]] = {}  # position whose words tell levels apart -> each word's level
    calls: dict[int, dict[str, str]] = {}  # position of calls of a few names -> each token's call ("name(<*>)")
    for i in wild:
        if (not requests or any(_requested(toks, i) for toks in members)) and all(
            _is_target(toks, i) for toks in members
        ):
            continue  # the argument of a statement that reports requests: a variable (``resolve_templates``)
        if eligible is None and all(_is_target(toks, i) for toks in members):
            # Request targets (masking keeps a target's route, and no other path, as text): split on their routes.
            targets: dict[str, int] = {}
            for toks in members:
                v = _skeleton(toks[i])
                targets[v] = targets.get(v, 0) + counts.get(toks, 1)
            shapes = _route_shapes(targets)
            if len(set(shapes.values())) > 1:
                routes[i] = shapes
                split_at.append(i)
            else:  # one route for them all: it is the template's text there (but a bare "/<*>": any target)
                (shape,) = set(shapes.values())
                same = all(toks[i] == members[0][i] for toks in members)
                if shape != "/" + WILDCARD and (base[i] == WILDCARD or not same):
                    # (Where they all write one target and the cluster kept none, that target: records of shapes
                    # the cluster generalised before their words were, "PUT /shop-data/uploads/<*>.bin".)
                    base = base.copy()
                    base[i] = members[0][i] if same else shape
            continue
        named = _call_names(members, i)
        if named is not None and 1 < len(set(named.values())) <= SPLIT_MAX_VALUES:
            # Calls of a few names, each with its own arguments ("new client(10.40.1.38:55618)" beside "new
            # channel(dispatch)"): the name is the statement's wording, the argument its data.
            calls[i] = named
            split_at.append(i)
            continue
        values: dict[str, int] = {}
        ok = True
        for toks in members:
            v = _skeleton(toks[i])
            values[v] = values.get(v, 0) + counts.get(toks, 1)
            if len(values) > max(limit, CONSTANTS_MAX_VALUES) + (WILDCARD in values):
                ok = False
                break
        if ok and len(values) > limit + (WILDCARD in values) and not _states(values):
            # (A bare placeholder is no wording: see ``few``; a program's states in capitals are a closed set up to
            # CONSTANTS_MAX_VALUES whatever the records' number: CherryPy's "ENGINE Bus STARTING" / "STARTED" /
            # "STOPPING" / "STOPPED" / "EXITING" in seven records were one template, its stop told by no finding.)
            ok = False
        if ok and (
            all(map(_is_quoted, values))
            or all(map(_is_bracketed, values))
            or all(map(_is_dotted_name, values))
            or all(_is_dotted_name(toks[i]) for toks in members)  # a host's label masked ("registry.<*>.io/pause")
            or all(map(_is_file_path, values))
            or _keyed_dotted_names(values)
            or _one_key(values)
            or any(_ACCOUNT.fullmatch(v) for v in values)
        ):
            # A quoted value is data a message quotes (a volume's, a pod's name), a dotted name data it names, and a
            # key's value the data it names, never its wording; where the superuser's name is one of the words, the
            # others are account names too ("user root" beside "user nobody"); a value that comes at a level of its
            # own still tells statements apart.
            if levels is not None and eligible is None and len(values) > 1:
                level_of = _word_levels(i, members, levels)
                if level_of is not None and _distinct_events(list(level_of)):
                    by_level[i] = level_of
            continue
        if ok and sum(v != WILDCARD for v in values) <= SPLIT_MAX_VALUES:
            # (A bare placeholder among them is no wording: the events that fill the position with a value, "Kafka
            # version: <*>" beside "Kafka MirrorMaker started" / "stopping" / "stopped.", still leave the others
            # few words to be told apart by.)
            few.add(i)
        if ok and len(values) > 1 and _distinct_events(list(values)):
            if len(values) <= SPLIT_MAX_VALUES or _one_inflection(values) or _constants(values):
                split_at.append(i)
            else:
                wider.append(i)
        if levels is not None and eligible is None and len(values) > SPLIT_MAX_VALUES:
            level_of = _word_levels(i, members, levels)
            if level_of is not None and _distinct_events(list(level_of)):
                by_level[i] = level_of
    if wider and eligible is None:
        # (A position of few words, a bare placeholder among them, words with the phrase too: each event's own keys
        # after its name, "CTRL-EVENT-SCAN-FAILED ret=<*>" beside "PMKSA-CACHE-ADDED <*> <*>".)
        split_at += _phrase_positions(wider, members, partners=sorted(few - set(wider)))
        split_at += _short_wordings(base, [i for i in wider if i not in split_at], members, limit)
    # A phrase is split on its words; a position that tells levels apart, on its words' levels.
    by_level = {i: v for i, v in by_level.items() if i not in split_at}
    split_at += by_level
    split_at.sort()
    if split_at:
        # Each split-off event is resolved on its own, as a cluster of its records: a position that took few
        # words over the cluster is judged again over the event's records only (the other events' words or bare
        # placeholders there no longer hide that it tells events apart: "(<*> KB)" beside "(<*> MB)" once "sent"
        # is told from "received"); a position that varied like a value over the cluster stays a variable (a
        # user name is not split on because one event has few of them); a position that holds the same token in
        # all of the event's records is that token.
        inner = frozenset(few)
        groups: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        keyed = routes | by_level | calls  # a position split by what its words stand for, not by each word
        instances = {i: m for i in split_at if i not in keyed and (m := _instances(t[i] for t in members))}
        for toks in members:
            key = tuple(
                keyed[i][_skeleton(toks[i])] if i in keyed else instances.get(i, {}).get(toks[i], toks[i])
                for i in split_at
            )
            groups.setdefault(key, []).append(toks)
        resolved: dict[tuple[str, ...], tuple[str, str]] = {}
        for group in groups.values():
            base = _fold(group)
            for i, shapes in routes.items():
                if any(toks[i] != group[0][i] for toks in group):
                    base[i] = shapes[_skeleton(group[0][i])]  # the route its targets share ("/users/<*>")
            for i, of in instances.items():
                if any(toks[i] != group[0][i] for toks in group):
                    base[i] = of.get(group[0][i], group[0][i])  # the pattern its instances fill
            for i, named in calls.items():
                if any(toks[i] != group[0][i] for toks in group):
                    base[i] = named[_skeleton(group[0][i])]  # the call its tokens make, its arguments data
            resolved.update(_resolve_aligned(base, group, counts, inner, requests=requests))
        return resolved
    punctuated = _with_shared_punctuation(base, members)
    out: dict[tuple[str, ...], tuple[str, str]] = {}
    for toks in members:
        text = render(" ".join(base))
        if not _has_text(text) and any(_has_text(x) and _is_wordlike(x) for x in toks):
            # A template of placeholders and punctuation only is kept for records without a constant
            # word; a record that has one keeps its own (masked) text, not glued into placeholders where
            # that would leave no word ("!:io.<*>", not "!:<*>").
            own = " ".join(toks)
            text = render(own)
            if not _has_text(text):
                text = own
            out[toks] = (text, text)
        else:
            out[toks] = (text, render(" ".join(punctuated)) if punctuated is not base else text)
    return out
