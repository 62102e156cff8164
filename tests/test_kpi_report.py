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


def test_one_rounding_rule_for_every_number_shown():
    from kpi.formatting import decimals, number, percent, with_unit

    # 37.87 - 37.625 is 0.24499999999999744 in binary floats: the noise is removed before
    # rounding, so the gap reads 0.245 (4 significant digits), never a 0.24 artefact
    assert 37.87 - 37.625 == 0.24499999999999744
    assert number(0.24499999999999744) == "0.245" and decimals(0.24499999999999744) == 3
    # a true tie rounds half away from zero (Python's round and %.2f give 37.62 here)
    assert number(37.625) == "37.63" and number(-37.625) == "-37.63"
    assert number(0.1 + 0.2) == "0.3" and number(1 / 3) == "0.3333"
    # counts are shown whole, thousands separated, never cut to 4 significant digits
    assert number(1_234_567) == "1,234,567" and number(30000.0) == "30,000"
    assert number(18_018.4) == "18,018" and decimals(18_018.4) == 0
    # percentages and ranks: the same rule; trailing zeros dropped
    assert percent(45.678) == "45.68%" and percent(100.0) == "100%" and percent(0.5) == "0.5%"
    assert number(13) == "13" and number(13.0) == "13"
    assert with_unit(4028.0, "researchers (trips)") == "4,028 researchers (trips)"
    assert with_unit(37.87, "percent") == "37.87%"
    assert with_unit(13.0, "rank") == "rank 13"
    # no value
    assert number(None) == "–" and number(float("nan")) == "–" and percent(None) == "–"


def _excel_shows(value: float, number_format: str) -> str:
    """What a spreadsheet displays for `#,##0` / `#,##0.00`: the value to 15 significant
    digits, rounded half away from zero to the format's decimals."""
    from decimal import ROUND_HALF_UP, Decimal

    match = re.fullmatch(r"#,##0(?:\.(0+))?", number_format)
    assert match, f"not a plain thousands-separated format: {number_format!r}"
    places = len(match[1] or "")
    shown = Decimal(format(value, ".15g")).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{shown:,f}"


def test_a_number_reads_the_same_in_both_reports_and_the_workbook(default_run):
    status = pl.read_parquet(default_run / "indicators" / "target_status.parquet")
    row = status.filter(pl.col("target_id") == "plan7-intl-coauthorship-rate").row(0, named=True)
    # the shipped observations: latest 37.87 (2024); expected 36.5 + 13.5 x 1/12 = 37.625,
    # a tie at 4 significant digits (half away from zero: 37.63); the gap is stored without the
    # subtraction's noise (37.87 - 37.625 is 0.24499999999999744 in floats)
    assert row["expected_value"] == 37.625 and row["gap"] == 0.245
    kpi_row = _target_row(default_run, "plan7-intl-coauthorship-rate")
    assert "0.245" in kpi_row and "37.63" in kpi_row and "37.87" in kpi_row
    assert "0.24 " not in kpi_row and "37.62" not in kpi_row
    audit = html.unescape((default_run / "report" / "audit.html").read_text(encoding="utf-8"))
    fields = _audit_fields(audit, "plan7-intl-coauthorship-rate")
    assert fields["gap"] == "0.245" and fields["expected_value"] == "37.63"
    book = openpyxl.load_workbook(default_run / "indicators.xlsx")
    sheet = book["target_status"]
    header = [str(c.value).rsplit("(", 1)[-1].rstrip(")") for c in sheet[1]]
    excel_row = status["target_id"].to_list().index("plan7-intl-coauthorship-rate") + 2
    for column, shown in (("gap", "0.245"), ("expected_value", "37.63"), ("target_value", "50")):
        cell = sheet.cell(excel_row, header.index(column) + 1)
        assert _excel_shows(cell.value, cell.number_format) == shown, column

    # every number of every target: the audit report, kpi.html and the workbook agree
    from kpi.formatting import number

    numeric = [c for c, t in status.schema.items() if t.is_float()]
    for excel_row, target in enumerate(status.iter_rows(named=True), start=2):
        fields = _audit_fields(audit, target["target_id"])
        for column in numeric:
            value = target[column]
            assert fields[column] == number(value), (target["target_id"], column)
            if value is None:
                continue
            cell = sheet.cell(excel_row, header.index(column) + 1)
            assert _excel_shows(cell.value, cell.number_format) == number(value), (
                target["target_id"],
                column,
                cell.number_format,
            )
    for column in ("latest_value", "expected_value", "gap", "target_value"):
        assert number(row[column]) in kpi_row
    # row counts: 10,623 in both reports' tables, not 10623 in one of them
    record = json.loads((default_run / "manifest.json").read_text(encoding="utf-8"))
    kpi_page = (default_run / KPI_REPORT).read_text(encoding="utf-8")
    for output in record["outputs"]:
        if output["path"].startswith("indicators/") and output["path"].endswith(".parquet"):
            mart, rows = Path(output["path"]).stem, number(output["rows"])
            listed = rf'<code>{mart}</code></td>[^\n]*\n\s*<td class="num">{rows}</td>'
            assert re.search(listed, kpi_page), mart
            shown = rf'<td class="mono">{output["path"]}</td><td class="num">{rows}</td>'
            assert re.search(shown, audit), output["path"]


def _target_row(run: Path, target_id: str) -> str:
    text = html.unescape((run / KPI_REPORT).read_text(encoding="utf-8"))
    (row,) = re.findall(rf"<tr[^>]*>\s*<td><code>{target_id}</code>.*?</tr>", text, flags=re.S)
    return re.sub(r"<[^>]+>", " ", row)


def _audit_fields(audit: str, target_id: str) -> dict[str, str]:
    """The audit report's "Every field" table of one target: column -> shown value."""
    start = audit.index(f"Every field · <code>{target_id}</code>")
    block = audit[start : audit.index("</details>", start)]
    cells = re.findall(r"<tr><th><code>([^<]+)</code></th><td>(.*?)</td>", block, flags=re.S)
    return dict(cells)


def test_targets_state_the_as_of_date_or_that_every_observation_is_used(
    default_run, tmp_path, repo
):
    from datetime import date

    text = html.unescape((default_run / KPI_REPORT).read_text(encoding="utf-8"))
    targets = text[text.index('<section id="targets">') :]
    assert "targets use every observation available" in targets
    assert "利用可能なすべての観測値" in targets
    dated = run_pipeline(repo / "data", tmp_path / "out", target_eval={"as_of": date(2025, 6, 30)})
    assert dated.exit_code == 0, dated.error
    for report in (KPI_REPORT, Path("report") / "audit.html"):
        page = html.unescape((tmp_path / "out" / report).read_text(encoding="utf-8"))
        section = page[page.index('<section id="targets">') :]
        assert "targets evaluated as known on 2025-06-30; indicator tables are not filtered" in (
            section
        ), report
        assert "2025-06-30 時点" in section and "指標表は絞り込んでいない" in section
        # the plan7 targets were adopted on 2026-03-27: not evaluated, and said so
        assert "Not yet adopted on that date" in section and "plan7-top10-rank" in section
    # as stated: the date filters the target evaluation, not the indicator tables
    for mart in ("exchange_researchers", "top10_coauthorship"):
        assert pl.read_parquet(default_run / "indicators" / f"{mart}.parquet").equals(
            pl.read_parquet(tmp_path / "out" / "indicators" / f"{mart}.parquet")
        )


def _svg_texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def _section(text: str, name: str) -> str:
    start = text.index(f'<section id="{name}">')
    return text[start : text.index("</section>", start)]


def test_every_figure_and_table_names_the_unit_of_its_numbers(default_run, repo):
    marts = load_contracts(repo / "sql" / "marts")
    text = (default_run / KPI_REPORT).read_text(encoding="utf-8")

    def unit(mart: str, column: str) -> str:
        return marts[mart].columns[column].unit

    # exchange panels: the y axis is the contract's label of researchers, with its unit
    researchers = marts["exchange_researchers"].columns["researchers"]
    exchange = _section(text, "exchange")
    panels = re.findall(r"<svg.*?</svg>", exchange, flags=re.S)
    assert len(panels) == 2
    for svg in panels:
        axis = [t for t in _svg_texts(svg) if researchers.description.en in t]
        assert axis and researchers.description.ja in axis[0]
        assert unit("exchange_researchers", "researchers") in axis[0]
    # Top10% panels and the per-window tables: papers per year (and the share in %)
    top10 = _section(text, "top10")
    panels = re.findall(r"<svg.*?</svg>", top10, flags=re.S)
    assert len(panels) == 2
    for svg in panels:
        assert any(unit("top10_coauthorship", "top10_papers") in t for t in _svg_texts(svg))
    notes = re.findall(r"</h3>\s*<p class=\"note\">(.*?)</p>\s*<table>", top10, flags=re.S)
    assert len(notes) == 2
    assert all(unit("top10_coauthorship", "top10_papers") in n for n in notes)
    # the pairs chart: researchers on the axis
    flows = html.unescape(_section(text, "flows"))
    pairs = re.search(r"<svg.*?</svg>", flows, flags=re.S)[0]
    assert any(f"unit: {unit('author_flows_pairs', 'a_to_b')}" in t for t in _svg_texts(pairs))
    # the country table and the published figures: every number column heads its unit
    country_table = flows[flows.index("Inflow and outflow by country") :]
    headings = re.findall(r'<th class="num">(.*?)</th>', country_table.split("</thead>")[0])
    country = marts["author_flows_country"].columns
    wanted = ["inflow", "outflow", "net", "gross", "net_rate_pct", "partners"]
    assert len(headings) == len(wanted)
    for heading, column in zip(headings, wanted, strict=True):
        expected = "%" if country[column].unit == "percent" else country[column].unit
        assert country[column].description.en in heading and expected in heading, heading
    published = flows[flows.index("Published country-level figures") :]
    assert f"値 value ({unit('author_flows_published', 'value')})" in published
    # targets: the latest, expected and gap values carry the target's unit
    dispatch = _target_row(default_run, "plan7-longterm-dispatch")
    assert "4,028 researchers (trips)" in dispatch and "30,000 researchers (trips)" in dispatch
    share = _target_row(default_run, "plan7-intl-coauthorship-rate")
    assert "37.87%" in share and "37.63%" in share and "0.245 pt" in share


def test_fiscal_years_are_labelled_as_fiscal_years(default_run):
    text = html.unescape((default_run / KPI_REPORT).read_text(encoding="utf-8"))
    exchange = _section(text, "exchange")
    # exchange_researchers counts fiscal years: the chart axes and the series-break table
    for svg in re.findall(r"<svg.*?</svg>", exchange, flags=re.S):
        ticks = _svg_texts(svg)
        assert "FY2000" in ticks and "2000" not in ticks
    breaks = exchange[exchange.index("Series breaks") :]
    assert '<td class="nowrap">FY2013 (2013年度)</td>' in breaks
    # a fiscal-year target (period_type: fiscal_year) and a calendar-year one
    dispatch = _target_row(default_run, "plan7-longterm-dispatch")
    assert "FY2026–FY2030 (2026〜2030年度)" in dispatch and "FY2024 (2024年度)" in dispatch
    share = _target_row(default_run, "plan7-intl-coauthorship-rate")
    assert "2024" in share and "FY" not in share and "年度" not in share
    # publication-year windows and author-flow periods stay calendar years
    top10 = _section(text, "top10")
    assert "2021–2023" in top10 and "FY2021" not in top10
    assert "2010–2024" in _section(text, "flows") and "FY2010" not in _section(text, "flows")
    # the audit report labels the same periods the same way
    audit = html.unescape((default_run / "report" / "audit.html").read_text(encoding="utf-8"))
    assert _audit_fields(audit, "plan7-longterm-dispatch")["latest_period"] == "FY2024 (2024年度)"
    assert _audit_fields(audit, "plan7-intl-coauthorship-rate")["latest_period"] == "2024"


def test_kpi_report_ids_are_unique_and_every_link_finds_its_anchor(default_run):
    page = (default_run / KPI_REPORT).read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    links = set(re.findall(r'href="#([^"]+)"', page))
    assert links and links <= set(ids), links - set(ids)
