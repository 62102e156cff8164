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
