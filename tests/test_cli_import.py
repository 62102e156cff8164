"""`kpi import wos|openalex` through the real command, then `kpi run` on what it wrote."""

import json
from pathlib import Path

import polars as pl
import pytest

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


def test_import_wos_esi_fields_then_run(tmp_path, kpi):
    data = tmp_path / "data"
    done = kpi(
        "import", "wos", FIXTURES / "wos_esi.txt", "--out", data,
        "--field-scheme", "esi", "--esi-journals", FIXTURES / "esi_journals.csv",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # the unmatched journal (107) and the multidisciplinary one (106) are warned about
    assert "PROCEEDINGS OF THE BEACON CONFERENCE" in done.stderr
    assert "Multidisciplinary" in done.stderr
    report = json.loads((data / "import_report.json").read_text(encoding="utf-8"))
    assert report["field_assignment"]["unassigned"] == {"unmatched": 1, "multidisciplinary": 1}
    run = kpi("run", "--data", data, "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    # all nine papers are 2021 articles: ENGINEERING 101 + 109, PHYSICS 104 + 105, one each
    # for CHEMISTRY, COMPUTER SCIENCE and SOCIAL SCIENCES, GENERAL, and 106 + 107 unclassified
    cells = pl.read_parquet(tmp_path / "out" / "indicators" / "top10_cells.parquet")
    assert dict(cells.select("field", "papers").iter_rows()) == {
        "CHEMISTRY": 1,
        "COMPUTER SCIENCE": 1,
        "ENGINEERING": 2,
        "PHYSICS": 2,
        "SOCIAL SCIENCES, GENERAL": 1,
        "Unclassified": 2,
    }


def test_import_wos_esi_strict_names_the_unmatched_record_and_writes_nothing(tmp_path, kpi):
    data = tmp_path / "data"
    done = kpi(
        "import", "wos", FIXTURES / "wos_esi.txt", "--out", data, "--strict",
        "--field-scheme", "esi", "--esi-journals", FIXTURES / "esi_journals.csv",
    )  # fmt: skip
    assert done.returncode == 1
    message = " ".join(done.stderr.split())
    for text in ("wos_esi.txt, row 8", "WOS:000000000000107", "SN '1111-2222'", "EI ''"):
        assert text in message
    assert "SO 'PROCEEDINGS OF THE BEACON CONFERENCE'" in message
    assert not data.exists()


def test_import_wos_esi_list_error_names_the_list(tmp_path, kpi):
    journals = tmp_path / "journals.csv"
    journals.write_text("issn,field\n1234-5678,PHYSICS\n12345678,CHEMISTRY\n", encoding="utf-8")
    done = kpi(
        "import", "wos", FIXTURES / "wos_esi.txt", "--out", tmp_path / "data",
        "--field-scheme", "esi", "--esi-journals", journals,
    )  # fmt: skip
    assert done.returncode == 1
    message = " ".join(done.stderr.split())
    assert "journals.csv, row 3, column 'issn'" in message and "'12345678'" in message


@pytest.mark.parametrize(
    "options",
    [
        ["--field-scheme", "esi"],
        ["--esi-journals", FIXTURES / "esi_journals.csv"],
        ["--field-scheme", "first-wc"],
    ],
    ids=["esi-without-list", "list-without-esi", "unknown-scheme"],
)
def test_import_wos_field_scheme_usage_errors(tmp_path, kpi, options):
    done = kpi("import", "wos", FIXTURES / "wos_esi.txt", "--out", tmp_path / "data", *options)
    assert done.returncode == 2
    assert "--esi-journals" in done.stderr or "--field-scheme" in done.stderr
    assert not (tmp_path / "data").exists()
