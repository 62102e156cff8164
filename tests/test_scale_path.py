"""The large-input path changes nothing in the numbers: on the shared Web of Science export, a run
with inputs checked in DuckDB, read straight from Parquet, on one thread under a small memory
limit (spilling) writes the same indicator bytes as the default run."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_kpi


@pytest.fixture(scope="module")
def wos_data(shared_data, tmp_path_factory):
    from kpi import importers

    files = sorted((shared_data / "wos_2023").glob("wos_*.txt"))
    if not files:
        pytest.skip("../shared/data/wos_2023 has no wos_*.txt export")
    data = tmp_path_factory.mktemp("wos") / "data"
    importers.write_import(importers.read_wos(files), data)
    return data


def test_the_scale_settings_give_byte_identical_indicators(wos_data, tmp_path):
    default, scaled = tmp_path / "default", tmp_path / "scaled"
    done = run_kpi("run", "--data", wos_data, "--out", default)
    assert done.returncode == 0, done.stdout + done.stderr
    env = {
        "KPI_VALIDATION__ENGINE": "duckdb",
        "KPI_ENGINE__MEMORY_LIMIT": "64MB",
        "KPI_ENGINE__THREADS": "1",
        "KPI_ENGINE__TEMP_DIRECTORY": str(tmp_path / "spill"),
    }
    done = run_kpi("run", "--data", wos_data, "--out", scaled, env=env)
    assert done.returncode == 0, done.stdout + done.stderr

    manifests = [json.loads((d / "manifest.json").read_text()) for d in (default, scaled)]
    checked = [
        {n: d["checked_by"] for n, d in m["validation"]["datasets"].items() if n == "papers"}
        for m in manifests
    ]
    assert checked == [{"papers": "pandera"}, {"papers": "duckdb"}]
    indicators = [
        {o["path"]: o["sha256"] for o in m["outputs"] if o["path"].startswith("indicators/")}
        for m in manifests
    ]
    assert indicators[0] == indicators[1]
    assert "indicators/top10_coauthorship.parquet" in indicators[0]
    assert manifests[0]["run_id"] == manifests[1]["run_id"]


def test_spilling_to_disk_gives_byte_identical_indicators(tmp_path):
    """The WoS export fits under 64 MB; 20,000 synthetic papers under 32 MB do not: DuckDB
    spills (files are seen in its temp directory while the run lasts), and the indicator files
    are the same bytes as without a limit."""
    import os
    import subprocess
    import sys
    import time

    data = tmp_path / "data"
    done = run_kpi("synth", "--out", data, "--papers", "20000", "--seed", "7")
    assert done.returncode == 0, done.stderr
    default, tight, spill = tmp_path / "default", tmp_path / "tight", tmp_path / "spill"
    done = run_kpi("run", "--data", data, "--out", default)
    assert done.returncode == 0, done.stdout + done.stderr
    env = {
        **os.environ, "GX_ANALYTICS_ENABLED": "false", "KPI_VALIDATION__ENGINE": "duckdb",
        "KPI_ENGINE__MEMORY_LIMIT": "32MB", "KPI_ENGINE__THREADS": "1",
        "KPI_ENGINE__TEMP_DIRECTORY": str(spill),
    }  # fmt: skip
    child = subprocess.Popen(
        [sys.executable, "-m", "kpi", "run", "--data", str(data), "--out", str(tight)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    spilled = False
    while child.poll() is None:
        spilled = (
            spilled or any(p.is_file() for p in spill.rglob("*")) if spill.exists() else spilled
        )
        time.sleep(0.002)
    out, err = child.communicate()
    assert child.returncode == 0, out + err
    assert spilled, "DuckDB never wrote to its temp directory: the limit did not bind"

    manifests = [json.loads((d / "manifest.json").read_text()) for d in (default, tight)]
    indicators = [
        {o["path"]: o["sha256"] for o in m["outputs"] if o["path"].startswith("indicators/")}
        for m in manifests
    ]
    assert indicators[0] == indicators[1]
    assert {
        f"indicators/top10_{m}.parquet" for m in ("cells", "coauthorship", "paper_weights")
    } <= set(indicators[0])
