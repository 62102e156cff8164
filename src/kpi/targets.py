"""Policy targets (targets/*.yaml): what a public document commits to, and how it is measured.

A target file holds a YAML list of targets, one file per source document. Each target names
the indicator it is checked against (a mart, its value and period columns and a row filter),
or none when only published observations (the `observations` dataset) can measure it.

Kinds (what the goal says):
- `level`: reach `target.value` by `target.period` (a count, an amount).
- `share`: the same for a percentage.
- `rank`: a position among countries by `target.period`; lower is better.
- `cumulative`: the sum of the yearly values over `target.periods` [first, last] reaches
  `target.value` (e.g. 30,000 dispatches over FY2026–FY2030).
- `floor`: stay at or above `target.value` in every period from `target.periods[0]`
  (to `target.periods[1]`, or open-ended when that is null).

`direction` is the numeric movement the goal asks for: `increase`, `decrease` (a rank that
must improve from 13th to 3rd is a `decrease` of the rank number) or `maintain`. Lower is
better for `rank` targets and `decrease` targets; higher is better otherwise.

`maintain` asks for no growth, so the growth ratio of the other targets is undefined (the
required growth is 0). A `level`/`share`/`rank` target with direction `maintain` ("stay 1st",
"keep 50%") is judged on its latest value: at or better than the target value is on track
(achieved once the target period is reached); worse is `moving_away` when it is also worse
than at the start, else `insufficient`. A goal that must hold in *every* period ("at or above
30% each year") is a `floor`, always `maintain`: a single period below flags it.

Periods are years: fiscal years (April–March) when `period_type: fiscal_year`, else calendar
years. A multi-year window (a 3-year average such as 2021–2023) is identified by its last year.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from kpi import yaml12
from kpi.contracts import CHECK_VALUES, Contract, yaml_text
from kpi.errors import DefinitionError

Kind = Literal["level", "share", "rank", "cumulative", "floor"]
Direction = Literal["increase", "decrease", "maintain"]
PeriodType = Literal["fiscal_year", "calendar_year"]
_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _one_value(value: Any) -> Any:
    # without this a list fails every member of the union: four messages, none of them the point
    if isinstance(value, list | dict) or value is None:
        raise ValueError("a filter is one value (column = value), not a list, mapping or null")
    return value


WhereValue = Annotated[str | int | float | bool | date, BeforeValidator(_one_value)]


class Indicator(_Strict):
    """Where the engine measures the target: rows of `mart` matching `where`, one per period."""

    mart: str
    value: str = Field(description="column holding the measured value")
    period: str | None = Field(
        None, description="column holding the period (default: fiscal_year or period_end)"
    )
    where: dict[str, WhereValue] = Field(
        default_factory=dict, description="column = value filters that leave one row per period"
    )

    def describe(self) -> str:
        filters = " and ".join(f"{k}={v}" for k, v in sorted(self.where.items()))
        return f"{self.mart}.{self.value}" + (f" where {filters}" if filters else "")


class Baseline(_Strict):
    """The starting point the document states; `period` may be unknown (then only the label)."""

    value: float = Field(allow_inf_nan=False)  # no growth rate starts from .inf or .nan
    period: int | None = Field(None, ge=1900, le=2200)
    label: str | None = Field(None, description="how the document states it, e.g. 2021–2023 avg")


class Goal(_Strict):
    """The value to reach, with a deadline (`period`) or a window (`periods`)."""

    value: float = Field(allow_inf_nan=False)  # a goal of .inf or .nan cannot be judged
    period: int | None = Field(None, ge=1900, le=2200, description="deadline (level/share/rank)")
    periods: tuple[int, int | None] | None = Field(
        None, description="[first, last] window (cumulative; floor, last may be null)"
    )


class Source(_Strict):
    document: str = Field(min_length=1)
    issuer: str = Field(min_length=1)
    date: date
    url: str = Field("", description="empty when no verified address is at hand")
    locator: str | None = Field(None, description="page, table or section in the document")


class Target(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    title_ja: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    indicator: Indicator | None = None
    kind: Kind
    direction: Direction
    unit: str | None = None
    period_type: PeriodType = "calendar_year"
    baseline: Baseline | None = None
    target: Goal
    adopted: date
    source: Source
    notes: str | None = None

    @property
    def lower_is_better(self) -> bool:
        return self.kind == "rank" or self.direction == "decrease"

    @property
    def end_period(self) -> int | None:
        """The period by which the goal is judged complete (None: open-ended floor)."""
        if self.target.periods is not None:
            return self.target.periods[1]
        return self.target.period

    @model_validator(mode="after")
    def _goal_fits_kind(self) -> Target:
        goal, kind = self.target, self.kind
        if kind in ("level", "share", "rank"):
            if goal.period is None or goal.periods is not None:
                raise ValueError(f"target: a {kind} target needs `period` (and no `periods`)")
        else:
            if goal.periods is None or goal.period is not None:
                raise ValueError(f"target: a {kind} target needs `periods` (and no `period`)")
            first, last = goal.periods
            if kind == "cumulative" and last is None:
                raise ValueError("target.periods: a cumulative window needs its last period")
            if last is not None and last < first:
                raise ValueError(f"target.periods: {last} is before {first}")
        if kind == "floor" and self.direction != "maintain":
            raise ValueError("direction: a floor target is `maintain` (stay at or above)")
        if kind == "cumulative" and self.direction != "increase":
            raise ValueError("direction: a cumulative target is `increase` (the sum must grow)")
        if kind == "share" and not 0 <= goal.value <= 100:
            raise ValueError("target.value: a share is a percentage between 0 and 100")
        if kind == "rank" and (goal.value < 1 or goal.value != int(goal.value)):
            raise ValueError("target.value: a rank is a whole number from 1")
        if kind == "rank" and self.direction == "increase":
            raise ValueError(
                "direction: a rank improves by falling (13th -> 3rd); use decrease or maintain"
            )
        base = self.baseline
        dated = base is not None and base.period is not None and goal.period is not None
        if dated and base.period >= goal.period:
            raise ValueError(
                f"baseline.period: {base.period} is not before target.period {goal.period}"
            )
        if base is not None and kind in ("level", "share", "rank"):
            if self.direction == "increase" and not goal.value > base.value:
                raise ValueError("direction: increase, but target.value is not above the baseline")
            if self.direction == "decrease" and not goal.value < base.value:
                hint = " (a rank that improves is a decrease of the rank number)"
                raise ValueError(
                    "direction: decrease, but target.value is not below the baseline"
                    + (hint if kind == "rank" else "")
                )
        return self


# --- indicators against the mart contracts ---------------------------------------------------

_INTEGER_BITS = {"int32": 32, "int64": 64}
_INTEGER = tuple(_INTEGER_BITS)
_NUMERIC = (*_INTEGER, "float64")


def _is_integer(value: WhereValue) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# what a `where` value must be to be compared with a column of each contract type, and a hint:
# text, a flag and a date as a contract's check value (DuckDB raises on text it cannot cast);
# an integer column takes integers only, as a fraction would match nothing
_WHERE_VALUES: dict[str, tuple[Callable[[WhereValue], bool], str, str]] = {
    **CHECK_VALUES,
    "int32": (_is_integer, "an integer", ""),
    "int64": (_is_integer, "an integer", ""),
    "float64": (lambda v: _is_integer(v) or isinstance(v, float), "a number", ""),
}


def _where_problem(column: str, value: WhereValue, column_type: str) -> str | None:
    fits, expected, hint = _WHERE_VALUES[column_type]
    if not fits(value):
        return f"{yaml_text(value)} is not {expected} (column {column} is {column_type}{hint})"
    bits = _INTEGER_BITS.get(column_type)
    if bits and not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        return f"{value} is outside the {column_type} range"
    return None


def _missing_column(column: str, contract: Contract) -> str | None:
    if column in contract.columns:
        return None
    listed = ", ".join(contract.columns)
    return f"no column {column!r} in mart {contract.dataset} (columns: {listed})"


def _column_problem(
    column: str, contract: Contract, types: tuple[str, ...], must: str
) -> str | None:
    """Why `column` cannot serve: absent from the mart, or not one of `types` (`must` says why)."""
    missing = _missing_column(column, contract)
    if missing:
        return missing
    column_type = contract.columns[column].type
    return None if column_type in types else f"column {column!r} is {column_type}; {must}"


def indicator_problems(indicator: Indicator, marts: Mapping[str, Contract]) -> list[str]:
    """`field <path>: <problem>` for each part of `indicator` that its mart's contract rules out,
    so that a typo fails when targets are loaded, not as a DuckDB cast error (or silent no_data)."""
    contract = marts.get(indicator.mart)
    if contract is None:
        known = ", ".join(sorted(marts))
        return [f"field indicator.mart: unknown mart {indicator.mart!r} (marts: {known})"]
    numeric = "the value must be a numeric column (int32, int64 or float64)"
    found = {"value": _column_problem(indicator.value, contract, _NUMERIC, numeric)}
    if indicator.period is not None:
        year = "the period must be an integer column (a year)"
        found["period"] = _column_problem(indicator.period, contract, _INTEGER, year)
    for column, value in sorted(indicator.where.items()):
        found[f"where.{column}"] = _missing_column(column, contract) or _where_problem(
            column, value, contract.columns[column].type
        )
    return [f"field indicator.{name}: {problem}" for name, problem in found.items() if problem]


# --- loading ---------------------------------------------------------------------------------


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line: what is wrong and where (PyYAML's own text spans several lines)."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return f"not valid YAML: {' '.join(str(exc).split())}"
    what = ", ".join(filter(None, [getattr(exc, "context", None), exc.problem]))
    return f"not valid YAML: line {mark.line + 1}, column {mark.column + 1}: {what}"


def _problem(error: dict[str, Any]) -> str:
    """`field <path>: <message>`; cross-field rules name their field as `<path>: ...`."""
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"] and error["type"] == "value_error":
        field, _, message = message.partition(": ")
        return f"field {field}: {message}"
    return f"field {'.'.join(str(part) for part in error['loc'])}: {message}"


def _read_list(path: Path) -> list:
    """The file's YAML list of targets (empty for an empty file)."""
    try:
        # YAML 1.2 scalars: `country: NO` is Norway, not false; 2024-02-30 is an error at its line
        raw = yaml12.load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path}: {_yaml_problem(exc)}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot read: {exc}") from exc
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DefinitionError(f"{path}: a targets file is a YAML list of targets")
    return raw


def _valid_indicator(raw: Any) -> Indicator | None:
    """The indicator of a target whose other fields are invalid, to check it all the same."""
    try:
        return Indicator.model_validate(raw)
    except ValidationError:
        return None  # its errors are already among the target's


def _check_target(
    item: Any, marts: Mapping[str, Contract] | None
) -> tuple[Target | None, list[str]]:
    """The target (None if its fields are invalid) and every problem found in it."""
    if not isinstance(item, dict):
        return None, ["each target is a mapping of fields"]
    try:
        target, problems = Target.model_validate(item), []
    except ValidationError as exc:
        target, problems = None, [_problem(err) for err in exc.errors()]
    indicator = target.indicator if target else _valid_indicator(item.get("indicator"))
    if indicator is not None and marts is not None:
        problems += indicator_problems(indicator, marts)
    return target, problems


def _load_file(path: Path, marts: Mapping[str, Contract] | None) -> tuple[list[Target], list[str]]:
    """The file's valid targets, and `<file>: <target>: <problem>` for each invalid one."""
    try:
        items = _read_list(path)
    except DefinitionError as exc:
        return [], [str(exc)]
    targets, problems = [], []
    for number, item in enumerate(items, start=1):
        ident = item.get("id") if isinstance(item, dict) else None
        label = f"target {ident!r}" if ident else f"target #{number}"
        target, found = _check_target(item, marts)
        problems += [f"{path}: {label}: {problem}" for problem in found]
        if target is not None and not found:
            targets.append(target)
    return targets, problems


def _raise_for(problems: list[str]) -> None:
    if len(problems) == 1:
        raise DefinitionError(problems[0])
    if problems:
        listed = "\n".join(f"  {problem}" for problem in problems)
        raise DefinitionError(f"{len(problems)} problems in the target definitions:\n{listed}")


def load_targets(directory: Path, marts: Mapping[str, Contract] | None = None) -> list[Target]:
    """Every target in `directory/*.yaml` (sorted by file, then as listed); ids are unique.

    Given the mart contracts (sql/marts/*.yaml), each indicator is checked against its mart's.
    Every problem of every file is reported in one DefinitionError, one line each.
    """
    if not directory.is_dir():
        raise DefinitionError(f"targets directory not found: {directory}")
    seen: dict[str, Path] = {}
    targets: list[Target] = []
    problems: list[str] = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        loaded, found = _load_file(path, marts)
        problems += found
        for target in loaded:
            if target.id in seen:
                problems.append(
                    f"{path}: target {target.id!r}: field id: already defined in {seen[target.id]}"
                )
                continue
            seen[target.id] = path
            targets.append(target)
    _raise_for(problems)
    return targets
