"""The mart contracts document every number they publish: a unit, and what the number is."""

from pathlib import Path

from kpi.contracts import load_contracts
from kpi.formatting import is_period

MARTS = Path(__file__).resolve().parents[1] / "sql" / "marts"
NUMERIC = {"int32", "int64", "float64"}


def test_every_numeric_mart_column_has_a_unit():
    missing = [
        f"{mart.dataset}.{name}"
        for mart in load_contracts(MARTS).values()
        for name, column in mart.columns.items()
        if column.type in NUMERIC and not column.unit
    ]
    assert missing == []


def test_every_numeric_mart_column_but_periods_has_a_bilingual_definition():
    missing = [
        f"{mart.dataset}.{name}"
        for mart in load_contracts(MARTS).values()
        for name, column in mart.columns.items()
        if column.type in NUMERIC
        # a year or fiscal-year column names a period; what it holds needs no definition
        and not is_period(column.unit)
        and not (
            column.definition and column.definition.ja.strip() and column.definition.en.strip()
        )
    ]
    assert missing == []


def test_the_top_share_is_a_ratio_not_a_percentage():
    top_share = load_contracts(MARTS)["top10_cells"].columns["top_share"]
    assert top_share.unit == "ratio (0-1)"
    assert top_share.checks == {"gt": 0, "le": 1}
