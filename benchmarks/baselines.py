"""Baselines for the Top10% co-authorship table (whole counting, cwts): pandas and one DuckDB query.

Usage: python benchmarks/baselines.py pandas|duckdb DATA_DIR OUT.parquet [--threads N]

Both read DATA_DIR/papers.parquet and affiliations.parquet and write one row per country (and
WLD) x 3-year window x field (each field and ALL) with annual averages of papers, intl_papers,
top10_papers and top10_intl: the numbers of `top10_coauthorship` where counting = 'whole'.
They skip what the engine adds (validation, fractional counting, both methods, audits,
per-paper audit trail, metadata): the pandas one is what a skilled analyst would write, the
DuckDB one is the floor for this engine.

A cell's cwts weight for the papers cited c times in a cell of n papers, with `above` papers
cited more and `at` papers cited exactly c, is clamp((n/10 - above) / at, 0, 1): 1 above the
threshold, the remaining share at it, 0 below.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DOC_TYPES = ("article", "review")
WINDOW_YEARS = 3
TOP_SHARE = 0.10
COLUMNS = ["country", "period_start", "period_end", "years", "field",
           "papers", "intl_papers", "top10_papers", "top10_intl"]  # fmt: skip


def duckdb_query(data: Path) -> str:
    """The whole table as one query, aggregating to (year, field, country) before windows."""
    doc_types = ", ".join(f"'{d}'" for d in DOC_TYPES)
    return f"""
    with papers as (
        select paper_id, pub_year,
               coalesce(nullif(trim(field), ''), 'Unclassified') as field, citations
        from read_parquet('{data}/papers.parquet')
        where lower(trim(doc_type)) in ({doc_types})
    ),
    at_count as (
        select field, pub_year, citations, count(*) as n_at from papers group by all
    ),
    weights as (
        select field, pub_year, citations,
               greatest(0, least(1, ({TOP_SHARE} * sum(n_at) over cell - coalesce(sum(n_at) over (
                   cell order by citations desc rows between unbounded preceding and 1 preceding
               ), 0)) / n_at)) as weight
        from at_count
        window cell as (partition by field, pub_year)
    ),
    paper_countries as (
        select distinct paper_id, country
        from read_parquet('{data}/affiliations.parquet')
        where country is not null
    ),
    located as (
        select paper_id, country, count(*) over (partition by paper_id) >= 2 as intl
        from paper_countries
    ),
    weighted as (
        select papers.paper_id, papers.pub_year, papers.field, weights.weight
        from papers join weights using (field, pub_year, citations)
    ),
    credit as (
        select w.pub_year, w.field, l.country, l.intl, w.weight
        from weighted w join located l using (paper_id)
        union all
        select w.pub_year, w.field, 'WLD', coalesce(i.intl, false), w.weight
        from weighted w
        left join (select distinct paper_id, intl from located) i using (paper_id)
    ),
    by_year as (
        select pub_year, field, country,
               count(*) as papers, count(*) filter (where intl) as intl_papers,
               sum(weight) as top10_papers,
               coalesce(sum(weight) filter (where intl), 0) as top10_intl
        from credit group by all
    ),
    span as (select min(pub_year) as first, max(pub_year) as last from papers),
    windows as (
        select s as period_start, least(s + {WINDOW_YEARS} - 1, last) as period_end,
               least(s + {WINDOW_YEARS} - 1, last) - s + 1 as years
        from span, unnest(range(first, greatest(first, last - {WINDOW_YEARS} + 1) + 1)) t(s)
    ),
    summed as (
        select period_start, period_end, years,
               case when grouping(field) = 1 then 'ALL' else field end as field, country,
               sum(papers) as papers, sum(intl_papers) as intl_papers,
               sum(top10_papers) as top10_papers, sum(top10_intl) as top10_intl
        from by_year join windows on pub_year between period_start and period_end
        group by grouping sets ((period_start, period_end, years, field, country),
                                (period_start, period_end, years, country))
    )
    select country, period_start::integer as period_start, period_end::integer as period_end,
           years::integer as years, field,
           papers / years as papers, intl_papers / years as intl_papers,
           top10_papers / years as top10_papers, top10_intl / years as top10_intl
    from summed
    """


def run_duckdb(data: Path, out: Path, threads: int | None = None) -> None:
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"set threads = {threads}")
    con.execute(f"copy ({duckdb_query(data)}) to '{out}' (format parquet)")


def run_pandas(data: Path, out: Path) -> None:
    import numpy as np
    import pandas as pd

    papers = pd.read_parquet(
        data / "papers.parquet", columns=["paper_id", "pub_year", "field", "doc_type", "citations"]
    )
    papers = papers[papers["doc_type"].str.strip().str.lower().isin(DOC_TYPES)]
    field = papers["field"].str.strip().replace("", None)
    papers = papers.assign(field=field.fillna("Unclassified")).drop(columns="doc_type")

    at = papers.groupby(["field", "pub_year", "citations"]).size().rename("at").reset_index()
    at = at.sort_values(["field", "pub_year", "citations"], ascending=[True, True, False])
    cell = at.groupby(["field", "pub_year"])["at"]
    above = cell.cumsum() - at["at"]
    at["weight"] = ((TOP_SHARE * cell.transform("sum") - above) / at["at"]).clip(0, 1)
    papers = papers.merge(at.drop(columns="at"), on=["field", "pub_year", "citations"])

    affiliations = pd.read_parquet(data / "affiliations.parquet", columns=["paper_id", "country"])
    located = affiliations.dropna(subset=["country"]).drop_duplicates()
    del affiliations
    located["intl"] = located.groupby("paper_id")["country"].transform("size") >= 2
    intl = located.drop_duplicates("paper_id")[["paper_id", "intl"]]

    keep = ["paper_id", "pub_year", "field", "weight"]
    by_country = papers[keep].merge(located, on="paper_id")
    world = papers[keep].merge(intl, on="paper_id", how="left").assign(country="WLD")
    world["intl"] = world["intl"].fillna(False).astype(bool)
    credit = pd.concat([by_country, world], ignore_index=True)
    del by_country, world, located
    credit["top10_intl"] = np.where(credit["intl"], credit["weight"], 0.0)
    by_year = (
        credit.groupby(["pub_year", "field", "country"])
        .agg(
            papers=("paper_id", "size"),
            intl_papers=("intl", "sum"),
            top10_papers=("weight", "sum"),
            top10_intl=("top10_intl", "sum"),
        )
        .reset_index()
    )
    del credit
    first, last = int(papers["pub_year"].min()), int(papers["pub_year"].max())
    starts = range(first, max(first, last - WINDOW_YEARS + 1) + 1)
    windows = pd.DataFrame({"period_start": list(starts)})
    windows["period_end"] = (windows["period_start"] + WINDOW_YEARS - 1).clip(upper=last)
    windows["years"] = windows["period_end"] - windows["period_start"] + 1
    # each year joins the windows covering it (a small cross join: years x windows)
    span = windows.merge(pd.DataFrame({"pub_year": range(first, last + 1)}), how="cross")
    span = span[span["pub_year"].between(span["period_start"], span["period_end"])]
    windowed = by_year.merge(span, on="pub_year")
    keys = ["period_start", "period_end", "years", "country"]
    values = ["papers", "intl_papers", "top10_papers", "top10_intl"]
    per_field = windowed.groupby([*keys, "field"])[values].sum().reset_index()
    all_fields = windowed.groupby(keys)[values].sum().reset_index().assign(field="ALL")
    table = pd.concat([per_field, all_fields], ignore_index=True)
    for column in values:
        table[column] = table[column].astype("float64") / table["years"]
    table[COLUMNS].to_parquet(out, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["pandas", "duckdb"])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    if args.engine == "pandas":
        run_pandas(args.data, args.out)
    else:
        run_duckdb(args.data, args.out, args.threads)


if __name__ == "__main__":
    main()
