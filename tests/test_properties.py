"""Property-based tests: the contracts (pandera and GX alike) and the Top10% weights."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kpi.contracts import load_contract
from kpi.validation import ValidationReport, validate_frames

REPO = Path(__file__).resolve().parents[1]
EXCHANGE = load_contract(REPO / "schemas" / "exchange.yaml")
KEY = EXCHANGE.key


def slow(examples: int):
    """Each example runs SQL or GX: no deadline, fewer examples."""
    return settings(
        deadline=None,
        max_examples=examples,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


# --- the exchange contract ------------------------------------------------------------------

years = st.integers(1980, 2100).map(str)
upper3 = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
breakdown = st.one_of(
    st.just((None, None, None)),
    label.map(lambda v: (v, None, None)),
    label.map(lambda v: (None, v, None)),
    upper3.map(lambda v: (None, None, v)),
)


@st.composite
def exchange_row(draw) -> dict:
    institution_type, region, country = draw(breakdown)
    published = draw(st.one_of(st.none(), st.dates(date(1980, 1, 1), date(2100, 12, 31))))
    return {
        "fiscal_year": draw(years),
        "direction": draw(st.sampled_from(["dispatch", "accept"])),
        "term": draw(st.sampled_from(["short", "mid_long"])),
        "researchers": str(draw(st.integers(0, 10**9))),
        "institution_type": institution_type,
        "region": region,
        "country": country,
        "source": draw(st.text(min_size=1, max_size=20)),
        "vintage": draw(years),
        "published": None if published is None else published.isoformat(),
    }


exchange_rows = st.lists(
    exchange_row(), min_size=1, max_size=25, unique_by=lambda r: tuple(r[k] for k in KEY)
)


def as_read(rows: list[dict]) -> pl.DataFrame:
    """A frame as the CSV reader gives it: every column text."""
    return pl.DataFrame(rows, schema={name: pl.String for name in EXCHANGE.columns})


def validate(rows: list[dict]) -> ValidationReport:
    _, report = validate_frames(
        {"exchange": (as_read(rows), "exchange.csv")}, {"exchange": EXCHANGE}
    )
    return report


# (column, bad value, pandera's check) — none of these can collide with another row's key
BAD_CELLS = [
    ("fiscal_year", "1979", "greater_than_or_equal_to(1980)"),
    ("fiscal_year", "2101", "less_than_or_equal_to(2100)"),
    ("fiscal_year", "19x0", "dtype(int32)"),
    ("direction", "sideways", "isin(['dispatch', 'accept'])"),
    ("term", "long", "isin(['short', 'mid_long'])"),
    ("researchers", "-1", "greater_than_or_equal_to(0)"),
    ("researchers", "1.5", "dtype(int64)"),
    ("country", "jp", "str_matches('^[A-Z]{3}$')"),
    ("vintage", "1979", "greater_than_or_equal_to(1980)"),
    ("published", "2024-02-30", "dtype(date)"),
    ("source", None, "not_nullable"),
]


@given(rows=exchange_rows)
def test_valid_exchange_frames_pass(rows):
    report = validate(rows)
    assert report.failures == []
    assert report.datasets["exchange"].rows == len(rows)


@given(rows=exchange_rows, data=st.data())
def test_one_bad_value_is_reported_at_exactly_its_row_and_column(rows, data):
    index = data.draw(st.integers(0, len(rows) - 1), label="row")
    column, value, check = data.draw(st.sampled_from(BAD_CELLS), label="bad cell")
    if column == "country":  # a country on a row with another breakdown breaks a second rule
        assume(rows[index]["institution_type"] is None and rows[index]["region"] is None)
    rows[index] = {**rows[index], column: value}
    (failure,) = validate(rows).failures
    assert (failure.row, failure.column, failure.check) == (index + 1, column, check)
    assert failure.file == "exchange.csv" and failure.severity == "critical"


@pytest.fixture(scope="module")
def gx_context():
    from kpi.gx_suites import gx_context

    return gx_context()


@slow(15)
@given(rows=exchange_rows, data=st.data())
def test_great_expectations_flags_the_same_row_as_pandera(gx_context, rows, data):
    from kpi.gx_suites import batch_frame, run_suite

    index = data.draw(st.integers(0, len(rows) - 1), label="row")
    column, value, _check = data.draw(st.sampled_from(BAD_CELLS), label="bad cell")
    if column == "country":
        assume(rows[index]["institution_type"] is None and rows[index]["region"] is None)
    rows[index] = {**rows[index], column: value}
    contract = EXCHANGE.model_copy(update={"dataset": f"exchange_{id(rows)}"})
    _, result = run_suite(gx_context, contract, batch_frame(contract, as_read(rows), {}))
    failed = [r for r in result["results"] if not r["success"]]
    assert failed and not result["success"]
    flagged = {i + 1 for r in failed for i in r["result"].get("unexpected_index_list") or []}
    assert flagged == {index + 1}
    assert {r["expectation_config"]["meta"]["column"] for r in failed} == {column}


# --- Top10% weights, computed by the SQL models themselves -----------------------------------


@pytest.fixture(scope="module")
def top10():
    """A function: papers {field: [citations, ...]} -> {paper_id: (cwts, nistep, n, target)}."""
    from kpi.config import load_settings
    from kpi.pipeline import Definitions, Validated, connect

    model = "int_papers_weighted"
    setup = load_settings(None)
    defs = Definitions.load(setup)
    if model not in defs.project.models:
        pytest.skip(f"{model} is not in sql/")
    needed = defs.project.upstream(model) | {model}
    papers_contract = defs.inputs["papers"]

    def weights(cells: dict[str, list[int]]) -> dict[str, tuple[float, float, int, float]]:
        rows = [
            (f"{field}-{i}", 2020, field, "article", citations, "test")
            for field, counts in cells.items()
            for i, citations in enumerate(counts)
        ]
        frame = pl.DataFrame(rows, schema=papers_contract.polars_schema, orient="row")
        validated = Validated({}, {}, {"papers": frame}, ValidationReport())
        con = connect(setup, defs, validated)
        for name in defs.project.order():
            if name in needed:
                con.execute(f'create table "{name}" as {defs.project.models[name].sql}')
        result = con.execute(
            f"select paper_id, weight_cwts, weight_nistep, cell_papers, top10_target, threshold "
            f"from {model}"
        ).fetchall()
        con.close()
        return {r[0]: r[1:] for r in result}

    return weights


citation_lists = st.lists(st.integers(0, 12), min_size=1, max_size=40)
cells_strategy = st.dictionaries(st.sampled_from(["F1", "F2", "F3"]), citation_lists, min_size=1)


@slow(30)
@given(cells=cells_strategy)
def test_weights_of_a_cell_sum_to_a_tenth_of_its_papers(top10, cells):
    weights = top10(cells)
    assert len(weights) == sum(len(c) for c in cells.values())
    by_cell = defaultdict(lambda: [0.0, 0.0])
    for paper_id, (cwts, nistep, *_rest) in weights.items():
        assert 0 <= cwts <= 1 and 0 <= nistep <= 1
        field = paper_id.split("-")[0]
        by_cell[field][0] += cwts
        by_cell[field][1] += nistep
    for field, counts in cells.items():
        # n papers -> n/10, whatever the ties, under both methods
        assert by_cell[field][0] == pytest.approx(len(counts) / 10, abs=1e-9)
        assert by_cell[field][1] == pytest.approx(len(counts) / 10, abs=1e-9)


@slow(30)
@given(counts=citation_lists, data=st.data())
def test_adding_a_paper_below_the_threshold_never_lowers_another_papers_weight(top10, counts, data):
    before = top10({"F": counts})
    threshold = before["F-0"][4]
    assume(threshold > 0)
    added = data.draw(st.integers(0, threshold - 1), label="citations of the new paper")
    after = top10({"F": [*counts, added]})
    for paper_id, (cwts, *_rest) in before.items():
        # cwts: the target grows by 0.1 and no paper moves down past the new one
        assert after[paper_id][0] >= cwts - 1e-12
        if counts[int(paper_id.split("-")[1])] > threshold:
            assert after[paper_id][0] == 1
    assert after[f"F-{len(counts)}"][0] <= max(after[p][0] for p in before) + 1e-12


@slow(30)
@given(counts=citation_lists)
def test_adding_a_paper_above_every_other_never_raises_another_papers_weight(top10, counts):
    before = top10({"F": counts})
    after = top10({"F": [*counts, max(counts) + 1]})
    for paper_id, (cwts, *_rest) in before.items():
        assert after[paper_id][0] <= cwts + 1e-12  # cwts; for nistep see the example below


def test_nistep_equal_weights_can_rise_when_a_better_paper_arrives(top10):
    # nistep gives every paper of S (at or above the paper ranked n/10) the same n/10 / |S|,
    # so it is not monotone: ten uncited papers and one cited once -> n/10 = 1.1 and S is all
    # 11 papers (0.1 each). A paper cited twice makes n/10 = 1.2 and S = {2, 1}: 0.6 each.
    before = top10({"F": [0] * 10 + [1]})
    after = top10({"F": [0] * 10 + [1, 2]})
    assert before["F-10"][1] == pytest.approx(0.1)
    assert after["F-10"][1] == pytest.approx(0.6) and after["F-11"][1] == pytest.approx(0.6)
    assert after["F-0"][1] == 0


def test_the_extra_tenth_of_a_paper_below_the_threshold_goes_to_the_tied_papers(top10):
    # Why the property above says "never lowers" rather than "never raises": 10 papers, one
    # cited 5 and nine uncited -> n/10 = 1: the 5 holds it all (threshold 5). An eleventh,
    # uncited paper makes n/10 = 1.1; the threshold drops to 0 and the ten uncited papers
    # share the extra 0.1 (0.01 each) under cwts, while the 5 keeps its 1.
    before = top10({"F": [5] + [0] * 9})
    after = top10({"F": [5] + [0] * 10})
    assert [before[f"F-{i}"][0] for i in range(10)] == pytest.approx([1] + [0] * 9)
    assert [after[f"F-{i}"][0] for i in range(11)] == pytest.approx([1] + [0.01] * 10)
