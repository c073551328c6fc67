"""What changed: a target run's report against baseline runs' reports. Pure rules: reports in, findings out.

    from loglens_analysis.comparison import RunReport, compare
    comparison = compare(RunReport(name, report), [RunReport(name, report), ...])

It reads stored reports only (``report.proto``: templates with ids, counts, levels, histograms, placeholder
values, exception groups, time range, caps). The rules:

- *Messages*: templates matched by id, and across wordings by lineage (``identity``): a template whose
  constant became a placeholder is the same message, counted together, never new plus gone.
- *Rates*: a message's records per hour of each side's time span (per 1,000 records when a side has no
  times); baseline runs are pooled (counts and spans summed). Every message is tested, conditional binomial
  test of two Poisson rates with the dispersion estimated across messages (``rates``), and the p-values are
  adjusted together (Benjamini-Hochberg, ``FALSE_DISCOVERY_RATE``). A rate change is reported when it is a
  discovery and the ratio is at least ``MIN_RATE_RATIO`` (or at most its inverse).
- *New* messages (in no baseline run): reported when at WARN or above (one new error matters), or when a
  discovery (a message below WARN seen a few times may have been missed by the baseline by chance).
- *Gone* messages: present in at least half the baseline runs, absent now, and a discovery.
- *New values*: a placeholder whose values were few (each baseline run lists all of them, from at least
  ``NEW_VALUE_MIN_BASELINE`` records, and the target lists all of its own) took a value never seen there, and the
  split of that value between the two sides could not come by chance (its own BH family). Only templates with as
  many placeholders are compared (values read from another shape of record describe other records), and
  placeholders pair up as the n-th of their kind of value (another file can index them differently).
- *New exception groups*: a stack fingerprint seen in no baseline run (nor the same type and frames under
  another wording of its message); the record that carries it is one finding, merged with a new message.
- *Error share*: ERROR and FATAL records per record, tested the same way (one test at the same level).
- *Caps*: where a report lists only its most frequent templates (or exception groups), a message absent from
  its list has an unknown count there; what that leaves open is listed in ``undecided``.
"""

from __future__ import annotations

from .compare import FALSE_DISCOVERY_RATE, MIN_RATE_RATIO, RunReport, compare

__all__ = ["FALSE_DISCOVERY_RATE", "MIN_RATE_RATIO", "RunReport", "compare"]
