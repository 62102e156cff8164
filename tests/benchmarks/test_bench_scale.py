"""bench_scale measures what it says: each child's own peak memory, the data of the seed asked
for, the phases a stopped run reached, and no database left behind by a killed engine."""

import importlib.util
import os
import signal
import subprocess
import sys

import pytest

from kpi import synth_large

GIB = 2**30


@pytest.fixture(scope="module")
def bench(repo):
    path = repo / "benchmarks" / "bench_scale.py"
    spec = importlib.util.spec_from_file_location("bench_scale", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def child(bench, tmp_path):
    """Makes child commands from Python source, run through --child-script as baselines are."""

    def command(name: str, source: str) -> list[str]:
        path = tmp_path / f"{name}.py"
        path.write_text(source)
        return [sys.executable, bench.__file__, "--child-script", str(path)]

    return command


@pytest.fixture(scope="module")
def parent_holding_500_mb():
    """This process (the benchmark parent) with 500 MiB resident while its children run."""
    yield b"x" * (500 * 2**20)  # filled, so every page is touched


def test_wait4_would_report_the_parents_peak_for_a_trivial_child(parent_holding_500_mb):
    # the bug being guarded against: ru_maxrss of a child starts at the parent's mark
    process = subprocess.Popen(["/bin/true"])
    _, _, usage = os.wait4(process.pid, 0)
    assert usage.ru_maxrss * 1024 > 0.45 * GIB


def test_a_trivial_childs_peak_is_its_own(bench, child, parent_holding_500_mb):
    result = bench.timed(child("trivial", "pass\n"), dict(os.environ), None)
    assert "failed" not in result
    assert result["peak_rss_gib"] < 0.05


def test_a_childs_own_200_mb_are_measured(bench, child, parent_holding_500_mb):
    result = bench.timed(child("big", "blob = b'x' * (200 * 2**20)\n"), dict(os.environ), None)
    assert "failed" not in result
    assert 0.19 < result["peak_rss_gib"] < 0.25


def test_a_stopped_childs_peak_is_its_own_last_polled(bench, child, parent_holding_500_mb):
    source = "import time\nblob = b'x' * (200 * 2**20)\ntime.sleep(60)\n"
    result = bench.timed(child("stuck", source), dict(os.environ), None, timeout_s=1)
    assert result["failed"] == "stopped after 1 s (--timeout-s)"
    assert 0.19 < result["peak_rss_gib"] < 0.25
    assert result["removed_model_dirs"] == []


def test_a_failed_engine_child_reports_its_peak_and_phases(bench, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "papers.parquet").write_text("not Parquet")
    command = [sys.executable, bench.__file__, "--child-engine", str(data), str(tmp_path / "out")]
    result = bench.timed(command, dict(os.environ), None)
    # the peak line is not taken for the error: that is still the child's last line
    assert result["failed"] == "exit 1: run failed: 1 blocking validation failure(s)"
    assert 0.05 < result["peak_rss_gib"] < 1
    phases = bench.engine_phases(result["output"], result["launched"], result["ended"])
    assert list(phases) == ["start-up", "loading definitions", "reading inputs"]
    # the child's marks are on the parent's clock: the phases fill the wall time
    assert phases["start-up"] > 0
    assert sum(phases.values()) == pytest.approx(result["seconds"], abs=0.03)


def test_a_stopped_childs_model_database_is_removed_and_recorded(bench, child, tmp_path):
    temp = tmp_path / "temp"
    mine, other = temp / ".kpi-models-mine", temp / ".kpi-models-other"
    other.mkdir(parents=True)  # another run's, in the same temp directory: kept
    source = (
        "import os, pathlib, time\n"
        f"d = pathlib.Path({str(mine)!r}); d.mkdir()\n"
        "db = open(d / 'models.duckdb', 'wb'); wal = open(d / 'models.duckdb.wal', 'wb')\n"
        "time.sleep(60)\n"
    )
    result = bench.timed(child("engine_like", source), dict(os.environ), None, timeout_s=1)
    assert result["failed"].startswith("stopped after")
    assert result["removed_model_dirs"] == [str(mine)]
    assert not mine.exists()
    assert other.is_dir()


def test_a_crashed_childs_model_database_is_removed_too(bench, child, tmp_path):
    mine = tmp_path / ".kpi-models-crash"
    source = (
        "import os, pathlib, signal, time\n"
        f"d = pathlib.Path({str(mine)!r}); d.mkdir()\n"
        "db = open(d / 'models.duckdb', 'wb')\n"
        "time.sleep(0.5)  # polled by the watch\n"
        "os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would\n"
    )
    result = bench.timed(child("crash", source), dict(os.environ), None)
    assert result["failed"].startswith(f"exit {-signal.SIGKILL}")
    assert result["removed_model_dirs"] == [str(mine)]
    assert not mine.exists()


def test_phases_of_a_stopped_run_start_from_the_marks(bench):
    # launched at 100, loading definitions from 102, reading inputs from 103, stopped at 110
    text = "PHASE loading definitions 102.000\nPHASE reading inputs 103.000\n"
    phases = bench.engine_phases(text, launched=100.0, ended=110.0)
    assert phases == {"start-up": 2.0, "loading definitions": 1.0, "reading inputs": 7.0}


def test_phases_of_a_complete_run_end_at_its_end_mark(bench):
    # the same marks, the run over at 108 and the process gone at 110 (interpreter teardown)
    text = "PHASE loading definitions 102.000\nPHASE reading inputs 103.000\nRUN_END 108.000\n"
    phases = bench.engine_phases(text, launched=100.0, ended=110.0)
    assert phases == {"start-up": 2.0, "loading definitions": 1.0, "reading inputs": 5.0}


def test_the_default_seed_keeps_the_plain_folder_name(bench, tmp_path):
    assert bench.data_folder(tmp_path, 20_000, 7) == tmp_path / "papers_20000"
    assert bench.data_folder(tmp_path, 20_000, 8) == tmp_path / "papers_20000_seed_8"
    assert bench.DEFAULT_SEED == synth_large.DEFAULT_SEED


def test_an_existing_set_of_the_seed_is_used_as_it_is(bench, tmp_path):
    data = tmp_path / "papers_300"
    synth_large.write_large(data, 300, seed=7)
    stamp = (data / "papers.parquet").stat().st_mtime_ns
    assert bench.prepare_data(tmp_path, 300, 7) == (
        data,
        {"papers": 300, "affiliations": bench.describe(data)["affiliations"], "seeds": {"7"}},
    )
    assert (data / "papers.parquet").stat().st_mtime_ns == stamp


def test_another_seed_is_generated_in_a_folder_of_its_own(bench, tmp_path):
    synth_large.write_large(tmp_path / "papers_300", 300, seed=7)
    data, facts = bench.prepare_data(tmp_path, 300, 8)
    assert data == tmp_path / "papers_300_seed_8"
    assert facts["seeds"] == {"8"}
    assert bench.describe(tmp_path / "papers_300")["seeds"] == {"7"}


def test_a_folder_of_another_seed_is_refused(bench, tmp_path):
    # e.g. made by hand with `kpi synth --seed 8` into the default seed's folder
    synth_large.write_large(tmp_path / "papers_300", 300, seed=8)
    with pytest.raises(SystemExit, match="holds data of seed 8 .* not --seed 7"):
        bench.prepare_data(tmp_path, 300, 7)
