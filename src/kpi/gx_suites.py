"""Great Expectations suites built from the data contracts: a second, auditor-facing check."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from kpi.contracts import ColumnContract, Contract
from kpi.errors import DefinitionError, KpiError
from kpi.validation import cast_to_contract

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from kpi.pipeline import Validated
    from kpi.validation import ValidationReport

# Columns the suites add to each batch, computed from the contract (GX cannot parse a cell
# as the contract's type, evaluate a SQL row rule, join to another file, or count two empty
# cells of one column as duplicates on its own).
DERIVED = "kpi."
UNPARSED, ROW_CHECK, FOREIGN_KEY = "kpi.unparsed.", "kpi.row_check.", "kpi.foreign_key."
EMPTY = "kpi.empty."  # beside a one-column key, which GX then checks as a compound one
RESULT_FORMAT = {"result_format": "COMPLETE"}
_BETWEEN = {"ge": ("min_value", False), "gt": ("min_value", True)}
_BETWEEN |= {"le": ("max_value", False), "lt": ("max_value", True)}


class GxValidationFailed(KpiError):
    """A critical Great Expectations expectation failed (pandera is checked separately)."""

    def __init__(self, report: GxReport):
        self.report = report
        failed = sorted(n for n, r in report.datasets.items() if r.success is False)
        super().__init__(f"Great Expectations: critical expectations failed for {failed}")


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation as the contract states it, before GX is imported."""

    type: str  # a class in great_expectations.expectations
    kwargs: dict[str, Any]
    severity: str
    check: str  # the contract's name for the rule
    column: str | None = None
    rule: str | None = None  # what a kpi.* column holds: the rule the auditor reads

    def meta(self, contract: Contract) -> dict[str, Any]:
        meta = {"severity": self.severity, "check": self.check, "dataset": contract.dataset}
        if self.column is not None:
            meta["column"] = self.column
        if self.rule is not None:
            meta["rule"] = self.rule
        if contract.path is not None:
            meta["contract"] = contract.path.name
        return meta


def derived_columns(contract: Contract) -> list[str]:
    """The kpi.* columns a batch carries besides the contract's own."""
    names = [UNPARSED + n for n, c in contract.columns.items() if c.type != "str"]
    names += [ROW_CHECK + rc.name for rc in contract.row_checks]
    names += [FOREIGN_KEY + ",".join(fk.columns) for fk in contract.foreign_keys]
    if len(contract.key) == 1:
        names.append(EMPTY + contract.key[0])
    return names


def _column_specs(name: str, col: ColumnContract, contract: Contract) -> list[ExpectationSpec]:
    specs = []
    if not col.nullable:
        specs.append(
            ExpectationSpec(
                "ExpectColumnToExist", {"column": name}, "critical", "column_present", name
            )
        )
        specs.append(
            ExpectationSpec(
                "ExpectColumnValuesToNotBeNull", {"column": name}, "critical", "not_nullable", name
            )
        )
    if col.type != "str":
        specs.append(
            ExpectationSpec(
                "ExpectColumnValuesToBeNull",
                {"column": UNPARSED + name},
                "critical",
                f"dtype({col.type})",
                name,
                f"{UNPARSED}{name} holds each cell of {name} that does not read as {col.type} "
                "(text trimmed; dates as YYYY-MM-DD; a float that is not whole is no integer)",
            )
        )
    if col.unique:
        specs.append(
            ExpectationSpec(
                "ExpectColumnValuesToBeUnique", {"column": name}, "critical", "unique", name
            )
        )
    for check, arg in col.checks.items():
        kwargs: dict[str, Any] = {"column": name}
        if check in _BETWEEN:
            bound, strict = _BETWEEN[check]
            kwargs[bound] = arg
            kwargs["strict_min" if bound == "min_value" else "strict_max"] = strict
            gx_type = "ExpectColumnValuesToBeBetween"
        elif check == "in_range":
            kwargs.update(min_value=arg[0], max_value=arg[1])
            gx_type = "ExpectColumnValuesToBeBetween"
        elif check == "isin":
            kwargs["value_set"] = list(arg)
            gx_type = "ExpectColumnValuesToBeInSet"
        elif check == "str_matches":
            # pandera's str_matches anchors the pattern at the start, like re.match; its `$`
            # (polars) is the end of the text, where Python's also matches before a final
            # newline ('JPN\n' would pass): \Z is Python's end of text
            regex = arg if arg.startswith("^") else f"^{arg}"
            if regex.endswith("$") and not regex.endswith("\\$"):
                regex = regex[:-1] + "\\Z"
            kwargs["regex"] = regex
            gx_type = "ExpectColumnValuesToMatchRegex"
        elif check == "str_length_max":
            kwargs["max_value"] = arg
            gx_type = "ExpectColumnValueLengthsToBeBetween"
        else:  # pragma: no cover - contracts.CHECK_NAMES rejects anything else
            raise KpiError(f"{contract.dataset}.{name}: no expectation for check {check!r}")
        specs.append(ExpectationSpec(gx_type, kwargs, col.severity, f"{check}: {arg}", name))
    return specs


def expectation_specs(contract: Contract) -> list[ExpectationSpec]:
    """Every rule of a contract as an expectation, in the contract's order."""
    column_set = [*contract.columns, *derived_columns(contract)]
    specs = [
        ExpectationSpec(
            "ExpectTableColumnsToMatchSet",
            {"column_set": column_set, "exact_match": True},
            "critical",
            "columns_match_contract",
        ),
        ExpectationSpec(
            "ExpectTableRowCountToBeBetween", {"min_value": 1}, "critical", "not_empty"
        ),
    ]
    for name, col in contract.columns.items():
        specs += _column_specs(name, col, contract)
    # a key compares empty cells as equal, as GX's compound uniqueness does (its one-column
    # uniqueness skips them, as a unique column does): a one-column key is compared with its
    # kpi.empty.* column, even where that column is also unique
    check = f"key: {', '.join(contract.key)}"
    if len(contract.key) > 1:
        kwargs = {"column_list": list(contract.key), "ignore_row_if": "never"}
        specs.append(ExpectationSpec("ExpectCompoundColumnsToBeUnique", kwargs, "critical", check))
    elif contract.key:
        (column,) = contract.key
        kwargs = {"column_list": [column, EMPTY + column], "ignore_row_if": "never"}
        nan = " or NaN" if contract.columns[column].type == "float64" else ""
        rule = (
            f"{EMPTY}{column} is true where {column} is empty{nan}: two rows with an empty "
            f"{column} are duplicates"
        )
        specs.append(
            ExpectationSpec("ExpectCompoundColumnsToBeUnique", kwargs, "critical", check, rule=rule)
        )
    for rc in contract.row_checks:
        kwargs = {"column": ROW_CHECK + rc.name, "value_set": [True]}
        specs.append(
            ExpectationSpec(
                "ExpectColumnValuesToBeInSet",
                kwargs,
                rc.severity,
                f"row_check: {rc.name}",
                rule=f"{ROW_CHECK}{rc.name} = ({rc.expr}), evaluated per row by DuckDB",
            )
        )
    for fk in contract.foreign_keys:
        kwargs = {"column": FOREIGN_KEY + ",".join(fk.columns)}
        specs.append(
            ExpectationSpec(
                "ExpectColumnValuesToBeNull",
                kwargs,
                fk.severity,
                f"foreign_key: {fk.references}",
                ",".join(fk.columns),
                f"{FOREIGN_KEY}{','.join(fk.columns)} holds the key of each row whose "
                f"({', '.join(fk.columns)}) is in no row of {fk.references}",
            )
        )
    return specs


def build_suite(contract: Contract):
    """The GX ExpectationSuite for one dataset, every expectation tagged with its severity."""
    gx, gxe = _gx()
    suite = gx.ExpectationSuite(
        name=contract.dataset,
        meta={
            "contract": contract.path.name if contract.path else None,
            "title_ja": contract.title.ja,
            "title_en": contract.title.en,
        },
    )
    for spec in expectation_specs(contract):
        expectation = getattr(gxe, spec.type)(
            **spec.kwargs, severity=spec.severity, meta=spec.meta(contract)
        )
        suite.add_expectation(expectation)
    return suite


# --- the batch: the file's values, typed by the contract, plus the kpi.* columns -------------


def _with_row(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index("__row")


def _row_check_values(typed: pl.DataFrame, expr: str, where: str) -> pl.Series:
    # DuckDB rather than polars (which pandera uses), so the two checks are independent
    con = duckdb.connect()
    try:
        con.register("batch", _with_row(typed).to_arrow())
        rows = con.execute(
            f"select coalesce(({expr})::boolean, false) from batch order by __row"
        ).fetchall()
    except duckdb.Error as exc:
        raise DefinitionError(f"{where}: row check does not evaluate in DuckDB: {exc}") from exc
    finally:
        con.close()
    return pl.Series([r[0] for r in rows], dtype=pl.Boolean)


def _orphan_keys(typed: pl.DataFrame, fk, parent: pl.DataFrame | None) -> pl.Series:
    """The key text of rows whose (non-null) foreign key is not in the parent dataset."""
    con = duckdb.connect()
    try:
        con.register("child", _with_row(typed.select(fk.columns)).to_arrow())
        if parent is None:
            parent = (
                typed.select(fk.columns)
                .clear()
                .rename(dict(zip(fk.columns, fk.ref_columns, strict=True)))
            )
        con.register("parent", parent.select(fk.ref_columns).to_arrow())
        on = " and ".join(
            f'c."{c}" = p."{r}"' for c, r in zip(fk.columns, fk.ref_columns, strict=True)
        )
        given = " and ".join(f'c."{c}" is not null' for c in fk.columns)
        text = ", ".join(f'c."{c}"::varchar' for c in fk.columns)
        rows = con.execute(
            f"select case when {given} and p.__found is null then concat_ws(',', {text}) end "
            f"from child c left join (select distinct *, true as __found from parent) p on {on} "
            "order by c.__row"
        ).fetchall()
    finally:
        con.close()
    return pl.Series([r[0] for r in rows], dtype=pl.String)


def batch_frame(
    contract: Contract, raw: pl.DataFrame, typed_parents: dict[str, pl.DataFrame]
) -> pd.DataFrame:
    """The dataframe a suite runs on: contract columns typed, extra file columns kept as text.

    A nullable column absent from the file is added empty (the contract allows that); a
    required one stays absent so `column_present` and `columns_match_contract` fail.
    """
    typed, _ = cast_to_contract(contract.dataset, raw, contract, None)
    columns: dict[str, pl.Series] = {}
    for name, col in contract.columns.items():
        if name in raw.columns or col.nullable:
            columns[name] = typed.get_column(name)
    derived = set(derived_columns(contract))
    for name in raw.columns:
        if name not in contract.columns:
            # a file column named like a derived one is kept apart, under another name, so
            # it still breaks columns_match_contract instead of being overwritten
            kept = f"{name} (in the file)" if name in derived else name
            columns[kept] = raw.get_column(name).cast(pl.String)
    for name, col in contract.columns.items():
        if col.type == "str":
            continue
        if name in raw.columns:
            text = raw.get_column(name).cast(pl.String)
            failed = raw.get_column(name).is_not_null() & typed.get_column(name).is_null()
            columns[UNPARSED + name] = pl.select(pl.when(failed).then(text)).to_series()
        else:
            columns[UNPARSED + name] = pl.Series([None] * raw.height, dtype=pl.String)
    for rc in contract.row_checks:
        where = f"{contract.dataset} row check {rc.name}"
        columns[ROW_CHECK + rc.name] = _row_check_values(typed, rc.expr, where)
    for fk in contract.foreign_keys:
        parent = typed_parents.get(fk.ref_dataset)
        columns[FOREIGN_KEY + ",".join(fk.columns)] = _orphan_keys(typed, fk, parent)
    if len(contract.key) == 1:
        cell = typed.get_column(contract.key[0])
        empty = (cell.fill_nan(None) if cell.dtype.is_float() else cell).is_null()
        columns[EMPTY + contract.key[0]] = empty
    frame = pl.DataFrame([s.alias(n) for n, s in columns.items()], height=raw.height)
    return _to_pandas(frame, contract)


def _to_pandas(frame: pl.DataFrame, contract: Contract) -> pd.DataFrame:
    """pandas with nullable dtypes, so integers stay integers next to missing values."""
    import pandas as pd

    data = {}
    for name in frame.columns:
        series = frame.get_column(name)
        kind = contract.columns[name].type if name in contract.columns else None
        if kind in ("int32", "int64"):
            data[name] = pd.array(series.to_list(), dtype="Int64")
        elif kind == "float64":
            data[name] = pd.array(series.to_list(), dtype="Float64")
        elif kind == "bool" or name.startswith((ROW_CHECK, EMPTY)):
            data[name] = pd.array(series.to_list(), dtype="boolean")
        else:  # text and dates as Python objects, compared as such by GX
            data[name] = pd.Series(series.to_list(), dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(frame.height))


# --- running the suites and keeping the results ----------------------------------------------


@dataclass
class FailedExpectation:
    type: str
    check: str
    column: str | None
    severity: str
    unexpected_count: int | None
    rows: list[int]  # 1-based data rows, as in failures.csv
    values: list[Any]
    exception: str | None = None


@dataclass
class GxDatasetResult:
    dataset: str
    file: str | None
    evaluated: int = 0
    successful: int = 0
    failed: list[FailedExpectation] = field(default_factory=list)
    note: str | None = None  # why the suite could not run (unreadable or missing file)
    pandera_passed: bool | None = None

    @property
    def success(self) -> bool:
        """Pass unless a critical expectation failed or the file could not be validated."""
        if self.note is not None:
            return False
        return not any(f.severity == "critical" for f in self.failed)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.failed)

    @property
    def agrees(self) -> bool | None:
        return None if self.pandera_passed is None else self.pandera_passed == self.success

    def summary(self) -> dict:
        return {
            "file": self.file,
            "success": self.success,
            "evaluated_expectations": self.evaluated,
            "successful_expectations": self.successful,
            "failed_critical": self.count("critical"),
            "failed_warning": self.count("warning"),
            "pandera_passed": self.pandera_passed,
            "agrees_with_pandera": self.agrees,
            "note": self.note,
            "results": None if self.note else f"{self.dataset}.json",
        }


@dataclass
class GxReport:
    version: str
    datasets: dict[str, GxDatasetResult] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(r.success for r in self.datasets.values())

    @property
    def agrees_with_pandera(self) -> bool:
        return all(r.agrees is not False for r in self.datasets.values())

    def summary(self) -> dict:
        return {
            "great_expectations_version": self.version,
            "passed": self.passed,
            "agrees_with_pandera": self.agrees_with_pandera,
            "datasets": {n: r.summary() for n, r in sorted(self.datasets.items())},
        }


def _gx():
    """Import GX lazily (about 3 s), offline and quiet."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    import great_expectations.expectations as gxe

    return gx, gxe


def gx_context():
    """An ephemeral (in-memory) GX context; suites need one to exist before they are built."""
    gx, _ = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _failed(result: dict) -> FailedExpectation:
    config, outcome = result["expectation_config"], result.get("result") or {}
    meta = config.get("meta") or {}
    exception = result.get("exception_info") or {}
    if "raised_exception" not in exception:  # keyed by metric when a metric raised
        messages = [v.get("exception_message") for v in exception.values() if isinstance(v, dict)]
        exception = {
            "raised_exception": bool(messages),
            "exception_message": "; ".join(m for m in messages if m),
        }
    return FailedExpectation(
        type=config["type"],
        check=meta.get("check", config["type"]),
        column=meta.get("column"),
        severity=meta.get("severity", config.get("severity", "critical")),
        unexpected_count=outcome.get("unexpected_count"),
        rows=[int(i) + 1 for i in outcome.get("unexpected_index_list") or []],
        values=list(outcome.get("unexpected_list") or []),
        exception=exception.get("exception_message") if exception.get("raised_exception") else None,
    )


def run_suite(context, contract: Contract, frame: pd.DataFrame) -> tuple[dict, dict]:
    """Run one suite through a checkpoint; returns (suite JSON, validation result JSON)."""
    gx, _ = _gx()
    name = contract.dataset
    asset = context.data_sources.add_pandas(f"kpi-{name}").add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe("file")
    suite = context.suites.add(build_suite(contract))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"kpi-{name}", validation_definitions=[definition], result_format=RESULT_FORMAT
        )
    )
    outcome = checkpoint.run(batch_parameters={"dataframe": frame})
    (result,) = outcome.run_results.values()
    return suite.to_json_dict(), result.to_json_dict()


def validate_with_gx(
    contracts: dict[str, Contract], validated: Validated, directory: Path
) -> GxReport:
    """Run a suite per dataset read (inputs and seeds) and write its JSON to `directory`.

    Datasets pandera could not read (unreadable or missing required files) fail here too,
    with the reason, so the two reports cover the same datasets.
    """
    gx, _ = _gx()
    files = {**validated.files, **validated.seed_files}
    typed = {
        name: cast_to_contract(name, f.frame, contracts[name], None)[0] for name, f in files.items()
    }
    pandera: ValidationReport = validated.report
    report = GxReport(gx.__version__)
    context = gx_context()
    (directory / "suites").mkdir(parents=True, exist_ok=True)
    for name in sorted(set(files) | set(pandera.datasets)):
        pandera_result = pandera.datasets.get(name)
        outcome = report.datasets[name] = GxDatasetResult(
            name,
            str(files[name].path) if name in files else (pandera_result and pandera_result.file),
            pandera_passed=None
            if pandera_result is None
            else pandera_result.count("critical") == 0,
        )
        if name not in files:
            reasons = [f"{f.check}: {f.value}" for f in pandera_result.failures]
            outcome.note = "not validated: " + "; ".join(reasons)
            continue
        frame = batch_frame(contracts[name], files[name].frame, typed)
        suite_json, result_json = run_suite(context, contracts[name], frame)
        _write_json(directory / "suites" / f"{name}.json", suite_json)
        _write_json(directory / f"{name}.json", result_json)
        statistics = result_json["statistics"]
        outcome.evaluated = statistics["evaluated_expectations"]
        outcome.successful = statistics["successful_expectations"]
        outcome.failed = [_failed(r) for r in result_json["results"] if not r["success"]]
    _write_json(directory / "summary.json", report.summary())
    return report


def _write_json(path: Path, payload: dict) -> None:
    text = json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")
