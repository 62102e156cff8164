"""Contract checks as DuckDB SQL agree with pandera, failure for failure, on the same bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi import export, sql_checks
from kpi.config import load_settings
from kpi.contracts import load_contract
from kpi.errors import DefinitionError
from kpi.pipeline import (
    Definitions,
    check_exported_mart,
    check_mart_schema,
    read_and_validate,
)

from .helpers import write_csv

COLUMNS = ["dataset", "row", "column", "check", "value", "severity"]


def failures(data: Path, engine: str, **validation) -> list[tuple]:
    """The validation failures of a data directory, with the given engine for Parquet inputs."""
    settings = load_settings(None, data=data, validation={"engine": engine, **validation})
    validated = read_and_validate(settings, Definitions.load(settings))
    frame = validated.report.failures_frame().select(COLUMNS)
    return sorted(frame.iter_rows(), key=repr)


def proven(data: Path, **validation) -> dict[str, list[str]]:
    """The rules each input's Parquet statistics proved (checked in DuckDB)."""
    settings = load_settings(None, data=data, validation={"engine": "duckdb", **validation})
    summary = read_and_validate(settings, Definitions.load(settings)).report.summary()
    inputs = ("papers", "affiliations")
    return {n: d["proven_by_statistics"] for n, d in summary["datasets"].items() if n in inputs}


def checked_by(data: Path, engine: str) -> dict[str, str]:
    settings = load_settings(None, data=data, validation={"engine": engine})
    summary = read_and_validate(settings, Definitions.load(settings)).report.summary()
    inputs = ("papers", "affiliations")
    return {name: d["checked_by"] for name, d in summary["datasets"].items() if name in inputs}


def papers(**overrides) -> pl.DataFrame:
    base = {
        "paper_id": ["p1", "p2", "p3", "p4"],
        "pub_year": [2001, 2002, 2003, 2004],
        "field": ["A", None, "B", "C"],
        "doc_type": ["article", "review", "article", "article"],
        "citations": [1, 0, 2, 3],
        "source": ["s"] * 4,
    }
    return pl.DataFrame({**base, **overrides})


def affiliations(**overrides) -> pl.DataFrame:
    base = {
        "paper_id": ["p1", "p1", "p2", "p3"],
        "address_seq": [1, 2, 1, 1],
        "author_seq": [1, 2, 1, None],
        "author": ["a", "b", "c", None],
        "institution": ["i", "j", "k", "l"],
        "country": ["JPN", "USA", "JPN", "FRA"],
        "country_raw": ["Japan", "USA", "Japan", "France"],
    }
    return pl.DataFrame({**base, **overrides})


def data_dir(tmp_path: Path, **frames: pl.DataFrame) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for name, frame in frames.items():
        frame.write_parquet(data / f"{name}.parquet")
    return data


def test_a_clean_pair_passes_in_duckdb_and_is_recorded_as_checked_there(tmp_path):
    data = data_dir(tmp_path, papers=papers(), affiliations=affiliations())
    assert failures(data, "duckdb") == []
    assert checked_by(data, "duckdb") == {"papers": "duckdb", "affiliations": "duckdb"}
    assert checked_by(data, "auto") == {"papers": "pandera", "affiliations": "pandera"}


def bad_frames() -> dict[str, pl.DataFrame]:
    """Every kind of row failure, stored as the contracts' types (so statistics could prove)."""
    return {
        "papers": papers(
            paper_id=["p1", "p2", "p2", None],
            pub_year=pl.Series([1800, 2002, 2200, 2004], dtype=pl.Int32),
            doc_type=["article", None, "article", "article"],
            citations=[1, -3, 2, 3],
        ),
        "affiliations": affiliations(
            paper_id=["p1", "p1", "p9", "p3"],
            address_seq=pl.Series([1, 1, 0, 1], dtype=pl.Int32),
            author_seq=pl.Series([1, 1, None, None], dtype=pl.Int32),
            author=["a", "a", "c", None],
            country=["JPN", "jp", None, "FRANCE"],
        ).with_columns(extra=pl.lit(1)),
    }


# how the same frame may reach us: polars (statistics, no encoding statistics), pyarrow
# (statistics, dictionary pages: value checks run once per distinct value) and a writer that
# records neither (every rule scanned); two rows per row group so rules span row groups
WRITERS = {
    "polars": lambda frame, path: frame.write_parquet(path, row_group_size=2),
    "pyarrow": lambda frame, path: pq.write_table(frame.to_arrow(), path, row_group_size=2),
    "bare": lambda frame, path: pq.write_table(
        frame.to_arrow(), path, row_group_size=2, write_statistics=False, use_dictionary=False
    ),
}


def written(tmp_path: Path, writer: str, frames: dict[str, pl.DataFrame]) -> Path:
    data = tmp_path / writer
    data.mkdir()
    for name, frame in frames.items():
        WRITERS[writer](frame, data / f"{name}.parquet")
    return data


def test_every_kind_of_failure_is_reported_the_same_by_both_engines(tmp_path):
    data = data_dir(tmp_path, **bad_frames())
    by_duckdb, by_pandera = failures(data, "duckdb"), failures(data, "pandera")
    assert by_duckdb == by_pandera
    checks = {(f[0], f[1], f[3]) for f in by_duckdb}
    # worked out by hand from the frames above
    assert {
        ("papers", 1, "greater_than_or_equal_to(1900)"),
        ("papers", 3, "less_than_or_equal_to(2100)"),
        ("papers", 2, "greater_than_or_equal_to(0)"),
        ("papers", 2, "not_nullable"),
        ("papers", 4, "not_nullable"),
        ("papers", 2, "unique"),
        ("papers", 3, "unique"),
        ("papers", 2, "multiple_fields_uniqueness"),
        ("papers", 3, "multiple_fields_uniqueness"),
        ("affiliations", 1, "multiple_fields_uniqueness"),
        ("affiliations", 2, "multiple_fields_uniqueness"),
        ("affiliations", 3, "greater_than_or_equal_to(1)"),
        ("affiliations", 2, "str_matches('^[A-Z]{3}$')"),
        ("affiliations", 4, "str_matches('^[A-Z]{3}$')"),
        ("affiliations", 3, "author_has_seq"),
        ("affiliations", 3, "foreign_key(papers.paper_id)"),
        ("affiliations", 4, "foreign_key(papers.paper_id)"),
        ("affiliations", None, "column_in_contract"),
    } == checks


@pytest.mark.parametrize("writer", WRITERS)
def test_the_same_failures_whatever_wrote_the_file_and_with_statistics_off(tmp_path, writer):
    data = written(tmp_path, writer, bad_frames())
    by_pandera = failures(data, "pandera")
    assert len(by_pandera) == 18  # the 18 worked out by hand in the test above
    assert failures(data, "duckdb") == by_pandera
    assert failures(data, "duckdb", parquet_statistics=False) == by_pandera


def test_statistics_prove_only_what_no_row_breaks(tmp_path):
    """Worked out by hand from bad_frames: a rule is proven only when no row group's null
    count or integer bounds could hold a break, and only for columns stored as their type."""
    frames = bad_frames()
    frames["papers"] = frames["papers"].with_columns(pl.col("citations").cast(pl.Int32))
    data = written(tmp_path, "pyarrow", frames)
    assert proven(data) == {
        # citations is stored as int32, not the contract's int64: its bounds prove nothing
        "papers": ["pub_year: not_nullable", "citations: not_nullable"],
        "affiliations": [
            "paper_id: not_nullable",
            "address_seq: not_nullable",
            "author_seq: greater_than_or_equal_to(1)",  # rows 1-2 are 1, rows 3-4 null
        ],
    }
    assert proven(data, parquet_statistics=False) == {"papers": [], "affiliations": []}
    bare = written(tmp_path, "bare", frames)
    assert proven(bare) == {"papers": [], "affiliations": []}
    # the regex on country runs once per distinct value where the pages say there are few
    con = duckdb.connect()
    recorded = sql_checks.ColumnStatistics(0, True, 0, 1, dictionary=True)
    not_recorded = sql_checks.ColumnStatistics(None, False, None, None, dictionary=False)
    for directory, address_seq in ((data, recorded), (bare, not_recorded)):
        stats = sql_checks.parquet_statistics(con, directory / "affiliations.parquet")
        assert stats["address_seq"] == address_seq  # values 1, 1, 0, 1
        assert stats["country"].dictionary is address_seq.dictionary


def test_a_clean_file_stored_as_its_types_is_proven_without_a_scan(tmp_path):
    frames = {
        "papers": papers(pub_year=pl.Series([2001, 2002, 2003, 2004], dtype=pl.Int32)),
        "affiliations": affiliations(
            address_seq=pl.Series([1, 2, 1, 1], dtype=pl.Int32),
            author_seq=pl.Series([1, 2, 1, None], dtype=pl.Int32),
        ),
    }
    data = written(tmp_path, "polars", frames)
    assert failures(data, "duckdb") == []
    assert proven(data) == {
        "papers": [
            "paper_id: not_nullable",
            "pub_year: not_nullable",
            "pub_year: greater_than_or_equal_to(1900)",
            "pub_year: less_than_or_equal_to(2100)",
            "doc_type: not_nullable",
            "citations: not_nullable",
            "citations: greater_than_or_equal_to(0)",
        ],
        "affiliations": [
            "paper_id: not_nullable",
            "address_seq: not_nullable",
            "address_seq: greater_than_or_equal_to(1)",
            "author_seq: greater_than_or_equal_to(1)",
        ],
    }


KEY = ("paper_id", "address_seq", "author_seq")


@pytest.mark.parametrize(
    ("rows", "increasing"),
    [
        ([("p1", 1, 1), ("p1", 1, None), ("p1", 2, 1), ("p2", 1, None)], True),
        ([("p1", 1, None), ("p1", 1, None)], False),  # empty cells are equal in a key
        ([("p1", 1, None), ("p1", 1, 1)], False),  # empty cells sort last
        ([("p1", 1, 2), ("p1", 1, 1)], False),  # distinct but not in order: a group-by decides
        ([("p2", 1, 1), ("p1", 1, 1)], False),
        ([("p1", 1, 1)], True),
        ([], True),
    ],
)
def test_a_key_strictly_increases_only_when_every_row_is_above_the_one_before(rows, increasing):
    con = duckdb.connect()
    con.execute("create table t (paper_id varchar, address_seq integer, author_seq integer)")
    if rows:
        con.executemany("insert into t values (?, ?, ?)", rows)
    for full in (set(), {"paper_id", "address_seq"}):  # without the is-null part where none
        assert sql_checks._strictly_increasing(con, "t", KEY, "", full) is increasing


@pytest.mark.parametrize("duplicated", [False, True])
def test_a_sorted_file_with_empty_key_cells_is_checked_exactly(tmp_path, duplicated):
    """Sorted on the key (so its statistics say ordered), empty author_seq among them."""
    seqs = [1, 2, None, None] if duplicated else [1, 2, 3, None]
    frames = {
        "papers": papers(),
        "affiliations": affiliations(
            paper_id=["p1", "p1", "p1", "p1"],
            address_seq=pl.Series([1, 1, 1, 1], dtype=pl.Int32),
            author_seq=pl.Series(seqs, dtype=pl.Int32),
            author=["a", "b", None, None],
        ),
    }
    data = written(tmp_path, "pyarrow", frames)
    stats = sql_checks.parquet_statistics(duckdb.connect(), data / "affiliations.parquet")
    assert stats["paper_id"].ordered
    by_duckdb = failures(data, "duckdb")
    assert by_duckdb == failures(data, "pandera")
    assert [(f[1], f[3]) for f in by_duckdb] == (
        [(3, "multiple_fields_uniqueness"), (4, "multiple_fields_uniqueness")] if duplicated else []
    )


def test_cells_that_are_not_their_type_fail_once_and_whole_floats_are_integers(tmp_path):
    data = data_dir(
        tmp_path,
        papers=papers(
            pub_year=["2001", " 2002 ", "twenty", "2004"],
            citations=[1.0, 2.5, 3.0, None],
        ),
        affiliations=affiliations(),
    )
    by_duckdb = failures(data, "duckdb")
    assert by_duckdb == failures(data, "pandera")
    assert [(f[1], f[2], f[3], f[4]) for f in by_duckdb] == [
        (2, "citations", "dtype(int64)", "2.5"),
        (3, "pub_year", "dtype(int32)", "twenty"),
        (4, "citations", "not_nullable", None),
    ]


# text cells of number columns (papers.citations int64, observations.value float64): DuckDB
# alone reads more of them than polars does, '2.5' even as the integer 3 and '1_000' as 1000
TEXT_CELLS = ["2001", "+2001", "-0", " 2002\t", "\u00a02003", "2.5", "2.0", "1e3", "1_000",
              "0x7D1", "+-1", ".5", "3.", "inf", "NaN", "", "1,2"]  # fmt: skip


def observations(**columns) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"target_id": [f"t{i}" for i in range(n)], "period": [2001] * n,
            "value": [1.0] * n, "source": ["s"] * n}  # fmt: skip
    return pl.DataFrame({**base, **columns}).with_columns(pl.col("period").cast(pl.Int32))


def test_text_is_a_number_exactly_where_polars_reads_one(tmp_path):
    data = data_dir(
        tmp_path,
        papers=papers(
            paper_id=[f"p{i:02}" for i in range(len(TEXT_CELLS))],
            pub_year=[2001] * len(TEXT_CELLS),
            field=["F"] * len(TEXT_CELLS),
            doc_type=["article"] * len(TEXT_CELLS),
            citations=TEXT_CELLS,
            source=["s"] * len(TEXT_CELLS),
        ),
        observations=observations(value=TEXT_CELLS),
    )
    by_duckdb = [f for f in failures(data, "duckdb") if f[0] != "affiliations"]
    assert by_duckdb == [f for f in failures(data, "pandera") if f[0] != "affiliations"]
    # by hand: an integer is optional sign and digits, trimmed; a float also takes a point, an
    # exponent, inf and NaN (NaN is then a missing value); no separators, hex or double signs
    not_integers = range(6, 18)  # '2.5' ... '1,2', rows 6 to 17
    assert sorted((f[1], f[3], f[4]) for f in by_duckdb if f[0] == "papers") == [
        (row, "dtype(int64)", TEXT_CELLS[row - 1]) for row in not_integers
    ]
    cells = sorted((f[1], f[3], f[4]) for f in by_duckdb if f[0] == "observations" and f[2])
    assert cells == [
        (9, "dtype(float64)", "1_000"),
        (10, "dtype(float64)", "0x7D1"),
        (11, "dtype(float64)", "+-1"),
        (15, "not_nullable", "NaN"),
        (16, "dtype(float64)", ""),
        (17, "dtype(float64)", "1,2"),
    ]
    # inf and NaN are read as floats, and are not finite
    rows = sorted((f[1], f[3]) for f in by_duckdb if f[0] == "observations" and not f[2])
    assert rows == [(14, "value_is_finite"), (15, "value_is_finite")]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(
        # number-like text: signs, digits with separators, a point, an exponent, spaces
        st.one_of(
            st.from_regex(r"[ \t]?[+-]{0,2}[0-9_]{0,3}[.]?[0-9]{0,2}([eE][+-]?[0-9]{1,2})?[ ]?",
                          fullmatch=True),
            st.sampled_from(["inf", "-Infinity", "NaN", "0x10", "1,2", ""]),
        ),
        min_size=1, max_size=8,
    )
)  # fmt: skip
def test_random_text_in_number_columns_gets_the_same_failures(tmp_path, cells):
    data = tmp_path / "text"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    n = len(cells)
    papers(
        paper_id=[f"p{i}" for i in range(n)], pub_year=cells, field=["F"] * n,
        doc_type=["article"] * n, citations=cells, source=["s"] * n,
    ).write_parquet(data / "papers.parquet")  # fmt: skip
    observations(value=cells).write_parquet(data / "observations.parquet")
    assert failures(data, "duckdb") == failures(data, "pandera")


def test_nan_is_a_missing_value_even_where_the_statistics_leave_it_out(tmp_path):
    # polars records min = max = 1.0 for [1.0, NaN] (the format leaves NaN out of min/max) and
    # 0 nulls: neither proves the column complete, and a scan that skips row groups by those
    # min/max found the NaN in a count but not when fetching its row
    data = data_dir(tmp_path, observations=observations(value=[1.0, float("nan")]))
    by_duckdb = failures(data, "duckdb")
    assert by_duckdb == failures(data, "pandera")
    assert ("observations", 2, "value", "not_nullable", "NaN", "critical") in by_duckdb
    settings = load_settings(None, data=data, validation={"engine": "duckdb"})
    summary = read_and_validate(settings, Definitions.load(settings)).report.summary()
    assert "value: not_nullable" not in summary["datasets"]["observations"]["proven_by_statistics"]


def test_a_row_with_an_infinite_value_is_shown_as_json(tmp_path):
    flows = pl.DataFrame({
        "country": ["JPN", "JPN"], "period_start": [2001, 2001], "period_end": [2002, 2002],
        "measure": ["inflow", "stayers"], "value": [1.0, float("-inf")], "source": ["s", "s"],
    }).with_columns(pl.col("period_start", "period_end").cast(pl.Int32))  # fmt: skip
    data = data_dir(tmp_path, author_flows_published=flows)
    by_duckdb = failures(data, "duckdb")
    assert by_duckdb == failures(data, "pandera")
    [negative] = [f for f in by_duckdb if f[3] == "counts_are_not_negative"]
    assert negative[1] == 2 and json.loads(negative[4])["value"] is None


def test_dates_numbers_and_decimals_convert_only_when_exact(tmp_path):
    import datetime as dt
    from decimal import Decimal

    decimals = pl.Series([Decimal("2001.0"), Decimal("2100.4"), Decimal("1899.6")],
                         dtype=pl.Decimal(6, 1))  # fmt: skip
    citations = pl.Series([Decimal("1.0"), Decimal("2.5"), Decimal("-0.4")], dtype=pl.Decimal(6, 1))
    zoned = pl.Series([dt.datetime(2001, 1, 5, 20), dt.datetime(2001, 1, 6, 1)])
    data = tmp_path / "exact"
    data.mkdir()
    papers(
        paper_id=["p1", "p2", "p3"], pub_year=decimals, field=["F"] * 3,
        doc_type=["article"] * 3, citations=citations, source=["s"] * 3,
    ).write_parquet(data / "papers.parquet")  # fmt: skip
    observations(published=zoned.dt.replace_time_zone("Asia/Tokyo")).write_parquet(
        data / "observations.parquet"
    )
    by_duckdb = failures(data, "duckdb")
    # the same failures; a zoned time's text differs (DuckDB shows it in UTC, polars in its zone)
    assert [f[:4] for f in by_duckdb] == [f[:4] for f in failures(data, "pandera")]
    # a decimal that is not a whole number is not an integer (polars alone would truncate it,
    # DuckDB alone round it); a zoned time is not a date (its day depends on the zone)
    assert sorted((f[0], f[1], f[2], f[3]) for f in by_duckdb if f[1] is not None) == [
        ("observations", 1, "published", "dtype(date)"),
        ("observations", 2, "published", "dtype(date)"),
        ("papers", 2, "citations", "dtype(int64)"),
        ("papers", 2, "pub_year", "dtype(int32)"),
        ("papers", 3, "citations", "dtype(int64)"),
        ("papers", 3, "pub_year", "dtype(int32)"),
    ]
    # the day count 11327 is not a date, nor a date a year
    days = tmp_path / "days"
    days.mkdir()
    observations(published=pl.Series([11327], dtype=pl.Int32)).write_parquet(
        days / "observations.parquet"
    )
    papers(pub_year=[dt.date(2001, 1, 5)] * 4).write_parquet(days / "papers.parquet")
    by_duckdb = failures(days, "duckdb")
    assert by_duckdb == failures(days, "pandera")
    assert sorted((f[0], f[1], f[3]) for f in by_duckdb if f[1] is not None) == [
        ("observations", 1, "dtype(date)"),
        *(("papers", row, "dtype(int32)") for row in (1, 2, 3, 4)),
    ]


def test_a_file_whose_pages_do_not_decode_is_reported_as_unreadable(tmp_path):
    data = data_dir(tmp_path, affiliations=affiliations())
    pq.write_table(papers().to_arrow(), data / "papers.parquet", use_dictionary=False)
    raw = bytearray((data / "papers.parquet").read_bytes())
    raw[8:120] = b"\xff" * 112  # the first column's pages; the footer is intact
    (data / "papers.parquet").write_bytes(bytes(raw))
    for engine in ("duckdb", "pandera"):
        reported = failures(data, engine)
        assert [(f[0], f[3]) for f in reported if f[0] == "papers"] == [("papers", "readable")]
        assert "cannot read parquet file" in reported[-1][4]


def test_a_file_with_a_column_duckdb_adds_or_renames_is_checked_by_pandera(tmp_path):
    extra = papers().with_columns(file_row_number=pl.lit(7), PUB_YEAR=pl.lit(2001))
    data = data_dir(tmp_path, papers=extra, affiliations=affiliations())
    assert checked_by(data, "duckdb") == {"papers": "pandera", "affiliations": "duckdb"}
    by_duckdb = failures(data, "duckdb")
    assert by_duckdb == failures(data, "pandera")
    assert [(f[2], f[3]) for f in by_duckdb] == [
        ("PUB_YEAR", "column_in_contract"),
        ("file_row_number", "column_in_contract"),
    ]


def test_a_field_named_all_is_refused(tmp_path):
    # ALL names the all-fields rows of top10_coauthorship: a field of that name would give
    # those rows twice
    data = data_dir(tmp_path, papers=papers(field=["ALL", None, " ALL ", "all"]),
                    affiliations=affiliations())  # fmt: skip
    by_duckdb = failures(data, "duckdb")
    assert by_duckdb == failures(data, "pandera")
    assert [(f[1], f[3]) for f in by_duckdb] == [(1, "field_is_not_all"), (3, "field_is_not_all")]


def test_missing_columns_and_an_empty_file_are_reported(tmp_path):
    data = data_dir(
        tmp_path,
        papers=papers().drop("citations", "source"),
        affiliations=affiliations().clear(),
    )
    by_duckdb = failures(data, "duckdb")
    assert by_duckdb == failures(data, "pandera")
    assert ("papers", None, "citations", "column_present", None, "critical") in by_duckdb
    assert not any(f[2] == "source" for f in by_duckdb)  # nullable: may be left out
    assert ("affiliations", None, None, "not_empty", "0 rows", "critical") in by_duckdb


def test_checks_side_by_side_report_exactly_what_checks_one_at_a_time_report(tmp_path):
    """The datasets' checks and the foreign key run on concurrent cursors; capped at one
    thread they run one after another. The report is the same, row for row and in order."""
    data = data_dir(tmp_path, **bad_frames())

    def reported(**engine) -> list:
        # the failures as the report holds them (dataset by dataset, unsorted): their order
        # is the order the checks' results were gathered in
        settings = load_settings(None, data=data, validation={"engine": "duckdb"}, engine=engine)
        return read_and_validate(settings, Definitions.load(settings)).report.failures

    side_by_side = reported()
    assert len(side_by_side) == 18  # the 18 worked out by hand above
    assert reported(threads=1) == side_by_side
    assert [reported() for _ in range(3)] == [side_by_side] * 3


def test_foreign_keys_across_engines_and_to_an_absent_parent(tmp_path):
    """A small CSV child of a Parquet parent checked in DuckDB, and a parent not given at all."""
    data = data_dir(tmp_path, papers=papers())
    write_csv(
        data,
        "affiliations",
        [
            {"paper_id": "p1", "address_seq": 1, "author_seq": 1, "country": "JPN"},
            {"paper_id": "p7", "address_seq": 1, "author_seq": 1, "country": "JPN"},
        ],
    )
    assert checked_by(data, "duckdb") == {"papers": "duckdb", "affiliations": "pandera"}
    orphan = ("affiliations", 2, "paper_id", "foreign_key(papers.paper_id)", "p7", "critical")
    assert failures(data, "duckdb") == failures(data, "pandera") == [orphan]

    (data / "papers.parquet").unlink()
    (data / "affiliations.csv").unlink()
    affiliations().write_parquet(data / "affiliations.parquet")
    by_duckdb = failures(data, "duckdb")
    assert by_duckdb == failures(data, "pandera")
    assert [f[1] for f in by_duckdb if f[3].startswith("foreign_key")] == [1, 2, 3, 4]


ids = st.sampled_from(["p1", "p2", "p3", None])
ints = st.one_of(st.none(), st.integers(-5, 2300))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    paper_rows=st.lists(st.tuples(ids, ints, ints), min_size=1, max_size=8),
    affiliation_rows=st.lists(
        st.tuples(ids, ints, st.one_of(st.none(), st.integers(0, 3)),
                  st.sampled_from(["JPN", "usa", "", None, "ABCD"]),
                  st.sampled_from(["x", None])),
        min_size=1, max_size=8,
    ),
)  # fmt: skip
def test_random_bad_inputs_get_the_same_failures_from_both_engines(
    tmp_path, paper_rows, affiliation_rows
):
    """A deliberately different method (pandera on polars) as the oracle for the SQL checks."""
    data = tmp_path / "h"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    pl.DataFrame(
        [(p, y, "F", "article", c, None) for p, y, c in paper_rows],
        schema={"paper_id": pl.String, "pub_year": pl.Int64, "field": pl.String,
                "doc_type": pl.String, "citations": pl.Int64, "source": pl.String},
        orient="row",
    ).write_parquet(data / "papers.parquet")  # fmt: skip
    pl.DataFrame(
        affiliation_rows,
        schema={"paper_id": pl.String, "address_seq": pl.Int64, "author_seq": pl.Int64,
                "country": pl.String, "author": pl.String},
        orient="row",
    ).write_parquet(data / "affiliations.parquet")  # fmt: skip
    assert failures(data, "duckdb") == failures(data, "pandera")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    paper_rows=st.lists(st.tuples(ids, ints, ints), min_size=1, max_size=8),
    affiliation_rows=st.lists(
        st.tuples(ids, st.one_of(st.none(), st.integers(0, 2)),
                  st.one_of(st.none(), st.integers(0, 2)),
                  st.sampled_from(["JPN", "usa", None]), st.sampled_from(["x", None])),
        min_size=1, max_size=8,
    ),
    writer=st.sampled_from(sorted(WRITERS)),
    sort=st.booleans(),
)  # fmt: skip
def test_random_files_stored_as_their_types_get_the_same_failures(
    tmp_path, paper_rows, affiliation_rows, writer, sort
):
    """Statistics proofs, checks per distinct value and the one-pass key check on random files
    stored as the contracts' types, sorted on their keys (as kpi import writes them) or not,
    two rows per row group, against pandera."""
    data = tmp_path / "typed"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    paper_frame = pl.DataFrame(
        [(p, y, "F", "article", c, None) for p, y, c in paper_rows],
        schema={"paper_id": pl.String, "pub_year": pl.Int32, "field": pl.String,
                "doc_type": pl.String, "citations": pl.Int64, "source": pl.String},
        orient="row",
    )  # fmt: skip
    affiliation_frame = pl.DataFrame(
        affiliation_rows,
        schema={"paper_id": pl.String, "address_seq": pl.Int32, "author_seq": pl.Int32,
                "country": pl.String, "author": pl.String},
        orient="row",
    )  # fmt: skip
    if sort:
        paper_frame = paper_frame.sort("paper_id", nulls_last=True)
        affiliation_frame = affiliation_frame.sort(list(KEY), nulls_last=True)
    WRITERS[writer](paper_frame, data / "papers.parquet")
    WRITERS[writer](affiliation_frame, data / "affiliations.parquet")
    assert failures(data, "duckdb") == failures(data, "pandera")


def test_the_model_view_reads_the_file_typed_as_the_contract(tmp_path, repo):
    path = tmp_path / "papers.parquet"
    papers(pub_year=["2001", "2002", "2003", "2004"]).write_parquet(path)
    contract = load_contract(repo / "schemas" / "papers.yaml")
    con = duckdb.connect()
    present = sql_checks.parquet_columns(con, path)
    view = con.sql(sql_checks.model_view(contract, present, path))
    assert dict(zip(view.columns, map(str, view.types), strict=True))["pub_year"] == "INTEGER"
    assert view.pl()["pub_year"].to_list() == [2001, 2002, 2003, 2004]


def test_a_written_mart_that_breaks_its_contract_is_named_by_its_file_rows(tmp_path, repo):
    contract = load_contract(repo / "sql" / "marts" / "exchange_researchers.yaml")
    key = contract.key
    con = duckdb.connect()
    columns = ", ".join(
        f"NULL::{sql_checks.DUCKDB_TYPES[c.type]} as {sql_checks.quote(n)}"
        for n, c in contract.columns.items()
    )
    con.execute(f"create table exchange_researchers as select {columns} from range(2)")
    # the columns and their types are right: only the written rows break the contract
    assert sql_checks.table_schema_failures(con, "exchange_researchers", contract) == []
    path = tmp_path / "exchange_researchers.parquet"
    export.write_parquet(con, "exchange_researchers", contract, path, {})
    present = sql_checks.parquet_columns(con, path)
    found, _ = sql_checks.check_parquet(
        con, "exchange_researchers", path, contract, "f", present, 2,
        sql_checks.parquet_statistics(con, path),
    )  # fmt: skip
    assert {(f.row, f.column, f.check) for f in found} >= {
        (1, key[0], "not_nullable"),
        (2, key[0], "not_nullable"),
        (1, ",".join(key), "multiple_fields_uniqueness"),
        (2, ",".join(key), "multiple_fields_uniqueness"),
    }
    with pytest.raises(DefinitionError, match="mart exchange_researchers breaks its contract"):
        check_exported_mart(con, "exchange_researchers", contract, path)


def test_a_mart_column_of_the_wrong_type_is_named_before_export(repo):
    contract = load_contract(repo / "sql" / "marts" / "exchange_researchers.yaml")
    con = duckdb.connect()
    columns = ", ".join(
        f"NULL::{'DECIMAL(18,3)' if c.type == 'float64' else sql_checks.DUCKDB_TYPES[c.type]}"
        f" as {sql_checks.quote(n)}"
        for n, c in contract.columns.items()
    )
    con.execute(f"create table exchange_researchers as select {columns} where false")
    wrong = sql_checks.table_schema_failures(con, "exchange_researchers", contract)
    float_columns = [n for n, c in contract.columns.items() if c.type == "float64"]
    assert float_columns, "the contract has float columns to get wrong"
    assert [(f.column, f.check, f.value) for f in wrong] == [
        (n, "dtype(float64)", "DECIMAL(18,3)") for n in float_columns
    ]
    with pytest.raises(DefinitionError, match="dtype"):
        check_mart_schema(con, "exchange_researchers", contract)


def test_a_mart_missing_a_column_or_with_one_too_many_is_named(repo):
    contract = load_contract(repo / "sql" / "marts" / "exchange_researchers.yaml")
    con = duckdb.connect()
    first, *rest = contract.columns
    columns = ", ".join(
        f"NULL::{sql_checks.DUCKDB_TYPES[contract.columns[n].type]} as {sql_checks.quote(n)}"
        for n in rest
    )
    con.execute(f"create table exchange_researchers as select {columns}, 1 as extra where false")
    wrong = sql_checks.table_schema_failures(con, "exchange_researchers", contract)
    assert sorted((f.column, f.check) for f in wrong) == [
        ("extra", "column_in_contract"),
        (first, "column_present"),
    ]


def test_a_run_on_large_inputs_fails_with_every_bad_row_and_writes_nothing(tmp_path, kpi, repo):
    """The real command, with the DuckDB path forced: exit 1, failures.csv, no indicators."""
    data = tmp_path / "data"
    shutil.copytree(repo / "data", data)
    frame = pl.read_parquet(data / "papers.parquet")
    bad = frame.with_columns(
        citations=pl.when(pl.int_range(pl.len()) % 1000 == 0).then(-1).otherwise("citations")
    )
    bad.write_parquet(data / "papers.parquet")
    out = tmp_path / "out"
    result = kpi("run", "--data", data, "--out", out, env={"KPI_VALIDATION__ENGINE": "duckdb"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert not (out / "indicators").exists()
    failed = pl.read_csv(out / "validation" / "failures.csv")
    expected_rows = list(range(1, frame.height + 1, 1000))
    assert failed["row"].to_list() == expected_rows
    assert set(failed["check"]) == {"greater_than_or_equal_to(0)"}
    summary = json.loads((out / "validation" / "summary.json").read_text())
    assert summary["datasets"]["papers"]["checked_by"] == "duckdb"


def test_a_key_holds_when_a_nullable_key_column_is_left_out(tmp_path):
    # affiliations' key is (paper_id, address_seq, author_seq); author_seq may be left out,
    # and then two rows of one address are duplicates (the key was not checked at all)
    data = data_dir(
        tmp_path, papers=papers(), affiliations=affiliations(address_seq=[1, 1, 1, 1]).drop(
            "author_seq", "author"
        ),
    )  # fmt: skip
    by_duckdb = failures(data, "duckdb")
    assert by_duckdb == failures(data, "pandera")
    assert [(f[1], f[3]) for f in by_duckdb] == [
        (1, "multiple_fields_uniqueness"),
        (2, "multiple_fields_uniqueness"),
    ]
