"""OECD SDMX-CSV author flows -> author_flows: directions, periods, aggregates, duplicates."""

from pathlib import Path

import polars as pl
import pytest

from kpi.importers.oecd_flows import read_oecd_flows
from kpi.importers.output import KpiImportError
from tests.helpers import indicator, run_pipeline

FIXTURES = Path(__file__).parent / "fixtures"


def test_directions_periods_and_skipped_rows():
    result = read_oecd_flows([FIXTURES / "oecd_flows.csv"])
    rows = result.flows.select(
        "origin", "destination", "period_start", "period_end", "researchers", "sex"
    ).rows()
    # OUTFLOWS of JPN to USA = JPN->USA 18,018; INFLOWS of JPN from USA = USA->JPN 17,816; the
    # INFLOWS of USA from JPN is the same JPN->USA flow seen from the other end (kept once);
    # W and OECD are aggregates; the empty 2020 value is skipped; 2021 is a one-year period.
    assert sorted(rows) == [
        ("JPN", "CHN", 2021, 2021, 5.0, None),
        ("JPN", "USA", 2010, 2024, 18018.0, None),
        ("USA", "JPN", 2010, 2024, 17816.0, None),
    ]
    assert result.report.records_read == 7
    assert result.report.skipped == {
        "aggregate area (not an ISO alpha-3 country)": 2,
        "empty OBS_VALUE": 1,
        "reported from both ends (kept once)": 1,
    }
    assert set(result.flows["source"].str.contains("DSD_BIBLIO_F").to_list()) == {True}


def test_labelled_export_without_a_direction_needs_ref_area_role():
    path = FIXTURES / "oecd_flows_labels.csv"
    with pytest.raises(KpiImportError, match="--ref-area-is"):
        read_oecd_flows([path])
    result = read_oecd_flows([path], ref_area_is="destination")
    # REF_AREA DEU is the destination: FRA -> DEU, female 120.5 and total (SEX _T -> empty) 400
    assert sorted(result.flows.select("origin", "destination", "researchers", "sex").rows(),
                  key=str) == [("FRA", "DEU", 120.5, "female"), ("FRA", "DEU", 400.0, None)]  # fmt: skip


def test_inward_outward_codes_nan_and_a_direction_column_holding_more(tmp_path):
    path = tmp_path / "flows.csv"
    path.write_text(
        "REF_AREA,COUNTERPART_AREA,MEASURE,TIME_PERIOD,OBS_VALUE\n"
        "JPN,USA,MOB_INWARD,2010-2024,100\n"    # USA -> JPN
        "JPN,CHN,MOB_OUTWARD,2010-2024,50\n"    # JPN -> CHN
        "JPN,KOR,MOB_INWARD,2010-2024,NaN\n"    # SDMX's missing observation
    )  # fmt: skip
    result = read_oecd_flows([path])
    assert sorted(result.flows.select("origin", "destination", "researchers").rows()) == [
        ("JPN", "CHN", 50.0),
        ("USA", "JPN", 100.0),
    ]
    assert result.report.skipped == {"empty OBS_VALUE": 1}
    # NET is neither: the file is refused, even when told what REF_AREA is, since the flag
    # would read its outflows as inflows
    path.write_text(path.read_text() + "JPN,DEU,MOB_NET,2010-2024,5\n")
    for told in (None, "destination"):
        with pytest.raises(KpiImportError, match="MEASURE holds inflows or outflows.*MOB_NET"):
            read_oecd_flows([path], ref_area_is=told)


def test_conflicting_values_for_one_flow_are_an_error(tmp_path):
    text = (FIXTURES / "oecd_flows.csv").read_text().replace("INFLOWS,PS,2010-2024,18018",
                                                             "INFLOWS,PS,2010-2024,18000")  # fmt: skip
    path = tmp_path / "conflict.csv"
    path.write_text(text)
    with pytest.raises(KpiImportError, match="two values") as caught:
        read_oecd_flows([path])
    assert caught.value.row == 3 and caught.value.column == "OBS_VALUE"


def test_cli_import_then_run(tmp_path, kpi):
    data = tmp_path / "data"
    done = kpi("import", "oecd-flows", FIXTURES / "oecd_flows.csv", "--out", data)
    assert done.returncode == 0, done.stderr
    assert "3 flows from 7 records" in done.stdout
    assert (data / "author_flows.parquet").is_file() and (data / "import_report.json").is_file()
    result = run_pipeline(data, tmp_path / "out")
    assert result.exit_code == 0, result.error
    jpn = indicator(tmp_path / "out", "author_flows_country").filter(pl.col("country") == "JPN")
    # 2010-2024: in 17,816 from USA, out 18,018 to USA; net -202, gross 35,834
    row = jpn.filter(pl.col("period_start") == 2010).row(0, named=True)
    assert (row["inflow"], row["outflow"], row["net"], row["gross"]) == (17816, 18018, -202, 35834)
    bad = kpi("import", "oecd-flows", FIXTURES / "oecd_flows_labels.csv", "--out", tmp_path / "x")
    assert bad.returncode == 1 and "--ref-area-is" in bad.stderr
