"""The KPI report: one offline HTML page of the annual run's indicators, charts as inline SVG."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pyarrow.parquet as pq

from kpi import svg_charts as charts
from kpi.export import read_metadata
from kpi.formatting import (
    in_fiscal_years,
    number,
    percent,
    period,
    span,
    unit_suffix,
    with_unit,
)
from kpi.report import (
    as_of_statement,
    synthetic_markers,
    template_environment,
)

if TYPE_CHECKING:  # pragma: no cover
    from kpi.pipeline import Validated

REPORT_PATH = Path("report") / "kpi.html"
TERMS = {
    "short": ("短期（30日以内）", "Short-term (30 days or less)"),
    "mid_long": ("中・長期（30日超）", "Mid/long-term (over 30 days)"),
}
DIRECTIONS = {
    "dispatch": ("派遣", "dispatched", "#1f5fa8"),
    "accept": ("受入", "accepted", "#d2691e"),
}
TOP10_SEGMENTS = [
    ("top10_intl", "国際共著 international", "#1f5fa8"),
    ("top10_domestic", "国内 domestic", "#9ab6d8"),
    ("top10_unknown", "不明 unknown", "#cfcfcf"),
]
TOP_COUNTRIES = 12
TOP_PAIRS = 15


@dataclass
class Mart:
    """An exported indicator table with the definitions its Parquet file carries."""

    name: str
    path: Path
    meta: dict[str, str]

    @cached_property
    def frame(self) -> pl.DataFrame:
        # read only when a section draws it: paper-level tables can hold millions of rows
        return pl.read_parquet(self.path)

    @property
    def rows(self) -> int:
        return pq.ParquetFile(self.path).metadata.num_rows

    @property
    def columns(self) -> dict[str, dict]:
        return json.loads(self.meta.get("kpi.columns", "{}"))

    def label(self, column: str) -> str:
        col = self.columns.get(column, {})
        return f"{col.get('label_ja') or column} / {col.get('label_en') or column}"

    def unit(self, column: str) -> str:
        """The column's unit in its contract, else the table's."""
        return self.columns.get(column, {}).get("unit") or self.meta.get("kpi.unit", "")

    def heading(self, column: str) -> str:
        """The label with the unit, unless the label already names it: `流入数 / Inflow
        (researchers)`, `研究者数（延べ人数） / Researchers (trips)`."""
        label, unit = self.label(column), self.unit(column)
        return label if unit and unit.lower() in label.lower() else label + unit_suffix(unit)

    def is_fiscal(self, column: str) -> bool:
        return self.columns.get(column, {}).get("unit") == "fiscal year"

    def definition(self, column: str) -> str:
        col = self.columns.get(column, {})
        parts = [col.get("definition_ja"), col.get("definition_en")]
        return " / ".join(p for p in parts if p) or self.label(column)

    def sources(self) -> str:
        """The contract's source, and the distinct sources named in the rows."""
        named = []
        if "source" in self.frame.columns:
            named = sorted(set(self.frame["source"].drop_nulls().to_list()))
        return " · ".join([self.meta.get("kpi.source", ""), *named[:4]]).strip(" ·")

    def caption(self, column: str) -> dict[str, str]:
        return {
            "title_ja": self.meta.get("kpi.title_ja", self.name),
            "title_en": self.meta.get("kpi.title_en", self.name),
            "definition": self.definition(column),
            "table_definition": " / ".join(
                filter(
                    None, [self.meta.get("kpi.definition_ja"), self.meta.get("kpi.definition_en")]
                )
            ),
            "source": self.sources(),
            "mart": self.name,
        }


def load_marts(run_dir: Path) -> dict[str, Mart]:
    found = sorted((run_dir / "indicators").glob("*.parquet"))
    return {p.stem: Mart(p.stem, p, read_metadata(p)) for p in found}


def exchange_section(mart: Mart) -> dict:
    """Dispatch and acceptance per fiscal year: short and mid/long on separate panels."""
    frame = mart.frame
    fiscal = mart.is_fiscal("fiscal_year")
    axis = mart.heading("researchers").replace(" / ", " ")
    panels = []
    for term, (term_ja, term_en) in TERMS.items():
        rows = frame.filter(pl.col("term") == term).sort("fiscal_year")
        series = [
            charts.Series(
                f"{ja} {en}",
                list(
                    rows.filter(pl.col("direction") == d)
                    .select("fiscal_year", "researchers")
                    .iter_rows()
                ),
                color,
            )
            for d, (ja, en, color) in DIRECTIONS.items()
        ]
        breaks = (
            rows.filter(pl.col("series_break")).group_by("fiscal_year").agg(pl.col("direction"))
        )
        markers = [
            charts.Marker(
                year,
                period(year, fiscal, short=True)
                + ("" if len(dirs) > 1 else f" {DIRECTIONS[dirs[0]][0]}"),
            )
            for year, dirs in breaks.sort("fiscal_year").iter_rows()
        ]
        title = f"{term_ja} {term_en}"
        panels.append(
            charts.line_chart(
                series,
                title=title,
                markers=markers,
                y_label=axis,
                x_format=lambda year: period(year, fiscal, short=True),
            )
        )
    notes = (
        frame.filter(pl.col("series_break"))
        .group_by("fiscal_year", "break_note_ja", "break_note")
        .agg(pl.col("direction").unique().sort())
        .sort("fiscal_year")
    )
    return {
        "panels": panels,
        "breaks": [
            {
                "year": period(y, fiscal),
                "directions": ", ".join(DIRECTIONS[d][0] + " " + d for d in dirs),
                "ja": ja,
                "en": en,
            }
            for y, ja, en, dirs in notes.iter_rows()
        ],
        "years": span(frame["fiscal_year"].min(), frame["fiscal_year"].max(), fiscal, short=True),
        "caption": mart.caption("researchers"),
    }


def top10_section(mart: Mart) -> dict:
    """Top10% papers split by co-authorship, top countries of the latest window, per counting."""
    frame = mart.frame.filter((pl.col("field") == "ALL") & (pl.col("country") != "WLD"))
    if frame.is_empty():
        return {}
    latest = frame["period_end"].max()
    window = frame.filter(pl.col("period_end") == latest).row(0, named=True)
    label = f"{window['period_start']}–{latest}"
    panels, tables = [], []
    windows = frame.select("period_start", "period_end").unique().sort("period_start").rows()
    for counting in sorted(frame["counting"].unique().to_list(), reverse=True):  # whole first
        rows = (
            frame.filter((pl.col("counting") == counting) & (pl.col("period_end") == latest))
            .sort(["top10_papers", "country"], descending=[True, False])
            .head(TOP_COUNTRIES)
        )
        bars = [
            charts.BarRow(
                r["country"],
                [r[c] for c, _, _ in TOP10_SEGMENTS],
                f"{percent(r['top10_intl_share_pct'])} 国際共著 intl"
                if r["top10_intl_share_pct"] is not None
                else "",
            )
            for r in rows.iter_rows(named=True)
        ]
        title = (
            f"{counting} counting（{'整数' if counting == 'whole' else '分数'}カウント）, {label}"
        )
        panels.append(
            charts.hbar_chart(
                bars,
                [(n, c) for _, n, c in TOP10_SEGMENTS],
                title=title,
                x_label=mart.heading("top10_papers").replace(" / ", " "),
            )
        )
        countries = rows["country"].to_list()
        by_window = frame.filter(pl.col("counting") == counting)
        cells = {(r["country"], r["period_start"]): r for r in by_window.iter_rows(named=True)}
        tables.append(
            {
                "counting": counting,
                "windows": [f"{s}–{e}" for s, e in windows],
                "rows": [
                    [country] + [_window_cell(cells.get((country, s))) for s, _ in windows]
                    for country in countries
                ],
            }
        )
    synthetic = (
        sorted(set(frame["data_source"].drop_nulls())) if "data_source" in frame.columns else []
    )
    return {
        "panels": panels,
        "tables": tables,
        "units": {c: mart.heading(c) for c in ("top10_papers", "top10_intl_share_pct")},
        "window": label,
        "synthetic": any("synthetic" in s.lower() for s in synthetic),
        "caption": mart.caption("top10_intl_share_pct"),
        "definitions": [mart.definition(c) for c, _, _ in TOP10_SEGMENTS],
    }


def _window_cell(row: dict | None) -> str:
    if row is None:
        return "–"
    share = row["top10_intl_share_pct"]
    return f"{number(row['top10_papers'])} ({percent(share)})" if share is not None else "–"


def _all_authors(mart: Mart | None) -> pl.DataFrame | None:
    """The mart's rows of all authors (sex = all); None when there are none."""
    if mart is None:
        return None
    rows = mart.frame.filter(pl.col("sex") == "all")
    return None if rows.is_empty() else rows


def flows_section(pairs: Mart | None, country: Mart | None, published: Mart | None) -> dict:
    """The largest bilateral pairs (two-way flow) of the latest period, and country totals."""
    section: dict = {"pairs": None, "countries": None, "published": None}
    # the panels show flows of all authors: an input of female/male rows only has none
    frame = _all_authors(pairs)
    if frame is not None:
        latest = frame.sort("period_end", "period_start").row(-1, named=True)
        rows = (
            frame.filter(pl.col("period_start") == latest["period_start"])
            .filter(pl.col("period_end") == latest["period_end"])
            .sort(["two_way", "country_a"], descending=[True, False])
            .head(TOP_PAIRS)
        )
        bars = [
            charts.BarRow(
                f"{r['country_a']} ⇄ {r['country_b']}",
                [r["a_to_b"], r["b_to_a"]],
                f"純 net {r['net_from']}→{r['net_to']} {number(r['net'])}"
                if r["net_from"]
                else "均衡 balanced",
            )
            for r in rows.iter_rows(named=True)
        ]
        window = span(latest["period_start"], latest["period_end"])
        threshold = with_unit(latest["pair_threshold"], pairs.unit("pair_threshold"))
        title = f"双方向の移動が閾値以上の国の組 pairs with two-way flow ≥ {threshold}, {window}"
        segments = [
            ("A→B（左→右 left to right）", "#1f5fa8"),
            ("B→A（右→左 right to left）", "#d2691e"),
        ]
        section["pairs"] = {
            "chart": charts.hbar_chart(
                bars,
                segments,
                title=title,
                stacked=False,
                width=700,
                label_width=100,
                x_label=f"単位 unit: {pairs.unit('a_to_b')}",
            ),
            "caption": pairs.caption("two_way"),
            "net_definition": pairs.definition("net"),
        }
    frame = _all_authors(country)
    if frame is not None:
        frame = frame.sort(["period_end", "gross", "country"], descending=[True, True, False])
        section["countries"] = {
            "rows": frame.head(TOP_PAIRS).to_dicts(),
            "caption": country.caption("net_rate_pct"),
            "labels": {
                c: country.heading(c)
                for c in ("inflow", "outflow", "net", "gross", "net_rate_pct", "partners")
            },
        }
    if published is not None and not published.frame.is_empty():
        ordered = published.frame.with_columns(breakdown=pl.col("measure") != "net")
        rows = ordered.sort("country", "source", "breakdown", "measure", "period_start").to_dicts()
        # long source texts repeat on every row: number them once, as footnotes
        sources = list(dict.fromkeys(r["source"] for r in rows))
        for row in rows:
            row["ref"] = sources.index(row["source"]) + 1
        section["published"] = {
            "rows": rows,
            "sources": sources,
            "caption": published.caption("value"),
            "value_unit": unit_suffix(published.unit("value")),
        }
    return section


def _target_row(row: dict, fiscal: bool) -> dict:
    """One target as the table shows it: each value with the target's unit, its periods as
    fiscal years when the target counts them so."""
    unit = row["unit"]
    cumulative = row["cumulative_value"] is not None
    latest = row["cumulative_value"] if cumulative else row["latest_value"]
    # a share's gap is a difference of percentages: percentage points
    gap_unit = "pt" if unit == "percent" else unit
    return {
        **row,
        "goal": with_unit(row["target_value"], unit),
        "window": span(row["target_period_start"], row["target_period_end"], fiscal),
        "latest": ("Σ " if cumulative else "") + with_unit(latest, unit),
        "latest_when": period(row["latest_period"], fiscal) if row["latest_period"] else "",
        "expected": with_unit(row["expected_value"], unit),
        "gap_shown": with_unit(row["gap"], gap_unit),
        "gap_pct_shown": percent(row["gap_pct"]) if row["gap_pct"] is not None else "",
    }


def targets_section(mart: Mart | None, record: dict) -> dict | None:
    if mart is None:
        return None
    rows = mart.frame.sort(["flagged", "target_id"], descending=[True, False]).to_dicts()
    return {
        "rows": [_target_row(r, in_fiscal_years(r)) for r in rows],
        "caption": mart.caption("status"),
        "gap": mart.definition("gap"),
        "as_of": as_of_statement(record),
    }


def render(run_dir: Path, record: dict, validated: Validated | None = None) -> str:
    marts = load_marts(run_dir)
    synthetic = synthetic_markers(validated.files.values()) if validated is not None else {}
    environment = template_environment()
    return environment.get_template("kpi.html.j2").render(
        run=record,
        synthetic=synthetic,
        exchange=exchange_section(marts["exchange_researchers"])
        if "exchange_researchers" in marts
        else None,
        top10=top10_section(marts["top10_coauthorship"]) if "top10_coauthorship" in marts else None,
        flows=flows_section(
            marts.get("author_flows_pairs"),
            marts.get("author_flows_country"),
            marts.get("author_flows_published"),
        ),
        targets=targets_section(marts.get("target_status"), record),
        marts=[
            {
                "name": m.name,
                "rows": m.rows,
                "title_ja": m.meta.get("kpi.title_ja", m.name),
                "title_en": m.meta.get("kpi.title_en", m.name),
                "source": m.meta.get("kpi.source", ""),
                "unit": m.meta.get("kpi.unit"),
            }
            for m in marts.values()
        ],
    )


def write_kpi_report(run_dir: Path, record: dict, validated: Validated | None = None) -> Path:
    """Write `report/kpi.html` into a run directory (after the indicators) and return its path."""
    path = run_dir / REPORT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(run_dir, record, validated), encoding="utf-8")
    return path
