"""Bilateral author flows: country totals, pairs and balances, by hand and against Zhao et al. 2023."""

import polars as pl
import pycountry
import pytest

from kpi.importers.zhao import read_zhao
from tests.helpers import indicator, run_pipeline, write_csv


def flow(origin, destination, researchers, start=2011, end=2015, sex=None):
    return {"origin": origin, "destination": destination, "period_start": start, "period_end": end,
            "researchers": researchers, "sex": sex, "source": "fixture"}  # fmt: skip


def test_country_totals_by_hand(tmp_path):
    data = tmp_path / "data"
    # 2011-2015: JPN -> USA 3, USA -> JPN 1, JPN -> DEU 2 (and a female row JPN -> USA 1);
    # 2016-2020: USA -> DEU 4
    write_csv(data, "author_flows", [
        flow("JPN", "USA", 3), flow("USA", "JPN", 1), flow("JPN", "DEU", 2),
        flow("JPN", "USA", 1, sex="female"), flow("USA", "DEU", 4, 2016, 2020),
    ])  # fmt: skip
    result = run_pipeline(data, tmp_path / "out")
    assert result.exit_code == 0, result.error
    country = indicator(tmp_path / "out", "author_flows_country")
    everyone = country.filter(pl.col("sex") == "all")
    jpn = everyone.filter(pl.col("country") == "JPN").row(0, named=True)
    # JPN: in 1 (from USA), out 3 + 2 = 5, net -4, gross 6, net rate -4/6 = -66.67%
    assert (jpn["inflow"], jpn["outflow"], jpn["net"], jpn["gross"]) == (1, 5, -4, 6)
    assert jpn["net_rate_pct"] == pytest.approx(-400 / 6)
    assert jpn["partners"] == 2
    deu = everyone.filter(pl.col("country") == "DEU").sort("period_start")
    assert deu["inflow"].to_list() == [2, 4] and deu["outflow"].to_list() == [0, 0]
    assert deu["net_rate_pct"].to_list() == [100, 100]  # only inflow
    # the female breakdown is its own set of totals: JPN out 1, USA in 1
    female = country.filter(pl.col("sex") == "female").sort("country")
    assert female.select("country", "inflow", "outflow").rows() == [("JPN", 0, 1), ("USA", 1, 0)]
    audits = {a.name: a.rows for a in result.audits}
    assert audits["author_flows_world_balance"] == 0
    assert audits["author_flows_pairs_sum_to_country"] == 0


def test_pairs_reach_the_threshold_with_their_net_direction(tmp_path):
    data = tmp_path / "data"
    # two-way totals: JPN-USA 2,500 + 1,600 = 4,100 (in); CHN-JPN 2,000 + 2,000 = 4,000 (in,
    # exactly at the threshold, balanced); DEU-JPN 3,999 (out, one short)
    write_csv(data, "author_flows", [
        flow("JPN", "USA", 2500), flow("USA", "JPN", 1600),
        flow("CHN", "JPN", 2000), flow("JPN", "CHN", 2000),
        flow("JPN", "DEU", 3999),
    ])  # fmt: skip
    result = run_pipeline(data, tmp_path / "out")
    assert result.exit_code == 0, result.error
    pairs = indicator(tmp_path / "out", "author_flows_pairs").sort("country_a")
    rows = pairs.select("country_a", "country_b", "a_to_b", "b_to_a", "two_way", "net",
                        "net_from", "net_to").rows()  # fmt: skip
    assert rows == [
        ("CHN", "JPN", 2000, 2000, 4000, 0, None, None),
        # JPN -> USA 2,500 beats USA -> JPN 1,600: net 900 from JPN to USA
        ("JPN", "USA", 2500, 1600, 4100, 900, "JPN", "USA"),
    ]
    assert pairs["pair_threshold"].to_list() == [4000, 4000]
    # a lower threshold lets DEU-JPN in
    lower = run_pipeline(data, tmp_path / "out2", flows={"pair_threshold": 3999})
    assert indicator(tmp_path / "out2", "author_flows_pairs").height == 3, lower.error


def test_a_flow_to_the_same_country_is_rejected(tmp_path):
    data = tmp_path / "data"
    write_csv(data, "author_flows", [
        flow("JPN", "JPN", 1), flow("JPN", "usa", 1), flow("JPN", "USA", 1, sex="unknown"),
    ])  # fmt: skip
    result = run_pipeline(data, tmp_path / "out")
    assert result.exit_code == 1
    found = {(f.row, f.column, f.check) for f in result.report.failures}
    assert (1, None, "origin_differs_from_destination") in found
    assert (2, "destination", "str_matches('^[A-Z]{3}$')") in found
    assert (3, "sex") in {(row, column) for row, column, _ in found}


def test_shipped_japan_flows_balance(tmp_path, repo):
    # the shipped file holds only Japan's pairs; each is one country's outflow and another's
    # inflow, so the world still balances and Japan's totals are the published sums
    result = run_pipeline(repo / "data", tmp_path / "out")
    assert result.exit_code == 0, result.error
    audits = {a.name: a.rows for a in result.audits}
    assert audits["author_flows_world_balance"] == audits["author_flows_pairs_sum_to_country"] == 0
    jpn = indicator(tmp_path / "out", "author_flows_country").filter(pl.col("country") == "JPN")
    shipped = pl.read_csv(repo / "data" / "author_flows.csv")
    assert jpn["outflow"].item() == shipped.filter(pl.col("origin") == "JPN")["researchers"].sum()
    assert (
        jpn["inflow"].item() == shipped.filter(pl.col("destination") == "JPN")["researchers"].sum()
    )
    assert jpn["partners"].item() == 20  # the OECD table names Japan's top 20 partners each way


# the replication file has no usable ISO code for these names (iso2 "unknown" or empty)
NAME_TO_ALPHA3 = {
    "Reunion": "REU", "Bonaire, Saint Eustatius and Saba ": "BES", "Sint Maarten": "SXM",
    "Timor Leste": "TLS", "Namibia": "NAM", "Curacao": "CUW", "Palestinian Territory": "PSE",
    "Kosovo": "XKX", "Vatican": "VAT",
}  # fmt: skip


def alpha3_by_name(net: pl.DataFrame) -> dict[str, str]:
    """Names -> alpha-3 through the file's own iso2 column: independent of the importer's table."""
    mapping = {}
    for name, alpha2 in net.select("residenceCountry", "iso2").unique().iter_rows():
        country = pycountry.countries.get(alpha_2=alpha2) if alpha2 else None
        mapping[name] = NAME_TO_ALPHA3.get(name) or country.alpha_3
    return mapping


def test_reproduces_zhao_2023_country_totals(tmp_path, shared_data):
    folder = shared_data / "migration_zhao2023"
    imported = read_zhao(folder / "0_OD_migration_flow.csv")
    assert not imported.report.unmapped_names
    data = tmp_path / "data"
    data.mkdir()
    imported.flows.write_parquet(data / "author_flows.parquet")
    result = run_pipeline(data, tmp_path / "out")
    assert result.exit_code == 0, result.error
    mart = indicator(tmp_path / "out", "author_flows_country")
    # the published per-country totals, a separate file of the paper's replication data, keyed
    # by name and period number (1 = 1998-2002, ..., 4 = 2013-2017)
    net = pl.read_csv(folder / "0_gendered_net_migration_all.csv")
    od = pl.read_csv(folder / "0_OD_migration_flow.csv").with_columns(
        pl.col("period").cast(pl.Int64)
    )
    periods = dict(od.select(pl.col("period").cast(pl.Int64), "period_year").unique().iter_rows())
    names = alpha3_by_name(net)
    published = net.select(
        pl.col("residenceCountry").replace_strict(names).alias("country"),
        pl.col("period")
        .replace_strict(periods)
        .str.slice(0, 4)
        .cast(pl.Int32)
        .alias("period_start"),
        pl.col("inflow_period", "outflow_period", "net_all_period"),
        pl.col("female_inflow_period", "female_outflow_period", "net_female_period"),
    )
    everyone = mart.filter(pl.col("sex") == "all")
    joined = everyone.join(published, on=["country", "period_start"], how="inner")
    assert joined.height == everyone.height  # every country-period of ours is published
    assert joined.filter(pl.col("country") == "JPN").height == len(periods)
    for row in joined.iter_rows(named=True):
        assert row["inflow"] == pytest.approx(row["inflow_period"]), row
        assert row["outflow"] == pytest.approx(row["outflow_period"]), row
        assert row["net"] == pytest.approx(row["net_all_period"]), row
    female = mart.filter(pl.col("sex") == "female").join(
        published, on=["country", "period_start"], how="inner"
    )
    assert female.height > 0
    for row in female.iter_rows(named=True):
        assert row["inflow"] == pytest.approx(row["female_inflow_period"]), row
        assert row["outflow"] == pytest.approx(row["female_outflow_period"]), row
    # exact decimal sums: one thread or eight give byte-identical files
    single = run_pipeline(data, tmp_path / "one_thread", engine={"threads": 1})
    many = run_pipeline(data, tmp_path / "eight_threads", engine={"threads": 8})
    assert single.exit_code == many.exit_code == 0
    for mart in ("author_flows_country", "author_flows_pairs"):
        one = (tmp_path / "one_thread" / "indicators" / f"{mart}.parquet").read_bytes()
        eight = (tmp_path / "eight_threads" / "indicators" / f"{mart}.parquet").read_bytes()
        assert one == eight, mart
    # and directly, without the engine: row sums = outflow, column sums = inflow
    out_sums = od.group_by("from", "period").agg(pl.col("all_period_flow").sum())
    in_sums = od.group_by("to", "period").agg(pl.col("all_period_flow").sum())
    check = net.join(out_sums, left_on=["residenceCountry", "period"],
                     right_on=["from", "period"], how="left")  # fmt: skip
    check = check.join(in_sums, left_on=["residenceCountry", "period"],
                       right_on=["to", "period"], how="left", suffix="_in")  # fmt: skip
    assert (check["all_period_flow"].fill_null(0) == check["outflow_period"]).all()
    assert (check["all_period_flow_in"].fill_null(0) == check["inflow_period"]).all()
    assert (check["inflow_period"] - check["outflow_period"] == check["net_all_period"]).all()
