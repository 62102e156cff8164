"""Read the origin-destination file of Zhao et al. (2023) into the `author_flows` table."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from kpi.importers.countries import country_from_name
from kpi.importers.output import (
    FLOWS_SCHEMA,
    FLOWS_SORT_KEY,
    FlowsReport,
    FlowsResult,
    KpiImportError,
)

SOURCE = (
    "Zhao, Akbaritabar, Kashyap, Zagheni (2023) A gender perspective on the global migration of "
    "scholars, PNAS 120(10) e2214664120, doi:10.1073/pnas.2214664120 (Scopus-based)"
)
COLUMNS = ["from", "to", "period_year", "all_period_flow", "female_period_flow", "male_period_flow"]
# flow column -> sex of the breakdown row (None = all authors, the total)
FLOW_COLUMNS = {"all_period_flow": None, "female_period_flow": "female", "male_period_flow": "male"}
PERIOD = r"^(\d{4})-(\d{4})$"


def read_zhao(path: Path, source: str = SOURCE) -> FlowsResult:
    """`from, to, period_year (1998-2002), all/female/male_period_flow` -> author_flows rows.

    Country names are mapped to ISO alpha-3; a flow with an unmapped name is not imported and
    the name is counted in the report (the CLI makes that an error with --strict).
    """
    path = Path(path)
    try:
        frame = pl.read_csv(path, infer_schema_length=0)  # all strings: we parse ourselves
    except (pl.exceptions.ComputeError, OSError) as exc:
        raise KpiImportError(path, f"not a readable CSV file: {exc}") from exc
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise KpiImportError(path, f"missing column(s) {missing}; found {frame.columns}")
    frame = frame.with_row_index("row", offset=1)
    names = sorted(set(frame["from"].drop_nulls()) | set(frame["to"].drop_nulls()))
    mapping = {name: country_from_name(name) for name in names}
    parsed = frame.select(
        "row",
        pl.col("from").replace_strict(mapping, default=None).alias("origin"),
        pl.col("to").replace_strict(mapping, default=None).alias("destination"),
        pl.col("from").alias("origin_name"),
        pl.col("to").alias("destination_name"),
        pl.col("period_year").str.extract(PERIOD, 1).cast(pl.Int32).alias("period_start"),
        pl.col("period_year").str.extract(PERIOD, 2).cast(pl.Int32).alias("period_end"),
        "period_year",
        *[pl.col(c).cast(pl.Float64, strict=False).alias(c) for c in FLOW_COLUMNS],
        *[pl.col(c).alias(f"{c}_raw") for c in FLOW_COLUMNS],
    )
    _check(path, parsed)
    unmapped_rows = parsed.filter(pl.col("origin").is_null() | pl.col("destination").is_null())
    unmapped = pl.concat(
        [
            unmapped_rows.filter(pl.col("origin").is_null()).select(name="origin_name"),
            unmapped_rows.filter(pl.col("destination").is_null()).select(name="destination_name"),
        ]
    )["name"].value_counts(sort=True)
    mapped = parsed.filter(pl.col("origin").is_not_null() & pl.col("destination").is_not_null())
    # a move within one country (two names of it) is no flow between countries
    same = mapped.filter(pl.col("origin") == pl.col("destination"))
    mapped = mapped.filter(pl.col("origin") != pl.col("destination"))
    flows = pl.concat(
        [
            mapped.select(
                "origin",
                "destination",
                "period_start",
                "period_end",
                pl.col(column).alias("researchers"),
                pl.lit(sex, pl.Utf8).alias("sex"),
                pl.lit(f"{source}; file {path.name}").alias("source"),
            )
            for column, sex in FLOW_COLUMNS.items()
        ]
    )
    flows = flows.cast(FLOWS_SCHEMA).sort(FLOWS_SORT_KEY, nulls_last=False, maintain_order=True)
    report = FlowsReport(
        source="zhao2023",
        files=[str(path)],
        records_read=frame.height,
        flows=flows.height,
        skipped={
            reason: rows
            for reason, rows in (
                ("same country on both sides", same.height),
                ("unmapped country name", unmapped_rows.height),
            )
            if rows
        },
        unmapped_names=dict(unmapped.iter_rows()),
    )
    return FlowsResult(flows, report)


def _check(path: Path, parsed: pl.DataFrame) -> None:
    """Periods must read `YYYY-YYYY` and flows must be numbers: name the first bad row."""
    bad_period = parsed.filter(pl.col("period_start").is_null())
    if bad_period.height:
        row = bad_period.row(0, named=True)
        raise KpiImportError(
            path, "period is not YYYY-YYYY", row=row["row"], column="period_year",
            value=row["period_year"],
        )  # fmt: skip
    for column in FLOW_COLUMNS:
        bad = parsed.filter(pl.col(column).is_null() | (pl.col(column) < 0))
        if bad.height:
            row = bad.row(0, named=True)
            raise KpiImportError(
                path, "flow is not a number >= 0", row=row["row"], column=column,
                value=row[f"{column}_raw"],
            )  # fmt: skip
