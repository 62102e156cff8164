"""Zhao et al. (2023) origin-destination file -> author_flows with sex breakdown rows."""

import json

import polars as pl
import pytest

from kpi.importers.output import KpiImportError
from kpi.importers.zhao import read_zhao

HEADER = ",from,to,period,all_period_flow,female_period_flow,male_period_flow,period_year\n"


def test_names_periods_and_sex_rows(tmp_path):
    path = tmp_path / "od.csv"
    path.write_text(
        HEADER
        + "1,Japan,United States,4.0,10,3.0,6.0,2013-2017\n"
        + "2,Democratic Republic of the Congo,Belgium,1.0,2,1.0,1.0,1998-2002\n"
        + "3,Atlantis,Japan,1.0,5,1.0,4.0,1998-2002\n"
        + "4,Japan,Atlantis,1.0,1,0.0,1.0,1998-2002\n"
        + "5,Japan,Japan,1.0,1,0.0,1.0,1998-2002\n"  # within one country: no flow
    )
    result = read_zhao(path)
    rows = result.flows.select(
        "origin", "destination", "period_start", "period_end", "researchers", "sex"
    ).rows()
    # each mapped flow gives 3 rows: all (sex empty), female, male; unknown-sex authors make
    # female + male (3 + 6) smaller than all (10)
    assert sorted(rows, key=str) == sorted([
        ("JPN", "USA", 2013, 2017, 10.0, None), ("JPN", "USA", 2013, 2017, 3.0, "female"),
        ("JPN", "USA", 2013, 2017, 6.0, "male"),
        ("COD", "BEL", 1998, 2002, 2.0, None), ("COD", "BEL", 1998, 2002, 1.0, "female"),
        ("COD", "BEL", 1998, 2002, 1.0, "male"),
    ], key=str)  # fmt: skip
    assert result.report.unmapped_names == {"Atlantis": 2}
    assert result.report.skipped == {"same country on both sides": 1, "unmapped country name": 2}


def test_a_bad_period_names_the_row(tmp_path):
    path = tmp_path / "od.csv"
    path.write_text(
        HEADER + "1,Japan,China,1.0,1,0.0,1.0,1998-2002\n2,Japan,China,2.0,1,0,1,1999\n"
    )
    with pytest.raises(KpiImportError) as caught:
        read_zhao(path)
    assert (caught.value.row, caught.value.column, caught.value.value) == (2, "period_year", "1999")


def test_the_real_file(shared_data):
    path = shared_data / "migration_zhao2023" / "0_OD_migration_flow.csv"
    result = read_zhao(path)
    assert result.report.records_read == 23_412
    assert result.report.unmapped_names == {}
    assert result.flows.height == 3 * 23_412  # all, female, male for every flow
    assert result.flows.filter(pl.col("sex").is_null())["researchers"].sum() == pytest.approx(
        pl.read_csv(path)["all_period_flow"].sum()
    )


def test_cli_reports_unmapped_names_and_strict_fails(tmp_path, kpi):
    path = tmp_path / "od.csv"
    path.write_text(HEADER + "1,Japan,Atlantis,1.0,1,0.0,1.0,1998-2002\n"
                    "2,Japan,France,1.0,2,1.0,1.0,1998-2002\n")  # fmt: skip
    done = kpi("import", "zhao", path, "--out", tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert "'Atlantis' (1)" in done.stderr
    report = json.loads((tmp_path / "data" / "import_report.json").read_text())
    assert report["unmapped_names"] == {"Atlantis": 1} and report["flows"] == 3
    strict = kpi("import", "zhao", path, "--out", tmp_path / "strict", "--strict")
    assert strict.returncode == 1 and "Atlantis" in strict.stderr
    assert not (tmp_path / "strict" / "author_flows.parquet").exists()
