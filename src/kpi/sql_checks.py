"""Contract checks as DuckDB SQL, for Parquet inputs too large to hold as polars frames.

The same contract, the same failures (dataset, file, row, column, check, value, severity) and the
same check names as the pandera path (validation.py): tests/test_sql_checks.py runs both on the
same bad files and compares. The data stay in the Parquet file; DuckDB scans it once for all
row-wise checks, once per key, and fetches rows only for checks that found something. The file's
own metadata saves scans where it can: rules its statistics prove are not scanned, value checks
of dictionary-encoded columns run once per distinct value, and a key of a file sorted on it is
checked in one pass instead of a group-by.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import duckdb

from kpi.contracts import ColumnContract, Contract
from kpi.validation import _FALSE, _TRUE, Failure, _column_checks

DUCKDB_TYPES = {
    "int32": "INTEGER",
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "str": "VARCHAR",
    "bool": "BOOLEAN",
    "date": "DATE",
}
ROW = "__kpi_row"  # 1-based data row, as in the pandera path
FILE_ROW_NUMBER = "file_row_number"  # the column read_parquet adds to number the rows
_STRING_TYPES = {"VARCHAR"}
_FLOAT_TYPES = {"FLOAT", "DOUBLE"}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def parquet_source(path: Path) -> str:
    return f"read_parquet({literal(str(path))}, {FILE_ROW_NUMBER} = true)"


def parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    """Column name -> DuckDB type of a Parquet file, from its schema (no data read)."""
    rows = con.execute(f"describe select * from read_parquet({literal(str(path))})").fetchall()
    return {name: dtype for name, dtype, *_ in rows}


def cast_expr(name: str, source_type: str | None, target: str) -> str:
    """The contract-typed value of a column; NULL where the cell cannot be read as the type.

    Exactly the cells the pandera path (validation._cast_column) reads are read: DuckDB alone
    would also take '2.5' as the integer 3, '1_000' as 1000, '0x10' as 16, 1899.6 as 1900.
    """
    duck = DUCKDB_TYPES[target]
    if source_type is None:
        return f"NULL::{duck}"
    col = quote(name)
    if source_type == duck:
        return col
    if target == "str":
        return f"{col}::VARCHAR"
    if source_type in _STRING_TYPES:
        text = f"trim({col}, {literal(_WHITESPACE)})"
        if target == "date":
            return f"try_strptime({text}, '%Y-%m-%d')::DATE"
        if target == "bool":
            true, false = (", ".join(literal(v) for v in sorted(s)) for s in (_TRUE, _FALSE))
            return (
                f"(case when lower({text}) in ({true}) then true "
                f"when lower({text}) in ({false}) then false end)"
            )
        grammar = _FLOAT_TEXT if target == "float64" else _INTEGER_TEXT
        return (
            f"(case when regexp_full_match({text}, {literal(grammar)}, 'i') "
            f"then try_cast({text} as {duck}) end)"
        )
    if _temporal(source_type) != (target == "date") or source_type == _ZONED:
        # a date is not a number nor a number a date; a zoned time's date depends on the zone
        return f"NULL::{duck}"
    if target in ("int32", "int64") and (
        source_type in _FLOAT_TYPES or source_type.startswith("DECIMAL")
    ):
        # a number that is not a whole number must fail, not be rounded silently
        return f"(case when {col} = round({col}) then try_cast({col} as {duck}) end)"
    return f"try_cast({col} as {duck})"


# what polars' strip_chars() strips (Unicode White_Space); DuckDB's trim() strips spaces only
_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# the numbers as polars reads text: no digit separators, hex, or doubled signs
_INTEGER_TEXT = "[+-]?[0-9]+"
_FLOAT_TEXT = "[+-]?(([0-9]+[.]?[0-9]*|[.][0-9]+)(e[+-]?[0-9]+)?|inf|infinity|nan)"
_ZONED = "TIMESTAMP WITH TIME ZONE"


def _temporal(duckdb_type: str) -> bool:
    return duckdb_type.startswith(("DATE", "TIME", "INTERVAL"))


def typed_select(contract: Contract, present: dict[str, str], source: str) -> str:
    """SELECT of the contract's columns, cast to their types, from `source` (absent -> NULL)."""
    columns = [
        f"{cast_expr(name, present.get(name), col.type)} as {quote(name)}"
        for name, col in contract.columns.items()
    ]
    return f"select {', '.join(columns)} from {source}"


@dataclass(frozen=True)
class _Rule:
    """One row-wise rule: rows where `fails` is true break it; `value` is what the report shows.

    `kind` is the contract's check (ge, isin, ...), not_nullable, or row (a row check);
    `arg` its argument. They let Parquet statistics prove a rule without a scan.
    """

    column: str | None
    check: str
    fails: str
    value: str
    severity: str
    kind: str = "row"
    arg: object = None


@dataclass(frozen=True)
class ColumnStatistics:
    """What a Parquet file's own metadata says about one column, over all its row groups."""

    null_count: int | None  # None: some row group does not record it
    bounded: bool  # every row group with a value records exact integer min and max
    minimum: int | None  # of the non-null values (None: there are none, or not bounded)
    maximum: int | None
    dictionary: bool  # every data page dictionary-encoded: few distinct values per row group
    # each row group's values lie at or above the previous one's: the file is probably sorted
    # on this column (a hint for the key check, never a proof: min/max may be truncated)
    ordered: bool = False


_DICTIONARY_ENCODINGS = {"PLAIN_DICTIONARY", "RLE_DICTIONARY"}


def parquet_statistics(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, ColumnStatistics]:
    """Each top-level column's null count, integer bounds and encoding from the file footer
    (no data read): what `check_parquet` may prove a rule from instead of scanning."""
    cursor = con.execute("select * from parquet_metadata(?) order by row_group_id", [str(path)])
    fields = [d[0] for d in cursor.description]
    chunks: dict[str, list[dict]] = {}
    for row in cursor.fetchall():
        chunk = dict(zip(fields, row, strict=True))
        chunks.setdefault(chunk["path_in_schema"], []).append(chunk)
    return {name: _column_statistics(parts) for name, parts in chunks.items()}


def parquet_facts(
    con: duckdb.DuckDBPyConnection, path: Path, use_statistics: bool
) -> tuple[dict[str, str], dict[str, ColumnStatistics] | None]:
    """What `check_parquet` is given about a file, from its footer: its columns
    (parquet_columns) and, unless statistics are not to be used, parquet_statistics."""
    statistics = parquet_statistics(con, path) if use_statistics else None
    return parquet_columns(con, path), statistics


def _column_statistics(chunks: list[dict]) -> ColumnStatistics:
    """One column's row-group chunks (rows of parquet_metadata) summed up. A field a DuckDB too
    old does not report reads as not recorded: nothing is proven from it."""
    nulls = [c.get("stats_null_count") for c in chunks]
    null_count = None if None in nulls else sum(nulls)
    # an all-null row group holds no value to bound
    valued = [c for c in chunks if c.get("stats_null_count") != c.get("row_group_num_rows")]
    bounds = _integer_bounds(valued)
    pages = [page for c in chunks for page in (c.get("encoding_stats") or [])]
    dictionary = all(c.get("encoding_stats") for c in chunks) and all(
        p["encoding"] in _DICTIONARY_ENCODINGS for p in pages if p["page_type"].startswith("DATA")
    )
    return ColumnStatistics(
        null_count,
        bounds is not None,
        min(b[0] for b in bounds) if bounds else None,
        max(b[1] for b in bounds) if bounds else None,
        dictionary,
        _ordered(chunks, bounds),
    )


def _integer_bounds(chunks: list[dict]) -> list[tuple[int, int]] | None:
    """Each row group's exact (min, max) of an integer column; None when one is not recorded
    or the column is not an integer one."""
    if not all(c.get("type") in ("INT32", "INT64") for c in chunks):
        return None
    try:
        return [(int(c.get("stats_min_value")), int(c.get("stats_max_value"))) for c in chunks]
    except (TypeError, ValueError):
        return None


def _ordered(chunks: list[dict], bounds: list[tuple[int, int]] | None) -> bool:
    """Whether each row group's min is at or above the previous row group's max."""
    if bounds is None:  # strings compare as stored (UTF-8 byte order is code point order)
        bounds = [(c.get("stats_min_value"), c.get("stats_max_value")) for c in chunks]
        if any(None in b for b in bounds):
            return False
    return all(high <= low for (_, high), (low, _) in pairwise(bounds))


def proven(rule: _Rule, stats: ColumnStatistics | None, identity: bool) -> bool:
    """Whether the statistics show that no row can break `rule` (exact: nulls pass every check
    but not_nullable, and integer min/max are never truncated). `identity`: the column is
    stored as the contract's type, so the checked value is the stored one."""
    if stats is None:
        return False
    if rule.kind == "not_nullable":
        return stats.null_count == 0
    if not (identity and stats.bounded) or rule.kind not in _BOUND_CHECKS:
        return False
    if stats.minimum is None:
        return True  # every value is null
    return _BOUND_CHECKS[rule.kind](stats.minimum, stats.maximum, rule.arg)


_BOUND_CHECKS = {
    "ge": lambda low, high, a: low >= a,
    "gt": lambda low, high, a: low > a,
    "le": lambda low, high, a: high <= a,
    "lt": lambda low, high, a: high < a,
    "in_range": lambda low, high, a: low >= a[0] and high <= a[1],
}


def raw_name(name: str) -> str:
    """The untyped cell of a column beside its typed value in the checked relation."""
    return quote(f"raw:{name}")


def _column_rules(
    name: str, col: ColumnContract, stored_as_type: bool, finite: bool = False
) -> list[_Rule]:
    """The column's rules as SQL. `finite` (published marts): a float value must also be a
    finite number, as NaN counts as an empty cell in the value checks below and a published
    NaN or infinity is always a model's fault (an empty value is NULL)."""
    raw, typed = raw_name(name), quote(name)
    rules = []
    if finite and col.type == "float64":
        rules.append(
            _Rule(name, "finite", f"({typed} is not null and not isfinite({typed}))",
                  f"{typed}::VARCHAR", "critical", "finite")
        )  # fmt: skip
    if not stored_as_type:
        # a column stored as its contract type always reads as it: no dtype rule to check
        rules.append(
            _Rule(name, f"dtype({col.type})", f"{raw} is not null and {typed} is null",
                  f"{raw}::VARCHAR", "critical", "dtype")
        )  # fmt: skip
    if not col.nullable and col.type == "float64":
        # pandera counts NaN as missing too; a file's null count leaves NaN out, so this rule
        # is never taken as proven by the statistics
        rules.append(
            _Rule(name, "not_nullable", f"({raw} is null or isnan({typed}))",
                  f"case when isnan({typed}) then 'NaN' end", "critical", "not_nullable_nor_nan")
        )  # fmt: skip
    elif not col.nullable:
        rules.append(
            _Rule(name, "not_nullable", f"{raw} is null", "NULL", "critical", "not_nullable")
        )
    labels = [check.error for check in _column_checks(col)]
    compared = _compared(name, col)  # NaN passes value checks as an empty cell does
    for (kind, arg), label in zip(col.checks.items(), labels, strict=True):
        fails = _violation(kind, arg, compared)
        rules.append(_Rule(name, label, fails, f"{typed}::VARCHAR", col.severity, kind, arg))
    return rules


def _compared(name: str, col: ColumnContract) -> str:
    """A column as its value checks, keys and unique columns compare it: NaN in a float column
    is an empty cell (a missing value, as for not_nullable; DuckDB orders NaN above every
    number, which would break `le` alone)."""
    if col.type == "float64":
        return f"(case when isnan({quote(name)}) then null else {quote(name)} end)"
    return quote(name)


def _violation(kind: str, arg, typed: str) -> str:
    """SQL true when a present value breaks the check (NULLs pass: nullability is its own check)."""
    if kind == "isin":
        return f"{typed} not in ({', '.join(literal(v) for v in arg)})"
    if kind == "str_matches":
        pattern = arg if arg.startswith("^") else f"^{arg}"  # pandera anchors at the start
        return f"not regexp_matches({typed}, {literal(pattern)})"
    if kind == "str_length_max":
        return f"length({typed}) > {int(arg)}"
    if kind == "in_range":
        return f"({typed} < {literal(arg[0])} or {typed} > {literal(arg[1])})"
    operator = {"ge": "<", "gt": "<=", "le": ">", "lt": ">="}[kind]
    return f"{typed} {operator} {literal(arg)}"


def _row_json(contract: Contract) -> str:
    """The whole typed row as compact JSON, as pandera shows a frame-level failure case."""
    fields = ", ".join(
        # JSON has no NaN or infinity: null, as polars writes them (DuckDB writes -Infinity)
        f"{quote(n)} := (case when isfinite({quote(n)}) then {quote(n)} end)"
        if c.type == "float64"
        else f"{quote(n)} := {quote(n)}"
        for n, c in contract.columns.items()
    )
    return f"to_json(struct_pack({fields}))::VARCHAR"


def checked_relation(contract: Contract, present: dict[str, str], path: Path) -> str:
    """Typed columns under their own names (row checks read them), raw cells, row numbers."""
    typed = [
        f"{cast_expr(n, present.get(n), c.type)} as {quote(n)}" for n, c in contract.columns.items()
    ]
    raw = [f"{quote(n)} as {raw_name(n)}" for n in present if n in contract.columns]
    row = f"{FILE_ROW_NUMBER} + 1 as {ROW}"
    return f"(select {', '.join([*typed, *raw, row])} from {parquet_source(path)})"


def check_parquet(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    path: Path,
    contract: Contract,
    file: str,
    present: dict[str, str],
    rows: int,
    statistics: dict[str, ColumnStatistics] | None = None,
    finite: bool = False,
) -> tuple[list[Failure], list[str]]:
    """Every contract failure of one Parquet input, foreign keys aside, and the rules the
    file's `statistics` (parquet_statistics; None: scan every rule) proved without a scan.
    `finite`: every float value must be finite (a published mart, see _column_rules).

    `present` is the file's schema (parquet_columns) and `rows` its row count, both read once
    by the caller, which also builds the foreign-key relation from them.
    """
    failures = [
        Failure(dataset, file, None, name, "column_in_contract", name)
        for name in present
        if name not in contract.columns
    ]
    for name, col in contract.columns.items():
        if name not in present and not col.nullable:
            failures.append(Failure(dataset, file, None, name, "column_present", None))
    if rows == 0:
        return [*failures, Failure(dataset, file, None, None, "not_empty", "0 rows")], []
    relation = checked_relation(contract, present, path)
    found, proofs = _relation_failures(
        con, dataset, file, relation, contract, present, statistics, finite
    )
    return failures + found, proofs


def _relation_failures(
    con, dataset, file, relation, contract: Contract, present, statistics=None, finite=False
) -> tuple[list[Failure], list[str]]:
    # a column stored as its contract type: read as it, its checked value is the stored one
    identity = {n: present.get(n) == DUCKDB_TYPES[c.type] for n, c in contract.columns.items()}
    rules = [
        r
        for n, c in contract.columns.items()
        if n in present
        for r in _column_rules(n, c, identity[n], finite)
    ]
    rules += [
        _Rule(None, rc.name, f"not coalesce(({rc.expr}), false)", _row_json(contract),
              rc.severity)
        for rc in contract.row_checks
    ]  # fmt: skip
    stats = statistics or {}
    proofs = [r for r in rules if r.column and proven(r, stats.get(r.column), identity[r.column])]
    rules = [r for r in rules if r not in proofs]
    failures = _rule_failures(con, dataset, file, relation, rules, stats)
    failures += _uniqueness_failures(con, dataset, file, relation, contract, set(present), stats)
    return failures, [f"{r.column}: {r.check}" for r in proofs]


def table_schema_failures(
    con: duckdb.DuckDBPyConnection, table: str, contract: Contract
) -> list[Failure]:
    """A built table's columns against its contract, from the catalogue (no row read): none
    missing, none extra, each of exactly its contract type (a file read back could cast)."""
    rows = con.execute(f"describe {quote(table)}").fetchall()
    present = {name: dtype for name, dtype, *_ in rows}
    failures = [
        Failure(table, None, None, name, "column_in_contract", name)
        for name in present
        if name not in contract.columns
    ]
    for name, col in contract.columns.items():
        if name not in present:
            failures.append(Failure(table, None, None, name, "column_present", None))
        elif present[name] != DUCKDB_TYPES[col.type]:
            failures.append(Failure(table, None, None, name, f"dtype({col.type})", present[name]))
    return failures


_VALUE_CHECKS = {"isin", "str_matches", "str_length_max", *_BOUND_CHECKS}


def _rule_failures(
    con, dataset, file, relation, rules: list[_Rule], statistics: dict[str, ColumnStatistics]
) -> list[Failure]:
    """Each rule's breaks are counted, then rows are fetched only for rules that broke.

    A check on the value of a dictionary-encoded column (few distinct values) is counted once
    per distinct value, with how many rows hold it: exact, and far cheaper than evaluating a
    regex on every row. The other rules are counted in one scan. A cell that cannot be read
    as its type is reported once (dtype), not again by its checks.
    """
    # rules by their place in `rules` (an isin rule's list argument is not hashable)
    by_value: dict[str, list[int]] = {}
    by_row = []
    for i, rule in enumerate(rules):
        stats = statistics.get(rule.column) if rule.column else None
        if rule.kind in _VALUE_CHECKS and stats is not None and stats.dictionary:
            by_value.setdefault(rule.column, []).append(i)
        else:
            by_row.append(i)
    broken: dict[int, int] = {}
    for column, places in by_value.items():
        counts = ", ".join(f"coalesce(sum(n) filter (where {rules[i].fails}), 0)" for i in places)
        values = f"select {quote(column)}, count(*) as n from {relation} group by all"
        row = con.execute(f"select {counts} from ({values})").fetchall()[0]
        broken.update(zip(places, row, strict=True))
    if by_row:
        counts = ", ".join(f"count(*) filter (where {rules[i].fails})" for i in by_row)
        row = con.execute(f"select {counts} from {relation}").fetchall()[0]
        broken.update(zip(by_row, row, strict=True))
    failures = []
    for i, rule in enumerate(rules):  # in the contract's order, however they were counted
        if not broken[i]:
            continue
        failures += [
            Failure(dataset, file, row, rule.column, rule.check, value, rule.severity)
            for row, value in _rows_where(con, relation, rule.fails, rule.value)
        ]
    return failures


def _rows_where(con, relation: str, condition: str, value: str) -> list[tuple]:
    """(row, value) of the rows where `condition` holds, in row order.

    An aggregate's FILTER, not a WHERE: DuckDB pushes a WHERE into the Parquet scan, which skips
    row groups by their min/max, and those leave NaN out (as the format says), so a NaN that
    breaks a rule was counted but not fetched (duckdb 2.0.1: `where isnan(x)` finds no row of
    a file holding 1.0 and NaN).
    """
    query = (
        f"select list(struct_pack(r := {ROW}, v := {value}) order by {ROW}) "
        f"filter (where {condition}) from {relation}"
    )
    found = con.execute(query).fetchall()[0][0] or []
    return [(cell["r"], cell["v"]) for cell in found]


def _uniqueness_failures(
    con,
    dataset,
    file,
    relation,
    contract: Contract,
    present: set[str],
    statistics: dict[str, ColumnStatistics],
) -> list[Failure]:
    """Every row of a duplicated value (unique column) or key, as pandera reports them.

    A unique column skips empty cells (an optional id may be empty in many rows); a key compares
    empty cells as equal; NaN in a float column is an empty cell. A one-column key that is also
    a unique column is grouped once. Where the statistics say the file looks sorted on the key,
    one pass over its rows in order first: values that strictly increase are all distinct, with
    no group-by at all.
    """
    # columns grouped -> reports: (column, check, value, whether empty keys are reported)
    groups: dict[tuple[str, ...], list[tuple[str, str, str, bool]]] = {}
    for name, col in contract.columns.items():
        if col.unique and name in present:
            groups[(name,)] = [(name, "unique", f"{quote(name)}::VARCHAR", False)]
    required_key = set(contract.key) & set(contract.required_columns())
    if contract.key and required_key <= present:  # an absent nullable column is empty
        key_report = (
            ",".join(contract.key),
            "multiple_fields_uniqueness",
            _row_json(contract),
            True,
        )
        groups.setdefault(tuple(contract.key), []).append(key_report)
    cell = {n: _compared(n, c) for n, c in contract.columns.items()}
    floats = {n for n, c in contract.columns.items() if c.type == "float64"}
    failures = []
    for columns, reports in groups.items():
        with_empty = any(empty for *_, empty in reports)
        where = "" if with_empty else f"where {cell[columns[0]]} is not null"
        hint = statistics.get(columns[0])
        # NaN sorts above every number, not with the empty cells it equals: a group-by decides
        if hint and hint.ordered and not floats & set(columns):
            # a column the statistics show has no empty cell needs no is-null component
            full = {c for c in columns if c in statistics and statistics[c].null_count == 0}
            if _strictly_increasing(con, relation, columns, where, full):
                continue
        keys = ", ".join(f"{cell[c]} as {quote('dup:' + c)}" for c in columns)
        duplicated = f"select {keys} from {relation} {where} group by all having count(*) > 1"
        if not con.execute(f"select count(*) from ({duplicated})").fetchall()[0][0]:
            continue
        on = " and ".join(f"{cell[c]} is not distinct from {quote('dup:' + c)}" for c in columns)
        for column, check, value, empty in reports:
            keep = "" if empty else f"where {cell[columns[0]]} is not null"
            query = (
                f"select {ROW}, {value} from {relation} join ({duplicated}) on {on} "
                f"{keep} order by {ROW}"
            )
            failures += [
                Failure(dataset, file, row, column, check, value_text)
                for row, value_text in con.execute(query).fetchall()
            ]
    return failures


def _strictly_increasing(
    con, relation: str, columns: tuple[str, ...], where: str, full: set[str]
) -> bool:
    """Whether the rows, in the order DuckDB reads them, strictly increase on `columns`: then
    no two rows share a key, whatever that order was. Empty cells sort last (as `kpi import`
    and DuckDB write them) and equal each other; `full` names columns without empty cells.
    Exact, and a single pass; False (the group-by decides) as soon as one row does not."""
    parts = [
        p for c in columns for p in ([] if c in full else [f"{quote(c)} is null"]) + [quote(c)]
    ]
    names = [f"k{i}" for i in range(len(parts))]
    keyed = ", ".join(f"{p} as {n}" for p, n in zip(parts, names, strict=True))
    lagged = ", ".join(f"{n}, lag({n}) over () as prev_{n}" for n in names)
    increasing = "false"
    for n in reversed(names):  # lexicographic: less here, or equal here and increasing after
        increasing = f"(prev_{n} < {n} or (prev_{n} is not distinct from {n} and {increasing}))"
    # the first row has no predecessor (its prev_* are null): it is the one row counted. Any
    # other null part has an is-null part before it, which decides first; a null in a column
    # said to have none makes its row count, never pass
    query = (
        f"select count(*) filter (where not coalesce({increasing}, false)) "
        f"from (select {lagged} from (select {keyed} from {relation} {where}))"
    )
    return con.execute(query).fetchall()[0][0] <= 1


def check_foreign_keys(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    file: str | None,
    contract: Contract,
    relations: dict[str, str],
    contracts: dict[str, Contract],
) -> list[Failure]:
    """Child rows whose key is in no parent row (an absent parent has no keys at all).

    `relations` maps each dataset to a relation with its typed columns and the row number.
    """
    failures = []
    child = relations[dataset]
    for fk in contract.foreign_keys:
        parent = relations.get(fk.ref_dataset) or _empty_relation(contracts[fk.ref_dataset])
        on = " and ".join(
            f"c.{quote(c)} = p.{quote(r)}" for c, r in zip(fk.columns, fk.ref_columns, strict=True)
        )
        present = " and ".join(f"c.{quote(c)} is not null" for c in fk.columns)
        value = " || ',' || ".join(f"c.{quote(c)}::VARCHAR" for c in fk.columns)
        query = (
            f"select c.{ROW}, {value} from {child} c anti join {parent} p on {on} "
            f"where {present} order by c.{ROW}"
        )
        failures += [
            Failure(
                dataset, file, row, ",".join(fk.columns), f"foreign_key({fk.references})",
                keys, fk.severity,
            )
            for row, keys in con.execute(query).fetchall()
        ]  # fmt: skip
    return failures


def _empty_relation(contract: Contract) -> str:
    columns = ", ".join(
        f"NULL::{DUCKDB_TYPES[c.type]} as {quote(n)}" for n, c in contract.columns.items()
    )
    return f"(select {columns} where false)"


def model_view(contract: Contract, present: dict[str, str], path: Path) -> str:
    """The typed input as the SQL models read it (raw.<dataset>), straight from the file."""
    return typed_select(contract, present, f"read_parquet({literal(str(path))})")
