"""Read Web of Science "Tab delimited file" exports into papers and affiliations tables."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kpi.errors import UsageError
from kpi.importers.countries import country_from_wos
from kpi.importers.esi_journals import JournalFields, is_multidisciplinary, read_journal_fields
from kpi.importers.output import ImportResult, KpiImportError, assemble

TAG = re.compile(r"^[A-Z][A-Z0-9]$")
YEAR = re.compile(r"^\d{4}$")
EA_YEAR = re.compile(r"\b(\d{4})$")  # `JUN 2023` or `2023`
COUNT = re.compile(r"^\d+$")
# WoS files Hong Kong and Macau under `Peoples R China`; the city part before it tells them
# apart (`Hong Kong`, `Hong Kong 999077`, `Macau`, `Macao 999078`).
HONG_KONG = re.compile(r"^Hong Kong(?: \d+)?$", re.IGNORECASE)
MACAU = re.compile(r"^Maca[uo]\b", re.IGNORECASE)


class BadField(ValueError):
    """A record's field that breaks a rule; read_wos adds the file and line."""

    def __init__(self, column: str, value: str, problem: str):
        self.column, self.value, self.problem = column, value, problem
        super().__init__(f"{column} {problem}")


@dataclass
class Address:
    """One C1 entry: `[Author; Author] Organisation, Dept, City, Country`."""

    authors: list[str]  # empty when the entry has no author bracket
    institution: str | None
    country: str | None
    country_raw: str


# columns without which the export cannot give the indicators (an export of fewer fields is
# accepted by WoS, and every paper would then silently lack what the column holds)
REQUIRED_TAGS = {
    "UT": "accession number",
    "TC": "times cited: every paper would tie at 0 citations",
    "DT": "document type: no paper would pass the document-type filter",
    "C1": "addresses: no paper would have a country",
}
# field schemes: the first WoS category in WC (alphabetical, so arbitrary), or the ESI field of
# the journal, which NISTEP's Top10% figures normalise within
FIELD_SCHEMES = ("wc-first", "esi")
# the columns that name a record's journal; under `esi` an export needs at least one of them
JOURNAL_TAGS = {"SN": "ISSN", "EI": "eISSN", "SO": "source title"}


def _fields(line: str) -> list[str]:
    return line.rstrip("\r").split("\t")


def read_table(path: Path, *, journal_tags: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, {tag: value}) per record; every row must have the header's width.
    With `journal_tags` the header must have one of SN, EI, SO.

    Quote characters are ordinary text here: WoS never quotes fields, and titles, funding
    texts and abstracts contain literal `"` that a CSV reader would treat as quoting.
    """
    try:
        raw = path.read_bytes()
        # The "Win" export variant of older WoS versions is UTF-16 with a byte-order mark.
        text = raw.decode("utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig")
    except OSError as exc:
        raise KpiImportError(path, f"cannot read file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise KpiImportError(path, f"cannot decode (byte {exc.start})") from exc
    # Split on "\n" only: str.splitlines() would also break on U+2028 and friends in abstracts.
    lines = text.split("\n")
    header = _fields(lines[0])
    if header[-1] == "":  # exports may end every line with a tab
        header.pop()
    known = header[:1] == ["PT"] and all(TAG.match(tag) for tag in header)
    if not known or len(set(header)) != len(header):
        raise KpiImportError(
            path, "not a Web of Science tab-delimited header", row=1, value=lines[0].strip()[:60]
        )
    for tag, why in REQUIRED_TAGS.items():
        if tag not in header:
            raise KpiImportError(path, f"no {tag} column ({why}): re-export full records", row=1)
    if journal_tags and not set(JOURNAL_TAGS) & set(header):
        raise KpiImportError(
            path,
            "no SN, EI or SO column (ISSN, eISSN, source title): no paper could be matched to "
            "the ESI journal list: re-export full records",
            row=1,
        )
    width = len(header)
    for number, line in enumerate(lines[1:], start=2):
        fields = _fields(line)
        if fields == [""]:
            continue
        if len(fields) == width + 1 and fields[-1] == "":
            fields.pop()
        if len(fields) != width:
            raise KpiImportError(
                path, f"{len(fields)} fields where the header has {width}", row=number
            )
        yield number, dict(zip(header, fields, strict=True))


def split_addresses(c1: str) -> list[str]:
    """C1 entries, split on `;` outside the author brackets (authors are `;`-separated too)."""
    entries, depth, start = [], 0, 0
    for i, char in enumerate(c1):
        if char == "[":
            depth += 1
            if depth > 1:
                raise ValueError("nested '[' in C1")
        elif char == "]":
            depth -= 1
            if depth < 0:
                raise ValueError("']' without '[' in C1")
        elif char == ";" and depth == 0:
            entries.append(c1[start:i])
            start = i + 1
    if depth:
        raise ValueError("'[' without ']' in C1")
    entries.append(c1[start:])
    return [entry.strip() for entry in entries if entry.strip()]


def parse_address(entry: str, *, hk_macau_as_china: bool = False) -> Address:
    """Authors, organisation (first part) and country (last part) of one C1 entry."""
    authors: list[str] = []
    if entry.startswith("["):
        close = entry.index("]")
        authors = [name.strip() for name in entry[1:close].split(";") if name.strip()]
        entry = entry[close + 1 :]
    parts = [part.strip() for part in entry.split(",")]
    country_raw = parts[-1].rstrip(".").strip()
    country = country_from_wos(country_raw)
    if country == "CHN" and len(parts) > 1:
        before = parts[-2]
        region = "HKG" if HONG_KONG.match(before) else "MAC" if MACAU.match(before) else None
        if region:
            country, country_raw = region, f"{before}, {country_raw}"
    if hk_macau_as_china and country in ("HKG", "MAC"):
        country = "CHN"
    # A name listed twice in one bracket is one author at this address.
    unique_authors = list(dict.fromkeys(authors))
    return Address(unique_authors, parts[0] or None, country, country_raw)


def affiliation_rows(paper_id: str, c1: str, *, hk_macau_as_china: bool = False) -> list[tuple]:
    """One row per (author, address); an author keeps the number of their first appearance."""
    author_seq: dict[str, int] = {}
    rows = []
    for address_seq, entry in enumerate(split_addresses(c1), start=1):
        address = parse_address(entry, hk_macau_as_china=hk_macau_as_china)
        where = (address.institution, address.country, address.country_raw)
        if not address.authors:
            rows.append((paper_id, address_seq, None, None, *where))
        for author in address.authors:
            seq = author_seq.setdefault(author, len(author_seq) + 1)
            rows.append((paper_id, address_seq, seq, author, *where))
    return rows


def _pub_year(record: dict[str, str]) -> int | None:
    published = record.get("PY", "").strip()
    if published:
        if not YEAR.match(published):
            raise BadField("PY", published, "is not a 4-digit year")
        return int(published)
    early_access = record.get("EA", "").strip()
    if early_access:
        match = EA_YEAR.search(early_access)
        if not match:
            raise BadField("EA", early_access, "has no year")
        return int(match.group(1))
    return None


def _doc_type(record: dict[str, str]) -> str:
    types = [part.strip().lower() for part in record.get("DT", "").split(";") if part.strip()]
    if not types:
        raise BadField("DT", record.get("DT", ""), "is empty")
    for preferred in ("article", "review"):
        if preferred in types:
            return preferred
    return types[0]


def _citations(record: dict[str, str]) -> int:
    cited = record["TC"].strip()
    if not COUNT.match(cited):
        raise BadField("TC", cited, "is not a count")
    return int(cited)


class EsiFields:
    """field = the ESI field of the record's journal, counting the records left without one."""

    def __init__(self, journals: JournalFields):
        self.journals = journals
        self.matched_by: Counter[str] = Counter({tag: 0 for tag in JOURNAL_TAGS})
        self.unassigned: Counter[str] = Counter({"unmatched": 0, "multidisciplinary": 0})
        self.unmatched_journals: Counter[str] = Counter()
        self.first_unmatched: tuple | None = None

    def field(self, path: Path, line: int, paper_id: str, record: dict[str, str]) -> str | None:
        sn, ei, so = (record.get(tag, "").strip() for tag in JOURNAL_TAGS)
        found, column = self.journals.lookup({"SN": sn, "EI": ei}, {"SO": so})
        if found is None:
            self.unassigned["unmatched"] += 1
            # named by title and ISSN: two journals of one title stay apart, and a record
            # without SO is still named
            issn = sn or ei
            self.unmatched_journals[f"{so} [{issn}]" if so and issn else so or issn] += 1
            if self.first_unmatched is None:
                self.first_unmatched = (path, line, paper_id, sn, ei, so)
            return None
        self.matched_by[column] += 1
        # ESI files a Multidisciplinary journal's papers under the field of their references,
        # which an export does not carry: leave them unclassified rather than guess
        if is_multidisciplinary(found):
            self.unassigned["multidisciplinary"] += 1
            return None
        return found

    def unmatched_error(self) -> KpiImportError:
        path, line, paper_id, sn, ei, so = self.first_unmatched
        return KpiImportError(
            path,
            f"{paper_id}: journal not in the journal list {self.journals.path} "
            f"(SN {sn!r}, EI {ei!r}, SO {so!r}); {self.unassigned['unmatched']} paper(s) in "
            "all have a journal not in it",
            row=line,
        )

    def report(self) -> dict:
        return {
            "scheme": "esi",
            "journal_list": self.journals.path,
            "journal_list_sha256": self.journals.sha256,
            "journal_list_rows": self.journals.rows,
            "journal_list_ambiguous_titles": len(self.journals.ambiguous_titles),
            "matched_by": dict(self.matched_by),
            "unassigned": dict(self.unassigned),
            "unmatched_journals": dict(sorted(self.unmatched_journals.items())),
        }

    def parquet_metadata(self) -> dict[str, str]:
        # the file name only: the same list read from another directory gives the same bytes
        return {
            "kpi.field_scheme": "esi",
            "kpi.field_journal_list": Path(self.journals.path).name,
            "kpi.field_journal_list_sha256": self.journals.sha256,
        }


def read_wos(
    files: Sequence[Path],
    *,
    hk_macau_as_china: bool = False,
    field_scheme: str = "wc-first",
    esi_journals: Path | None = None,
    strict_journals: bool = False,
) -> ImportResult:
    """Papers and affiliations from WoS tab-delimited exports.

    - paper_id = UT; a UT seen before (in any file) is dropped and counted.
    - pub_year = PY, else the year of EA (early access); with neither the record is skipped
      and its UT listed in `skipped_no_year`.
    - doc_type = `article` if DT lists Article, else `review` if it lists Review, else the
      first DT entry, lower-cased.
    - field, by `field_scheme`: `wc-first` = the first WC category (null when empty); `esi` =
      the field `esi_journals` (Clarivate's ESI journal list, or an issn/source -> field
      table) gives the journal: SN, else EI, against the list's ISSNs and eISSNs, else SO
      against its full titles (case-insensitive). A journal not in the list, or in ESI's
      Multidisciplinary field, gives null; both are counted in `field_assignment`, and with
      `strict_journals` a journal not in the list is an error.
    - citations = TC. An export without a TC column, an empty or a non-numeric TC is an error.
    - affiliations from C1, see `affiliation_rows`; `hk_macau_as_china` files Hong Kong and
      Macau under CHN.
    Errors name the file, the line (header = 1), the column and the value.
    """
    if field_scheme not in FIELD_SCHEMES:
        raise UsageError(f"--field-scheme must be one of {', '.join(FIELD_SCHEMES)}")
    esi = None
    if field_scheme == "esi":
        if esi_journals is None:
            raise UsageError("--field-scheme esi needs --esi-journals FILE (the ESI journal list)")
        esi = EsiFields(read_journal_fields(esi_journals))
    elif esi_journals is not None:
        raise UsageError("--esi-journals is only used with --field-scheme esi")
    seen: set[str] = set()
    papers, affiliations, skipped = [], [], []
    records = duplicates = 0
    for path in map(Path, files):
        for line, record in read_table(path, journal_tags=esi is not None):
            records += 1
            paper_id = record["UT"].strip()
            if not paper_id:
                raise KpiImportError(path, "empty UT", row=line, column="UT")
            if paper_id in seen:
                duplicates += 1
                continue
            seen.add(paper_id)
            try:
                year = _pub_year(record)
                if year is None:
                    skipped.append(paper_id)
                    continue
                if esi is not None:
                    field = esi.field(path, line, paper_id, record)
                else:
                    categories = [c.strip() for c in record.get("WC", "").split(";") if c.strip()]
                    field = categories[0] if categories else None
                papers.append((paper_id, year, field, _doc_type(record), _citations(record)))
            except BadField as exc:
                raise KpiImportError(
                    path, str(exc), row=line, column=exc.column, value=exc.value
                ) from exc
            c1 = record.get("C1", "").strip()
            try:
                rows = affiliation_rows(paper_id, c1, hk_macau_as_china=hk_macau_as_china)
            except ValueError as exc:
                raise KpiImportError(path, str(exc), row=line, column="C1", value=c1) from exc
            affiliations.extend(rows)
    if esi is not None and strict_journals and esi.first_unmatched:
        raise esi.unmatched_error()
    return assemble(
        "wos",
        [str(path) for path in files],
        records_read=records,
        duplicates_dropped=duplicates,
        skipped_no_year=skipped,
        papers=papers,
        affiliations=affiliations,
        field_assignment=esi.report() if esi else {"scheme": "wc-first"},
        papers_metadata=esi.parquet_metadata() if esi else {"kpi.field_scheme": "wc-first"},
    )
