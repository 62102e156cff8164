"""Small builders for fixture data directories and pipeline runs used across tests."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from kpi.config import load_settings
from kpi.pipeline import RunResult, run


def write_csv(directory: Path, dataset: str, rows: list[dict]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{dataset}.csv"
    pl.DataFrame(rows, infer_schema_length=None).write_csv(path)
    return path


def run_pipeline(data: Path, out: Path, **overrides) -> RunResult:
    return run(load_settings(None, data=data, out=out, **overrides))


def indicator(out: Path, mart: str) -> pl.DataFrame:
    return pl.read_parquet(out / "indicators" / f"{mart}.parquet")


def assert_names_the_place(error, path: Path, row: int | None, column: str | None, value=None):
    """An import error names the file, the row, the column and (when given) the value."""
    assert (error.path, error.row, error.column) == (str(path), row, column)
    if value is not None:
        assert error.value == value
    assert str(path) in str(error)
