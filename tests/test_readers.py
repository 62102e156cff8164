"""Input discovery and decoding: UTF-8 or CP932 strictly, never a silent guess."""

import pytest

from kpi.errors import InputError
from kpi.readers import discover, read_file

HEADER = "fiscal_year,direction,term,researchers,source,vintage\n"
JAPANESE_ROW = "2024,dispatch,short,5,文部科学省「国際研究交流の概況」,2024\n"


def test_shift_jis_csv_is_decoded_and_the_encoding_recorded(tmp_path):
    path = tmp_path / "exchange.csv"
    path.write_bytes((HEADER + JAPANESE_ROW).encode("cp932"))
    read = read_file("exchange", path)
    assert read.encoding == "cp932"
    assert read.frame["source"][0] == "文部科学省「国際研究交流の概況」"


def test_utf8_with_bom_is_read_as_utf8(tmp_path):
    path = tmp_path / "exchange.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + JAPANESE_ROW).encode("utf-8"))
    read = read_file("exchange", path)
    assert read.encoding == "utf-8"
    assert read.frame.columns[0] == "fiscal_year"  # the BOM is not part of the name


def test_shift_jis_declared_as_utf8_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "exchange.csv"
    path.write_bytes((HEADER + JAPANESE_ROW).encode("cp932"))
    with pytest.raises(
        InputError, match=r"exchange\.csv: cannot decode: not valid utf-8 .*\(line 2\)"
    ):
        read_file("exchange", path, encoding="utf-8")


def test_bytes_valid_in_neither_encoding_are_reported(tmp_path):
    path = tmp_path / "exchange.csv"
    path.write_bytes(HEADER.encode() + b"2024,\x81\x20\n")
    with pytest.raises(InputError, match="not valid utf-8.*not valid cp932"):
        read_file("exchange", path)


def test_empty_file_and_truncated_parquet_are_input_errors(tmp_path):
    empty = tmp_path / "exchange.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_file("exchange", empty)
    broken = tmp_path / "exchange.parquet"
    broken.write_bytes(b"PAR1\x00\x00garbage")
    with pytest.raises(InputError, match=r"exchange\.parquet: cannot read parquet"):
        read_file("exchange", broken)


def test_discover_finds_each_dataset_once(tmp_path):
    (tmp_path / "exchange.csv").write_text(HEADER)
    (tmp_path / "notes.txt").write_text("ignored")
    assert discover(tmp_path, ["exchange", "papers"]) == {"exchange": tmp_path / "exchange.csv"}
    (tmp_path / "exchange.parquet").write_bytes(b"")
    with pytest.raises(InputError, match="given twice"):
        discover(tmp_path, ["exchange"])
    with pytest.raises(InputError, match="data directory not found"):
        discover(tmp_path / "nowhere", ["exchange"])


def test_rows_with_other_than_the_headers_field_count_are_each_named(tmp_path):
    from kpi.readers import RaggedRows

    path = tmp_path / "exchange.csv"
    path.write_text(
        HEADER
        + "2024,dispatch,short,5,s,2024\n"  # row 1: 6 fields
        + "2024,dispatch,short,5,s,2024,extra\n"  # row 2: 7
        + "2024,dispatch,short,5\n"  # row 3: 4 (polars would fill the rest in silently)
        + "\n"  # row 4: blank, a row of empty cells (the contract's checks report it)
        + '2024,dispatch,short,5,"a\nquoted, two-line source",2024\n',  # row 5: 6
        encoding="utf-8",
    )
    with pytest.raises(RaggedRows) as caught:
        read_file("exchange", path)
    assert (caught.value.rows, caught.value.width) == ([(2, 7), (3, 4)], 6)


def test_a_ragged_csv_fails_validation_row_by_row(default_data_copy):
    from kpi.config import load_settings
    from kpi.pipeline import Definitions, read_and_validate

    lines = (default_data_copy / "exchange.csv").read_text(encoding="utf-8").splitlines()
    lines[2] += ",extra"  # data row 2
    lines[5] = ",".join(lines[5].split(",")[:3])  # data row 5, three fields
    (default_data_copy / "exchange.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = load_settings(None, data=default_data_copy)
    report = read_and_validate(settings, Definitions.load(settings)).report
    width = len(lines[0].split(","))
    assert [(f.dataset, f.row, f.check, f.value) for f in report.failures] == [
        ("exchange", 2, "readable", f"{width + 1} fields where the header has {width}"),
        ("exchange", 5, "readable", f"3 fields where the header has {width}"),
    ]


def test_a_quoted_empty_cell_is_missing_like_an_unquoted_one(tmp_path):
    path = tmp_path / "exchange.csv"
    path.write_text(HEADER + '2024,dispatch,short,5,"",2024\n2024,dispatch,short,5,,2024\n')
    frame = read_file("exchange", path).frame
    assert frame["source"].to_list() == [None, None]
