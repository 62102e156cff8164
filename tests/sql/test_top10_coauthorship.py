"""Co-authorship classes, whole/fractional counting, windows, rank and the World row."""

import hashlib
import shutil

import duckdb
import polars as pl
import pytest
from pytest import approx

from kpi import pipeline
from tests.helpers import indicator, run_pipeline, write_csv

# One field (Chem), 2018-2021, 10 papers a year, so every cell's n/10 is 1:
#   2018: A01 50 citations (weight 1), A02 9, A03..A10 8..1      -> t = 9, A02 above nothing: 0
#   2019: B01 40 (weight 1), B02..B10 uncited                     -> t = 0, filled by B01
#   2020: C01 and C02 tied at 30 (0.5 each), C03..C10 uncited     -> t = 30
#   2021: D01 and D03 tied at 20 (0.5 each), the rest uncited     -> t = 20
CITATIONS = {
    2018: {"A01": 50, "A02": 9, **{f"A{i:02d}": 11 - i for i in range(3, 11)}},
    2019: {"B01": 40, **{f"B{i:02d}": 0 for i in range(2, 11)}},
    2020: {"C01": 30, "C02": 30, **{f"C{i:02d}": 0 for i in range(3, 11)}},
    2021: {"D01": 20, "D03": 20, **{f"D{i:02d}": 0 for i in (2, *range(4, 11))}},
}

# (paper, address_seq, author_seq, institution, country)
ADDRESSES = [
    # A01: three countries; author 3 holds a USA and a GBR address (4 institutions)
    ("A01", 1, 1, "Univ A", "JPN"), ("A01", 2, 2, "Univ B", "JPN"),
    ("A01", 3, 3, "Univ C", "USA"), ("A01", 4, 3, "Inst D", "GBR"),
    ("A02", 1, 1, "Univ A", "JPN"), ("A02", 2, 2, "Univ B", "JPN"),   # domestic_multi
    ("B01", 1, 1, "Univ A", "JPN"), ("B01", 2, 2, "Univ A", "JPN"),   # two departments, one inst
    ("B02", 1, 1, "Univ C", "USA"), ("B02", 2, 2, "Inst D", "GBR"),   # international, weight 0
    ("C01", 1, 1, "Univ C", "USA"),                                    # domestic_single
    ("C02", 1, None, "Inst D", "GBR"), ("C02", 2, None, "Univ C", "USA"),  # no author bracket
    ("D01", 1, 1, "Univ E", "KOR"), ("D01", 2, 2, "Inst X", None),    # unmapped one dropped
    ("D02", 1, 1, "Inst X", None),                                     # only unmapped: unknown
]  # fmt: skip
# A03 and D03 (and most uncited papers) have no affiliations: World only, class unknown.


def write_fixture(data):
    papers = [
        {"paper_id": pid, "pub_year": year, "field": "Chem", "doc_type": "article",
         "citations": cited, "source": "fixture"}
        for year, cells in CITATIONS.items() for pid, cited in cells.items()
    ]  # fmt: skip
    affiliations = [
        {"paper_id": pid, "address_seq": seq, "author_seq": author,
         "author": None if author is None else f"Author {author}", "institution": inst,
         "country": country, "country_raw": country or "Atlantis"}
        for pid, seq, author, inst, country in ADDRESSES
    ]  # fmt: skip
    write_csv(data, "papers", papers)
    write_csv(data, "affiliations", affiliations)
    return data


def run_fixture(root, **overrides):
    data = write_fixture(root / "data")
    result = run_pipeline(data, root / "out", **overrides)
    assert result.exit_code == 0, result.error
    return indicator(root / "out", "top10_coauthorship"), result


@pytest.fixture(scope="module")
def institution(tmp_path_factory):
    return run_fixture(tmp_path_factory.mktemp("institution"))[0]


def row(mart, country, start, counting="whole", field="Chem") -> dict:
    rows = mart.filter(
        (pl.col("country") == country)
        & (pl.col("period_start") == start)
        & (pl.col("counting") == counting)
        & (pl.col("field") == field)
    )
    assert rows.height == 1, (country, start, counting, field, rows)
    return rows.row(0, named=True)


def test_classes(tmp_path):
    run_fixture(tmp_path)
    weights = indicator(tmp_path / "out", "top10_paper_weights")
    classes = dict(zip(weights["paper_id"], weights["coauthorship"], strict=True))
    assert classes["A01"] == "international"
    assert classes["A02"] == "domestic_multi"
    assert classes["B01"] == "domestic_single"  # two addresses of one institution
    assert classes["C02"] == "international"
    assert classes["D01"] == "domestic_single"  # the unmapped address is left out
    assert classes["D02"] == "unknown" and classes["A03"] == "unknown"
    a01 = weights.filter(pl.col("paper_id") == "A01").row(0, named=True)
    assert (a01["countries"], a01["institutions"], a01["country_list"]) == (3, 4, "GBR;JPN;USA")


def test_windows_are_moving_and_values_are_annual_averages(institution):
    windows = (
        institution.select("period_start", "period_end", "years").unique().sort("period_start")
    )
    assert windows.rows() == [(2018, 2020, 3), (2019, 2021, 3)]
    world = row(institution, "WLD", 2018)
    # 30 papers over 3 years; Top10%: A01 1 + B01 1 + C01 0.5 + C02 0.5 = 3 -> 1 a year
    assert world["papers"] == approx(10)
    assert world["top10_papers"] == approx(1)
    assert world["pp_top10_pct"] == approx(10)


def test_whole_counting_gives_every_country_the_full_paper(institution):
    # 2018-2020. JPN: A01, A02, B01 -> 3/3 = 1 a year; international A01 -> 1/3.
    # Top10%: A01 1 + B01 1 = 2 -> 2/3, of which international (A01) 1/3, domestic (B01) 1/3.
    jpn = row(institution, "JPN", 2018)
    assert (jpn["papers"], jpn["intl_papers"]) == approx((1, 1 / 3))
    assert jpn["intl_share_pct"] == approx(100 / 3)
    assert (jpn["top10_papers"], jpn["top10_intl"], jpn["top10_domestic"]) == approx(
        (2 / 3, 1 / 3, 1 / 3)
    )
    assert jpn["top10_intl_share_pct"] == approx(50)
    assert jpn["pp_top10_pct"] == approx(200 / 3)  # (2/3) / 1
    assert jpn["world_share_top10_pct"] == approx(200 / 3)  # (2/3) / 1 World
    # USA: A01, B02, C01, C02 -> 4/3; Top10% A01 1 + C01 0.5 + C02 0.5 = 2 -> 2/3,
    # international A01 + C02 = 1.5 -> 1/2, domestic C01 -> 1/6
    usa = row(institution, "USA", 2018)
    assert (usa["papers"], usa["intl_papers"]) == approx((4 / 3, 1))
    assert (usa["top10_papers"], usa["top10_intl"], usa["top10_domestic"]) == approx(
        (2 / 3, 1 / 2, 1 / 6)
    )
    # GBR: A01, B02, C02, all international; Top10% 1 + 0.5 -> 1/2
    gbr = row(institution, "GBR", 2018)
    assert (gbr["papers"], gbr["top10_papers"], gbr["top10_intl"]) == approx((1, 0.5, 0.5))
    assert gbr["counting_unit"] == "paper"


def test_fractional_counting_by_institution(institution):
    # A01 has 4 institutions: JPN 2/4, USA 1/4, GBR 1/4. B02 and C02: USA 1/2, GBR 1/2.
    # JPN: A01 .5 + A02 1 + B01 1 = 2.5 -> 2.5/3; Top10% A01 .5 + B01 1 = 1.5 -> 1/2
    jpn = row(institution, "JPN", 2018, "fractional")
    assert jpn["counting_unit"] == "institution"
    assert (jpn["papers"], jpn["intl_papers"]) == approx((2.5 / 3, 0.5 / 3))
    assert (jpn["top10_papers"], jpn["top10_intl"], jpn["top10_domestic"]) == approx(
        (1 / 2, 1 / 6, 1 / 3)
    )
    # USA: A01 .25 + B02 .5 + C01 1 + C02 .5 = 2.25; Top10% .25 + C01 .5 + C02 .25 = 1
    usa = row(institution, "USA", 2018, "fractional")
    assert (usa["papers"], usa["top10_papers"]) == approx((0.75, 1 / 3))
    # GBR: A01 .25 + B02 .5 + C02 .5 = 1.25; Top10% .25 + .25 = .5
    gbr = row(institution, "GBR", 2018, "fractional")
    assert (gbr["papers"], gbr["top10_papers"]) == approx((1.25 / 3, 1 / 6))
    # fractional credits add up to the World (no unknown Top10% paper in 2018-2020)
    total = jpn["top10_papers"] + usa["top10_papers"] + gbr["top10_papers"]
    assert total == approx(row(institution, "WLD", 2018, "fractional")["top10_papers"])
    assert jpn["world_share_top10_pct"] == approx(50)


def test_fractional_counting_by_author(tmp_path):
    mart, _ = run_fixture(tmp_path, top10={"fractional_unit": "author"})
    # A01: authors 1 (JPN), 2 (JPN), 3 (USA + GBR): JPN 2/3, USA 1/6, GBR 1/6.
    # C02 has no author brackets: each address stands for one author, 1/2 each.
    # JPN: 2/3 + A02 1 + B01 1 = 8/3 -> 8/9; Top10% 2/3 + 1 = 5/3 -> 5/9
    jpn = row(mart, "JPN", 2018, "fractional")
    assert jpn["counting_unit"] == "author"
    assert (jpn["papers"], jpn["top10_papers"]) == approx((8 / 9, 5 / 9))
    # USA: 1/6 + B02 1/2 + C01 1 + C02 1/2 = 13/6; Top10% 1/6 + 1/2 + 1/4 = 11/12
    usa = row(mart, "USA", 2018, "fractional")
    assert (usa["papers"], usa["top10_papers"]) == approx((13 / 18, 11 / 36))
    # GBR: 1/6 + 1/2 + 1/2 = 7/6; Top10% 1/6 + 1/4 = 5/12
    gbr = row(mart, "GBR", 2018, "fractional")
    assert (gbr["papers"], gbr["top10_papers"]) == approx((7 / 18, 5 / 36))


def test_rank_ties_share_a_place(institution):
    # 2018-2020 whole: JPN 2/3 and USA 2/3 tie for 1st, GBR 1/2 is 3rd
    ranks = {c: row(institution, c, 2018)["rank_top10"] for c in ("JPN", "USA", "GBR")}
    assert ranks == {"JPN": 1, "USA": 1, "GBR": 3}
    # fractional: JPN 1/2, USA 1/3, GBR 1/6
    ranks = {
        c: row(institution, c, 2018, "fractional")["rank_top10"] for c in ("JPN", "USA", "GBR")
    }
    assert ranks == {"JPN": 1, "USA": 2, "GBR": 3}
    assert row(institution, "WLD", 2018)["rank_top10"] is None
    # 2019-2021 whole: JPN B01 1, USA C01 + C02 = 1, KOR D01 0.5, GBR C02 0.5 (B02 weighs 0)
    ranks = {c: row(institution, c, 2019)["rank_top10"] for c in ("JPN", "USA", "KOR", "GBR")}
    assert ranks == {"JPN": 1, "USA": 1, "KOR": 3, "GBR": 3}


def test_world_row_counts_papers_without_a_located_affiliation(institution):
    # 2019-2021: Top10% B01 1 (domestic), C01 .5 (domestic), C02 .5 (intl), D01 .5 (domestic),
    # D03 .5 (no affiliation). Per year: intl 1/6, domestic 2/3, unknown 1/6, total 1.
    for counting in ("whole", "fractional"):
        world = row(institution, "WLD", 2019, counting)
        assert (world["papers"], world["top10_papers"]) == approx((10, 1))
        assert (world["top10_intl"], world["top10_domestic"], world["top10_unknown"]) == approx(
            (1 / 6, 2 / 3, 1 / 6)
        )
        assert world["intl_papers"] == approx(2 / 3)  # B02, C02
        assert world["world_share_top10_pct"] == approx(100)
    # on country rows the split is complete: unknown is always 0
    countries = institution.filter(pl.col("country") != "WLD")
    assert countries["top10_unknown"].abs().max() == 0
    # fractional: the countries hold everything but D03's half
    fractional = institution.filter(
        (pl.col("period_start") == 2019)
        & (pl.col("counting") == "fractional")
        & (pl.col("field") == "Chem")
        & (pl.col("country") != "WLD")
    )
    assert fractional["top10_papers"].sum() == approx(1 - 1 / 6)


def test_all_field_equals_the_only_field(institution):
    chem = institution.filter(pl.col("field") == "Chem").drop("field")
    everything = institution.filter(pl.col("field") == "ALL").drop("field")
    assert chem.equals(everything)


def test_short_data_give_one_shorter_window_and_window_length_is_a_parameter(tmp_path):
    mart, _ = run_fixture(tmp_path / "five", top10={"window_years": 5})
    # 4 years of data, window of 5: one window 2018-2021, averaged over its 4 years
    world = mart.filter((pl.col("country") == "WLD") & (pl.col("field") == "ALL"))
    assert set(world.select("period_start", "period_end", "years").rows()) == {(2018, 2021, 4)}
    assert world["papers"][0] == approx(40 / 4)
    mart, _ = run_fixture(tmp_path / "two", top10={"window_years": 2})
    windows = mart.select("period_start", "period_end").unique().sort("period_start")
    assert windows.rows() == [(2018, 2019), (2019, 2020), (2020, 2021)]
    # JPN 2018-2019 whole: A01 + B01 = 2 Top10% papers / 2 years
    assert row(mart, "JPN", 2018)["top10_papers"] == approx(1)


def test_whole_counting_only(tmp_path):
    mart, _ = run_fixture(tmp_path, top10={"counting": ["whole"]})
    assert set(mart["counting"]) == {"whole"}


def test_affiliation_of_an_unknown_paper_fails_validation(tmp_path, kpi):
    data = write_fixture(tmp_path / "data")
    with (data / "affiliations.csv").open("a", encoding="utf-8") as handle:
        handle.write("ZZ99,1,1,Author 1,Univ Z,JPN,Japan\n")
    rows = len(ADDRESSES) + 1  # data row number of the appended line
    done = kpi("run", "--data", data, "--out", tmp_path / "out")
    assert done.returncode == 1, done.stderr
    assert "foreign_key" in done.stderr and "ZZ99" in done.stderr
    failures = pl.read_csv(tmp_path / "out" / "validation" / "failures.csv")
    assert failures.select("dataset", "row", "column", "check", "value").rows() == [
        ("affiliations", rows, "paper_id", "foreign_key(papers.paper_id)", "ZZ99")
    ]
    assert not (tmp_path / "out" / "indicators").exists()


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_byte_identical_across_runs_with_several_threads(tmp_path, monkeypatch, repo):
    # the shipped synthetic set (12,000 papers), run twice with 4 threads and once with 1
    connect = duckdb.connect

    def run_with(threads, out):
        def connect_with_threads(*args, **kwargs):
            con = connect(*args, **kwargs)
            con.execute(f"set threads = {threads}")
            return con

        monkeypatch.setattr(pipeline.duckdb, "connect", connect_with_threads)
        data = tmp_path / "data"
        if not data.exists():
            data.mkdir()
            for name in ("papers.parquet", "affiliations.parquet"):
                shutil.copy(repo / "data" / name, data / name)
        result = run_pipeline(data, out)
        assert result.exit_code == 0, result.error
        files = sorted((out / "indicators").glob("top10_*.parquet"))
        assert [f.name for f in files] == [
            "top10_cells.parquet",
            "top10_coauthorship.parquet",
            "top10_paper_weights.parquet",
        ]
        return [_sha256(f) for f in files]

    first = run_with(4, tmp_path / "a")
    assert run_with(4, tmp_path / "b") == first
    assert run_with(1, tmp_path / "c") == first


@pytest.mark.parametrize(
    ("as_china", "expected"), [(False, "international"), (True, "domestic_multi")]
)
def test_hong_kong_can_be_counted_as_china(tmp_path, as_china, expected):
    # a Hong Kong + mainland paper is international unless top10.hk_macau_as_china is set
    data = tmp_path / "data"
    write_csv(data, "papers", [
        {"paper_id": "H1", "pub_year": 2020, "field": "Chem", "doc_type": "article",
         "citations": 5, "source": "fixture"},
    ])  # fmt: skip
    write_csv(data, "affiliations", [
        {"paper_id": "H1", "address_seq": 1, "author_seq": 1, "author": "A", "institution": "HKU",
         "country": "HKG", "country_raw": "Hong Kong, Peoples R China"},
        {"paper_id": "H1", "address_seq": 2, "author_seq": 2, "author": "B", "institution": "PKU",
         "country": "CHN", "country_raw": "Peoples R China"},
    ])  # fmt: skip
    result = run_pipeline(data, tmp_path / "out", top10={"hk_macau_as_china": as_china})
    assert result.exit_code == 0, result.error
    weights = indicator(tmp_path / "out", "top10_paper_weights")
    assert weights["coauthorship"].to_list() == [expected]
    mart = indicator(tmp_path / "out", "top10_coauthorship")
    countries = set(mart["country"]) - {"WLD"}
    assert countries == ({"CHN"} if as_china else {"CHN", "HKG"})
