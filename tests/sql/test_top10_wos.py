"""End to end on real Web of Science records: kpi.importers -> `kpi run` -> Top10% marts,
checked against plain Python over the imported rows (a deliberately different method)."""

from collections import defaultdict
from fractions import Fraction

import polars as pl
import pytest
from pytest import approx

from tests.conftest import run_kpi

START, END = 2019, 2021  # the window checked paper by paper
ELIGIBLE = {"article", "review"}


@pytest.fixture(scope="module")
def wos_run(shared_data, tmp_path_factory):
    importers = pytest.importorskip("kpi.importers", reason="kpi.importers not available yet")
    files = sorted((shared_data / "wos_2023").glob("wos_*.txt"))
    if not files:
        pytest.skip("../shared/data/wos_2023 has no wos_*.txt export")
    root = tmp_path_factory.mktemp("wos")
    importers.write_import(importers.read_wos(files), root / "data")
    done = run_kpi("run", "--data", root / "data", "--out", root / "out")
    assert done.returncode == 0, done.stdout + done.stderr
    papers = pl.read_parquet(root / "data" / "papers.parquet")
    affiliations = pl.read_parquet(root / "data" / "affiliations.parquet")
    marts = {
        name: pl.read_parquet(root / "out" / "indicators" / f"{name}.parquet")
        for name in ("top10_cells", "top10_coauthorship", "top10_paper_weights")
    }
    return papers, affiliations, marts


def rank_overlap_weights(papers: pl.DataFrame) -> dict[str, Fraction]:
    """CWTS weights as the share of each tie group's rank interval inside the top n/10 slots.

    Sorted by citations (descending), a group of k tied papers holds ranks [a, a + k); the
    Top10% are ranks [0, n/10). Each paper of the group gets |overlap| / k. No threshold is
    computed at all, unlike the SQL.
    """
    cells: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    for row in papers.iter_rows(named=True):
        if row["doc_type"] in ELIGIBLE:
            cells[(row["field"] or "Unclassified", row["pub_year"])].append(
                (row["citations"], row["paper_id"])
            )
    weights = {}
    for members in cells.values():
        slots = Fraction(len(members), 10)
        by_count: dict[int, list[str]] = defaultdict(list)
        for cited, paper_id in members:
            by_count[cited].append(paper_id)
        start = 0
        for cited in sorted(by_count, reverse=True):
            group = by_count[cited]
            overlap = max(Fraction(0), min(slots, start + len(group)) - start)
            for paper_id in group:
                weights[paper_id] = overlap / len(group)
            start += len(group)
    return weights


def country_credits(affiliations: pl.DataFrame) -> dict[str, dict[str, Fraction]]:
    """paper -> {country: institution-fractional share}, over rows with a mapped country."""
    units: dict[str, set] = defaultdict(set)
    for row in affiliations.iter_rows(named=True):
        if row["country"] is not None:
            # one institution: a (trimmed) name in one country, or an address without a name
            name = row["institution"]
            unit = (name.strip(), None) if name is not None else (None, row["address_seq"])
            units[row["paper_id"]].add((row["country"], *unit))
    credits = {}
    for paper_id, paper_units in units.items():
        shares: dict[str, Fraction] = defaultdict(Fraction)
        for country, *_ in paper_units:
            shares[country] += Fraction(1, len(paper_units))
        credits[paper_id] = dict(shares)
    return credits


def test_cell_weights_match_the_rank_overlap_method_and_sum_to_a_tenth(wos_run):
    papers, _, marts = wos_run
    expected = rank_overlap_weights(papers)
    weights = marts["top10_paper_weights"]
    assert weights.height == len(expected)  # 1,168 articles and reviews of 3,054 records
    got = dict(zip(weights["paper_id"], weights["weight"], strict=True))
    assert got.keys() == expected.keys()
    assert max(abs(got[p] - float(w)) for p, w in expected.items()) < 1e-12
    # the exact 10% invariant, cell by cell, in the mart's own numbers
    sums = weights.group_by("field", "pub_year").agg(pl.sum("weight"), pl.len())
    assert (sums["weight"] - sums["len"] / 10).abs().max() < 1e-9


def test_each_papers_weights_follow_from_its_cell(wos_run):
    """Both weights of every paper recomputed from its top10_cells row, and each cell's papers
    and tie counts recounted from the per-paper mart."""
    _, _, marts = wos_run
    cells = marts["top10_cells"]
    papers = marts["top10_paper_weights"].join(cells, on=["field", "pub_year"], how="left")
    assert papers["threshold"].null_count() == 0  # every paper lies in a published cell
    expected_cwts = (
        pl.when(pl.col("citations") > pl.col("threshold"))
        .then(1.0)
        .when(pl.col("citations") == pl.col("threshold"))
        .then(pl.col("weight_at_threshold"))
        .otherwise(0.0)
    )
    expected_nistep = (
        pl.when(pl.col("citations") >= pl.col("nistep_threshold"))
        .then(pl.col("nistep_weight"))
        .otherwise(0.0)
    )
    off = papers.select(
        (pl.col("weight_cwts") - expected_cwts).abs().max().alias("cwts"),
        (pl.col("weight_nistep") - expected_nistep).abs().max().alias("nistep"),
    ).row(0)
    assert off == (0.0, 0.0)
    counted = papers.group_by("field", "pub_year").agg(
        pl.len().alias("n"),
        (pl.col("citations") > pl.col("threshold")).sum().alias("above"),
        (pl.col("citations") == pl.col("threshold")).sum().alias("at"),
        (pl.col("citations") >= pl.col("nistep_threshold")).sum().alias("in_s"),
    )
    both = cells.join(counted, on=["field", "pub_year"], how="full", coalesce=True)
    assert both.height == cells.height
    assert (both["papers"] == both["n"]).all()
    assert (both["papers_above"] == both["above"]).all()
    assert (both["papers_at"] == both["at"]).all()
    assert (both["nistep_papers"] == both["in_s"]).all()


def test_world_holds_exactly_a_tenth_in_every_window_and_field(wos_run):
    _, _, marts = wos_run
    world = marts["top10_coauthorship"].filter(pl.col("country") == "WLD")
    assert world.height > 0
    assert (world["top10_papers"] - world["papers"] / 10).abs().max() < 1e-9
    assert (world["pp_top10_pct"] - 10).abs().max() < 1e-9


# At the time of writing, 554 articles and reviews fall in 2019-2021. CHN is on 75 of them
# (34 international), Top10% 8.6 whole / 5.656 fractional over the 3 years; JPN is on 30
# (7 international), Top10% 1.3 whole / 0.681 fractional.
@pytest.mark.parametrize("country", ["CHN", "JPN"])
def test_one_country_and_window_by_hand(wos_run, country):
    papers, affiliations, marts = wos_run
    weights = rank_overlap_weights(papers)
    credits = country_credits(affiliations)
    in_window = [
        r["paper_id"]
        for r in papers.iter_rows(named=True)
        if r["doc_type"] in ELIGIBLE and START <= r["pub_year"] <= END
    ]
    mine = [p for p in in_window if country in credits.get(p, {})]
    international = {p for p in mine if len(credits[p]) >= 2}
    years = END - START + 1
    whole = {
        "papers": Fraction(len(mine), years),
        "intl_papers": Fraction(len(international), years),
        "top10_papers": sum((weights[p] for p in mine), Fraction(0)) / years,
        "top10_intl": sum((weights[p] for p in international), Fraction(0)) / years,
    }
    fractional = {
        "papers": sum((credits[p][country] for p in mine), Fraction(0)) / years,
        "top10_papers": sum((credits[p][country] * weights[p] for p in mine), Fraction(0)) / years,
    }
    world_top10 = sum((weights[p] for p in in_window), Fraction(0)) / years
    assert len(mine) >= 20 and whole["top10_papers"] > 0  # a real sample, not an empty one

    mart = marts["top10_coauthorship"].filter(
        (pl.col("country") == country)
        & (pl.col("period_start") == START)
        & (pl.col("period_end") == END)
        & (pl.col("field") == "ALL")
    )
    got = {row["counting"]: row for row in mart.iter_rows(named=True)}
    for column, value in whole.items():
        assert got["whole"][column] == approx(float(value), abs=1e-9), column
    assert got["whole"]["top10_domestic"] == approx(
        float(whole["top10_papers"] - whole["top10_intl"]), abs=1e-9
    )
    assert got["whole"]["world_share_top10_pct"] == approx(
        float(100 * whole["top10_papers"] / world_top10)
    )
    for column, value in fractional.items():
        assert got["fractional"][column] == approx(float(value), abs=1e-9), column


def test_rank_orders_countries_by_top10_papers(wos_run):
    _, _, marts = wos_run
    mart = marts["top10_coauthorship"].filter(
        (pl.col("period_start") == START)
        & (pl.col("field") == "ALL")
        & (pl.col("counting") == "whole")
        & (pl.col("country") != "WLD")
    )
    values, ranks = mart["top10_papers"].to_list(), mart["rank_top10"].to_list()
    # competition ranking: 1 + the number of countries strictly ahead; ties share a rank
    assert ranks == [1 + sum(other > value for other in values) for value in values]
    assert sorted(ranks)[0] == 1
