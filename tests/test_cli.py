"""The real `kpi` command end to end: exit codes, outputs, manifest, determinism, atomicity."""

import hashlib
import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from kpi.export import read_metadata


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha(p) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    from tests.conftest import run_kpi

    out = tmp_path_factory.mktemp("run") / "out"
    done = run_kpi("run", "--out", out)
    assert done.returncode == 0, done.stderr
    return out, done


def test_run_on_the_embedded_default_writes_indicators_and_manifest(default_run, repo):
    out, done = default_run
    assert "exchange_researchers.parquet" in done.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "success"
    # every output listed with the hash of the file on disk, and its row count
    for entry in manifest["outputs"]:
        assert sha(out / entry["path"]) == entry["sha256"], entry["path"]
    mart = next(
        o for o in manifest["outputs"] if o["path"] == "indicators/exchange_researchers.parquet"
    )
    assert mart["rows"] == pl.read_parquet(out / mart["path"]).height
    # inputs and definitions are hashed so an auditor can tie the numbers to files
    exchange = next(i for i in manifest["inputs"] if i["dataset"] == "exchange")
    assert exchange["sha256"] == sha(repo / "data" / "exchange.csv")
    assert exchange["rows"] == len((repo / "data" / "exchange.csv").read_text().splitlines()) - 1
    assert manifest["definitions"]["sql/marts/exchange_researchers.sql"] == sha(
        repo / "sql" / "marts" / "exchange_researchers.sql"
    )
    assert manifest["definitions"]["schemas/exchange.yaml"] == sha(
        repo / "schemas" / "exchange.yaml"
    )
    assert manifest["config"]["exchange"]["vintage"] == "latest"
    assert manifest["packages"]["duckdb"] and manifest["code_version"]
    # the code itself: its Python files, path and content (code_version cannot tell an
    # uncommitted change apart)
    package = repo / "src" / "kpi"
    listing = "".join(
        f"{p.relative_to(package).as_posix()}\0{sha(p)}\n" for p in sorted(package.rglob("*.py"))
    )
    assert manifest["code_sha256"] == hashlib.sha256(listing.encode()).hexdigest()
    assert manifest["validation"]["passed"] is True
    assert manifest["lineage"]["exchange_researchers"]["datasets"] == ["exchange", "exchange_trips"]


def test_parquet_carries_bilingual_definitions_and_the_run_id(default_run):
    out, _ = default_run
    meta = read_metadata(out / "indicators" / "exchange_researchers.parquet")
    manifest = json.loads((out / "manifest.json").read_text())
    assert meta["kpi.title_ja"].startswith("研究者の海外派遣")
    assert meta["kpi.unit"] == "trips"
    assert meta["kpi.run_id"] == manifest["run_id"]
    columns = json.loads(meta["kpi.columns"])
    assert columns["researchers"]["label_en"] == "Researchers (trips)"
    assert columns["yoy_change_pct"]["unit"] == "percent"


def test_same_inputs_give_byte_identical_indicator_files(default_run, tmp_path, kpi):
    out, _ = default_run
    again = tmp_path / "again"
    assert kpi("run", "--out", again).returncode == 0
    first = {k: v for k, v in tree(out).items() if k.startswith("indicators/")}
    second = {k: v for k, v in tree(again).items() if k.startswith("indicators/")}
    assert first and first == second
    run_ids = [json.loads((d / "manifest.json").read_text())["run_id"] for d in (out, again)]
    assert run_ids[0] == run_ids[1]


def test_invalid_input_exits_1_reports_every_failure_and_exports_nothing(
    default_data_copy, tmp_path, kpi
):
    path = default_data_copy / "exchange.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",6129,", ",-5,")  # row 1: negative count
    lines[3] = lines[3].replace(",dispatch,", ",abroad,")  # row 3: unknown direction
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    done = kpi("run", "--data", default_data_copy, "--out", out)
    assert done.returncode == 1
    assert "greater_than_or_equal_to(0)" in done.stderr and "abroad" in done.stderr
    assert not (out / "indicators").exists()
    failures = pl.read_csv(out / "validation" / "failures.csv")
    assert sorted(zip(failures["row"], failures["column"], strict=True)) == [
        (1, "researchers"), (3, "direction")
    ]  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["failure"]["type"] == "ValidationFailed"


def test_a_failed_run_leaves_an_existing_good_output_untouched(default_data_copy, tmp_path, kpi):
    out = tmp_path / "out"
    assert kpi("run", "--data", default_data_copy, "--out", out).returncode == 0
    before = tree(out)
    (default_data_copy / "exchange.csv").write_text("fiscal_year,direction\n2024,x\n")
    done = kpi("run", "--data", default_data_copy, "--out", out)
    assert done.returncode == 1
    assert tree(out) == before
    failed = json.loads((tmp_path / "out.failed" / "manifest.json").read_text())
    assert failed["status"] == "failed"
    assert not list(tmp_path.glob(".out.*"))  # no staging directory left behind
    # a later good run clears the stale failure evidence
    shutil.copy(
        Path(__file__).parents[1] / "data" / "exchange.csv", default_data_copy / "exchange.csv"
    )
    assert kpi("run", "--data", default_data_copy, "--out", out).returncode == 0
    assert not (tmp_path / "out.failed").exists()


def test_refuses_to_replace_a_directory_that_is_not_a_kpi_output(tmp_path, kpi):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("do not delete")
    done = kpi("run", "--out", precious)
    assert done.returncode == 2 and "not a kpi output" in done.stderr
    assert (precious / "thesis.tex").read_text() == "do not delete"


def test_a_command_writes_no_library_warnings(kpi):
    # with the optional `spark` extra installed, pandera's import-time probe of pyspark.pandas
    # printed a pandas-3 FutureWarning before every command; nothing may print on import
    done = kpi("--help")
    assert done.returncode == 0
    assert "Usage" in done.stdout
    assert done.stderr == ""


def test_failures_are_printed_as_read_not_as_markup(default_data_copy, tmp_path, kpi):
    # a value like '[/x]' once crashed the console (rich markup), and '[a-z0-9]' in a check's
    # regex was printed as nothing
    with (default_data_copy / "observations.csv").open("a", encoding="utf-8") as handle:
        handle.write("[/x],2024,1.0,test,2025-06-01,\n")
    done = kpi("validate", "--data", default_data_copy, "--no-gx", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "[/x]" in done.stderr and "[a-z0-9]" in done.stderr


def test_an_infinite_value_fails_in_pandera_and_great_expectations_alike(
    default_data_copy, tmp_path, kpi
):
    with (default_data_copy / "observations.csv").open("a", encoding="utf-8") as handle:
        handle.write("plan7-top10-rank,2030,inf,test,2025-06-01,\n")
    done = kpi("validate", "--data", default_data_copy, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    failures = pl.read_csv(tmp_path / "validation" / "failures.csv")
    assert failures.filter(pl.col("check") == "value_is_finite")["dataset"].to_list() == [
        "observations"
    ]
    assert "disagree" not in done.stdout + done.stderr


def test_usage_errors_exit_2(tmp_path, kpi):
    assert kpi("run", "--no-such-flag").returncode == 2
    assert kpi("run", "--config", tmp_path / "missing.toml").returncode == 2
    (tmp_path / "bad.toml").write_text("[top10]\nwindow_yers = 3\n")
    done = kpi("run", "--config", tmp_path / "bad.toml")
    assert done.returncode == 2 and "window_yers" in done.stderr
    # a counting listed twice would double every row of top10_coauthorship
    (tmp_path / "twice.toml").write_text('[top10]\ncounting = ["whole", "whole"]\n')
    done = kpi("run", "--config", tmp_path / "twice.toml", "--out", tmp_path / "out")
    assert done.returncode == 2 and "each once" in done.stderr
    assert not (tmp_path / "out").exists()
    # a bad flag is named as the source, not a kpi.toml that does not exist
    done = kpi("targets", "--as-of", "2026-13-01", cwd=tmp_path)
    assert done.returncode == 2 and "as_of" in done.stderr
    assert "command-line flags" in done.stderr and "kpi.toml" not in done.stderr


def test_kpi_toml_sets_parameters_and_flags_override_it(tmp_path, kpi):
    (tmp_path / "kpi.toml").write_text('out = "from_toml"\n[exchange]\nvintage = "first"\n')
    assert kpi("run", cwd=tmp_path).returncode == 0
    manifest = json.loads((tmp_path / "from_toml" / "manifest.json").read_text())
    assert manifest["config"]["exchange"]["vintage"] == "first"
    mart = pl.read_parquet(tmp_path / "from_toml" / "indicators" / "exchange_researchers.parquet")
    first_2018 = mart.filter(
        (pl.col("fiscal_year") == 2018)
        & (pl.col("direction") == "dispatch")
        & (pl.col("term") == "short")
    )
    assert first_2018["researchers"][0] == 172_867  # first publication of FY2018
    assert kpi("run", "--out", tmp_path / "flag", cwd=tmp_path).returncode == 0
    assert (tmp_path / "flag" / "manifest.json").exists()


def test_list_shows_bilingual_labels_units_and_definitions(kpi):
    done = kpi("list")
    assert done.returncode == 0
    assert "exchange_researchers" in done.stdout
    assert "研究者の海外派遣" in done.stdout and "Researchers dispatched abroad" in done.stdout
    as_json = json.loads(kpi("list", "--json").stdout)
    assert as_json["exchange_researchers"]["columns"]["researchers"]["unit"] == "trips"


def test_the_built_wheel_runs_from_any_directory(tmp_path, repo):
    # build the wheel, install only it into a separate directory and run `kpi run` from a
    # directory with no checkout around it: the definitions and data must come from the wheel
    import subprocess
    import sys
    import zipfile

    def pip(*args):
        done = subprocess.run(
            [sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-2000:]

    pip("wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(repo))
    wheel = next((tmp_path / "dist").glob("kpi-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "kpi/_bundled/sql/marts/exchange_researchers.sql",
        "kpi/_bundled/schemas/exchange.yaml",
        "kpi/_bundled/data/exchange.csv",
        "kpi/_bundled/sql/seeds/exchange_series_breaks.csv",
        "kpi/_bundled/targets/plan7_2026.yaml",
    ):
        assert expected in names
    pip("install", "--no-deps", "-q", "--target", str(tmp_path / "site"), str(wheel))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "GX_ANALYTICS_ENABLED": "false"}
    done = subprocess.run(
        [sys.executable, "-m", "kpi", "run"], cwd=elsewhere, env=env,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    manifest = json.loads((elsewhere / "out" / "manifest.json").read_text())
    exchange = next(i for i in manifest["inputs"] if i["dataset"] == "exchange")
    assert exchange["path"].startswith(str(tmp_path / "site" / "kpi" / "_bundled"))
    assert exchange["sha256"] == sha(repo / "data" / "exchange.csv")


def test_validate_writes_beside_not_into_a_run(default_run, tmp_path, kpi):
    out, _ = default_run
    refused = kpi("validate", "--out", out, "--no-gx")
    assert refused.returncode == 2 and "holds a kpi run" in refused.stderr
    done = kpi("validate", "--no-gx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "validation" / "summary.json").read_text())
    assert summary["passed"] is True and summary["datasets"]["exchange"]["rows"] > 0


def test_gx_and_pandera_agree_on_edges_of_keys_and_patterns(tmp_path, kpi):
    """A key still holds when a nullable key column is left out of the file (it was skipped);
    a code followed by a newline is no ISO code for Great Expectations either (Python's `$`
    matched before it)."""
    data = tmp_path / "data"
    data.mkdir()
    header = "fiscal_year,direction,term,researchers,institution_type,country,source,vintage\n"
    (data / "exchange.csv").write_text(
        header
        + "2020,accept,short,5,,,s,2024\n"  # the national total ...
        + "2020,accept,short,6,,,s,2024\n"  # ... twice (no region column at all)
        + '2020,accept,short,1,,"JPN\n",s,2024\n',  # a breakdown whose code ends in a newline
        encoding="utf-8",
    )
    done = kpi("validate", "--data", data, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    failures = pl.read_csv(tmp_path / "validation" / "failures.csv")
    rows = failures.filter(pl.col("dataset") == "exchange").select("row", "check").rows()
    assert sorted(rows) == [
        (1, "multiple_fields_uniqueness"),
        (2, "multiple_fields_uniqueness"),
        (3, "str_matches('^[A-Z]{3}$')"),
    ]
    summary = json.loads((tmp_path / "validation" / "gx" / "summary.json").read_text())
    assert summary["datasets"]["exchange"]["agrees_with_pandera"] is True
    assert summary["agrees_with_pandera"] is True


def test_a_file_column_named_like_a_gx_derived_one_fails_in_gx_too(tmp_path, kpi, repo):
    data = tmp_path / "data"
    shutil.copytree(repo / "data", data)
    observations = pl.read_csv(data / "observations.csv", infer_schema=False)
    observations.with_columns(pl.lit("x").alias("kpi.unparsed.period")).write_csv(
        data / "observations.csv"
    )
    done = kpi("validate", "--data", data, cwd=tmp_path)
    assert done.returncode == 1
    summary = json.loads((tmp_path / "validation" / "gx" / "summary.json").read_text())
    assert summary["datasets"]["observations"]["success"] is False
    assert summary["agrees_with_pandera"] is True
