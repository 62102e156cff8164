"""SQL model runner: parse sql/ with sqlglot, order models by their references, run them, audit."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from kpi.errors import DefinitionError

LAYERS = ("staging", "intermediate", "marts")
RAW_SCHEMA, SEED_SCHEMA, CONFIG_SCHEMA = "raw", "seeds", "config"
_HEADER = re.compile(r"^\s*/\*\s*(?P<text>.+?)\s*\*/")
_AUDIT_HEADER = re.compile(r"^(?P<severity>error|warn)\s*:\s*(?P<text>.+)$", re.IGNORECASE)
# `-- materialized: view|table` on the line right after the header
_MATERIALIZED = re.compile(r"[ \t]*\r?\n[ \t]*--[ \t]*materialized[ \t]*:[ \t]*(?P<kind>\S*)")
MATERIALIZATIONS = ("view", "table")


@dataclass
class Node:
    """A model or an audit: one SQL file and the relations it reads."""

    name: str
    path: Path
    sql: str
    description: str
    layer: str
    materialized: str = "table"  # models only: view or table
    models: set[str] = field(default_factory=set)
    datasets: set[str] = field(default_factory=set)
    seeds: set[str] = field(default_factory=set)
    severity: str | None = None  # audits only


@dataclass
class AuditResult:
    name: str
    severity: str
    description: str
    rows: int
    sample: list[dict]
    skipped: bool = False
    seconds: float | None = None  # wall time of the query (None when skipped)


def _references(path: Path, sql: str) -> tuple[set[str], set[str], set[str]]:
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise DefinitionError(f"{path}: SQL does not parse: {exc}") from exc
    if len([s for s in statements if s is not None]) != 1:
        raise DefinitionError(f"{path}: a model file holds exactly one select statement")
    tree = statements[0]
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    models, datasets, seeds = set(), set(), set()
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # table functions such as range()
        if table.db == RAW_SCHEMA:
            datasets.add(table.name)
        elif table.db == SEED_SCHEMA:
            seeds.add(table.name)
        elif table.db == CONFIG_SCHEMA:
            continue  # run parameters, always present
        elif table.db:
            raise DefinitionError(f"{path}: unknown schema {table.db!r} in {table.sql()}")
        elif table.name not in ctes:
            models.add(table.name)
    return models, datasets, seeds


def _load_node(path: Path, layer: str) -> Node:
    sql = path.read_text(encoding="utf-8")
    header = _HEADER.match(sql)
    if not header:
        raise DefinitionError(f"{path}: the file must start with a one-line /* description */")
    node = Node(path.stem, path, sql, header["text"], layer)
    # staging only renames and casts: a view, so big inputs are not copied once more
    node.materialized = "view" if layer == "staging" else "table"
    directive = _MATERIALIZED.match(sql, header.end())
    if directive:
        if layer == "audits" or directive["kind"] not in MATERIALIZATIONS:
            raise DefinitionError(
                f"{path}: `-- materialized: {directive['kind']}` is not allowed here; "
                f"a model is one of {', '.join(MATERIALIZATIONS)} (audits are neither)"
            )
        node.materialized = directive["kind"]
    if layer == "audits":
        parsed = _AUDIT_HEADER.match(node.description)
        if not parsed:
            raise DefinitionError(
                f"{path}: audit header must be /* error: ... */ or /* warn: ... */"
            )
        node.severity, node.description = parsed["severity"].lower(), parsed["text"]
    node.models, node.datasets, node.seeds = _references(path, sql)
    return node


@dataclass
class Project:
    """Every model, audit and seed under one sql/ directory, with the dependency graph checked."""

    root: Path
    models: dict[str, Node]
    audits: dict[str, Node]
    seeds: dict[str, Path]

    @classmethod
    def load(cls, root: Path) -> Project:
        models: dict[str, Node] = {}
        for layer in LAYERS:
            for path in sorted((root / layer).glob("*.sql")):
                if path.stem in models:
                    raise DefinitionError(
                        f"model {path.stem!r} defined twice: {models[path.stem].path} and {path}"
                    )
                models[path.stem] = _load_node(path, layer)
        audits = {p.stem: _load_node(p, "audits") for p in sorted((root / "audits").glob("*.sql"))}
        seeds = {p.stem: p for p in sorted((root / "seeds").glob("*.csv"))}
        project = cls(root, models, audits, seeds)
        project._check_references()
        project.order()
        return project

    def _check_references(self) -> None:
        for node in [*self.models.values(), *self.audits.values()]:
            for name in sorted(node.models - self.models.keys()):
                raise DefinitionError(
                    f"{node.path}: references {name!r}, which is no model in {self.root}"
                )
            for name in sorted(node.seeds - self.seeds.keys()):
                raise DefinitionError(
                    f"{node.path}: references seed {name!r}, not in {self.root / 'seeds'}"
                )

    def order(self) -> list[str]:
        """Models in dependency order (ties by name, so the order is stable)."""
        sorter = TopologicalSorter({n: sorted(m.models) for n, m in sorted(self.models.items())})
        try:
            return list(sorter.static_order())
        except CycleError as exc:
            cycle = exc.args[1]
            files = " -> ".join(str(self.models[n].path) for n in cycle)
            raise DefinitionError(f"models reference each other in a cycle: {files}") from exc

    def upstream(self, name: str) -> set[str]:
        """All models that `name` (a model or an audit) reads, directly or not."""
        node = self.models.get(name) or self.audits[name]
        seen: set[str] = set()
        stack = list(node.models)
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.models[current].models)
        return seen

    def lineage(self, name: str) -> dict[str, list[str]]:
        node = self.models.get(name) or self.audits[name]
        ups = self.upstream(name)
        nodes = [node, *(self.models[m] for m in ups)]
        return {
            "models": sorted(ups),
            "datasets": sorted({d for n in nodes for d in n.datasets}),
            "seeds": sorted({s for n in nodes for s in n.seeds}),
            "files": sorted(str(n.path.relative_to(self.root.parent)) for n in nodes),
        }

    def marts(self) -> list[str]:
        return sorted(n for n, m in self.models.items() if m.layer == "marts")

    def runnable(self, name: str, present: set[str]) -> bool:
        """A model whose inputs are all absent is skipped (e.g. no paper-level data given)."""
        datasets = set(self.lineage(name)["datasets"])
        return not datasets or bool(datasets & present)


def run_models(
    con: duckdb.DuckDBPyConnection,
    project: Project,
    present: set[str],
    seconds: dict[str, float] | None = None,
) -> list[str]:
    """Create each runnable model, and everything it reads, in dependency order; `seconds`
    gets each one's wall time (a view's is its definition only: it runs where it is read).

    A model is a table unless it says `-- materialized: view` below its header (staging
    models are views unless they say `table`): a view suits a big relation each consumer
    reads only a few columns of, once.
    """
    needed = {name for name in project.models if project.runnable(name, present)}
    needed |= {up for name in needed for up in project.upstream(name)}
    built: list[str] = []
    for name in project.order():
        if name not in needed:
            continue
        model = project.models[name]
        started = time.perf_counter()
        try:
            con.execute(f'create or replace {model.materialized} "{name}" as {model.sql}')
        except duckdb.Error as exc:
            raise DefinitionError(f"{model.path}: {type(exc).__name__}: {exc}") from exc
        if seconds is not None:
            seconds[name] = round(time.perf_counter() - started, 3)
        built.append(name)
    return built


def run_audits(
    con: duckdb.DuckDBPyConnection, project: Project, built: set[str], sample_rows: int = 20
) -> list[AuditResult]:
    """Run every audit whose models were built; each returns the rows that break its rule."""
    results = []
    for name, audit in sorted(project.audits.items()):
        if not project.upstream(name) <= built:
            results.append(AuditResult(name, audit.severity, audit.description, 0, [], True))
            continue
        started = time.perf_counter()
        try:
            # run the query once: its rows are counted and sampled from a temporary table;
            # the sample is ordered here, so it is the same whatever order the rows were kept in
            con.execute(f"create or replace temp table _audit_rows as {audit.sql}")
            count = con.execute("select count(*) from _audit_rows").fetchall()[0][0]
            cursor = con.execute(f"select * from _audit_rows order by all limit {sample_rows}")
            columns = [d[0] for d in cursor.description]
            sample = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
            con.execute("drop table _audit_rows")
        except duckdb.Error as exc:
            raise DefinitionError(f"{audit.path}: {type(exc).__name__}: {exc}") from exc
        seconds = round(time.perf_counter() - started, 3)
        results.append(
            AuditResult(name, audit.severity, audit.description, count, sample, seconds=seconds)
        )
    return results
