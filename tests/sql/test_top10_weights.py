"""Top10% weights per field x year cell: thresholds, ties, degenerate cells, both methods."""

import polars as pl
import pytest
from pytest import approx

from tests.helpers import indicator, run_pipeline, write_csv


def paper(paper_id, field, citations, year=2020, doc_type="article"):
    return {"paper_id": paper_id, "pub_year": year, "field": field, "doc_type": doc_type,
            "citations": citations, "source": "fixture"}  # fmt: skip


def cells() -> list[dict]:
    rows = []
    # Ties: 20 papers -> n/10 = 2. One paper above the threshold t = 5 (weight 1); three tied
    # at 5 share the remaining 1 (1/3 each). One of them is a Review (case-insensitive).
    rows += [paper("T01", "Ties", 9), paper("T02", "Ties", 5), paper("T03", "Ties", 5)]
    rows += [paper("T04", "Ties", 5, doc_type="Review")]
    rows += [paper(f"T{i:02d}", "Ties", 0) for i in range(5, 21)]
    # not an article or review: outside every cell, whatever its citations
    rows += [paper("X01", "Ties", 100, doc_type="proceedings paper")]
    # Filled: 20 papers, n/10 = 2; t = 5 (18 papers have <= 5) and the two papers above it
    # already fill the 2, so the papers tied at 5 get 0 under both methods.
    rows += [paper("F01", "Filled", 9), paper("F02", "Filled", 8)]
    rows += [paper("F03", "Filled", 5), paper("F04", "Filled", 5)]
    rows += [paper(f"F{i:02d}", "Filled", 0) for i in range(5, 21)]
    # Zeros: 12 uncited papers. t = 0, no paper above it: each gets 1.2 / 12 = 0.1.
    rows += [paper(f"Z{i:02d}", "Zeros", 0) for i in range(1, 13)]
    # Small (n < 10): n/10 = 0.4. t = 7 (only at 7 are all 4 papers <= t): the 7 gets 0.4.
    rows += [paper("S01", "Small", 7), paper("S02", "Small", 3), paper("S03", "Small", 3)]
    rows += [paper("S04", "Small", 0)]
    # SmallTie: n = 5, n/10 = 0.5 shared by the two papers tied at the top (0.25 each).
    rows += [paper("K01", "SmallTie", 6), paper("K02", "SmallTie", 6)]
    rows += [paper("K03", "SmallTie", 1), paper("K04", "SmallTie", 0), paper("K05", "SmallTie", 0)]
    # Single: one paper -> 0.1.
    rows += [paper("O01", "Single", 3)]
    # Fifteen: n/10 = 1.5. 12 papers have 1 (< 13.5 = 90%), 14 have <= 9 -> t = 9. The 10 is
    # above (1); the two 9s share 0.5 (0.25 each). nistep: S = {10, 9, 9}, 1.5 / 3 = 0.5 each.
    rows += [paper("N01", "Fifteen", 10), paper("N02", "Fifteen", 9), paper("N03", "Fifteen", 9)]
    rows += [paper(f"N{i:02d}", "Fifteen", 1) for i in range(4, 16)]
    # No field: a cell of its own, Unclassified: n = 2, 0.2 to the 4.
    rows += [paper("U01", None, 4), paper("U02", "", 2)]
    # Ties in 2021: another cell (field x year), one paper -> 0.1.
    rows += [paper("Y01", "Ties", 50, year=2021)]
    return rows


def affiliations() -> list[dict]:
    def row(paper_id, country):
        return {"paper_id": paper_id, "address_seq": 1, "author_seq": 1, "author": "A",
                "institution": f"Univ {country}", "country": country, "country_raw": country}  # fmt: skip

    # JPN holds T01 (Ties, weight 1) and S01 (Small, weight 0.4).
    return [row("T01", "JPN"), row("S01", "JPN"), row("T05", "USA")]


def run_cells(tmp_path, **overrides):
    data = tmp_path / "data"
    write_csv(data, "papers", cells())
    write_csv(data, "affiliations", affiliations())
    result = run_pipeline(data, tmp_path / "out", **overrides)
    assert result.exit_code == 0, result.error
    weights = indicator(tmp_path / "out", "top10_paper_weights")
    return dict(zip(weights["paper_id"], weights.iter_rows(named=True), strict=True)), tmp_path


@pytest.fixture(scope="module")
def cwts(tmp_path_factory):
    return run_cells(tmp_path_factory.mktemp("cwts"))


@pytest.fixture(scope="module")
def nistep(tmp_path_factory):
    return run_cells(tmp_path_factory.mktemp("nistep"), top10={"method": "nistep"})


def weights_of(weights, *ids, column="weight"):
    return [weights[i][column] for i in ids]


def cell_of(run, field, year=2020):
    """The paper's cell as published in top10_cells."""
    cells = indicator(run[1] / "out", "top10_cells")
    (row,) = cells.filter((pl.col("field") == field) & (pl.col("pub_year") == year)).to_dicts()
    return row


def test_tied_papers_share_the_remaining_weight(cwts):
    w, _ = cwts
    assert weights_of(w, "T01", "T02", "T03", "T04", "T05") == approx([1, 1 / 3, 1 / 3, 1 / 3, 0])
    assert w["T04"]["doc_type"] == "review"
    cell = cell_of(cwts, "Ties")
    assert (cell["threshold"], cell["papers_above"], cell["papers_at"]) == (5, 1, 3)
    assert cell["papers"] == 20 and cell["top10_target"] == approx(2)
    assert cell["weight_at_threshold"] == approx(1 / 3)
    # nistep: S = the 9 and the three 5s, 2 / 4 each
    assert (cell["nistep_threshold"], cell["nistep_papers"]) == (5, 4)
    assert cell["nistep_weight"] == approx(0.5)
    assert cell["method"] == "cwts"


def test_top10_cells_has_one_row_per_field_and_year(cwts, nistep):
    cells = indicator(cwts[1] / "out", "top10_cells")
    expected = {
        ("Ties", 2020): 20, ("Filled", 2020): 20, ("Zeros", 2020): 12, ("Small", 2020): 4,
        ("SmallTie", 2020): 5, ("Single", 2020): 1, ("Fifteen", 2020): 15,
        ("Unclassified", 2020): 2, ("Ties", 2021): 1,
    }  # fmt: skip
    papers = {(r["field"], r["pub_year"]): r["papers"] for r in cells.iter_rows(named=True)}
    assert papers == expected and cells.height == len(expected)
    assert cells["top10_target"].to_list() == approx([n / 10 for n in cells["papers"]])
    assert set(indicator(nistep[1] / "out", "top10_cells")["method"]) == {"nistep"}


def test_other_document_types_enter_no_cell(cwts):
    w, _ = cwts
    assert "X01" not in w


def test_papers_at_threshold_get_nothing_when_those_above_fill_the_tenth(cwts, nistep):
    for w, _ in (cwts, nistep):
        assert weights_of(w, "F01", "F02", "F03", "F04", "F05") == approx([1, 1, 0, 0, 0])
    cell = cell_of(cwts, "Filled")
    assert (cell["threshold"], cell["weight_at_threshold"]) == (5, 0)
    # S is the papers above 5: the 9 and the 8, 2 / 2 each
    assert (cell["nistep_threshold"], cell["nistep_papers"], cell["nistep_weight"]) == (8, 2, 1)


def test_all_zero_cell_gives_every_paper_a_tenth(cwts, nistep):
    for w, _ in (cwts, nistep):
        assert weights_of(w, *[f"Z{i:02d}" for i in range(1, 13)]) == approx([0.1] * 12)
    assert cell_of(cwts, "Zeros")["threshold"] == 0


def test_cells_smaller_than_ten_give_their_n_tenths_to_the_top(cwts, nistep):
    for w, _ in (cwts, nistep):
        assert weights_of(w, "S01", "S02", "S03", "S04") == approx([0.4, 0, 0, 0])
        assert weights_of(w, "K01", "K02", "K03", "K04", "K05") == approx([0.25, 0.25, 0, 0, 0])
        assert w["O01"]["weight"] == approx(0.1)
        assert w["Y01"]["weight"] == approx(0.1)  # same field, another year: its own cell


def test_unclassified_papers_form_their_own_cell(cwts):
    w, _ = cwts
    assert (w["U01"]["field"], w["U02"]["field"]) == ("Unclassified", "Unclassified")
    assert weights_of(w, "U01", "U02") == approx([0.2, 0])


def test_methods_differ_only_in_how_ties_share(cwts, nistep):
    c, n = cwts[0], nistep[0]
    assert weights_of(c, "N01", "N02", "N03", "N04") == approx([1, 0.25, 0.25, 0])
    assert weights_of(n, "N01", "N02", "N03", "N04") == approx([0.5, 0.5, 0.5, 0])
    # nistep on the Ties cell: S = {9, 5, 5, 5}, 2 / 4 = 0.5 each
    assert weights_of(n, "T01", "T02", "T03", "T04", "T05") == approx([0.5] * 4 + [0])
    assert cell_of(nistep, "Fifteen")["method"] == "nistep"
    # both weights are always published; `weight` is the configured one
    assert weights_of(c, "N02", column="weight_nistep") == approx([0.5])


def test_every_cell_sums_to_a_tenth_of_its_papers(cwts, nistep):
    for w, _ in (cwts, nistep):
        frame = pl.DataFrame(list(w.values()))
        sums = frame.group_by("field", "pub_year").agg(pl.sum("weight"), pl.len())
        for row in sums.iter_rows(named=True):
            assert row["weight"] == approx(row["len"] / 10, abs=1e-12), row


def test_top_share_is_a_parameter(tmp_path):
    # top_share 0.2 on Ties: target 4; 16 papers have 0 (= 80%) -> t = 0, and the four cited
    # papers above it fill the 4 exactly: weight 1 each, the uncited 0.
    w, _ = run_cells(tmp_path, top10={"top_share": 0.2})
    assert weights_of(w, "T01", "T02", "T03", "T04", "T05") == approx([1, 1, 1, 1, 0])
    assert w["Z01"]["weight"] == approx(0.2)  # all-zero cell: 2.4 / 12


def test_all_fields_add_field_normalised_weights(cwts):
    _, root = cwts
    mart = indicator(root / "out", "top10_coauthorship")
    jpn = mart.filter(
        (pl.col("country") == "JPN") & (pl.col("field") == "ALL") & (pl.col("counting") == "whole")
    )
    # one window, 2020-2021 (the data span 2 years). T01 weighs 1 in Ties, S01 0.4 in Small:
    # (1 + 0.4) / 2 years = 0.7. A threshold pooled over all 80 papers would have given S01
    # (7 citations, among the 8 most cited) a full 1.
    assert jpn.select("period_start", "period_end", "years").row(0) == (2020, 2021, 2)
    assert jpn["top10_papers"][0] == approx(0.7)
    world = mart.filter(
        (pl.col("country") == "WLD") & (pl.col("field") == "ALL") & (pl.col("counting") == "whole")
    )
    # 80 papers in cells (X01 is not) -> 8 Top10% papers over 2 years
    assert world["papers"][0] == approx(80 / 2)
    assert world["top10_papers"][0] == approx(8 / 2)
