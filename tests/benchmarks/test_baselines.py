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


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_baseline_matches_the_engines_whole_counting_table(baselines, engine_and_data, engine):
    expected, root = engine_and_data
    out = root / f"{engine}.parquet"
    getattr(baselines, f"run_{engine}")(root / "data", out)
    got = pl.read_parquet(out)
    assert got.height == expected.height > 1_000
    joined = expected.join(got, on=KEY, how="inner", suffix="_baseline")
    assert joined.height == expected.height
    assert (joined["period_end"] == joined["period_end_baseline"]).all()
    for column in VALUES:
        diff = (joined[column] - joined[f"{column}_baseline"]).abs().max()
        assert diff < 1e-9, column
    # the World row holds exactly a tenth of its papers in Top10% in every window and field
    world = joined.filter(pl.col("country") == "WLD")
    assert ((world["top10_papers_baseline"] - 0.1 * world["papers_baseline"]).abs() < 1e-9).all()
