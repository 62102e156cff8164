"""The papers and affiliations tables an importer returns, its report, and writing them to disk."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from kpi.errors import KpiError

PAPERS_SCHEMA = {
    "paper_id": pl.Utf8,
    "pub_year": pl.Int32,
    "field": pl.Utf8,
    "doc_type": pl.Utf8,
    "citations": pl.Int64,
    "source": pl.Utf8,
}
AFFILIATIONS_SCHEMA = {
    "paper_id": pl.Utf8,
    "address_seq": pl.Int32,
    "author_seq": pl.Int32,
    "author": pl.Utf8,
    "institution": pl.Utf8,
    "country": pl.Utf8,
    "country_raw": pl.Utf8,
}
SORT_KEY = ["paper_id", "address_seq", "author_seq"]


class KpiImportError(KpiError):
    """A source file cannot be imported; says where (file, row, column) and what (value)."""

    def __init__(
        self,
        path,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ):
        self.path, self.row, self.column, self.value = str(path), row, column, value
        where = self.path + (f", row {row}" if row is not None else "")
        where += f", column {column!r}" if column else ""
        what = f" (value {value!r})" if value is not None else ""
        super().__init__(f"{where}: {message}{what}")


@dataclass
class ImportReport:
    source: str
    files: list[str]
    records_read: int
    papers: int
    affiliations: int
    duplicates_dropped: int
    skipped_no_year: list[str]
    unmapped_countries: dict[str, int]
    # how `field` was assigned (scheme, mapping file and its sha256, papers left without one),
    # from importers that offer a choice; left out of the report when None
    field_assignment: dict | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        if data["field_assignment"] is None:
            del data["field_assignment"]
        return data


@dataclass
class ImportResult:
    papers: pl.DataFrame
    affiliations: pl.DataFrame
    report: ImportReport
    papers_metadata: dict[str, str] = field(default_factory=dict)  # Parquet key-value metadata


def assemble(
    source: str,
    files: list[str],
    *,
    records_read: int,
    duplicates_dropped: int,
    skipped_no_year: list[str],
    papers: list[tuple],
    affiliations: list[tuple],
    field_assignment: dict | None = None,
    papers_metadata: dict[str, str] | None = None,
) -> ImportResult:
    """Typed, sorted tables plus the report; rows are tuples in schema order (papers without
    `source`). `papers_metadata` goes into papers.parquet as key-value metadata."""
    paper_frame = pl.DataFrame(
        [(*row, source) for row in papers], schema=PAPERS_SCHEMA, orient="row"
    ).sort("paper_id")
    affiliation_frame = pl.DataFrame(affiliations, schema=AFFILIATIONS_SCHEMA, orient="row").sort(
        SORT_KEY, nulls_last=True, maintain_order=True
    )
    unmapped = Counter(
        raw for *_, country, raw in affiliations if country is None and raw is not None
    )
    report = ImportReport(
        source=source,
        files=files,
        records_read=records_read,
        papers=paper_frame.height,
        affiliations=affiliation_frame.height,
        duplicates_dropped=duplicates_dropped,
        skipped_no_year=skipped_no_year,
        unmapped_countries=dict(sorted(unmapped.items())),
        field_assignment=field_assignment,
    )
    return ImportResult(paper_frame, affiliation_frame, report, dict(papers_metadata or {}))


FLOWS_SCHEMA = {
    "origin": pl.Utf8,
    "destination": pl.Utf8,
    "period_start": pl.Int32,
    "period_end": pl.Int32,
    "researchers": pl.Float64,
    "sex": pl.Utf8,
    "source": pl.Utf8,
}
FLOWS_SORT_KEY = ["period_start", "period_end", "origin", "destination", "sex"]


@dataclass
class FlowsReport:
    source: str
    files: list[str]
    records_read: int
    flows: int
    skipped: dict[str, int]  # reason -> records not imported (aggregates, missing values, ...)
    unmapped_names: dict[str, int]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FlowsResult:
    """An `author_flows` table (schema FLOWS_SCHEMA) and what the import did."""

    flows: pl.DataFrame
    report: FlowsReport


def flows_frame(rows: list[tuple]) -> pl.DataFrame:
    """Typed and sorted `author_flows` rows (tuples in FLOWS_SCHEMA order)."""
    frame = pl.DataFrame(rows, schema=FLOWS_SCHEMA, orient="row")
    return frame.sort(FLOWS_SORT_KEY, nulls_last=False, maintain_order=True)


def write_flows(result: FlowsResult, out_dir: Path) -> dict:
    """Write author_flows.parquet and import_report.json atomically; {file name: sha256}."""
    return write_files({"author_flows.parquet": result.flows}, result.report.to_dict(), out_dir)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_import(result: ImportResult, out_dir: Path) -> dict:
    """Write papers.parquet, affiliations.parquet and import_report.json into `out_dir`.

    Files are written into a temporary directory beside `out_dir` and renamed into place, so a
    failed write never leaves a half-written file there. Returns {file name: sha256}.
    """
    frames = {"papers.parquet": result.papers, "affiliations.parquet": result.affiliations}
    metadata = {"papers.parquet": result.papers_metadata}
    return write_files(frames, result.report.to_dict(), out_dir, metadata)


def write_files(
    frames: dict[str, pl.DataFrame],
    report_data: dict,
    out_dir: Path,
    metadata: dict[str, dict[str, str]] | None = None,
) -> dict:
    """Parquet files (with `metadata[name]` as key-value metadata) and import_report.json,
    written beside `out_dir` and renamed into it."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for name, frame in frames.items():
            frame.write_parquet(staging / name, metadata=(metadata or {}).get(name) or None)
        report = json.dumps(report_data, indent=2, ensure_ascii=False) + "\n"
        (staging / "import_report.json").write_text(report, encoding="utf-8")
        hashes = {path.name: _sha256(path) for path in sorted(staging.iterdir())}
        for name in hashes:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return hashes
