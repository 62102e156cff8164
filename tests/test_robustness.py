"""Bad inputs through the real CLI: exit 1, a message naming file/row/column/check, no output lost."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

WIDE = {"COLUMNS": "400"}  # one table line per failure, nothing folded
KEY = "fiscal_year,direction,term,institution_type,region,country,vintage"


@dataclass
class Case:
    """A broken input directory and what the run must say about it."""

    name: str
    build: Callable[[Path, Path], list[str]]  # (data dir, repo) -> extra CLI arguments
    file: str  # the file the message must name (file column, or the value for a missing file)
    failures: list[tuple[int | None, str | None, str]]  # (row, column, check) that must appear


def _lines(repo: Path) -> list[str]:
    return (repo / "data" / "exchange.csv").read_text(encoding="utf-8").splitlines()


def _write(data: Path, lines: list[str]) -> None:
    (data / "exchange.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _edit(row: int, column: str, value: str) -> Callable[[Path, Path], list[str]]:
    """Set one cell (1-based data row) of the shipped table."""

    def build(data: Path, repo: Path) -> list[str]:
        lines = _lines(repo)
        header = lines[0].split(",")
        cells = lines[row].split(",")
        cells[header.index(column)] = value
        lines[row] = ",".join(cells)
        _write(data, lines)
        return []

    return build


def _frame(repo: Path) -> pl.DataFrame:
    return pl.read_csv(repo / "data" / "exchange.csv", infer_schema=False)


def empty_file(data: Path, repo: Path) -> list[str]:
    (data / "exchange.csv").write_bytes(b"")
    return []


def header_only(data: Path, repo: Path) -> list[str]:
    _write(data, _lines(repo)[:1])
    return []


def renamed_column(data: Path, repo: Path) -> list[str]:
    _frame(repo).rename({"researchers": "reseachers"}).write_csv(data / "exchange.csv")
    return []


def missing_column(data: Path, repo: Path) -> list[str]:
    _frame(repo).drop("term").write_csv(data / "exchange.csv")
    return []


def extra_column(data: Path, repo: Path) -> list[str]:
    _frame(repo).with_columns(pl.lit("x").alias("comment")).write_csv(data / "exchange.csv")
    return []


def duplicate_key(data: Path, repo: Path) -> list[str]:
    lines = _lines(repo)
    _write(data, [*lines[:6], lines[5], *lines[6:]])  # data row 5 again, as row 6
    return []


def shift_jis_as_utf8(data: Path, repo: Path) -> list[str]:
    text = (repo / "data" / "exchange.csv").read_text(encoding="utf-8")
    (data / "exchange.csv").write_bytes(text.encode("cp932"))
    config = data.parent / "utf8.toml"
    config.write_text('[input]\nencoding = "utf-8"\n', encoding="utf-8")
    return ["--config", str(config)]


def truncated_parquet(data: Path, repo: Path) -> list[str]:
    whole = data.parent / "whole.parquet"
    _frame(repo).write_parquet(whole)
    blob = whole.read_bytes()
    (data / "exchange.parquet").write_bytes(blob[: len(blob) // 2])
    return []


def excel_merged_header(data: Path, repo: Path) -> list[str]:
    openpyxl = pytest.importorskip("openpyxl")
    frame = _frame(repo)
    book = openpyxl.Workbook()
    sheet = book.active
    # a title row merged over the first four columns, as spreadsheets for people often have
    sheet.append(["研究者の派遣・受入数"] + [None] * (frame.width - 1))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    book.save(data / "exchange.xlsx")
    return []


def required_file_missing(data: Path, repo: Path) -> list[str]:
    # most datasets are optional; a contract can make one required (optional: false)
    schemas = data.parent / "schemas"
    shutil.copytree(repo / "schemas", schemas)
    contract = schemas / "exchange.yaml"
    contract.write_text(contract.read_text(encoding="utf-8") + "optional: false\n", "utf-8")
    config = data.parent / "required.toml"
    config.write_text(f'schemas = "{schemas.as_posix()}"\n', encoding="utf-8")
    return ["--config", str(config)]


CASES = [
    Case("empty file", empty_file, "exchange.csv", [(None, None, "readable")]),
    Case("header only", header_only, "exchange.csv", [(None, None, "not_empty")]),
    Case("renamed column", renamed_column, "exchange.csv",
         [(None, "researchers", "column_present"), (None, "reseachers", "column_in_contract")]),
    Case("missing column", missing_column, "exchange.csv", [(None, "term", "column_present")]),
    Case("extra column", extra_column, "exchange.csv", [(None, "comment", "column_in_contract")]),
    Case("wrong type", _edit(3, "researchers", "12a"), "exchange.csv",
         [(3, "researchers", "dtype(int64)")]),
    Case("wrong date", _edit(7, "published", "2026-13-01"), "exchange.csv",
         [(7, "published", "dtype(date)")]),
    Case("negative count", _edit(2, "researchers", "-5"), "exchange.csv",
         [(2, "researchers", "greater_than_or_equal_to(0)")]),
    Case("duplicate key", duplicate_key, "exchange.csv",
         [(5, KEY, "multiple_fields_uniqueness"), (6, KEY, "multiple_fields_uniqueness")]),
    Case("unknown category", _edit(4, "direction", "sideways"), "exchange.csv",
         [(4, "direction", "isin(['dispatch', 'accept'])")]),
    Case("fiscal year too early", _edit(1, "fiscal_year", "1850"), "exchange.csv",
         [(1, "fiscal_year", "greater_than_or_equal_to(1980)")]),
    Case("fiscal year too late", _edit(9, "fiscal_year", "2101"), "exchange.csv",
         [(9, "fiscal_year", "less_than_or_equal_to(2100)")]),
    Case("Shift_JIS read as UTF-8", shift_jis_as_utf8, "exchange.csv",
         [(None, None, "readable")]),
    Case("truncated Parquet", truncated_parquet, "exchange.parquet", [(None, None, "readable")]),
    Case("Excel merged header", excel_merged_header, "exchange.xlsx",
         [(None, "fiscal_year", "column_present"),
          (None, "研究者の派遣・受入数", "column_in_contract")]),
    Case("required file missing", required_file_missing, "exchange.csv|parquet|xlsx",
         [(None, None, "file_present")]),
]  # fmt: skip


def _table_rows(stderr: str) -> list[list[str]]:
    """The cells of the failure table the CLI prints (dataset, file, row, column, check, ...)."""
    rows = []
    for line in stderr.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 7:
            rows.append(cells)
    return rows


def _snapshot(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def good_out(tmp_path_factory, repo) -> Path:
    """A successful run to protect: every bad run below must leave it byte for byte."""
    from tests.conftest import run_kpi

    base = tmp_path_factory.mktemp("good")
    (base / "data").mkdir()
    shutil.copy(repo / "data" / "exchange.csv", base / "data" / "exchange.csv")
    result = run_kpi("run", "--data", base / "data", "--out", base / "out")
    assert result.returncode == 0, result.stderr
    return base / "out"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_fails_loudly_and_loses_nothing(case, kpi, good_out, tmp_path, repo):
    data = tmp_path / "data"
    data.mkdir()
    args = case.build(data, repo)
    out = tmp_path / "out"
    shutil.copytree(good_out, out)
    before = _snapshot(out)

    result = kpi("run", "--data", data, "--out", out, *args, env=WIDE)

    assert result.returncode == 1, result.stdout + result.stderr
    # the message: every expected (row, column, check) is a row of the table, naming the file
    shown = _table_rows(result.stderr)
    for row, column, check in case.failures:
        matches = [
            r for r in shown
            if r[0] == "exchange" and r[3] == (column or "") and r[4] == check
            and r[2] == ("" if row is None else str(row))
        ]  # fmt: skip
        assert matches, f"{(row, column, check)} not in {shown}\n{result.stderr}"
        assert all(case.file in (r[1], r[5]) for r in matches), matches
    # the same failures, exactly, in the evidence
    evidence = out.with_name("out.failed")
    failures = pl.read_csv(evidence / "validation" / "failures.csv", infer_schema=False)
    recorded = {(r["row"], r["column"], r["check"]) for r in failures.iter_rows(named=True)}
    for row, column, check in case.failures:
        assert (None if row is None else str(row), column, check) in recorded
    # no partial output: the good run is untouched; the evidence holds no indicators
    assert _snapshot(out) == before
    assert not (evidence / "indicators").exists()
    assert '"status": "failed"' in (evidence / "manifest.json").read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging


def test_missing_data_directory(kpi, good_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(good_out, out)
    before = _snapshot(out)
    missing = tmp_path / "no-such-dir"
    result = kpi("run", "--data", missing, "--out", out, env=WIDE)
    assert result.returncode == 1
    assert f"{missing}: data directory not found" in result.stderr
    assert _snapshot(out) == before
    assert not (tmp_path / "out.failed" / "indicators").exists()


def test_a_first_run_on_bad_input_leaves_evidence_but_no_indicators(kpi, tmp_path, repo):
    data = tmp_path / "data"
    data.mkdir()
    _edit(2, "researchers", "-5")(data, repo)
    out = tmp_path / "out"
    result = kpi("run", "--data", data, "--out", out, env=WIDE)
    assert result.returncode == 1
    assert (out / "manifest.json").is_file() and (out / "validation" / "failures.csv").is_file()
    assert not (out / "indicators").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_crash_while_writing_the_reports_leaves_no_staging_directory(tmp_path, monkeypatch):
    # the reports and manifest are written after the try that guards the rest of the run
    from kpi import pipeline, report
    from kpi.config import load_settings

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "write_audit_report", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="disk full"):
        pipeline.run(load_settings(None, out=out))
    assert list(tmp_path.iterdir()) == []  # neither out nor a staging directory
