"""Run parameters: defaults, then kpi.toml (or --config FILE), then KPI_* env, then CLI flags."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, TomlConfigSettingsSource

from kpi.errors import DefinitionError
from kpi.resources import resource_dir


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InputOptions(_Section):
    encoding: Literal["auto", "utf-8", "cp932"] = Field(
        "auto",
        description="CSV encoding; auto tries UTF-8, then CP932 (Shift_JIS), and records it",
    )


class ExchangeOptions(_Section):
    vintage: Literal["latest", "first"] = Field(
        "latest", description="Which published vintage of a revised figure to use"
    )


class Top10Options(_Section):
    method: Literal["cwts", "nistep"] = "cwts"
    counting: list[Literal["whole", "fractional"]] = ["whole", "fractional"]
    fractional_unit: Literal["institution", "author"] = "institution"
    window_years: int = Field(3, ge=1, le=10)
    top_share: float = Field(0.10, gt=0, lt=1, description="0.10 for Top10%")
    doc_types: list[str] = ["article", "review"]
    hk_macau_as_china: bool = False

    @model_validator(mode="after")
    def _each_counting_once(self) -> Top10Options:
        # a counting listed twice would give every row of top10_coauthorship twice
        if not self.counting or len(set(self.counting)) != len(self.counting):
            raise ValueError("top10.counting must list whole and/or fractional, each once")
        return self


class TargetOptions(_Section):
    on_track_ratio: float = Field(
        0.95, gt=0, description="observed/required growth ratio for on_track"
    )
    moderate_ratio: float = Field(0.60, gt=0, description="lower bound of moderate progress")
    as_of: date | None = Field(
        None, description="ISO date: use only targets adopted and figures published by then"
    )

    @model_validator(mode="after")
    def _ordered(self) -> TargetOptions:
        if self.moderate_ratio >= self.on_track_ratio:
            raise ValueError("target_eval.moderate_ratio must be below on_track_ratio")
        return self


class ValidationOptions(_Section):
    engine: Literal["auto", "pandera", "duckdb"] = Field(
        "auto",
        description="where Parquet inputs are checked against their contracts: pandera on a "
        "polars frame, or the same checks as DuckDB SQL over the file (no frame held in memory); "
        "auto uses DuckDB from duckdb_min_rows rows. CSV and Excel inputs always use pandera",
    )
    duckdb_min_rows: int = Field(
        1_000_000, ge=0, description="rows from which `auto` checks a Parquet input in DuckDB"
    )
    parquet_statistics: bool = Field(
        True,
        description="when checking a Parquet input in DuckDB, take a rule as passed without "
        "scanning when the file's own statistics prove it (a null count of 0 for "
        "not_nullable, exact integer min/max within a range check); false scans every rule",
    )
    gx: bool = Field(
        False,
        description="also run the Great Expectations suites in `kpi run` (about 3 s more; "
        "`kpi validate` runs them by default)",
    )


class FlowsOptions(_Section):
    pair_threshold: float = Field(
        4000, ge=0, description="two-way author flow a pair needs to enter author_flows_pairs"
    )


class ExportOptions(_Section):
    excel: bool = Field(False, description="also write indicators.xlsx (one sheet per mart)")


class EngineOptions(_Section):
    """DuckDB resources; they change how fast a run is, never what it computes."""

    memory_limit: str | None = Field(
        None, description="DuckDB memory_limit, e.g. '16GB' (default: 80% of RAM)"
    )
    temp_directory: Path | None = Field(
        None, description="where DuckDB spills past memory_limit (default: .tmp in the working dir)"
    )
    threads: int | None = Field(None, ge=1, description="DuckDB threads (default: all cores)")
    preserve_insertion_order: bool = Field(
        True,
        description="DuckDB preserve_insertion_order; false lets it reorder unordered results "
        "(exports and audits order their rows themselves)",
    )
    storage: Literal["memory", "disk"] = Field(
        "memory",
        description="where the models' tables live: memory, or disk (a DuckDB file in "
        "temp_directory, else beside out, deleted after the run): compressed and paged out "
        "past memory_limit, for runs whose tables outgrow the memory",
    )


class Settings(BaseSettings):
    """The resolved configuration of one run; recorded whole in the manifest."""

    model_config = SettingsConfigDict(
        toml_file="kpi.toml", env_prefix="KPI_", env_nested_delimiter="__", extra="forbid"
    )

    data: Path = Field(default_factory=lambda: resource_dir("data"))
    out: Path = Path("out")
    targets: Path = Field(default_factory=lambda: resource_dir("targets"))
    sql: Path = Field(default_factory=lambda: resource_dir("sql"))
    schemas: Path = Field(default_factory=lambda: resource_dir("schemas"))
    input: InputOptions = InputOptions()
    exchange: ExchangeOptions = ExchangeOptions()
    top10: Top10Options = Top10Options()
    target_eval: TargetOptions = TargetOptions()
    validation: ValidationOptions = ValidationOptions()
    engine: EngineOptions = EngineOptions()
    flows: FlowsOptions = FlowsOptions()
    export: ExportOptions = ExportOptions()

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @field_validator("data", "targets", "sql", "schemas")
    @classmethod
    def _absolute(cls, path: Path) -> Path:
        # recorded in the manifest: `kpi verify` from another directory finds the same files
        return path.absolute()

    def recorded(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings from a TOML file (kpi.toml in the working directory by default)."""
    if config_file is not None and not config_file.is_file():
        raise DefinitionError(f"config file not found: {config_file}")
    toml_file = config_file or Path("kpi.toml")

    class _FromFile(Settings):
        model_config = SettingsConfigDict(toml_file=toml_file)

    flags = {k: v for k, v in overrides.items() if v is not None}
    try:
        resolved = _FromFile(**flags)
    except ValidationError as exc:
        # name only the sources there were: a bad flag is not the config file's fault
        sources = ["command-line flags" if flags else None, "KPI_* environment variables"
                   if any(k.startswith("KPI_") for k in os.environ) else None,
                   str(toml_file) if toml_file.is_file() else None]  # fmt: skip
        where = ", ".join(s for s in sources if s) or "defaults"
        raise DefinitionError(f"invalid configuration (from {where}): {exc}") from exc
    return Settings.model_validate(resolved.model_dump())
