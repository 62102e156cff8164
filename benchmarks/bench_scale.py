"""Benchmark `kpi run` at scale against two baselines (pandas, one DuckDB query); writes a table.

Usage: python benchmarks/bench_scale.py [--papers 1000000 10000000] [--work DIR] [--results FILE]

For each size the seeded set of `kpi synth` is generated once (kept in --work), then three
processes run one after another, each timed from process start to exit with its peak RSS
(os.wait4): the engine (`kpi run`: read, validate, all SQL models, audits, targets, export),
the pandas baseline and the hand-tuned DuckDB query (benchmarks/baselines.py). The engine's
phases come from its progress messages. Results are appended as JSON lines to --results, and
the Markdown table for BENCHMARKS.md is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in GiB, stdout) of one child process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        text = stdout.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{text[-3000:]}")
    return wall, usage.ru_maxrss / 2**20, text


def child_engine(data: Path, out: Path) -> None:
    """Run the pipeline in this process and print each phase's seconds as JSON."""
    from kpi.config import load_settings
    from kpi.pipeline import run

    marks: list[tuple[str, float]] = []
    result = run(
        load_settings(None, data=data, out=out),
        progress=lambda msg: marks.append((msg.split(" from ")[0], time.perf_counter())),
    )
    if result.error is not None:
        raise SystemExit(f"run failed: {result.error}")
    end = time.perf_counter()
    phases = {name: round(t1 - t0, 2) for (name, t0), (_, t1) in
              zip(marks, [*marks[1:], ("end", end)], strict=True)}  # fmt: skip
    print("PHASES " + json.dumps(phases))


def count_rows(data: Path) -> tuple[int, int]:
    import duckdb

    return tuple(
        duckdb.sql(f"select count(*) from '{data}/{t}.parquet'").fetchall()[0][0]
        for t in ("papers", "affiliations")
    )


def measure(papers: int, work: Path, seed: int, only: list[str] | None = None) -> dict:
    data = work / f"papers_{papers}"
    if not (data / "affiliations.parquet").is_file():
        from kpi.synth_large import write_large

        write_large(data, papers, seed)
    n_papers, n_affiliations = count_rows(data)
    row: dict = {"papers": n_papers, "affiliations": n_affiliations, "seed": seed}
    # engine options given as KPI_ENGINE__* variables reach the child and are recorded
    row["env"] = {k: v for k, v in os.environ.items() if k.startswith("KPI_ENGINE__")}
    python = sys.executable
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    for name, command in [
        ("engine", [python, __file__, "--child-engine", str(data), str(out / "engine")]),
        ("duckdb", [python, str(HERE / "baselines.py"), "duckdb", str(data), str(out / "d.pq")]),
        ("pandas", [python, str(HERE / "baselines.py"), "pandas", str(data), str(out / "p.pq")]),
    ]:
        if only and name not in only:
            continue
        out.mkdir(parents=True, exist_ok=True)
        wall, rss, text = timed(command)
        row[name] = {"seconds": round(wall, 2), "peak_rss_gib": round(rss, 2)}
        if name == "engine":
            line = next(x for x in text.splitlines() if x.startswith("PHASES "))
            row[name]["phases"] = json.loads(line.removeprefix("PHASES "))
        print(f"{n_papers:,} papers: {name} {wall:.1f} s, {rss:.2f} GiB", flush=True)
    return row


def table(rows: list[dict]) -> str:
    lines = [
        "| papers | affiliations | engine s | engine GiB | validation share | rows/s | "
        "floor s | floor GiB | pandas s | pandas GiB | engine/floor | pandas/floor | "
        "engine/pandas |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        e, d, p = r["engine"], r["duckdb"], r["pandas"]
        validation = e["phases"].get("reading inputs", 0) / e["seconds"]
        rate = (r["papers"] + r["affiliations"]) / e["seconds"]
        lines.append(
            f"| {r['papers']:,} | {r['affiliations']:,} | {e['seconds']:.1f} | "
            f"{e['peak_rss_gib']:.2f} | {validation:.0%} | {rate:,.0f} | {d['seconds']:.1f} | "
            f"{d['peak_rss_gib']:.2f} | {p['seconds']:.1f} | {p['peak_rss_gib']:.2f} | "
            f"{e['seconds'] / d['seconds']:.2f} | {p['seconds'] / d['seconds']:.2f} | "
            f"{e['seconds'] / p['seconds']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child-engine":
        child_engine(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kpi-bench")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--results", type=Path, default=HERE / "results_scale.jsonl")
    parser.add_argument("--only", nargs="+", choices=["engine", "duckdb", "pandas"])
    args = parser.parse_args()
    rows = []
    for papers in args.papers:
        row = measure(papers, args.work, args.seed, args.only)
        row["machine"] = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        with args.results.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
        rows.append(row)
    if not args.only:
        print(table(rows))


if __name__ == "__main__":
    main()
