"""The exchange family: fiscal-year and term derivation, vintages, totals, breaks, audits."""

import polars as pl
import pytest

from kpi.config import ExchangeOptions
from kpi.errors import AuditFailed
from tests.helpers import indicator, run_pipeline, write_csv

SOURCE = {"source": "fixture", "vintage": 2025}


def trip(trip_id, direction, days, start=None, fy=None, country=None):
    return {"trip_id": trip_id, "direction": direction, "start_date": start, "fiscal_year": fy,
            "duration_days": days, "country": country, **SOURCE}  # fmt: skip


def value(frame: pl.DataFrame, fy: int, direction: str, term: str, column="researchers"):
    rows = frame.filter(
        (pl.col("fiscal_year") == fy)
        & (pl.col("direction") == direction)
        & (pl.col("term") == term)
    )
    assert rows.height == 1, (fy, direction, term, rows)
    return rows[column][0]


@pytest.fixture
def trips_run(tmp_path):
    data = tmp_path / "data"
    write_csv(data, "exchange_trips", [
        trip("t1", "dispatch", 30, start="2024-03-31"),   # 31 March -> FY2023; 30 days -> short
        trip("t2", "dispatch", 31, start="2024-04-01"),   # 1 April -> FY2024; 31 days -> mid_long
        trip("t3", "dispatch", 30, start="2024-04-01"),   # FY2024 short
        trip("t4", "dispatch", 400, fy=2024),             # no date: FY given; mid_long
        trip("t5", "dispatch", 1, start="2025-01-15", country="USA"),  # Jan 2025 -> FY2024 short
        trip("t6", "accept", 90, start="2023-06-01"),     # FY2023 accept mid_long
    ])  # fmt: skip
    result = run_pipeline(data, tmp_path / "out")
    assert result.exit_code == 0, result.error
    return result, indicator(tmp_path / "out", "exchange_researchers")


def test_trips_get_fiscal_year_from_april_and_term_from_30_days(trips_run):
    _, mart = trips_run
    assert value(mart, 2023, "dispatch", "short") == 1  # t1
    assert value(mart, 2024, "dispatch", "short") == 2  # t3, t5
    assert value(mart, 2024, "dispatch", "mid_long") == 2  # t2, t4
    assert value(mart, 2024, "dispatch", "total") == 4
    assert value(mart, 2023, "accept", "mid_long") == 1  # t6


def test_a_term_without_trips_counts_zero_and_shares_and_changes(trips_run):
    _, mart = trips_run
    # FY2023 dispatch has only a short trip: trip records cover the whole year, so it had 0
    # mid/long-term trips (not an unpublished figure), and its total is 1
    assert value(mart, 2023, "dispatch", "mid_long") == 0
    assert value(mart, 2023, "dispatch", "total") == 1
    assert value(mart, 2023, "dispatch", "short", "short_share_pct") == pytest.approx(100.0)
    assert value(mart, 2023, "accept", "short") == 0  # t6 is the year's only acceptance
    assert value(mart, 2023, "accept", "total") == 1
    # no trip at all in a year and direction: nothing is known, no row (FY2024 accept)
    assert mart.filter(
        (pl.col("fiscal_year") == 2024) & (pl.col("direction") == "accept")
    ).is_empty()
    assert value(mart, 2024, "dispatch", "short", "short_share_pct") == pytest.approx(50.0)  # 2/4
    assert value(mart, 2024, "dispatch", "short", "yoy_change_pct") == pytest.approx(
        100.0
    )  # 1 -> 2
    # FY2023 had 0 mid/long-term dispatches: a change from 0 is not a percentage
    assert value(mart, 2024, "dispatch", "mid_long", "yoy_change_pct") is None


def test_trip_breakdown_that_differs_from_national_is_a_warning(trips_run):
    result, _ = trips_run
    audit = next(a for a in result.audits if a.name == "exchange_breakdown_matches_national")
    # the USA row holds 1 of FY2024's 2 short dispatches (t3 has no country)
    assert audit.severity == "warn" and audit.rows == 1
    assert audit.sample[0]["breakdown_researchers"] == 1
    assert audit.sample[0]["national_researchers"] == 2


def test_invalid_trip_rows_are_all_reported(tmp_path):
    data = tmp_path / "data"
    write_csv(data, "exchange_trips", [
        trip("a", "dispatch", 10),                                  # neither date nor FY
        trip("b", "dispatch", 10, start="2024-03-31", fy=2024),     # 31 March is FY2023
        trip("c", "abroad", 0, fy=2024),                            # bad direction, 0 days
    ])  # fmt: skip
    result = run_pipeline(data, tmp_path / "out")
    assert result.exit_code == 1
    found = {(f.row, f.column, f.check) for f in result.report.failures}
    assert (1, None, "start_date_or_fiscal_year") in found
    assert (2, None, "fiscal_year_matches_start_date") in found
    assert (3, "direction", "isin(['dispatch', 'accept'])") in found
    assert (3, "duration_days", "greater_than_or_equal_to(1)") in found


def test_shipped_series_latest_vintage_hand_checked(tmp_path, repo):
    result = run_pipeline(repo / "data", tmp_path / "out")
    assert result.exit_code == 0, result.error
    mart = indicator(tmp_path / "out", "exchange_researchers")
    # 32 fiscal years x 2 directions x 3 terms
    assert mart.height == 32 * 2 * 3
    # FY2024 dispatch: 115,767 short + 4,028 mid/long (MEXT 令和6年度の状況)
    assert value(mart, 2024, "dispatch", "total") == 119_795
    assert value(mart, 2024, "dispatch", "total", "yoy_change_pct") == pytest.approx(
        (119_795 - 110_236) / 110_236 * 100
    )
    assert value(mart, 2024, "dispatch", "mid_long", "short_share_pct") == pytest.approx(
        115_767 / 119_795 * 100
    )
    # FY2018 was revised: the latest edition's 173,530 is used and flagged as revised
    assert value(mart, 2018, "dispatch", "short") == 173_530
    assert value(mart, 2018, "dispatch", "short", "revised") is True
    assert value(mart, 2018, "dispatch", "mid_long", "revised") is False  # unchanged value
    # series breaks: COVID for both directions; FY2013 de-duplication for accepted only
    assert value(mart, 2020, "accept", "total", "series_break") is True
    assert value(mart, 2013, "accept", "short", "series_break") is True
    assert value(mart, 2013, "dispatch", "short", "series_break") is False
    assert value(mart, 2008, "dispatch", "short", "series_break") is True
    assert value(mart, 2008, "accept", "short", "series_break") is False
    assert value(mart, 2016, "dispatch", "total", "break_note") is None
    # regional sums fall short of the national totals in all four FY2024 cells
    audit = next(a for a in result.audits if a.name == "exchange_breakdown_matches_national")
    differences = {(r["direction"], r["term"]): r["difference"] for r in audit.sample}
    assert differences == {
        ("dispatch", "short"): -127, ("dispatch", "mid_long"): -50,
        ("accept", "short"): -492, ("accept", "mid_long"): -647,
    }  # fmt: skip


def test_first_published_vintage_on_request(tmp_path, repo):
    result = run_pipeline(
        repo / "data", tmp_path / "out", exchange=ExchangeOptions(vintage="first")
    )
    assert result.exit_code == 0, result.error
    mart = indicator(tmp_path / "out", "exchange_researchers")
    # first publications (README of shared/): FY2018 dispatch total 177,158; FY2019 accept 34,678
    assert value(mart, 2018, "dispatch", "total") == 177_158
    assert value(mart, 2019, "accept", "total") == 34_678
    assert value(mart, 2018, "dispatch", "short", "vintage") == 2018


def test_the_same_figure_from_both_forms_stops_the_run(tmp_path):
    data = tmp_path / "data"
    write_csv(data, "exchange", [
        {"fiscal_year": 2024, "direction": "dispatch", "term": "short", "researchers": 7, **SOURCE},
    ])  # fmt: skip
    write_csv(data, "exchange_trips", [trip("x", "dispatch", 3, fy=2024)])
    result = run_pipeline(data, tmp_path / "out")
    assert isinstance(result.error, AuditFailed) and result.exit_code == 1
    assert "exchange_forms_do_not_overlap" in str(result.error)
    assert not (tmp_path / "out" / "indicators").exists()
