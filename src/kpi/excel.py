"""The exported indicator tables as one Excel workbook: a sheet per mart, bilingual headers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import xlsxwriter

from kpi.contracts import Contract

FIXED_CREATED = datetime(2000, 1, 1)
EXCEL_MAX_ROWS = 1_048_576 - 1  # the sheet's row limit, less the header
DEFINITIONS_SHEET = "definitions 定義"
HEADER_FORMAT = {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DCE6F1"}


def header_label(name: str, contract: Contract) -> str:
    """`日本語ラベル / English label (column)`: the contract's label, and the machine name."""
    col = contract.columns[name]
    return f"{col.description.ja}\n{col.description.en}\n({name})"


def is_year(column: str) -> bool:
    """A year or period column: shown as 2024, not as a count (2,024)."""
    return column in ("vintage", "years") or "year" in column or "period" in column


def sheet_name(mart: str) -> str:
    return mart[:31]  # Excel's limit


def write_workbook(indicators: Path, marts: dict[str, Contract], path: Path) -> list[str]:
    """One sheet per exported mart (rows as in the Parquet file, header frozen), and a sheet
    with every column's labels, unit and definition. Returns the sheet names."""
    exported = sorted(p for p in indicators.glob("*.parquet") if p.stem in marts)
    sheets = []
    # cells are data, never formulas or links: '=1+1' in a note stays text, and a long
    # URL-like note is not dropped as a too-long hyperlink
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(path, options) as workbook:
        # a fixed creation time: xlsxwriter stamps "now", which would make every run's file differ
        workbook.set_properties({"created": FIXED_CREATED, "title": "kpi indicators"})
        definitions = []
        for parquet in exported:
            contract = marts[parquet.stem]
            rows = pq.ParquetFile(parquet).metadata.num_rows
            name = sheet_name(parquet.stem)
            sheets.append(name)
            if rows > EXCEL_MAX_ROWS:
                # never a silently truncated table: say where the whole one is
                sheet = workbook.add_worksheet(name)
                sheet.write(
                    0,
                    0,
                    f"{rows:,} rows: more than an Excel sheet holds; see indicators/{parquet.name}",
                )
            else:
                frame = pl.read_parquet(parquet)
                labelled = frame.rename({c: header_label(c, contract) for c in frame.columns})
                years = {header_label(c, contract): "0" for c in frame.columns if is_year(c)}
                labelled.write_excel(
                    workbook=workbook,
                    worksheet=name,
                    column_formats=years,
                    header_format=HEADER_FORMAT,
                    freeze_panes=(1, 0),
                    column_widths=16,
                    autofilter=True,
                    include_header=True,
                    table_style=None,
                )
            for column, col in contract.columns.items():
                definitions.append(
                    {
                        "sheet": name,
                        "column": column,
                        "label_ja": col.description.ja,
                        "label_en": col.description.en,
                        "unit": col.unit or "",
                        "definition_ja": col.definition.ja if col.definition else "",
                        "definition_en": col.definition.en if col.definition else "",
                        "table_ja": contract.title.ja,
                        "table_en": contract.title.en,
                        "source": contract.source or "",
                    }
                )
        pl.DataFrame(definitions).write_excel(
            workbook=workbook,
            worksheet=DEFINITIONS_SHEET,
            header_format=HEADER_FORMAT,
            freeze_panes=(1, 0),
            column_widths=24,
            table_style=None,
        )
    return [*sheets, DEFINITIONS_SHEET]
