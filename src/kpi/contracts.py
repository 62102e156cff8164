"""Data contracts (schemas/*.yaml, sql/marts/*.yaml): what a dataset must look like."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
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
