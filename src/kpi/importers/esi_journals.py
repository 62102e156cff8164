"""Read Clarivate's ESI journal list, or a user's journal -> field table, and look journals up."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from kpi.importers.output import KpiImportError
from kpi.readers import decode_csv, sha256_file

ISSN = re.compile(r"^\d{7}[\dX]$")
MULTIDISCIPLINARY = "multidisciplinary"  # ESI field compared case-insensitively

# Header spellings per role, compared lower-cased with everything but letters and digits
# removed: Clarivate's list has `Full title`, `Title29`, `Title20`, `ISSN`, `eISSN` and
# `Category name` (spelled `EISSN` or `Category` in some releases); a user's table may be
# just `issn,field` or `source,field`. Title29/Title20 (abbreviations) are not used.
ROLES = {
    "issn": {"issn", "printissn", "pissn", "issnprint", "eissn", "electronicissn", "onlineissn"},
    "title": {"fulltitle", "title", "journaltitle", "journal", "source", "sourcetitle", "so"},
    "field": {"category", "categoryname", "esicategory", "esifield", "field", "researchfield"},
}


def normalise_issn(value: str) -> str | None:
    """`1530-437x`, `1530437X`, `2327- 3461` -> `1530437X`, `23273461`; None if not 8 characters
    (7 digits and a check digit that may be X) once hyphens and spaces are removed."""
    text = re.sub(r"[\s\-]", "", value).upper()
    return text if ISSN.match(text) else None


def _title_key(value: str) -> str:
    return " ".join(value.split()).casefold()


def _header_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


@dataclass
class JournalFields:
    """Journal -> field, by ISSN (print and electronic in one index) and by full title."""

    path: str
    sha256: str
    rows: int
    by_issn: dict[str, tuple[str, int]] = field(default_factory=dict)  # -> (field, row)
    by_title: dict[str, tuple[str, int]] = field(default_factory=dict)
    # titles two rows give different fields (two journals of one name): never matched by title
    ambiguous_titles: set[str] = field(default_factory=set)

    def lookup(
        self, issns: dict[str, str], titles: dict[str, str]
    ) -> tuple[str | None, str | None]:
        """(field, the column that matched): the first of `issns` ({column: value}) found, else
        the first of `titles` found case-insensitively; (None, None) when none is listed."""
        for column, value in issns.items():
            key = normalise_issn(value)
            if key in self.by_issn:
                return self.by_issn[key][0], column
        for column, value in titles.items():
            key = _title_key(value)
            found = self.by_title.get(key) if key not in self.ambiguous_titles else None
            if found:
                return found[0], column
        return None, None


def is_multidisciplinary(field_name: str) -> bool:
    return field_name.strip().casefold() == MULTIDISCIPLINARY


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    """(row number, cells) of a CSV (UTF-8 with or without BOM, else CP932; comma- or
    tab-separated) or of the first sheet of an .xlsx file; the header is row 1 (in an .xlsx,
    the first non-empty row: calamine skips empty rows above it)."""
    if path.suffix.lower() == ".xlsx":
        try:
            frame = pl.read_excel(path, engine="calamine", has_header=False, infer_schema_length=0)
        except Exception as exc:  # calamine's errors have no common base class
            raise KpiImportError(path, f"cannot read as .xlsx: {exc}") from exc
        return [
            (number, ["" if cell is None else cell for cell in row])
            for number, row in enumerate(frame.rows(), start=1)
        ]
    text, _ = decode_csv(path, "auto")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    while True:
        start = reader.line_num + 1  # a quoted cell may span lines: name the record's first
        try:
            cells = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            raise KpiImportError(path, f"not readable as CSV: {exc}", row=start) from exc
        rows.append((start, cells))


def _columns(path: Path, header: list[str]) -> dict[str, list[int]]:
    columns: dict[str, list[int]] = {role: [] for role in ROLES}
    for index, name in enumerate(header):
        for role, spellings in ROLES.items():
            if _header_key(name) in spellings:
                columns[role].append(index)
    if len(columns["field"]) != 1:
        problem = "no field column" if not columns["field"] else "more than one field column"
        raise KpiImportError(
            path,
            f"{problem} (one of Category, Category name, field)",
            row=1,
            value=",".join(header),
        )
    if not columns["issn"] and not columns["title"]:
        raise KpiImportError(
            path,
            "no ISSN, eISSN or title column (ISSN, EISSN, Full title, source)",
            row=1,
            value=",".join(header),
        )
    if len(columns["title"]) > 1:
        names = [header[i] for i in columns["title"]]
        raise KpiImportError(path, f"more than one title column: {names}", row=1)
    return columns


def _add(path, index: dict, key: str, field_name: str, row: int, column: str, value: str) -> None:
    earlier = index.setdefault(key, (field_name, row))
    if earlier[0] != field_name:
        raise KpiImportError(
            path,
            f"mapped to {field_name!r} here and to {earlier[0]!r} on row {earlier[1]}",
            row=row,
            column=column,
            value=value,
        )


def read_journal_fields(path: Path) -> JournalFields:
    """The journal list: each row's ISSN and eISSN (empty or `****-****` = none) and full title
    give its field. Errors name the file, row, column and value: no field column, no ISSN or
    title column, an ISSN that is not 8 characters without its hyphen, an empty field, a row
    with neither ISSN nor title, one ISSN given two different fields. A title given two
    different fields is kept out of the title match (`ambiguous_titles`)."""
    path = Path(path)
    rows = _rows(path)
    if not rows:
        raise KpiImportError(path, "empty file: no header")
    header = [cell.strip().lstrip("\ufeff") for cell in rows[0][1]]
    columns = _columns(path, header)
    (field_index,) = columns["field"]
    journals = JournalFields(str(path), sha256_file(path), rows=0)
    for number, cells in rows[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise KpiImportError(
                path, f"{len(cells)} fields where the header has {len(header)}", row=number
            )
        journals.rows += 1
        field_name = cells[field_index].strip()
        if not field_name:
            raise KpiImportError(path, "empty field", row=number, column=header[field_index])
        keys = 0
        for index in columns["issn"]:
            value = cells[index].strip()
            if not value or set(value) <= set("*-"):  # Clarivate writes `****-****` for none
                continue
            issn = normalise_issn(value)
            if issn is None:
                raise KpiImportError(
                    path,
                    "not an ISSN (8 characters once the hyphen is removed; the last may be X)",
                    row=number,
                    column=header[index],
                    value=value,
                )
            _add(path, journals.by_issn, issn, field_name, number, header[index], value)
            keys += 1
        for index in columns["title"]:
            value = cells[index].strip()
            if value:
                # unlike an ISSN, a title may name two journals: such a title matches nothing
                key = _title_key(value)
                earlier = journals.by_title.setdefault(key, (field_name, number))
                if earlier[0] != field_name:
                    journals.ambiguous_titles.add(key)
                keys += 1
        if not keys:
            raise KpiImportError(path, "neither an ISSN nor a title", row=number)
    if not journals.rows:
        raise KpiImportError(path, "no journals below the header")
    return journals
