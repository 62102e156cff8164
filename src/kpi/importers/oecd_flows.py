"""Read OECD bilateral author-flow tables in the SDMX-CSV layout into the `author_flows` table."""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pycountry

from kpi.importers.countries import HISTORIC, KOSOVO
from kpi.importers.output import FlowsReport, FlowsResult, KpiImportError, flows_frame

# SDMX-CSV names the dimensions by their ids; "with labels" exports write `ID: Label` both in
# the header and in the cells, so only the part before the first ": " is read.
REF_AREA, COUNTERPART, TIME, VALUE = "REF_AREA", "COUNTERPART_AREA", "TIME_PERIOD", "OBS_VALUE"
DATAFLOW = ("DATAFLOW", "STRUCTURE_ID")
# the dimension telling whether REF_AREA is the destination (inflow) or the origin (outflow)
DIRECTION_COLUMNS = ("FLOW_DIRECTION", "DIRECTION", "MEASURE", "FLOW", "INDICATOR")
INFLOW = re.compile(r"^(IN|INFLOWS?|.*_IN|.*INFLOWS?.*|.*INWARDS?)$", re.IGNORECASE)
OUTFLOW = re.compile(r"^(OUT|OUTFLOWS?|.*_OUT|.*OUTFLOWS?.*|.*OUTWARDS?)$", re.IGNORECASE)
SEX = {"F": "female", "M": "male", "_T": None, "T": None}
PERIOD = re.compile(r"^(\d{4})(?:\s*[-/]\s*(\d{4}))?$")
SOURCE = "OECD, Bibliometric indicators of implied bilateral mobility flows (Scopus-based)"


def _code(text: str | None) -> str:
    return (text or "").split(": ", 1)[0].strip()


def _alpha3(code: str) -> str | None:
    """An ISO alpha-3 country code, or None for aggregates (W, OECD, EU27_2020, _T ...)."""
    code = code.upper()
    if code in KOSOVO.values() or code in HISTORIC:
        return code
    return code if pycountry.countries.get(alpha_3=code) else None


def _direction_column(path: Path, header: list[str], rows: list[dict]) -> str | None:
    """The column saying inflow or outflow, if the file has one.

    A column of that name holding other things only (a measure's name) is not one; a column
    holding inflows or outflows *and* something else (NET, a code not known here) is an error,
    never overridden by --ref-area-is: its other rows would be read as the wrong direction.
    """
    for name in DIRECTION_COLUMNS:
        if name in header:
            values = {_code(row[name]) for row in rows}
            known = {v for v in values if INFLOW.match(v) or OUTFLOW.match(v)}
            if values and known == values:
                return name
            if known:
                raise KpiImportError(
                    path, f"{name} holds inflows or outflows ({', '.join(sorted(known))}) and "
                    f"also {', '.join(sorted(values - known))}: keep only the inflow and "
                    "outflow rows",
                )  # fmt: skip
    return None


def read_oecd_flows(
    files: Sequence[Path], source: str = SOURCE, ref_area_is: str | None = None
) -> FlowsResult:
    """SDMX-CSV rows (REF_AREA, COUNTERPART_AREA, TIME_PERIOD, OBS_VALUE, a direction
    dimension) -> author_flows rows.

    REF_AREA is the destination of an inflow and the origin of an outflow. Without a direction
    dimension, `ref_area_is` ("origin" or "destination") must say which it is. Aggregate areas
    and empty values are skipped and counted; the same flow reported from both ends is kept once
    and two different values for it are an error.
    """
    flows: dict[tuple, tuple[float, str]] = {}
    skipped: Counter = Counter()
    read = 0
    for path in map(Path, files):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [_code(name) for name in reader.fieldnames or []]
            rows = [dict(zip(header, row.values(), strict=False)) for row in reader]
        missing = [c for c in (REF_AREA, COUNTERPART, TIME, VALUE) if c not in header]
        if missing:
            raise KpiImportError(path, f"not an SDMX-CSV flow table: no column(s) {missing}")
        direction = _direction_column(path, header, rows)
        if direction is None and ref_area_is not in ("origin", "destination"):
            raise KpiImportError(
                path,
                "no inflow/outflow dimension found (looked for "
                f"{', '.join(DIRECTION_COLUMNS)}); say whether REF_AREA is the origin or the "
                "destination (--ref-area-is)",
            )
        dataflow = next((_code(rows[0][c]) for c in DATAFLOW if c in header and rows), "")
        label = f"{source}{'; ' + dataflow if dataflow else ''}; file {path.name}"
        for number, row in enumerate(rows, start=1):
            read += 1
            _add(path, number, row, direction, ref_area_is, label, flows, skipped)
    table = [(*key[:4], value, key[4], label) for key, (value, label) in flows.items()]
    report = FlowsReport(
        source="oecd",
        files=[str(p) for p in files],
        records_read=read,
        flows=len(table),
        skipped=dict(sorted(skipped.items())),
        unmapped_names={},
    )
    return FlowsResult(flows_frame(table), report)


def _add(path, number, row, direction, ref_area_is, label, flows, skipped) -> None:
    value_text = row[VALUE].strip()
    if not value_text:
        skipped["empty OBS_VALUE"] += 1
        return
    try:
        value = float(value_text)
    except ValueError:
        raise KpiImportError(path, "OBS_VALUE is not a number", row=number, column=VALUE,
                             value=value_text) from None  # fmt: skip
    if math.isnan(value):  # SDMX writes NaN for a missing observation
        skipped["empty OBS_VALUE"] += 1
        return
    if math.isinf(value):
        raise KpiImportError(path, "OBS_VALUE is not a finite number", row=number, column=VALUE,
                             value=value_text)  # fmt: skip
    if value < 0:
        raise KpiImportError(path, "a flow cannot be negative", row=number, column=VALUE,
                             value=value_text)  # fmt: skip
    ref, partner = _alpha3(_code(row[REF_AREA])), _alpha3(_code(row[COUNTERPART]))
    if ref is None or partner is None:
        skipped["aggregate area (not an ISO alpha-3 country)"] += 1
        return
    if ref == partner:
        skipped["same country on both sides"] += 1
        return
    sex_code = _code(row.get("SEX"))
    if sex_code and sex_code not in SEX:
        raise KpiImportError(path, "unknown SEX code", row=number, column="SEX", value=sex_code)
    period = PERIOD.match(_code(row[TIME]))
    if period is None:
        raise KpiImportError(path, "TIME_PERIOD is not YYYY or YYYY-YYYY", row=number,
                             column=TIME, value=row[TIME])  # fmt: skip
    start = int(period.group(1))
    end = int(period.group(2) or start)
    inflow = INFLOW.match(_code(row[direction])) if direction else ref_area_is == "destination"
    origin, destination = (partner, ref) if inflow else (ref, partner)
    key = (origin, destination, start, end, SEX.get(sex_code))
    if key in flows and flows[key][0] != value:
        raise KpiImportError(
            path, f"flow {origin}->{destination} {start}-{end} has two values: "
            f"{flows[key][0]} and {value}", row=number, column=VALUE, value=value_text,
        )  # fmt: skip
    if key in flows:
        skipped["reported from both ends (kept once)"] += 1
    flows[key] = (value, label)
