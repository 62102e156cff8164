"""The benchmark baselines (pandas, one DuckDB query) compute the engine's whole-counting numbers."""

import importlib.util

import polars as pl
import pytest

from kpi import synth_large
from tests.helpers import indicator, run_pipeline

VALUES = ["papers", "intl_papers", "top10_papers", "top10_intl"]
KEY = ["country", "period_start", "field"]


@pytest.fixture(scope="module")
def baselines(repo):
    spec = importlib.util.spec_from_file_location("baselines", repo / "benchmarks" / "baselines.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def engine_and_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    synth_large.write_large(root / "data", 20_000, seed=11)
    result = run_pipeline(root / "data", root / "out")
    assert result.error is None, result.error
    whole = indicator(root / "out", "top10_coauthorship").filter(pl.col("counting") == "whole")
    return whole.select(*KEY, "period_end", "years", *VALUES), root


def joined_on_equal_rows(
    expected: pl.DataFrame, got: pl.DataFrame, on: list[str], same: str, values: list[str]
) -> pl.DataFrame:
    """The two tables joined row for row: the same rows, `same` equal, each value within 1e-9."""
    assert got.height == expected.height
    joined = expected.join(got, on=on, how="inner", suffix="_baseline")
    assert joined.height == expected.height
    assert (joined[same] == joined[f"{same}_baseline"]).all()
    for column in values:
        diff = (joined[column] - joined[f"{column}_baseline"]).abs().max()
        assert diff < 1e-9, column
    return joined


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_baseline_matches_the_engines_whole_counting_table(baselines, engine_and_data, engine):
    expected, root = engine_and_data
    out = root / f"{engine}.parquet"
    getattr(baselines, f"run_{engine}")(root / "data", out)
    assert expected.height > 1_000
    joined = joined_on_equal_rows(expected, pl.read_parquet(out), KEY, "period_end", VALUES)
    # the World row holds exactly a tenth of its papers in Top10% in every window and field
    world = joined.filter(pl.col("country") == "WLD")
    assert ((world["top10_papers_baseline"] - 0.1 * world["papers_baseline"]).abs() < 1e-9).all()


FULL_VALUES = [*VALUES, "top10_domestic", "top10_unknown"]


@pytest.fixture(scope="module")
def engine_full_table(engine_and_data):
    _, root = engine_and_data
    table = indicator(root / "out", "top10_coauthorship")
    return table.select(*KEY, "counting", "period_end", "years", *FULL_VALUES)


@pytest.mark.parametrize("engine", ["pandas_full", "duckdb_full"])
def test_full_baseline_matches_every_number_of_the_engines_table(
    baselines, engine_and_data, engine_full_table, engine
):
    _, root = engine_and_data
    out = root / f"{engine}.parquet"
    if engine == "pandas_full":
        baselines.run_pandas_full(root / "data", out)
    else:
        baselines.run_duckdb(root / "data", out, full=True)
    expected = engine_full_table
    assert set(expected["counting"]) == {"whole", "fractional"}
    assert expected.height > 2_000
    got = pl.read_parquet(out)
    joined = joined_on_equal_rows(expected, got, [*KEY, "counting"], "years", FULL_VALUES)
    # a located paper's fractional credits add up to 1: per window and field the countries'
    # fractional Top10% papers are the World's less those of papers with no located country
    fractional = joined.filter(pl.col("counting") == "fractional")
    cells = ["period_start", "field"]
    countries = (
        fractional.filter(pl.col("country") != "WLD")
        .group_by(cells)
        .agg(pl.col("top10_papers_baseline").sum().alias("countries"))
    )
    world = fractional.filter(pl.col("country") == "WLD").join(countries, on=cells)
    assert world.height == fractional.filter(pl.col("country") == "WLD").height
    assert world["top10_unknown_baseline"].sum() > 0
    located = world["top10_papers_baseline"] - world["top10_unknown_baseline"]
    assert ((world["countries"] - located).abs() < 1e-9).all()
