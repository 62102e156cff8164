"""Benchmark `kpi run` phases on simple generated paper-level data (repeated runs, medians).

Usage: python benchmarks/bench_run.py [--papers 100000 1000000] [--repeat 3] [--results FILE]

For the scale benchmark with baselines and peak memory see bench_scale.py and BENCHMARKS.md.

The data are generated in DuckDB (seeded), not in Python loops, so generating a million papers
takes seconds. Timings are wall-clock medians of whole pipeline runs (read, validate, SQL models,
audits, export), with the time of each phase from the pipeline's progress messages.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from kpi.config import load_settings
from kpi.manifest import package_versions
from kpi.pipeline import run

COUNTRIES = ["JPN", "USA", "CHN", "DEU", "GBR", "FRA", "KOR", "ITA", "CAN", "AUS", "IND", "ESP"]
FIELDS = ["Chemistry", "Physics", "Clinical Medicine", "Engineering", "Computer Science",
          "Biology", "Materials Science", "Mathematics"]  # fmt: skip


def generate(directory: Path, papers: int, seed: float = 0.42) -> None:
    """papers.parquet and affiliations.parquet with 1-4 addresses per paper."""
    con = duckdb.connect()
    con.execute(f"select setseed({seed})")
    countries = "[" + ", ".join(f"'{c}'" for c in COUNTRIES) + "]"
    fields = "[" + ", ".join(f"'{f}'" for f in FIELDS) + "]"
    con.execute(f"""
        create table papers as
        select
            'P' || lpad(i::varchar, 9, '0')                                as paper_id,
            (2010 + (i % 14))::integer                                     as pub_year,
            {fields}[1 + (hash(i, 'f') % {len(FIELDS)})::integer]::varchar  as field,
            (case when i % 17 = 0 then 'review' when i % 29 = 0 then 'letter'
                  else 'article' end)::varchar                             as doc_type,
            floor(exp(random() * 5) - 1)::bigint                           as citations,
            'benchmark'::varchar                                           as source
        from range({papers}) t(i)
    """)
    con.execute(f"""
        create table affiliations as
        with addresses as (
            select paper_id, unnest(range(1, 2 + (hash(paper_id) % 4)::integer)) as address_seq
            from papers
            where hash(paper_id, 'none') % 50 != 0  -- 2% of papers have no address
        )
        select
            paper_id,
            address_seq::integer                                              as address_seq,
            address_seq::integer                                              as author_seq,
            ('Author ' || address_seq)::varchar                               as author,
            ('Univ ' || (hash(paper_id, address_seq) % 5000))::varchar        as institution,
            {countries}[1 + (hash(paper_id, address_seq, 'c') % {len(COUNTRIES)})::integer]::varchar
                                                                              as country,
            'synthetic'::varchar                                              as country_raw
        from addresses
    """)
    for table in ("papers", "affiliations"):
        con.execute(f"copy {table} to '{directory / table}.parquet' (format parquet)")


def timed_run(data: Path, out: Path) -> tuple[float, dict[str, float]]:
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    result = run(
        load_settings(None, data=data, out=out),
        progress=lambda msg: marks.append((msg, time.perf_counter())),
    )
    total = time.perf_counter() - start
    if result.error is not None:
        raise SystemExit(f"benchmark run failed: {result.error}")
    phases = {}
    for (name, t0), (_, t1) in zip(marks, [*marks[1:], ("end", start + total)], strict=True):
        phases[name.split(" from ")[0]] = t1 - t0
    return total, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--results", type=Path, help="also write the table here (Markdown)")
    args = parser.parse_args()
    rows = []
    for papers in args.papers:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            data.mkdir()
            t0 = time.perf_counter()
            generate(data, papers)
            generated = time.perf_counter() - t0
            affiliations = duckdb.sql(
                f"select count(*) from '{data}/affiliations.parquet'"
            ).fetchall()[0][0]
            runs = [timed_run(data, Path(tmp) / f"out{i}") for i in range(args.repeat)]
            median = statistics.median(t for t, _ in runs)
            phases = runs[[t for t, _ in runs].index(median)][1] if args.repeat % 2 else runs[0][1]
            rows.append((papers, affiliations, generated, median, phases))
            print(
                f"{papers:>10,} papers {affiliations:>10,} affiliations: {median:7.2f} s  {phases}"
            )
    versions = package_versions()
    lines = [
        "# Benchmark results: `kpi run` on generated paper-level data",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with `python benchmarks/bench_run.py "
        f"--papers {' '.join(map(str, args.papers))} --repeat {args.repeat}` on "
        f"{platform.machine()}, {platform.python_version()}, duckdb {versions['duckdb']}, "
        f"polars {versions['polars']}, pandera {versions['pandera']}.",
        "Median wall-clock seconds of whole runs (read, validate, SQL models, audits, targets,",
        "export) on a data directory holding only papers and affiliations; 2 cores, 24 GiB.",
        "",
        "| papers | affiliations | generate (s) | kpi run (s) | phases (s) |",
        "|---:|---:|---:|---:|---|",
    ]
    for papers, affiliations, generated, median, phases in rows:
        shown = ", ".join(f"{k} {v:.2f}" for k, v in phases.items())
        lines.append(
            f"| {papers:,} | {affiliations:,} | {generated:.1f} | {median:.2f} | {shown} |"
        )
    print("\n".join(lines))
    if args.results:
        args.results.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
