"""What every service reports of its quotas: one row of GetQuotaUsage (the limits themselves stay in each
service's config.py and are enforced in its own quotas module)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuotaLine:
    """One row of GetQuotaUsage."""

    quota_id: str
    description: str
    limit: int
    usage: int
    unit: str
