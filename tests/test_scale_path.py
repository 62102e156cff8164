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
