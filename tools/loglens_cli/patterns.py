"""``loglens services|patterns|pattern|mute|label``: a service's pattern registry from the command line."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from loglens.v1 import registry_pb2, registry_pb2_grpc, report_pb2
from loglens_presentation.reading import level_name

from .commands import Context, as_json, clean, print_json, table, when
from .errors import CliError, ExitCode

R = registry_pb2
STATES = {
    "unreviewed": R.PATTERN_STATE_UNREVIEWED,
    "known": R.PATTERN_STATE_KNOWN,
    "important": R.PATTERN_STATE_IMPORTANT,
    "muted": R.PATTERN_STATE_MUTED,
}
LEVELS = {"warn": report_pb2.LEVEL_WARN, "error": report_pb2.LEVEL_ERROR, "fatal": report_pb2.LEVEL_FATAL}
SORTS = {
    "last-seen": R.PATTERN_ORDER_LAST_SEEN,
    "count": R.PATTERN_ORDER_TOTAL_COUNT,
    "first-seen": R.PATTERN_ORDER_FIRST_SEEN,
}
DURATION = re.compile(r"(\d+)([smhdw])")
UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
RUN = re.compile(r"logFiles/[0-9a-f]{32}/analysisRuns/[0-9a-f]{32}")
TEXT_CHARS = 90


def _stub(ctx: Context) -> registry_pb2_grpc.PatternRegistryServiceStub:
    return registry_pb2_grpc.PatternRegistryServiceStub(ctx.gateway.channel)


def duration_s(text: str) -> int:
    """``7d``, ``12h``, ``30m``, ``2w``, ``90s`` (or several: ``1d12h``) in seconds."""
    parts = DURATION.findall(text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise CliError(f"{text!r} is not a duration like 7d, 12h, 30m or 1d12h", ExitCode.USAGE)
    return sum(int(n) * UNIT_S[u] for n, u in parts)


def pattern_name(text: str) -> str:
    """``services/S/patterns/T``, or ``S/T`` for short."""
    text = text.strip().strip("/")
    if text.startswith("services/"):
        return text
    service, sep, template = text.rpartition("/")
    if not sep or not service or not template:
        raise CliError(f"{text!r} is not a pattern: give services/SERVICE/patterns/ID or SERVICE/ID", ExitCode.USAGE)
    return f"services/{service}/patterns/{template}"


def _state(value: int) -> str:
    return R.PatternState.Name(value).removeprefix("PATTERN_STATE_").lower()  # type: ignore[arg-type]


def _short(text: str, limit: int = TEXT_CHARS) -> str:
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cmd_services(ctx: Context) -> None:
    stub, token = _stub(ctx), ""
    found: list[registry_pb2.Service] = []
    while True:
        reply = ctx.gateway.call(stub.ListServices, R.ListServicesRequest(page_size=1000, page_token=token))
        found += reply.services
        token = reply.next_page_token
        if not token:
            break
    if ctx.args.json:
        print_json(ctx.out, [as_json(s) for s in found])
        return
    rows = [
        [
            clean(s.name.removeprefix("services/")),
            str(s.pattern_count),
            str(s.run_count),
            when(s.update_time),
            f"{s.evicted_pattern_count} (cap {s.max_patterns})" if s.evicted_pattern_count else "-",
        ]
        for s in found
    ]
    table(ctx.out, ["SERVICE", "PATTERNS", "RUNS", "LAST RUN", "EVICTED"], rows, right=(1, 2))


def _since(text: str, request: registry_pb2.ListPatternsRequest) -> None:
    """--new-since: a run name, an RFC 3339 time, or a duration back from now (7d)."""
    text = text.strip()
    if RUN.fullmatch(text):
        request.new_since_analysis_run = text
        return
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
    except ValueError:
        moment = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=duration_s(text))
    since = Timestamp()
    since.FromDatetime(moment)
    request.new_since_time.CopyFrom(since)


def cmd_patterns(ctx: Context) -> None:
    a = ctx.args
    request = R.ListPatternsRequest(
        parent=f"services/{a.service.strip().removeprefix('services/')}",
        state=STATES[a.state] if a.state else R.PATTERN_STATE_UNSPECIFIED,
        min_level=LEVELS[a.level] if a.level else report_pb2.LEVEL_UNSPECIFIED,
        text_contains=a.grep or "",
        order_by=SORTS[a.sort],
    )
    if a.new_since:
        _since(a.new_since, request)
    stub = _stub(ctx)
    found: list[registry_pb2.Pattern] = []
    while len(found) < a.limit:
        request.page_size = min(1000, a.limit - len(found))
        reply = ctx.gateway.call(stub.ListPatterns, request)
        found += reply.patterns
        request.page_token = reply.next_page_token
        if not request.page_token:
            break
    if a.json:
        print_json(ctx.out, [as_json(p) for p in found])
        return
    rows = [
        [
            p.template_id,
            _state(p.state),
            level_name(p.max_level) if p.max_level else "-",
            str(p.total_count),
            str(p.run_count),
            when(p.first_seen_time),
            when(p.last_seen_time),
            _short(p.text),
        ]
        for p in found
    ]
    table(ctx.out, ["ID", "STATE", "LEVEL", "COUNT", "RUNS", "FIRST SEEN", "LAST SEEN", "TEXT"], rows, right=(3, 4))


def cmd_pattern(ctx: Context) -> None:
    name = pattern_name(ctx.args.pattern)
    reply = ctx.gateway.call(_stub(ctx).GetPattern, R.GetPatternRequest(name=name, history_size=ctx.args.history))
    p = reply.pattern
    if ctx.args.json:
        print_json(ctx.out, as_json(p))
        return
    out = ctx.out
    print(f"{p.name}\n  {clean(p.text)}", file=out)
    state = _state(p.state) + (f" until {when(p.state_expire_time)}" if p.HasField("state_expire_time") else "")
    print(f"state      {state}", file=out)
    if p.labels:
        print("labels     " + ", ".join(f"{clean(k)}={clean(v)}" for k, v in sorted(p.labels.items())), file=out)
    if p.note:
        print(f"note       {clean(p.note)}", file=out)
    levels = ", ".join(f"{level_name(lc.level)} {lc.count}" for lc in p.levels)
    print(f"records    {p.total_count} in {p.run_count} runs ({levels})", file=out)
    print(f"first seen {when(p.first_seen_time)} in {p.first_analysis_run} (line {p.first_line})", file=out)
    print(f"last seen  {when(p.last_seen_time)} in {p.last_analysis_run}", file=out)
    if p.lineage:
        print("earlier wordings " + ", ".join(p.lineage), file=out)
    for ph in p.placeholders:
        values = ", ".join(f"{_short(v.value, 30)} x{v.count}" for v in ph.top_values[:5])
        print(f"<*> #{ph.index} ({ph.kind}): {values or 'many distinct values'}", file=out)
    if p.history:
        print("", file=out)
        table(
            out,
            ["RUN", "RECORDED", "COUNT"],
            [[h.analysis_run, when(h.record_time), str(h.count)] for h in p.history],
            right=(2,),
        )


def _update(ctx: Context, pattern: registry_pb2.Pattern, paths: list[str]) -> registry_pb2.Pattern:
    request = R.UpdatePatternRequest(pattern=pattern, update_mask=FieldMask(paths=paths))
    reply: Any = ctx.gateway.call(_stub(ctx).UpdatePattern, request)
    return reply.pattern  # type: ignore[no-any-return]


def cmd_mute(ctx: Context) -> None:
    name = pattern_name(ctx.args.pattern)
    pattern = R.Pattern(name=name, state=R.PATTERN_STATE_MUTED)
    if ctx.args.unmute:
        pattern.state = R.PATTERN_STATE_UNREVIEWED
    elif ctx.args.for_:
        until = Timestamp()
        until.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=duration_s(ctx.args.for_)))
        pattern.state_expire_time.CopyFrom(until)
    updated = _update(ctx, pattern, ["state"])
    if ctx.args.json:
        print_json(ctx.out, as_json(updated))
        return
    until_text = f" until {when(updated.state_expire_time)}" if updated.HasField("state_expire_time") else ""
    print(f"{updated.name} is {_state(updated.state)}{until_text}", file=ctx.out)


def cmd_label(ctx: Context) -> None:
    """Set KEY=VALUE labels (KEY- removes one) and optionally the note; other labels are kept."""
    name = pattern_name(ctx.args.pattern)
    current = ctx.gateway.call(_stub(ctx).GetPattern, R.GetPatternRequest(name=name, history_size=1)).pattern
    labels = dict(current.labels)
    for pair in ctx.args.labels:
        if pair.endswith("-") and "=" not in pair:
            labels.pop(pair[:-1], None)
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(f"labels are KEY=VALUE (or KEY- to remove one), got {pair!r}", ExitCode.USAGE)
        labels[key] = value
    pattern, paths = R.Pattern(name=name, labels=labels), ["labels"]
    if ctx.args.note is not None:
        pattern.note, paths = ctx.args.note, [*paths, "note"]
    updated = _update(ctx, pattern, paths)
    if ctx.args.json:
        print_json(ctx.out, as_json(updated))
        return
    shown = ", ".join(f"{clean(k)}={clean(v)}" for k, v in sorted(updated.labels.items())) or "no labels"
    print(f"{updated.name}: {shown}", file=ctx.out)
