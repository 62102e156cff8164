"""The exported indicator tables as one Excel workbook: a sheet per mart, bilingual headers."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import xlsxwriter

from kpi.contracts import Contract
from kpi.formatting import decimals, is_period

FIXED_CREATED = datetime(2000, 1, 1)
EXCEL_MAX_ROWS = 1_048_576 - 1  # the sheet's row limit, less the header
DEFINITIONS_SHEET = "definitions 定義"
HEADER_FORMAT = {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DCE6F1"}


def header_label(name: str, contract: Contract) -> str:
    """`日本語ラベル / English label (column)`: the contract's label, and the machine name."""
    col = contract.columns[name]
    return f"{col.description.ja}\n{col.description.en}\n({name})"


def sheet_name(mart: str) -> str:
    return mart[:31]  # Excel's limit


def number_format(places: int) -> str:
    """`#,##0.000` for three decimals: thousands separated, as both reports show numbers."""
    return "#,##0" + ("." + "0" * places if places else "")


class _Formats:
    """One cell format per number of decimals, made when first needed (the same order, so
    the same file, every run)."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        self.workbook, self.made = workbook, {}

    def __call__(self, places: int):
        if places not in self.made:
            self.made[places] = self.workbook.add_format({"num_format": number_format(places)})
        return self.made[places]


def _float_places(
    frame: pl.DataFrame, contract: Contract
) -> dict[str, tuple[list[float | None], list[int], int]]:
    """Each float column's values, the decimals kpi.formatting shows of each (0.2449999... as
    0.245, 37.625 as 37.63, 50.0 as 50) and the most common of them."""
    found = {}
    for name, dtype in frame.schema.items():
        if dtype.is_float() and not is_period(contract.columns[name].unit):
            values = frame.get_column(name).to_list()
            places = [decimals(v) for v in values]
            found[name] = (values, places, max(set(places), key=places.count, default=0))
    return found


def _show_floats_as_the_reports_do(sheet, frame: pl.DataFrame, places: dict, formats) -> None:
    """The cells whose decimals differ from their column's format get their own (the digits a
    value needs differ by row); every cell keeps its full value."""
    for index, name in enumerate(frame.columns):
        if name not in places:
            continue
        values, shown, usual = places[name]
        for row, (value, digits) in enumerate(zip(values, shown, strict=True), start=1):
            if digits != usual and value is not None and math.isfinite(value):
                sheet.write_number(row, index, value, formats(digits))


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
        formats = _Formats(workbook)
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
                places = _float_places(frame, contract)
                # years as 2024, other whole numbers as 10,623 (a year is an integer column)
                shown = {
                    header_label(c, contract): (
                        "0" if is_period(contract.columns[c].unit) else number_format(0)
                    )
                    for c, dtype in frame.schema.items()
                    if dtype.is_integer()
                }
                shown |= {header_label(c, contract): number_format(p[2]) for c, p in places.items()}
                labelled.write_excel(
                    workbook=workbook,
                    worksheet=name,
                    column_formats=shown,
                    header_format=HEADER_FORMAT,
                    freeze_panes=(1, 0),
                    column_widths=16,
                    autofilter=True,
                    include_header=True,
                    table_style=None,
                )
                sheet = workbook.get_worksheet_by_name(name)
                _show_floats_as_the_reports_do(sheet, frame, places, formats)
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
