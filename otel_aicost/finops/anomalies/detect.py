"""Hours or days whose spend or cost per request departs from the expected: ``detect(periods)``.

Expected: the median of *comparable* earlier periods of the same group, the same hour of the day (for hours) on
the previous days of the same kind (weekday or weekend), or the previous days of the same kind (for days):
``COMPARABLE`` of them, skipping periods already found anomalous. Medians ignore one-off bursts, and comparing
like with like absorbs the daily and weekly rhythm (including a nightly batch job, which recurs). The score is
the log of actual over expected (for falls, the relative fall, which cannot pass -100%) in robust standard
deviations of the comparable periods (1.4826 x their median
absolute deviation in log space, at least ``MIN_SPREAD`` and twice the Poisson noise of the expected call count): a period is anomalous when the score of its spend or of
its cost per request reaches ``THRESHOLD`` (either way: spikes and drops).

Each is given its cause by ``causes.explain``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from otel_aicost.finops.anomalies.causes import Profile, explain, profile
from otel_aicost.finops.series import COST, PRICED, HourlySeries
from otel_aicost.finops.time_slots import DAY_NS, HOUR_NS

THRESHOLD = 4.0
COMPARABLE = 7
MIN_COMPARABLE = 3
MIN_SPREAD = 0.15  # 15%: ordinary hour-to-hour wobble is never an anomaly
MAX_SCORE = 99.9  # the score of a new group (no history to compare with)
MAD_SCALE = 1.4826


@dataclass
class Anomaly:
    group: tuple
    start_ns: int
    granularity: str
    spend: float
    expected_spend: float
    requests: int
    expected_requests: float
    cost_per_request: float | None
    expected_cost_per_request: float | None
    score: float  # signed, robust standard deviations of log spend (or cost per request, the larger)
    metric: str  # "spend" or "cost_per_request": which departed most
    cause: str
    detail: str
    contributions: dict[str, float] = field(default_factory=dict)  # factor -> log change it explains


def detect_series(series: HourlySeries, granularity: str = "hour", threshold: float = THRESHOLD) -> list[Anomaly]:
    """Every group's anomalies in ``series``, most recent first (``anomalies``, ``report --anomalies``, the page)."""
    step = HOUR_NS if granularity == "hour" else DAY_NS
    end = None if series.last_ns is None else series.last_ns + 1
    found = []
    for group, periods in series.periods(step).items():
        found += detect(
            periods,
            granularity=granularity,
            group=group,
            data_start_ns=series.first_ns,
            data_end_ns=end,
            threshold=threshold,
        )
    found.sort(key=lambda a: (-a.start_ns, -abs(a.score)))
    return found


def detect(
    periods: Mapping[int, Mapping[str, list]],
    *,
    granularity: str = "hour",
    group: tuple = (),
    data_start_ns: int | None = None,
    data_end_ns: int | None = None,
    threshold: float = THRESHOLD,
) -> list[Anomaly]:
    """Anomalies of one group. ``periods``: period start (ns) -> model -> series cell (``series.HourlySeries``).

    ``data_end_ns``: when the telemetry stops; a period it cuts short is not judged (it would look like a fall).
    """
    step = HOUR_NS if granularity == "hour" else DAY_NS
    if not periods:
        return []
    first, last = min(periods), max(periods)
    found: list[Anomaly] = []
    anomalous: set[int] = set()
    seen_models: set[str] = set()
    if data_start_ns is not None and first - data_start_ns >= MIN_COMPARABLE * DAY_NS:
        # a group that shows up days after the data begins: its first period is the news
        actual = profile(periods[first])
        found.append(_new_group(group, first, granularity, actual))
    for start in range(first, last + 1, step):
        cells = periods.get(start, {})
        if data_end_ns is not None and start + step > data_end_ns:
            break  # the telemetry ends inside this period
        comparable = [p for p in _comparable(start, step, first) if p not in anomalous]
        if len(comparable) >= MIN_COMPARABLE and (cells or any(periods.get(p) for p in comparable)):
            history = [periods.get(p, {}) for p in comparable]
            anomaly = _judge(start, granularity, group, cells, history, seen_models, threshold)
            if anomaly is not None:
                found.append(anomaly)
                anomalous.add(start)
        seen_models.update(m for m, c in cells.items() if c[PRICED])
    found.sort(key=lambda a: a.start_ns)
    return found


def _comparable(start: int, step: int, first: int) -> list[int]:
    """Earlier periods like ``start``: same hour of the day on earlier days of the same kind, most recent first."""
    weekend = _is_weekend(start)
    out, moment = [], start - (DAY_NS if step == HOUR_NS else step)
    while moment >= first and len(out) < COMPARABLE:
        if _is_weekend(moment) == weekend:
            out.append(moment)
        moment -= DAY_NS
    return out


def _is_weekend(ns: int) -> bool:
    return (ns // DAY_NS + 3) % 7 >= 5  # 1970-01-01 was a Thursday (3)


def _judge(start, granularity, group, cells, history, seen_models, threshold) -> Anomaly | None:
    actual = profile(cells)
    spends = [sum(float(c[COST]) for c in h.values()) for h in history]
    counts = [sum(c[PRICED] for c in h.values()) for h in history]
    expected_spend, expected_requests = statistics.median(spends), statistics.median(counts)
    # Counts of calls are noisy by nature (Poisson: a relative spread of 1/sqrt(n)); never judge finer than twice it.
    floor = max(MIN_SPREAD, 2 / math.sqrt(expected_requests)) if expected_requests > 0 else 1.0
    spend_score = _score(actual.spend, spends, floor)
    cprs = [s / n for s, n in zip(spends, counts) if n]
    cpr = actual.spend / actual.requests if actual.requests else None
    # A mean over calls: the call count's noise does not carry into it, the comparable periods' own spread does.
    cpr_score = _score(cpr, cprs, MIN_SPREAD) if cpr is not None and len(cprs) >= MIN_COMPARABLE else 0.0
    metric, score = ("spend", spend_score) if abs(spend_score) >= abs(cpr_score) else ("cost_per_request", cpr_score)
    if abs(score) < threshold:
        return None
    cause, detail, contributions = explain(
        actual, history, expected_spend, expected_requests, seen_models, score, with_volume=metric == "spend"
    )
    expected_cpr = statistics.median(cprs) if cprs else None
    return Anomaly(
        group,
        start,
        granularity,
        actual.spend,
        expected_spend,
        int(actual.requests),
        expected_requests,
        cpr,
        expected_cpr,
        round(score, 2),
        metric,
        cause,
        detail,
        contributions,
    )


def _score(value: float | None, history: Sequence[float], floor: float) -> float:
    """Robust standard deviations above (log scale: spend multiplies) or below (linear: it can only fall to 0)."""
    if value is None:
        return 0.0
    unit = _unit(history)
    logs = [math.log1p(max(h, 0.0) / unit) for h in history]
    middle = statistics.median(logs)
    spread = max(MAD_SCALE * statistics.median(abs(x - middle) for x in logs), floor)
    now = math.log1p(max(value, 0.0) / unit)
    if now >= middle:
        return (now - middle) / spread
    return (math.expm1(now - middle)) / spread  # relative fall: -1 when it drops to nothing


def _unit(history: Sequence[float]) -> float:
    """A small amount relative to the series (1% of its median, or of its mean) so that empty periods stay finite."""
    middle = statistics.median(history) or (sum(history) / len(history) if history else 0.0)
    return 0.01 * middle if middle > 0 else 1e-12


def _new_group(group: tuple, start: int, granularity: str, actual: Profile) -> Anomaly:
    return Anomaly(
        group,
        start,
        granularity,
        actual.spend,
        0.0,
        int(actual.requests),
        0.0,
        actual.spend / actual.requests if actual.requests else None,
        None,
        MAX_SCORE,
        "spend",
        "new_group",
        f"first calls of this group: {actual.requests:,.0f} requests costing {actual.spend:,.4g}",
    )
