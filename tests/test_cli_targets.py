"""`kpi targets` and `kpi run --fail-on-gap / --as-of`, through the real command line."""

from __future__ import annotations

import json

import duckdb

from kpi.export import read_metadata


def test_targets_json_reports_every_shipped_target(kpi):
    result = kpi("targets", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    rows = {r["target_id"]: r for r in payload["targets"]}
    assert len(rows) == 9
    # statuses worked out in tests/test_target_eval.py::test_shipped_targets_on_shipped_data
    assert rows["plan7-intl-coauthorship-rate"]["status"] == "on_track"
    assert rows["plan7-intl-coauthorship-rate"]["latest_value"] == 37.87
    assert rows["plan7-longterm-dispatch"]["status"] == "not_started"
    assert rows["plan7-longterm-dispatch"]["latest_value"] == 4028
    assert rows["plan7-top10-rank"]["status"] == "no_data"
    assert rows["plan7-top10-rank"]["adopted"] == "2026-03-27"
    assert payload["summary"]["flagged"] == 8
    assert payload["summary"]["by_status"] == {"no_data": 7, "not_started": 1, "on_track": 1}
    assert "8 target(s) flagged" in result.stderr


def test_targets_table_and_as_of(kpi):
    table = kpi("targets")
    assert table.returncode == 0, table.stderr
    assert "plan7-longterm-dispatch" in table.stdout and "on_track" in table.stdout
    assert "targets: 9 evaluated (no_data 7, not_started 1, on_track 1)" in table.stdout
    early = kpi("targets", "--as-of", "2026-03-27", "--json")
    rows = {r["target_id"]: r for r in json.loads(early.stdout)["targets"]}
    # only the plan's own 2023 figure was published then (see test_target_eval)
    assert rows["plan7-intl-coauthorship-rate"]["status"] == "no_data"
    assert rows["plan7-intl-coauthorship-rate"]["as_of"] == "2026-03-27"
    before = kpi("targets", "--as-of", "2022-12-09")
    assert before.returncode == 0 and "no target adopted as of 2022-12-09" in before.stdout
    assert kpi("targets", "--as-of", "2026-13-01").returncode == 2


def test_targets_fail_on_gap_and_a_malformed_file(kpi, tmp_path, repo):
    assert kpi("targets", "--fail-on-gap").returncode == 3
    broken = tmp_path / "targets"
    broken.mkdir()
    text = (repo / "targets" / "j_mirai_2023.yaml").read_text(encoding="utf-8")
    (broken / "j_mirai_2023.yaml").write_text(
        text.replace("kind: level", "kind: levle", 1), encoding="utf-8"
    )
    result = kpi("targets", "--targets", broken)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "j_mirai_2023.yaml: target 'jmirai-japanese-students-abroad': field kind" in message


def test_run_fail_on_gap_exits_3_after_writing_the_output(kpi, tmp_path):
    out = tmp_path / "out"
    result = kpi("run", "--out", out, "--fail-on-gap")
    assert result.returncode == 3, result.stderr
    assert "8 target(s) flagged" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "success"
    assert manifest["targets"]["flagged"] == 8
    assert manifest["targets"]["series"]["plan7-longterm-dispatch"] == "mart:exchange_researchers"
    parquet = out / "indicators" / "target_status.parquet"
    assert any(o["path"] == "indicators/target_status.parquet" for o in manifest["outputs"])
    rows = duckdb.sql(
        f"select target_id, status, flagged from '{parquet}' order by target_id"
    ).fetchall()
    assert len(rows) == 9 and rows[0][0] == "jmirai-international-students"
    assert ("plan7-intl-coauthorship-rate", "on_track", False) in rows
    meta = read_metadata(parquet)
    assert meta["kpi.title_en"] == "Progress towards policy targets"
    assert "progress_ratio" in json.loads(meta["kpi.columns"])


def test_run_without_the_flag_exits_0_and_is_reproducible(kpi, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert kpi("run", "--out", first).returncode == 0
    assert kpi("run", "--out", second).returncode == 0
    name = "indicators/target_status.parquet"
    assert (first / name).read_bytes() == (second / name).read_bytes()


def test_run_fail_on_gap_passes_when_nothing_is_flagged(kpi, tmp_path, repo):
    # keep only the on-track co-authorship target
    only = tmp_path / "targets"
    only.mkdir()
    text = (repo / "targets" / "plan7_2026.yaml").read_text(encoding="utf-8")
    keep = text.split("\n- id: ")[2]  # [comments, dispatch, co-authorship, rank]
    assert keep.startswith("plan7-intl-coauthorship-rate")
    (only / "plan7.yaml").write_text("- id: " + keep, encoding="utf-8")
    result = kpi("run", "--out", tmp_path / "out", "--targets", only, "--fail-on-gap")
    assert result.returncode == 0, result.stderr
    assert "targets: 1 evaluated (on_track 1)" in result.stdout


def test_run_as_of_is_recorded(kpi, tmp_path):
    out = tmp_path / "out"
    assert kpi("run", "--out", out, "--as-of", "2026-03-27").returncode == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["target_eval"]["as_of"] == "2026-03-27"
    assert manifest["targets"]["as_of"] == "2026-03-27"
    assert manifest["targets"]["by_status"] == {"no_data": 8, "not_started": 1}


def test_a_bad_observation_row_is_reported_with_row_and_column(kpi, default_data_copy):
    path = default_data_copy / "observations.csv"
    with path.open("a", encoding="utf-8") as handle:
        handle.write("plan7-top10-rank,2025,third,somewhere,,\n")
    result = kpi("targets", "--data", default_data_copy)
    assert result.returncode == 1
    assert "observations" in result.stdout + result.stderr
    assert "dtype(float64)" in result.stderr and "third" in result.stderr


def test_targets_with_tables_on_disk_gives_the_same_statuses_and_cleans_up(kpi, tmp_path):
    spill = tmp_path / "spill"
    env = {"KPI_ENGINE__STORAGE": "disk", "KPI_ENGINE__TEMP_DIRECTORY": str(spill)}
    on_disk = kpi("targets", "--json", env=env)
    in_memory = kpi("targets", "--json")
    assert on_disk.returncode == in_memory.returncode == 0, on_disk.stderr
    assert json.loads(on_disk.stdout) == json.loads(in_memory.stdout)
    # the models' database lived under temp_directory only while the command ran
    assert spill.is_dir() and list(spill.iterdir()) == []


def test_targets_table_labels_fiscal_years_as_the_reports_do():
    from kpi.cli import _goal, _target_cells

    row = {"target_value": 30000.0, "target_period_start": 2026, "target_period_end": 2030,
           "kind": "cumulative", "period_type": "fiscal_year", "cumulative_value": None,
           "latest_value": 4028.0, "latest_period": 2024, "gap": 0.24499999999999744,
           "gap_pct": 0.6511627906976676, "projected_value": 31117.8, "projected_period": 2030,
           "status": "not_started", "note": None, "target_id": "t", "title_ja": "例",
           "expected_value": None, "observed_cagr_pct": None, "required_cagr_pct": None,
           "progress_ratio": None}  # fmt: skip
    assert _goal(row) == "Σ 30,000 over FY2026–FY2030"
    cells = _target_cells(row)
    assert cells[2] == "4,028 (FY2024)" and cells[4] == "0.245 (0.6512%)"
    assert cells[7] == "31,118 (FY2030)"  # 4 significant digits, never fewer than the whole ones
    calendar = {**row, "period_type": "calendar_year", "kind": "level"}
    assert _goal(calendar) == "30,000 by 2030" and _target_cells(calendar)[2] == "4,028 (2024)"
