"""Write every SQL model as Spark SQL, in dependency order, for a run on a Spark cluster.

Usage: python benchmarks/spark_transpile.py OUT_DIR [--sql DIR]

Each model becomes OUT_DIR/NNN_<model>.sql holding `CREATE OR REPLACE TEMPORARY VIEW <model> AS
...` (sqlglot, read="duckdb", write="spark"); run them in file-name order in one Spark session
after registering the inputs as tables raw.<dataset>, seeds.<name> and config.params (see the
README, "Beyond one machine"). Marts are then persisted with `CREATE TABLE ... AS SELECT`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import sqlglot

from kpi.resources import resource_dir
from kpi.runner import Project


def transpile(sql_dir: Path, out: Path) -> list[Path]:
    project = Project.load(sql_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for number, name in enumerate(project.order(), start=1):
        model = project.models[name]
        (spark,) = sqlglot.transpile(
            model.sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE
        )
        path = out / f"{number:03d}_{name}.sql"
        path.write_text(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS\n{spark};\n", "utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sql", type=Path, default=resource_dir("sql"))
    args = parser.parse_args()
    for path in transpile(args.sql, args.out):
        print(path)


if __name__ == "__main__":
    main()
