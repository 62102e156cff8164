"""The SQL model runner: dependency parsing, ordering, cycles, missing references, audits."""

from pathlib import Path

import duckdb
import pytest

from kpi.errors import DefinitionError
from kpi.runner import Project, run_audits, run_models


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_models_run_in_dependency_order_whatever_their_names(tmp_path):
    # a_mart reads z_int, which reads m_stg: alphabetical order would be wrong
    write(tmp_path, "staging/m_stg.sql", "/* base */\nselect 1 as x")
    write(
        tmp_path,
        "intermediate/z_int.sql",
        "/* mid */\nwith s as (select * from m_stg) select x + 1 as x from s",
    )
    write(tmp_path, "marts/a_mart.sql", "/* top */\nselect x * 10 as x from z_int")
    project = Project.load(tmp_path)
    assert project.order() == ["m_stg", "z_int", "a_mart"]
    assert project.models["z_int"].models == {"m_stg"}  # the CTE `s` is not a dependency
    con = duckdb.connect()
    assert run_models(con, project, present=set()) == ["m_stg", "z_int", "a_mart"]
    assert con.execute("select x from a_mart").fetchall() == [(20,)]


def test_a_cycle_is_an_error_naming_the_files(tmp_path):
    write(tmp_path, "intermediate/a.sql", "/* a */\nselect * from b")
    write(tmp_path, "intermediate/b.sql", "/* b */\nselect * from a")
    with pytest.raises(DefinitionError, match="cycle") as err:
        Project.load(tmp_path)
    assert "a.sql" in str(err.value) and "b.sql" in str(err.value)


def test_a_reference_to_a_missing_model_names_the_file(tmp_path):
    write(tmp_path, "marts/m.sql", "/* m */\nselect * from stg_nowhere")
    with pytest.raises(DefinitionError, match=r"m\.sql: references 'stg_nowhere'"):
        Project.load(tmp_path)


def test_a_model_without_description_header_is_rejected(tmp_path):
    write(tmp_path, "marts/m.sql", "select 1 as x")
    with pytest.raises(DefinitionError, match="description"):
        Project.load(tmp_path)


def test_unknown_schema_and_unparsable_sql_are_rejected(tmp_path):
    write(tmp_path, "marts/m.sql", "/* m */\nselect * from other.t")
    with pytest.raises(DefinitionError, match="unknown schema 'other'"):
        Project.load(tmp_path)
    write(tmp_path, "marts/m.sql", "/* m */\nselect from where (")
    with pytest.raises(DefinitionError, match="m.sql"):
        Project.load(tmp_path)


def test_lineage_reaches_raw_datasets_and_seeds_through_models(tmp_path):
    write(tmp_path, "staging/stg_a.sql", "/* a */\nselect * from raw.alpha")
    write(tmp_path, "staging/stg_b.sql", "/* b */\nselect * from seeds.beta")
    write(tmp_path, "marts/m.sql", "/* m */\nselect * from stg_a, stg_b")
    write(tmp_path, "seeds/beta.csv", "x\n1\n")
    lineage = Project.load(tmp_path).lineage("m")
    assert lineage["models"] == ["stg_a", "stg_b"]
    assert lineage["datasets"] == ["alpha"]
    assert lineage["seeds"] == ["beta"]


def test_models_whose_inputs_are_all_absent_are_skipped(tmp_path):
    write(tmp_path, "staging/stg_papers.sql", "/* p */\nselect * from raw.papers")
    write(tmp_path, "marts/constant.sql", "/* c */\nselect 1 as one")
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.papers as select 1 as id")
    project = Project.load(tmp_path)
    assert run_models(con, project, present=set()) == ["constant"]
    assert run_models(con, project, present={"papers"}) == ["constant", "stg_papers"]


def test_audits_return_bad_rows_with_their_severity(tmp_path):
    write(tmp_path, "marts/m.sql", "/* m */\nselect * from (values (1), (-2), (-3)) t(x)")
    write(
        tmp_path,
        "audits/no_negatives.sql",
        "/* error: x is never negative */\nselect * from m where x < 0",
    )
    write(tmp_path, "audits/small.sql", "/* warn: x stays below 1 */\nselect * from m where x >= 1")
    project = Project.load(tmp_path)
    con = duckdb.connect()
    built = set(run_models(con, project, set()))
    results = {a.name: a for a in run_audits(con, project, built)}
    assert (results["no_negatives"].severity, results["no_negatives"].rows) == ("error", 2)
    assert sorted(r["x"] for r in results["no_negatives"].sample) == [-3, -2]
    assert (results["small"].severity, results["small"].rows) == ("warn", 1)


def test_audit_header_must_name_a_severity(tmp_path):
    write(tmp_path, "audits/a.sql", "/* x is fine */\nselect 1")
    with pytest.raises(DefinitionError, match="error: ... \\*/ or /\\* warn"):
        Project.load(tmp_path)


def test_shipped_sql_project_loads_and_orders(repo):
    project = Project.load(repo / "sql")
    order = project.order()
    assert order.index("stg_exchange") < order.index("int_exchange_unioned")
    assert order.index("int_exchange_national_selected") < order.index("exchange_researchers")


def _table_types(con) -> dict[str, str]:
    rows = con.execute("select table_name, table_type from information_schema.tables").fetchall()
    return dict(rows)


def test_a_model_can_ask_to_be_a_view_or_a_table(tmp_path):
    # staging defaults to a view, the other layers to a table; the line right after the
    # header overrides either
    write(tmp_path, "staging/s_default.sql", "/* s */\nselect 1 as x")
    write(tmp_path, "staging/s_table.sql", "/* s */\n-- materialized: table\nselect 1 as x")
    write(tmp_path, "intermediate/i_default.sql", "/* i */\nselect x from s_default")
    write(
        tmp_path,
        "intermediate/i_view.sql",
        "/* i */  \n  --  materialized :  view\n-- why: read once\nselect x + 1 as x from s_table",
    )
    write(tmp_path, "marts/m.sql", "/* m */\nselect d.x + v.x as x from i_default d, i_view v")
    project = Project.load(tmp_path)
    assert {n: m.materialized for n, m in project.models.items()} == {
        "s_default": "view",
        "s_table": "table",
        "i_default": "table",
        "i_view": "view",
        "m": "table",
    }
    con = duckdb.connect()
    run_models(con, project, present=set())
    assert _table_types(con) == {
        "s_default": "VIEW",
        "s_table": "BASE TABLE",
        "i_default": "BASE TABLE",
        "i_view": "VIEW",
        "m": "BASE TABLE",
    }
    assert con.execute("select x from m").fetchall() == [(3,)]  # 1 + (1 + 1)


def test_a_directive_further_down_is_only_a_comment(tmp_path):
    write(tmp_path, "intermediate/i.sql", "/* i */\nselect 1 as x\n-- materialized: view\n")
    assert Project.load(tmp_path).models["i"].materialized == "table"


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("intermediate/i.sql", "/* i */\n-- materialized: ephemeral\nselect 1 as x"),
        ("intermediate/i.sql", "/* i */\n-- materialized:\nselect 1 as x"),
        ("audits/a.sql", "/* warn: a */\n-- materialized: view\nselect 1 as x"),
    ],
)
def test_an_unknown_materialization_or_one_on_an_audit_is_rejected(tmp_path, rel, text):
    write(tmp_path, rel, text)
    with pytest.raises(DefinitionError, match=rf"{Path(rel).name}: `-- materialized: \w*`"):
        Project.load(tmp_path)
