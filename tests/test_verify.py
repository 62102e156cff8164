"""`kpi verify RUN_DIR [--recompute]`: the run's evidence checked against its manifest."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

MART = "indicators/exchange_researchers.parquet"


@pytest.fixture(scope="module")
def good_run(exchange_only_run) -> tuple[Path, Path]:
    """One successful run on the shipped exchange table (data dir, run dir), shared read-only."""
    return exchange_only_run


@pytest.fixture
def run_copy(good_run, tmp_path) -> tuple[Path, Path]:
    """A private copy of the run (and its data) to tamper with; the manifest keeps old paths."""
    data, out = good_run
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    return data, copy


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def test_an_untouched_run_verifies(kpi, good_run):
    _, out = good_run
    result = kpi("verify", out)
    assert result.returncode == 0, result.stdout + result.stderr
    # every file the manifest lists was re-hashed: inputs, seeds, definitions and outputs
    record = _manifest(out)
    listed = len(record["inputs"]) + len(record["seeds"]) + len(record["definitions"])
    listed += len(record["outputs"])
    assert f"verified {listed} file(s)" in result.stdout


def test_a_changed_output_is_a_mismatch(kpi, run_copy):
    _, out = run_copy
    with (out / MART).open("ab") as handle:
        handle.write(b"\0")
    result = kpi("verify", out)
    assert result.returncode == 1
    assert MART in result.stdout and "changed" in result.stdout
    assert "1 mismatch(es)" in result.stderr


def test_a_missing_output_and_an_unlisted_file_are_mismatches(kpi, run_copy):
    _, out = run_copy
    (out / "validation" / "failures.csv").unlink()
    (out / "notes.txt").write_text("added after the run\n")
    result = kpi("verify", out)
    assert result.returncode == 1
    assert "missing" in result.stdout and "validation/failures.csv" in result.stdout
    assert "unlisted" in result.stdout and "notes.txt" in result.stdout
    assert "2 mismatch(es)" in result.stderr


def test_a_changed_input_is_a_mismatch_and_recompute_is_skipped(kpi, tmp_path, repo):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(repo / "data" / "exchange.csv", data / "exchange.csv")
    assert kpi("run", "--data", data, "--out", tmp_path / "out").returncode == 0
    with (data / "exchange.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    result = kpi("verify", tmp_path / "out", "--recompute")
    assert result.returncode == 1
    assert "exchange.csv" in result.stdout and "changed" in result.stdout
    assert "recomputation skipped" in result.stdout


def test_moved_inputs_are_found_with_data(kpi, run_copy, tmp_path):
    data, out = run_copy
    moved = tmp_path / "moved"
    shutil.copytree(data, moved)
    # the recorded path still exists (shared fixture); point at an empty place to see it missing
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = kpi("verify", out, "--data", empty)
    assert missing.returncode == 1 and "missing" in missing.stdout
    found = kpi("verify", out, "--data", moved)
    assert found.returncode == 0, found.stdout


def test_recompute_confirms_byte_identical_indicators(kpi, good_run):
    _, out = good_run
    result = kpi("verify", out, "--recompute")
    assert result.returncode == 0, result.stdout + result.stderr
    indicators = [o for o in _manifest(out)["outputs"] if o["path"].startswith("indicators/")]
    assert indicators
    for entry in indicators:
        assert entry["path"] in result.stdout
    assert result.stdout.count("byte-identical") == len(indicators)


def test_recompute_catches_a_forged_output_the_hashes_cannot(kpi, run_copy):
    # A forger edits an indicator file and updates its hash in the manifest: the plain check
    # passes, but recomputing from the recorded inputs gives different bytes.
    _, out = run_copy
    forged = out / MART
    forged.write_bytes(forged.read_bytes() + b"forged")
    record = _manifest(out)
    for entry in record["outputs"]:
        if entry["path"] == MART:
            entry["sha256"] = hashlib.sha256(forged.read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    assert kpi("verify", out).returncode == 0
    result = kpi("verify", out, "--recompute")
    assert result.returncode == 1
    assert "differs" in result.stdout and MART in result.stdout


def test_changed_definitions_are_reported(kpi, tmp_path, repo):
    schemas = tmp_path / "schemas"
    shutil.copytree(repo / "schemas", schemas)
    config = tmp_path / "kpi.toml"
    config.write_text(f'schemas = "{schemas.as_posix()}"\n', encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(repo / "data" / "exchange.csv", data / "exchange.csv")
    run = kpi("run", "--config", config, "--data", data, "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    with (schemas / "exchange.yaml").open("a", encoding="utf-8") as handle:
        handle.write("# edited after the run\n")
    result = kpi("verify", tmp_path / "out")
    assert result.returncode == 1
    assert "schemas/exchange.yaml" in result.stdout and "changed" in result.stdout


def test_a_run_given_relative_paths_verifies_from_anywhere(kpi, tmp_path, repo):
    # definition roots given relative to the run's directory are recorded absolute, so the
    # auditor's `kpi verify` from elsewhere finds them (they were reported missing)
    here = tmp_path / "office"
    shutil.copytree(repo / "targets", here / "tg")
    shutil.copytree(repo / "data", here / "data")
    run = kpi("run", "--targets", "tg", "--data", "data", "--out", "o", cwd=here)
    assert run.returncode == 0, run.stderr
    result = kpi("verify", here / "o", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_directory_without_manifest_is_a_usage_error(kpi, tmp_path):
    result = kpi("verify", tmp_path)
    assert result.returncode == 2
    assert "manifest.json" in result.stderr


def test_recompute_refuses_a_failed_run(kpi, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "exchange.csv").write_text("fiscal_year\n1850\n", encoding="utf-8")
    assert kpi("run", "--data", data, "--out", tmp_path / "out").returncode == 1
    plain = kpi("verify", tmp_path / "out")
    assert plain.returncode == 0, plain.stdout  # the failure evidence itself is intact
    assert "status is 'failed'" in plain.stdout
    result = kpi("verify", tmp_path / "out", "--recompute")
    assert result.returncode == 2
    assert "did not succeed" in result.stderr
