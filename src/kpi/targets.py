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

from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kpi.errors import DefinitionError

Kind = Literal["level", "share", "rank", "cumulative", "floor"]
Direction = Literal["increase", "decrease", "maintain"]
PeriodType = Literal["fiscal_year", "calendar_year"]
_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Indicator(_Strict):
    """Where the engine measures the target: rows of `mart` matching `where`, one per period."""

    mart: str
    value: str = Field(description="column holding the measured value")
    period: str | None = Field(
        None, description="column holding the period (default: fiscal_year or period_end)"
    )
    where: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="column = value filters that leave one row per period"
    )

    def describe(self) -> str:
        filters = " and ".join(f"{k}={v}" for k, v in sorted(self.where.items()))
        return f"{self.mart}.{self.value}" + (f" where {filters}" if filters else "")


class Baseline(_Strict):
    """The starting point the document states; `period` may be unknown (then only the label)."""

    value: float
    period: int | None = Field(None, ge=1900, le=2200)
    label: str | None = Field(None, description="how the document states it, e.g. 2021–2023 avg")


class Goal(_Strict):
    """The value to reach, with a deadline (`period`) or a window (`periods`)."""

    value: float
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


def _problem(error: dict[str, Any]) -> str:
    """`field <path>: <message>`; cross-field rules name their field as `<path>: ...`."""
    if not error["loc"] and error["type"] == "value_error":
        field, _, message = error["msg"].removeprefix("Value error, ").partition(": ")
        return f"field {field}: {message}"
    return f"field {'.'.join(str(part) for part in error['loc'])}: {error['msg']}"


def _load_file(path: Path) -> list[Target]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path}: not valid YAML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot read: {exc}") from exc
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DefinitionError(f"{path}: a targets file is a YAML list of targets")
    targets = []
    for number, item in enumerate(raw, start=1):
        ident = item.get("id") if isinstance(item, dict) else None
        label = f"target {ident!r}" if ident else f"target #{number}"
        if not isinstance(item, dict):
            raise DefinitionError(f"{path}: {label}: each target is a mapping of fields")
        try:
            targets.append(Target.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(_problem(err) for err in exc.errors())
            raise DefinitionError(f"{path}: {label}: {problems}") from exc
    return targets


def load_targets(directory: Path) -> list[Target]:
    """Every target in `directory/*.yaml` (sorted by file, then as listed); ids are unique."""
    if not directory.is_dir():
        raise DefinitionError(f"targets directory not found: {directory}")
    seen: dict[str, Path] = {}
    targets: list[Target] = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        for target in _load_file(path):
            if target.id in seen:
                raise DefinitionError(
                    f"{path}: target {target.id!r}: field id: already defined in {seen[target.id]}"
                )
            seen[target.id] = path
            targets.append(target)
    return targets
