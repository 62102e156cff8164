"""Command line: parse, call one function, turn project errors into messages and exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # offline: never phone home

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kpi.config import Settings, load_settings
from kpi.errors import KpiError, UsageError, ValidationFailed
from kpi.formatting import in_fiscal_years, number, period
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
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="ISO date: only targets adopted and figures published by then"),
]
FailOnGapOpt = Annotated[
    bool, typer.Option("--fail-on-gap", help="Exit 3 when any target is flagged (output kept)")
]


def _settings(config: Path | None, **flags) -> Settings:
    try:
        return load_settings(config, **flags)
    except KpiError as exc:
        _fail(exc, code=2)


def _fail(exc: Exception, code: int | None = None) -> None:
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(code if code is not None else getattr(exc, "exit_code", 1))


def _progress(message: str) -> None:
    if console.is_terminal:
        console.print(f"[dim]·[/] {escape(message)}")
    else:
        print(f"kpi: {message}", flush=True)


def print_failures(report: ValidationReport, where: Path | None, limit: int = 30) -> None:
    failures = report.failures
    table = Table(title=f"{len(failures)} validation failure(s)", show_lines=False)
    for column in ("dataset", "file", "row", "column", "check", "value", "severity"):
        table.add_column(column, overflow="fold")
    for f in failures[:limit]:
        style = "red" if f.severity == "critical" else "yellow"
        # cells hold the data as read ('[a-z]' in a regex, '[/x]' in a value): no markup
        cells = (
            f.dataset,
            Path(f.file).name if f.file else "",
            "" if f.row is None else str(f.row),
            f.column or "",
            f.check,
            "" if f.value is None else str(f.value)[:80],
        )
        table.add_row(*map(escape, cells), f"[{style}]{f.severity}[/]")
    err_console.print(table)
    if len(failures) > limit:
        more = f"… and {len(failures) - limit} more"
        if where is None:  # a command that writes nothing: say which one writes them all
            more += " (`kpi validate` writes every failure to validation/failures.csv)"
        err_console.print(more)
    if where is not None:
        err_console.print(f"every failure: {escape(str(where / 'validation' / 'failures.csv'))}")


@app.command()
def run(
    data: DataOpt = None,
    out: OutOpt = None,
    targets: TargetsOpt = None,
    config: ConfigOpt = None,
    as_of: AsOfOpt = None,
    fail_on_gap: FailOnGapOpt = False,
    gx: Annotated[
        bool | None,
        typer.Option("--gx/--no-gx", help="Also run the Great Expectations suites (~3 s)"),
    ] = None,
    excel: Annotated[
        bool | None,
        typer.Option("--excel/--no-excel", help="Also write indicators.xlsx (a sheet per table)"),
    ] = None,
) -> None:
    """Read, validate, compute every indicator table and export it (Parquet + manifest)."""
    from kpi.gx_suites import GxValidationFailed  # GX itself is imported only when it runs
    from kpi.pipeline import run as run_pipeline

    settings = _settings(config, data=data, out=out, targets=targets, **_as_of(as_of))
    if gx is not None:
        settings.validation.gx = gx
    if excel is not None:
        settings.export.excel = excel
    try:
        result = run_pipeline(settings, progress=_progress)
    except KpiError as exc:
        _fail(exc)
    if result.error is not None:
        if isinstance(result.error, ValidationFailed):
            print_failures(result.error.report, result.out)
        if isinstance(result.error, GxValidationFailed):
            print_gx(result.error.report, result.out / "validation" / "gx")
        err_console.print(f"[bold red]run failed:[/] {escape(str(result.error))}", soft_wrap=True)
        err_console.print(f"evidence (manifest, validation): {escape(str(result.out))}")
        raise typer.Exit(result.exit_code)
    warnings = [a for a in result.audits if a.rows and not a.skipped]
    for audit in warnings:
        console.print(
            f"[yellow]audit warning[/] {audit.name}: {audit.rows} row(s) — "
            f"{escape(audit.description)}"
        )
    outputs = [o for o in result.manifest["outputs"] if o["path"].startswith("indicators/")]
    table = Table(title=f"kpi run {result.manifest['run_id']} → {escape(str(result.out))}")
    table.add_column("indicator table")
    table.add_column("rows", justify="right")
    table.add_column("sha256")
    for entry in outputs:
        table.add_row(entry["path"], str(entry.get("rows", "")), entry["sha256"][:16])
    console.print(table)
    report = result.out / "report" / "audit.html"
    if report.exists():
        manifest = result.out / "manifest.json"
        console.print(f"audit report: {escape(str(report))}   manifest: {escape(str(manifest))}")
    if (result.out / "report" / "kpi.html").exists():
        console.print(f"KPI report: {escape(str(result.out / 'report' / 'kpi.html'))}")
    _targets_verdict(result.manifest.get("targets"), fail_on_gap)


STATUS_STYLES = {
    "achieved": "bold green",
    "on_track": "green",
    "moderate": "yellow",
    "insufficient": "dark_orange",
    "moving_away": "bold red",
    "not_started": "cyan",
    "no_data": "magenta",
}


def _as_of(as_of: str | None) -> dict:
    """Only a given --as-of overrides the config file's target_eval.as_of."""
    return {} if as_of is None else {"target_eval": {"as_of": as_of}}


def _targets_verdict(summary: dict | None, fail_on_gap: bool, quiet: bool = False) -> None:
    """Say how the targets stand (stderr for warnings); exit 3 on a flagged one if asked."""
    if not summary:
        return
    counts = ", ".join(f"{status} {n}" for status, n in summary["by_status"].items())
    if not quiet:
        console.print(f"targets: {summary['evaluated']} evaluated ({counts or 'none'})")
    for warning in summary["warnings"]:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    if summary["flagged"]:
        ids = escape(", ".join(summary["flagged_ids"]))
        flagged = f"[yellow]{summary['flagged']} target(s) flagged:[/] {ids}"
        err_console.print(flagged, soft_wrap=True)
        if fail_on_gap:
            raise typer.Exit(3)


def _period(row: dict, year: int | None) -> str:
    """A period as the reports label it: 2024, or FY2024 for a fiscal-year target."""
    return period(year, in_fiscal_years(row), short=True)


def _goal(row: dict) -> str:
    value = number(row["target_value"])
    start, end = (_period(row, row[f"target_period_{p}"]) for p in ("start", "end"))
    if row["kind"] == "cumulative":
        return f"Σ {value} over {start}–{end}"
    if row["kind"] == "floor":
        return f"≥ {value} from {start}" + (f" to {end}" if row["target_period_end"] else "")
    return f"{value} by {end}"


def _target_cells(row: dict) -> list[str]:
    """One table row: what is measured, how far off it is, and where the trend leads."""
    cumulative = row["cumulative_value"] is not None
    latest = number(row["cumulative_value"] if cumulative else row["latest_value"])
    if row["latest_period"] is not None:
        latest += f" ({_period(row, row['latest_period'])})"
    gap = "–" if row["gap"] is None else f"{number(row['gap'])} ({number(row['gap_pct'])}%)"
    projection = row["projected_value"]
    if projection is not None:
        projection = f"{number(projection)} ({_period(row, row['projected_period'])})"
    status = f"[{STATUS_STYLES[row['status']]}]{row['status']}[/]"
    if row["note"]:
        status += f"\n[dim]{escape(row['note'])}[/]"
    return [
        f"{escape(row['target_id'])}\n[dim]{escape(row['title_ja'])}[/]",
        _goal(row),
        ("Σ " if cumulative else "") + latest,
        number(row["expected_value"]),
        gap,
        f"{number(row['observed_cagr_pct'])} / {number(row['required_cagr_pct'])}",
        number(row["progress_ratio"]),
        projection or "–",
        status,
    ]


@app.command("targets")
def targets_cmd(
    data: DataOpt = None,
    targets: TargetsOpt = None,
    as_of: AsOfOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
    config: ConfigOpt = None,
    fail_on_gap: FailOnGapOpt = False,
) -> None:
    """Check every policy target against the indicators (no files written) and flag each gap."""
    from kpi.target_eval import check_data

    settings = _settings(config, data=data, targets=targets, **_as_of(as_of))
    try:
        checked = check_data(settings)
    except ValidationFailed as exc:
        print_failures(exc.report, None)
        _fail(exc)
    except KpiError as exc:
        _fail(exc)
    rows = checked.frame().to_dicts()
    if as_json:
        payload = {"summary": checked.summary(), "targets": rows}
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        as_of_text = f" as of {checked.as_of}" if checked.as_of else ""
        table = Table(title=f"policy targets{as_of_text}", show_lines=True)
        for column in ("target", "goal", "latest", "expected", "gap", "CAGR obs / req %"):
            table.add_column(column, overflow="fold")
        for column in ("ratio", "projection", "status"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*_target_cells(row))
        console.print(table if rows else f"no target adopted{as_of_text}")
        for name in checked.not_yet_adopted:
            console.print(f"[dim]not yet adopted on {checked.as_of}: {escape(name)}[/]")
    _targets_verdict(checked.summary(), fail_on_gap, quiet=as_json)


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
def validate(
    data: DataOpt = None,
    out: Annotated[
        Path, typer.Option(help="Directory for validation/ (default: the working directory)")
    ] = Path("."),
    config: ConfigOpt = None,
    gx: Annotated[
        bool,
        typer.Option("--gx/--no-gx", help="Also run the Great Expectations suites (default on)"),
    ] = True,
) -> None:
    """Validate every input dataset against schemas/ without computing anything."""
    from kpi.outputs import holds_run
    from kpi.pipeline import Definitions, read_and_validate

    if holds_run(out):
        # a run's validation/ is part of its evidence (hashed in its manifest): keep it intact
        _fail(UsageError(f"{out} holds a kpi run; write validation results elsewhere (--out)"))
    settings = _settings(config, data=data, out=out)
    try:
        defs = Definitions.load(settings)
        validated = read_and_validate(settings, defs)
    except KpiError as exc:
        _fail(exc)
    report = validated.report
    report.write(settings.out / "validation")
    table = Table(title=f"validation of {escape(str(settings.data))}")
    for column in ("dataset", "file", "rows", "checks", "critical", "warning"):
        table.add_column(column, justify="right" if column in ("rows", "checks") else "left")
    for name, result in sorted(report.datasets.items()):
        crit, warn = result.count("critical"), result.count("warning")
        table.add_row(
            name,
            escape(Path(result.file).name) if result.file else "-",
            str(result.rows),
            str(result.checks),
            f"[red]{crit}[/]" if crit else "0",
            f"[yellow]{warn}[/]" if warn else "0",
        )
    console.print(table)
    if report.failures:
        print_failures(report, settings.out)
    gx_passed = True
    if gx:
        from kpi.gx_suites import validate_with_gx

        directory = settings.out / "validation" / "gx"
        gx_report = validate_with_gx({**defs.inputs, **defs.seeds}, validated, directory)
        print_gx(gx_report, directory)
        gx_passed = gx_report.passed
    if not report.passed or not gx_passed:
        raise typer.Exit(1)


def print_gx(report, directory: Path) -> None:
    """One line per dataset: expectations met, failures by severity, agreement with pandera."""
    table = Table(title=f"Great Expectations {report.version} (same contracts, second check)")
    for column in ("dataset", "expectations met", "critical", "warning", "agrees with pandera"):
        table.add_column(column, justify="left" if column == "dataset" else "right")
    for name, result in sorted(report.datasets.items()):
        agrees = {True: "yes", False: "[bold red]NO[/]", None: "-"}[result.agrees]
        met = escape(result.note) if result.note else f"{result.successful}/{result.evaluated}"
        crit, warn = result.count("critical"), result.count("warning")
        table.add_row(
            name,
            met,
            f"[red]{crit}[/]" if crit else "0",
            f"[yellow]{warn}[/]" if warn else "0",
            agrees,
        )
    console.print(table)
    if not report.agrees_with_pandera:
        err_console.print("[bold red]Great Expectations and pandera disagree; report this.[/]")
    console.print(f"suites and results: {escape(str(directory))}")


@app.command()
def verify(
    run_dir: Annotated[Path, typer.Argument(help="A run's output directory (with manifest.json)")],
    recompute: Annotated[
        bool,
        typer.Option(help="Also re-run the models from the recorded inputs and compare bytes"),
    ] = False,
    data: Annotated[
        Path | None,
        typer.Option(help="Where the recorded input files are now (default: recorded paths)"),
    ] = None,
) -> None:
    """Re-hash every file the run's manifest lists; exit 1 on any mismatch."""
    from kpi.verify import verify_run

    try:
        result = verify_run(run_dir, recompute=recompute, data=data, progress=_progress)
    except KpiError as exc:
        _fail(exc)
    kinds = Table(title=f"verify {escape(str(run_dir))} (run {result.manifest.get('run_id', '?')})")
    for column in ("files", "checked", "ok", "mismatch"):
        kinds.add_column(column, justify="left" if column == "files" else "right")
    for kind in dict.fromkeys(c.kind for c in result.checks):
        of_kind = [c for c in result.checks if c.kind == kind]
        bad = sum(not c.ok for c in of_kind)
        mismatch = f"[bold red]{bad}[/]" if bad else "0"
        kinds.add_row(kind, str(len(of_kind)), str(len(of_kind) - bad), mismatch)
    console.print(kinds)
    shown = [c for c in result.checks if not c.ok or c.kind == "recomputed"]
    if shown:
        table = Table(title="mismatches" if not result.ok else "recomputed indicator files")
        for column in ("kind", "file", "result", "detail"):
            table.add_column(column, overflow="fold")
        for check in shown:
            status = "[green]ok[/]" if check.ok else f"[bold red]{check.status}[/]"
            table.add_row(check.kind, escape(check.path), status, escape(check.detail or ""))
        console.print(table)
    for note in result.notes:
        console.print(f"[yellow]note[/] {escape(note)}")
    if not result.ok:
        failed = sum(not c.ok for c in result.checks)
        err_console.print(f"[bold red]verification failed:[/] {failed} mismatch(es)")
        raise typer.Exit(1)
    console.print(f"[green]verified[/] {len(result.checks)} file(s)")


import_app = typer.Typer(
    help="Convert bibliographic exports (papers/affiliations) and author-flow tables to Parquet."
)
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
        f"{len(report.skipped_no_year)} skipped without a year) → {escape(str(out))}"
    )
    for name, digest in sorted(hashes.items()):
        console.print(f"  {name}  sha256 {digest[:16]}")
    if unmapped:
        shown = escape(", ".join(f"{k!r} ({v})" for k, v in sorted(unmapped.items())[:20]))
        err_console.print(
            f"[yellow]warning:[/] unmapped country strings kept as country_raw: {shown}"
        )


def _report_fields(assignment: dict) -> None:
    """Under `--field-scheme esi`: how many papers got their journal's field, and warnings for
    the papers left without one (they form the Unclassified cell), like unmapped countries."""
    if assignment["scheme"] != "esi":
        return
    unassigned, matched = assignment["unassigned"], assignment["matched_by"]
    console.print(
        f"  field = ESI field of the journal ({escape(Path(assignment['journal_list']).name)}, "
        f"sha256 {assignment['journal_list_sha256'][:16]}): matched by SN {matched['SN']}, "
        f"EI {matched['EI']}, SO {matched['SO']}; {unassigned['unmatched']} unmatched, "
        f"{unassigned['multidisciplinary']} multidisciplinary"
    )
    if unassigned["unmatched"]:
        journals = sorted(assignment["unmatched_journals"].items(), key=lambda kv: -kv[1])[:20]
        shown = escape(", ".join(f"{k!r} ({v})" for k, v in journals))
        err_console.print(
            f"[yellow]warning:[/] {unassigned['unmatched']} paper(s) in journals not in the "
            f"journal list, field left empty (Unclassified): {shown}",
            soft_wrap=True,
        )
    if unassigned["multidisciplinary"]:
        err_console.print(
            f"[yellow]warning:[/] {unassigned['multidisciplinary']} paper(s) in ESI "
            "Multidisciplinary journals, field left empty (Unclassified): ESI assigns them by "
            "their cited references, which an export does not hold",
            soft_wrap=True,
        )


@import_app.command("wos")
def import_wos(
    files: FilesArg,
    out: ImportOut,
    strict: Annotated[
        bool,
        typer.Option(
            help="Unmapped country strings, and under esi journals not in the list, are an "
            "error (exit 1)"
        ),
    ] = False,
    hk_macau_as_china: Annotated[
        bool, typer.Option(help="Count Hong Kong and Macau addresses as CHN")
    ] = False,
    field_scheme: Annotated[
        str,
        typer.Option(
            "--field-scheme",
            help="wc-first: field = first WoS category in WC; esi: the ESI field of the "
            "journal (needs --esi-journals)",
        ),
    ] = "wc-first",
    esi_journals: Annotated[
        Path | None,
        typer.Option(
            "--esi-journals",
            help="Clarivate's ESI journal list (.xlsx or CSV), or a CSV issn,field / source,field",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Web of Science "Tab delimited file" exports -> papers.parquet + affiliations.parquet."""
    from kpi.importers import read_wos

    try:  # read_wos refuses a scheme it does not know, or a list without the esi scheme
        result = read_wos(
            files,
            hk_macau_as_china=hk_macau_as_china,
            field_scheme=field_scheme,
            esi_journals=esi_journals,
            strict_journals=strict,
        )
        _finish_import(result, out, strict)
        _report_fields(result.report.field_assignment)
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


FlowsOut = Annotated[Path, typer.Option("--out", help="Directory for author_flows.parquet")]
FlowSource = Annotated[str | None, typer.Option(help="Source text for every row (default: named)")]


def _finish_flows(result, out: Path, strict: bool) -> None:
    from kpi.importers.output import write_flows

    report = result.report
    if strict and report.unmapped_names:
        names = sorted(report.unmapped_names)
        _fail(KpiError(f"{len(names)} unmapped country name(s): {names[:20]}"))
    hashes = write_flows(result, out)
    console.print(f"{report.flows} flows from {report.records_read} records → {escape(str(out))}")
    for reason, count in report.skipped.items():
        console.print(f"  skipped {count}: {reason}")
    for name, digest in sorted(hashes.items()):
        console.print(f"  {name}  sha256 {digest[:16]}")
    if report.unmapped_names:
        names = sorted(report.unmapped_names.items())[:20]
        shown = escape(", ".join(f"{k!r} ({v})" for k, v in names))
        warning = f"[yellow]warning:[/] unmapped country names, flows not imported: {shown}"
        err_console.print(warning, soft_wrap=True)


@import_app.command("oecd-flows")
def import_oecd_flows(
    files: FilesArg,
    out: FlowsOut,
    source: FlowSource = None,
    ref_area_is: Annotated[
        str | None,
        typer.Option(help="origin|destination: REF_AREA's role when no direction column exists"),
    ] = None,
) -> None:
    """OECD bilateral author flows (SDMX-CSV: REF_AREA, COUNTERPART_AREA, ...) -> author_flows."""
    from kpi.importers.oecd_flows import SOURCE, read_oecd_flows

    if ref_area_is not in (None, "origin", "destination"):
        _fail(UsageError("--ref-area-is must be origin or destination"))
    try:
        result = read_oecd_flows(files, source or SOURCE, ref_area_is)
        _finish_flows(result, out, strict=False)
    except KpiError as exc:
        _fail(exc)


@import_app.command("zhao")
def import_zhao(
    file: Annotated[Path, typer.Argument(help="0_OD_migration_flow.csv", exists=True)],
    out: FlowsOut,
    strict: Annotated[
        bool, typer.Option(help="Unmapped country names are an error (exit 1)")
    ] = False,
    source: FlowSource = None,
) -> None:
    """Zhao et al. (2023) origin-destination scholar migration file -> author_flows (with sex)."""
    from kpi.importers.zhao import SOURCE, read_zhao

    try:
        _finish_flows(read_zhao(file, source or SOURCE), out, strict)
    except KpiError as exc:
        _fail(exc)


def main() -> None:  # pragma: no cover - console script entry
    app()


@app.command()
def synthesize(
    out: Annotated[Path, typer.Option(help="Directory for papers/affiliations.parquet")],
    seed: Annotated[int | None, typer.Option(help="Random seed (default 20240601)")] = None,
    papers: Annotated[int | None, typer.Option(help="Papers to generate (default 12000)")] = None,
) -> None:
    """Write the seeded SYNTHETIC paper set (the shipped default data) into a directory."""
    from kpi import synthetic
    from kpi.errors import UsageError

    seed = synthetic.DEFAULT_SEED if seed is None else seed
    papers = synthetic.DEFAULT_PAPERS if papers is None else papers
    if papers < synthetic.MIN_PAPERS:
        _fail(UsageError(f"--papers must be at least {synthetic.MIN_PAPERS}"))
    paths = synthetic.write_synthetic(out, seed=seed, papers=papers)
    for path in paths.values():
        console.print(f"wrote {path} (synthetic, seed {seed}, {papers} papers)")


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="Directory for papers/affiliations.parquet")],
    papers: Annotated[int, typer.Option(help="Papers to generate")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
) -> None:
    """Write a seeded SYNTHETIC benchmark set of any size, made in DuckDB (not the default data)."""
    from kpi import synth_large
    from kpi.errors import UsageError

    if papers < 1:
        _fail(UsageError("--papers must be at least 1"))
    for path in synth_large.write_large(out, papers, seed).values():
        console.print(f"wrote {path} (synthetic benchmark set, seed {seed}, {papers} papers)")
