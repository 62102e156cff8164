"""Benchmark `kpi run` at scale against two baselines (pandas, one DuckDB query); writes tables.

Usage: python benchmarks/bench_scale.py [--papers 1000000 10000000] [--work DIR] [--results FILE]
       [--only engine engine_whole duckdb_full pandas_full duckdb pandas] [--cap-gib 22]
       [--repeat 3]

For each size the seeded set of `kpi synth` is generated once (kept in --work), then these
processes run one after another, each timed from process start to exit with its peak RSS
(os.wait4):
- engine: `kpi run` as shipped (read, validate, all SQL models, audits, targets, export);
- engine_whole: the same run configured for the floor's table only (whole counting; both
  Top10% methods, the per-paper mart, audits and export still run);
- duckdb_full, pandas_full: the hand-tuned single query (the floor) and the pandas version of
  the engine's whole table, every number of `top10_coauthorship` under both countings;
- duckdb, pandas: the same for the whole-counting numbers only (benchmarks/baselines.py).
--cap-gib stops a pandas baseline once its resident memory passes the cap (polled every
0.1 s), so where it needs more memory than the machine has it is recorded as failed instead of
bringing the machine down (the engine is bounded by [engine] memory_limit instead). A failed
child is recorded with its error, not raised. The engine's phases come from its progress
messages. With --repeat N every variant runs N times, round-robin, and the run of median wall
time is kept (every run's seconds and peak memory beside it). Results are appended as JSON lines
to --results; the Markdown table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _rss_gib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 2**20


def timed(
    command: list[str], env: dict, cap_gib: float | None, timeout_s: float | None = None
) -> dict:
    """Wall seconds, peak RSS (GiB) and output of one child process; its exit status too."""
    start = time.perf_counter()
    stopped = threading.Event()
    with tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.STDOUT, env=env)

        def watch() -> None:
            while process.returncode is None and not stopped.wait(0.1):
                over_memory = cap_gib and _rss_gib(process.pid) > cap_gib
                over_time = timeout_s and time.perf_counter() - start > timeout_s
                if over_memory or over_time:
                    os.kill(process.pid, signal.SIGKILL)
                    return

        if cap_gib or timeout_s:
            threading.Thread(target=watch, daemon=True).start()
        _, status, usage = os.wait4(process.pid, 0)
        stopped.set()
        wall = time.perf_counter() - start
        stdout.seek(0)
        text = stdout.read().decode("utf-8", "replace")
    result = {"seconds": round(wall, 2), "peak_rss_gib": round(usage.ru_maxrss / 2**20, 2)}
    code = os.waitstatus_to_exitcode(status)
    if code == -signal.SIGKILL and timeout_s and wall > timeout_s:
        result["failed"] = f"stopped after {timeout_s:.0f} s (--timeout-s)"
    elif code == -signal.SIGKILL and cap_gib:
        result["failed"] = f"stopped: resident memory passed {cap_gib} GiB"
    elif code != 0:
        last = [line for line in text.splitlines() if line.strip()][-1:] or [""]
        result["failed"] = f"exit {code}: {last[0][:300]}"
    return result | {"output": text}


def child_engine(data: Path, out: Path) -> None:
    """Run the pipeline in this process; print each phase as it starts (so a run stopped by
    --timeout-s still says how far it got) and every phase's seconds as JSON at the end."""
    from kpi.config import load_settings
    from kpi.pipeline import run

    marks: list[tuple[str, float]] = []

    def progress(message: str) -> None:
        marks.append((message.split(" from ")[0], time.perf_counter()))
        print(f"PHASE {marks[-1][0]} {marks[-1][1]:.2f}", flush=True)

    result = run(load_settings(None, data=data, out=out), progress=progress)
    if result.error is not None:
        raise SystemExit(f"run failed: {result.error}")
    print("PHASES " + json.dumps(phase_seconds(marks, time.perf_counter())))


def phase_seconds(marks: list[tuple[str, float]], end: float) -> dict[str, float]:
    return {name: round(t1 - t0, 2) for (name, t0), (_, t1) in
            zip(marks, [*marks[1:], ("end", end)], strict=True)}  # fmt: skip


def phases_reached(text: str, seconds: float) -> dict[str, float]:
    """Phases of a run that did not finish, from its PHASE lines (the last one unfinished)."""
    marks = []
    for line in text.splitlines():
        if line.startswith("PHASE "):
            name, at = line.removeprefix("PHASE ").rsplit(" ", 1)
            marks.append((name, float(at)))
    if not marks:
        return {}
    return phase_seconds(marks, marks[0][1] + seconds)


def count_rows(data: Path) -> tuple[int, int]:
    import duckdb

    return tuple(
        duckdb.sql(f"select count(*) from '{data}/{t}.parquet'").fetchall()[0][0]
        for t in ("papers", "affiliations")
    )


VARIANTS = {"engine": {}, "engine_whole": {"KPI_TOP10__COUNTING": '["whole"]'}}
BASELINES = ("duckdb_full", "pandas_full", "duckdb", "pandas")


def measure(
    papers: int,
    work: Path,
    seed: int,
    only: list[str] | None,
    cap_gib: float | None,
    timeout_s: float | None = None,
    repeat: int = 1,
) -> dict:
    data = work / f"papers_{papers}"
    if not (data / "affiliations.parquet").is_file():
        from kpi.synth_large import write_large

        write_large(data, papers, seed)
    n_papers, n_affiliations = count_rows(data)
    row: dict = {"papers": n_papers, "affiliations": n_affiliations, "seed": seed}
    # engine options given as KPI_* variables reach the child and are recorded
    row["env"] = {k: v for k, v in os.environ.items() if k.startswith("KPI_")}
    row["cap_gib"] = cap_gib
    python = sys.executable
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    engine = [python, __file__, "--child-engine", str(data)]
    baselines = [python, str(HERE / "baselines.py")]
    variants = [
        (name, command)
        for name, command in [
            ("engine", [*engine, str(out / "engine")]),
            ("engine_whole", [*engine, str(out / "engine_whole")]),
            *((b, [*baselines, b, str(data), str(out / f"{b}.parquet")]) for b in BASELINES),
        ]
        if not only or name in only
    ]
    runs: dict[str, list[dict]] = {name: [] for name, _ in variants}
    # round-robin, so a slow spell of the machine falls on every variant alike
    for attempt in range(1, repeat + 1):
        for name, command in variants:
            out.mkdir(parents=True, exist_ok=True)
            env = {**os.environ, **VARIANTS.get(name, {})}
            cap = cap_gib if name.startswith("pandas") else None
            result = timed(command, env, cap, timeout_s)
            text = result.pop("output")
            if name.startswith("engine") and "failed" not in result:
                line = next(x for x in text.splitlines() if x.startswith("PHASES "))
                result["phases"] = json.loads(line.removeprefix("PHASES "))
            elif name.startswith("engine"):
                result["phases_reached"] = phases_reached(text, result["seconds"])
            runs[name].append(result)
            state = result.get("failed", "ok")
            print(f"{n_papers:,} papers: {name} run {attempt} {result['seconds']:.1f} s, "
                  f"{result['peak_rss_gib']:.2f} GiB ({state})", flush=True)  # fmt: skip
    for name, results in runs.items():
        row[name] = median_run(results)
    return row


def median_run(results: list[dict]) -> dict:
    """The run of median wall time (the lower one of an even count), with every run's seconds
    and peak memory beside it; a variant that failed once is recorded as failed."""
    failed = [r for r in results if "failed" in r]
    chosen = (
        failed[0]
        if failed
        else sorted(results, key=lambda r: r["seconds"])[(len(results) - 1) // 2]
    )
    return chosen | {
        "runs": [r["seconds"] for r in results],
        "peak_rss_runs": [r["peak_rss_gib"] for r in results],
    }


def _cell(result: dict | None, key: str) -> str:
    if result is None:
        return "–"
    if "failed" in result:
        return "failed"
    return f"{result[key]:.1f}" if key == "seconds" else f"{result[key]:.2f}"


def _ratio(a: dict | None, b: dict | None) -> str:
    if not a or not b or "failed" in a or "failed" in b:
        return "–"
    return f"{a['seconds'] / b['seconds']:.2f}"


def table(rows: list[dict]) -> str:
    """Two tables: the engine against the baselines of its whole table, then of whole counting."""
    lines = [
        "The whole table (every number of top10_coauthorship, both countings):",
        "",
        "| papers | affiliations | engine s | engine GiB | validation share | rows/s | "
        "floor s | floor GiB | pandas s | pandas GiB | engine/floor | pandas/floor | "
        "engine/pandas |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        e, d, p = (r.get(k) for k in ("engine", "duckdb_full", "pandas_full"))
        validation = rate = "–"
        if e and "failed" not in e:
            validation = f"{e['phases'].get('reading inputs', 0) / e['seconds']:.0%}"
            rate = f"{(r['papers'] + r['affiliations']) / e['seconds']:,.0f}"
        lines.append(
            f"| {r['papers']:,} | {r['affiliations']:,} | {_cell(e, 'seconds')} | "
            f"{_cell(e, 'peak_rss_gib')} | {validation} | {rate} | "
            f"{_cell(d, 'seconds')} | {_cell(d, 'peak_rss_gib')} | {_cell(p, 'seconds')} | "
            f"{_cell(p, 'peak_rss_gib')} | {_ratio(e, d)} | {_ratio(p, d)} | {_ratio(e, p)} |"
        )
    lines += [
        "",
        "Whole counting only (the engine configured with counting = [whole]):",
        "",
        "| papers | engine s | engine GiB | floor s | floor GiB | pandas s | pandas GiB | "
        "engine/floor | pandas/floor | engine/pandas |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        w, d, p = (r.get(k) for k in ("engine_whole", "duckdb", "pandas"))
        lines.append(
            f"| {r['papers']:,} | {_cell(w, 'seconds')} | {_cell(w, 'peak_rss_gib')} | "
            f"{_cell(d, 'seconds')} | {_cell(d, 'peak_rss_gib')} | {_cell(p, 'seconds')} | "
            f"{_cell(p, 'peak_rss_gib')} | {_ratio(w, d)} | {_ratio(p, d)} | {_ratio(w, p)} |"
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
    parser.add_argument("--only", nargs="+", choices=["engine", "engine_whole", *BASELINES])
    parser.add_argument("--cap-gib", type=float, help="resident-memory cap for pandas (GiB)")
    parser.add_argument("--timeout-s", type=float, help="stop any child after this long")
    parser.add_argument("--repeat", type=int, default=1, help="runs per variant (median kept)")
    args = parser.parse_args()
    rows = []
    for papers in args.papers:
        row = measure(
            papers, args.work, args.seed, args.only, args.cap_gib, args.timeout_s, args.repeat
        )
        row["machine"] = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        with args.results.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
        rows.append(row)
    print(table(rows))


if __name__ == "__main__":
    main()
