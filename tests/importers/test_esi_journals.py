import hashlib
from pathlib import Path

import pytest

from kpi.importers import KpiImportError
from kpi.importers.esi_journals import normalise_issn, read_journal_fields
from tests.helpers import assert_names_the_place

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path: Path, text: str, name: str = "journals.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1530-437X", "1530437X"),
        ("1530437x", "1530437X"),
        (" 2327- 3461 ", "23273461"),  # as in one record of ../shared/data/wos_2023
        ("1234-567", None),
        ("1234-56789", None),
        ("1234-567Y", None),
        ("X234-5678", None),  # only the check digit may be X
        ("", None),
    ],
)
def test_issn_normalisation(value, expected):
    assert normalise_issn(value) == expected


def test_esi_list_layout():
    # esi_journals.csv: UTF-8 with BOM, Clarivate's six columns. Row 2 has ISSN and eISSN,
    # row 3 an ISSN without hyphen ending in X and `****-****` for no eISSN, row 4 is
    # MULTIDISCIPLINARY, row 5 has no ISSN at all (title only, mixed case), row 6 an empty
    # ISSN and an eISSN with a lower-case x, row 7 a quoted field with a comma.
    journals = read_journal_fields(FIXTURES / "esi_journals.csv")
    assert journals.rows == 6
    assert (
        journals.sha256 == hashlib.sha256((FIXTURES / "esi_journals.csv").read_bytes()).hexdigest()
    )
    assert journals.by_issn == {
        "12345678": ("ENGINEERING", 2),
        "23456789": ("ENGINEERING", 2),
        "3456789X": ("COMPUTER SCIENCE", 3),
        "45678901": ("MULTIDISCIPLINARY", 4),
        "45678928": ("MULTIDISCIPLINARY", 4),
        "5678901X": ("CHEMISTRY", 6),
        "67890123": ("SOCIAL SCIENCES, GENERAL", 7),
    }
    assert journals.by_title["annals of low energy"] == ("PHYSICS", 5)
    assert len(journals.by_title) == 6


def test_lookup_takes_the_first_issn_found_then_the_title():
    journals = read_journal_fields(FIXTURES / "esi_journals.csv")
    assert journals.lookup({"SN": "", "EI": "2345-6789"}, {"SO": "X"}) == ("ENGINEERING", "EI")
    # SN found: the title is not looked at
    wireless = {"SN": "3456-789x", "EI": "1234-5678"}
    assert journals.lookup(wireless, {"SO": "ANNALS OF LOW ENERGY"}) == ("COMPUTER SCIENCE", "SN")
    # an ISSN not in the list, then the title in another case and spacing
    annals = journals.lookup({"SN": "9999-9999"}, {"SO": " ANNALS OF  LOW ENERGY"})
    assert annals == ("PHYSICS", "SO")
    assert journals.lookup({"SN": "9999-9999"}, {"SO": "OTHER"}) == (None, None)
    assert journals.lookup({"SN": "", "EI": ""}, {"SO": ""}) == (None, None)


def test_plain_issn_field_mapping_with_bom_and_any_header_case(tmp_path):
    path = write(tmp_path, "ISSN,FIELD\n1234-5678,Physics\n2049123x,Chemistry\n", "utf-8-sig")
    journals = read_journal_fields(path)
    assert journals.by_issn == {"12345678": ("Physics", 2), "2049123X": ("Chemistry", 3)}
    assert journals.by_title == {}


def test_plain_source_field_mapping(tmp_path):
    journals = read_journal_fields(write(tmp_path, "source,field\nSensors,Engineering\n"))
    assert journals.lookup({"SN": "1424-8220"}, {"SO": "SENSORS"}) == ("Engineering", "SO")


def test_same_issn_with_the_same_field_twice_is_one_journal(tmp_path):
    path = write(tmp_path, "issn,eissn,field\n1234-5678,12345678,A\n1234-5678,,A\n")
    assert read_journal_fields(path).by_issn == {"12345678": ("A", 2)}


def test_tab_separated_and_cp932_lists_are_read(tmp_path):
    path = write(tmp_path, "ISSN\tCategory\n1234-5678\t工学\n", encoding="cp932")
    assert read_journal_fields(path).by_issn == {"12345678": ("工学", 2)}


def test_xlsx_list_first_sheet(tmp_path):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "esi-master-journal-list.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Full title", "Title29", "Title20", "ISSN", "eISSN", "Category name"])
    sheet.write_row(1, 0, ["WIRELESS LETTERS", "WIREL LETT", "WIREL LETT", "3456-789X"])
    sheet.write_row(1, 4, ["****-****", "COMPUTER SCIENCE"])
    sheet.write_row(2, 0, ["NATURE OF THINGS", "", "", "4567-890"])  # 7 digits: row 3
    sheet.write_row(2, 5, ["MULTIDISCIPLINARY"])
    book.close()
    with pytest.raises(KpiImportError) as caught:
        read_journal_fields(path)
    assert (caught.value.row, caught.value.column, caught.value.value) == (3, "ISSN", "4567-890")


@pytest.mark.parametrize(
    ("text", "row", "column", "value", "message"),
    [
        ("Full title,ISSN\nX,1234-5678\n", 1, None, "Full title,ISSN", "no field column"),
        ("Category\nPHYSICS\n", 1, None, "Category", "no ISSN, eISSN or title column"),
        ("ISSN,Category,field\n1234-5678,A,A\n", 1, None, None, "more than one field column"),
        ("issn,field\n1234-567,PHYSICS\n", 2, "issn", "1234-567", "not an ISSN"),
        ("issn,field\n1234-5678,A\n12345-6789,B\n", 3, "issn", "12345-6789", "not an ISSN"),
        ("issn,field\n1234-567Y,PHYSICS\n", 2, "issn", "1234-567Y", "not an ISSN"),
        # the same ISSN as row 2's, in the eISSN column of row 3, with another field
        (
            "ISSN,eISSN,Category\n1234-5678,,PHYSICS\n2222-3333,12345678,CHEMISTRY\n",
            3, "eISSN", "12345678", "'CHEMISTRY' here and to 'PHYSICS' on row 2",
        ),
        ("issn,field\n1234-5678,\n", 2, "field", None, "empty field"),
        ("issn,field\n****-****,PHYSICS\n", 2, None, None, "neither an ISSN nor a title"),
        ("issn,field\n1234-5678,A,B\n", 2, None, None, "3 fields where the header has 2"),
        ("issn,field\n", None, None, None, "no journals"),
    ],
    ids=[
        "no-field-column",
        "no-issn-column",
        "two-field-columns",
        "short-issn",
        "long-issn-row-3",
        "bad-check-digit",
        "issn-two-fields",
        "empty-field",
        "no-key",
        "ragged-row",
        "no-rows",
    ],
)  # fmt: skip
def test_list_errors_name_file_row_column_value(tmp_path, text, row, column, value, message):
    path = write(tmp_path, text)
    with pytest.raises(KpiImportError, match=message) as caught:
        read_journal_fields(path)
    assert_names_the_place(caught.value, path, row, column, value)


def test_a_title_two_rows_give_different_fields_matches_nothing(tmp_path):
    # two journals may share a name (an ISSN names one): such a title is no evidence of a field,
    # while the same title given the same field twice, and every ISSN, still match
    path = write(
        tmp_path,
        "Full title,ISSN,Category\nSensors,1111-1111,ENGINEERING\nSENSORS,2222-2222,CHEMISTRY\n"
        "Optics Notes,3333-3333,PHYSICS\noptics  notes,4444-4444,PHYSICS\n",
    )
    journals = read_journal_fields(path)
    assert journals.ambiguous_titles == {"sensors"}
    assert journals.lookup({"SN": ""}, {"SO": "Sensors"}) == (None, None)
    assert journals.lookup({"SN": "2222-2222"}, {"SO": "Sensors"}) == ("CHEMISTRY", "SN")
    assert journals.lookup({"SN": ""}, {"SO": "OPTICS NOTES"}) == ("PHYSICS", "SO")
