"""`kpi verify`: check a run's evidence against its manifest, and optionally recompute it."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from kpi import manifest as manifests
from kpi.config import Settings
from kpi.errors import UsageError
from kpi.readers import sha256_file

MANIFEST = "manifest.json"


@dataclass
class FileCheck:
    """One file compared with what the manifest recorded."""

    kind: str  # input | seed | output | definition | unlisted | recomputed
    path: str
    expected: str | None
    actual: str | None
    status: str = "ok"  # ok | changed | missing | unlisted | differs | absent | failed
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Verification:
    run_dir: Path
    manifest: dict
    checks: list[FileCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[FileCheck]:
        return [c for c in self.checks if not c.ok]


def load_manifest(run_dir: Path) -> dict:
    path = run_dir / MANIFEST
    if not path.is_file():
        raise UsageError(f"{run_dir} holds no {MANIFEST}: not a kpi run directory")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}") from exc


def _compare(kind: str, path: Path, label: str, expected: str) -> FileCheck:
    if not path.is_file():
        return FileCheck(kind, label, expected, None, "missing", f"{path} not found")
    actual = sha256_file(path)
    if actual != expected:
        return FileCheck(kind, label, expected, actual, "changed", f"sha256 is now {actual}")
    return FileCheck(kind, label, expected, actual)


def input_location(entry: dict, data: Path | None) -> Path:
    """Where a recorded input is now: its recorded path, or the same name under `data`."""
    recorded = Path(entry["path"])
    return data / recorded.name if data is not None else recorded


def check_files(run_dir: Path, record: dict, data: Path | None = None) -> list[FileCheck]:
    """Re-hash the inputs, seeds, definitions and outputs the manifest lists."""
    checks = [
        _compare("input", input_location(e, data), e["path"], e["sha256"])
        for e in record.get("inputs", [])
    ]
    checks += [
        _compare("seed", Path(e["path"]), e["path"], e["sha256"]) for e in record.get("seeds", [])
    ]
    config = record.get("config") or {}
    roots = {label: config.get(label) for label in ("schemas", "sql", "targets")}
    for label, digest in sorted((record.get("definitions") or {}).items()):
        root, _, rest = label.partition("/")
        if roots.get(root) is None:
            checks.append(FileCheck("definition", label, digest, None, "missing", "no root"))
            continue
        checks.append(_compare("definition", Path(roots[root]) / rest, label, digest))
    current = _current_definitions(roots)
    for label in sorted(current.keys() - (record.get("definitions") or {}).keys()):
        checks.append(
            FileCheck(
                "definition",
                label,
                None,
                current[label],
                "unlisted",
                "definition file added since the run",
            )
        )
    listed = {e["path"] for e in record.get("outputs", [])}
    for entry in record.get("outputs", []):
        checks.append(_compare("output", run_dir / entry["path"], entry["path"], entry["sha256"]))
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        label = path.relative_to(run_dir).as_posix()
        if label != MANIFEST and label not in listed:
            checks.append(
                FileCheck(
                    "unlisted",
                    label,
                    None,
                    sha256_file(path),
                    "unlisted",
                    "file in the run directory that the manifest does not list",
                )
            )
    return checks


def _current_definitions(roots: dict[str, str | None]) -> dict[str, str]:
    present = {k: Path(v) for k, v in roots.items() if v is not None}
    return manifests.hash_definitions(present)


def recompute_run(
    run_dir: Path,
    record: dict,
    data: Path | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> tuple[list[FileCheck], list[str]]:
    """Re-run the pipeline on the recorded inputs and config; compare indicator files byte for byte.

    The inputs are linked into a fresh directory so nothing else in the data directory (a file
    added since) can take part; the output goes to a temporary directory that is removed.
    """
    from kpi.pipeline import run as run_pipeline  # the pipeline imports much; only when asked

    if record.get("status") != "success":
        raise UsageError(f"{run_dir}: the run did not succeed, so there are no indicators to redo")
    notes = []
    if record.get("code_version") != manifests.code_version():
        notes.append(
            f"code version differs: run {record.get('code_version')}, now "
            f"{manifests.code_version()} (Parquet metadata records it, so bytes will differ)"
        )
    elif record.get("code_sha256") not in (None, manifests.code_sha256()):
        notes.append("code differs from the run's (code_sha256), under the same code version")
    with tempfile.TemporaryDirectory(prefix="kpi-verify-") as tmp:
        inputs = Path(tmp) / "data"
        inputs.mkdir()
        for entry in record.get("inputs", []):
            source = input_location(entry, data).resolve()
            (inputs / Path(entry["path"]).name).symlink_to(source)
        config = {**record["config"], "data": str(inputs), "out": str(Path(tmp) / "out")}
        try:
            settings = Settings.model_validate(config)
        except ValidationError as exc:
            raise UsageError(f"the recorded config is not valid for this kpi: {exc}") from exc
        progress(f"recomputing run {record.get('run_id')} in {tmp}")
        result = run_pipeline(settings, progress)
        if result.error is not None:
            detail = f"{type(result.error).__name__}: {result.error}"
            return [FileCheck("recomputed", "(run)", None, None, "failed", detail)], notes
        if result.manifest.get("run_id") != record.get("run_id"):
            notes.append(
                f"run id differs: recorded {record.get('run_id')}, recomputed "
                f"{result.manifest.get('run_id')}"
            )
        return _compare_indicators(record, result.manifest, settings.out), notes


def _compare_indicators(record: dict, redone: dict, out: Path) -> list[FileCheck]:
    def indicators(entries: list[dict]) -> dict[str, str]:
        return {e["path"]: e["sha256"] for e in entries if e["path"].startswith("indicators/")}

    before, after = indicators(record.get("outputs", [])), indicators(redone.get("outputs", []))
    checks = []
    for path in sorted(before.keys() | after.keys()):
        expected, actual = before.get(path), after.get(path)
        if expected is None:
            status, detail = "unlisted", "produced now, not by the recorded run"
        elif actual is None:
            status, detail = "absent", "not produced by the recomputation"
        elif expected != actual:
            status, detail = "differs", f"recomputed sha256 {actual}"
        else:
            status, detail = "ok", "byte-identical"
        checks.append(FileCheck("recomputed", path, expected, actual, status, detail))
    if not checks:
        checks.append(FileCheck("recomputed", "(run)", None, None, "absent", "no indicators"))
    return checks


def verify_run(
    run_dir: Path,
    *,
    recompute: bool = False,
    data: Path | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> Verification:
    """Everything `kpi verify` checks; `ok` is False on any mismatch."""
    record = load_manifest(run_dir)
    result = Verification(run_dir, record, check_files(run_dir, record, data))
    if record.get("status") != "success":
        result.notes.append(f"the run's status is {record.get('status')!r}")
    if recompute:
        if any(c.kind == "input" and not c.ok for c in result.checks):
            result.notes.append("inputs changed since the run: recomputation skipped")
        else:
            checks, notes = recompute_run(run_dir, record, data, progress)
            result.checks += checks
            result.notes += notes
    return result
