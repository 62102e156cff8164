"""Atomic output: build a run in a temporary directory, then rename it into place."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from kpi.errors import UsageError


def check_replaceable(out: Path) -> None:
    """Refuse to replace a directory that is not an earlier kpi output (e.g. `--out .`)."""
    if out.exists() and (
        not out.is_dir() or (any(out.iterdir()) and not (out / "manifest.json").exists())
    ):
        raise UsageError(f"refusing to replace {out}: it exists and is not a kpi output directory")


def new_staging_dir(out: Path) -> Path:
    """A temporary directory beside `out`, on the same file system so rename is atomic."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))


def holds_run(out: Path) -> bool:
    """A kpi run's output (successful or failed) is identified by its manifest."""
    return (out / "manifest.json").is_file()


def holds_successful_run(out: Path) -> bool:
    manifest = out / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("status") == "success"
    except (OSError, ValueError):
        return False


def publish(staging: Path, out: Path) -> None:
    """Replace `out` by `staging`; the old directory goes only once the new one is in place."""
    previous = None
    if out.exists():
        previous = out.with_name(f".{out.name}.old-{staging.name.rsplit('-', 1)[-1]}")
        out.rename(previous)
    staging.rename(out)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    stale_failure = failed_dir(out)
    if stale_failure.exists():
        shutil.rmtree(stale_failure, ignore_errors=True)


def failed_dir(out: Path) -> Path:
    return out.with_name(out.name + ".failed")


def failure_destination(out: Path) -> Path:
    """Where a failed run's evidence goes: `out` itself, unless it holds a good run to keep."""
    return failed_dir(out) if holds_successful_run(out) else out


def publish_failure(staging: Path, out: Path) -> Path:
    """Move a failed run's evidence (manifest, validation) into place; never touches a good run."""
    destination = failure_destination(out)
    if destination.exists():
        shutil.rmtree(destination)
    staging.rename(destination)
    return destination


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
