"""[engine] options reach DuckDB and change nothing in what a run computes or is identified by."""

import shutil

from kpi.config import load_settings
from kpi.errors import AuditFailed, DefinitionError
from kpi.pipeline import Definitions, connect, read_and_validate
from tests.helpers import run_pipeline


def test_engine_options_are_set_on_the_connection(tmp_path, repo):
    settings = load_settings(
        None,
        data=repo / "data",
        engine={
            "memory_limit": "1GB",
            "threads": 1,
            "temp_directory": tmp_path / "spill",
            "preserve_insertion_order": False,
        },
    )
    defs = Definitions.load(settings)
    con = connect(settings, defs, read_and_validate(settings, defs))
    memory, threads, temp, ordered = con.execute(
        "select current_setting('memory_limit'), current_setting('threads'),"
        " current_setting('temp_directory'), current_setting('preserve_insertion_order')"
    ).fetchall()[0]
    # DuckDB reports 1GB (10^9 bytes) in GiB: 10^9 / 2^30 = 0.93
    assert (memory, threads, temp, ordered) == ("953.6 MiB", 1, str(tmp_path / "spill"), False)
    # inputs are views over the validated Arrow data, not copies
    kinds = dict(
        con.execute(
            "select table_name, table_type from information_schema.tables"
            " where table_schema = 'raw'"
        ).fetchall()
    )
    assert kinds["papers"] == "VIEW"
    assert con.execute("select count(*) from raw.papers").fetchall()[0][0] == 12_000


def test_engine_options_leave_output_bytes_and_run_id_unchanged(tmp_path, repo):
    default = run_pipeline(repo / "data", tmp_path / "a")
    tuned = run_pipeline(
        repo / "data",
        tmp_path / "b",
        engine={"threads": 1, "memory_limit": "2GB", "preserve_insertion_order": False},
    )
    assert default.error is None and tuned.error is None
    assert tuned.manifest["run_id"] == default.manifest["run_id"]
    assert tuned.manifest["config"]["engine"]["threads"] == 1
    assert [a["sample"] for a in tuned.manifest["audits"]] == [
        a["sample"] for a in default.manifest["audits"]
    ]
    for path in sorted((tmp_path / "a" / "indicators").glob("*.parquet")):
        assert path.read_bytes() == (tmp_path / "b" / "indicators" / path.name).read_bytes()


def test_disk_storage_gives_the_same_files_and_leaves_no_database(tmp_path, repo):
    memory = run_pipeline(repo / "data", tmp_path / "a")
    spill = tmp_path / "spill"
    disk = run_pipeline(
        repo / "data", tmp_path / "b", engine={"storage": "disk", "temp_directory": spill}
    )
    assert memory.error is None and disk.error is None
    assert disk.manifest["run_id"] == memory.manifest["run_id"]
    assert disk.manifest["models"]["storage"] == "disk"
    files = sorted(p.name for p in (tmp_path / "a" / "indicators").glob("*.parquet"))
    assert files and files == sorted(p.name for p in (tmp_path / "b" / "indicators").iterdir())
    for name in files:
        a, b = (tmp_path / d / "indicators" / name for d in ("a", "b"))
        assert a.read_bytes() == b.read_bytes()
    # the models' database file lived under temp_directory and went with the run
    assert spill.is_dir() and list(spill.iterdir()) == []


def test_disk_storage_is_deleted_when_the_run_fails(tmp_path, repo):
    # an error audit that always finds a row fails the run after every model is built
    sql = tmp_path / "sql"
    shutil.copytree(repo / "sql", sql)
    (sql / "audits" / "always_fails.sql").write_text(
        "/* error: Fails on purpose. */\nselect paper_id from top10_paper_weights limit 1\n"
    )
    spill = tmp_path / "spill"
    result = run_pipeline(
        repo / "data",
        tmp_path / "out",
        sql=sql,
        engine={"storage": "disk", "temp_directory": spill},
    )
    assert isinstance(result.error, AuditFailed)
    assert list(spill.iterdir()) == []


def test_manifest_times_every_built_model_and_audit(tmp_path, repo):
    result = run_pipeline(repo / "data", tmp_path / "out")
    models = result.manifest["models"]
    assert models["storage"] == "memory"
    assert sorted(models["seconds"]) == sorted(models["built"])
    assert all(isinstance(s, float) and s >= 0 for s in models["seconds"].values())
    for audit in result.manifest["audits"]:
        assert (audit["seconds"] is None) == audit["skipped"]


def test_a_failed_model_keeps_the_seconds_of_those_before_it(tmp_path, repo):
    sql = tmp_path / "sql"
    shutil.copytree(repo / "sql", sql)
    (sql / "intermediate" / "int_zz_broken.sql").write_text(
        "/* Fails on purpose. */\nselect error('boom') as x from stg_papers\n"
    )
    result = run_pipeline(repo / "data", tmp_path / "out", sql=sql)
    assert isinstance(result.error, DefinitionError)
    assert "int_zz_broken.sql" in str(result.error)
    seconds = result.manifest["models"]["seconds"]
    assert "stg_papers" in seconds and "int_zz_broken" not in seconds
