"""The DuckDB-generated benchmark set: deterministic per seed and shaped like a bibliography."""

import polars as pl
import pytest

from kpi import synth_large

FILES = ("papers.parquet", "affiliations.parquet")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("large")
    synth_large.write_large(out, 50_000, seed=3)
    return pl.read_parquet(out / "papers.parquet"), pl.read_parquet(out / "affiliations.parquet")


def test_same_seed_gives_byte_identical_files_and_another_seed_another_set(tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        synth_large.write_large(tmp_path / name, 2_000, seed=seed)
    for file in FILES:
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    a = pl.read_parquet(tmp_path / "a" / "papers.parquet")
    c = pl.read_parquet(tmp_path / "c" / "papers.parquet")
    assert a["paper_id"].to_list() == c["paper_id"].to_list()
    assert a["citations"].to_list() != c["citations"].to_list()


def test_papers_cover_22_fields_20_years_and_several_doc_types(sample):
    papers, _ = sample
    assert papers.height == 50_000 and papers["paper_id"].n_unique() == 50_000
    assert papers["field"].drop_nulls().n_unique() == 22
    assert papers["field"].null_count() > 0  # the Unclassified path
    assert papers["pub_year"].max() - papers["pub_year"].min() + 1 >= 20
    doc_types = set(papers["doc_type"].unique())
    assert {"article", "review"} < doc_types and len(doc_types) >= 4


def test_citations_are_heavy_tailed_with_many_ties_at_low_counts(sample):
    citations = sample[0]["citations"]
    assert citations.min() == 0 and (citations == 0).mean() > 0.15
    # ties: the low counts repeat thousands of times; the tail reaches 100x the median
    assert (citations == 1).sum() > 1_000
    assert citations.max() > 100 * citations.median()


def test_affiliations_are_1_to_20_per_paper_about_40_percent_international(sample):
    papers, affiliations = sample
    per_paper = affiliations.group_by("paper_id").agg(
        pl.len().alias("rows"), pl.col("country").drop_nulls().n_unique().alias("countries")
    )
    assert per_paper["rows"].min() == 1 and per_paper["rows"].max() == 20
    assert 0.005 < 1 - per_paper.height / papers.height < 0.05  # papers without affiliations
    international = (per_paper["countries"] >= 2).sum() / papers.height
    assert 0.35 < international < 0.45
    assert 2.3 < affiliations.height / papers.height < 3.0  # 10M papers -> 25-30M rows


def test_affiliations_span_150_countries_with_some_unmapped_and_keep_contract_keys(sample):
    _, affiliations = sample
    assert affiliations["country"].drop_nulls().n_unique() >= 150
    unmapped = affiliations.filter(pl.col("country").is_null())
    assert unmapped.height > 0 and unmapped["country_raw"].null_count() == 0
    assert affiliations.select("paper_id", "address_seq", "author_seq").is_duplicated().sum() == 0
    with_author = affiliations.filter(pl.col("author").is_not_null())
    assert with_author["author_seq"].null_count() == 0


def test_kpi_synth_writes_both_files(kpi, tmp_path):
    result = kpi("synth", "--out", tmp_path, "--papers", "500", "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert pl.read_parquet(tmp_path / "papers.parquet").height == 500
    assert kpi("synth", "--out", tmp_path, "--papers", "0").returncode == 2
