"""The KPI report (report/kpi.html) and the Excel workbook of a default `kpi run --excel`."""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from kpi.contracts import load_contracts
from kpi.svg_charts import nice_axis
from tests.helpers import run_pipeline, write_csv

KPI_REPORT = Path("report") / "kpi.html"


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> Path:
    from tests.conftest import run_kpi

    out = tmp_path_factory.mktemp("kpi_report") / "out"
    result = run_kpi("run", "--out", out, "--excel")
    assert result.returncode == 0, result.stderr
    return out


class _Fetching(HTMLParser):
    """Tags, and every attribute a browser could fetch from."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.fetching: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.fetching += [v or "" for n, v in attrs if n in ("src", "href", "srcset", "xlink:href")]


def test_report_is_offline_and_listed_in_the_manifest(default_run):
    text = (default_run / KPI_REPORT).read_text(encoding="utf-8")
    parser = _Fetching()
    parser.feed(text)
    assert parser.fetching and all(v.startswith("#") for v in parser.fetching), parser.fetching
    assert not {"script", "link", "img", "iframe"} & set(parser.tags)
    assert "@import" not in text and "url(" not in text and "@font-face" not in text
    assert parser.tags.count("svg") >= 5  # 2 exchange panels, 2 Top10% panels, the pairs
    # one figcaption per figure (HTML allows no second); the definitions are all still there
    figures = re.findall(r"<figure\b.*?</figure>", text, flags=re.S)
    assert figures and all(f.count("<figcaption") == 1 for f in figures)
    assert "純移動 Net:" in text and "差 Gap:" in text
    record = json.loads((default_run / "manifest.json").read_text(encoding="utf-8"))
    outputs = {o["path"] for o in record["outputs"]}
    assert {"report/kpi.html", "indicators.xlsx"} <= outputs


def test_report_names_every_mart_with_its_source_and_flags_synthetic_inputs(default_run, repo):
    text = html.unescape((default_run / KPI_REPORT).read_text(encoding="utf-8"))
    marts = load_contracts(repo / "sql" / "marts")
    exported = {p.stem for p in (default_run / "indicators").glob("*.parquet")}
    assert exported == set(marts)  # the default data builds every mart
    for name in exported:
        assert marts[name].title.ja in text and marts[name].title.en in text, name
    # every chart says its definition and source
    assert text.count("定義 Definition") >= 4 and text.count("出典 Source") >= 4
    assert marts["author_flows_country"].columns["net_rate_pct"].definition.en in text
    # the shipped paper set is synthetic: the banner says so
    assert 'id="synthetic-banner"' in text
    # series breaks are marked on both panels: FY2013 appears as a marker label in each
    assert len(re.findall(r">FY2013[^<]*</text>", text)) == 2
    # the largest pair of the shipped OECD data: JPN -> USA 18,018, USA -> JPN 17,816
    assert "JPN ⇄ USA" in text and "net JPN→USA 202" in text
    # target gaps are shown: every target id of the run is in the table
    status = pl.read_parquet(default_run / "indicators" / "target_status.parquet")
    assert all(t in text for t in status["target_id"])


def test_excel_has_a_labelled_sheet_per_mart(default_run, repo):
    marts = load_contracts(repo / "sql" / "marts")
    book = openpyxl.load_workbook(default_run / "indicators.xlsx")
    assert book.sheetnames == [*sorted(marts), "definitions 定義"]
    for name in sorted(marts):
        sheet = book[name]
        frame = pl.read_parquet(default_run / "indicators" / f"{name}.parquet")
        assert sheet.freeze_panes == "A2"
        assert sheet.max_row == frame.height + 1
        header = [cell.value for cell in sheet[1]]
        expected = [
            f"{marts[name].columns[c].description.ja}\n{marts[name].columns[c].description.en}\n({c})"
            for c in frame.columns
        ]
        assert header == expected
    # a value read back: the first exchange row (1993, accept, mid_long: 6,129 trips)
    exchange = book["exchange_researchers"]
    assert [c.value for c in exchange[2]][:4] == [1993, "accept", "mid_long", 6129]


def test_no_excel_unless_asked_and_no_kpi_report_for_a_failed_run(tmp_path):
    data = tmp_path / "data"
    write_csv(data, "author_flows", [{
        "origin": "JPN", "destination": "USA", "period_start": 2010, "period_end": 2024,
        "researchers": 1, "sex": None, "source": "fixture",
    }])  # fmt: skip
    good = run_pipeline(data, tmp_path / "good")
    assert good.exit_code == 0, good.error
    assert (tmp_path / "good" / KPI_REPORT).is_file()
    assert not (tmp_path / "good" / "indicators.xlsx").exists()
    write_csv(data, "author_flows", [{
        "origin": "JPN", "destination": "JPN", "period_start": 2010, "period_end": 2024,
        "researchers": 1, "sex": None, "source": "fixture",
    }])  # fmt: skip
    bad = run_pipeline(data, tmp_path / "bad", export={"excel": True})
    assert bad.exit_code == 1
    assert not (bad.out / KPI_REPORT).exists() and not (bad.out / "indicators.xlsx").exists()
    assert (bad.out / "report" / "audit.html").is_file()  # the evidence still gets its report


def test_axis_ticks_are_round_numbers():
    # 0..17,000 in about 5 steps: raw step 3,400 -> 5,000; ticks 0, 5,000, ..., 20,000
    axis = nice_axis(0, 17_000)
    assert axis.ticks == [0, 5_000, 10_000, 15_000, 20_000]
    # 0..38 in 4 steps: raw 9.5 -> 10
    assert nice_axis(0, 38, 4).ticks == [0, 10, 20, 30, 40]


def test_a_table_too_long_for_excel_is_named_not_truncated(
    default_run, repo, tmp_path, monkeypatch
):
    from kpi import excel

    monkeypatch.setattr(excel, "EXCEL_MAX_ROWS", 100)
    marts = load_contracts(repo / "sql" / "marts")
    excel.write_workbook(default_run / "indicators", marts, tmp_path / "small.xlsx")
    book = openpyxl.load_workbook(tmp_path / "small.xlsx")
    rows = pl.read_parquet(default_run / "indicators" / "top10_paper_weights.parquet").height
    sheet = book["top10_paper_weights"]
    assert sheet.max_row == 1
    expected = f"{rows:,} rows: more than an Excel sheet holds"
    assert sheet["A1"].value.startswith(expected)
    assert book["author_flows_pairs"].max_row == 7  # 6 pairs of the shipped data + header


def test_the_workbook_is_byte_identical_across_runs(default_run, tmp_path):
    from kpi import excel
    from kpi.contracts import load_contracts
    from kpi.resources import resource_dir

    marts = load_contracts(resource_dir("sql") / "marts")
    again = tmp_path / "again.xlsx"
    excel.write_workbook(default_run / "indicators", marts, again)
    assert again.read_bytes() == (default_run / "indicators.xlsx").read_bytes()


def test_workbook_cells_are_data_and_years_read_as_years(tmp_path, repo):
    data = tmp_path / "data"
    shutil.copytree(repo / "data", data)
    published = pl.read_csv(data / "author_flows_published.csv", infer_schema=False)
    long_link = "http://example.invalid/" + "a" * 2100  # past Excel's hyperlink length
    notes = ["=1+1", long_link, *published["note"].to_list()[2:]]
    published.with_columns(note=pl.Series(notes)).write_csv(data / "author_flows_published.csv")
    result = run_pipeline(data, tmp_path / "out", export={"excel": True})
    assert result.exit_code == 0, result.error
    book = openpyxl.load_workbook(tmp_path / "out" / "indicators.xlsx")
    sheet = book["author_flows_published"]
    header = [c.value for c in sheet[1]]
    note = header.index(next(h for h in header if h.endswith("(note)"))) + 1
    frame = pl.read_parquet(tmp_path / "out" / "indicators" / "author_flows_published.parquet")
    for row, expected in enumerate(frame["note"].to_list(), start=2):
        cell = sheet.cell(row, note)
        assert cell.value == expected and cell.data_type in ("s", "n"), (row, cell.value)
    assert {"=1+1", long_link} <= set(frame["note"].to_list())
    exchange = book["exchange_researchers"]
    assert exchange.cell(2, 1).value == 1993 and exchange.cell(2, 1).number_format == "0"


def test_flows_of_women_and_men_only_still_give_a_report(tmp_path, repo):
    # the report's flow panels show all authors; an input with breakdown rows only crashed it
    data = tmp_path / "data"
    shutil.copytree(repo / "data", data)
    flows = pl.read_csv(data / "author_flows.csv", infer_schema=False)
    flows.with_columns(sex=pl.lit("female")).write_csv(data / "author_flows.csv")
    result = run_pipeline(data, tmp_path / "out")
    assert result.exit_code == 0, result.error
    assert (tmp_path / "out" / "report" / "kpi.html").is_file()
