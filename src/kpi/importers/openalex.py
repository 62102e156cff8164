"""Read OpenAlex works (JSON Lines, gzipped or not, or API result pages) into papers and
affiliations tables."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from kpi.importers.countries import country_from_alpha2
from kpi.importers.output import ImportResult, KpiImportError, assemble

GZIP_MAGIC = b"\x1f\x8b"


def short_id(url: str) -> str:
    """`https://openalex.org/W2741809807` -> `W2741809807` (a bare id is returned as is)."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def _open(path: Path) -> TextIO:
    # Snapshot parts are `.gz`, but renamed or downloaded files may not say so: trust the bytes.
    with path.open("rb") as handle:
        magic = handle.read(2)
    if magic == GZIP_MAGIC:  # a BOM inside is read past, as in a plain file
        return gzip.open(path, "rt", encoding="utf-8-sig")
    return path.open(encoding="utf-8-sig")


def _works_in(value, path: Path, line: int) -> Iterator[tuple[int, dict]]:
    """A work, or each work of an API page `{"results": [...]}`."""
    if isinstance(value, dict) and isinstance(value.get("results"), list):
        for work in value["results"]:
            yield from _works_in(work, path, line)
    elif isinstance(value, dict):
        yield line, value
    else:
        raise KpiImportError(path, "not an OpenAlex work or result page", row=line)


def _json_values(handle: TextIO, path: Path) -> Iterator[tuple[int, object]]:
    """(line number, value) per line (JSON Lines); when the first line is not a whole JSON
    value, the whole file is one document instead (a pretty-printed API page)."""
    started = False
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            if started:
                raise KpiImportError(
                    path, f"malformed JSON: {exc.msg}", row=number, value=line[:80]
                ) from exc
            try:
                value = json.loads(line + handle.read())
            except json.JSONDecodeError as exc:
                row = number + exc.lineno - 1
                raise KpiImportError(path, f"malformed JSON: {exc.msg}", row=row) from exc
            yield number, value
            return
        started = True
        yield number, value


def iter_works(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, work) for every work in the file."""
    try:
        with _open(path) as handle:
            for number, value in _json_values(handle, path):
                yield from _works_in(value, path, number)
    except OSError as exc:  # includes gzip.BadGzipFile
        raise KpiImportError(path, f"cannot read file: {exc}") from exc
    except (EOFError, zlib.error) as exc:
        raise KpiImportError(path, f"truncated or corrupt gzip: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise KpiImportError(path, "not UTF-8") from exc


def _required(work: dict, key: str, kind: type, path: Path, line: int):
    value = work.get(key)
    # bool is an int subclass; `true` is not a count.
    if not isinstance(value, kind) or isinstance(value, bool):
        raise KpiImportError(
            path, f"{key} missing or not {kind.__name__}", row=line, column=key, value=repr(value)
        )
    return value


def _place(institution: dict) -> tuple[str | None, str | None]:
    """(short id, else display name; country_code) of one institution."""
    name = short_id(institution["id"]) if institution.get("id") else institution.get("display_name")
    return name, institution.get("country_code")


def affiliation_rows(paper_id: str, work: dict) -> list[tuple]:
    """One row per (authorship, institution); an authorship without institutions gets one row
    per country in `countries` (institution null). The same institution listed twice for one
    authorship is one row."""
    rows = []
    for author_seq, authorship in enumerate(work.get("authorships") or [], start=1):
        author = (authorship.get("author") or {}).get("display_name")
        institutions = authorship.get("institutions") or []
        places = [_place(inst) for inst in institutions] or [
            (None, code) for code in authorship.get("countries") or []
        ]
        for institution, code in dict.fromkeys(places):
            country = country_from_alpha2(code) if code else None
            rows.append((paper_id, len(rows) + 1, author_seq, author, institution, country, code))
    return rows


def read_openalex(files: Sequence[Path]) -> ImportResult:
    """Papers and affiliations from OpenAlex works.

    - paper_id = id shortened to `W...`; an id seen before (in any file) is dropped and counted.
    - pub_year = publication_year; a work without one is skipped and listed in
      `skipped_no_year`. doc_type = type as given; citations = cited_by_count.
    - field = primary_topic.field.display_name (null without a primary topic).
    - affiliations: see `affiliation_rows`; country = country_code as alpha-3 (XK -> XKX),
      country_raw = the alpha-2 code given.
    Errors name the file, the line, the key and the value.
    """
    seen: set[str] = set()
    papers, affiliations, skipped = [], [], []
    records = duplicates = 0
    for path in map(Path, files):
        for line, work in iter_works(path):
            records += 1
            paper_id = short_id(_required(work, "id", str, path, line))
            if paper_id in seen:
                duplicates += 1
                continue
            seen.add(paper_id)
            year = work.get("publication_year")
            if year is None:
                skipped.append(paper_id)
                continue
            year = _required(work, "publication_year", int, path, line)
            doc_type = _required(work, "type", str, path, line)
            citations = _required(work, "cited_by_count", int, path, line)
            if citations < 0:
                raise KpiImportError(
                    path,
                    "negative cited_by_count",
                    row=line,
                    column="cited_by_count",
                    value=str(citations),
                )
            topic_field = (work.get("primary_topic") or {}).get("field") or {}
            papers.append((paper_id, year, topic_field.get("display_name"), doc_type, citations))
            affiliations.extend(affiliation_rows(paper_id, work))
    return assemble(
        "openalex",
        [str(path) for path in files],
        records_read=records,
        duplicates_dropped=duplicates,
        skipped_no_year=skipped,
        papers=papers,
        affiliations=affiliations,
    )
