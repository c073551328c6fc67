"""Pattern-registry use cases for callers: list services, list and read patterns, change a pattern.

A service is the caller's: every query is by owner, so another owner's service or pattern is NOT_FOUND, like
one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from loglens_analysis.adapters.pattern_registry import (
    ORDER_COLUMNS,
    PatternFilter,
    PatternRecord,
    PatternRegistryStore,
    RunRef,
    ServiceRecord,
)
from loglens_analysis.registry import PatternState, history_size, pattern_change, placeholders_of, text_filter
from loglens_common import names
from loglens_common.errors import FieldViolation, InvalidArgument, not_found

MERGED_TOP_VALUES = 10


@dataclass(frozen=True)
class MergedPlaceholder:
    index: int
    kind: str
    top_values: list[tuple[str, int]]


@dataclass(frozen=True)
class PatternDetail:
    pattern: PatternRecord
    history: list[tuple[RunRef, int]]
    placeholders: list[MergedPlaceholder]


def merge_placeholders(per_run: list[str]) -> list[MergedPlaceholder]:
    """Sum each placeholder's reported top values over runs (lower bounds where a run's counts were a summary)."""
    kinds: dict[int, str] = {}
    counts: dict[int, dict[str, int]] = {}
    for encoded in per_run:
        for p in placeholders_of(encoded):
            kinds.setdefault(p.index, p.kind)
            values = counts.setdefault(p.index, {})
            for v in p.top_values:
                values[v.value] = values.get(v.value, 0) + v.count
    return [
        MergedPlaceholder(i, kinds[i], sorted(counts[i].items(), key=lambda vc: (-vc[1], vc[0]))[:MERGED_TOP_VALUES])
        for i in sorted(kinds)
    ]


class PatternRegistry:
    def __init__(self, store: PatternRegistryStore) -> None:
        self.store = store

    async def list_services(self, owner: str, page_size: int, page_token: str) -> tuple[list[ServiceRecord], str]:
        size = names.page_size(page_size)
        query = f"services|{owner}"
        after = names.decode_cursor(page_token, query, (str,))
        found = await self.store.list_services(owner, size + 1, str(after[0]) if after else None)
        token = names.encode_cursor([found[size - 1].service], query) if len(found) > size else ""
        return found[:size], token

    async def _service(self, owner: str, parent: str) -> str:
        service = names.parse_service(parent, "parent")
        if not await self.store.service_exists(owner, service):
            raise not_found(parent)
        return service

    async def list_patterns(
        self,
        owner: str,
        parent: str,
        page_size: int,
        page_token: str,
        *,
        new_since_run: str = "",
        new_since_time: dt.datetime | None = None,
        state: PatternState | None = None,
        min_level: int = 0,
        text_contains: str = "",
        order: str = "last_seen",
    ) -> tuple[list[PatternRecord], str]:
        service = names.parse_service(parent, "parent")
        size = names.page_size(page_size)
        text = text_filter(text_contains)
        since_seq = None
        if new_since_run:
            log_file_id, run_id = names.parse_analysis_run(new_since_run, "new_since_analysis_run")
            since_seq = await self.store.run_seq(owner, service, log_file_id, run_id)
            if since_seq is None:
                message = f"{new_since_run} is not a run recorded in {parent}"
                raise InvalidArgument(
                    message,
                    reason="RUN_NOT_IN_REGISTRY",
                    violations=[FieldViolation("new_since_analysis_run", message)],
                )
        assert order in ORDER_COLUMNS
        query = "|".join(
            [
                "patterns",
                owner,
                service,
                new_since_run,
                new_since_time.isoformat() if new_since_time else "",
                state.value if state else "",
                str(min_level),
                text,
                order,
            ]
        )
        after = names.decode_cursor(page_token, query, (int, str))
        found = await self.store.list_patterns(
            owner,
            service,
            PatternFilter(since_seq, new_since_time, state, min_level, text),
            order,
            size + 1,
            (int(after[0]), str(after[1])) if after else None,
        )
        if not found and not await self.store.service_exists(owner, service):
            raise not_found(parent)
        token = ""
        if len(found) > size:
            last, key = found[size - 1]
            token = names.encode_cursor([int(key), last.template_id], query)
        return [p for p, _ in found[:size]], token

    async def get_pattern(self, owner: str, name: str, history_runs: int) -> PatternDetail:
        service, template_id = names.parse_pattern(name)
        runs = history_size(history_runs)
        pattern = await self.store.get_pattern(owner, service, template_id)
        if pattern is None:
            raise not_found(name)
        history, placeholders = await self.store.history(owner, service, template_id, runs)
        return PatternDetail(pattern, history, merge_placeholders(placeholders))

    async def update_pattern(
        self,
        owner: str,
        name: str,
        paths: list[str],
        labels: dict[str, str],
        note: str,
        state: PatternState | None,
        expire: dt.datetime | None,
    ) -> PatternRecord:
        service, template_id = names.parse_pattern(name, "pattern.name")
        change = pattern_change(paths, labels, note, state, expire, dt.datetime.now(dt.UTC))
        updated = await self.store.update_pattern(owner, service, template_id, change)
        if updated is None:
            raise not_found(name)
        return updated
