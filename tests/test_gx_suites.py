"""Great Expectations suites built from the contracts, and their agreement with pandera."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from kpi import sql_checks
from kpi.contracts import Contract
from kpi.gx_suites import (
    FOREIGN_KEY,
    ROW_CHECK,
    UNPARSED,
    batch_frame,
    derived_columns,
    expectation_specs,
)
from kpi.validation import _column_checks, validate_frames

HEADER = "fiscal_year,direction,term,researchers,institution_type,region,country,source,vintage"


def tiny_contract() -> Contract:
    return Contract.model_validate(
        {
            "dataset": "trips",
            "title": {"ja": "試験", "en": "Test"},
            "key": ["year", "kind"],
            "columns": {
                "year": {"type": "int32", "checks": {"ge": 2000, "le": 2030},
                         "description": {"ja": "年", "en": "Year"}},
                "kind": {"type": "str", "checks": {"isin": ["a", "b"]},
                         "description": {"ja": "種別", "en": "Kind"}},
                "count": {"type": "int64", "checks": {"ge": 0}, "severity": "warning",
                          "description": {"ja": "数", "en": "Count"}},
                "note": {"type": "str", "nullable": True, "checks": {"str_length_max": 5},
                         "description": {"ja": "注", "en": "Note"}},
            },
            "row_checks": [{"name": "note_only_for_b", "expr": "note IS NULL OR kind = 'b'",
                            "severity": "warning",
                            "description": {"ja": "注はbのみ", "en": "Notes only on b"}}],
        }
    )  # fmt: skip


def test_every_rule_of_the_contract_becomes_one_expectation_with_its_severity():
    specs = expectation_specs(tiny_contract())
    got = {(s.type, s.column, s.check, s.severity) for s in specs}
    # Worked out from the contract above: table shape (2), year required (exist, not null),
    # typed (dtype), ge, le; kind required, isin; count required, typed, ge at the column's
    # warning severity; note only its length; the two-column key; the row check (warning).
    assert got == {
        ("ExpectTableColumnsToMatchSet", None, "columns_match_contract", "critical"),
        ("ExpectTableRowCountToBeBetween", None, "not_empty", "critical"),
        ("ExpectColumnToExist", "year", "column_present", "critical"),
        ("ExpectColumnValuesToNotBeNull", "year", "not_nullable", "critical"),
        ("ExpectColumnValuesToBeNull", "year", "dtype(int32)", "critical"),
        ("ExpectColumnValuesToBeBetween", "year", "ge: 2000", "critical"),
        ("ExpectColumnValuesToBeBetween", "year", "le: 2030", "critical"),
        ("ExpectColumnToExist", "kind", "column_present", "critical"),
        ("ExpectColumnValuesToNotBeNull", "kind", "not_nullable", "critical"),
        ("ExpectColumnValuesToBeInSet", "kind", "isin: ['a', 'b']", "critical"),
        ("ExpectColumnToExist", "count", "column_present", "critical"),
        ("ExpectColumnValuesToNotBeNull", "count", "not_nullable", "critical"),
        ("ExpectColumnValuesToBeNull", "count", "dtype(int64)", "critical"),
        ("ExpectColumnValuesToBeBetween", "count", "ge: 0", "warning"),
        ("ExpectColumnValueLengthsToBeBetween", "note", "str_length_max: 5", "critical"),
        ("ExpectCompoundColumnsToBeUnique", None, "key: year, kind", "critical"),
        ("ExpectColumnValuesToBeInSet", None, "row_check: note_only_for_b", "warning"),
    }
    assert len(specs) == 17
    shape = specs[0].kwargs["column_set"]
    assert shape == ["year", "kind", "count", "note", *derived_columns(tiny_contract())]


def test_suite_expectations_carry_severity_and_check_in_meta():
    from kpi.gx_suites import build_suite, gx_context

    gx_context()
    suite = build_suite(tiny_contract())
    metas = [e.meta for e in suite.expectations]
    assert len(metas) == 17
    assert all(m["severity"] in ("critical", "warning") for m in metas)
    warning = [e for e in suite.expectations if e.meta["severity"] == "warning"]
    assert {e.meta["check"] for e in warning} == {"ge: 0", "row_check: note_only_for_b"}
    assert all(e.severity.value == e.meta["severity"] for e in suite.expectations)


def test_batch_keeps_unparsable_text_and_evaluates_row_checks():
    raw = pl.DataFrame(
        {"year": ["2020", "20x0", None], "kind": ["a", "b", "a"], "count": ["1", "2", "3"],
         "note": [None, "ok", "bad"]}
    )  # fmt: skip
    frame = batch_frame(tiny_contract(), raw, {})
    # "20x0" does not parse as int32: typed value missing, the text kept for the auditor
    assert frame["year"].isna().tolist() == [False, True, True]
    assert frame[UNPARSED + "year"].tolist()[1] == "20x0"
    assert frame[UNPARSED + "year"].isna().tolist() == [True, False, True]
    # note only on kind b: row 3 (kind a, note "bad") breaks it
    assert frame[ROW_CHECK + "note_only_for_b"].tolist() == [True, True, False]


def test_batch_names_the_orphan_keys_of_a_foreign_key():
    child = Contract.model_validate(
        {
            "dataset": "child",
            "title": {"ja": "子", "en": "Child"},
            "columns": {"parent_id": {"type": "str", "nullable": True,
                                      "description": {"ja": "親", "en": "Parent"}}},
            "foreign_keys": [{"columns": ["parent_id"], "references": "parent.id"}],
        }
    )  # fmt: skip
    parent = pl.DataFrame({"id": ["a", "b"]})
    frame = batch_frame(
        child, pl.DataFrame({"parent_id": ["a", "zz", None, "b"]}), {"parent": parent}
    )
    # "zz" has no parent; a missing key is not an orphan (nullable column)
    assert frame[FOREIGN_KEY + "parent_id"].tolist()[1] == "zz"
    assert frame[FOREIGN_KEY + "parent_id"].isna().tolist() == [True, False, True, True]
    (spec,) = [s for s in expectation_specs(child) if s.check.startswith("foreign_key")]
    assert (spec.type, spec.column, spec.severity) == (
        "ExpectColumnValuesToBeNull",
        "parent_id",
        "critical",
    )


def _bad_exchange(directory: Path) -> Path:
    """Six rows, each broken in a known way (rows are 1-based data rows)."""
    source = "src"
    rows = [
        f"1850,accept,mid_long,10,,,,{source},2024",  # 1: fiscal_year < 1980
        f"1993,outbound,short,-5,,,,{source},2024",  # 2: unknown direction, negative count
        f"1993,dispatch,mid_long,abc,,,,{source},2024",  # 3: researchers not an integer
        f"1993,dispatch,short,7,univ,asia,jp,{source},2024",  # 4: country pattern; 2 breakdowns
        f"1994,accept,mid_long,6,,,,{source},2024",  # 5: duplicate key with 6
        f"1994,accept,mid_long,6,,,,{source},2024",  # 6
        f"1995,accept,short,3,,,,{source},2024",  # 7: fine
    ]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "exchange.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return directory


def _gx_failed_cells(gx_dir: Path, dataset: str) -> set[tuple[int, str | None]]:
    result = json.loads((gx_dir / f"{dataset}.json").read_text(encoding="utf-8"))
    cells = set()
    for outcome in result["results"]:
        if outcome["success"]:
            continue
        meta = outcome["expectation_config"]["meta"]
        for index in outcome["result"].get("unexpected_index_list") or []:
            cells.add((index + 1, meta.get("column")))
    return cells


def test_gx_and_pandera_agree_on_a_good_and_a_bad_input(kpi, tmp_path, repo):
    good_out, bad_out = tmp_path / "good", tmp_path / "bad"
    good_data = tmp_path / "good_data"
    good_data.mkdir()
    (good_data / "exchange.csv").write_bytes((repo / "data" / "exchange.csv").read_bytes())

    good = kpi("validate", "--data", good_data, "--out", good_out)
    assert good.returncode == 0, good.stderr
    summary = json.loads((good_out / "validation" / "gx" / "summary.json").read_text())
    assert summary["passed"] is True and summary["agrees_with_pandera"] is True
    assert summary["datasets"]["exchange"]["failed_critical"] == 0

    bad = kpi("validate", "--data", _bad_exchange(tmp_path / "bad_data"), "--out", bad_out)
    assert bad.returncode == 1
    gx_summary = json.loads((bad_out / "validation" / "gx" / "summary.json").read_text())
    assert gx_summary["passed"] is False and gx_summary["agrees_with_pandera"] is True
    pandera = pl.read_csv(bad_out / "validation" / "failures.csv")
    pandera_rows = set(pandera.filter(pl.col("dataset") == "exchange")["row"].to_list())
    gx_cells = _gx_failed_cells(bad_out / "validation" / "gx", "exchange")
    # the rows broken on purpose above, found by both
    assert pandera_rows == {r for r, _ in gx_cells} == {1, 2, 3, 4, 5, 6}
    column_cells = {(r, c) for r, c in gx_cells if c is not None}
    assert column_cells == {
        (1, "fiscal_year"), (2, "direction"), (2, "researchers"), (3, "researchers"),
        (4, "country"),
    }  # fmt: skip
    pandera_cells = set(
        pandera.filter(
            pl.col("column").is_in(["fiscal_year", "direction", "researchers", "country"])
        )
        .select("row", "column")
        .iter_rows()
    )
    assert pandera_cells == column_cells


def test_unreadable_file_fails_the_gx_report_too(kpi, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "exchange.csv").write_bytes(b"")
    result = kpi("validate", "--data", data, "--out", tmp_path / "out")
    assert result.returncode == 1
    summary = json.loads((tmp_path / "out" / "validation" / "gx" / "summary.json").read_text())
    exchange = summary["datasets"]["exchange"]
    assert exchange["success"] is False and exchange["agrees_with_pandera"] is True
    assert "readable" in exchange["note"]


def test_no_gx_skips_the_suites(kpi, tmp_path, repo):
    data = tmp_path / "data"
    data.mkdir()
    (data / "exchange.csv").write_bytes((repo / "data" / "exchange.csv").read_bytes())
    result = kpi("validate", "--no-gx", "--data", data, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "validation" / "summary.json").is_file()
    assert not (tmp_path / "out" / "validation" / "gx").exists()


def test_run_with_gx_records_the_suites_in_the_manifest(kpi, tmp_path, repo):
    data = tmp_path / "data"
    data.mkdir()
    (data / "exchange.csv").write_bytes((repo / "data" / "exchange.csv").read_bytes())
    out = tmp_path / "out"
    result = kpi("run", "--gx", "--data", data, "--out", out)
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "manifest.json").read_text())
    assert record["validation"]["great_expectations"]["passed"] is True
    listed = {o["path"] for o in record["outputs"]}
    assert {"validation/gx/exchange.json", "validation/gx/suites/exchange.json"} <= listed
    suite = json.loads((out / "validation" / "gx" / "suites" / "exchange.json").read_text())
    assert {e["meta"]["severity"] for e in suite["expectations"]} <= {"critical", "warning"}
    # the validation option adds checks but leaves the indicators (and the run id) alone
    plain = kpi("run", "--data", data, "--out", tmp_path / "plain")
    assert plain.returncode == 0, plain.stderr
    assert (
        json.loads((tmp_path / "plain" / "manifest.json").read_text())["run_id"]
        == (record["run_id"])
    )


@pytest.mark.parametrize("module", ["kpi.cli", "kpi.pipeline", "kpi.gx_suites", "kpi.report"])
def test_great_expectations_is_imported_lazily(module):
    code = f"import sys, {module}; print('great_expectations' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert shown.stdout.strip() == "False", shown.stderr


# --- the three engines on contracts the shipped ones do not exercise -------------------------

NAN = float("nan")


def user_contract(columns: dict, key: list[str]) -> Contract:
    described = {n: {**c, "description": {"ja": n, "en": n}} for n, c in columns.items()}
    return Contract.model_validate(
        {"dataset": "user", "title": {"ja": "利用者", "en": "User"}, "key": key,
         "columns": described}
    )  # fmt: skip


def _gx_check(contract: Contract, meta: dict) -> tuple[str | None, str]:
    """A GX expectation's (column, check) in pandera's names (the key as its columns)."""
    check, column = meta["check"], meta.get("column")
    if check.startswith("key: "):
        return ",".join(contract.key), "multiple_fields_uniqueness"
    col = contract.columns.get(column)
    kind = check.split(":")[0]
    if col is not None and kind in col.checks:
        labels = dict(zip(col.checks, (c.error for c in _column_checks(col)), strict=True))
        return column, labels[kind]
    return column, check


def _written(tmp_path: Path, frame: pl.DataFrame) -> Path:
    path = tmp_path / "user.parquet"
    frame.write_parquet(path)
    return path


def three_engines(tmp_path: Path, contract: Contract, frame: pl.DataFrame) -> dict[str, set]:
    """(row, column, check) of every failure, in pandera's check names, from pandera (the
    frame), DuckDB (the frame as a Parquet file) and Great Expectations (its batch)."""
    from kpi.gx_suites import gx_context, run_suite

    _, report = validate_frames({"user": (frame, None)}, {"user": contract})
    path = _written(tmp_path, frame)
    con = duckdb.connect()
    present, statistics = sql_checks.parquet_facts(con, path, True)
    by_duckdb, _ = sql_checks.check_parquet(
        con, "user", path, contract, "user.parquet", present, frame.height, statistics
    )
    shown = [
        sorted(((f.row, f.column, f.check, f.value, f.severity) for f in found), key=repr)
        for found in (report.failures, by_duckdb)
    ]
    assert shown[0] == shown[1]  # pandera and DuckDB show the same values too
    _, result = run_suite(gx_context(), contract, batch_frame(contract, frame, {}))
    by_gx = set()
    for outcome in result["results"]:
        if not outcome["success"]:
            column, check = _gx_check(contract, outcome["expectation_config"]["meta"])
            rows = outcome["result"].get("unexpected_index_list") or [None]
            by_gx |= {(None if i is None else i + 1, column, check) for i in rows}
    return {
        "pandera": {(f.row, f.column, f.check) for f in report.failures},
        "duckdb": {(f.row, f.column, f.check) for f in by_duckdb},
        "gx": by_gx,
    }


@pytest.mark.parametrize(("nullable", "unique"), [(True, False), (True, True), (False, False)])
def test_two_empty_cells_of_a_one_column_key_are_duplicates_in_all_three_engines(
    tmp_path, nullable, unique
):
    contract = user_contract(
        {"id": {"type": "str", "nullable": nullable, "unique": unique}, "n": {"type": "int64"}},
        key=["id"],
    )
    frame = pl.DataFrame({"id": [None, "a", None, "b", "a"], "n": [1, 2, 3, 4, 5]})
    found = three_engines(tmp_path, contract, frame)
    # by hand: rows 1 and 3 share the empty key, rows 2 and 5 the key "a"; a unique column
    # skips empty cells (only 2 and 5 break it); a required column's empty cells are missing
    key = {(r, "id", "multiple_fields_uniqueness") for r in (1, 3, 2, 5)}
    expected = key | {(r, "id", "unique") for r in (2, 5) if unique}
    expected |= {(r, "id", "not_nullable") for r in (1, 3) if not nullable}
    assert found == {"pandera": expected, "duckdb": expected, "gx": expected}


def test_nan_is_a_missing_value_that_passes_every_value_check_in_all_three_engines(tmp_path):
    bounded = {
        "ge_le": {"ge": 0, "le": 1},
        "gt_lt": {"gt": 0, "lt": 1},
        "in_range": {"in_range": [0, 1]},
        "isin": {"isin": [0.5]},
    }
    contract = user_contract(
        {
            **{n: {"type": "float64", "nullable": True, "checks": c} for n, c in bounded.items()},
            "required": {"type": "float64", "checks": {"le": 1}},
            "n": {"type": "int64"},
        },
        key=["n"],
    )
    values = [0.5, NAN, None, 2.0, -1.0]  # fine, NaN, empty, too high, too low
    frame = pl.DataFrame({**{n: values for n in bounded}, "required": values, "n": [1, 2, 3, 4, 5]})
    found = three_engines(tmp_path, contract, frame)
    # by hand: NaN (row 2) passes every check as the empty cell (row 3) does, above the upper
    # bounds as below the lower ones; in the required column both are missing, once each
    expected = {
        (4, "ge_le", "less_than_or_equal_to(1)"),
        (5, "ge_le", "greater_than_or_equal_to(0)"),
        (4, "gt_lt", "less_than(1)"),
        (5, "gt_lt", "greater_than(0)"),
        (4, "in_range", "in_range(0, 1)"),
        (5, "in_range", "in_range(0, 1)"),
        (4, "isin", "isin([0.5])"),
        (5, "isin", "isin([0.5])"),
        (2, "required", "not_nullable"),
        (3, "required", "not_nullable"),
        (4, "required", "less_than_or_equal_to(1)"),
    }
    assert found == {"pandera": expected, "duckdb": expected, "gx": expected}


@pytest.mark.parametrize("key", [["value"], ["group", "value"]])
def test_nan_in_a_key_or_unique_column_is_an_empty_cell_in_all_three_engines(tmp_path, key):
    contract = user_contract(
        {
            "group": {"type": "str"},
            "value": {"type": "float64", "nullable": True},
            "code": {"type": "float64", "nullable": True, "unique": True},
        },
        key=key,
    )
    frame = pl.DataFrame(
        {
            "group": ["a", "a", "a", "b", "b"],
            "value": [NAN, None, 1.0, 2.0, 2.0],
            "code": [NAN, NAN, 1.0, None, 1.0],
        }
    )
    found = three_engines(tmp_path, contract, frame)
    # by hand: NaN and the empty cell are the same empty key (rows 1, 2), as are rows 4 and 5
    # (group b, 2.0) in either key; `code` skips its NaN and empty cells: rows 3 and 5 share 1.0
    column = ",".join(key)
    expected = {(r, column, "multiple_fields_uniqueness") for r in (1, 2, 4, 5)}
    expected |= {(3, "code", "unique"), (5, "code", "unique")}
    assert found == {"pandera": expected, "duckdb": expected, "gx": expected}


def test_a_file_sorted_on_a_float_key_still_has_nan_and_empty_as_duplicates(tmp_path):
    contract = user_contract(
        {"value": {"type": "float64", "nullable": True}, "n": {"type": "int64"}}, key=["value"]
    )
    frame = pl.DataFrame({"value": [1.0, 2.0, NAN, None], "n": [1, 2, 3, 4]})
    stats = sql_checks.parquet_statistics(duckdb.connect(), _written(tmp_path, frame))
    assert stats["value"].ordered  # one row group: the file looks sorted on its key
    # by hand: each row lies above the one before (NaN above every number, the empty cell
    # last), yet NaN and the empty cell are the same empty key: rows 3 and 4
    expected = {
        (3, "value", "multiple_fields_uniqueness"),
        (4, "value", "multiple_fields_uniqueness"),
    }
    found = three_engines(tmp_path, contract, frame)
    assert found == {"pandera": expected, "duckdb": expected, "gx": expected}
