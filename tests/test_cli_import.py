"""`kpi import wos|openalex` through the real command, then `kpi run` on what it wrote."""

from pathlib import Path

import polars as pl

FIXTURES = Path(__file__).parent / "importers" / "fixtures"


def test_import_wos_then_run(tmp_path, kpi):
    data = tmp_path / "data"
    done = kpi("import", "wos", FIXTURES / "wos_a.txt", "--out", data)
    assert done.returncode == 0, done.stderr
    # 4 records: WOS...3 has neither PY nor EA and is skipped; WOS...2 takes its year from EA
    papers = pl.read_parquet(data / "papers.parquet").sort("paper_id")
    assert papers["paper_id"].to_list() == [
        "WOS:000000000000001",
        "WOS:000000000000002",
        "WOS:000000000000004",
    ]
    assert papers["pub_year"].to_list() == [2021, 2022, 2020]
    # "Lost Univ, Atlantis" maps to no country: kept, warned about, exit 0
    assert "Atlantis" in done.stderr
    affiliations = pl.read_parquet(data / "affiliations.parquet")
    assert affiliations.filter(pl.col("country_raw") == "Atlantis")["country"].to_list() == [None]
    run = kpi("run", "--data", data, "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "indicators" / "top10_coauthorship.parquet").exists()
    assert not (tmp_path / "out" / "indicators" / "exchange_researchers.parquet").exists()


def test_import_wos_strict_rejects_unmapped_countries_and_writes_nothing(tmp_path, kpi):
    data = tmp_path / "data"
    done = kpi("import", "wos", FIXTURES / "wos_a.txt", "--out", data, "--strict")
    assert done.returncode == 1
    assert "Atlantis" in done.stderr
    assert not (data / "papers.parquet").exists()


def test_import_openalex(tmp_path, kpi):
    done = kpi("import", "openalex", FIXTURES / "openalex_works.jsonl", "--out", tmp_path / "oa")
    assert done.returncode == 0, done.stderr
    assert pl.read_parquet(tmp_path / "oa" / "papers.parquet")["source"].unique().to_list() == [
        "openalex"
    ]


def test_import_of_a_missing_file_is_a_usage_error(tmp_path, kpi):
    assert kpi("import", "wos", tmp_path / "nope.txt", "--out", tmp_path / "x").returncode == 2
