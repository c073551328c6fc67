"""The pattern registry's rules: what a run contributes, what is new to a service, states and their expiry,
what a caller may change. No I/O: the adapter (adapters/pattern_registry.py) reads and writes, these decide.

A service's registry is keyed by the stable template id. A template missing from the registry is the same
message as a registered one when the comparison's lineage rules (comparison/identity.py) link it to one: a
wording that generalised is not new, it inherits the earlier wording's state and records it as lineage.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from loglens.v1 import report_pb2
from loglens_analysis.comparison.identity import TokenIndex
from loglens_analysis.engine.summary import write_summary
from loglens_common.errors import FieldViolation, InvalidArgument

LEVELS = 8  # report_pb2.Level values 0..7: a pattern's level mix is an array indexed by level
LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?")
MAX_LABELS = 16
MAX_NOTE_CHARS = 2000
MAX_TEXT_FILTER_CHARS = 200
DEFAULT_HISTORY = 20
MAX_HISTORY = 100
UPDATABLE = ("labels", "note", "state", "state_expire_time")


class PatternState(enum.StrEnum):
    UNREVIEWED = "UNREVIEWED"
    KNOWN = "KNOWN"
    IMPORTANT = "IMPORTANT"
    MUTED = "MUTED"


def effective_state(state: str, expire: dt.datetime | None, now: dt.datetime) -> PatternState:
    """A decision with an expiry lasts until then; after it the pattern is UNREVIEWED again."""
    if expire is not None and expire <= now:
        return PatternState.UNREVIEWED
    return PatternState(state)


class Contribution(NamedTuple):
    """What one run's report says of one template (a tuple: 5,000 of them are made per run)."""

    template_id: str
    text: str
    token_count: int
    records: int
    level_counts: list[int]
    max_level: int
    first_line: int
    first_record_time: str | None  # RFC 3339
    placeholders: str  # base64 of a Template holding only the report's placeholders (values and their counts)


def _placeholders(t: report_pb2.Template) -> str:
    kept = report_pb2.Template()
    kept.placeholders.extend(t.placeholders)
    return base64.b64encode(kept.SerializeToString()).decode()


def placeholders_of(encoded: str) -> list[report_pb2.Placeholder]:
    """A run's placeholders of one template, as ``Contribution.placeholders`` keeps them."""
    return list(report_pb2.Template.FromString(base64.b64decode(encoded)).placeholders)


def contributions(report: report_pb2.AnalysisReport) -> list[Contribution]:
    """The report's listed templates, by id (sorted: concurrent merges then lock rows in one order)."""
    out = []
    for t in report.templates:
        levels = [0] * LEVELS
        for lc in t.levels:
            if 0 <= lc.level < LEVELS:
                levels[lc.level] += lc.count
        out.append(
            Contribution(
                template_id=t.id,
                text=t.text,
                token_count=len(t.text.split()),
                records=t.count,
                level_counts=levels,
                max_level=int(t.max_level),
                first_line=t.first_line,
                first_record_time=t.first_time.ToJsonString() if t.HasField("first_time") else None,
                placeholders=_placeholders(t),
            )
        )
    out.sort(key=lambda c: c.template_id)
    return out


@dataclass
class RegistryView:
    """What the registry knew of a run's templates before the run: their effective states, and the registered
    patterns (id -> tokens) that the run's unregistered templates might be other wordings of."""

    earlier_runs: int
    states: dict[str, PatternState]
    candidates: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class Annotation:
    new_ids: set[str]
    lineage: dict[str, list[str]]  # unregistered template id -> earlier ids of the same message
    states: dict[str, PatternState]  # every listed template's effective state (inherited through lineage)


def annotate(report: report_pb2.AnalysisReport, service: str, view: RegistryView) -> Annotation:
    """Mark the report's templates against the registry (new to the service, muted, important) and tell its
    summary again when that changes what it should say."""
    index = TokenIndex(view.candidates.items()) if view.candidates else None
    new_ids: set[str] = set()
    lineage: dict[str, list[str]] = {}
    states: dict[str, PatternState] = {}
    for t in report.templates:
        if t.id in view.states:
            states[t.id] = view.states[t.id]
            continue
        linked = sorted(index.matches(tuple(t.text.split()))) if index is not None else []
        if linked:
            lineage[t.id] = linked
            inherited = {view.states.get(i, PatternState.UNREVIEWED) for i in linked}
            states[t.id] = next(
                (s for s in (PatternState.IMPORTANT, PatternState.MUTED, PatternState.KNOWN) if s in inherited),
                PatternState.UNREVIEWED,
            )
        else:
            states[t.id] = PatternState.UNREVIEWED
            if view.earlier_runs > 0:  # the first run of a service is its baseline: nothing is "new" in it
                new_ids.add(t.id)
    memory = report.service_memory
    memory.Clear()
    memory.service = f"services/{service}"
    memory.earlier_runs = view.earlier_runs
    for t in report.templates:
        t.new_to_service = t.id in new_ids
        t.muted = states[t.id] is PatternState.MUTED
        t.important = states[t.id] is PatternState.IMPORTANT
        memory.new_templates += t.new_to_service
        if t.muted:
            memory.muted_templates += 1
            memory.muted_records += t.count
    if new_ids or any(s is not PatternState.UNREVIEWED for s in states.values()):
        report.ClearField("summary")
        write_summary(report)
    return Annotation(new_ids, lineage, states)


# Caller's changes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatternChange:
    labels: dict[str, str] | None = None
    note: str | None = None
    state: PatternState | None = None
    state_expire_time: dt.datetime | None = None
    set_expire: bool = False


def _invalid(field_path: str, message: str, reason: str = "INVALID_PATTERN_UPDATE") -> InvalidArgument:
    return InvalidArgument(message, reason=reason, violations=[FieldViolation(field_path, message)])


def pattern_change(
    paths: list[str],
    labels: dict[str, str],
    note: str,
    state: PatternState | None,
    expire: dt.datetime | None,
    now: dt.datetime,
) -> PatternChange:
    """Validate an update: the mask names what to set, the values must fit."""
    if not paths:
        raise _invalid("update_mask", f"name the fields to set in update_mask: {', '.join(UPDATABLE)}")
    unknown = [p for p in paths if p not in UPDATABLE]
    if unknown:
        raise _invalid("update_mask", f"{unknown[0]!r} cannot be set; update_mask takes {', '.join(UPDATABLE)}")
    change: dict[str, object] = {}
    if "labels" in paths:
        if len(labels) > MAX_LABELS:
            raise _invalid("pattern.labels", f"at most {MAX_LABELS} labels (got {len(labels)})")
        for key, value in labels.items():
            if not LABEL.fullmatch(key) or (value and not LABEL.fullmatch(value)):
                raise _invalid(
                    f"pattern.labels[{key[:63]!r}]",
                    "label keys and values are 1 to 63 letters, digits, '_', '-', '.' (starting and ending with a "
                    "letter or digit; a value may be empty)",
                )
        change["labels"] = dict(labels)
    if "note" in paths:
        if len(note) > MAX_NOTE_CHARS:
            raise _invalid("pattern.note", f"a note is at most {MAX_NOTE_CHARS} characters (got {len(note)})")
        change["note"] = note
    if "state" in paths:
        if state is None:
            raise _invalid("pattern.state", "state must be UNREVIEWED, KNOWN, IMPORTANT or MUTED")
        change["state"] = state
        change["set_expire"] = True  # a new state starts without the old one's expiry unless one is given
    if "state_expire_time" in paths or "state" in paths:
        if expire is not None and expire <= now:
            raise _invalid("pattern.state_expire_time", "state_expire_time must be in the future")
        if expire is not None and state is PatternState.UNREVIEWED:
            raise _invalid("pattern.state_expire_time", "an UNREVIEWED pattern has nothing to expire")
        change["state_expire_time"] = expire
        change["set_expire"] = True
    return PatternChange(**change)  # type: ignore[arg-type]


def text_filter(text: str) -> str:
    if len(text) > MAX_TEXT_FILTER_CHARS:
        raise _invalid(
            "text_contains", f"text_contains is at most {MAX_TEXT_FILTER_CHARS} characters", "INVALID_FILTER"
        )
    return text


def history_size(requested: int) -> int:
    if not 0 <= requested <= MAX_HISTORY:
        raise _invalid("history_size", f"history_size is 1 to {MAX_HISTORY} (0: {DEFAULT_HISTORY})", "INVALID_FILTER")
    return requested or DEFAULT_HISTORY
