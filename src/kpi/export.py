"""Write marts to Parquet, sorted, with their definitions as key-value metadata."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from kpi.contracts import Contract


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def table_metadata(contract: Contract, extra: dict[str, str]) -> dict[str, str]:
    """The definitions an auditor needs with the file: labels, unit, definition, source, run."""
    columns = {
        name: {
            "label_ja": col.description.ja,
            "label_en": col.description.en,
            "unit": col.unit,
            "definition_ja": col.definition.ja if col.definition else None,
            "definition_en": col.definition.en if col.definition else None,
        }
        for name, col in contract.columns.items()
    }
    meta = {
        "kpi.table": contract.dataset,
        "kpi.title_ja": contract.title.ja,
        "kpi.title_en": contract.title.en,
        "kpi.unit": contract.unit or "",
        "kpi.definition_ja": contract.description.ja if contract.description else "",
        "kpi.definition_en": contract.description.en if contract.description else "",
        "kpi.source": contract.source or "",
        "kpi.columns": json.dumps(columns, ensure_ascii=False, sort_keys=True),
    }
    meta.update(extra)
    return meta


def write_parquet(
    con: duckdb.DuckDBPyConnection,
    table: str,
    contract: Contract,
    path: Path,
    extra: dict[str, str],
) -> None:
    """COPY the table in a total order so identical inputs give byte-identical files."""
    order = contract.sort or contract.key or list(contract.columns)
    columns = ", ".join(f'"{c}"' for c in contract.columns)
    order_by = ", ".join(f'"{c}" nulls first' for c in order)
    kv = ", ".join(
        f"{_literal(k)}: {_literal(v)}" for k, v in table_metadata(contract, extra).items()
    )
    con.execute(
        f'copy (select {columns} from "{table}" order by {order_by}) to {_literal(str(path))} '
        f"(format parquet, compression zstd, kv_metadata {{{kv}}})"
    )


def read_metadata(path: Path) -> dict[str, str]:
    rows = duckdb.sql(
        f"select decode(key), decode(value) from parquet_kv_metadata({_literal(str(path))})"
    ).fetchall()
    return dict(rows)
