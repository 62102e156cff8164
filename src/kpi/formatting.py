"""How a number or a period is shown: one rule for kpi.html, audit.html and the workbook.

A value with a fraction first loses its binary float noise (rounded to 12 significant
digits: 37.87 - 37.625 = 0.24499999999999744 becomes 0.245), then is rounded half away from
zero to SIGNIFICANT significant digits, never into its integer digits (18,018.4 -> 18,018,
not 18,020), and trailing zeros are dropped (50.0 -> 50, 0.2450 -> 0.245). Whole numbers are
shown in full with thousands separators. The workbook shows each cell with the same number of
decimals (`decimals`); a spreadsheet, too, rounds half away from zero when it displays.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

SIGNIFICANT = 4  # digits shown of a value with a fraction: 37.87, 0.245, 5.432
NOISE_DIGITS = 12  # a float's 15-17 digits, less the last few that arithmetic leaves noisy
NO_VALUE = "–"
# ROUND_HALF_UP is decimal's name for half away from zero (-0.245 -> -0.25); the precision
# holds the digits of any float (1.8e308 has 309)
_CONTEXT = Context(prec=400, rounding=ROUND_HALF_UP)


def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places, _CONTEXT)


@lru_cache(maxsize=65536)
def _shown(value: float) -> str:
    """The digits of a finite float under the rule, without thousands separators."""
    if value.is_integer():
        text = str(int(value))
    else:
        exact = Decimal(repr(value))
        # noise is removed from the fraction only: a float's integer digits are exact
        places = max(NOISE_DIGITS - 1 - exact.adjusted(), 0)
        clean = exact.quantize(_quantum(places), context=_CONTEXT)
        places = max(SIGNIFICANT - 1 - clean.adjusted(), 0) if clean else 0
        rounded = clean.quantize(_quantum(places), context=_CONTEXT)
        text = format(rounded, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _finite(value: object) -> float | int | None:
    """The value as a number, None when there is none to show (None, NaN)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def number(value: float | int | None) -> str:
    """A value as every report shows it: thousands separated, `–` when there is none."""
    found = _finite(value)
    if found is None:
        return NO_VALUE
    if isinstance(found, int):
        return f"{found:,}"
    if math.isinf(found):
        return "∞" if found > 0 else "-∞"
    digits = _shown(found)
    sign, digits = ("-", digits[1:]) if digits.startswith("-") else ("", digits)
    whole, _, fraction = digits.partition(".")
    return f"{sign}{int(whole):,}" + (f".{fraction}" if fraction else "")


def decimals(value: float | int | None) -> int:
    """The digits after the decimal point that `number` shows (for the workbook's formats)."""
    found = _finite(value)
    if found is None or isinstance(found, int) or math.isinf(found):
        return 0
    return len(_shown(found).partition(".")[2])


def percent(value: float | None) -> str:
    return NO_VALUE if _finite(value) is None else f"{number(value)}%"


def with_unit(value: float | int | None, unit: str | None) -> str:
    """`37.87%` for a percentage, `rank 13`, `4,028 researchers (trips)`; the bare value
    without a unit."""
    if _finite(value) is None:
        return NO_VALUE
    if unit == "percent":
        return percent(value)
    if unit == "rank":  # `rank 13`, not `13 rank`
        return f"rank {number(value)}"
    return f"{number(value)} {unit}" if unit else number(value)


def unit_suffix(unit: str | None) -> str:
    """How a column heading names its unit: ` (%)`, ` (researchers)`; empty without one."""
    if not unit:
        return ""
    return " (%)" if unit == "percent" else f" ({unit})"


def is_period(unit: str | None) -> bool:
    """A column holding a year or fiscal year, by its contract unit: shown as 2024, not 2,024
    (`years`, a count of years, is no period)."""
    return bool(unit) and unit.split(" (")[0] in ("year", "fiscal year")


def in_fiscal_years(row: dict) -> bool:
    """Whether a target_status row counts its periods in fiscal years (its `period_type`)."""
    return row.get("period_type") == "fiscal_year"


def period(year: int | None, fiscal: bool = False, *, short: bool = False) -> str:
    """A year as a table shows it: `2024`, or for a fiscal year `FY2024 (2024年度)`;
    `short` (chart axes, headings): `FY2024`."""
    if year is None:
        return NO_VALUE
    if not fiscal:
        return str(int(year))
    return f"FY{int(year)}" if short else f"FY{int(year)} ({int(year)}年度)"


def span(start: int | None, end: int | None, fiscal: bool = False, *, short: bool = False) -> str:
    """A window: `2021–2023`, `FY2026–FY2030 (2026〜2030年度)`; an open end stays open
    (`2023–`, `–2033`); one year is that year."""
    if start is None and end is None:
        return NO_VALUE
    if start is not None and start == end:
        return period(start, fiscal, short=short)
    first, last = ("" if y is None else str(int(y)) for y in (start, end))
    if not fiscal:
        return f"{first}–{last}"
    english = "–".join(f"FY{y}" if y else "" for y in (first, last))
    japanese = f"{first}〜{last}年度" if last else f"{first}年度〜"
    return english if short else f"{english} ({japanese})"
