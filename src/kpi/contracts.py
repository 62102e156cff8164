"""Data contracts (schemas/*.yaml, sql/marts/*.yaml): what a dataset must look like."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kpi import yaml12
from kpi.errors import DefinitionError

ColumnType = Literal["int32", "int64", "float64", "str", "bool", "date"]
Severity = Literal["critical", "warning"]

POLARS_TYPES: dict[str, pl.DataType] = {
    "int32": pl.Int32(),
    "int64": pl.Int64(),
    "float64": pl.Float64(),
    "str": pl.String(),
    "bool": pl.Boolean(),
    "date": pl.Date(),
}
CHECK_NAMES = {"ge", "gt", "le", "lt", "isin", "str_matches", "str_length_max", "in_range"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_number(value: Any) -> bool:
    # a bound of .nan would silently disable `le` (NaN sorts above every number) and fail
    # every row of `ge`; .inf is no bound at all
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def is_date(value: Any) -> bool:
    """A date, or text DuckDB and polars read as one (YYYY-MM-DD, a day that exists)."""
    if isinstance(value, date):
        return not isinstance(value, datetime)  # a time of day is no date
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# what a check's value (a bound, an allowed value) must be for a column of each type, and a
# hint: a YAML `NO` read as false, or `010` as a number, would otherwise change the rule silently
CHECK_VALUES: dict[str, tuple[Callable[[Any], bool], str, str]] = {
    "int32": (_is_number, "a finite number", ""),
    "int64": (_is_number, "a finite number", ""),
    "float64": (_is_number, "a finite number", ""),
    "str": (lambda v: isinstance(v, str), "text", "; quote it"),
    "bool": (lambda v: isinstance(v, bool), "true or false", ""),
    "date": (is_date, "a date", "; write YYYY-MM-DD"),
}


def yaml_text(value: Any) -> str:
    """A definition's value as YAML writes it (quotes mark text), for messages."""
    if isinstance(value, bool) or value is None:
        return "null" if value is None else str(value).lower()
    return repr(value) if isinstance(value, str) else str(value)


def _check_problems(check: str, arg: Any, column_type: str) -> list[str]:
    """`checks.<check>: <problem>` for each value of the check that cannot mean what it says."""
    if check == "str_matches":
        return [] if isinstance(arg, str) else [f"checks.{check}: {yaml_text(arg)} is not text"]
    if check == "str_length_max":
        fine = isinstance(arg, int) and not isinstance(arg, bool) and arg >= 0
        return [] if fine else [f"checks.{check}: {yaml_text(arg)} is not a whole number >= 0"]
    if check in ("isin", "in_range"):
        pair = check == "in_range"
        if not isinstance(arg, list) or (pair and len(arg) != 2):
            shape = "a list of two values [low, high]" if pair else "a list of values"
            return [f"checks.{check}: {yaml_text(arg)} is not {shape}"]
        values = arg
    else:
        values = [arg]
    fits, expected, hint = CHECK_VALUES[column_type]
    return [
        f"checks.{check}: {yaml_text(v)} is not {expected} (the column is {column_type}{hint})"
        for v in values
        if not fits(v)
    ]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(_Strict):
    ja: str
    en: str


class ColumnContract(_Strict):
    type: ColumnType
    nullable: bool = False
    unique: bool = False
    checks: dict[str, Any] = {}
    severity: Severity = "critical"
    description: Text
    unit: str | None = None
    definition: Text | None = None

    @model_validator(mode="after")
    def _known_checks(self) -> ColumnContract:
        unknown = set(self.checks) - CHECK_NAMES
        if unknown:
            raise ValueError(f"unknown check(s) {sorted(unknown)}; known: {sorted(CHECK_NAMES)}")
        problems = [
            problem
            for check, arg in self.checks.items()
            for problem in _check_problems(check, arg, self.type)
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class RowCheck(_Strict):
    """A rule across columns, as a SQL boolean expression that must hold on every row."""

    name: str
    expr: str
    severity: Severity = "critical"
    description: Text


class ForeignKey(_Strict):
    columns: list[str]
    references: str = Field(description="<dataset>.<column>[,<column>...]")
    severity: Severity = "critical"

    @property
    def ref_dataset(self) -> str:
        return self.references.split(".", 1)[0]

    @property
    def ref_columns(self) -> list[str]:
        return self.references.split(".", 1)[1].split(",")


class Contract(_Strict):
    dataset: str
    title: Text
    description: Text | None = None
    unit: str | None = None
    source: str | None = None
    key: list[str] = []
    sort: list[str] = Field([], description="output order of a mart (defaults to key)")
    optional: bool = Field(True, description="a missing input file is not an error")
    columns: dict[str, ColumnContract]
    row_checks: list[RowCheck] = []
    foreign_keys: list[ForeignKey] = []
    path: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _key_columns_exist(self) -> Contract:
        for name in self.key + self.sort + [c for fk in self.foreign_keys for c in fk.columns]:
            if name not in self.columns:
                raise ValueError(f"key/foreign-key column {name!r} is not declared in columns")
        return self

    @cached_property
    def polars_schema(self) -> dict[str, pl.DataType]:
        return {name: POLARS_TYPES[col.type] for name, col in self.columns.items()}

    def required_columns(self) -> list[str]:
        return [name for name, col in self.columns.items() if not col.nullable]


def load_contract(path: Path) -> Contract:
    try:
        raw = yaml12.load(path.read_text(encoding="utf-8"))  # `isin: [NO, SE]` is Norway, Sweden
        contract = Contract.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise DefinitionError(f"invalid contract {path}: {exc}") from exc
    if contract.dataset != path.stem:
        raise DefinitionError(f"{path}: dataset {contract.dataset!r} must match the file name")
    contract.path = path
    return contract


def load_contracts(directory: Path) -> dict[str, Contract]:
    """Every `*.yaml` contract in a directory, by dataset name."""
    return {p.stem: load_contract(p) for p in sorted(directory.glob("*.yaml"))}
