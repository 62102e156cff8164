"""What counts as one institution, and the audits on the affiliation rows, on a Parquet fixture
(Parquet keeps '' apart from a missing value and keeps the spaces around a name)."""

import polars as pl
import pytest
from pytest import approx

from tests.helpers import indicator, run_pipeline

PAPERS = [
    # one cell of 10 papers (n/10 = 1): P1 alone above the rest, so its weight is 1
    {"paper_id": "P1", "pub_year": 2020, "field": "Chem", "doc_type": "article",
     "citations": 9, "source": "fixture"},
    *({"paper_id": f"Q{i}", "pub_year": 2020, "field": "Chem", "doc_type": "article",
       "citations": 0, "source": "fixture"} for i in range(2, 11)),
]  # fmt: skip

# (paper, address_seq, author_seq, institution, country)
P1_ADDRESSES = [
    (1, 1, "Univ A", "JPN"),
    (2, 2, "  Univ A ", "JPN"),     # the same name once trimmed: Univ A again
    (3, 3, "", "JPN"),              # an empty name is no name: an institution of its own
    (4, 4, "   ", "JPN"),           # blank is no name either: another one
    (5, 5, None, "JPN"),            # no name: an institution of its own
    (6, 6, None, "JPN"),            # and another one
    (7, 7, "#address 5", "JPN"),    # a name like any other, not address 5
    (8, 8, "Univ A", "USA"),        # the same name in another country: another institution
]  # fmt: skip
# JPN: Univ A, addresses 3, 4, 5 and 6, '#address 5' = 6 institutions; USA: 1 -> 7 in all
# (whether a file writes a missing name as empty, blank or null changes nothing).


def write_fixture(data, extra_affiliations=()):
    data.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(PAPERS).write_parquet(data / "papers.parquet")
    rows = [
        {"paper_id": "P1", "address_seq": seq, "author_seq": author, "author": f"Author {author}",
         "institution": inst, "country": country, "country_raw": country}
        for seq, author, inst, country in P1_ADDRESSES
    ] + list(extra_affiliations)  # fmt: skip
    schema = {
        "paper_id": pl.String, "address_seq": pl.Int32, "author_seq": pl.Int32,
        "author": pl.String, "institution": pl.String, "country": pl.String,
        "country_raw": pl.String,
    }  # fmt: skip
    pl.DataFrame(rows, schema=schema).write_parquet(data / "affiliations.parquet")
    return data


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("institutions")
    extra = [
        # Q2: two rows of address 1 that disagree on the institution (a warning, not an error)
        {"paper_id": "Q2", "address_seq": 1, "author_seq": 1, "author": "A", "institution": "X",
         "country": "KOR", "country_raw": "KOR"},
        {"paper_id": "Q2", "address_seq": 1, "author_seq": 2, "author": "B", "institution": "Y",
         "country": "KOR", "country_raw": "KOR"},
        # Q3: two rows of address 1 that agree; a missing name and '' are alike here
        {"paper_id": "Q3", "address_seq": 1, "author_seq": 1, "author": "A", "institution": None,
         "country": "KOR", "country_raw": "KOR"},
        {"paper_id": "Q3", "address_seq": 1, "author_seq": 2, "author": "B", "institution": "",
         "country": "KOR", "country_raw": "KOR"},
        # Q4: a country that could not be mapped
        {"paper_id": "Q4", "address_seq": 1, "author_seq": 1, "author": "A", "institution": "Z",
         "country": None, "country_raw": "Atlantis"},
    ]  # fmt: skip
    data = write_fixture(root / "data", extra)
    result = run_pipeline(data, root / "out")
    assert result.exit_code == 0, result.error
    return result, root / "out"


def test_an_institution_is_a_trimmed_name_in_one_country_or_a_nameless_address(run):
    _, out = run
    weights = indicator(out, "top10_paper_weights")
    p1 = weights.filter(pl.col("paper_id") == "P1").row(0, named=True)
    assert (p1["countries"], p1["institutions"], p1["country_list"]) == (2, 7, "JPN;USA")
    assert p1["coauthorship"] == "international"
    mart = indicator(out, "top10_coauthorship")

    def fractional(country):
        rows = mart.filter(
            (pl.col("country") == country)
            & (pl.col("field") == "Chem")
            & (pl.col("counting") == "fractional")
        )
        return rows.select("papers", "top10_papers").row(0)

    # one year of data: a window of 1 year. P1 (weight 1) is credited 6/7 to JPN and 1/7 to
    # USA; Q2 and Q3 (weight 0) are domestic KOR papers
    assert fractional("JPN") == approx((6 / 7, 6 / 7))
    assert fractional("USA") == approx((1 / 7, 1 / 7))
    assert fractional("KOR") == approx((2, 0))


def test_audits_flag_disagreeing_addresses_and_unmapped_countries(run):
    result, _ = run
    audits = {a.name: a for a in result.audits}
    disagreeing = audits["top10_address_rows_agree"]
    assert disagreeing.severity == "warn"
    # Q2's address names X and Y; Q3's rows agree (no name and '' are alike)
    assert disagreeing.sample == [
        {"paper_id": "Q2", "address_seq": 1, "institutions": 2, "countries": 1}
    ]
    unmapped = audits["top10_affiliations_country_unmapped"]
    assert [(r["paper_id"], r["country_raw"]) for r in unmapped.sample] == [("Q4", "Atlantis")]
    # shares of P1 (6/7 + 1/7) and of Q2, Q3 (1 each) sum to 1: nothing to report
    assert audits["top10_fractional_shares_sum_to_one"].rows == 0
