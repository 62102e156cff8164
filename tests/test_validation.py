"""Contracts -> pandera: every check type fires, every failure is reported at once with its row."""

import polars as pl
import pytest
import yaml

from kpi.contracts import Contract, load_contract, load_contracts
from kpi.errors import DefinitionError
from kpi.validation import validate_frames

CONTRACT = {
    "dataset": "demo",
    "title": {"ja": "デモ", "en": "Demo"},
    "key": ["code", "year"],
    "columns": {
        "code": {"type": "str", "checks": {"isin": ["a", "b"], "str_matches": "^[a-z]$"},
                 "description": {"ja": "符号", "en": "Code"}},
        "year": {"type": "int32", "checks": {"ge": 2000, "le": 2030},
                 "description": {"ja": "年", "en": "Year"}},
        "count": {"type": "int64", "checks": {"gt": -1, "lt": 1000},
                  "description": {"ja": "数", "en": "Count"}},
        "ratio": {"type": "float64", "nullable": True, "checks": {"in_range": [0, 1]},
                  "severity": "warning", "description": {"ja": "比", "en": "Ratio"}},
        "label": {"type": "str", "nullable": True, "checks": {"str_length_max": 3},
                  "description": {"ja": "名", "en": "Label"}},
        "day": {"type": "date", "nullable": True, "description": {"ja": "日", "en": "Day"}},
    },
    "row_checks": [{"name": "label_needs_day", "expr": "label IS NULL OR day IS NOT NULL",
                    "description": {"ja": "名には日", "en": "A label needs a day"}}],
}  # fmt: skip


def contract() -> Contract:
    return Contract.model_validate(CONTRACT)


def strings(**columns) -> pl.DataFrame:
    return pl.DataFrame(columns, schema={k: pl.String for k in columns})


def failures_of(frame: pl.DataFrame) -> set[tuple]:
    _, report = validate_frames({"demo": (frame, "demo.csv")}, {"demo": contract()})
    return {(f.row, f.column, f.check, f.value, f.severity) for f in report.failures}


def test_a_clean_frame_passes():
    frame = strings(code=["a", "b"], year=["2001", "2002"], count=["1", "2"], ratio=["0.5", None],
                    label=["x", None], day=["2020-01-01", None])  # fmt: skip
    _, report = validate_frames({"demo": (frame, "demo.csv")}, {"demo": contract()})
    assert report.passed and report.failures == []


def test_every_check_type_fires_and_all_are_reported_at_once():
    frame = strings(
        code=["a", "c", "a", "b", "b", "b"],
        year=["2001", "2001", "2001", "1999", "2002", "x"],
        count=["1", "2", "3", "1000", "-1", "5"],
        ratio=[None, None, None, "1.5", None, None],
        label=[None, None, None, "long", "ok", None],
        day=[None, None, None, "2020-01-01", None, "2020-13-01"],
    )
    found = failures_of(frame)
    # row 2: code c matches ^[a-z]$ but is not in the list, so only isin fires
    assert (2, "code", "isin(['a', 'b'])", "c", "critical") in found
    # rows 1 and 3 share the key (a, 2001)
    assert {(r, c) for r, c, ch, *_ in found if ch == "multiple_fields_uniqueness"} == {
        (1, "code,year"),
        (3, "code,year"),
    }
    # row 4: year below 2000, count at 1000 (lt), ratio 1.5 out of range (a warning), label too long
    assert (4, "year", "greater_than_or_equal_to(2000)", "1999", "critical") in found
    assert (4, "count", "less_than(1000)", "1000", "critical") in found
    assert (4, "ratio", "in_range(0, 1)", "1.5", "warning") in found
    assert (4, "label", "str_length(None, 3)", "long", "critical") in found
    # row 5: count -1 is not > -1; a label without a day breaks the row check
    assert (5, "count", "greater_than(-1)", "-1", "critical") in found
    assert any(r == 5 and ch == "label_needs_day" for r, _, ch, *_ in found)
    # row 6: unparsable year and date are reported as type failures with the raw value
    assert (6, "year", "dtype(int32)", "x", "critical") in found
    assert (6, "day", "dtype(date)", "2020-13-01", "critical") in found


def test_missing_and_extra_columns_and_nulls_are_failures():
    frame = strings(code=["a", None], year=["2001", "2002"], extra=["1", "2"])
    found = failures_of(frame)
    assert (None, "count", "column_present", None, "critical") in found
    assert (None, "extra", "column_in_contract", "extra", "critical") in found
    assert (2, "code", "not_nullable", None, "critical") in found


def test_float_that_is_not_whole_does_not_silently_become_an_integer():
    frame = pl.DataFrame({"code": ["a"], "year": [2001.5], "count": [3.0]})
    found = failures_of(frame)
    assert (1, "year", "dtype(int32)", "2001.5", "critical") in found
    assert not any(c == "count" for _, c, *_ in found)


def test_foreign_keys_report_orphan_rows():
    parent = Contract.model_validate({**CONTRACT, "dataset": "parent"})
    child = Contract.model_validate({
        "dataset": "child", "title": {"ja": "子", "en": "Child"},
        "columns": {"code": {"type": "str", "description": {"ja": "符号", "en": "Code"}}},
        "foreign_keys": [{"columns": ["code"], "references": "parent.code"}],
    })  # fmt: skip
    frames = {
        "parent": (strings(code=["a"], year=["2001"], count=["1"]), "parent.csv"),
        "child": (strings(code=["a", "b", "a", "z"]), "child.csv"),
    }
    _, report = validate_frames(frames, {"parent": parent, "child": child})
    orphans = [(f.row, f.value) for f in report.failures if f.check.startswith("foreign_key")]
    assert orphans == [(2, "b"), (4, "z")]


def test_failures_csv_lists_dataset_row_column_check_value(tmp_path):
    frame = strings(code=["q"], year=["2001"], count=["1"])
    _, report = validate_frames({"demo": (frame, "demo.csv")}, {"demo": contract()})
    report.write(tmp_path)
    written = pl.read_csv(tmp_path / "failures.csv")
    assert written.columns == ["dataset", "file", "row", "column", "check", "value", "severity"]
    assert written.row(0) == ("demo", "demo.csv", 1, "code", "isin(['a', 'b'])", "q", "critical")


def test_malformed_contract_names_the_file(tmp_path):
    bad = {**CONTRACT, "columns": {"x": {"type": "int", "description": {"ja": "x", "en": "x"}}}}
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"demo\.yaml"):
        load_contract(path)
    path.write_text(yaml.safe_dump({**CONTRACT, "dataset": "other"}), encoding="utf-8")
    with pytest.raises(DefinitionError, match="must match the file name"):
        load_contract(path)


def test_unknown_check_name_is_rejected():
    bad = {"type": "int32", "checks": {"greater": 1}, "description": {"ja": "x", "en": "x"}}
    with pytest.raises(ValueError, match="unknown check"):
        Contract.model_validate({**CONTRACT, "columns": {"x": bad}})


NORDIC = """\
dataset: nordic
title: {ja: 北欧, en: Nordic}
columns:
  country: {type: str, checks: {isin: [NO, SE]}, description: {ja: 国, en: Country (ISO alpha-2)}}
"""


def write_nordic(directory, text: str = NORDIC):
    path = directory / "nordic.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unquoted_norway_in_a_contract_is_the_country_code(tmp_path):
    # YAML 1.1 (PyYAML's) reads NO as false: the rule would have allowed False and SE
    nordic = load_contract(write_nordic(tmp_path))
    assert nordic.columns["country"].checks == {"isin": ["NO", "SE"]}
    frame = strings(country=["NO", "SE", "DK"])
    _, report = validate_frames({"nordic": (frame, "nordic.csv")}, {"nordic": nordic})
    assert [(f.row, f.column, f.check, f.value) for f in report.failures] == [
        (3, "country", "isin(['NO', 'SE'])", "DK")
    ]


def test_a_check_value_of_the_wrong_type_names_the_file_and_field(tmp_path):
    path = write_nordic(tmp_path, NORDIC.replace("[NO, SE]", "[false, SE]"))
    with pytest.raises(DefinitionError) as err:
        load_contract(path)
    message = str(err.value)
    assert str(path) in message and "columns.country" in message
    assert "checks.isin: false is not text (the column is str; quote it)" in message
    year = {"type": "int32", "checks": {"ge": True, "in_range": [0]},
            "description": {"ja": "年", "en": "Year"}}  # fmt: skip
    with pytest.raises(ValueError, match="checks.ge: true is not a finite number") as err:
        Contract.model_validate({**CONTRACT, "columns": {"year": year}})
    assert "checks.in_range: [0] is not a list of two values [low, high]" in str(err.value)


def test_a_bound_that_is_no_number_or_no_date_is_refused(tmp_path):
    # `le: .nan` would pass every row (NaN sorts above every number), `ge: .nan` fail every one
    for bound in (".nan", ".inf", "-.inf"):
        path = write_nordic(tmp_path, NORDIC + f"  share: {{type: float64, checks: {{le: {bound}}}, "
                            "description: {ja: 割合, en: Share}}\n")  # fmt: skip
        with pytest.raises(DefinitionError, match="checks.le: .* is not a finite number"):
            load_contract(path)
    fine = (
        NORDIC
        + "  share: {type: float64, checks: {le: 100, ge: 0.5}, description: {ja: 割合, en: Share}}\n"
    )
    assert load_contract(write_nordic(tmp_path, fine)).columns["share"].checks == {
        "le": 100,
        "ge": 0.5,
    }
    # a date column's bound is a date, not a time of day
    joined = "  joined: {type: date, checks: {ge: 1995-01-01 12:00:00}, description: {ja: 加盟, en: Joined}}\n"
    with pytest.raises(DefinitionError, match="checks.ge: .* is not a date"):
        load_contract(write_nordic(tmp_path, NORDIC + joined))


def test_an_impossible_date_in_a_contract_is_a_yaml_error_at_its_line(tmp_path):
    joined = (
        "  joined: {type: date, checks: {ge: 1995-02-30}, description: {ja: 加盟, en: Joined}}\n"
    )
    path = write_nordic(tmp_path, NORDIC + joined)
    with pytest.raises(DefinitionError) as err:
        load_contract(path)
    message = " ".join(str(err.value).split())
    assert message.startswith(f"invalid contract {path}: ")
    assert "invalid date '1995-02-30' (day is out of range for month)" in message
    # the date follows "  joined: " (10 characters), "{type: date, " (13), "checks: " (8), "{ge: " (5)
    assert "line 5, column 37" in message


def test_shipped_contracts_load(repo):
    inputs = load_contracts(repo / "schemas")
    assert "exchange" in inputs and "exchange_trips" in inputs
    marts = load_contracts(repo / "sql" / "marts")
    # every indicator column of every mart carries a bilingual label
    for mart in marts.values():
        for column in mart.columns.values():
            assert column.description.ja and column.description.en


def test_an_optional_unique_id_may_be_empty_on_several_rows():
    ids = Contract.model_validate({
        "dataset": "ids", "title": {"ja": "ID", "en": "Ids"},
        "columns": {"id": {"type": "str", "nullable": True, "unique": True,
                           "description": {"ja": "ID", "en": "Id"}}},
    })  # fmt: skip
    frame = strings(id=[None, "x", None, "y", "x"])
    _, report = validate_frames({"ids": (frame, "ids.csv")}, {"ids": ids})
    # the two empty ids are fine; rows 2 and 5 share "x"
    assert sorted((f.row, f.check) for f in report.failures) == [(2, "unique"), (5, "unique")]


def test_a_missing_key_column_is_reported_once_not_as_duplicate_rows():
    frame = strings(code=["a", "b", "a"], count=["1", "2", "3"])  # no `year`
    found = failures_of(frame)
    assert (None, "year", "column_present", None, "critical") in found
    assert not any(check == "multiple_fields_uniqueness" for _, _, check, *_ in found)
