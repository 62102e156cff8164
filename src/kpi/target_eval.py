"""Check every target against its observed series and flag each gap (Eurostat SDG method).

The observed series of a target
    comes from the `observations` dataset when it holds any row for the target id (published
    official figures take precedence over the engine's own computation), otherwise from the
    target's indicator mart (rows matching `where`, one per period; null values are skipped).
    Several observations of one period (revisions): the latest `published` wins; undated rows
    rank below dated ones.

`as_of` (ISO date) reproduces what was known on that day:
    - only targets with `adopted <= as_of` are evaluated;
    - observations count only when `published <= as_of` (undated ones are left out);
    - mart rows count only when the mart's `published` column is <= as_of (exchange_researchers
      carries the release date of the edition the run selected with `exchange.vintage`; as-of
      does not re-select an older edition, it drops rows not yet published); a mart without a
      `published` column keeps the periods that had ended before `as_of` (fiscal year Y ends
      on 31 March Y+1).

Notation: latest observation x_t at period t; the path starts at (t0, x0) = the document's
baseline (or the first observation when the document gives no baseline period); the target is
x_T at period T. The observed growth starts at s = the observation at t0 when there is one,
else (t0, x0).

level / share / rank (increase or decrease):
    required path (linear):  expected(t) = x0 + (x_T - x0) * (min(t, T) - t0) / (T - t0)
    gap = x_t - expected(t);  gap_pct = 100 * gap / expected(t);  gap_to_target = x_T - x_t
    observed CAGR = (x_t / x_s) ** (1 / (t - s)) - 1
    required CAGR = (x_T / x0) ** (1 / (T - t0)) - 1
    progress ratio = observed CAGR / required CAGR (both negative for lower-is-better targets,
        so the ratio is positive when the indicator moves the right way); when a CAGR is
        undefined (a value <= 0) the ratio of linear slopes is used instead:
        ((x_t - x_s) / (t - s)) / ((x_T - x0) / (T - t0)).
    start already meeting x_T (possible only for a first observation: a document's baseline
        must be short of its target): nothing has to grow, so the path holds the goal,
        expected = x_T, and the required CAGR and the ratio are empty (dividing a fall by a
        negative "required" growth would read as progress). A latest value still meeting x_T
        is achieved; one that misses it has moved away from a goal it met: moving_away.
    projection to T on the observed trend: x_t * (1 + observed CAGR) ** (T - t) (or the linear
        slope when the CAGR is undefined); ranks are kept >= 1, shares within 0..100, others >= 0.
cumulative (sum over the window [S, E] of n = E - S + 1 periods must reach C):
    cumulative_value = sum of the observed yearly values in the window (k periods observed)
    required path (pro-rata): expected = C * k / n;  gap = cumulative_value - expected
    progress ratio = cumulative_value / expected: the observed growth of the running sum over
        the required growth (both start from 0 at S), so it is negative only when the sum is.
        C <= 0 is met by the empty sum (expected <= 0): no ratio or gap_pct; achieved while the
        sum is >= C, else moving_away, as a level that started at its goal.
    observed CAGR of the yearly values from s to t; required CAGR = the constant growth g of
        the yearly value from x_t that makes x_t * sum((1 + g) ** (p - t)) over the remaining
        periods p of the window equal C - cumulative_value (solved by bisection).
    projection = cumulative_value + the remaining periods on the observed CAGR (flat when no
        trend can be measured).
floor (x >= F in every period of the window [S, E or open]):
    breaches = periods in the window with x < F;  expected = F;  gap = x_t - F
    observed CAGR from the first observation in the window; projection to E when E is set.
maintain (level / share / rank): hold x_T; expected = x_T;  gap = x_t - x_T.

Status (thresholds `target_eval.on_track_ratio` = 0.95, `target_eval.moderate_ratio` = 0.60 by
default; the exported status definition states the ones used, see published_contract):
    no_data       no observation (after as-of), or none after the baseline period, so progress
                  cannot be measured; cumulative/floor: none in a window that has begun
    not_started   cumulative/floor whose window has not begun: it starts after the latest
                  observed period, or, with no observation at all, after the as-of date
    achieved      x_t meets x_T (>= or, lower is better, <=); cumulative: sum >= C; floor:
                  no breach and the window is over; maintain: meets x_T at or after T
    on_track      ratio >= on_track_ratio; floor: no breach so far; maintain: meets x_T before T
    moderate      moderate_ratio <= ratio < on_track_ratio (also an on-track ratio whose
                  deadline has passed without the target being met)
    insufficient  0 <= ratio < moderate_ratio; floor: a breach (latest not falling further);
                  maintain: misses x_T but not moving further away; level first observed
                  only at or after its deadline, short of the target
    moving_away   ratio < 0; floor: latest below F and lower than the period before;
                  maintain: misses x_T and worse than at the start; level or cumulative whose
                  start already met the goal (see above) and whose latest value misses it
Every status other than achieved and on_track is flagged.

Non-finite numbers never reach the outputs (JSON has no NaN or Infinity): a non-finite observed
value is left out of the series with a note, a non-finite target or baseline value is rejected
when the targets are loaded (kpi.targets), and a figure that overflows a float is left empty
with a note.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from kpi.errors import DefinitionError, ValidationFailed
from kpi.targets import Target, load_targets

if TYPE_CHECKING:
    from kpi.config import Settings
    from kpi.contracts import Contract, Text

STATUSES = (
    "achieved",
    "on_track",
    "moderate",
    "insufficient",
    "moving_away",
    "not_started",
    "no_data",
)
GOOD_STATUSES = frozenset({"achieved", "on_track"})
TABLE = "target_status"
_PERIOD_COLUMNS = ("fiscal_year", "period_end", "year", "period")


@dataclass(frozen=True)
class Thresholds:
    on_track: float = 0.95
    moderate: float = 0.60


@dataclass(frozen=True)
class Point:
    period: int
    value: float
    published: date | None = None


@dataclass
class Series:
    """The observed values of one target, one per period in ascending order."""

    points: list[Point]
    source: str  # observations | mart:<name> | none
    notes: list[str] = field(default_factory=list)


@dataclass
class TargetStatus:
    """One row of the target_status mart (columns documented in sql/marts/target_status.yaml)."""

    target_id: str
    title_ja: str
    title_en: str
    document: str
    issuer: str
    source_url: str | None
    adopted: date
    kind: str
    direction: str
    unit: str | None
    period_type: str
    indicator: str
    series_source: str
    baseline_period: int | None
    baseline_value: float | None
    target_value: float
    target_period_start: int | None
    target_period_end: int | None
    observations: int = 0
    latest_period: int | None = None
    latest_value: float | None = None
    latest_published: date | None = None
    cumulative_value: float | None = None
    expected_value: float | None = None
    gap: float | None = None
    gap_pct: float | None = None
    gap_to_target: float | None = None
    observed_cagr_pct: float | None = None
    required_cagr_pct: float | None = None
    progress_ratio: float | None = None
    projected_value: float | None = None
    projected_period: int | None = None
    breaches: int | None = None
    status: str = "no_data"
    flagged: bool = True
    as_of: date | None = None
    note: str | None = None


SCHEMA: dict[str, pl.DataType] = {
    "target_id": pl.String(),
    "title_ja": pl.String(),
    "title_en": pl.String(),
    "document": pl.String(),
    "issuer": pl.String(),
    "source_url": pl.String(),
    "adopted": pl.Date(),
    "kind": pl.String(),
    "direction": pl.String(),
    "unit": pl.String(),
    "period_type": pl.String(),
    "indicator": pl.String(),
    "series_source": pl.String(),
    "baseline_period": pl.Int32(),
    "baseline_value": pl.Float64(),
    "target_value": pl.Float64(),
    "target_period_start": pl.Int32(),
    "target_period_end": pl.Int32(),
    "observations": pl.Int32(),
    "latest_period": pl.Int32(),
    "latest_value": pl.Float64(),
    "latest_published": pl.Date(),
    "cumulative_value": pl.Float64(),
    "expected_value": pl.Float64(),
    "gap": pl.Float64(),
    "gap_pct": pl.Float64(),
    "gap_to_target": pl.Float64(),
    "observed_cagr_pct": pl.Float64(),
    "required_cagr_pct": pl.Float64(),
    "progress_ratio": pl.Float64(),
    "projected_value": pl.Float64(),
    "projected_period": pl.Int32(),
    "breaches": pl.Int32(),
    "status": pl.String(),
    "flagged": pl.Boolean(),
    "as_of": pl.Date(),
    "note": pl.String(),
}


# --- arithmetic --------------------------------------------------------------------------


def cagr(start: float, end: float, years: float) -> float | None:
    """Compound annual growth rate; None when it is undefined (no time, a value <= 0) or beyond
    a float (1e300 / 1e-300): the callers then compare linear slopes."""
    if years <= 0 or start <= 0 or end <= 0:
        return None
    rate = (end / start) ** (1 / years) - 1
    return rate if math.isfinite(rate) else None


def difference(a: float, b: float) -> float:
    """a - b without the binary noise of the subtraction: rounded at 12 significant digits of
    the larger operand, so an observation on the required path has a gap of 0, not 1.8e-15
    (10.3 - 10.299999999999999), and 37.87 - 37.625 is 0.245, not 0.24499999999999744."""
    scale = max(abs(a), abs(b))
    if not math.isfinite(scale) or scale == 0:
        return a - b
    return round(a - b, 11 - math.floor(math.log10(scale))) + 0.0  # + 0.0: no -0.0


def grown(value: float, rate: float, periods: int) -> float:
    """value x (1 + rate) ** periods, infinite when that overflows (float ** raises instead)."""
    try:
        return value * (1 + rate) ** periods
    except OverflowError:
        return math.copysign(math.inf, value) if value else 0.0


def status_from_ratio(ratio: float, thresholds: Thresholds) -> str:
    if ratio >= thresholds.on_track:
        return "on_track"
    if ratio >= thresholds.moderate:
        return "moderate"
    if ratio >= 0:
        return "insufficient"
    return "moving_away"


def required_flow_growth(latest: float, offsets: list[int], remaining: float) -> float | None:
    """g such that latest * sum((1 + g) ** k for k in offsets) == remaining (bisection)."""
    if latest <= 0 or remaining <= 0 or not offsets:
        return None

    def total(g: float) -> float:
        return sum(grown(latest, g, k) for k in offsets)  # an overflow is above any remaining

    low, high = -0.999, 1.0
    while total(high) < remaining:
        high = high * 2 + 1
        if high > 1e6:
            return None
    for _ in range(200):  # the sum grows with g: halve the bracket until it is exact
        middle = (low + high) / 2
        if total(middle) < remaining:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _bounded(target: Target, value: float) -> float:
    if target.kind == "rank":
        return max(value, 1.0)
    if target.kind == "share":
        return min(max(value, 0.0), 100.0)
    return max(value, 0.0)


def _pct(rate: float | None) -> float | None:
    return None if rate is None else 100 * rate


def _meets(target: Target, value: float, goal: float) -> bool:
    return value <= goal if target.lower_is_better else value >= goal


def period_start(target: Target, period: int) -> date:
    return date(period, 4, 1) if target.period_type == "fiscal_year" else date(period, 1, 1)


def period_end(target: Target, period: int) -> date:
    return date(period + 1, 3, 31) if target.period_type == "fiscal_year" else date(period, 12, 31)


# --- evaluation of one target ------------------------------------------------------------


def _blank(target: Target, series: Series, as_of: date | None) -> TargetStatus:
    goal, base = target.target, target.baseline
    start, end = goal.periods if goal.periods is not None else (None, goal.period)
    return TargetStatus(
        target_id=target.id,
        title_ja=target.title_ja,
        title_en=target.title_en,
        document=target.source.document,
        issuer=target.source.issuer,
        source_url=target.source.url or None,
        adopted=target.adopted,
        kind=target.kind,
        direction=target.direction,
        unit=target.unit,
        period_type=target.period_type,
        indicator=target.indicator.describe() if target.indicator else "observations",
        series_source=series.source,
        baseline_period=base.period if base else None,
        baseline_value=base.value if base else None,
        target_value=goal.value,
        target_period_start=start,
        target_period_end=end,
        observations=len(series.points),
        as_of=as_of,
    )


def _start(target: Target, points: list[Point]) -> tuple[int, float, float]:
    """(t0, x0) where the required path starts, and x_s, the observed value at t0 (else x0)."""
    base = target.baseline
    if base is not None and base.period is not None:
        t0, x0 = base.period, base.value
    else:
        t0, x0 = points[0].period, points[0].value
    observed = {p.period: p.value for p in points}
    return t0, x0, observed.get(t0, x0)


def _trend(target: Target, points: list[Point]) -> tuple[float | None, float | None]:
    """(observed CAGR, observed slope per period) from the start of observed growth to latest."""
    latest = points[-1]
    s, _, xs = _start(target, points)
    if latest.period <= s:
        return None, None
    years = latest.period - s
    return cagr(xs, latest.value, years), (latest.value - xs) / years


def _project(target: Target, latest: Point, to: int, rate: float | None, slope: float | None):
    if to <= latest.period:
        return None
    if rate is not None:
        return _bounded(target, grown(latest.value, rate, to - latest.period))
    if slope is not None:
        return _bounded(target, latest.value + slope * (to - latest.period))
    return None


def _expected_on_path(target: Target, period: int, t0: int, x0: float) -> float:
    """The linear required path from (t0, x0) to the goal, at `period` (held after T)."""
    goal_value, deadline = target.target.value, target.target.period
    progress = (min(period, deadline) - t0) / (deadline - t0) if deadline > t0 else 1.0
    return x0 + (goal_value - x0) * max(progress, 0.0)


def _set_gaps(row: TargetStatus, latest: float, expected: float, goal_value: float) -> None:
    row.expected_value = expected
    row.gap = difference(latest, expected)
    row.gap_pct = 100 * row.gap / expected if expected else None
    row.gap_to_target = difference(goal_value, latest)


def _evaluate_level(row: TargetStatus, target: Target, points: list[Point], th: Thresholds):
    latest, goal_value, deadline = points[-1], target.target.value, target.target.period
    t0, x0, _ = _start(target, points)
    started_met = _meets(target, x0, goal_value)  # then nothing is required: hold the goal
    expected = goal_value if started_met else _expected_on_path(target, latest.period, t0, x0)
    rate, slope = _trend(target, points)
    required = None if started_met else cagr(x0, goal_value, deadline - t0)
    _set_gaps(row, latest.value, expected, goal_value)
    row.observed_cagr_pct, row.required_cagr_pct = _pct(rate), _pct(required)
    row.projected_period = deadline
    row.projected_value = _project(target, latest, deadline, rate, slope)
    if _meets(target, latest.value, goal_value):
        row.status = "achieved"
    elif started_met:
        row.status = "moving_away"
        row.note = f"met {goal_value:g} at the start ({x0:g} in {t0}); misses it now"
    elif deadline <= t0:  # t0 is then the first observation: a dated baseline precedes T
        row.status = "insufficient"
        row.note = f"first observed in {t0}, not before the deadline {deadline}; not met"
    elif latest.period <= t0:
        row.status = "no_data"
        row.note = f"no observation after the baseline period {t0}: progress cannot be measured"
    else:
        # x0 misses the goal and T > t0: the required change is non-zero and points the way
        # the goal asks, so the ratio's sign says whether the indicator moves that way. A goal
        # a rounding error away has a required CAGR of 0.0: compare slopes then
        if rate is not None and required:
            row.progress_ratio = rate / required
        else:
            row.progress_ratio = slope / ((goal_value - x0) / (deadline - t0))
        row.status = status_from_ratio(row.progress_ratio, th)
        if row.status == "on_track" and latest.period >= deadline:
            row.status = "moderate"
            row.note = f"the deadline {deadline} has passed without the target being met"


def _evaluate_maintain(row: TargetStatus, target: Target, points: list[Point]):
    latest, goal_value, deadline = points[-1], target.target.value, target.target.period
    s, _, xs = _start(target, points)
    rate, slope = _trend(target, points)
    row.expected_value = goal_value
    row.gap = difference(latest.value, goal_value)
    row.gap_pct = 100 * row.gap / goal_value if goal_value else None
    row.gap_to_target = difference(goal_value, latest.value)
    row.observed_cagr_pct = _pct(rate)
    row.projected_period = deadline
    row.projected_value = _project(target, latest, deadline, rate, slope)
    if _meets(target, latest.value, goal_value):
        row.status = "achieved" if latest.period >= deadline else "on_track"
    elif latest.period > s and not _meets(target, latest.value, xs):
        row.status = "moving_away"
        row.note = f"misses {goal_value:g} and is worse than at {s}"
    else:
        row.status = "insufficient"
        row.note = f"misses {goal_value:g}"


def _not_started_or_no_data(
    row: TargetStatus, target: Target, points: list[Point], as_of: date | None
) -> None:
    first = target.target.periods[0]
    if points and points[-1].period < first:
        row.status = "not_started"
        row.note = f"the window starts in {first}, after the latest observed period"
    elif not points and as_of is not None and period_start(target, first) > as_of:
        row.status = "not_started"
        row.note = f"the window starts in {first}, after the as-of date"
    else:
        row.status = "no_data"
        row.note = f"no observation in the window from {first}" if points else None


def _evaluate_cumulative(
    row: TargetStatus, target: Target, points: list[Point], th: Thresholds, as_of: date | None
):
    first, last = target.target.periods
    total, periods = target.target.value, last - first + 1
    window = [p for p in points if first <= p.period <= last]
    rate = _trend(target, points)[0] if points else None
    latest = points[-1] if points else None
    cumulative = sum(p.value for p in window)
    done = max((p.period for p in window), default=first - 1)
    remaining_offsets = (
        [k - latest.period for k in range(max(done + 1, first), last + 1)] if latest else []
    )
    row.projected_period = last
    if latest is not None:
        growth = rate if rate is not None else 0.0
        row.projected_value = cumulative + sum(
            grown(latest.value, growth, k) for k in remaining_offsets
        )
        row.observed_cagr_pct = _pct(rate)
        row.required_cagr_pct = _pct(
            required_flow_growth(latest.value, remaining_offsets, total - cumulative)
        )
    if not window:
        _not_started_or_no_data(row, target, points, as_of)
        row.gap_to_target = total
        return
    observed = {p.period for p in window}
    missing = [k for k in range(first, done + 1) if k not in observed]
    expected = total * len(window) / periods
    row.cumulative_value = cumulative
    row.expected_value = expected
    row.gap = difference(cumulative, expected)
    row.gap_to_target = difference(total, cumulative)
    if expected > 0:  # C <= 0: the empty sum meets it, and a ratio to it would mislead
        row.gap_pct = 100 * row.gap / expected
        row.progress_ratio = cumulative / expected
    if missing:
        row.note = f"no observation for {missing}: sum and pro-rata path cover observed periods"
    if cumulative >= total:
        row.status = "achieved"
        return
    if row.progress_ratio is None:
        row.status = "moving_away"
        row.note = f"the sum {cumulative:g} misses {total:g}, which the empty sum met"
        return
    row.status = status_from_ratio(row.progress_ratio, th)
    if row.status == "on_track" and done >= last:
        row.status = "moderate"
        row.note = f"the window ended in {last} without reaching {total:g}"


def _evaluate_floor(row: TargetStatus, target: Target, points: list[Point], as_of: date | None):
    first, last = target.target.periods
    floor = target.target.value
    window = [p for p in points if p.period >= first and (last is None or p.period <= last)]
    row.expected_value = floor
    if not window:
        _not_started_or_no_data(row, target, points, as_of)
        return
    latest = window[-1]
    breaches = [p.period for p in window if p.value < floor]
    start = window[0]
    years = latest.period - start.period
    rate = cagr(start.value, latest.value, years)
    slope = (latest.value - start.value) / years if years > 0 else None
    row.breaches = len(breaches)
    row.gap = difference(latest.value, floor)
    row.gap_pct = 100 * row.gap / floor if floor else None
    row.gap_to_target = difference(floor, latest.value)
    row.observed_cagr_pct = _pct(rate)
    if last is not None:
        row.projected_period = last
        row.projected_value = _project(target, latest, last, rate, slope)
    if not breaches:
        row.status = "achieved" if last is not None and latest.period >= last else "on_track"
        return
    row.note = f"below {floor:g} in {breaches}"
    falling = len(window) > 1 and latest.value < window[-2].value
    row.status = "moving_away" if latest.value < floor and falling else "insufficient"


def evaluate(
    target: Target,
    series: Series,
    thresholds: Thresholds | None = None,
    as_of: date | None = None,
) -> TargetStatus:
    """The status row of one target from its observed series (already as-of filtered)."""
    thresholds = thresholds or Thresholds()
    row = _blank(target, series, as_of)
    points = sorted(series.points, key=lambda p: p.period)
    non_finite = [p.period for p in points if not math.isfinite(p.value)]
    points = [p for p in points if math.isfinite(p.value)]
    row.observations = len(points)
    if points:
        latest = points[-1]
        row.latest_period, row.latest_value = latest.period, latest.value
        row.latest_published = latest.published
    if target.kind == "cumulative":
        _evaluate_cumulative(row, target, points, thresholds, as_of)
    elif target.kind == "floor":
        _evaluate_floor(row, target, points, as_of)
    elif not points:
        row.status = "no_data"
        row.note = None if series.notes else "no observation"
    elif target.direction == "maintain":
        _evaluate_maintain(row, target, points)
    else:
        _evaluate_level(row, target, points, thresholds)
    notes = [*series.notes]
    if non_finite:
        notes.append(f"{len(non_finite)} non-finite value(s) left out: periods {non_finite}")
    notes += [row.note] if row.note else []
    overflowed = _clear_non_finite(row)
    if overflowed:
        notes.append(f"non-finite {', '.join(overflowed)} (beyond a float) left empty")
    row.note = "; ".join(notes) or None
    row.flagged = row.status not in GOOD_STATUSES
    return row


def _clear_non_finite(row: TargetStatus) -> list[str]:
    """Empty the float fields that overflowed and return their names."""
    cleared = [
        f.name
        for f in fields(row)
        if isinstance(getattr(row, f.name), float) and not math.isfinite(getattr(row, f.name))
    ]
    for name in cleared:
        setattr(row, name, None)
    return cleared


# --- the observed series -----------------------------------------------------------------


def _latest_per_period(points: list[Point]) -> list[Point]:
    by_period: dict[int, Point] = {}
    for point in sorted(points, key=lambda p: (p.period, p.published is not None, p.published)):
        by_period[point.period] = point  # the last one: latest published, dated over undated
    return [by_period[p] for p in sorted(by_period)]


def observation_series(
    observations: pl.DataFrame | None, target: Target, as_of: date | None
) -> Series | None:
    """The target's rows of the observations dataset; None when it has none at all."""
    if observations is None or observations.height == 0:
        return None
    rows = observations.filter(pl.col("target_id") == target.id)
    if rows.height == 0:
        return None
    notes = []
    points = [
        Point(int(r["period"]), float(r["value"]), r["published"])
        for r in rows.iter_rows(named=True)
    ]
    if as_of is not None:
        undated = sum(p.published is None for p in points)
        later = sum(p.published is not None and p.published > as_of for p in points)
        points = [p for p in points if p.published is not None and p.published <= as_of]
        if undated:
            notes.append(f"{undated} observation(s) without a publication date left out (as-of)")
        if later:
            notes.append(f"{later} observation(s) published after {as_of} left out")
    return Series(_latest_per_period(points), "observations", notes)


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    query = (
        "select column_name from information_schema.columns "
        "where table_schema = 'main' and table_name = ? order by ordinal_position"
    )
    return [r[0] for r in con.execute(query, [table]).fetchall()]


def _period_column(target: Target, contract: Contract) -> str:
    indicator = target.indicator
    if indicator.period is not None:
        return indicator.period
    for name in _PERIOD_COLUMNS:
        if name in contract.columns:
            return name
    raise DefinitionError(
        f"target {target.id!r}: field indicator.period: mart {indicator.mart} has none of "
        f"{list(_PERIOD_COLUMNS)}; name its period column"
    )


def mart_series(
    con: duckdb.DuckDBPyConnection,
    target: Target,
    marts: dict[str, Contract],
    as_of: date | None,
) -> Series:
    """The target's indicator rows from a built mart (one per period after the filter)."""
    indicator = target.indicator
    if indicator is None:
        note = "the engine computes no indicator for this target; supply observations"
        return Series([], "none", [note])
    source = f"mart:{indicator.mart}"
    contract = marts.get(indicator.mart)
    if contract is None:
        return Series([], source, [f"mart {indicator.mart} is not defined in sql/marts"])
    period = _period_column(target, contract)
    wanted = [("value", indicator.value), ("period", period)]
    wanted += [(f"where.{k}", k) for k in sorted(indicator.where)]
    for field_name, column in wanted:
        if column not in contract.columns:
            raise DefinitionError(
                f"target {target.id!r}: field indicator.{field_name}: column {column!r} is not "
                f"in mart {indicator.mart} (columns: {', '.join(contract.columns)})"
            )
    columns = _table_columns(con, indicator.mart)
    if not columns:
        return Series([], source, [f"mart {indicator.mart} was not built (its inputs are absent)"])
    dated = "published" in columns
    conditions = [f'"{indicator.value}" is not null']
    conditions += [f'"{k}" = ?' for k in sorted(indicator.where)]
    params = [indicator.where[k] for k in sorted(indicator.where)]
    published = '"published"' if dated else "null::date"
    query = (
        f'select "{period}"::integer, "{indicator.value}"::double, {published} '
        f'from "{indicator.mart}" where {" and ".join(conditions)} order by 1'
    )
    rows = con.execute(query, params).fetchall()
    periods = Counter(r[0] for r in rows)
    doubled = sorted(p for p, n in periods.items() if n > 1)
    if doubled:
        raise DefinitionError(
            f"target {target.id!r}: field indicator.where: {indicator.describe()} leaves several "
            f"rows for period(s) {doubled[:5]}; filter on more columns"
        )
    points = [Point(p, v, d) for p, v, d in rows]
    notes = []
    if as_of is not None:
        before = len(points)
        if dated:
            points = [p for p in points if p.published is not None and p.published <= as_of]
            if before > len(points):
                notes.append(f"{before - len(points)} row(s) not published by {as_of} left out")
        else:
            points = [p for p in points if period_end(target, p.period) < as_of]
            notes.append("mart has no publication dates: periods that had ended by as-of kept")
    return Series(points, source, notes)


# --- all targets ---------------------------------------------------------------------------


@dataclass
class TargetCheck:
    """The evaluated targets of one run, with what was left out and why."""

    rows: list[TargetStatus]
    as_of: date | None
    not_yet_adopted: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> list[TargetStatus]:
        return [r for r in self.rows if r.flagged]

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame([asdict(r) for r in self.rows], schema=SCHEMA, orient="row")

    def summary(self) -> dict:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "evaluated": len(self.rows),
            "flagged": len(self.flagged),
            "by_status": dict(sorted(Counter(r.status for r in self.rows).items())),
            "flagged_ids": [r.target_id for r in self.flagged],
            "series": {r.target_id: r.series_source for r in self.rows},
            "not_yet_adopted": self.not_yet_adopted,
            "warnings": self.warnings,
        }


def evaluate_all(
    con: duckdb.DuckDBPyConnection,
    targets: list[Target],
    marts: dict[str, Contract],
    observations: pl.DataFrame | None,
    thresholds: Thresholds,
    as_of: date | None,
) -> TargetCheck:
    """Evaluate every target adopted by `as_of` against the built marts and observations."""
    known = {t.id for t in targets}
    warnings = []
    if observations is not None and observations.height:
        unknown = sorted(set(observations.get_column("target_id").to_list()) - known)
        if unknown:
            warnings.append(f"observations for unknown target id(s) ignored: {unknown}")
    adopted = [t for t in targets if as_of is None or t.adopted <= as_of]
    rows = []
    for target in sorted(adopted, key=lambda t: t.id):
        series = observation_series(observations, target, as_of)
        if series is None:
            series = mart_series(con, target, marts, as_of)
        rows.append(evaluate(target, series, thresholds, as_of))
    later = sorted(t.id for t in targets if t not in adopted)
    return TargetCheck(rows, as_of, later, warnings)


def register(con: duckdb.DuckDBPyConnection, check: TargetCheck) -> None:
    """Make the result the table `target_status`, so the export loop writes it like any mart."""
    con.register("_target_status", check.frame().to_arrow())
    con.execute(f"create or replace table {TABLE} as select * from _target_status")
    con.unregister("_target_status")


def _ratio_text(ratio: float) -> str:
    return f"{ratio:.2f}" if round(ratio, 2) == ratio else f"{ratio:g}"  # 0.60, 1.50, 0.975


def published_contract(contract: Contract, thresholds: Thresholds) -> Contract:
    """The target_status contract with `thresholds` in its description and status definition,
    which state the default ones (0.95, 0.60) in sql/marts/target_status.yaml."""
    defaults = Thresholds()
    stated = {
        _ratio_text(defaults.on_track): _ratio_text(thresholds.on_track),
        _ratio_text(defaults.moderate): _ratio_text(thresholds.moderate),
    }
    # one pass, so that a new on_track equal to the old moderate is not replaced twice
    pattern = re.compile(r"(?<![\d.])(" + "|".join(map(re.escape, stated)) + r")(?!\d)")

    def restate(text: Text | None) -> Text | None:
        if text is None:
            return None
        update = {
            lang: pattern.sub(lambda m: stated[m[1]], getattr(text, lang)) for lang in ("ja", "en")
        }
        return text.model_copy(update=update)

    status = contract.columns["status"]
    columns = {
        **contract.columns,
        "status": status.model_copy(update={"definition": restate(status.definition)}),
    }
    return contract.model_copy(
        update={"columns": columns, "description": restate(contract.description)}
    )


def run_thresholds(settings: Settings) -> Thresholds:
    return Thresholds(settings.target_eval.on_track_ratio, settings.target_eval.moderate_ratio)


def check_targets(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    marts: dict[str, Contract],
    observations: pl.DataFrame | None,
    targets: list[Target] | None = None,
) -> TargetCheck:
    """Evaluate the targets (loaded from targets/ unless given) with the run's thresholds and
    as-of date."""
    options = settings.target_eval
    thresholds = run_thresholds(settings)
    targets = load_targets(settings.targets, marts) if targets is None else targets
    check = evaluate_all(con, targets, marts, observations, thresholds, options.as_of)
    register(con, check)
    return check


def check_data(settings: Settings) -> TargetCheck:
    """`kpi targets`: validate the inputs, build the marts and evaluate (no export)."""
    from kpi.pipeline import (
        Definitions,
        build,
        model_database,
        raise_for_failed_audits,
        read_and_validate,
    )

    defs = Definitions.load(settings)
    validated = read_and_validate(settings, defs)
    if not validated.report.passed:
        raise ValidationFailed(validated.report)
    with model_database(settings) as database:
        con, _, audits = build(settings, defs, validated, database=database)
        try:
            raise_for_failed_audits(audits)
            return check_targets(con, settings, defs.marts, validated.frames.get("observations"))
        finally:
            con.close()
