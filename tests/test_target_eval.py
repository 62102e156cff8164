"""Target evaluation: every kind and status on hand-computed series, as-of, the shipped data."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, fields
from datetime import date

import duckdb
import polars as pl
import pytest
from pytest import approx

from kpi.config import Settings
from kpi.contracts import Contract, load_contract
from kpi.errors import DefinitionError
from kpi.export import read_metadata
from kpi.target_eval import (
    SCHEMA,
    STATUSES,
    TABLE,
    Point,
    Series,
    TargetStatus,
    Thresholds,
    check_data,
    evaluate,
    evaluate_all,
    mart_series,
    observation_series,
    required_flow_growth,
)
from kpi.targets import Target
from tests.helpers import run_pipeline

SOURCE = {"document": "Doc", "issuer": "Someone", "date": "2020-01-01"}


def make(**fields) -> Target:
    base = {
        "id": "t",
        "title_ja": "例",
        "title_en": "Example",
        "kind": "level",
        "direction": "increase",
        "adopted": "2020-01-01",
        "source": SOURCE,
        "target": {"value": 2, "period": 2030},
    }
    return Target.model_validate({**base, **fields})


def series(*pairs, source="observations") -> Series:
    return Series([Point(p, float(v)) for p, v in pairs], source)


# A level target whose required growth is exactly 10% a year: 100 (2020) -> 146.41 (2024),
# since 100 x 1.1^4 = 146.41. Observations two years in give the observed CAGR directly.
LEVEL = make(baseline={"period": 2020, "value": 100}, target={"value": 146.41, "period": 2024})


@pytest.mark.parametrize(
    ("value_2022", "observed_cagr", "ratio", "status"),
    [
        (121.0, 10.0, 1.0, "on_track"),  # 100 x 1.1^2: exactly the required pace
        (116.64, 8.0, 0.8, "moderate"),  # 100 x 1.08^2
        (110.25, 5.0, 0.5, "insufficient"),  # 100 x 1.05^2
        (81.0, -10.0, -1.0, "moving_away"),  # 100 x 0.9^2
    ],
)
def test_level_status_is_the_ratio_of_observed_to_required_growth(
    value_2022, observed_cagr, ratio, status
):
    row = evaluate(LEVEL, series((2020, 100), (2022, value_2022)))
    assert row.observed_cagr_pct == approx(observed_cagr)
    assert row.required_cagr_pct == approx(10.0)
    assert row.progress_ratio == approx(ratio)
    assert row.status == status
    assert row.flagged is (status != "on_track")


def test_level_gap_expected_value_and_projection():
    # linear path: 100 + 46.41 x (2022-2020)/(2024-2020) = 123.205 expected in 2022
    # observed 116.64: gap -6.565 = -5.3285% of 123.205; 29.77 still to go
    # projection at 8%/year: 116.64 x 1.08^2 = 136.048896
    row = evaluate(LEVEL, series((2020, 100), (2022, 116.64)))
    assert (row.latest_period, row.latest_value) == (2022, 116.64)
    assert row.expected_value == approx(123.205)
    assert row.gap == approx(-6.565)
    assert row.gap_pct == approx(-5.32852, abs=1e-4)
    assert row.gap_to_target == approx(29.77)
    assert (row.projected_period, row.projected_value) == (2024, approx(136.048896))


def test_level_achieved_and_thresholds_are_configurable():
    assert evaluate(LEVEL, series((2020, 100), (2022, 150))).status == "achieved"
    # ratio 0.8 is moderate by default, on track with a 0.8 threshold
    loose = Thresholds(on_track=0.8, moderate=0.5)
    assert evaluate(LEVEL, series((2020, 100), (2022, 116.64)), loose).status == "on_track"
    strict = Thresholds(on_track=0.99, moderate=0.9)
    assert evaluate(LEVEL, series((2020, 100), (2022, 116.64)), strict).status == "insufficient"


def test_a_missed_deadline_is_never_on_track():
    # 2024 reached at 140 < 146.41: observed CAGR (1.4)^(1/4) - 1 = 8.78% -> ratio 0.878
    # would be moderate anyway; at 146 the ratio is 0.996 (on-track pace) but the deadline passed
    row = evaluate(LEVEL, series((2020, 100), (2024, 146)))
    assert row.progress_ratio == approx(((1.46**0.25) - 1) / 0.1)
    assert row.progress_ratio > 0.95
    assert row.status == "moderate" and "deadline 2024 has passed" in row.note


def test_observed_growth_starts_at_the_observation_of_the_baseline_period():
    # the document says 100 in 2020; the series (a later edition) says 110 for 2020.
    # observed growth: 121/110 over 2 years = 4.88%; required stays 100 -> 146.41 (10%)
    row = evaluate(LEVEL, series((2020, 110), (2022, 121)))
    assert row.observed_cagr_pct == approx((1.1**0.5 - 1) * 100)
    assert row.progress_ratio == approx((1.1**0.5 - 1) / 0.1)
    # without an observation in 2020 the document's 100 is the start: 10%/year, ratio 1
    assert evaluate(LEVEL, series((2022, 121))).progress_ratio == approx(1.0)


def test_decrease_target_lower_is_better():
    # 200 (2020) -> 131.22 (2024) = 200 x 0.9^4: required CAGR -10%
    target = make(
        direction="decrease",
        baseline={"period": 2020, "value": 200},
        target={"value": 131.22, "period": 2024},
    )
    falling = evaluate(target, series((2020, 200), (2022, 162)))  # 200 x 0.9^2
    assert falling.required_cagr_pct == approx(-10.0)
    assert falling.observed_cagr_pct == approx(-10.0)
    assert (falling.progress_ratio, falling.status) == (approx(1.0), "on_track")
    rising = evaluate(target, series((2020, 200), (2022, 220)))
    # observed (220/200)^(1/2) - 1 = +4.881%; ratio 4.881 / -10 = -0.4881
    assert rising.progress_ratio == approx(-0.48809, abs=1e-5)
    assert rising.status == "moving_away"
    assert evaluate(target, series((2020, 200), (2023, 130))).status == "achieved"


RANK = make(
    kind="rank",
    direction="decrease",
    baseline={"period": 2023, "value": 13},
    target={"value": 3, "period": 2035},
)


def test_rank_ratio_handles_lower_is_better():
    # required: (3/13)^(1/12) - 1 = exp(ln(0.230769)/12) - 1 = exp(-0.122195) - 1 = -11.503%
    # observed 13th (2023) -> 11th (2025): (11/13)^(1/2) - 1 = 0.919866 - 1 = -8.013%
    # ratio -8.013 / -11.503 = 0.6966 -> moderate
    row = evaluate(RANK, series((2023, 13), (2025, 11)))
    assert row.required_cagr_pct == approx(-11.503, abs=1e-3)
    assert row.observed_cagr_pct == approx(-8.013, abs=1e-3)
    assert row.progress_ratio == approx(0.6966, abs=1e-4)
    assert row.status == "moderate"
    # expected on the linear path in 2025: 13 - 10 x 2/12 = 11.3333; 11th is 0.3333 ahead
    assert row.expected_value == approx(11.33333, abs=1e-5)
    assert row.gap == approx(-0.33333, abs=1e-5)
    assert evaluate(RANK, series((2023, 13), (2025, 15))).status == "moving_away"
    assert evaluate(RANK, series((2023, 13), (2030, 3))).status == "achieved"


def test_rank_projection_never_goes_below_first():
    # 13th -> 6th in one year is -53.8%/year; eleven more years of that would be rank 0.01
    row = evaluate(RANK, series((2023, 13), (2024, 6)))
    assert row.status == "on_track"
    assert row.projected_value == 1.0


def test_no_data_without_observations_or_progress():
    row = evaluate(RANK, Series([], "mart:top10_coauthorship", ["mart was not built"]))
    assert (row.status, row.flagged, row.observations) == ("no_data", True, 0)
    assert row.note == "mart was not built"
    # only the baseline period observed (the shipped rank): nothing to measure progress on
    only_baseline = evaluate(RANK, series((2021, 13), (2023, 13)))
    assert only_baseline.status == "no_data"
    assert "no observation after the baseline period 2023" in only_baseline.note
    assert (only_baseline.latest_period, only_baseline.latest_value) == (2023, 13)


def test_share_without_baseline_period_starts_at_first_observation():
    target = make(
        kind="share",
        baseline={"value": 20, "label": "before COVID-19"},
        target={"value": 40, "period": 2030},
    )
    # path from (2020, 25) to (2030, 40): required (40/25)^(1/10) - 1 = 4.8122%
    # observed 25 -> 30 in 2 years: (1.2)^(1/2) - 1 = 9.5445%; ratio 1.9834
    row = evaluate(target, series((2020, 25), (2022, 30)))
    assert row.required_cagr_pct == approx(4.8122, abs=1e-4)
    assert row.progress_ratio == approx(1.9834, abs=1e-4)
    assert row.status == "on_track"
    assert evaluate(target, series((2020, 25))).status == "no_data"
    # shares are projected within 0..100: 30 -> 60 in 2 years, then 8 more years
    assert evaluate(target, series((2020, 30), (2022, 60))).projected_value == 100.0


# No dated baseline: the path starts at the first observation, which may already meet the goal.
# Nothing then has to grow (no required growth, no ratio): the goal is held, expected = goal.
AHEAD = make(target={"value": 200, "period": 2027})


def test_a_start_already_meeting_the_goal_then_missed_is_moving_away():
    # 250 (2024) -> 120 (2025): observed 120/250 - 1 = -52%; 80 short of the goal of 200
    row = evaluate(AHEAD, series((2024, 250), (2025, 120)))
    assert (row.status, row.flagged) == ("moving_away", True)
    assert row.progress_ratio is None and row.required_cagr_pct is None
    assert row.observed_cagr_pct == approx(-52.0)
    assert (row.expected_value, row.gap, row.gap_pct, row.gap_to_target) == (200, -80, -40, 80)
    assert "met 200 at the start (250 in 2024)" in row.note
    # still at or above the goal: achieved; starting exactly at it and slipping: moving away
    assert evaluate(AHEAD, series((2024, 250), (2025, 210))).status == "achieved"
    assert evaluate(AHEAD, series((2024, 200), (2025, 190))).status == "moving_away"


@pytest.mark.parametrize(
    ("kind", "direction", "goal", "start", "latest"),
    [
        ("level", "decrease", 100, 80, 120),  # was 13.2 on track: (120/80 - 1) / (100/80 - 1)
        ("share", "increase", 40, 45, 35),
        ("rank", "decrease", 3, 2, 5),
    ],
)
def test_every_kind_that_starts_past_its_goal_and_misses_it_moves_away(
    kind, direction, goal, start, latest
):
    target = make(kind=kind, direction=direction, target={"value": goal, "period": 2030})
    row = evaluate(target, series((2024, start), (2025, latest)))
    assert (row.status, row.progress_ratio, row.expected_value) == ("moving_away", None, goal)
    assert row.gap_to_target == goal - latest


def test_a_level_first_observed_at_or_after_its_deadline_is_insufficient():
    # the deadline 2027 has passed at the first observation: no path, the goal is missed
    once = evaluate(AHEAD, series((2028, 150)))
    assert (once.status, once.progress_ratio, once.expected_value) == ("insufficient", None, 200)
    assert once.note == "first observed in 2028, not before the deadline 2027; not met"
    assert "baseline" not in once.note
    assert evaluate(AHEAD, series((2027, 150))).status == "insufficient"
    assert evaluate(AHEAD, series((2028, 150), (2029, 160))).status == "insufficient"
    assert evaluate(AHEAD, series((2028, 210))).status == "achieved"


def test_linear_ratio_when_growth_rates_are_undefined():
    # a programme that starts from 0: CAGR is undefined, slopes are compared instead
    target = make(baseline={"period": 2023, "value": 0}, target={"value": 200, "period": 2027})
    # required 50/year; observed 0 -> 60 in 2 years = 30/year -> ratio 0.6 (moderate)
    row = evaluate(target, series((2023, 0), (2025, 60)))
    assert row.observed_cagr_pct is None and row.required_cagr_pct is None
    assert row.progress_ratio == approx(0.6)
    assert row.status == "moderate"
    assert row.projected_value == approx(120)  # 60 + 30 x 2
    # a goal one float step above 100: (goal / 100) ** (1/4) - 1 rounds to a required CAGR of
    # 0.0, so the slopes are compared (0 / (1.4e-14 / 4) = 0), not divided by zero
    step = make(
        baseline={"period": 2020, "value": 100}, target={"value": 100 + 1.5e-14, "period": 2024}
    )
    flat = evaluate(step, series((2020, 100), (2022, 100)))
    assert (flat.required_cagr_pct, flat.progress_ratio, flat.status) == (0, 0, "insufficient")


CUMULATIVE = make(
    kind="cumulative",
    period_type="fiscal_year",
    baseline={"period": 2023, "value": 3623},
    target={"value": 30000, "periods": [2026, 2030]},
)


def test_cumulative_pro_rata_statuses():
    # 30,000 over 5 years: 6,000 a year pro rata
    moderate = evaluate(CUMULATIVE, series((2023, 3623), (2026, 5000), (2027, 5500)))
    # 10,500 against 12,000 expected after 2 years: gap -1,500 (-12.5%), ratio 0.875
    assert moderate.cumulative_value == 10500
    assert moderate.expected_value == 12000
    assert (moderate.gap, moderate.gap_pct, moderate.gap_to_target) == (-1500, -12.5, 19500)
    assert (moderate.progress_ratio, moderate.status) == (0.875, "moderate")
    on_track = evaluate(CUMULATIVE, series((2026, 6000), (2027, 6000)))
    assert (on_track.progress_ratio, on_track.status) == (1.0, "on_track")
    low = evaluate(CUMULATIVE, series((2026, 3000)))
    assert (low.progress_ratio, low.status) == (0.5, "insufficient")
    done = evaluate(CUMULATIVE, series(*[(y, 7500) for y in range(2026, 2030)]))
    assert (done.cumulative_value, done.status) == (30000, "achieved")


def test_cumulative_window_over_and_short_is_not_on_track():
    # 5 x 5,900 = 29,500 of 30,000: ratio 0.9833 but the window has ended
    row = evaluate(CUMULATIVE, series(*[(y, 5900) for y in range(2026, 2031)]))
    assert row.progress_ratio == approx(29500 / 30000)
    assert row.status == "moderate" and "window ended in 2030" in row.note


def test_cumulative_missing_year_is_noted():
    # 2026 and 2028 observed, 2027 missing: the pace covers the 2 observed years
    row = evaluate(CUMULATIVE, series((2026, 6000), (2028, 6000)))
    assert row.expected_value == 12000 and row.status == "on_track"
    assert "[2027]" in row.note


def test_cumulative_not_started_with_projection_and_required_growth():
    # the shipped situation: FY2023 3,623 and FY2024 4,028, window FY2026-FY2030 not begun.
    # observed growth 4028/3623 - 1 = 11.1786%/year. Projected FY2026..FY2030 flows
    # 4028 x 1.111786^k, k = 2..6: 1.236068 + 1.374241 + 1.527863 + 1.698658 + 1.888544
    # = 7.725374 -> 31,117.8. Required: 4028 x sum (1+g)^k = 30000 -> sum = 7.44786, which
    # g = 10.21% gives (1.214624 + 1.338637 + 1.475312 + 1.625941 + 1.791950 = 7.446464).
    row = evaluate(CUMULATIVE, series((2023, 3623), (2024, 4028)))
    assert row.status == "not_started" and row.flagged
    assert row.cumulative_value is None and row.gap_to_target == 30000
    assert row.observed_cagr_pct == approx(11.1786, abs=1e-4)
    assert row.projected_value == approx(31117.8, abs=0.5)
    assert row.required_cagr_pct == approx(10.21, abs=0.01)


def test_cumulative_without_any_observation_uses_the_as_of_date():
    # FY2026 begins on 2026-04-01
    empty = Series([], "mart:exchange_researchers")
    assert evaluate(CUMULATIVE, empty).status == "no_data"
    assert evaluate(CUMULATIVE, empty, as_of=date(2026, 3, 31)).status == "not_started"
    assert evaluate(CUMULATIVE, empty, as_of=date(2026, 4, 1)).status == "no_data"


def test_a_cumulative_target_of_zero_or_below_is_met_by_the_empty_sum():
    zero = make(kind="cumulative", target={"value": 0, "periods": [2026, 2030]})
    met = evaluate(zero, series((2026, 5)))
    assert (met.status, met.cumulative_value, met.expected_value, met.gap) == ("achieved", 5, 0, 5)
    assert met.gap_pct is None and met.progress_ratio is None
    # net flows can be negative: -5 misses 0, which the sum met before any period
    short = evaluate(zero, series((2026, -5)))
    assert (short.status, short.progress_ratio, short.gap_to_target) == ("moving_away", None, 5)
    # -150 - 50 = -200 misses -100; pro rata -100 x 2/5 = -40 expected. The ratio -200/-40 = 5
    # would read as on track
    negative = make(kind="cumulative", target={"value": -100, "periods": [2026, 2030]})
    below = evaluate(negative, series((2026, -150), (2027, -50)))
    assert (below.cumulative_value, below.expected_value, below.gap) == (-200, -40, -160)
    assert (below.status, below.progress_ratio, below.gap_pct) == ("moving_away", None, None)


def test_required_flow_growth_solves_the_sum():
    # 100 x ((1+g) + (1+g)^2) = 231 -> (1+g) = 1.1 exactly
    assert required_flow_growth(100, [1, 2], 231) == approx(0.1)
    assert required_flow_growth(100, [], 231) is None
    # 1e300 from 1 a year over 74 years: the last year dominates, (1 + g)^74 ~ 1e300, so
    # 1 + g ~ 10^(300/74) = 10^4.0541 = 11,325 (the earlier years add 1/11,325: 1.5e-6 to g).
    # Bracketing tries g = 16,383 on the way, whose 74th power overflows a float
    growth = required_flow_growth(1.0, list(range(1, 75)), 1e300)
    assert growth == approx(10 ** (300 / 74) - 1, rel=1e-5)


def strict_json(row: TargetStatus) -> str:
    """`kpi targets --json` as JSON parsers accept it: no NaN or Infinity."""
    return json.dumps(asdict(row), allow_nan=False, default=str)


def test_non_finite_observations_are_left_out_with_a_note():
    nan, inf = float("nan"), float("inf")
    row = evaluate(LEVEL, series((2020, 100), (2021, nan), (2022, 121), (2023, inf)))
    # without 2021 and 2023: 100 -> 121 is the required 10%/year exactly
    assert (row.latest_period, row.latest_value, row.observations) == (2022, 121, 2)
    assert (row.progress_ratio, row.status) == (approx(1.0), "on_track")
    assert "2 non-finite value(s) left out: periods [2021, 2023]" in row.note
    strict_json(row)
    only = evaluate(LEVEL, series((2022, -inf)))
    assert (only.status, only.latest_value, only.observations) == ("no_data", None, 0)
    strict_json(only)


def test_overflowing_arithmetic_leaves_the_value_empty():
    # 100 -> 1e300 in a year: the projection 1e300 x 1e298^3 to 2024 is beyond a float
    soaring = evaluate(LEVEL, series((2020, 100), (2021, 1e300)))
    assert (soaring.status, soaring.projected_value) == ("achieved", None)
    assert soaring.observed_cagr_pct == approx(1e300)
    strict_json(soaring)
    # two yearly values of 1e308 sum to more than a float holds
    huge = evaluate(CUMULATIVE, series((2026, 1e308), (2027, 1e308)))
    assert (huge.status, huge.cumulative_value, huge.gap) == ("achieved", None, None)
    assert "non-finite" in huge.note
    strict_json(huge)
    # 1e300 over 2026-2100 from 2 in 2026: 2 x (1 + g)^74 ~ 1e300, 1 + g ~ (5e299)^(1/74)
    # = 10^(299.699/74) = 10^4.0500 = 11,220
    far = make(kind="cumulative", target={"value": 1e300, "periods": [2026, 2100]})
    steep = evaluate(far, series((2025, 1), (2026, 2)))
    assert steep.required_cagr_pct == approx(100 * (10 ** (299.69897 / 74) - 1), rel=1e-5)
    strict_json(steep)


FLOOR = make(kind="floor", direction="maintain", target={"value": 50, "periods": [2023, None]})


def test_floor_every_year_at_or_above():
    held = evaluate(FLOOR, series((2022, 40), (2023, 55), (2024, 52)))  # 2022 is before the floor
    assert (held.status, held.breaches, held.gap) == ("on_track", 0, 2)
    dipped = evaluate(FLOOR, series((2023, 55), (2024, 48), (2025, 51)))
    assert (dipped.status, dipped.breaches) == ("insufficient", 1)
    assert "below 50 in [2024]" in dipped.note
    sinking = evaluate(FLOOR, series((2023, 55), (2024, 49), (2025, 47)))
    assert (sinking.status, sinking.breaches, sinking.gap_to_target) == ("moving_away", 2, 3)
    closed = make(kind="floor", direction="maintain", target={"value": 50, "periods": [2023, 2024]})
    assert evaluate(closed, series((2023, 55), (2024, 52))).status == "achieved"
    assert evaluate(FLOOR, series((2021, 60), (2022, 61))).status == "not_started"


def test_maintain_holds_the_target_value():
    # rank 1 to keep until 2030
    keep = make(
        kind="rank",
        direction="maintain",
        baseline={"period": 2024, "value": 1},
        target={"value": 1, "period": 2030},
    )
    assert evaluate(keep, series((2024, 1), (2025, 1))).status == "on_track"
    assert evaluate(keep, series((2024, 1), (2030, 1))).status == "achieved"
    assert evaluate(keep, series((2024, 1), (2025, 2))).status == "moving_away"
    # worse than the target but better than at the start: insufficient
    assert evaluate(keep, series((2024, 3), (2025, 2))).status == "insufficient"


# --- observed series: observations dataset and marts ----------------------------------------


def observations(*rows) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "target_id": pl.String,
            "period": pl.Int32,
            "value": pl.Float64,
            "source": pl.String,
            "published": pl.Date,
            "note": pl.String,
        },
        orient="row",
    )


def test_observations_latest_edition_wins_and_as_of_picks_the_older_one():
    frame = observations(
        ("t", 2023, 36.5, "plan", date(2026, 3, 27), None),
        ("t", 2023, 36.52, "sti2026", date(2026, 8, 10), None),
        ("t", 2024, 37.87, "sti2026", date(2026, 8, 10), None),
        ("t", 2021, 13.0, "undated", None, None),
        ("other", 2023, 1.0, "x", None, None),
    )
    target = make()
    now = observation_series(frame, target, None)
    assert [(p.period, p.value) for p in now.points] == [(2021, 13), (2023, 36.52), (2024, 37.87)]
    then = observation_series(frame, target, date(2026, 4, 1))
    assert [(p.period, p.value) for p in then.points] == [(2023, 36.5)]
    assert "1 observation(s) without a publication date" in then.notes[0]
    assert "2 observation(s) published after 2026-04-01" in then.notes[1]
    assert observation_series(frame, make(id="missing"), None) is None


def mart_contract(columns: dict[str, str]) -> Contract:
    return Contract.model_validate(
        {
            "dataset": "m",
            "title": {"ja": "m", "en": "m"},
            "columns": {
                name: {"type": kind, "nullable": True, "description": {"ja": name, "en": name}}
                for name, kind in columns.items()
            },
        }
    )


@pytest.fixture
def flows():
    con = duckdb.connect()
    con.execute(
        "create table m as select * from (values "
        "(2023, 'dispatch', 'mid_long', 3623, date '2026-07-06'),"
        "(2024, 'dispatch', 'mid_long', 4028, date '2026-07-06'),"
        "(2024, 'dispatch', 'short', 115767, date '2026-07-06'),"
        "(2022, 'dispatch', 'mid_long', 3245, null)"
        ") t(fiscal_year, direction, term, researchers, published)"
    )
    contract = mart_contract(
        {
            "fiscal_year": "int32",
            "direction": "str",
            "term": "str",
            "researchers": "int64",
            "published": "date",
        }
    )
    return con, {"m": contract}


def test_mart_series_filters_and_applies_as_of(flows):
    con, marts = flows
    indicator = {
        "mart": "m",
        "value": "researchers",
        "where": {"direction": "dispatch", "term": "mid_long"},
    }
    target = Target.model_validate({**CUMULATIVE.model_dump(), "indicator": indicator})
    got = mart_series(con, target, marts, None)
    assert got.source == "mart:m"
    assert [(p.period, p.value) for p in got.points] == [(2022, 3245), (2023, 3623), (2024, 4028)]
    # before 2026-07-06 nothing is published: the undated 2022 row is left out too
    early = mart_series(con, target, marts, date(2026, 7, 5))
    assert early.points == [] and "3 row(s) not published by 2026-07-05" in early.notes[0]
    assert len(mart_series(con, target, marts, date(2026, 7, 6)).points) == 2


def indicator_target(**indicator) -> Target:
    return make(
        baseline={"period": 2020, "value": 1},
        target={"value": 2, "period": 2030},
        indicator=indicator,
    )


def test_mart_errors_name_the_target_and_field(flows):
    con, marts = flows
    typo = indicator_target(mart="m", value="researcher", where={"term": "mid_long"})
    with pytest.raises(DefinitionError, match=r"target 't': field indicator.value: column"):
        mart_series(con, typo, marts, None)
    bad_where = indicator_target(mart="m", value="researchers", where={"kind": "x"})
    with pytest.raises(DefinitionError, match=r"field indicator.where.kind"):
        mart_series(con, bad_where, marts, None)
    ambiguous = indicator_target(mart="m", value="researchers", where={"direction": "dispatch"})
    with pytest.raises(DefinitionError, match=r"several rows for period\(s\) \[2024\]"):
        mart_series(con, ambiguous, marts, None)


def test_a_target_whose_indicator_has_no_data(flows):
    con, marts = flows
    # the mart is defined but was not built (its input data are absent)
    marts = {**marts, "absent": mart_contract({"period_end": "int32", "share": "float64"})}
    target = indicator_target(mart="absent", value="share")
    got = mart_series(con, target, marts, None)
    assert got.points == [] and "was not built" in got.notes[0]
    row = evaluate(target, got)
    assert row.status == "no_data" and row.flagged and row.series_source == "mart:absent"
    # built, but the filter matches nothing
    empty = indicator_target(mart="m", value="researchers", where={"term": "long"})
    assert evaluate(empty, mart_series(con, empty, marts, None)).status == "no_data"
    # an unknown mart is reported, not fatal (e.g. a family still to come)
    unknown = indicator_target(mart="nowhere", value="x")
    assert "not defined" in mart_series(con, unknown, marts, None).notes[0]


def test_evaluate_all_prefers_observations_and_filters_adoption(flows):
    con, marts = flows
    measured = indicator_target(mart="m", value="researchers", where={"term": "mid_long"})
    later = make(id="later", adopted="2027-01-01", target={"value": 5, "period": 2030})
    frame = observations(("t", 2021, 1.5, "published", date(2022, 1, 1), None))
    checked = evaluate_all(con, [measured, later], marts, frame, Thresholds(), date(2026, 1, 1))
    assert [r.target_id for r in checked.rows] == ["t"]
    assert checked.rows[0].series_source == "observations"
    assert checked.not_yet_adopted == ["later"]
    stray = observations(("typo-id", 2021, 1.0, "x", None, None))
    warned = evaluate_all(con, [measured], marts, stray, Thresholds(), None)
    assert warned.rows[0].series_source == "mart:m"
    assert "unknown target id(s) ignored: ['typo-id']" in warned.warnings[0]
    assert warned.frame().schema == pl.Schema(SCHEMA)


def test_the_mart_contract_describes_the_evaluated_rows(repo):
    contract = load_contract(repo / "sql" / "marts" / "target_status.yaml")
    assert list(contract.columns) == [f.name for f in fields(TargetStatus)] == list(SCHEMA)
    assert contract.polars_schema == SCHEMA
    assert set(contract.columns["status"].checks["isin"]) == set(STATUSES)


def exported_status_metadata(tmp_path, repo, **options) -> dict[str, str]:
    """target_status's Parquet metadata from a run on the shipped data with these options."""
    result = run_pipeline(repo / "data", tmp_path / "out", target_eval=options)
    assert result.exit_code == 0, result.error
    return read_metadata(tmp_path / "out" / "indicators" / f"{TABLE}.parquet")


def test_the_exported_definitions_state_the_thresholds_used(tmp_path, repo):
    meta = exported_status_metadata(tmp_path, repo, on_track_ratio=1.5, moderate_ratio=1.2)
    status = json.loads(meta["kpi.columns"])["status"]
    assert "on_track = ratio >= 1.50; moderate = 1.20 to 1.50" in status["definition_en"]
    assert "insufficient = 0 to 1.20;" in status["definition_en"]
    assert "進捗比1.50以上、moderate＝1.20以上1.50未満" in status["definition_ja"]
    assert ">= 1.50 on_track, >= 1.20 moderate" in meta["kpi.definition_en"]
    assert "1.50以上 on_track、1.20以上" in meta["kpi.definition_ja"]
    texts = [status["definition_en"], status["definition_ja"], *meta.values()]
    assert not any("0.95" in t or "0.60" in t for t in texts)


def test_default_thresholds_publish_the_contract_text_unchanged(tmp_path, repo):
    contract = load_contract(repo / "sql" / "marts" / "target_status.yaml")
    meta = exported_status_metadata(tmp_path, repo)
    status = json.loads(meta["kpi.columns"])["status"]
    assert status["definition_en"] == contract.columns["status"].definition.en
    assert meta["kpi.definition_ja"] == contract.description.ja
    assert "on_track = ratio >= 0.95; moderate = 0.60 to 0.95" in status["definition_en"]
    defaults = Settings().target_eval
    assert Thresholds(defaults.on_track_ratio, defaults.moderate_ratio) == Thresholds()


# --- the shipped targets on the shipped data ----------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    checked = check_data(Settings())
    return checked, {r.target_id: r for r in checked.rows}


def test_shipped_targets_on_shipped_data(shipped):
    checked, rows = shipped
    assert len(rows) == 9
    # long-term dispatch, data/exchange.csv dispatch mid_long: FY2023 3,623, FY2024 4,028.
    # The window FY2026-FY2030 has not begun in the data -> not_started; trend as worked out
    # in test_cumulative_not_started_with_projection_and_required_growth
    dispatch = rows["plan7-longterm-dispatch"]
    assert (dispatch.status, dispatch.series_source) == ("not_started", "mart:exchange_researchers")
    assert (dispatch.latest_period, dispatch.latest_value) == (2024, 4028)
    assert dispatch.observations == 32  # FY1993..FY2024
    assert dispatch.projected_value == approx(31117.8, abs=0.5)
    # co-authorship, NISTEP 科学技術指標2026 表4-1-3: 2023 36.52, 2024 37.87 (the 2023 value of the
    # plan, 36.5, is an earlier publication and loses to the later edition).
    # observed 37.87/36.52 - 1 = 3.6966%; required (50/36.5)^(1/12) - 1: ln 1.369863 = 0.314711,
    # /12 = 0.026226 -> 2.6573%; ratio 1.3911 -> on_track. Expected in 2024: 36.5 + 13.5/12 =
    # 37.625, gap +0.245. Projection 37.87 x 1.036966^11 = 37.87 x 1.49078 = 56.456.
    share = rows["plan7-intl-coauthorship-rate"]
    assert (share.status, share.series_source) == ("on_track", "observations")
    assert (share.latest_period, share.latest_value) == (2024, 37.87)
    assert share.observed_cagr_pct == approx(3.6966, abs=1e-4)
    assert share.required_cagr_pct == approx(2.6573, abs=1e-4)
    assert share.progress_ratio == approx(1.3911, abs=1e-4)
    assert share.expected_value == approx(37.625)
    assert share.gap == approx(0.245)
    assert share.projected_value == approx(56.456, abs=1e-3)
    # rank: 10th (2017-2019), 13th (2019-2021), 13th (2021-2023 = the baseline): none after it
    rank = rows["plan7-top10-rank"]
    assert (rank.status, rank.latest_value, rank.observations) == ("no_data", 13, 3)
    # nothing in the shipped data measures the other six
    others = [r for r in rows.values() if not r.target_id.startswith("plan7-")]
    assert len(others) == 6
    assert {(r.status, r.series_source, r.observations) for r in others} == {("no_data", "none", 0)}
    assert checked.summary()["by_status"] == {"no_data": 7, "not_started": 1, "on_track": 1}
    assert checked.summary()["flagged"] == 8


def test_shipped_as_of_the_plan_adoption():
    # On 2026-03-27 only the plan's own figures were out: 36.5% and 13th, both for 2023 (the
    # baseline), so no progress can be measured; the FY2024 exchange edition came 2026-07-06.
    checked = check_data(Settings(target_eval={"as_of": "2026-03-27"}))
    rows = {r.target_id: r for r in checked.rows}
    share = rows["plan7-intl-coauthorship-rate"]
    assert (share.status, share.latest_value, share.latest_period) == ("no_data", 36.5, 2023)
    dispatch = rows["plan7-longterm-dispatch"]
    assert (dispatch.status, dispatch.observations) == ("not_started", 0)
    assert "after the as-of date" in dispatch.note
    assert rows["plan7-top10-rank"].observations == 1
    assert {r.as_of for r in checked.rows} == {date(2026, 3, 27)}
    # the 2022-12-09 ministry presentation predates every shipped target
    before = check_data(Settings(target_eval={"as_of": "2022-12-09"}))
    assert before.rows == [] and len(before.not_yet_adopted) == 9


def test_a_falling_series_without_baseline_is_flagged_in_the_run(default_data_copy):
    # the reviewer's repro: kaikaku2023-joint-research-dispatch (no baseline, 200 by FY2027)
    rows = "".join(
        f"kaikaku2023-joint-research-dispatch,{period},{value},test,{published},\n"
        for period, value, published in [(2024, 250, "2025-06-01"), (2025, 120, "2026-06-01")]
    )
    with (default_data_copy / "observations.csv").open("a", encoding="utf-8") as file:
        file.write(rows)
    checked = check_data(Settings(data=default_data_copy))
    row = {r.target_id: r for r in checked.rows}["kaikaku2023-joint-research-dispatch"]
    assert (row.status, row.flagged, row.progress_ratio) == ("moving_away", True, None)
    assert (row.latest_value, row.expected_value, row.gap_to_target) == (120, 200, 80)
    json.dumps(checked.frame().to_dicts(), allow_nan=False, default=str)


def test_the_row_says_whether_its_periods_are_fiscal_years():
    # reports label a fiscal-year target's periods FY2024 from this column, not from targets/
    assert evaluate(LEVEL, series((2021, 110))).period_type == "calendar_year"
    fiscal = make(period_type="fiscal_year", target={"value": 2, "period": 2030})
    assert evaluate(fiscal, series((2021, 1))).period_type == "fiscal_year"


def test_an_observation_on_the_required_path_has_a_gap_of_zero():
    # 10.1 (2020) -> 10.7 (2023): the path passes 10.3 in 2021, which floats compute as
    # 10.1 + 0.6 / 3 = 10.299999999999999; the gap is 0, not the subtraction's 1.8e-15
    target = make(baseline={"period": 2020, "value": 10.1}, target={"value": 10.7, "period": 2023})
    row = evaluate(target, series((2021, 10.3)))
    assert row.expected_value == approx(10.3)
    assert row.gap == 0.0 and row.gap_pct == 0.0
    assert math.copysign(1.0, row.gap) == 1.0  # not -0.0
    assert row.gap_to_target == 0.4


def test_a_difference_loses_only_the_subtractions_noise():
    from kpi.target_eval import difference

    assert difference(37.87, 37.625) == 0.245  # 0.24499999999999744 in floats
    assert difference(10.3, 10.1 + 0.6 / 3) == 0.0
    assert difference(4028.0, 3623.0) == 405.0
    assert difference(1e-20, 0.0) == 1e-20  # a small value is no noise of a larger one
    assert difference(0.0, 0.0) == 0.0
