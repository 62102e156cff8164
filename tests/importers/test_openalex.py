import gzip
import json
import shutil
from pathlib import Path

import pytest

from kpi.importers import KpiImportError, read_openalex
from kpi.importers.output import AFFILIATIONS_SCHEMA, PAPERS_SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"
WORKS = FIXTURES / "openalex_works.jsonl"
WORKS_GZ = FIXTURES / "openalex_works_2.jsonl.gz"
PAGE = FIXTURES / "openalex_page.json"


@pytest.fixture
def result():
    return read_openalex([WORKS, WORKS_GZ, PAGE])


def test_papers(result):
    # works.jsonl: W100, W200, W300 (no publication_year -> skipped); the gzip file: W100 again
    # with 50 citations (dropped, first copy wins) and W400; the API page: W500 and W600.
    assert dict(result.papers.schema) == PAPERS_SCHEMA
    assert result.papers.rows() == [
        ("W100", 2021, "Computer Science", "article", 5, "openalex"),
        ("W200", 2020, None, "review", 0, "openalex"),
        ("W400", 2019, None, "preprint", 2, "openalex"),
        ("W500", 2022, "Medicine", "article", 10, "openalex"),
        ("W600", 2018, "Environmental Science", "dataset", 1, "openalex"),
    ]


def test_affiliations(result):
    # W100: Sato at two institutions (rows 1, 2); Lee has no institution but countries [KR]
    # (row 3, institution null); Diaz's institution has no id, so its display name, in Kosovo
    # (XK -> XKX); Roe has neither institutions nor countries (no row, but keeps author_seq 4).
    # W200: the institution has no country_code. W400: country_code ZZ is no country.
    # W500: Oxford listed twice for one authorship -> one row. W600: no authorships.
    assert dict(result.affiliations.schema) == AFFILIATIONS_SCHEMA
    assert result.affiliations.rows() == [
        ("W100", 1, 1, "Aiko Sato", "I1", "JPN", "JP"),
        ("W100", 2, 1, "Aiko Sato", "I2", "USA", "US"),
        ("W100", 3, 2, "Ben Lee", None, "KOR", "KR"),
        ("W100", 4, 3, "Cara Diaz", "Some Lab", "XKX", "XK"),
        ("W200", 1, 1, "Eve Park", "I3", None, None),
        ("W400", 1, 1, "Fay Wu", "I4", None, "ZZ"),
        ("W500", 1, 1, "Gus Hill", "I5", "GBR", "GB"),
    ]


def test_report(result):
    # 3 + 2 + 2 works read, one duplicate, one without a year: 7 - 1 - 1 = 5 papers.
    assert result.report.to_dict() == {
        "source": "openalex",
        "files": [str(WORKS), str(WORKS_GZ), str(PAGE)],
        "records_read": 7,
        "papers": 5,
        "affiliations": 7,
        "duplicates_dropped": 1,
        "skipped_no_year": ["W300"],
        "unmapped_countries": {"ZZ": 1},
    }


def test_gzip_is_detected_by_content_not_name(tmp_path):
    renamed = tmp_path / "works.jsonl"
    shutil.copy(WORKS_GZ, renamed)
    assert read_openalex([renamed]).papers["paper_id"].to_list() == ["W100", "W400"]


def test_a_byte_order_mark_is_read_past_gzipped_or_not(tmp_path):
    text = "\ufeff" + gzip.decompress(WORKS_GZ.read_bytes()).decode("utf-8")
    plain, packed = tmp_path / "works.jsonl", tmp_path / "works.jsonl.gz"
    plain.write_text(text, encoding="utf-8")
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    for path in (plain, packed):
        assert read_openalex([path]).papers["paper_id"].to_list() == ["W100", "W400"]


def test_compact_api_page_on_one_line(tmp_path):
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    assert read_openalex([path]).papers["paper_id"].to_list() == ["W500", "W600"]


def test_malformed_line_names_file_and_line(tmp_path):
    lines = WORKS.read_text(encoding="utf-8").split("\n")
    # Line 3 of the fixture is blank; break line 4 (W300) by cutting it short.
    lines[3] = lines[3][:40]
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(KpiImportError) as caught:
        read_openalex([path])
    assert (caught.value.path, caught.value.row) == (str(path), 4)


def test_malformed_gzip_line(tmp_path):
    path = tmp_path / "broken.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"id": "W1", "publication_year": null}\n{"id": \n'))
    with pytest.raises(KpiImportError) as caught:
        read_openalex([path])
    assert caught.value.row == 2


def test_malformed_pretty_printed_document(tmp_path):
    path = tmp_path / "page.json"
    path.write_text('{\n  "results": [\n    {"id": "W1",}\n  ]\n}\n', encoding="utf-8")
    with pytest.raises(KpiImportError) as caught:
        read_openalex([path])
    assert caught.value.row == 3


@pytest.mark.parametrize(
    ("work", "column"),
    [
        ({"publication_year": 2020, "type": "article", "cited_by_count": 1}, "id"),
        ({"id": "W1", "publication_year": 2020, "type": "article"}, "cited_by_count"),
        ({"id": "W1", "publication_year": 2020, "cited_by_count": 1}, "type"),
        ({"id": "W1", "publication_year": "2020", "type": "article", "cited_by_count": 1},
         "publication_year"),
        ({"id": "W1", "publication_year": 2020, "type": "article", "cited_by_count": -1},
         "cited_by_count"),
    ],
    ids=["no-id", "no-citations", "no-type", "year-as-text", "negative-citations"],
)  # fmt: skip
def test_missing_or_wrong_fields_are_errors(tmp_path, work, column):
    path = tmp_path / "works.jsonl"
    path.write_text(json.dumps(work) + "\n", encoding="utf-8")
    with pytest.raises(KpiImportError) as caught:
        read_openalex([path])
    assert (caught.value.row, caught.value.column) == (1, column)


def test_a_line_that_is_not_a_work(tmp_path):
    path = tmp_path / "works.jsonl"
    path.write_text('{"id": "W1", "publication_year": null}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(KpiImportError) as caught:
        read_openalex([path])
    assert caught.value.row == 2
