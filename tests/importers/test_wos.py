import hashlib
from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pytest

from kpi import sql_checks
from kpi.errors import UsageError
from kpi.export import read_metadata
from kpi.importers import KpiImportError, read_wos, write_import
from kpi.importers.output import AFFILIATIONS_SCHEMA, PAPERS_SCHEMA, SORT_KEY
from kpi.importers.wos import affiliation_rows
from tests.helpers import assert_names_the_place

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_WOS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wos_2023"

P = "WOS:X"  # paper id for the C1 parsing tests


def shared_files() -> list[Path]:
    files = sorted(SHARED_WOS.glob("wos_*.txt"))
    if not files:
        pytest.skip("../shared/data/wos_2023 not present")
    return files


# --- C1 parsing, on real address strings from ../shared/data/wos_2023 -------------------------


def test_usa_address_with_state_and_zip():
    # WOS:000426924600001
    c1 = "[Kano, Makito] Intel Corp, Santa Clara, CA 95051 USA"
    assert affiliation_rows(P, c1) == [
        (P, 1, 1, "Kano, Makito", "Intel Corp", "USA", "CA 95051 USA"),
    ]


def test_mainland_china_and_usa_without_zip():
    # WOS:000428141601097: three authors at one Beijing address, a fourth in Virginia.
    c1 = (
        "[Zhang, Yan; Tian, Ye; Wang, Wendong] Beijing Univ Posts & Telecommun, Natl Key Lab "
        "Network & Switching Technol, Beijing, Peoples R China; [Song, Zheng] Virginia Tech, "
        "Software Innovat Lab, Blacksburg, VA USA"
    )
    beijing = ("Beijing Univ Posts & Telecommun", "CHN", "Peoples R China")
    assert affiliation_rows(P, c1) == [
        (P, 1, 1, "Zhang, Yan", *beijing),
        (P, 1, 2, "Tian, Ye", *beijing),
        (P, 1, 3, "Wang, Wendong", *beijing),
        (P, 2, 4, "Song, Zheng", "Virginia Tech", "USA", "VA USA"),
    ]


def test_hong_kong_is_told_apart_from_china_by_the_city_part():
    # WOS:000716940300034 (note the comma without a space inside the US street address).
    c1 = (
        "[Yang, Xiaokun] Univ Houston Clear Lake, 2700 Bay Area Blvd,MC41, Houston, TX 77058 USA; "
        "[He, Xianlong] Ether Elect Co Ltd, Asia Trade Ctr, Kwai Chung, Hong Kong, Peoples R China"
    )
    assert affiliation_rows(P, c1) == [
        (P, 1, 1, "Yang, Xiaokun", "Univ Houston Clear Lake", "USA", "TX 77058 USA"),
        (P, 2, 2, "He, Xianlong", "Ether Elect Co Ltd", "HKG", "Hong Kong, Peoples R China"),
    ]
    as_china = affiliation_rows(P, c1, hk_macau_as_china=True)
    assert [row[5] for row in as_china] == ["USA", "CHN"]


def test_hong_kong_with_postcode_and_macau():
    # WOS:000947225000001 (first entry) and WOS:000541524300057 (second entry).
    c1 = (
        "[Yu, Yue] Hong Kong Polytech Univ, Dept Land Surveying & Geoinformat, Hong Kong 999077, "
        "Peoples R China; [Fong, Simon James] Univ Macau, Taipa, Macau, Peoples R China"
    )
    assert affiliation_rows(P, c1) == [
        (
            P, 1, 1, "Yu, Yue", "Hong Kong Polytech Univ", "HKG",
            "Hong Kong 999077, Peoples R China",
        ),
        (P, 2, 2, "Fong, Simon James", "Univ Macau", "MAC", "Macau, Peoples R China"),
    ]  # fmt: skip
    assert [row[5] for row in affiliation_rows(P, c1, hk_macau_as_china=True)] == ["CHN", "CHN"]


def test_author_in_two_brackets_keeps_one_author_seq():
    # WOS:000386324500003: Goldberg is at Waterloo and at Cambridge (two rows, author_seq 1
    # both times); Jenkinson and Stajano first appear in the second bracket -> 2 and 3.
    c1 = (
        "[Goldberg, Ian] Univ Waterloo, Waterloo, ON, Canada; [Goldberg, Ian; Jenkinson, Graeme; "
        "Stajano, Frank] Univ Cambridge, Cambridge, England"
    )
    cambridge = ("Univ Cambridge", "GBR", "England")
    assert affiliation_rows(P, c1) == [
        (P, 1, 1, "Goldberg, Ian", "Univ Waterloo", "CAN", "Canada"),
        (P, 2, 1, "Goldberg, Ian", *cambridge),
        (P, 2, 2, "Jenkinson, Graeme", *cambridge),
        (P, 2, 3, "Stajano, Frank", *cambridge),
    ]


def test_author_seq_follows_first_appearance_not_bracket_position():
    # WOS:000381012500018: Holz is second in both brackets' order of first appearance:
    # Jin 1, Holz 2, Hornbaek 3 (Hornbaek is second inside the second bracket).
    c1 = (
        "[Jin, Haojian; Holz, Christian] Yahoo Labs, Sunnyvale, CA USA; "
        "[Holz, Christian; Hornbaek, Kasper] Univ Copenhagen, Copenhagen, Denmark"
    )
    rows = affiliation_rows(P, c1)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (1, 1, "Jin, Haojian"),
        (1, 2, "Holz, Christian"),
        (2, 2, "Holz, Christian"),
        (2, 3, "Hornbaek, Kasper"),
    ]
    assert [r[5] for r in rows] == ["USA", "USA", "DNK", "DNK"]


def test_address_without_bracket_after_one_with_a_bracket():
    # WOS:000468651200029: the second address names no author.
    c1 = (
        "[Choi, Junyoung] Seoul Natl Univ, Dept ECE, Seoul, South Korea; "
        "Seoul Natl Univ, INMC, Seoul, South Korea"
    )
    assert affiliation_rows(P, c1) == [
        (P, 1, 1, "Choi, Junyoung", "Seoul Natl Univ", "KOR", "South Korea"),
        (P, 2, None, None, "Seoul Natl Univ", "KOR", "South Korea"),
    ]


def test_c1_without_any_bracket():
    # WOS:000313296504064
    assert affiliation_rows(P, "Vital Connect Inc, Campbell, CA 95008 USA") == [
        (P, 1, None, None, "Vital Connect Inc", "USA", "CA 95008 USA"),
    ]


def test_empty_c1_has_no_rows():
    assert affiliation_rows(P, "") == []


# --- whole import of the hand-made fixtures ---------------------------------------------------


@pytest.fixture
def fixture_result():
    return read_wos([FIXTURES / "wos_a.txt", FIXTURES / "wos_b.txt"])


def test_fixture_papers(fixture_result):
    # wos_a: 001 (PY 2021, DT Article; Early Access), 002 (no PY, EA MAR 2022, no WC),
    # 003 (no PY, no EA -> skipped), 004 (DT Book Chapter; Review).
    # wos_b (other column order, no trailing tab): 001 again with TC 99 (dropped: first copy
    # wins), 005 (Meeting Abstract), 006 (no PY, EA 2023).
    papers = fixture_result.papers
    assert dict(papers.schema) == PAPERS_SCHEMA
    assert papers.rows() == [
        ("WOS:000000000000001", 2021, "Physics, Applied", "article", 12, "wos"),
        ("WOS:000000000000002", 2022, None, "review", 0, "wos"),
        ("WOS:000000000000004", 2020, "Engineering, Multidisciplinary", "review", 7, "wos"),
        ("WOS:000000000000005", 2019, "Engineering, Electrical & Electronic", "meeting abstract",
         1, "wos"),
        ("WOS:000000000000006", 2023, "Optics", "article", 5, "wos"),
    ]  # fmt: skip


def test_fixture_affiliations(fixture_result):
    # 001: Tanaka and Smith in Tokyo, Smith again at Harvard (3 rows); 002: one address
    # without bracket; 004: Hong Kong and an unmappable `Atlantis`; 005: Seoul; 006: no C1.
    affiliations = fixture_result.affiliations
    assert dict(affiliations.schema) == AFFILIATIONS_SCHEMA
    assert affiliations.rows() == [
        ("WOS:000000000000001", 1, 1, "Tanaka, Hiroshi", "Univ Tokyo", "JPN", "Japan"),
        ("WOS:000000000000001", 1, 2, "Smith, John", "Univ Tokyo", "JPN", "Japan"),
        ("WOS:000000000000001", 2, 2, "Smith, John", "Harvard Univ", "USA", "MA 02138 USA"),
        ("WOS:000000000000002", 1, None, None, "Natl Taiwan Univ", "TWN", "Taiwan"),
        ("WOS:000000000000004", 1, 1, "Chan, Tai Man", "Univ Hong Kong", "HKG",
         "Hong Kong, Peoples R China"),
        ("WOS:000000000000004", 2, 2, "Lee, A", "Lost Univ", None, "Atlantis"),
        ("WOS:000000000000005", 1, 1, "Kim, S", "Seoul Natl Univ", "KOR", "South Korea"),
    ]  # fmt: skip


def test_fixture_report(fixture_result):
    # 4 + 3 records read; one duplicate UT; one without any year; 7 - 1 - 1 = 5 papers.
    assert fixture_result.report.to_dict() == {
        "source": "wos",
        "files": [str(FIXTURES / "wos_a.txt"), str(FIXTURES / "wos_b.txt")],
        "records_read": 7,
        "papers": 5,
        "affiliations": 7,
        "duplicates_dropped": 1,
        "skipped_no_year": ["WOS:000000000000003"],
        "unmapped_countries": {"Atlantis": 1},
        "field_assignment": {"scheme": "wc-first"},
    }


def test_hk_macau_as_china_option():
    result = read_wos([FIXTURES / "wos_a.txt"], hk_macau_as_china=True)
    chan = result.affiliations.filter(pl.col("author") == "Chan, Tai Man")
    assert chan["country"].to_list() == ["CHN"]


def test_write_import_is_atomic_and_byte_identical(fixture_result, tmp_path):
    out = tmp_path / "out"
    first = write_import(fixture_result, out)
    assert sorted(first) == ["affiliations.parquet", "import_report.json", "papers.parquet"]
    for name, digest in first.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging dir left behind
    again = read_wos([FIXTURES / "wos_a.txt", FIXTURES / "wos_b.txt"])
    assert write_import(again, out) == first
    assert pl.read_parquet(out / "papers.parquet").equals(fixture_result.papers)
    assert pl.read_parquet(out / "affiliations.parquet").equals(fixture_result.affiliations)


# --- errors users can cause -------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.txt"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "PT\tDT\tTC\tPY\tC1\tUT\n"


@pytest.mark.parametrize(
    ("text", "row", "column", "value"),
    [
        ("id,title\n1,x\n", 1, None, "id,title"),
        ("PT\tAU\tTI\nJ\tX\tY\n", 1, None, None),
        (HEADER + "J\tArticle\t3\t2020\tUniv X, Japan\n", 2, None, None),
        (HEADER + "J\tArticle\t3\t2020\t\t\n", 2, "UT", None),
        (HEADER + "J\tArticle\tn/a\t2020\t\tWOS:1\n", 2, "TC", "n/a"),
        (HEADER + "J\tArticle\t\t2020\t\tWOS:1\n", 2, "TC", ""),
        (HEADER + "J\tArticle\t1\t20\t\tWOS:1\n", 2, "PY", "20"),
        (HEADER + "J\t\t1\t2020\t\tWOS:1\n", 2, "DT", ""),
        (HEADER + "J\tArticle\t1\t2020\t[Sato, K Univ X, Japan\tWOS:1\n", 2, "C1", None),
    ],
    ids=[
        "not-wos",
        "no-ut",
        "short-row",
        "empty-ut",
        "bad-tc",
        "empty-tc",
        "bad-py",
        "empty-dt",
        "open-bracket",
    ],
)
def test_errors_name_file_row_column_value(tmp_path, text, row, column, value):
    path = write(tmp_path, text)
    with pytest.raises(KpiImportError) as caught:
        read_wos([path])
    assert_names_the_place(caught.value, path, row, column, value)


def test_duplicate_header_tag_is_an_error(tmp_path):
    with pytest.raises(KpiImportError, match="header"):
        read_wos([write(tmp_path, "PT\tUT\tUT\nJ\tWOS:1\tWOS:2\n")])


def test_utf16_export_is_read(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text("PT\tDT\tTC\tPY\tC1\tUT\nJ\tArticle\t4\t2020\t\tWOS:1\n", encoding="utf-16")
    assert read_wos([path]).papers.rows() == [("WOS:1", 2020, None, "article", 4, "wos")]


@pytest.mark.parametrize("tag", ["UT", "TC", "DT", "C1"])
def test_an_export_without_a_column_the_indicators_need_is_an_error(tmp_path, tag):
    # without TC every paper ties at 0 citations, without C1 none has a country, without DT
    # none passes the document-type filter: WoS lets a user export such a file
    header = [t for t in ("PT", "DT", "TC", "PY", "C1", "UT") if t != tag]
    path = write(tmp_path, "\t".join(header) + "\n")
    with pytest.raises(KpiImportError, match=f"no {tag} column"):
        read_wos([path])


# --- field = the ESI field of the journal (--field-scheme esi) ---------------------------------

ESI_WOS = FIXTURES / "wos_esi.txt"
ESI_LIST = FIXTURES / "esi_journals.csv"


def read_esi(files=(ESI_WOS,), journals=ESI_LIST, **options):
    return read_wos(list(files), field_scheme="esi", esi_journals=journals, **options)


def test_esi_field_is_the_journals_field_by_sn_ei_then_so():
    # wos_esi.txt against esi_journals.csv (see test_esi_journals.test_esi_list_layout):
    # 101 SN 1234-5678 = BEACON SENSING's ISSN -> ENGINEERING; 102 EI 5678-901X = ACTA's eISSN
    # (listed with a lower-case x) -> CHEMISTRY; 103 SN 3456-789X = WIRELESS LETTERS (listed as
    # 3456789X) -> COMPUTER SCIENCE; 104 no SN/EI, SO ANNALS OF LOW ENERGY (listed as "Annals of
    # Low Energy", no ISSN) -> PHYSICS; 105 SN 9999-9999 in no row, so its SO -> PHYSICS;
    # 106 NATURE OF THINGS is MULTIDISCIPLINARY -> null; 107 neither its SN nor its SO is listed
    # -> null; 108 -> SOCIAL SCIENCES, GENERAL; 109 BEACON SENSING's print ISSN in EI ->
    # ENGINEERING. The first WC category would have given 101 and 109 "Chemistry, Analytical".
    papers = read_esi().papers
    assert papers.select("paper_id", "field").rows() == [
        ("WOS:000000000000101", "ENGINEERING"),
        ("WOS:000000000000102", "CHEMISTRY"),
        ("WOS:000000000000103", "COMPUTER SCIENCE"),
        ("WOS:000000000000104", "PHYSICS"),
        ("WOS:000000000000105", "PHYSICS"),
        ("WOS:000000000000106", None),
        ("WOS:000000000000107", None),
        ("WOS:000000000000108", "SOCIAL SCIENCES, GENERAL"),
        ("WOS:000000000000109", "ENGINEERING"),
    ]


def test_esi_report_counts_papers_without_a_field_by_reason():
    # matched by SN: 101, 103, 106, 108; by EI: 102, 109; by SO: 104, 105 (the 8 listed
    # journals' papers); 107 unmatched; 106 matched but multidisciplinary.
    report = read_esi().report.to_dict()
    assert report["field_assignment"] == {
        "scheme": "esi",
        "journal_list": str(ESI_LIST),
        "journal_list_sha256": hashlib.sha256(ESI_LIST.read_bytes()).hexdigest(),
        "journal_list_rows": 6,
        "journal_list_ambiguous_titles": 0,
        "matched_by": {"SN": 4, "EI": 2, "SO": 2},
        "unassigned": {"unmatched": 1, "multidisciplinary": 1},
        "unmatched_journals": {"PROCEEDINGS OF THE BEACON CONFERENCE [1111-2222]": 1},
    }
    assert (report["records_read"], report["papers"]) == (9, 9)


def test_wc_first_is_the_default_and_ignores_the_journal():
    papers = read_wos([ESI_WOS]).papers
    assert papers["field"].to_list()[:2] == [
        "Chemistry, Analytical",
        "Chemistry, Multidisciplinary",
    ]
    assert papers["field"].null_count() == 0


def test_esi_strict_makes_an_unmatched_journal_an_error():
    # 107 is the 7th record: line 8 (header = 1)
    with pytest.raises(KpiImportError) as caught:
        read_esi(strict_journals=True)
    error = caught.value
    assert (error.path, error.row) == (str(ESI_WOS), 8)
    for text in ("WOS:000000000000107", "SN '1111-2222'", "EI ''", "SO 'PROCEEDINGS OF THE BEACON"):
        assert text in str(error)


def test_esi_multidisciplinary_alone_is_not_a_strict_error(tmp_path):
    lines = ESI_WOS.read_text(encoding="utf-8-sig").split("\n")
    without_107 = write(tmp_path, "\n".join(line for line in lines if "000000000107" not in line))
    result = read_esi([without_107], strict_journals=True)
    assert result.report.field_assignment["unassigned"] == {"unmatched": 0, "multidisciplinary": 1}


def test_the_field_scheme_is_written_into_papers_parquet(tmp_path):
    write_import(read_esi(), tmp_path / "esi")
    assert {k: v for k, v in read_metadata(tmp_path / "esi" / "papers.parquet").items()
            if k.startswith("kpi.")} == {
        "kpi.field_scheme": "esi",
        "kpi.field_journal_list": "esi_journals.csv",
        "kpi.field_journal_list_sha256": hashlib.sha256(ESI_LIST.read_bytes()).hexdigest(),
    }  # fmt: skip
    write_import(read_wos([ESI_WOS]), tmp_path / "wc")
    metadata = read_metadata(tmp_path / "wc" / "papers.parquet")
    assert metadata["kpi.field_scheme"] == "wc-first"


def test_esi_needs_sn_ei_or_so_in_the_export():
    # wos_a.txt has none of the three: no paper could be matched
    with pytest.raises(KpiImportError, match="no SN, EI or SO column") as caught:
        read_esi([FIXTURES / "wos_a.txt"])
    assert caught.value.row == 1


def test_esi_export_with_so_only_is_read(tmp_path):
    path = write(
        tmp_path, "PT\tDT\tTC\tPY\tC1\tSO\tUT\nJ\tArticle\t1\t2020\t\tWIRELESS LETTERS\tWOS:1\n"
    )
    assert read_esi([path]).papers["field"].to_list() == ["COMPUTER SCIENCE"]


def test_esi_scheme_needs_a_list_and_a_list_needs_the_esi_scheme():
    with pytest.raises(UsageError):
        read_wos([ESI_WOS], field_scheme="esi")
    with pytest.raises(UsageError):
        read_wos([ESI_WOS], esi_journals=ESI_LIST)
    with pytest.raises(UsageError):
        read_wos([ESI_WOS], field_scheme="first-wc")


# --- the real export in ../shared -------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_result():
    return read_wos(shared_files())


def test_shared_export_reads_every_record(shared_result):
    # 1,000 + 1,000 + 1,000 + 54 records, no UT twice, every record has PY.
    report = shared_result.report
    assert (report.records_read, report.papers, report.duplicates_dropped) == (3054, 3054, 0)
    assert report.skipped_no_year == []
    assert report.unmapped_countries == {}


def test_shared_export_columns_stay_aligned_despite_quotes(shared_result):
    # `grep -c '"'` finds 83 + 70 + 113 + 6 = 272 records with a literal quote. If any of them
    # shifted its columns, UT (the last column) or TC/PY would hold text from another field.
    quoted = sum(
        sum('"' in line for line in path.read_text(encoding="utf-8-sig").split("\n")[1:])
        for path in shared_files()
    )
    assert quoted == 272
    papers = shared_result.papers
    assert papers["paper_id"].str.contains(r"^WOS:\d{15}$").all()
    assert papers["paper_id"].n_unique() == 3054
    assert papers["pub_year"].is_between(1990, 2023).all()  # downloaded 2023-06-19
    # awk -F'\t' '{s += $34}' over the data rows (TC is column 34): 27,796 citations.
    assert papers["citations"].sum() == 27796
    # awk: 1,130 records whose DT mentions Article, 38 more that mention Review.
    counts = dict(papers["doc_type"].value_counts().iter_rows())
    assert (counts["article"], counts["review"]) == (1130, 38)


def test_shared_export_affiliations(shared_result):
    affiliations = shared_result.affiliations
    # 37 records have an empty C1 (awk '$23 == ""'), the other 3,017 have affiliation rows.
    assert affiliations["paper_id"].n_unique() == 3054 - 37
    assert not affiliations.select(["paper_id", "address_seq", "author_seq"]).is_duplicated().any()
    addresses = affiliations.unique(["paper_id", "address_seq"])
    by_country = dict(addresses["country"].value_counts().iter_rows())
    # Over the C1 column only (awk -F'\t' '{print $23}' | grep -oE ...):
    # 'Hong Kong[ 0-9]*, Peoples R China' 86, 'Maca[uo][ 0-9]*, Peoples R China' 33,
    # 'Peoples R China' 642 in all -> 642 - 86 - 33 = 523 mainland; 'USA(;|$)' 916.
    assert (by_country["HKG"], by_country["MAC"], by_country["CHN"]) == (86, 33, 523)
    assert by_country["USA"] == 916


def test_shared_export_writes_identical_bytes_twice(shared_result, tmp_path):
    first = write_import(shared_result, tmp_path / "a")
    second = write_import(read_wos(shared_files()), tmp_path / "b")
    assert first == second


def test_shared_export_is_written_in_key_order_so_its_key_check_is_one_pass(
    shared_result, tmp_path
):
    """`kpi import` sorts on the contracts' keys (empty author_seq last): the DuckDB key check
    then proves uniqueness in one pass instead of a group-by (sql_checks._strictly_increasing)."""
    write_import(shared_result, tmp_path)
    con = duckdb.connect()
    for dataset, key in [("papers", ("paper_id",)), ("affiliations", SORT_KEY)]:
        path = tmp_path / f"{dataset}.parquet"
        assert sql_checks.parquet_statistics(con, path)["paper_id"].ordered
        relation = f"read_parquet('{path}')"
        assert sql_checks._strictly_increasing(con, relation, tuple(key), "", set())
    # the export has addresses without authors, so the empty cells' order is exercised
    nulls = f"select count(*) from '{tmp_path}/affiliations.parquet' where author_seq is null"
    assert con.execute(nulls).fetchall()[0][0] > 0


def test_shared_export_esi_fields_from_a_list_of_its_own_issns(shared_result, tmp_path):
    """A mapping of three journals by ISSN, as a user's `issn,field` CSV: exactly their papers
    get those fields, by SN or EI, and every other paper is counted unmatched."""
    mapping = {"1530437X": "Field A", "21693536": "Field B", "14248220": "Field C"}
    journals = tmp_path / "journals.csv"
    # IEEE SENSORS JOURNAL (check digit X), IEEE ACCESS, SENSORS (its ISSN is in SN on some
    # records and in EI on others); written with hyphens, as SN holds them
    rows = [f"{issn[:4]}-{issn[4:]},{field}" for issn, field in mapping.items()]
    journals.write_text("issn,field\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = read_wos(shared_files(), field_scheme="esi", esi_journals=journals)

    # Independently, from the raw lines: a record is matched when its SN or EI, without
    # hyphens and spaces, is one of the three.
    expected, by_column = {}, Counter()
    for path in shared_files():
        lines = path.read_text(encoding="utf-8-sig").split("\n")
        header = lines[0].rstrip("\r").split("\t")
        for line in lines[1:]:
            if not line.strip():
                continue
            record = dict(zip(header, line.rstrip("\r").split("\t"), strict=False))
            for column in ("SN", "EI"):
                issn = record[column].replace("-", "").replace(" ", "").upper()
                if issn in mapping:
                    expected[record["UT"]] = mapping[issn]
                    by_column[column] += 1
                    break
    # awk over SN/EI: IEEE ACCESS 74 (SN), IEEE SENSORS JOURNAL 48 (SN), SENSORS 17 (SN) +
    # 158 (EI) = 297 records
    assert (len(expected), by_column["SN"], by_column["EI"]) == (297, 139, 158)

    fields = dict(result.papers.select("paper_id", "field").iter_rows())
    assert {ut: field for ut, field in fields.items() if field is not None} == expected
    assignment = result.report.field_assignment
    assert assignment["matched_by"] == {"SN": 139, "EI": 158, "SO": 0}
    assert assignment["unassigned"] == {"unmatched": 3054 - 297, "multidisciplinary": 0}
    assert sum(assignment["unmatched_journals"].values()) == 3054 - 297
    assert "SENSORS" not in assignment["unmatched_journals"]
    # the first WC category, by contrast, gives the three journals' papers other fields
    wc_first = dict(shared_result.papers.select("paper_id", "field").iter_rows())
    assert {wc_first[ut] for ut, field in expected.items() if field == "Field C"} == {
        "Chemistry, Analytical"
    }
