"""Bilateral researcher flows: inflow, outflow, net and churn, by hand and against Zhao et al. 2023."""

import polars as pl
import pycountry
import pytest

from tests.helpers import indicator, run_pipeline, write_csv


def flow(origin, destination, researchers, start=2011, end=2015):
    return {"origin": origin, "destination": destination, "period_start": start, "period_end": end,
            "researchers": researchers, "source": "fixture"}  # fmt: skip


def test_flows_by_hand(tmp_path):
    data = tmp_path / "data"
    # JPN -> USA 3, USA -> JPN 1, JPN -> DEU 2 (2011-2015); USA -> DEU 4 (2016-2020)
    write_csv(data, "researcher_flows", [
        flow("JPN", "USA", 3), flow("USA", "JPN", 1), flow("JPN", "DEU", 2),
        flow("USA", "DEU", 4, 2016, 2020),
    ])  # fmt: skip
    result = run_pipeline(data, tmp_path / "out")
    assert result.exit_code == 0, result.error
    by_country = indicator(tmp_path / "out", "researcher_flows_by_country")
    jpn = by_country.filter(pl.col("country") == "JPN").row(0, named=True)
    # JPN: in 1 (from USA), out 3 + 2 = 5, net -4, churn 6, net/churn = -4/6
    assert (jpn["inflow"], jpn["outflow"], jpn["net"], jpn["churn"]) == (1, 5, -4, 6)
    assert jpn["net_to_churn_pct"] == pytest.approx(-400 / 6)
    assert jpn["partners"] == 2
    deu = by_country.filter(pl.col("country") == "DEU").sort("period_start")
    assert deu["inflow"].to_list() == [2, 4] and deu["outflow"].to_list() == [0, 0]
    bilateral = indicator(tmp_path / "out", "researcher_flows_bilateral")
    jpn_usa = bilateral.filter((pl.col("country") == "JPN") & (pl.col("partner") == "USA")).row(
        0, named=True
    )
    assert (jpn_usa["inflow"], jpn_usa["outflow"], jpn_usa["net"], jpn_usa["churn"]) == (
        1,
        3,
        -2,
        4,
    )
    usa_jpn = bilateral.filter((pl.col("country") == "USA") & (pl.col("partner") == "JPN")).row(
        0, named=True
    )
    assert (usa_jpn["inflow"], usa_jpn["outflow"]) == (3, 1)  # the mirror image
    # each period balances: world inflow = world outflow
    audit = next(a for a in result.audits if a.name == "researcher_flows_balance")
    assert audit.rows == 0


def test_a_flow_to_the_same_country_is_rejected(tmp_path):
    data = tmp_path / "data"
    write_csv(data, "researcher_flows", [flow("JPN", "JPN", 1), flow("JPN", "usa", 1)])
    result = run_pipeline(data, tmp_path / "out")
    assert result.exit_code == 1
    found = {(f.row, f.column, f.check) for f in result.report.failures}
    assert (1, None, "origin_differs_from_destination") in found
    assert (2, "destination", "str_matches('^[A-Z]{3}$')") in found


# the replication file has no usable ISO code for these names (iso2 "unknown" or empty)
NAME_TO_ALPHA3 = {
    "Reunion": "REU", "Bonaire, Saint Eustatius and Saba ": "BES", "Sint Maarten": "SXM",
    "Timor Leste": "TLS", "Namibia": "NAM", "Curacao": "CUW", "Palestinian Territory": "PSE",
    "Kosovo": "XKX", "Vatican": "VAT",
}  # fmt: skip


def alpha3_by_name(net: pl.DataFrame) -> dict[str, str]:
    mapping = {}
    for name, alpha2 in net.select("residenceCountry", "iso2").unique().iter_rows():
        country = pycountry.countries.get(alpha_2=alpha2) if alpha2 else None
        mapping[name] = NAME_TO_ALPHA3.get(name) or country.alpha_3
    return mapping


def test_reproduces_zhao_2023_country_totals(tmp_path, shared_data):
    folder = shared_data / "migration_zhao2023"
    net = pl.read_csv(folder / "0_gendered_net_migration_all.csv")
    names = alpha3_by_name(net)
    od = pl.read_csv(folder / "0_OD_migration_flow.csv")
    mapped = od.filter(pl.col("from").is_in(list(names)) & pl.col("to").is_in(list(names)))
    assert mapped.height == od.height == 23_412  # every flow's countries are named in the net file
    flows = mapped.select(
        pl.col("from").replace_strict(names).alias("origin"),
        pl.col("to").replace_strict(names).alias("destination"),
        pl.col("period_year").str.slice(0, 4).cast(pl.Int32).alias("period_start"),
        pl.col("period_year").str.slice(5, 4).cast(pl.Int32).alias("period_end"),
        pl.col("all_period_flow").cast(pl.Float64).alias("researchers"),
        pl.lit("Zhao et al. 2023 PNAS").alias("source"),
    )
    data = tmp_path / "data"
    data.mkdir()
    flows.write_parquet(data / "researcher_flows.parquet")
    result = run_pipeline(data, tmp_path / "out")
    assert result.exit_code == 0, result.error
    mart = indicator(tmp_path / "out", "researcher_flows_by_country")
    # the published per-country totals (a separate file of the paper's replication data)
    periods = {
        p: int(y[:4])
        for p, y in od.select(pl.col("period").cast(pl.Int64), "period_year").unique().iter_rows()
    }
    published = net.select(
        pl.col("residenceCountry").replace_strict(names).alias("country"),
        pl.col("period").replace_strict(periods).alias("period_start"),
        pl.col("inflow_period").alias("published_inflow"),
        pl.col("outflow_period").alias("published_outflow"),
        pl.col("net_all_period").alias("published_net"),
    )
    joined = mart.join(published, on=["country", "period_start"], how="inner")
    assert joined.height == mart.height  # every country-period of ours is published
    jpn = joined.filter(pl.col("country") == "JPN")
    assert jpn.height == len(periods)
    for row in joined.iter_rows(named=True):
        assert row["inflow"] == pytest.approx(row["published_inflow"]), row
        assert row["outflow"] == pytest.approx(row["published_outflow"]), row
        assert row["net"] == pytest.approx(row["published_net"]), row
