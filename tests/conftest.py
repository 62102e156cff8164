"""Shared fixtures: the real shared data (skipped when absent) and the real `kpi` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, which CI always has and a user's clone may not."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(
            "../shared/data is absent (it is beside the project only in CI and development)"
        )
    return path


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def run_kpi(*args: str | Path, cwd: Path | None = None, env: dict | None = None):
    """Run the real command line (`python -m kpi`) and return the completed process."""
    full_env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "kpi", *map(str, args)],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.fixture
def kpi():
    return run_kpi


@pytest.fixture
def default_data_copy(tmp_path: Path, repo: Path) -> Path:
    """A writable copy of the shipped data/ to break in a test."""
    target = tmp_path / "data"
    shutil.copytree(repo / "data", target)
    return target


@pytest.fixture(scope="session")
def exchange_only_run(tmp_path_factory, repo) -> tuple[Path, Path]:
    """One successful `kpi run` on the shipped exchange table alone: (data dir, run dir).
    Shared read-only; copy it before changing anything."""
    base = tmp_path_factory.mktemp("exchange_only")
    data = base / "data"
    data.mkdir()
    shutil.copy(repo / "data" / "exchange.csv", data / "exchange.csv")
    result = run_kpi("run", "--data", data, "--out", base / "out")
    assert result.returncode == 0, result.stderr
    return data, base / "out"
