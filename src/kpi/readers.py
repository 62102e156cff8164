"""Find and read input files (`<dataset>.csv|.parquet|.xlsx`) into string-or-typed polars frames."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from kpi.errors import InputError

FORMATS = (".csv", ".parquet", ".xlsx")


@dataclass
class InputFile:
    """One input file; a large Parquet file checked in DuckDB is loaded only if a frame is asked
    for (the GX suites, say), never by the run itself."""

    dataset: str
    path: Path
    format: str
    sha256: str
    encoding: str | None = None
    loaded: pl.DataFrame | None = field(default=None, repr=False)
    row_count: int | None = None

    @property
    def in_duckdb(self) -> bool:
        return self.loaded is None

    @property
    def frame(self) -> pl.DataFrame:
        if self.loaded is None:
            self.loaded = pl.read_parquet(self.path)
        return self.loaded

    @property
    def rows(self) -> int:
        return self.row_count if self.row_count is not None else self.frame.height


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def discover(data_dir: Path, datasets: list[str]) -> dict[str, Path]:
    """Map each dataset with a contract to its one input file; two formats of one is an error."""
    if not data_dir.is_dir():
        raise InputError(data_dir, "data directory not found")
    found: dict[str, Path] = {}
    for dataset in datasets:
        candidates = [data_dir / f"{dataset}{ext}" for ext in FORMATS]
        present = [p for p in candidates if p.is_file()]
        if len(present) > 1:
            raise InputError(
                present[0], f"dataset {dataset!r} given twice: {[p.name for p in present]}"
            )
        if present:
            found[dataset] = present[0]
    return found


def decode_csv(path: Path, encoding: str) -> tuple[str, str]:
    """Decode strictly; `auto` accepts UTF-8 (BOM allowed), else CP932, and says which."""
    raw = path.read_bytes()
    tries = ["utf-8", "cp932"] if encoding == "auto" else [encoding]
    errors = []
    for name in tries:
        codec = "utf-8-sig" if name == "utf-8" else name
        try:
            return raw.decode(codec), name
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            errors.append(f"not valid {name} at byte {exc.start} (line {line}): {exc.reason}")
    raise InputError(path, "cannot decode: " + "; ".join(errors))


def parquet_footer(path: Path) -> pq.FileMetaData:
    """A Parquet file's footer (rows, columns, row groups); no data read."""
    try:
        return pq.read_metadata(path)
    except Exception as exc:  # a corrupt footer
        raise InputError(path, f"cannot read parquet file: {type(exc).__name__}: {exc}") from exc


def parquet_row_count(path: Path) -> int:
    """Rows of a Parquet file, from its footer (no data read)."""
    return parquet_footer(path).num_rows


def open_parquet(dataset: str, path: Path) -> InputFile:
    """A Parquet input left where it is: DuckDB checks it and the models read it from the file."""
    if path.stat().st_size == 0:
        raise InputError(path, "file is empty (no header row)")
    rows = parquet_row_count(path)
    return InputFile(dataset, path, "parquet", sha256_file(path), row_count=rows)


class RaggedRows(InputError):
    """CSV rows with more or fewer fields than the header: the file is not one table."""

    def __init__(self, path: Path, rows: list[tuple[int, int]], width: int):
        self.rows, self.width = rows, width
        shown = ", ".join(f"row {row} has {fields}" for row, fields in rows[:5])
        more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        super().__init__(path, f"rows without the header's {width} fields: {shown}{more}")


def ragged_rows(text: str) -> tuple[list[tuple[int, int]], int]:
    """(data row, fields) of every row whose field count is not the header's, and that count.

    Rows as polars numbers them: a blank line is a row (of empty cells), not ragged.
    """
    records = csv.reader(io.StringIO(text))
    width = len(next(records, []))
    ragged = [(row, len(r)) for row, r in enumerate(records, start=1) if r and len(r) != width]
    return ragged, width


def read_file(dataset: str, path: Path, encoding: str = "auto") -> InputFile:
    """Read one input; CSV and Excel cells arrive as strings and are cast by the contract."""
    fmt = path.suffix.lower().lstrip(".")
    if path.stat().st_size == 0:
        raise InputError(path, "file is empty (no header row)")
    used_encoding = None
    try:
        if fmt == "csv":
            text, used_encoding = decode_csv(path, encoding)
            if not text.strip():
                raise InputError(path, "file is empty (no header row)")
            ragged, width = ragged_rows(text)
            if ragged:  # polars would stop at the first, or fill short rows in silently
                raise RaggedRows(path, ragged, width)
            frame = pl.read_csv(
                io.BytesIO(text.encode("utf-8")), infer_schema=False, raise_if_empty=True
            )
            # a quoted empty cell ("") is as missing as an unquoted one: tools that quote every
            # cell (R's write.csv, pandas with QUOTE_ALL) write missing values that way
            frame = frame.with_columns(pl.col(pl.String).replace("", None))
        elif fmt == "parquet":
            frame = pl.read_parquet(path)
        elif fmt == "xlsx":
            frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
        else:  # pragma: no cover - discover() only returns known formats
            raise InputError(path, f"unsupported format {fmt!r}")
    except InputError:
        raise
    except Exception as exc:  # polars/fastexcel raise many types for a corrupt file
        raise InputError(path, f"cannot read {fmt} file: {type(exc).__name__}: {exc}") from exc
    return InputFile(dataset, path, fmt, sha256_file(path), used_encoding, frame, frame.height)
