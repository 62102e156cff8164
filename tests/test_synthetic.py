"""The seeded synthetic paper set: deterministic, labelled synthetic, and covering every path."""

import math

import polars as pl
import pyarrow.parquet as pq
import pytest

from kpi import synthetic

FILES = ("papers.parquet", "affiliations.parquet")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    synthetic.write_synthetic(out)
    return out


@pytest.fixture(scope="module")
def frames(fresh):
    return pl.read_parquet(fresh / "papers.parquet"), pl.read_parquet(
        fresh / "affiliations.parquet"
    )


def metadata(path) -> dict[str, str]:
    raw = pq.read_schema(path).metadata
    return {k.decode(): v.decode() for k, v in raw.items() if k != b"ARROW:schema"}


def test_same_seed_gives_byte_identical_files(fresh, tmp_path):
    synthetic.write_synthetic(tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (fresh / name).read_bytes(), name


def test_another_seed_gives_another_set(tmp_path):
    synthetic.write_synthetic(tmp_path / "a", seed=1, papers=500)
    synthetic.write_synthetic(tmp_path / "b", seed=2, papers=500)
    a, b = (pl.read_parquet(tmp_path / d / "papers.parquet") for d in "ab")
    assert a.height == b.height == 500
    assert not a.equals(b)


def test_shipped_data_is_the_generator_output(fresh, repo):
    for name in FILES:
        shipped, regenerated = repo / "data" / name, fresh / name
        assert pl.read_parquet(shipped).equals(pl.read_parquet(regenerated)), name
        assert metadata(shipped) == metadata(regenerated)
        # byte-identical whenever the Parquet writer is the same version
        writer = pq.ParquetFile(regenerated).metadata.created_by
        if pq.ParquetFile(shipped).metadata.created_by == writer:
            assert shipped.read_bytes() == regenerated.read_bytes(), name


def test_labelled_synthetic(fresh, frames):
    papers, _ = frames
    for name in FILES:
        meta = metadata(fresh / name)
        assert meta["synthetic"] == "true"
        assert meta["description"].startswith("SYNTHETIC")
        assert (meta["seed"], meta["papers"]) == (str(synthetic.DEFAULT_SEED), "12000")
    assert papers["source"].unique().to_list() == ["synthetic"]
    assert papers.height == 12_000


def cells(papers: pl.DataFrame) -> pl.DataFrame:
    eligible = papers.filter(pl.col("doc_type").is_in(["article", "review"]))
    return eligible.group_by("field", "pub_year").agg(pl.col("citations").sort(descending=True))


def test_degenerate_cells_are_present(frames):
    papers, _ = frames
    sizes = cells(papers).with_columns(n=pl.col("citations").list.len())
    assert sizes.filter(pl.col("n") == 1).height >= 1  # single-paper cells
    assert sizes.filter(pl.col("n").is_between(2, 9)).height >= 5  # n < 10
    zero = sizes.filter((pl.col("n") >= 10) & (pl.col("citations").list.max() == 0))
    assert zero.height >= 1  # an uncited cell of 10 or more papers
    assert papers["field"].null_count() > 0  # Unclassified


def test_ties_straddle_the_top_tenth(frames):
    # in some cell the paper at rank ceil(n/10) has the same count as the next one down, so
    # the tie is split by the threshold rule
    papers, _ = frames
    straddling = 0
    for values in cells(papers)["citations"].to_list():
        k = math.ceil(len(values) / 10)
        if len(values) >= 10 and values[k - 1] == values[k] > 0:
            straddling += 1
    assert straddling >= 10


def test_every_affiliation_path_is_present(frames):
    papers, affiliations = frames
    eligible = papers.filter(pl.col("doc_type").is_in(["article", "review"]))
    assert set(papers["doc_type"]) >= {"article", "review", "proceedings paper", "letter"}
    assert eligible["pub_year"].n_unique() >= 8
    assert eligible["field"].n_unique() >= 6
    without = eligible.join(affiliations.select("paper_id").unique(), on="paper_id", how="anti")
    assert without.height > 50
    per_paper = affiliations.group_by("paper_id").agg(pl.col("country").drop_nulls().n_unique())
    assert per_paper.filter(pl.col("country") >= 3).height > 50
    multi_address = affiliations.drop_nulls("author_seq").group_by("paper_id", "author_seq").len()
    assert multi_address.filter(pl.col("len") >= 2).height > 50
    assert affiliations["author_seq"].null_count() > 0  # addresses without author brackets
    assert affiliations["country"].null_count() > 0  # unmapped countries
    assert set(affiliations["country"].drop_nulls()) >= {
        "JPN", "USA", "GBR", "DEU", "CHN", "FRA", "KOR"
    }  # fmt: skip


def test_files_pass_the_input_contracts(fresh, kpi, tmp_path):
    done = kpi("validate", "--data", fresh, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stdout + done.stderr


def test_cli_writes_a_chosen_seed_and_size(kpi, tmp_path):
    done = kpi("synthesize", "--out", tmp_path / "s", "--seed", "7", "--papers", "300")
    assert done.returncode == 0, done.stderr
    assert pl.read_parquet(tmp_path / "s" / "papers.parquet").height == 300
    assert metadata(tmp_path / "s" / "affiliations.parquet")["seed"] == "7"
    done = kpi("synthesize", "--out", tmp_path / "t", "--papers", "10")
    assert done.returncode == 2
    assert "at least" in done.stderr
    assert not (tmp_path / "t").exists()


def test_too_few_papers_are_refused():
    with pytest.raises(ValueError, match="at least"):
        synthetic.generate(papers=synthetic.MIN_PAPERS - 1)
