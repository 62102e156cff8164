"""Run every SQL model transpiled to Spark SQL on PySpark (local mode) and compare with DuckDB.

Usage: python benchmarks/spark_check.py [WOS_FILE...] [--work DIR]

Opt-in (needs `pip install pyspark` and Java 17; not a dependency of kpi). The data are the
shipped default data, with papers and affiliations replaced by the Web of Science exports when
some are given (`kpi import wos`). `kpi run` computes the marts with DuckDB; then the same
validated inputs, seeds and `config.params` are registered in Spark (every input, an absent
optional one as an empty table), every model runs as Spark SQL (sqlglot, read="duckdb",
write="spark") in dependency order, and every SQL mart is compared row by row (floats to
1e-9). target_status is left out: Python computes it from the marts. Exit code 0 when all agree.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
from pathlib import Path

import polars as pl
import sqlglot

from kpi.config import load_settings
from kpi.importers import read_wos
from kpi.pipeline import Definitions, config_params, read_and_validate, run
from kpi.resources import resource_dir
from kpi.runner import CONFIG_SCHEMA, RAW_SCHEMA, SEED_SCHEMA
from kpi.validation import empty_frame

WOS_DATASETS = ("papers", "affiliations")


def prepare_data(wos_files: list[Path], data: Path) -> None:
    """The shipped inputs, papers and affiliations from the WoS exports when given."""
    shutil.copytree(resource_dir("data"), data, dirs_exist_ok=True)
    if not wos_files:
        return
    for dataset in WOS_DATASETS:
        for old in data.glob(f"{dataset}.*"):
            old.unlink()
    imported = read_wos(wos_files)
    imported.papers.write_parquet(data / "papers.parquet")
    imported.affiliations.write_parquet(data / "affiliations.parquet")


def spark_marts(settings, work: Path, marts: list[str]) -> dict[str, pl.DataFrame]:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.warehouse.dir", str(work / "warehouse"))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    defs = Definitions.load(settings)
    validated = read_and_validate(settings, defs)

    def register(schema: str, name: str, frame: pl.DataFrame) -> None:
        # through Parquet, so Spark gets the contract's column types as they are
        path = work / "tables" / f"{schema}.{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path)
        spark.read.parquet(str(path)).write.mode("overwrite").saveAsTable(f"{schema}.{name}")

    for schema in (RAW_SCHEMA, SEED_SCHEMA, CONFIG_SCHEMA):
        spark.sql(f"create database if not exists {schema}")
    for name, contract in defs.inputs.items():
        read = validated.files.get(name)
        if read is not None and read.in_duckdb:  # a large Parquet file: Spark reads it itself
            frame = spark.read.parquet(str(read.path))
            frame.write.mode("overwrite").saveAsTable(f"{RAW_SCHEMA}.{name}")
            continue
        register(RAW_SCHEMA, name, validated.frames.get(name, empty_frame(contract)))
    for name in defs.seeds:
        register(SEED_SCHEMA, name, validated.frames[name])
    register(CONFIG_SCHEMA, "params", config_params(settings))
    for name in defs.project.order():
        (sql,) = sqlglot.transpile(defs.project.models[name].sql, read="duckdb", write="spark")
        try:
            spark.sql(f"create or replace temporary view {name} as {sql}")
        except Exception as exc:
            raise SystemExit(f"{name}: Spark rejects the transpiled model: {exc}") from exc
    found = {}
    for mart in marts:
        try:
            found[mart] = pl.from_pandas(spark.table(mart).toPandas())
        except Exception as exc:
            raise SystemExit(f"{mart}: Spark cannot compute it: {exc}") from exc
    spark.stop()
    return found


def compare(name: str, duck: pl.DataFrame, spark: pl.DataFrame) -> list[str]:
    """Row by row, both sorted on every column that is not a float (floats to 1e-9)."""
    problems = []
    if duck.height != spark.height:
        problems.append(f"{name}: {duck.height} rows in DuckDB, {spark.height} in Spark")
    key = [c for c, dtype in duck.schema.items() if not dtype.is_float()]
    a, b = duck.sort(key, nulls_last=True), spark.select(duck.columns).sort(key, nulls_last=True)
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
    parser.add_argument("files", type=Path, nargs="*")
    parser.add_argument("--work", type=Path, default=Path(tempfile.mkdtemp(prefix="kpi-spark-")))
    args = parser.parse_args()
    data = args.work / "data"
    prepare_data(args.files, data)
    settings = load_settings(None, data=data, out=args.work / "out")
    result = run(settings)
    if result.error is not None:
        sys.exit(f"kpi run failed: {result.error}")
    indicators = args.work / "out" / "indicators"
    sql_marts = set(Definitions.load(settings).project.models)
    marts = sorted(p.stem for p in indicators.glob("*.parquet") if p.stem in sql_marts)
    spark = spark_marts(settings, args.work, marts)
    problems = []
    for mart in marts:
        duck = pl.read_parquet(indicators / f"{mart}.parquet")
        problems += compare(mart, duck, spark[mart])
        print(f"{mart}: {duck.height} rows in DuckDB, {spark[mart].height} in Spark")
    print("\n".join(problems) if problems else f"all {len(marts)} Spark marts equal DuckDB's")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
