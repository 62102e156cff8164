"""Run the Top10% models transpiled to Spark SQL on PySpark (local mode) and compare with DuckDB.

Usage: python benchmarks/spark_check.py WOS_FILE... [--work DIR]

Opt-in (needs `pip install pyspark` and Java 17; not a dependency of kpi). Imports the Web of
Science exports with `kpi import wos`, runs `kpi run` (DuckDB), then registers the same inputs
and `config.params` in Spark, runs every model the Top10% marts need as Spark SQL
(sqlglot, read="duckdb", write="spark") and compares the marts row by row (floats to 1e-9).
Exit code 0 when they agree.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

import polars as pl
import sqlglot

from kpi.config import load_settings
from kpi.importers import read_wos
from kpi.pipeline import Definitions, config_params, run
from kpi.runner import CONFIG_SCHEMA, RAW_SCHEMA

MARTS = {
    "top10_cells": ["field", "pub_year"],
    "top10_coauthorship": ["country", "period_start", "field", "counting"],
    "top10_paper_weights": ["paper_id"],
}


def spark_marts(data: Path, work: Path, settings) -> dict[str, pl.DataFrame]:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.warehouse.dir", str(work / "warehouse"))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    defs = Definitions.load(settings)
    for schema in (RAW_SCHEMA, CONFIG_SCHEMA):
        spark.sql(f"create database if not exists {schema}")
    for dataset in ("papers", "affiliations"):
        frame = spark.read.parquet(str(data / f"{dataset}.parquet"))
        frame.write.mode("overwrite").saveAsTable(f"{RAW_SCHEMA}.{dataset}")
    params = config_params(settings).to_pandas()
    spark.createDataFrame(params).write.mode("overwrite").saveAsTable(f"{CONFIG_SCHEMA}.params")
    needed = {m for mart in MARTS for m in defs.project.lineage(mart)["models"]} | set(MARTS)
    for name in defs.project.order():
        if name not in needed:
            continue
        (sql,) = sqlglot.transpile(defs.project.models[name].sql, read="duckdb", write="spark")
        try:
            spark.sql(f"create or replace temporary view {name} as {sql}")
        except Exception as exc:
            raise SystemExit(f"{name}: Spark rejects the transpiled model: {exc}") from exc
    marts = {m: pl.from_pandas(spark.table(m).toPandas()) for m in MARTS}
    for m, frame in marts.items():
        frame.write_parquet(work / f"spark_{m}.parquet")
    spark.stop()
    return marts


def compare(name: str, duck: pl.DataFrame, spark: pl.DataFrame, key: list[str]) -> list[str]:
    problems = []
    if duck.height != spark.height:
        problems.append(f"{name}: {duck.height} rows in DuckDB, {spark.height} in Spark")
    a, b = duck.sort(key), spark.select(duck.columns).sort(key)
    for column in duck.columns:
        for x, y in zip(a[column].to_list(), b[column].to_list(), strict=False):
            same = (
                x == y
                or (x is None and y is None)
                or (isinstance(x, float) and y is not None and math.isclose(x, y, abs_tol=1e-9))
            )
            if not same:
                problems.append(f"{name}.{column}: {x!r} (DuckDB) != {y!r} (Spark)")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--work", type=Path, default=Path(tempfile.mkdtemp(prefix="kpi-spark-")))
    args = parser.parse_args()
    data = args.work / "data"
    data.mkdir(parents=True, exist_ok=True)
    imported = read_wos(args.files)
    imported.papers.write_parquet(data / "papers.parquet")
    imported.affiliations.write_parquet(data / "affiliations.parquet")
    settings = load_settings(None, data=data, out=args.work / "out")
    result = run(settings)
    if result.error is not None:
        sys.exit(f"kpi run failed: {result.error}")
    spark = spark_marts(data, args.work, settings)
    problems = []
    for mart, key in MARTS.items():
        duck = pl.read_parquet(args.work / "out" / "indicators" / f"{mart}.parquet")
        problems += compare(mart, duck, spark[mart], key)
        print(f"{mart}: {duck.height} rows in DuckDB, {spark[mart].height} in Spark")
    print("\n".join(problems) if problems else "Spark marts equal DuckDB's")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
