"""Benchmark `kpi run` at scale against two baselines (pandas, one DuckDB query); writes tables.

Usage: python benchmarks/bench_scale.py [--papers 1000000 10000000] [--work DIR] [--results FILE]
       [--only engine engine_whole duckdb_full pandas_full duckdb pandas] [--cap-gib 22]
       [--repeat 3] [--seed 7] [--timeout-s S]

For each size the seeded set of `kpi synth` is generated once, by `kpi synth` in a process of its
own, and kept in --work: papers_N for the default seed 7, papers_N_seed_S for another; a folder
whose files (their `kpi_seed` metadata) hold another seed is refused. Then these processes run
one after another, each timed from process start to exit with its own peak resident memory
(VmHWM, printed by the child at exit, see `reporting_peak`):
- engine: `kpi run` as shipped (read, validate, all SQL models, audits, targets, export);
- engine_whole: the same run configured for the floor's table only (whole counting; both
  Top10% methods, the per-paper mart, audits and export still run);
- duckdb_full, pandas_full: the hand-tuned single query (the floor) and the pandas version of
  the engine's whole table, every number of `top10_coauthorship` under both countings;
- duckdb, pandas: the same for the whole-counting numbers only (benchmarks/baselines.py).
--cap-gib stops a pandas baseline once its resident memory passes the cap (polled every
0.1 s), so where it needs more memory than the machine has it is recorded as failed instead of
bringing the machine down (the engine is bounded by [engine] memory_limit instead). A failed
child is recorded with its error, not raised. A child stopped by --timeout-s or the cap gets
SIGKILL, so the `[engine] storage = "disk"` database it had open (.kpi-models-*) is deleted
here and listed in its record (removed_model_dirs). The engine's phases come from its progress
marks: start-up (launch to the first mark), then each phase (phases; phases_reached for a run
that did not finish). With --repeat N every variant runs N times, round-robin, and the run of
median wall time is kept (every run's seconds and peak memory beside it). Results are appended
as JSON lines to --results; the Markdown table is printed.
"""

from __future__ import annotations

# Only the standard library at module level: this file is also the measured children's entry
# point (--child-engine, --child-script), and what it imports would count in their memory.
import argparse
import contextlib
import json
import os
import platform
import runpy
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SEED = 7  # kpi synth's default (kpi.synth_large.DEFAULT_SEED), the sets on disk
PEAK_MARK = "PEAK_RSS_KIB "
END_MARK = "RUN_END "
MODELS_PREFIX = ".kpi-models-"  # kpi.pipeline.model_database's directory for storage = "disk"


def clock() -> float:
    """CLOCK_MONOTONIC, which is system-wide: the parent's launch and exit times and the
    engine child's phase marks are on one clock."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def status_kib(pid: int | str, *fields: str) -> dict[str, int]:
    """Fields of /proc/PID/status, in KiB; empty once the process has exited."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    pairs = (line.split(":", 1) for line in lines)
    return {k: int(v.split()[0]) for k, v in pairs if k in fields}


@contextlib.contextmanager
def reporting_peak():
    """Print this process's own peak resident memory when it ends (even by an error).

    VmHWM is the high-water mark of the address space this process got at exec. os.wait4's
    ru_maxrss is not the child's own: Linux starts it at the mark of the address space it had
    before exec, the parent's (fork or vfork), so after the parent once touched 800 MiB,
    /bin/true was reported at 0.79 GiB. RUSAGE_SELF inherits the same, so the child reads
    /proc/self/status."""
    try:
        yield
    finally:
        print(f"{PEAK_MARK}{status_kib('self', 'VmHWM').get('VmHWM', 0)}", flush=True)


def open_model_dirs(pid: int) -> set[Path]:
    """The storage = "disk" model directories (.kpi-models-*) that a process has files open in."""
    found = set()
    with contextlib.suppress(OSError):
        for fd in os.scandir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                path = Path(os.readlink(fd.path))
                found |= {p for p in path.parents if p.name.startswith(MODELS_PREFIX)}
    return found


class Watch:
    """Polls a running child every 0.1 s: its peak memory so far (for a child that cannot say
    at exit: stopped or crashed), the model directories it has open (a killed child's finally
    never deletes them; the open files tell its own apart from another run's in the same temp
    directory) and, past --cap-gib or --timeout-s, stops it with SIGKILL."""

    def __init__(self, pid: int, launched: float, cap_gib: float | None, timeout_s: float | None):
        self.pid, self.launched, self.cap_gib, self.timeout_s = pid, launched, cap_gib, timeout_s
        self.peak_kib = 0
        self.model_dirs: set[Path] = set()
        self.stopped: str | None = None  # why it was stopped
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._poll() and not self._done.wait(0.1):
            pass

    def _poll(self) -> bool:
        status = status_kib(self.pid, "VmRSS", "VmHWM")
        if "VmHWM" not in status:  # exited
            return False
        self.peak_kib = max(self.peak_kib, status["VmHWM"])
        self.model_dirs |= open_model_dirs(self.pid)
        if self.cap_gib and status["VmRSS"] > self.cap_gib * 2**20:
            self.stopped = f"stopped: resident memory passed {self.cap_gib} GiB"
        elif self.timeout_s and clock() - self.launched > self.timeout_s:
            self.stopped = f"stopped after {self.timeout_s:g} s (--timeout-s)"
        else:
            return True
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            os.kill(self.pid, signal.SIGKILL)
        return False

    def finish(self) -> None:
        self._done.set()
        self._thread.join()


def remove_model_dirs(dirs: set[Path]) -> list[str]:
    """Delete the model directories a killed child left behind; the ones deleted."""
    left = sorted(str(d) for d in dirs if d.is_dir())
    for directory in left:
        shutil.rmtree(directory, ignore_errors=True)
    return left


def timed(
    command: list[str], env: dict, cap_gib: float | None, timeout_s: float | None = None
) -> dict:
    """Wall seconds, peak RSS (GiB) and exit status of one child process, with its output and
    its launch and exit times on clock() (output, launched, ended: for the caller to pop).

    The peak is the child's own VmHWM: the value it printed at exit (children run through
    --child-engine or --child-script do), else the last one polled while it ran (a child that
    was stopped or crashed), else None. Never os.wait4's ru_maxrss, see `reporting_peak`."""
    with tempfile.TemporaryFile() as stdout:
        launched = clock()
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.STDOUT, env=env)
        watch = Watch(process.pid, launched, cap_gib, timeout_s)
        code = process.wait()
        ended = clock()
        watch.finish()
        stdout.seek(0)
        text = stdout.read().decode("utf-8", "replace")
    lines = text.splitlines()
    reported = [int(x.removeprefix(PEAK_MARK)) for x in lines if x.startswith(PEAK_MARK)]
    peak_kib = reported[-1] if reported else watch.peak_kib
    result = {
        "seconds": round(ended - launched, 2),
        "peak_rss_gib": round(peak_kib / 2**20, 2) if peak_kib else None,
    }
    if watch.stopped:
        result["failed"] = watch.stopped
    elif code != 0:
        last = [x for x in lines if x.strip() and not x.startswith(PEAK_MARK)][-1:] or [""]
        result["failed"] = f"exit {code}: {last[0][:300]}"
    if code < 0:  # killed: by the watch, or e.g. by the kernel's out-of-memory killer
        result["removed_model_dirs"] = remove_model_dirs(watch.model_dirs)
    return result | {"output": text, "launched": launched, "ended": ended}


def child_engine(data: str, out: str) -> None:
    """Run the pipeline in this process, printing a mark (clock()) as each phase starts, so a
    run stopped by --timeout-s still says how far it got, and one when the run ends."""
    from kpi.config import load_settings
    from kpi.pipeline import run

    def progress(message: str) -> None:
        print(f"PHASE {message.split(' from ')[0]} {clock():.3f}", flush=True)

    result = run(load_settings(None, data=Path(data), out=Path(out)), progress=progress)
    if result.error is not None:
        raise SystemExit(f"run failed: {result.error}")
    print(f"{END_MARK}{clock():.3f}", flush=True)


def child_script(script: str, *args: str) -> None:
    """Run a Python script (a baseline) as __main__ in this process, so that `reporting_peak`
    measures it as the engine child is measured."""
    sys.argv = [script, *args]
    runpy.run_path(script, run_name="__main__")


CHILDREN = {"--child-engine": child_engine, "--child-script": child_script}


def phase_seconds(marks: list[tuple[str, float]], end: float) -> dict[str, float]:
    return {name: round(t1 - t0, 2) for (name, t0), (_, t1) in
            zip(marks, [*marks[1:], ("end", end)], strict=True)}  # fmt: skip


def engine_phases(text: str, launched: float, ended: float) -> dict[str, float]:
    """An engine child's phases from its marks: start-up (launch to the first mark: interpreter,
    imports), then each phase from its mark to the next; the last one to the run's end mark,
    or, for a run that did not finish, to the child's exit (when it was stopped)."""
    marks = []
    for line in text.splitlines():
        if line.startswith("PHASE "):
            name, at = line.removeprefix("PHASE ").rsplit(" ", 1)
            marks.append((name, float(at)))
        elif line.startswith(END_MARK):
            ended = float(line.removeprefix(END_MARK))
    if not marks:
        return {}
    return {"start-up": round(marks[0][1] - launched, 2), **phase_seconds(marks, ended)}


def data_folder(work: Path, papers: int, seed: int) -> Path:
    """papers_N for the default seed (the name the sets on disk have), papers_N_seed_S else."""
    return work / (f"papers_{papers}" if seed == DEFAULT_SEED else f"papers_{papers}_seed_{seed}")


def describe(data: Path) -> dict:
    """Both files' row counts and kpi_seed values, from their Parquet footers."""
    import duckdb

    facts: dict = {"seeds": set()}
    with duckdb.connect() as con:
        for table in ("papers", "affiliations"):
            path = f"{data}/{table}.parquet"
            facts[table] = con.execute(
                f"select num_rows from parquet_file_metadata('{path}')"
            ).fetchone()[0]
            seed = con.execute(
                f"select value::varchar from parquet_kv_metadata('{path}') "
                "where key::varchar = 'kpi_seed'"
            ).fetchone()
            facts["seeds"].add(seed[0] if seed else None)
    return facts


def prepare_data(work: Path, papers: int, seed: int) -> tuple[Path, dict]:
    """The set's folder, generated when missing, and its facts (`describe`). `kpi synth` runs
    in a process of its own, so its memory never adds to this one's. A folder made with another
    seed is refused: the row would record a seed its data do not have."""
    data = data_folder(work, papers, seed)
    if not (data / "affiliations.parquet").is_file():  # written last: a cut-off set is redone
        synth = ["synth", "--out", str(data), "--papers", str(papers), "--seed", str(seed)]
        subprocess.run([sys.executable, "-m", "kpi", *synth], check=True)
    facts = describe(data)
    if facts["seeds"] != {str(seed)}:
        found = ", ".join(sorted(s or "unknown" for s in facts["seeds"]))
        raise SystemExit(
            f"{data} holds data of seed {found} (Parquet metadata kpi_seed), not --seed {seed}: "
            f"move it away (a set of seed S other than {DEFAULT_SEED} belongs in "
            f"papers_{papers}_seed_S) and run again to have seed {seed} generated"
        )
    return data, facts


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
    data, facts = prepare_data(work, papers, seed)
    n_papers, n_affiliations = facts["papers"], facts["affiliations"]
    row: dict = {"papers": n_papers, "affiliations": n_affiliations, "seed": seed}
    # engine options given as KPI_* variables reach the child and are recorded
    row["env"] = {k: v for k, v in os.environ.items() if k.startswith("KPI_")}
    row["cap_gib"] = cap_gib
    python = sys.executable
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    engine = [python, __file__, "--child-engine", str(data)]
    baselines = [python, __file__, "--child-script", str(HERE / "baselines.py")]
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
            text, launched, ended = (result.pop(k) for k in ("output", "launched", "ended"))
            if name.startswith("engine"):
                key = "phases_reached" if "failed" in result else "phases"
                result[key] = engine_phases(text, launched, ended)
            runs[name].append(result)
            state = result.get("failed", "ok")
            removed = result.get("removed_model_dirs")
            state += f", removed {', '.join(removed)}" if removed else ""
            print(f"{n_papers:,} papers: {name} run {attempt} {result['seconds']:.1f} s, "
                  f"{_gib(result['peak_rss_gib'])} GiB ({state})", flush=True)  # fmt: skip
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


def _gib(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _cell(result: dict | None, key: str) -> str:
    if result is None:
        return "–"
    if "failed" in result:
        return "failed"
    return f"{result[key]:.1f}" if key == "seconds" else _gib(result[key])


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
    if len(sys.argv) > 1 and sys.argv[1] in CHILDREN:
        with reporting_peak():
            CHILDREN[sys.argv[1]](*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kpi-bench")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
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
