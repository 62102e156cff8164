"""[engine] options reach DuckDB and change nothing in what a run computes or is identified by."""

from kpi.config import load_settings
from kpi.pipeline import Definitions, connect, read_and_validate
from tests.helpers import run_pipeline


def test_engine_options_are_set_on_the_connection(tmp_path, repo):
    settings = load_settings(
        None,
        data=repo / "data",
        engine={"memory_limit": "1GB", "threads": 1, "temp_directory": tmp_path / "spill"},
    )
    defs = Definitions.load(settings)
    con = connect(settings, defs, read_and_validate(settings, defs))
    memory, threads, temp = con.execute(
        "select current_setting('memory_limit'), current_setting('threads'),"
        " current_setting('temp_directory')"
    ).fetchall()[0]
    # DuckDB reports 1GB (10^9 bytes) in GiB: 10^9 / 2^30 = 0.93
    assert (memory, threads, temp) == ("953.6 MiB", 1, str(tmp_path / "spill"))
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
        repo / "data", tmp_path / "b", engine={"threads": 1, "memory_limit": "2GB"}
    )
    assert default.error is None and tuned.error is None
    assert tuned.manifest["run_id"] == default.manifest["run_id"]
    assert tuned.manifest["config"]["engine"]["threads"] == 1
    for path in sorted((tmp_path / "a" / "indicators").glob("*.parquet")):
        assert path.read_bytes() == (tmp_path / "b" / "indicators" / path.name).read_bytes()
