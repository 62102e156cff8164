"""The audit report: one self-contained HTML file with a run's evidence and definitions."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow.parquet as pq
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from kpi import formatting
from kpi.contracts import Contract, load_contracts
from kpi.errors import KpiError
from kpi.readers import InputFile

if TYPE_CHECKING:  # pragma: no cover
    from kpi.pipeline import Definitions, Validated

REPORT_PATH = Path("report") / "audit.html"
FAILURE_SAMPLE = 20
TARGET_MART = "target_status"  # per-target results, when the run exported them
TARGET_OVERVIEW = [
    "target_id",
    "title_ja",
    "title_en",
    "status",
    "flagged",
    "latest_period",
    "latest_value",
    "target_value",
    "gap",
    "note",
]
_TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class ContractView:
    """A contract as the report shows it, with the outcome of its checks in this run."""

    name: str
    kind: str  # input | seed | mart
    contract: Contract
    status: str  # passed | failed | warnings | absent | exported | not built | not checked
    detail: str
    rows: int | None = None
    file: str | None = None
    critical: int = 0
    warning: int = 0
    failures: list[dict] | None = None
    gx: dict | None = None

    def columns(self) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "type": col.type,
                "nullable": col.nullable,
                "unique": col.unique,
                "checks": "; ".join(f"{k}: {_arg(v)}" for k, v in col.checks.items()),
                "severity": col.severity,
                "unit": col.unit or "",
                "ja": col.description.ja,
                "en": col.description.en,
            }
            for name, col in self.contract.columns.items()
        ]


def _arg(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


def template_environment() -> Environment:
    """The Jinja environment of both reports: autoescaped, strict about undefined names."""
    environment = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # one rule for every number either report shows (kpi.formatting)
    environment.filters["num"] = formatting.number
    return environment


def as_of_statement(record: dict) -> dict[str, str | None]:
    """What the run's targets were evaluated on, in Japanese and English: `--as-of` filters
    the target evaluation only, never the exported indicator tables."""
    summary = record.get("targets")
    as_of = summary.get("as_of") if isinstance(summary, dict) else None
    if as_of is None:
        as_of = ((record.get("config") or {}).get("target_eval") or {}).get("as_of")
    if as_of is None:
        return {
            "as_of": None,
            "ja": "評価基準日（--as-of）の指定なし：目標は利用可能なすべての観測値で評価した。",
            "en": "No --as-of date: targets use every observation available.",
            "not_adopted": "",
        }
    later = summary.get("not_yet_adopted") if isinstance(summary, dict) else None
    return {
        "as_of": str(as_of),
        "ja": f"評価基準日（--as-of）{as_of}：目標は {as_of} 時点で判明していた情報（同日までに"
        "決定された目標と公表された数値）で評価した。指標表は絞り込んでいない。",
        "en": f"As-of date (--as-of) {as_of}: targets evaluated as known on {as_of}; indicator "
        "tables are not filtered.",
        "not_adopted": ", ".join(later or []),
    }


def synthetic_markers(files: Iterable[InputFile]) -> dict[str, str]:
    """Inputs that say they are synthetic: in Parquet key-value metadata or a `source` column."""
    found = {}
    for f in files:
        if f.format == "parquet":
            metadata = pq.read_schema(f.path).metadata or {}
            for key, value in metadata.items():
                key_text = key.decode("utf-8", "replace")
                value_text = value.decode("utf-8", "replace")
                if "synthetic" in f"{key_text} {value_text}".lower():
                    found[f.dataset] = f"Parquet metadata {key_text}={value_text[:120]}"
                    break
        if f.dataset not in found and "source" in f.frame.columns:
            source = f.frame.get_column("source").cast(pl.String)
            hits = source.filter(source.str.to_lowercase().str.contains("synthetic")).unique()
            if hits.len():
                found[f.dataset] = f"source column: {hits.sort()[0]}"
    return found


def _failure_samples(run_dir: Path) -> dict[str, list[dict]]:
    path = run_dir / "validation" / "failures.csv"
    if not path.is_file() or path.stat().st_size == 0:
        return {}
    frame = pl.read_csv(path, infer_schema=False)
    if frame.is_empty():
        return {}
    sample = frame.group_by("dataset", maintain_order=True).head(FAILURE_SAMPLE)
    return {
        name: rows.drop("dataset").to_dicts()
        for (name,), rows in sample.group_by("dataset", maintain_order=True)
    }


def _gx_failed(run_dir: Path, dataset: str) -> list[dict]:
    """The failed expectations of one dataset's GX validation result, for the report."""
    path = run_dir / "validation" / "gx" / f"{dataset}.json"
    if not path.is_file():
        return []
    failed = []
    for outcome in json.loads(path.read_text(encoding="utf-8")).get("results", []):
        if outcome["success"]:
            continue
        config, result = outcome["expectation_config"], outcome.get("result") or {}
        meta = config.get("meta") or {}
        rows = [i + 1 for i in (result.get("unexpected_index_list") or [])[:FAILURE_SAMPLE]]
        failed.append(
            {
                "expectation": config["type"],
                "check": meta.get("check", ""),
                "column": meta.get("column", ""),
                "severity": meta.get("severity", ""),
                "unexpected": result.get("unexpected_count", ""),
                "rows": ", ".join(map(str, rows)),
            }
        )
    return failed


def _gx_summary(run_dir: Path) -> dict:
    path = run_dir / "validation" / "gx" / "summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _input_views(
    record: dict, contracts: dict[str, Contract], kind: str, run_dir: Path
) -> list[ContractView]:
    summary = (record.get("validation") or {}).get("datasets", {})
    samples, gx = _failure_samples(run_dir), _gx_summary(run_dir).get("datasets", {})
    views = []
    for name, contract in sorted(contracts.items()):
        result = summary.get(name)
        if result is None:
            status = "not checked" if "validation" not in record else "absent"
            detail = (
                "validation did not run"
                if status == "not checked"
                else "no file supplied (optional dataset)"
            )
            views.append(ContractView(name, kind, contract, status, detail))
            continue
        critical, warning = result["critical"], result["warning"]
        status = "failed" if critical else "warnings" if warning else "passed"
        how = "DuckDB SQL over the file" if result.get("checked_by") == "duckdb" else "pandera"
        outcome = f"{critical} critical, {warning} warning failures"
        detail = f"{result['checks']} checks ({how}); {outcome}"
        detail += _proven_detail(result)
        gx_result = gx.get(name)
        if gx_result is not None:
            gx_result = {**gx_result, "failed": _gx_failed(run_dir, name)}
        views.append(
            ContractView(
                name,
                kind,
                contract,
                status,
                detail,
                result["rows"],
                result["file"],
                critical,
                warning,
                samples.get(name, []),
                gx_result,
            )
        )
    return views


def _mart_views(record: dict, marts: dict[str, Contract]) -> list[ContractView]:
    outputs = {o["path"]: o for o in record.get("outputs", [])}
    checked = record.get("mart_contracts") or {}
    skipped = set((record.get("models") or {}).get("skipped", []))
    message = (record.get("failure") or {}).get("message", "")
    views = []
    for name, contract in sorted(marts.items()):
        output = outputs.get(f"indicators/{name}.parquet")
        if output is not None:
            status, detail = "exported", _mart_detail(checked[name])
        elif f"mart {name} " in message:
            status, detail = "failed", message
        elif name in skipped:
            status, detail = "not built", "none of its input datasets was supplied"
        else:
            status, detail = "not checked", "the run stopped before export"
        rows = output.get("rows") if output else None
        views.append(ContractView(name, "mart", contract, status, detail, rows))
    return views


def _mart_detail(check: dict) -> str:
    """What checked an exported mart; the types were checked on the table before writing."""
    return (
        f"columns and types checked before export; the written file checked against its "
        f"{check['checks']} checks: {check['warnings']} warning failures" + _proven_detail(check)
    )


def _proven_detail(result: dict) -> str:
    """The evidence for the rules that passed without a scan (an input's or a mart's)."""
    proven = result.get("proven_by_statistics") or []
    if not proven:
        return ""
    return (
        f"; {len(proven)} rules proven by the file's Parquet statistics, not scanned: "
        + ", ".join(proven)
    )


def _audits(record: dict) -> list[dict]:
    audits = []
    for audit in record.get("audits") or []:
        if audit.get("skipped"):
            status = "skipped"
        elif not audit["rows"]:
            status = "passed"
        else:
            status = "failed" if audit["severity"] == "error" else "warning"
        sample = audit.get("sample") or []
        columns = list(sample[0]) if sample else []
        audits.append({**audit, "status": status, "columns": columns})
    return audits


def _exported(record: dict) -> list[str]:
    return [
        Path(o["path"]).stem
        for o in record.get("outputs") or []
        if o["path"].startswith("indicators/") and o["path"].endswith(".parquet")
    ]


def _definitions(marts: dict[str, Contract], record: dict) -> list[dict]:
    exported = set(_exported(record))
    return [
        {
            "name": name,
            "contract": contract,
            "exported": name in exported,
            "indicators": [(n, c) for n, c in contract.columns.items() if c.definition],
            "dimensions": [(n, c) for n, c in contract.columns.items() if not c.definition],
        }
        for name, contract in sorted(marts.items())
    ]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return formatting.number(value)  # 0.24499999999999744 -> 0.245, as in kpi.html
    return str(value)


def _cell(value: Any, column: str, contract: Contract | None, fiscal: bool) -> str:
    """One target_status value as both reports show it: a period as a (fiscal) year, a number
    by kpi.formatting, a missing number as `–`."""
    col = contract.columns.get(column) if contract else None
    numeric = col is not None and col.type.startswith(("int", "float"))
    if value is None:
        return formatting.NO_VALUE if numeric else ""
    if col is not None and formatting.is_period(col.unit) and isinstance(value, int):
        fiscal_year = col.unit == "fiscal year" or (fiscal and "fiscal" in col.unit)
        return formatting.period(value, fiscal_year)
    return _text(value)


def _targets(record: dict, run_dir: Path, marts: dict[str, Contract]) -> dict | None:
    """The manifest's targets summary, and the per-target table when the run exported one."""
    summary = record.get("targets")
    if summary is None:
        return None
    items = summary.items() if isinstance(summary, dict) else [("targets", summary)]
    view: dict[str, Any] = {"summary": [(k, _text(v)) for k, v in items], "table": None}
    view["records"] = []
    view["as_of"] = as_of_statement(record)
    path = run_dir / "indicators" / f"{TARGET_MART}.parquet"
    if path.is_file():
        frame = pl.read_parquet(path)
        contract = marts.get(TARGET_MART)
        labels = {n: c.description.en for n, c in contract.columns.items()} if contract else {}
        shown = [c for c in TARGET_OVERVIEW if c in frame.columns] or frame.columns[:8]

        def cells(row: dict) -> dict[str, str]:
            fiscal = formatting.in_fiscal_years(row)
            return {k: _cell(v, k, contract, fiscal) for k, v in row.items()}

        shown_rows = [cells(row) for row in frame.iter_rows(named=True)]
        view["table"] = {
            "columns": [(n, labels.get(n, "")) for n in shown],
            "rows": [[row[n] for n in shown] for row in shown_rows],
        }
        view["records"] = [
            (
                row.get("target_id") or str(i + 1),
                [(k, labels.get(k, ""), v) for k, v in row.items()],
            )
            for i, row in enumerate(shown_rows)
        ]
    return view


def _contracts_from_record(record: dict) -> tuple[dict, dict, dict, str | None]:
    """The contracts at the paths the run recorded (when the pipeline did not pass its own)."""
    config = record.get("config") or {}
    try:
        sql = Path(config["sql"])
        return (
            load_contracts(Path(config["schemas"])),
            load_contracts(sql / "seeds"),
            load_contracts(sql / "marts"),
            None,
        )
    except (KeyError, TypeError, OSError, KpiError) as exc:
        return {}, {}, {}, f"contracts could not be loaded: {exc}"


def render(
    record: dict,
    run_dir: Path,
    defs: Definitions | None = None,
    validated: Validated | None = None,
) -> str:
    """The report's HTML for a run directory (staging or published) and its manifest record."""
    if defs is not None:
        inputs, seeds, marts, note = defs.inputs, defs.seeds, defs.marts, None
    else:
        inputs, seeds, marts, note = _contracts_from_record(record)
    synthetic = synthetic_markers([*validated.files.values()]) if validated is not None else {}
    environment = template_environment()
    contracts = _input_views(record, inputs, "input", run_dir)
    contracts += _input_views(record, seeds, "seed", run_dir)
    return environment.get_template("audit.html.j2").render(
        run=record,
        config_json=json.dumps(record.get("config"), ensure_ascii=False, indent=2),
        synthetic=synthetic,
        contracts=contracts,
        marts=_mart_views(record, marts),
        audits=_audits(record),
        lineage=record.get("lineage") or {},
        definitions=_definitions(marts, record),
        targets=_targets(record, run_dir, marts),
        gx=_gx_summary(run_dir),
        unlinked=sorted(set(_exported(record)) - set(record.get("lineage") or {})),
        indicator_count=sum(
            o["path"].startswith("indicators/") for o in record.get("outputs") or []
        ),
        contracts_note=note,
    )


def write_audit_report(
    run_dir: Path,
    record: dict,
    defs: Definitions | None = None,
    validated: Validated | None = None,
) -> Path:
    """Write `report/audit.html` into a run directory and return its path."""
    path = run_dir / REPORT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(record, run_dir, defs, validated), encoding="utf-8")
    return path
