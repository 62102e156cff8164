"""Every SQL model transpiles to Spark SQL, so a user who outgrows one machine can run them on Spark."""

from pathlib import Path

import pytest
import sqlglot

SQL = Path(__file__).resolve().parents[1] / "sql"
MODELS = sorted(
    p for layer in ("staging", "intermediate", "marts") for p in (SQL / layer).glob("*.sql")
)


def test_there_are_models_to_check():
    assert len(MODELS) >= 10


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_model_transpiles_from_duckdb_to_spark(path):
    spark = sqlglot.transpile(
        path.read_text(encoding="utf-8"),
        read="duckdb",
        write="spark",
        unsupported_level=sqlglot.ErrorLevel.RAISE,
    )
    assert len(spark) == 1 and "select" in spark[0].lower()
    # the Spark text parses back as Spark SQL
    sqlglot.parse_one(spark[0], read="spark")


def test_every_mart_on_pyspark_equals_duckdbs(tmp_path, repo):
    """Opt-in, where PySpark and Java are installed (`pip install -e ".[spark]"`): every model
    runs on Spark in local mode and every SQL mart equals kpi run's (benchmarks/spark_check.py)
    on the shipped data with the shared Web of Science export as papers and affiliations."""
    import importlib.util
    import shutil
    import subprocess
    import sys

    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        pytest.skip("PySpark or Java not installed (the optional spark extra)")
    wos = sorted((repo.parent / "shared" / "data" / "wos_2023").glob("wos_*.txt"))
    if not wos:
        pytest.skip("../shared/data/wos_2023 not present")
    done = subprocess.run(
        [sys.executable, str(repo / "benchmarks" / "spark_check.py"), *map(str, wos),
         "--work", str(tmp_path)],
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "all 7 Spark marts equal DuckDB's" in done.stdout
