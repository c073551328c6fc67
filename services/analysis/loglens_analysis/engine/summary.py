"""A short deterministic summary; every sentence cites template ids and line numbers in the report."""

from __future__ import annotations

from loglens.v1 import report_pb2

MAX_CLAIMS = 8


def write_summary(rep: report_pb2.AnalysisReport) -> None:
    """Fill ``rep.summary`` from the rest of the report (which must be complete)."""
    claims: list[report_pb2.SummaryClaim] = []
    by_id = {t.id: t for t in rep.templates}
    if rep.templates:
        top = rep.templates[0]
        claims.append(
            report_pb2.SummaryClaim(
                text=(
                    f"{rep.record_count} records ({rep.format.name}, confidence {rep.format.confidence:.2f}) "
                    f'fall into {rep.template_count} templates; the most frequent, {top.id} "{top.text[:80]}", '
                    f"has {top.count} records from line {top.first_line} to line {top.last_line}."
                ),
                template_ids=[top.id],
                line_numbers=[top.first_line, top.last_line],
            )
        )
    for rt in list(rep.error_templates)[:3]:
        t = by_id[rt.template_id]
        lv = report_pb2.Level.Name(rt.level).removeprefix("LEVEL_")
        claims.append(
            report_pb2.SummaryClaim(
                text=(
                    f'{lv} template {t.id} "{t.text[:80]}" occurs {t.count} times, '
                    f"first at line {t.first_line}, last at line {t.last_line}."
                ),
                template_ids=[t.id],
                line_numbers=[t.first_line, t.last_line],
            )
        )
    for eg in list(rep.exception_groups)[:2]:
        claims.append(
            report_pb2.SummaryClaim(
                text=(
                    f"Exception {eg.exception_type} (group {eg.fingerprint}, template {eg.template_id}) "
                    f"occurs {eg.count} times, first at line {eg.first_line}, last at line {eg.last_line}."
                ),
                template_ids=[eg.template_id],
                line_numbers=[eg.first_line, eg.last_line],
            )
        )
    for a in list(rep.anomalies)[: MAX_CLAIMS - len(claims)]:
        ids = [a.template_id] if a.template_id else []
        claims.append(
            report_pb2.SummaryClaim(
                text=a.description[0].upper() + a.description[1:] + ".",
                template_ids=ids,
                line_numbers=list(a.line_numbers),
            )
        )
    q = rep.parse_quality
    rep.summary.claims.extend(claims)
    text = " ".join(c.text for c in claims)
    if q.truncated_records or q.invalid_utf8_sequences:
        text += (
            f" Input quality: {q.truncated_records} records truncated, "
            f"{q.invalid_utf8_sequences} invalid UTF-8 sequences replaced."
        )
    rep.summary.text = text
