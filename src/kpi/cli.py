"""Command line: parse, call one function, turn project errors into messages and exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # offline: never phone home

import typer
from rich.console import Console
from rich.table import Table

from kpi.config import Settings, load_settings
from kpi.errors import KpiError, ValidationFailed
from kpi.validation import ValidationReport

app = typer.Typer(
    help="kpi: indicators of Japan's international brain circulation, from validated source data.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML file of run parameters (default ./kpi.toml)")
]
DataOpt = Annotated[Path | None, typer.Option(help="Input directory (default: the shipped data/)")]
OutOpt = Annotated[Path | None, typer.Option(help="Output directory (default: out/)")]
TargetsOpt = Annotated[Path | None, typer.Option(help="Targets directory (default: shipped)")]


def _settings(config: Path | None, **flags) -> Settings:
    try:
        return load_settings(config, **flags)
    except KpiError as exc:
        _fail(exc, code=2)


def _fail(exc: Exception, code: int | None = None) -> None:
    err_console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
    raise typer.Exit(code if code is not None else getattr(exc, "exit_code", 1))


def _progress(message: str) -> None:
    if console.is_terminal:
        console.print(f"[dim]·[/] {message}")
    else:
        print(f"kpi: {message}", flush=True)


def print_failures(report: ValidationReport, where: Path | None, limit: int = 30) -> None:
    failures = report.failures
    table = Table(title=f"{len(failures)} validation failure(s)", show_lines=False)
    for column in ("dataset", "row", "column", "check", "value", "severity"):
        table.add_column(column, overflow="fold")
    for f in failures[:limit]:
        style = "red" if f.severity == "critical" else "yellow"
        table.add_row(
            f.dataset,
            "" if f.row is None else str(f.row),
            f.column or "",
            f.check,
            "" if f.value is None else str(f.value)[:80],
            f"[{style}]{f.severity}[/]",
        )
    err_console.print(table)
    if len(failures) > limit:
        err_console.print(f"… and {len(failures) - limit} more")
    if where is not None:
        err_console.print(f"every failure: {where / 'validation' / 'failures.csv'}")


@app.command()
def run(
    data: DataOpt = None,
    out: OutOpt = None,
    targets: TargetsOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Read, validate, compute every indicator table and export it (Parquet + manifest)."""
    from kpi.pipeline import run as run_pipeline

    settings = _settings(config, data=data, out=out, targets=targets)
    try:
        result = run_pipeline(settings, progress=_progress)
    except KpiError as exc:
        _fail(exc)
    if result.error is not None:
        if isinstance(result.error, ValidationFailed):
            print_failures(result.error.report, result.out)
        err_console.print(f"[bold red]run failed:[/] {result.error}", soft_wrap=True)
        err_console.print(f"evidence (manifest, validation): {result.out}")
        raise typer.Exit(result.exit_code)
    warnings = [a for a in result.audits if a.rows and not a.skipped]
    for audit in warnings:
        console.print(
            f"[yellow]audit warning[/] {audit.name}: {audit.rows} row(s) — {audit.description}"
        )
    outputs = [o for o in result.manifest["outputs"] if o["path"].startswith("indicators/")]
    table = Table(title=f"kpi run {result.manifest['run_id']} → {result.out}")
    table.add_column("indicator table")
    table.add_column("rows", justify="right")
    table.add_column("sha256")
    for entry in outputs:
        table.add_row(entry["path"], str(entry.get("rows", "")), entry["sha256"][:16])
    console.print(table)


@app.command("list")
def list_tables(
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """The indicator tables with their bilingual labels, units and definitions."""
    from kpi.contracts import load_contracts

    settings = _settings(config)
    marts = load_contracts(settings.sql / "marts")
    if as_json:
        payload = {name: c.model_dump(mode="json", exclude={"path"}) for name, c in marts.items()}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for name, contract in marts.items():
        console.rule(f"[bold]{name}[/]")
        console.print(f"{contract.title.ja}\n{contract.title.en}")
        if contract.unit:
            console.print(f"unit: {contract.unit}   source: {contract.source or '-'}")
        if contract.description:
            console.print(f"[dim]{contract.description.ja}\n{contract.description.en}[/]")
        table = Table(show_header=True, box=None, pad_edge=False)
        for column in ("column", "unit", "label (ja)", "label (en)", "definition"):
            table.add_column(column, overflow="fold")
        for col_name, col in contract.columns.items():
            definition = col.definition.en if col.definition else ""
            table.add_row(
                col_name, col.unit or "", col.description.ja, col.description.en, definition
            )
        console.print(table)


@app.command()
def validate(data: DataOpt = None, out: OutOpt = None, config: ConfigOpt = None) -> None:
    """Validate every input dataset against schemas/ without computing anything."""
    from kpi.pipeline import Definitions, read_and_validate

    settings = _settings(config, data=data, out=out)
    try:
        defs = Definitions.load(settings)
        validated = read_and_validate(settings, defs)
    except KpiError as exc:
        _fail(exc)
    report = validated.report
    report.write(settings.out / "validation")
    table = Table(title=f"validation of {settings.data}")
    for column in ("dataset", "file", "rows", "checks", "critical", "warning"):
        table.add_column(column, justify="right" if column in ("rows", "checks") else "left")
    for name, result in sorted(report.datasets.items()):
        crit, warn = result.count("critical"), result.count("warning")
        table.add_row(
            name,
            Path(result.file).name if result.file else "-",
            str(result.rows),
            str(result.checks),
            f"[red]{crit}[/]" if crit else "0",
            f"[yellow]{warn}[/]" if warn else "0",
        )
    console.print(table)
    if report.failures:
        print_failures(report, settings.out)
    if not report.passed:
        raise typer.Exit(1)


import_app = typer.Typer(help="Convert bibliographic exports into papers/affiliations Parquet.")
app.add_typer(import_app, name="import")
FilesArg = Annotated[list[Path], typer.Argument(help="Export files", exists=True, dir_okay=False)]
ImportOut = Annotated[Path, typer.Option("--out", help="Directory for papers/affiliations.parquet")]
StrictOpt = Annotated[bool, typer.Option(help="Unmapped country strings are an error (exit 1)")]


def _finish_import(result, out: Path, strict: bool) -> None:
    from kpi.importers import write_import

    report = result.report
    unmapped = report.unmapped_countries
    if strict and unmapped:
        _fail(KpiError(f"{len(unmapped)} unmapped country string(s): {sorted(unmapped)[:20]}"))
    hashes = write_import(result, out)
    console.print(
        f"{report.papers} papers, {report.affiliations} affiliations from {report.records_read} "
        f"records ({report.duplicates_dropped} duplicates dropped, "
        f"{len(report.skipped_no_year)} skipped without a year) → {out}"
    )
    for name, digest in sorted(hashes.items()):
        console.print(f"  {name}  sha256 {digest[:16]}")
    if unmapped:
        shown = ", ".join(f"{k!r} ({v})" for k, v in sorted(unmapped.items())[:20])
        err_console.print(
            f"[yellow]warning:[/] unmapped country strings kept as country_raw: {shown}"
        )


@import_app.command("wos")
def import_wos(
    files: FilesArg,
    out: ImportOut,
    strict: StrictOpt = False,
    hk_macau_as_china: Annotated[
        bool, typer.Option(help="Count Hong Kong and Macau addresses as CHN")
    ] = False,
) -> None:
    """Web of Science "Tab delimited file" exports -> papers.parquet + affiliations.parquet."""
    from kpi.importers import read_wos

    try:
        result = read_wos(files, hk_macau_as_china=hk_macau_as_china)
        _finish_import(result, out, strict)
    except KpiError as exc:
        _fail(exc)


@import_app.command("openalex")
def import_openalex(files: FilesArg, out: ImportOut, strict: StrictOpt = False) -> None:
    """OpenAlex works (JSON Lines, gzip accepted, or API result pages) -> papers + affiliations."""
    from kpi.importers import read_openalex

    try:
        _finish_import(read_openalex(files), out, strict)
    except KpiError as exc:
        _fail(exc)


def main() -> None:  # pragma: no cover - console script entry
    app()
