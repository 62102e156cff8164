"""The run manifest: what went in, what came out, and with which code and definitions."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import kpi
from kpi.readers import sha256_file

PACKAGES = (
    "kpi",
    "duckdb",
    "polars",
    "pyarrow",
    "pandera",
    "pydantic",
    "pydantic-settings",
    "great-expectations",
    "pandas",
    "numpy",
    "sqlglot",
    "typer",
    "rich",
    "pyyaml",
    "fastexcel",
)
_SOURCE_ROOT = Path(kpi.__file__).resolve().parents[2]


def package_versions() -> dict[str, str | None]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def code_version() -> str:
    """`git describe` of the source checkout when there is one, else the installed version."""
    if (_SOURCE_ROOT / ".git").exists():
        try:
            described = subprocess.run(
                ["git", "-C", str(_SOURCE_ROOT), "describe", "--always", "--dirty", "--tags"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
            if described:
                return f"{kpi.__version__}+g{described}"
        except (OSError, subprocess.SubprocessError):
            pass
    return kpi.__version__


def code_sha256() -> str:
    """sha256 over the kpi package's Python files (each path and content): the code that ran,
    also where code_version cannot tell (an uncommitted change, an install without git)."""
    package = Path(kpi.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        digest.update(f"{name}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def hash_definitions(directories: dict[str, Path]) -> dict[str, str]:
    """sha256 of every definition file (schemas, SQL, seeds, targets), by a stable label."""
    hashes = {}
    for label, directory in sorted(directories.items()):
        if not directory.is_dir():
            continue
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            hashes[f"{label}/{path.relative_to(directory).as_posix()}"] = sha256_file(path)
    return hashes


def environment() -> dict[str, str]:
    return {"python": sys.version.split()[0], "platform": platform.platform()}


def run_id(fingerprint: dict) -> str:
    """Content address of a run: same inputs, definitions, config and code -> same id."""
    blob = json.dumps(fingerprint, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


def write_manifest(path: Path, manifest: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")
