"""Every mart is checked against its contract as the file that is published."""

import re
import shutil

import polars as pl
import pytest

from kpi.contracts import load_contract
from kpi.errors import DefinitionError
from kpi.validation import count_checks
from tests.helpers import run_pipeline


def test_every_written_mart_is_checked_and_recorded(tmp_path, repo):
    result = run_pipeline(repo / "data", tmp_path / "out")
    assert result.error is None
    checked = result.manifest["mart_contracts"]
    outputs = {o["path"]: o for o in result.manifest["outputs"]}
    written = sorted(p.stem for p in (tmp_path / "out" / "indicators").glob("*.parquet"))
    assert sorted(checked) == written
    for mart, check in checked.items():
        contract = load_contract(repo / "sql" / "marts" / f"{mart}.yaml")
        assert check["rows"] == outputs[f"indicators/{mart}.parquet"]["rows"]
        assert check["checks"] == count_checks(contract)
        assert check["warnings"] == 0
    # the writer records no null in the per-paper mart's key and pub_year within 1900..2100
    proven = checked["top10_paper_weights"]["proven_by_statistics"]
    assert {
        "paper_id: not_nullable",
        "pub_year: greater_than_or_equal_to(1900)",
        "pub_year: less_than_or_equal_to(2100)",
    } <= set(proven)
    report = (tmp_path / "out" / "report" / "audit.html").read_text(encoding="utf-8")
    assert "paper_id: not_nullable" in report


def test_without_statistics_every_rule_is_scanned_and_the_files_are_the_same(tmp_path, repo):
    default = run_pipeline(repo / "data", tmp_path / "a")
    scanned = run_pipeline(repo / "data", tmp_path / "b", validation={"parquet_statistics": False})
    assert default.error is None and scanned.error is None
    assert all(c["proven_by_statistics"] == [] for c in scanned.manifest["mart_contracts"].values())
    for path in sorted((tmp_path / "a" / "indicators").glob("*.parquet")):
        assert path.read_bytes() == (tmp_path / "b" / "indicators" / path.name).read_bytes()


def test_a_mart_breaking_its_contract_fails_the_run_naming_the_file_rows(tmp_path, repo):
    good = run_pipeline(repo / "data", tmp_path / "good")
    assert good.error is None
    papers = pl.read_parquet(tmp_path / "good" / "indicators" / "top10_paper_weights.parquet")
    # the rows a stricter contract (citations <= 5) rejects, counted in the written file
    expected = (papers.with_row_index("row", offset=1).filter(pl.col("citations") > 5))["row"]
    assert 0 < len(expected) < papers.height
    sql = tmp_path / "sql"
    shutil.copytree(repo / "sql", sql)
    contract = sql / "marts" / "top10_paper_weights.yaml"
    text = contract.read_text(encoding="utf-8")
    stricter = text.replace(
        "checks: {ge: 0}\n    unit: citations", "checks: {ge: 0, le: 5}\n    unit: citations"
    )
    assert stricter != text
    contract.write_text(stricter, encoding="utf-8")

    out = tmp_path / "out"
    result = run_pipeline(repo / "data", out, sql=sql)
    assert isinstance(result.error, DefinitionError)
    message = str(result.error)
    assert f"mart top10_paper_weights breaks its contract ({len(expected)} failures)" in message
    named = [int(r) for r in re.findall(r"row (\d+) citations less_than_or_equal_to\(5\)", message)]
    assert named == expected.head(5).to_list()
    # the failed run's directory holds its evidence and no indicator file
    assert result.manifest["status"] == "failed"
    assert (out / "manifest.json").is_file()
    assert not (out / "indicators").exists()


def test_a_published_nan_or_infinity_fails_the_mart_check(tmp_path, repo):
    # NaN counts as an empty cell in the value checks of inputs; in a published indicator it is
    # a model's fault (0.0 / 0.0 is NaN in DuckDB, an empty value is NULL), so marts refuse it
    import duckdb

    from kpi.pipeline import check_exported_mart

    good = run_pipeline(repo / "data", tmp_path / "good")
    assert good.error is None
    path = tmp_path / "good" / "indicators" / "top10_coauthorship.parquet"
    frame = pl.read_parquet(path)
    row = pl.int_range(pl.len())
    # rows 1 and 3 (file rows): a NaN share, which `le: 100` alone would not catch, and -inf
    bad = frame.with_columns(
        pl.when(row == 0).then(float("nan")).otherwise(pl.col("top10_intl_share_pct"))
        .alias("top10_intl_share_pct"),
        pl.when(row == 2).then(float("-inf")).otherwise(pl.col("papers")).alias("papers"),
    )  # fmt: skip
    written = tmp_path / "top10_coauthorship.parquet"
    bad.write_parquet(written)
    contract = load_contract(repo / "sql" / "marts" / "top10_coauthorship.yaml")
    with pytest.raises(DefinitionError) as caught:
        check_exported_mart(duckdb.connect(), "top10_coauthorship", contract, written)
    message = str(caught.value)
    assert "row 1 top10_intl_share_pct finite 'nan'" in message
    assert "row 3 papers finite '-inf'" in message
    # the same file untouched passes
    assert check_exported_mart(duckdb.connect(), "top10_coauthorship", contract, path)["rows"]
