"""The annual batch: read -> validate -> SQL models -> audits -> export, atomically."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import duckdb
import polars as pl

from kpi import (
    excel,
    export,
    gx_suites,
    kpi_report,
    manifest,
    outputs,
    report,
    sql_checks,
    target_eval,
)
from kpi.config import Settings
from kpi.contracts import Contract, load_contracts
from kpi.errors import AuditFailed, DefinitionError, InputError, KpiError, ValidationFailed
from kpi.readers import (
    InputFile,
    RaggedRows,
    discover,
    open_parquet,
    parquet_footer,
    parquet_row_count,
    read_file,
)
from kpi.runner import RAW_SCHEMA, SEED_SCHEMA, AuditResult, Project, run_audits, run_models
from kpi.targets import load_targets
from kpi.validation import (
    DatasetResult,
    Failure,
    ValidationReport,
    count_checks,
    empty_frame,
    validate_frames,
)

Progress = Callable[[str], None]


@dataclass
class Definitions:
    """Everything the run is defined by, apart from the data: contracts and SQL."""

    inputs: dict[str, Contract]
    seeds: dict[str, Contract]
    marts: dict[str, Contract]
    project: Project

    @classmethod
    def load(cls, settings: Settings) -> Definitions:
        project = Project.load(settings.sql)
        seeds = load_contracts(settings.sql / "seeds")
        for name in project.seeds.keys() - seeds.keys():
            raise KpiError(f"seed {project.seeds[name]} has no contract {name}.yaml beside it")
        return cls(
            load_contracts(settings.schemas), seeds, load_contracts(settings.sql / "marts"), project
        )


@dataclass
class Validated:
    files: dict[str, InputFile]
    seed_files: dict[str, InputFile]
    frames: dict[str, pl.DataFrame]
    report: ValidationReport


@dataclass
class RunResult:
    status: str
    out: Path
    manifest: dict
    report: ValidationReport | None = None
    audits: list[AuditResult] = field(default_factory=list)
    error: KpiError | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.error is None else self.error.exit_code


def checked_in_duckdb(settings: Settings, path: Path) -> bool:
    """Whether a Parquet input is checked by SQL over the file instead of pandera on a frame."""
    engine = settings.validation.engine
    if path.suffix.lower() != ".parquet" or engine == "pandera":
        return False
    footer = parquet_footer(path)
    if engine == "auto" and footer.num_rows < settings.validation.duckdb_min_rows:
        return False
    # DuckDB numbers the rows in a column of this name, so a file's own column of that name
    # would stop the scan, and it renames one of two names that differ only in case: pandera
    # checks such a file (both are columns no contract has, reported as such)
    names = [name.lower() for name in footer.schema.to_arrow_schema().names]
    return sql_checks.FILE_ROW_NUMBER not in names and len(set(names)) == len(names)


def read_and_validate(settings: Settings, defs: Definitions) -> Validated:
    """Read every input and seed, cast and check them; unreadable files become failures too."""
    files, seed_files, raw, unreadable = {}, {}, {}, []
    found = discover(settings.data, sorted(defs.inputs))
    sources = [(n, p, files) for n, p in found.items()]
    sources += [(n, p, seed_files) for n, p in defs.project.seeds.items()]
    for dataset, path, into in sources:
        try:
            if into is files and checked_in_duckdb(settings, path):
                into[dataset] = open_parquet(dataset, path)
                continue
            into[dataset] = read_file(dataset, path, settings.input.encoding)
            raw[dataset] = (into[dataset].frame, str(path))
        except RaggedRows as exc:  # each row named, not the file once
            unreadable += [
                Failure(dataset, str(path), row, None, "readable",
                        f"{fields} fields where the header has {exc.width}")
                for row, fields in exc.rows
            ]  # fmt: skip
        except InputError as exc:
            unreadable.append(
                Failure(dataset, str(path), exc.row, exc.column, "readable", str(exc))
            )
    for name, contract in defs.inputs.items():
        if not contract.optional and name not in found:
            unreadable.append(
                Failure(name, None, None, None, "file_present", f"{name}.csv|parquet|xlsx")
            )
    contracts = {**defs.inputs, **defs.seeds}
    in_duckdb = {name: f for name, f in files.items() if f.in_duckdb}
    frames, report = validate_frames(raw, contracts, frozenset(in_duckdb))
    if in_duckdb:
        check_in_duckdb(settings, contracts, in_duckdb, frames, report)
    for failure in unreadable:
        result = report.datasets.setdefault(
            failure.dataset, DatasetResult(failure.dataset, failure.file, 0, 1)
        )
        result.failures.append(failure)
    return Validated(files, seed_files, frames, report)


def check_in_duckdb(
    settings: Settings,
    contracts: dict[str, Contract],
    in_duckdb: dict[str, InputFile],
    frames: dict[str, pl.DataFrame],
    report: ValidationReport,
) -> None:
    """Contract checks of the large Parquet inputs as SQL, and every foreign key touching them.

    Each dataset's checks and each foreign key are independent queries, run side by side on
    cursors of one database (one DuckDB memory limit for all): the one-pass key check of a
    sorted file keeps a single core busy, so alone it would leave the others idle.
    """
    con = duckdb.connect(config=engine_config(settings))
    relations: dict[str, str] = {}
    checks: list[tuple[str, Callable]] = []
    for name, input_file in sorted(in_duckdb.items()):
        path, contract, rows = input_file.path, contracts[name], input_file.rows
        present, statistics = sql_checks.parquet_facts(
            con, path, settings.validation.parquet_statistics
        )
        report.datasets[name] = DatasetResult(
            name, str(path), rows, count_checks(contract), checked_by="duckdb"
        )
        relations[name] = sql_checks.checked_relation(contract, present, path)
        checks.append((name, partial(
            sql_checks.check_parquet, dataset=name, path=path, contract=contract,
            file=str(path), present=present, rows=rows, statistics=statistics,
        )))  # fmt: skip
    arrow = {
        f"_frame_{name}": frame.with_row_index(sql_checks.ROW, offset=1).to_arrow()
        for name, frame in frames.items()
    }
    relations |= {name: f'"_frame_{name}"' for name in frames}
    foreign_keys: list[tuple[str, Callable]] = []
    for name in sorted(relations):
        contract = contracts[name]
        touches = {fk.ref_dataset for fk in contract.foreign_keys} | {name}
        if contract.foreign_keys and touches & in_duckdb.keys():
            foreign_keys.append((name, partial(
                sql_checks.check_foreign_keys, dataset=name, file=report.datasets[name].file,
                contract=contract, relations=relations, contracts=contracts,
            )))  # fmt: skip
    # every query's result is gathered in this fixed order, so reports never depend on timing
    try:
        results = _on_cursors(con, [task for _, task in checks + foreign_keys], arrow, settings)
    finally:
        con.close()
    unreadable = set()
    for (name, _), result in zip(checks, results[: len(checks)], strict=True):
        if isinstance(result, duckdb.Error):
            # the footer read, the pages did not: one failure, as pandera reports such a file
            path = in_duckdb[name].path
            error = f"{type(result).__name__}: {result}"
            message = str(InputError(path, f"cannot read parquet file: {error}"))
            report.datasets[name].failures.append(
                Failure(name, str(path), None, None, "readable", message)
            )
            unreadable.add(name)
            continue
        report.datasets[name].failures += result[0]
        report.datasets[name].proven_by_statistics = result[1]
    for (name, _), result in zip(foreign_keys, results[len(checks) :], strict=True):
        if isinstance(result, duckdb.Error):
            touched = {name} | {fk.ref_dataset for fk in contracts[name].foreign_keys}
            if touched & unreadable:
                continue  # a key of an unreadable file is not known; its failure says so
            raise result
        report.datasets[name].failures += result


# raised by the engine or by this code, never by the bytes of a file: not an unreadable input
_NOT_THE_FILE = (
    duckdb.OutOfMemoryException,
    duckdb.InterruptException,
    duckdb.ProgrammingError,
    duckdb.InternalException,
)


def _on_cursors(
    con: duckdb.DuckDBPyConnection, tasks: list[Callable], arrow: dict, settings: Settings
) -> list:
    """Each task called with a cursor of `con` of its own (registered frames are per cursor),
    all at once unless `[engine] threads` caps them; the results in the order of `tasks`."""

    def call(task: Callable):
        with con.cursor() as cursor:
            for view, table in arrow.items():
                cursor.register(view, table)
            try:
                return task(cursor)
            except _NOT_THE_FILE:
                raise
            except duckdb.Error as exc:  # pages a footer promised but that do not decode
                return exc

    workers = max(1, min(len(tasks), settings.engine.threads or len(tasks)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(call, tasks))


def config_params(settings: Settings) -> pl.DataFrame:
    """Method choices as one row `config.params`, so SQL reads them without templating."""
    recorded = settings.recorded()
    flat = {
        f"{section}_{key}": value
        for section, values in recorded.items()
        if isinstance(values, dict) and section != "engine"
        for key, value in values.items()
    }
    return pl.DataFrame([flat])


@contextmanager
def model_database(settings: Settings) -> Iterator[str]:
    """Where the models' tables live: memory, or with `[engine] storage = "disk"` a DuckDB file
    (compressed, paged out past memory_limit) in a directory of its own, deleted afterwards."""
    if settings.engine.storage == "memory":
        yield ":memory:"
        return
    parent = settings.engine.temp_directory or settings.out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix=".kpi-models-", dir=parent))
    try:
        yield str(directory / "models.duckdb")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def connect(
    settings: Settings, defs: Definitions, validated: Validated, database: str = ":memory:"
) -> duckdb.DuckDBPyConnection:
    """A database (in memory unless `database` names a file): raw.<dataset> (empty when
    absent), seeds.* and config.params.

    Inputs are views over the validated frames' Arrow memory (no copy: at 10M papers a copy
    costs gigabytes); seeds and parameters are small tables.
    """
    con = duckdb.connect(database, config=engine_config(settings))
    for schema in (RAW_SCHEMA, SEED_SCHEMA, "config"):
        con.execute(f"create schema {schema}")
    for name, input_file in sorted(validated.files.items()):
        if input_file.in_duckdb:  # read straight from the file: no frame was ever held
            path, contract = input_file.path, defs.inputs[name]
            present = sql_checks.parquet_columns(con, path)
            select = sql_checks.model_view(contract, present, path)
            con.execute(f'create view {RAW_SCHEMA}."{name}" as {select}')
    tables = [
        (RAW_SCHEMA, n, validated.frames.get(n), c)
        for n, c in defs.inputs.items()
        if not (n in validated.files and validated.files[n].in_duckdb)
    ]
    tables += [(SEED_SCHEMA, n, validated.frames.get(n), c) for n, c in defs.seeds.items()]
    tables.append(("config", "params", config_params(settings), None))
    for schema, name, frame, contract in tables:
        frame = frame if frame is not None else empty_frame(contract)
        if schema == RAW_SCHEMA:
            con.register(f"_{schema}_{name}", frame.to_arrow())
            con.execute(f'create view {schema}."{name}" as select * from "_{schema}_{name}"')
            continue
        con.register("_incoming", frame.to_arrow())
        con.execute(f'create table {schema}."{name}" as select * from _incoming')
        con.unregister("_incoming")
    return con


def engine_config(settings: Settings) -> dict[str, str]:
    """DuckDB options from [engine]; unset ones keep DuckDB's defaults."""
    engine = settings.engine
    options = {
        "memory_limit": engine.memory_limit,
        "temp_directory": engine.temp_directory and str(engine.temp_directory),
        "threads": engine.threads and str(engine.threads),
        "preserve_insertion_order": str(engine.preserve_insertion_order).lower(),
    }
    return {k: v for k, v in options.items() if v is not None}


def _input_entries(files: dict[str, InputFile]) -> list[dict]:
    return [
        {
            "dataset": f.dataset,
            "path": str(f.path.resolve()),
            "format": f.format,
            "encoding": f.encoding,
            "sha256": f.sha256,
            "rows": f.rows,
            "bytes": f.path.stat().st_size,
        }
        for f in sorted(files.values(), key=lambda f: f.dataset)
    ]


def _output_entries(root: Path, known: list[dict] | None = None) -> list[dict]:
    """Path, sha256, rows and bytes of every file under `root` but the manifest; files already
    in `known` (entries of an earlier call, their files untouched since) are not read again."""
    entries = {e["path"]: e for e in known or []}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json"):
        name = path.relative_to(root).as_posix()
        if name in entries:
            continue
        entry = {"path": name, "sha256": manifest.sha256_file(path)}
        if path.suffix == ".parquet":
            entry["rows"] = duckdb.execute(f"select count(*) from '{path}'").fetchall()[0][0]
        entry["bytes"] = path.stat().st_size
        entries[name] = entry
    return [entries[name] for name in sorted(entries, key=lambda n: Path(n).parts)]


def fingerprint(
    settings: Settings, defs: Definitions, validated: Validated, code: str, code_sha256: str
) -> dict:
    """What determines the indicator files; paths are left out so a moved run keeps its id."""
    # validation options add checks and engine options set resources; neither changes what
    # the indicators are
    config = {
        k: v
        for k, v in settings.recorded().items()
        if not isinstance(v, str) and k not in ("validation", "engine", "export")
    }
    return {
        "code": code,
        "code_sha256": code_sha256,
        "config": config,
        "inputs": {f.dataset: f.sha256 for f in validated.files.values()},
        "definitions": _definitions(settings),
    }


def _definitions(settings: Settings) -> dict[str, str]:
    return manifest.hash_definitions(
        {"schemas": settings.schemas, "sql": settings.sql, "targets": settings.targets}
    )


def run(settings: Settings, progress: Progress = lambda _msg: None) -> RunResult:
    """Run the whole batch; the result says where the output (or the failure evidence) went."""
    started = time.monotonic()
    record: dict = {
        "kpi_manifest_version": 1,
        "status": "running",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": manifest.code_version(),
        "code_sha256": manifest.code_sha256(),
        "packages": manifest.package_versions(),
        "environment": manifest.environment(),
        "config": settings.recorded(),
    }
    outputs.check_replaceable(settings.out)
    staging = outputs.new_staging_dir(settings.out)
    defs: Definitions | None = None
    validated: Validated | None = None
    audits: list[AuditResult] = []
    # the models' database: closed (and deleted when on disk) in `finally`, however the run ends
    resources = ExitStack()
    seconds: dict[str, float] = {}
    try:
        progress("loading definitions")
        defs = Definitions.load(settings)
        record["definitions"] = _definitions(settings)
        # a target naming a mart, column or value that cannot be stops the run before the
        # inputs are read (at world scale, half an hour before the targets are checked)
        targets = load_targets(settings.targets, defs.marts)
        progress(f"reading inputs from {settings.data}")
        validated = read_and_validate(settings, defs)
        record["inputs"] = _input_entries(validated.files)
        record["seeds"] = _input_entries(validated.seed_files)
        record["run_id"] = manifest.run_id(
            fingerprint(settings, defs, validated, record["code_version"], record["code_sha256"])
        )
        record["validation"] = validated.report.summary()
        validated.report.write(staging / "validation")
        gx_report = _run_gx(settings, defs, validated, staging, record, progress)
        if not validated.report.passed:
            raise ValidationFailed(validated.report)
        if gx_report is not None and not gx_report.passed:
            raise gx_suites.GxValidationFailed(gx_report)
        database = resources.enter_context(model_database(settings))
        con, built, audits = build(settings, defs, validated, progress, database, seconds)
        resources.callback(con.close)
        record["models"] = {
            "built": built,
            "skipped": sorted(set(defs.project.models) - set(built)),
            "storage": settings.engine.storage,
            "seconds": seconds,
        }
        record["audits"] = [a.__dict__ for a in audits]
        raise_for_failed_audits(audits)
        progress("checking targets")
        observations = validated.frames.get("observations")
        checked = target_eval.check_targets(con, settings, defs.marts, observations, targets)
        # the table goes out (Parquet metadata, reports, workbook) stating the thresholds used
        if target_eval.TABLE in defs.marts:
            defs.marts[target_eval.TABLE] = target_eval.published_contract(
                defs.marts[target_eval.TABLE], target_eval.run_thresholds(settings)
            )
        record["targets"] = checked.summary()  # table target_status is exported below
        marts = [m for m in defs.marts if _table_exists(con, m)]
        record["lineage"] = {m: defs.project.lineage(m) for m in marts if m in defs.project.models}
        if target_eval.TABLE in marts and target_eval.TABLE not in record["lineage"]:
            record["lineage"][target_eval.TABLE] = _target_lineage(settings, defs)
        extra = {"kpi.run_id": record["run_id"], "kpi.code_version": record["code_version"]}
        (staging / "indicators").mkdir()
        files = {mart: staging / "indicators" / f"{mart}.parquet" for mart in marts}
        for mart in marts:
            check_mart_schema(con, mart, defs.marts[mart])
        progress("exporting indicators")
        for mart, path in files.items():
            export.write_parquet(con, mart, defs.marts[mart], path, extra)
        progress("checking the exported files against the mart contracts")
        record["mart_contracts"] = {
            mart: check_exported_mart(
                con, mart, defs.marts[mart], path, settings.validation.parquet_statistics
            )
            for mart, path in files.items()
        }
        if settings.export.excel:
            progress("writing indicators.xlsx")
            excel.write_workbook(staging / "indicators", defs.marts, staging / "indicators.xlsx")
        record["status"] = "success"
    except KpiError as exc:
        # a failed run's directory is evidence: it never holds indicator files
        shutil.rmtree(staging / "indicators", ignore_errors=True)
        if seconds and "models" not in record:  # the models that ran before one failed
            record["models"] = {"storage": settings.engine.storage, "seconds": seconds}
        record["status"] = "failed"
        record["failure"] = {"type": type(exc).__name__, "message": str(exc)}
        _finish_or_discard(record, staging, started, defs, validated)
        destination = outputs.publish_failure(staging, settings.out)
        return RunResult("failed", destination, record, validated and validated.report, audits, exc)
    except BaseException:
        outputs.discard(staging)
        raise
    finally:
        resources.close()
    progress("writing reports and manifest")
    _finish_or_discard(record, staging, started, defs, validated)
    outputs.publish(staging, settings.out)
    return RunResult("success", settings.out, record, validated.report, audits)


def _finish_or_discard(record, staging, started, defs, validated) -> None:
    """_finish; if even that fails, no half-written staging directory is left beside out."""
    try:
        _finish(record, staging, started, defs, validated)
    except BaseException:
        outputs.discard(staging)
        raise


def build(
    settings: Settings,
    defs: Definitions,
    validated: Validated,
    progress: Progress = lambda _m: None,
    database: str = ":memory:",
    seconds: dict[str, float] | None = None,
) -> tuple[duckdb.DuckDBPyConnection, list[str], list[AuditResult]]:
    """The SQL models, then the audits, in a fresh database (for `kpi run` and `kpi targets`);
    `seconds` gets each model's wall time."""
    progress("running SQL models")
    con = connect(settings, defs, validated, database)
    try:
        built = run_models(con, defs.project, set(validated.files), seconds)
        progress("running audits")
        return con, built, run_audits(con, defs.project, set(built))
    except BaseException:
        con.close()
        raise


def raise_for_failed_audits(audits: list[AuditResult]) -> None:
    failed = [a for a in audits if a.severity == "error" and a.rows and not a.skipped]
    if failed:
        raise AuditFailed(failed)


def _target_lineage(settings: Settings, defs: Definitions) -> dict[str, list[str]]:
    """target_status is computed in Python from targets/*.yaml, the marts they name and the
    published observations: its lineage is theirs plus the target files."""
    from kpi.targets import load_targets

    named = {t.indicator.mart for t in load_targets(settings.targets) if t.indicator}
    traces = [defs.project.lineage(m) for m in sorted(named) if m in defs.project.models]
    observations = ["observations"] if "observations" in defs.inputs else []
    targets = [f"targets/{p.name}" for p in sorted(settings.targets.glob("*.yaml"))]
    return {
        "models": sorted({m for t in traces for m in t["models"]} | (named & set(defs.marts))),
        "datasets": sorted({d for t in traces for d in t["datasets"]} | set(observations)),
        "seeds": sorted({s for t in traces for s in t["seeds"]}),
        "files": sorted({f for t in traces for f in t["files"]} | set(targets)),
        "computed_by": ["kpi.target_eval"],
    }


def _run_gx(settings, defs, validated, staging, record, progress) -> gx_suites.GxReport | None:
    """The Great Expectations suites, when asked for (they cost about 3 s, mostly the import)."""
    if not settings.validation.gx:
        return None
    progress("running Great Expectations suites")
    gx_report = gx_suites.validate_with_gx(
        {**defs.inputs, **defs.seeds}, validated, staging / "validation" / "gx"
    )
    summary = gx_report.summary()
    record["validation"]["great_expectations"] = {
        "version": summary["great_expectations_version"],
        "passed": summary["passed"],
        "agrees_with_pandera": summary["agrees_with_pandera"],
        "results": "validation/gx/",
    }
    return gx_report


def _finish(
    record: dict,
    staging: Path,
    started: float,
    defs: Definitions | None,
    validated: Validated | None,
) -> None:
    record["ended_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    record["duration_s"] = round(time.monotonic() - started, 3)
    if record["status"] == "success":  # the KPI report shows indicators: only a good run has them
        kpi_report.write_kpi_report(staging, record, validated)
    record["outputs"] = _output_entries(staging)
    try:
        report.write_audit_report(staging, record, defs, validated)
    except Exception as exc:
        if record["status"] == "success":
            raise
        # a failed run's evidence matters more than its rendering
        record["report_error"] = f"{type(exc).__name__}: {exc}"
    # now with report/audit.html; the files listed before it are not hashed twice
    record["outputs"] = _output_entries(staging, record["outputs"])
    manifest.write_manifest(staging / "manifest.json", record)


def check_mart_schema(con: duckdb.DuckDBPyConnection, mart: str, contract: Contract) -> None:
    """The mart's columns and their exact types, from the catalogue, before it is written."""
    _raise_for_mart(mart, sql_checks.table_schema_failures(con, mart, contract))


def check_exported_mart(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    contract: Contract,
    path: Path,
    use_statistics: bool = True,
) -> dict:
    """The written file against the mart's contract (nulls, ranges, values, key), so what is
    checked is what is published; rows are the file's rows.

    Checked as an input file is (sql_checks.check_parquet): the writer's statistics prove most
    rules, and the key of a file sorted on it is checked in one pass. Returns what the manifest
    records of the check.
    """
    rows = parquet_row_count(path)
    failures, proofs = [], []
    if rows:  # an empty mart has no value to check; its columns were checked before export
        present, statistics = sql_checks.parquet_facts(con, path, use_statistics)
        file = f"indicators/{path.name}"
        failures, proofs = sql_checks.check_parquet(
            con, mart, path, contract, file, present, rows, statistics, finite=True
        )
    _raise_for_mart(mart, failures)
    return {
        "rows": rows,
        "checks": count_checks(contract),
        "warnings": len(failures),
        "proven_by_statistics": proofs,
    }


def _raise_for_mart(mart: str, failures: list) -> None:
    blocking = [f for f in failures if f.severity == "critical"]
    if blocking:
        shown = "; ".join(f"row {f.row} {f.column} {f.check} {f.value!r}" for f in blocking[:5])
        raise DefinitionError(
            f"mart {mart} breaks its contract ({len(blocking)} failures): {shown}"
        )


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    query = (
        "select count(*) from information_schema.tables where table_schema='main' and table_name=?"
    )
    return con.execute(query, [name]).fetchall()[0][0] > 0
