"""Validate input frames against their contracts with pandera, collecting every failure at once."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandera.polars as pa
import polars as pl

from kpi.contracts import POLARS_TYPES, ColumnContract, Contract

FAILURE_COLUMNS = ["dataset", "file", "row", "column", "check", "value", "severity"]
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


@dataclass(frozen=True)
class Failure:
    """One broken rule; `row` is the 1-based data row (the file line is row + 1 for CSV)."""

    dataset: str
    file: str | None
    row: int | None
    column: str | None
    check: str
    value: str | None
    severity: str = "critical"


@dataclass
class DatasetResult:
    dataset: str
    file: str | None
    rows: int
    checks: int
    failures: list[Failure] = field(default_factory=list)
    checked_by: str = "pandera"  # or "duckdb" (sql_checks.py): the same contract, as SQL
    # rules the file's Parquet statistics showed no row breaks, so no scan ran for them
    proven_by_statistics: list[str] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.failures)


@dataclass
class ValidationReport:
    datasets: dict[str, DatasetResult] = field(default_factory=dict)

    @property
    def failures(self) -> list[Failure]:
        return [f for result in self.datasets.values() for f in result.failures]

    @property
    def blocking_count(self) -> int:
        return sum(f.severity == "critical" for f in self.failures)

    @property
    def warning_count(self) -> int:
        return sum(f.severity == "warning" for f in self.failures)

    @property
    def passed(self) -> bool:
        return self.blocking_count == 0

    def summary(self) -> dict:
        return {
            "passed": self.passed,
            "blocking_failures": self.blocking_count,
            "warnings": self.warning_count,
            "datasets": {
                name: {
                    "file": r.file,
                    "rows": r.rows,
                    "checks": r.checks,
                    "checked_by": r.checked_by,
                    "proven_by_statistics": r.proven_by_statistics,
                    "critical": r.count("critical"),
                    "warning": r.count("warning"),
                }
                for name, r in sorted(self.datasets.items())
            },
        }

    def failures_frame(self) -> pl.DataFrame:
        rows = [asdict(f) for f in self.failures]
        schema = {
            "dataset": pl.String,
            "file": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "check": pl.String,
            "value": pl.String,
            "severity": pl.String,
        }
        return pl.DataFrame(rows, schema=schema, orient="row").sort(
            ["dataset", "row", "column", "check"], nulls_last=False
        )

    def write(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        failures_csv, summary_json = directory / "failures.csv", directory / "summary.json"
        self.failures_frame().write_csv(failures_csv)
        summary_json.write_text(json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n")
        return [failures_csv, summary_json]


def _column_checks(col: ColumnContract) -> list[pa.Check]:
    built = []
    for name, arg in col.checks.items():
        if name == "isin":
            built.append(pa.Check.isin(list(arg)))
        elif name == "str_matches":
            built.append(pa.Check.str_matches(arg))
        elif name == "str_length_max":
            built.append(pa.Check.str_length(max_value=arg))
        elif name == "in_range":
            built.append(pa.Check.in_range(arg[0], arg[1]))
        else:
            built.append(getattr(pa.Check, name)(arg))
    if col.type == "float64":
        return [_nan_as_empty(check) for check in built]
    return built


def _nan_as_empty(check: pa.Check) -> pa.Check:
    """The same check, with NaN read as an empty cell: pandera's nullability counts NaN as
    missing, so it passes value checks as an empty cell does (polars orders NaN above every
    number, which alone would break `le` but never `ge`)."""

    def holds(data: pa.PolarsData) -> pl.LazyFrame:
        emptied = data.lazyframe.with_columns(pl.col(data.key).fill_nan(None))
        return check(emptied, data.key).check_output

    return pa.Check(holds, name=check.name, error=check.error)


def _row_check(expr: str, name: str) -> pa.Check:
    def holds(data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.sql_expr(expr).fill_null(False).alias(name))

    return pa.Check(holds, name=name)


def _cells(columns: list[str], contract: Contract) -> list[pl.Expr]:
    """The columns as the uniqueness checks compare them: NaN is an empty cell (missing)."""
    return [
        pl.col(c).fill_nan(None) if contract.columns[c].type == "float64" else pl.col(c)
        for c in columns
    ]


def _unique_when_present(name: str, contract: Contract) -> pa.Check:
    # pandera's unique=True counts two empty cells as duplicates; an optional id may be empty
    def holds(data: pa.PolarsData) -> pl.LazyFrame:
        (column,) = _cells([data.key], contract)
        return data.lazyframe.select((~column.is_duplicated() | column.is_null()).alias(name))

    return pa.Check(holds, name="unique")


def _key_unique(contract: Contract) -> pa.Check:
    # pandera's own unique=[...] check and its name, but with NaN equal to an empty cell
    def holds(data: pa.PolarsData) -> pl.LazyFrame:
        key = pl.struct(_cells(contract.key, contract))
        return data.lazyframe.select((~key.is_duplicated()).alias("key"))

    return pa.Check(holds, name="multiple_fields_uniqueness")


def pandera_schema(
    contract: Contract, severity: str = "critical", absent: frozenset[str] = frozenset()
) -> pa.DataFrameSchema:
    """The pandera schema for one severity level of a contract (dtypes and keys are critical).

    A key is checked unless one of its required columns is missing from the file: that is
    reported once, not as every row being a duplicate (a missing nullable one is empty). Rows
    of a key compare empty cells as equal (two national totals for one year are duplicates), a
    unique column skips them, and in a float column NaN is an empty cell.
    """
    critical = severity == "critical"
    columns = {}
    for name, col in contract.columns.items():
        checks = _column_checks(col) if col.severity == severity else []
        if col.unique and critical and name not in absent:
            checks.append(_unique_when_present(name, contract))
        columns[name] = pa.Column(
            POLARS_TYPES[col.type], checks=checks, nullable=col.nullable or not critical
        )
    row_checks = [
        _row_check(rc.expr, rc.name) for rc in contract.row_checks if rc.severity == severity
    ]
    # an absent required key column is reported once (column_present); an absent nullable one
    # is empty in every row, and the key still holds on the other columns
    required_key = set(contract.key) & set(contract.required_columns())
    if critical and contract.key and not absent & required_key:
        row_checks.append(_key_unique(contract))
    return pa.DataFrameSchema(columns, checks=row_checks, strict=True, name=contract.dataset)


def count_checks(contract: Contract) -> int:
    per_column = sum(
        1 + len(c.checks) + (not c.nullable) + c.unique for c in contract.columns.values()
    )
    return per_column + len(contract.row_checks) + bool(contract.key) + len(contract.foreign_keys)


def _cast_column(series: pl.Series, target: str) -> pl.Series:
    dtype = POLARS_TYPES[target]
    if series.dtype == dtype:
        return series
    if series.dtype == pl.String:
        text = series.str.strip_chars()
        if target == "date":
            return text.str.to_date("%Y-%m-%d", strict=False)
        if target == "bool":
            lowered = text.str.to_lowercase()
            return (
                pl.when(lowered.is_in(list(_TRUE)))
                .then(True)
                .when(lowered.is_in(list(_FALSE)))
                .then(False)
                .otherwise(None)
                .alias(series.name)
                .pipe(lambda e: pl.select(e).to_series())
            )
        return text.cast(dtype, strict=False)
    if target == "str":
        return series.cast(pl.String)
    zoned = getattr(series.dtype, "time_zone", None) is not None
    if series.dtype.is_temporal() != dtype.is_temporal() or zoned:
        # a date is not a number nor a number a date (polars would count days since 1970);
        # a zoned time's date depends on the zone
        return pl.Series(series.name, [None] * len(series), dtype=dtype)
    cast = series.cast(dtype, strict=False)
    if target in ("int32", "int64") and (series.dtype.is_float() or series.dtype.is_decimal()):
        # a number that is not a whole number must fail, not be truncated silently
        return pl.select(pl.when(series == series.round(0)).then(cast).otherwise(None)).to_series()
    return cast


def cast_to_contract(
    dataset: str, frame: pl.DataFrame, contract: Contract, file: str | None
) -> tuple[pl.DataFrame, list[Failure]]:
    """Cast every column to its contract type; report missing/extra columns and unparsable cells."""
    failures: list[Failure] = []
    for name in frame.columns:
        if name not in contract.columns:
            failures.append(Failure(dataset, file, None, name, "column_in_contract", name))
    columns = []
    for name, col in contract.columns.items():
        if name not in frame.columns:
            if not col.nullable:
                failures.append(Failure(dataset, file, None, name, "column_present", None))
            columns.append(pl.Series(name, [None] * frame.height, dtype=POLARS_TYPES[col.type]))
            continue
        raw = frame.get_column(name)
        cast = _cast_column(raw, col.type).alias(name)
        bad = (raw.is_not_null() & cast.is_null()).arg_true()
        failures.extend(
            Failure(dataset, file, int(i) + 1, name, f"dtype({col.type})", str(raw[int(i)]))
            for i in bad
        )
        columns.append(cast)
    return pl.DataFrame(columns), failures


def run_pandera(
    dataset: str,
    frame: pl.DataFrame,
    contract: Contract,
    file: str | None,
    skip: set,
    absent: frozenset[str] = frozenset(),
) -> list[Failure]:
    """Every pandera failure, except cells already reported (skip holds (row, column) pairs)."""
    failures = []
    for severity in ("critical", "warning"):
        try:
            pandera_schema(contract, severity, absent).validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            for case in exc.failure_cases.iter_rows(named=True):
                row = None if case["index"] is None else case["index"] + 1
                column = case["column"]
                if case["schema_context"] == "DataFrameSchema":
                    # frame-level: a key (name its columns) or a row check (named in `check`)
                    unique = case["check"] == "multiple_fields_uniqueness"
                    column = ",".join(contract.key) if unique else None
                if (row, column) in skip or (None, column) in skip:
                    continue
                failures.append(
                    Failure(
                        dataset, file, row, column, case["check"], case["failure_case"], severity
                    )
                )
    return failures


def check_foreign_keys(
    dataset: str, frame: pl.DataFrame, contract: Contract, frames: dict[str, pl.DataFrame], file
) -> list[Failure]:
    failures = []
    for fk in contract.foreign_keys:
        parent = frames.get(fk.ref_dataset)
        keys = (
            parent.select(fk.ref_columns).unique()
            if parent is not None
            else pl.DataFrame(schema={c: frame.schema[c] for c in fk.columns})
        ).rename(dict(zip(fk.ref_columns, fk.columns, strict=True)))
        orphans = (
            frame.select(fk.columns)
            .with_row_index("__row", offset=1)
            .drop_nulls(fk.columns)
            .join(keys, on=fk.columns, how="anti")
        )
        failures.extend(
            Failure(
                dataset,
                file,
                row["__row"],
                ",".join(fk.columns),
                f"foreign_key({fk.references})",
                ",".join(str(row[c]) for c in fk.columns),
                fk.severity,
            )
            for row in orphans.iter_rows(named=True)
        )
    return failures


def validate_frames(
    raw_frames: dict[str, tuple[pl.DataFrame, str | None]],
    contracts: dict[str, Contract],
    elsewhere: frozenset[str] = frozenset(),
) -> tuple[dict[str, pl.DataFrame], ValidationReport]:
    """Cast and validate each dataset (frame, file); returns the typed frames and the report.

    Foreign keys to a dataset checked `elsewhere` (in DuckDB, sql_checks.py) are checked there.
    """
    report = ValidationReport()
    typed: dict[str, pl.DataFrame] = {}
    for dataset, (frame, file) in sorted(raw_frames.items()):
        contract = contracts[dataset]
        cast, failures = cast_to_contract(dataset, frame, contract, file)
        if frame.height == 0:
            failures.append(Failure(dataset, file, None, None, "not_empty", "0 rows"))
        skip = {(f.row, f.column) for f in failures}
        absent = frozenset(contract.columns) - set(frame.columns)
        failures += run_pandera(dataset, cast, contract, file, skip, absent)
        typed[dataset] = cast
        report.datasets[dataset] = DatasetResult(
            dataset, file, frame.height, count_checks(contract), failures
        )
    for dataset, frame in typed.items():
        contract, result = contracts[dataset], report.datasets[dataset]
        if any(fk.ref_dataset in elsewhere for fk in contract.foreign_keys):
            continue
        result.failures += check_foreign_keys(dataset, frame, contract, typed, result.file)
    return typed, report


def empty_frame(contract: Contract) -> pl.DataFrame:
    return pl.DataFrame(schema=contract.polars_schema)
