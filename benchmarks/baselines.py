"""Baselines for the Top10% co-authorship table (cwts): pandas and one DuckDB query, two sizes each.

Usage: python benchmarks/baselines.py pandas|duckdb|pandas_full|duckdb_full DATA_DIR OUT.parquet
       [--threads N]

All read DATA_DIR/papers.parquet and affiliations.parquet and write one row per country (and
WLD) x 3-year window x field (each field and ALL) with annual averages:
- pandas, duckdb (whole counting only): papers, intl_papers, top10_papers and top10_intl, the
  numbers of `top10_coauthorship` where counting = 'whole';
- pandas_full, duckdb_full (the whole table): the same and top10_domestic and top10_unknown,
  under whole and fractional counting (by institution: a paper's distinct institutions share
  it equally), one row per counting: every number of `top10_coauthorship`.
They skip what the engine adds (validation, the nistep method, audits, the per-paper audit
trail, percentages and ranks derived from these sums, metadata): the pandas ones are what a
skilled analyst would write, the DuckDB ones the floor for this engine.

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
FULL_VALUES = ["papers", "intl_papers", "top10_papers", "top10_intl", "top10_domestic",
               "top10_unknown"]  # fmt: skip
FULL_COLUMNS = ["country", "period_start", "period_end", "years", "field", "counting",
                *FULL_VALUES]  # fmt: skip


def _weights_ctes(data: Path) -> str:
    """CTEs papers (selected), weights (cwts per cell and citation count) and weighted (each
    paper with its weight): the start of both DuckDB baselines."""
    doc_types = ", ".join(f"'{d}'" for d in DOC_TYPES)
    return f"""papers as (
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
    weighted as (
        select papers.paper_id, papers.pub_year, papers.field, weights.weight
        from papers join weights using (field, pub_year, citations)
    ),"""


# the moving windows of WINDOW_YEARS from the first to the last publication year of `papers`
_WINDOWS_CTES = f"""span as (select min(pub_year) as first, max(pub_year) as last from papers),
    windows as (
        select s as period_start, least(s + {WINDOW_YEARS} - 1, last) as period_end,
               least(s + {WINDOW_YEARS} - 1, last) - s + 1 as years
        from span, unnest(range(first, greatest(first, last - {WINDOW_YEARS} + 1) + 1)) t(s)
    ),"""


def duckdb_query(data: Path) -> str:
    """The whole table as one query, aggregating to (year, field, country) before windows."""
    return f"""
    with {_weights_ctes(data)}
    paper_countries as (
        select distinct paper_id, country
        from read_parquet('{data}/affiliations.parquet')
        where country is not null
    ),
    located as (
        select paper_id, country, count(*) over (partition by paper_id) >= 2 as intl
        from paper_countries
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
    {_WINDOWS_CTES}
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


def duckdb_full_query(data: Path) -> str:
    """The whole table, both countings, as one query.

    A country's institutions on a paper are its distinct (organisation name, or the address
    when unnamed); its fractional credit is its share of the paper's institutions. A paper
    with two or more countries is international, one country domestic, none unknown (only
    the World counts those).
    """
    sums = ", ".join(
        f"sum({v}_{c}) as {v}_{c}" for v in FULL_VALUES for c in ("whole", "fractional")
    )
    countings = " union all ".join(
        f"select country, period_start, period_end, years, field, '{c}' as counting, "
        + ", ".join(f"{v}_{c} / years as {v}" for v in FULL_VALUES)
        + " from summed"
        for c in ("whole", "fractional")
    )
    return f"""
    with {_weights_ctes(data)}
    institutions as (
        select paper_id, country, count(*) as institutions
        from (
            select distinct paper_id, country, coalesce(trim(institution), '') as name,
                   case when coalesce(trim(institution), '') = '' then address_seq else 0 end
                       as unnamed
            from read_parquet('{data}/affiliations.parquet')
            where country is not null
        )
        group by paper_id, country
    ),
    located as (
        select paper_id, country,
               count(*) over paper >= 2 as intl,
               institutions / sum(institutions) over paper as share,
               row_number() over paper = 1 as first
        from institutions
        window paper as (partition by paper_id)
    ),
    credit as (
        select w.pub_year, w.field, l.country,
               case when l.intl then 'intl' else 'domestic' end as class, w.weight,
               l.share
        from weighted w join located l using (paper_id)
        union all
        select w.pub_year, w.field, 'WLD',
               case when l.paper_id is null then 'unknown'
                    when l.intl then 'intl' else 'domestic' end,
               w.weight, 1.0
        from weighted w
        left join (select paper_id, intl from located where first) l using (paper_id)
    ),
    by_year as (
        select pub_year, field, country,
               count(*) as papers_whole, sum(share) as papers_fractional,
               count(*) filter (where class = 'intl') as intl_papers_whole,
               coalesce(sum(share) filter (where class = 'intl'), 0) as intl_papers_fractional,
               sum(weight) as top10_papers_whole,
               sum(weight * share) as top10_papers_fractional,
               coalesce(sum(weight) filter (where class = 'intl'), 0) as top10_intl_whole,
               coalesce(sum(weight * share) filter (where class = 'intl'), 0)
                   as top10_intl_fractional,
               coalesce(sum(weight) filter (where class = 'domestic'), 0) as top10_domestic_whole,
               coalesce(sum(weight * share) filter (where class = 'domestic'), 0)
                   as top10_domestic_fractional,
               coalesce(sum(weight) filter (where class = 'unknown'), 0) as top10_unknown_whole,
               coalesce(sum(weight * share) filter (where class = 'unknown'), 0)
                   as top10_unknown_fractional
        from credit group by all
    ),
    {_WINDOWS_CTES}
    summed as (
        select period_start::integer as period_start, period_end::integer as period_end,
               years::integer as years,
               case when grouping(field) = 1 then 'ALL' else field end as field, country,
               {sums}
        from by_year join windows on pub_year between period_start and period_end
        group by grouping sets ((period_start, period_end, years, field, country),
                                (period_start, period_end, years, country))
    )
    {countings}
    """


def run_duckdb(data: Path, out: Path, threads: int | None = None, full: bool = False) -> None:
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"set threads = {threads}")
    query = duckdb_full_query(data) if full else duckdb_query(data)
    con.execute(f"copy ({query}) to '{out}' (format parquet)")


def _pandas_weighted_papers(data: Path):
    """Selected papers with their cwts weight (pub_year, field, citations, weight)."""
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
    return papers.merge(at.drop(columns="at"), on=["field", "pub_year", "citations"])


def _pandas_windows(papers, by_year, values: list[str]):
    """Year rows summed into moving windows, per field and over ALL fields (not averaged)."""
    import pandas as pd

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
    per_field = windowed.groupby([*keys, "field"])[values].sum().reset_index()
    all_fields = windowed.groupby(keys)[values].sum().reset_index().assign(field="ALL")
    return pd.concat([per_field, all_fields], ignore_index=True)


def run_pandas(data: Path, out: Path) -> None:
    import numpy as np
    import pandas as pd

    papers = _pandas_weighted_papers(data)
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
    values = ["papers", "intl_papers", "top10_papers", "top10_intl"]
    table = _pandas_windows(papers, by_year, values)
    for column in values:
        table[column] = table[column].astype("float64") / table["years"]
    table[COLUMNS].to_parquet(out, index=False)


def run_pandas_full(data: Path, out: Path) -> None:
    import numpy as np
    import pandas as pd

    papers = _pandas_weighted_papers(data)
    affiliations = pd.read_parquet(
        data / "affiliations.parquet", columns=["paper_id", "address_seq", "institution", "country"]
    )
    affiliations = affiliations[affiliations["country"].notna()]
    name = affiliations["institution"].str.strip().fillna("")
    institutions = pd.DataFrame(
        {
            "paper_id": affiliations["paper_id"],
            "country": affiliations["country"],
            "name": name,
            "unnamed": np.where(name != "", 0, affiliations["address_seq"]),
        }
    ).drop_duplicates()
    del affiliations, name
    located = institutions.groupby(["paper_id", "country"]).size().rename("n").reset_index()
    del institutions
    per_paper = located.groupby("paper_id")
    located["intl"] = per_paper["country"].transform("size") >= 2
    located["share"] = located["n"] / per_paper["n"].transform("sum")
    classes = located.drop_duplicates("paper_id")[["paper_id", "intl"]]
    located = located.drop(columns="n")

    keep = ["paper_id", "pub_year", "field", "weight"]
    by_country = papers[keep].merge(located, on="paper_id")
    by_country["class"] = np.where(by_country["intl"], "intl", "domestic")
    world = papers[keep].merge(classes, on="paper_id", how="left").assign(country="WLD", share=1.0)
    intl = world["intl"].fillna(False).astype(bool)
    world["class"] = np.where(world["intl"].isna(), "unknown", np.where(intl, "intl", "domestic"))
    credit = pd.concat([by_country, world], ignore_index=True).drop(columns=["intl", "paper_id"])
    del by_country, world, located, classes
    credit["fractional_weight"] = credit["weight"] * credit["share"]
    columns = {}
    for counting, paper, top10 in [
        ("whole", None, "weight"),
        ("fractional", "share", "fractional_weight"),
    ]:
        papers_credit = credit[paper] if paper else pd.Series(1.0, index=credit.index)
        top10_credit = credit[top10]
        intl, domestic, unknown = (credit["class"] == c for c in ("intl", "domestic", "unknown"))
        columns |= {
            f"papers_{counting}": papers_credit,
            f"intl_papers_{counting}": papers_credit.where(intl, 0.0),
            f"top10_papers_{counting}": top10_credit,
            f"top10_intl_{counting}": top10_credit.where(intl, 0.0),
            f"top10_domestic_{counting}": top10_credit.where(domestic, 0.0),
            f"top10_unknown_{counting}": top10_credit.where(unknown, 0.0),
        }
    credit = pd.concat([credit[["pub_year", "field", "country"]], pd.DataFrame(columns)], axis=1)
    by_year = credit.groupby(["pub_year", "field", "country"]).sum().reset_index()
    del credit
    table = _pandas_windows(papers, by_year, list(columns))
    rows = []
    for counting in ("whole", "fractional"):
        part = table[["country", "period_start", "period_end", "years", "field"]].assign(
            counting=counting
        )
        for value in FULL_VALUES:
            part[value] = table[f"{value}_{counting}"].astype("float64") / table["years"]
        rows.append(part)
    pd.concat(rows, ignore_index=True)[FULL_COLUMNS].to_parquet(out, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["pandas", "duckdb", "pandas_full", "duckdb_full"])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    if args.engine == "pandas":
        run_pandas(args.data, args.out)
    elif args.engine == "pandas_full":
        run_pandas_full(args.data, args.out)
    else:
        run_duckdb(args.data, args.out, args.threads, full=args.engine == "duckdb_full")


if __name__ == "__main__":
    main()
