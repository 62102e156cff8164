"""Target definitions: the shipped files, and malformed ones rejected with file, id and field."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kpi.contracts import load_contracts
from kpi.errors import DefinitionError
from kpi.resources import resource_dir
from kpi.targets import load_targets

GOOD = """\
- id: demo-level
  title_ja: 例
  title_en: Example
  kind: level
  direction: increase
  baseline: {period: 2020, value: 100}
  target: {value: 150, period: 2030}
  adopted: 2021-01-01
  source: {document: Doc, issuer: Someone, date: 2021-01-01}
"""

# the shipped dispatch goal's indicator, on the mart contract sql/marts/exchange_researchers.yaml
MEASURED = GOOD + (
    "  indicator: {mart: exchange_researchers, value: researchers, period: fiscal_year,"
    " where: {direction: dispatch, term: mid_long}}\n"
)


@pytest.fixture(scope="module")
def marts():
    return load_contracts(resource_dir("sql") / "marts")


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_targets_are_the_documented_goals():
    targets = {t.id: t for t in load_targets(resource_dir("targets"))}
    assert sorted(targets) == [
        "jmirai-international-students",
        "jmirai-japanese-students-abroad",
        "kaikaku2023-joint-research-coauthored-papers",
        "kaikaku2023-joint-research-dispatch",
        "kaikaku2023-wpi-foreign-researchers",
        "kaikaku2023-wpi-intl-coauthorship",
        "plan7-intl-coauthorship-rate",
        "plan7-longterm-dispatch",
        "plan7-top10-rank",
    ]
    dispatch = targets["plan7-longterm-dispatch"]
    assert (dispatch.kind, dispatch.target.value, dispatch.target.periods) == (
        "cumulative",
        30000,
        (2026, 2030),
    )
    assert (dispatch.baseline.period, dispatch.baseline.value) == (2023, 3623)
    assert dispatch.indicator.where == {"direction": "dispatch", "term": "mid_long"}
    assert "not only Japanese nationals" in dispatch.notes
    rank = targets["plan7-top10-rank"]
    assert (rank.kind, rank.direction, rank.baseline.value, rank.target.value) == (
        "rank",
        "decrease",
        13,
        3,
    )
    assert rank.lower_is_better
    share = targets["plan7-intl-coauthorship-rate"]
    assert (share.baseline.value, share.target.value, share.target.period) == (36.5, 50, 2035)
    assert {t.adopted for t in targets.values()} == {
        date(2026, 3, 27),  # 7th Basic Plan, cabinet decision
        date(2023, 12, 21),  # 改革工程表2023
        date(2023, 4, 27),  # J-MIRAI
    }
    floors = [t for t in targets.values() if t.kind == "floor"]
    assert sorted(t.target.value for t in floors) == [30, 50]


def test_every_shipped_url_is_one_the_shared_sources_give(shared_data):
    # no invented addresses: each URL in targets/ appears verbatim in the reference JSON
    texts = "".join(p.read_text(encoding="utf-8") for p in shared_data.rglob("*.json"))
    urls = {t.source.url for t in load_targets(resource_dir("targets"))} - {""}
    assert urls == {"https://www8.cao.go.jp/cstp/kihonkeikaku/7honbun.pdf"}
    for url in urls:
        assert json.dumps(url)[1:-1] in texts


def test_shipped_plan7_values_match_the_plan_transcription(shared_data):
    plan = json.loads((shared_data / "reference_t46" / "policy.json").read_text("utf-8"))
    by_name = {i["name"]: i for i in plan["plan7_indicators"]["indicators"]}
    targets = {t.id: t for t in load_targets(resource_dir("targets"))}
    pairs = {
        "plan7-longterm-dispatch": "日本人研究者の長期海外派遣数",
        "plan7-intl-coauthorship-rate": "国際共著論文率",
        "plan7-top10-rank": "Top10％補正論文数",
    }
    for target_id, name in pairs.items():
        target, published = targets[target_id], by_name[name]
        assert target.baseline.value == published["current_numeric"]
        assert target.target.value == published["target_numeric"]
    history = {p["period"]: p for p in plan["plans_history"]["periods"]}
    assert targets["plan7-top10-rank"].adopted.isoformat() == history[7]["cabinet_decision_date"]


def test_a_valid_file_loads(tmp_path):
    write(tmp_path, "doc.yaml", GOOD)
    (target,) = load_targets(tmp_path)
    assert target.id == "demo-level" and target.target.period == 2030
    assert target.indicator is None and not target.lower_is_better


def test_yaml_syntax_error_names_the_file(tmp_path):
    path = write(tmp_path, "broken.yaml", GOOD + "  - [unclosed\n")
    with pytest.raises(DefinitionError, match="not valid YAML") as err:
        load_targets(tmp_path)
    assert str(path) in str(err.value)


def test_missing_field_names_file_target_and_field(tmp_path):
    path = write(tmp_path, "doc.yaml", GOOD.replace("  adopted: 2021-01-01\n", ""))
    with pytest.raises(DefinitionError) as err:
        load_targets(tmp_path)
    message = str(err.value)
    assert str(path) in message and "target 'demo-level'" in message
    assert "field adopted: Field required" in message


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("kind: level", "kind: levels", "field kind"),
        ("value: 150, period: 2030", "value: 150, periods: [2026, 2030]", "field target"),
        ("direction: increase", "direction: decrease", "field direction"),
        ("period: 2020, value: 100", "period: 2031, value: 100", "field baseline.period"),
        ("value: 150, period: 2030", "value: lots, period: 2030", "field target.value"),
        ("adopted: 2021-01-01", "adopted: someday", "field adopted"),
        ("id: demo-level", "id: Demo Level", "field id"),
    ],
)
def test_invalid_values_name_the_field(tmp_path, old, new, field):
    assert old in GOOD
    write(tmp_path, "doc.yaml", GOOD.replace(old, new))
    with pytest.raises(DefinitionError, match=field) as err:
        load_targets(tmp_path)
    assert "doc.yaml" in str(err.value)


def test_kind_specific_rules(tmp_path):
    cumulative_open = GOOD.replace("kind: level", "kind: cumulative").replace(
        "value: 150, period: 2030", "value: 150, periods: [2026, null]"
    )
    write(tmp_path, "doc.yaml", cumulative_open)
    with pytest.raises(DefinitionError, match="cumulative window needs its last period"):
        load_targets(tmp_path)
    floor_up = GOOD.replace("kind: level", "kind: floor").replace(
        "value: 150, period: 2030", "value: 150, periods: [2026, null]"
    )
    write(tmp_path, "doc.yaml", floor_up)
    with pytest.raises(DefinitionError, match="field direction: .*floor target is `maintain`"):
        load_targets(tmp_path)
    rank_up = GOOD.replace("kind: level", "kind: rank").replace("value: 150,", "value: 3,")
    write(tmp_path, "doc.yaml", rank_up)
    with pytest.raises(DefinitionError, match="rank improves by falling"):
        load_targets(tmp_path)
    share_over = GOOD.replace("kind: level", "kind: share")
    write(tmp_path, "doc.yaml", share_over)  # 150 %
    with pytest.raises(DefinitionError, match="percentage between 0 and 100"):
        load_targets(tmp_path)


def test_unnamed_item_is_numbered_and_non_list_rejected(tmp_path):
    write(tmp_path, "doc.yaml", GOOD + "- just a string\n")
    with pytest.raises(DefinitionError, match=r"doc\.yaml: target #2: each target is a mapping"):
        load_targets(tmp_path)
    write(tmp_path, "doc.yaml", "id: not-a-list\n")
    with pytest.raises(DefinitionError, match="a YAML list of targets"):
        load_targets(tmp_path)


def test_duplicate_id_names_both_files(tmp_path):
    first = write(tmp_path, "a.yaml", GOOD)
    second = write(tmp_path, "b.yaml", GOOD)
    with pytest.raises(DefinitionError, match="field id: already defined") as err:
        load_targets(tmp_path)
    assert str(first) in str(err.value) and str(second) in str(err.value)


def test_missing_directory_and_empty_file(tmp_path):
    with pytest.raises(DefinitionError, match="targets directory not found"):
        load_targets(tmp_path / "nowhere")
    write(tmp_path, "empty.yaml", "")
    write(tmp_path, "README.md", "not a target file")
    assert load_targets(tmp_path) == []


# --- indicators checked against the mart contracts ------------------------------------------


def test_shipped_targets_fit_the_shipped_mart_contracts(marts):
    assert len(load_targets(resource_dir("targets"), marts)) == 9


def test_an_indicator_with_where_values_of_every_contract_type_loads(tmp_path, marts):
    where = (
        "{direction: dispatch, term: mid_long, fiscal_year: 2023, vintage: 2025,"
        " yoy_change_pct: 5, short_share_pct: 12.5, series_break: false, published: 2025-03-31}"
    )
    write(tmp_path, "doc.yaml", MEASURED.replace("{direction: dispatch, term: mid_long}", where))
    (target,) = load_targets(tmp_path, marts)
    assert target.indicator.where["published"] == date(2025, 3, 31)
    assert target.indicator.where["series_break"] is False
    # without the contracts (a lineage listing) the indicator is not checked
    write(tmp_path, "doc.yaml", MEASURED.replace("mart: exchange_researchers", "mart: nowhere"))
    assert load_targets(tmp_path)[0].indicator.mart == "nowhere"


WHERE = "{direction: dispatch, term: mid_long}"


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "mart: exchange_researchers",
            "mart: exchange_researcher",
            "field indicator.mart: unknown mart 'exchange_researcher' "
            "(marts: author_flows_country, author_flows_pairs, ",
        ),
        (
            "value: researchers",
            "value: direction",
            "field indicator.value: column 'direction' is str; the value must be a numeric "
            "column (int32, int64 or float64)",
        ),
        (
            "value: researchers",
            "value: series_break",
            "field indicator.value: column 'series_break' is bool; the value must be a numeric",
        ),
        (
            "value: researchers",
            "value: researcher",
            "field indicator.value: no column 'researcher' in mart exchange_researchers "
            "(columns: fiscal_year, direction, ",
        ),
        (
            "period: fiscal_year",
            "period: published",
            "field indicator.period: column 'published' is date; the period must be an integer "
            "column (a year)",
        ),
        (
            WHERE,
            "{direction: dispatch, term: mid_long, fiscal_year: abc}",
            "field indicator.where.fiscal_year: 'abc' is not an integer (column fiscal_year is "
            "int32)",
        ),
        (
            WHERE,
            "{direction: dispatch, term: mid_long, fiscal_year: 2023.5}",
            "field indicator.where.fiscal_year: 2023.5 is not an integer",
        ),
        (
            WHERE,
            "{direction: dispatch, term: mid_long, fiscal_year: true}",
            "field indicator.where.fiscal_year: true is not an integer",
        ),
        (
            WHERE,
            "{direction: dispatch, term: mid_long, fiscal_year: 3000000000}",
            "field indicator.where.fiscal_year: 3000000000 is outside the int32 range",
        ),
        (
            WHERE,
            "{direction: dispatch, term: 30}",
            "field indicator.where.term: 30 is not text (column term is str; quote it)",
        ),
        (
            WHERE,
            "{direction: dispatch, term: mid_long, yoy_change_pct: high}",
            "field indicator.where.yoy_change_pct: 'high' is not a number (column "
            "yoy_change_pct is float64)",
        ),
        (
            WHERE,
            "{direction: dispatch, term: mid_long, series_break: 'no'}",
            "field indicator.where.series_break: 'no' is not true or false (column series_break "
            "is bool)",
        ),
        (
            WHERE,
            "{direction: dispatch, term: mid_long, published: '2025-02-30'}",
            "field indicator.where.published: '2025-02-30' is not a date (column published is "
            "date; write YYYY-MM-DD)",
        ),
        (
            WHERE,
            "{direction: dispatch, term: mid_long, kind: x}",
            "field indicator.where.kind: no column 'kind' in mart exchange_researchers",
        ),
        (
            WHERE,
            "{direction: dispatch, term: [short, mid_long]}",
            "field indicator.where.term: a filter is one value (column = value), not a list",
        ),
    ],
)
def test_an_indicator_must_fit_its_mart_contract(tmp_path, marts, old, new, problem):
    assert old in MEASURED
    path = write(tmp_path, "doc.yaml", MEASURED.replace(old, new))
    with pytest.raises(DefinitionError) as err:
        load_targets(tmp_path, marts)
    assert str(err.value).startswith(f"{path}: target 'demo-level': {problem}")


def test_an_impossible_date_is_a_yaml_error_at_its_line(tmp_path):
    path = write(tmp_path, "doc.yaml", GOOD.replace("adopted: 2021-01-01", "adopted: 2021-02-30"))
    with pytest.raises(DefinitionError) as err:
        load_targets(tmp_path)
    assert str(err.value) == (
        f"{path}: not valid YAML: line 8, column 12: "
        "invalid date '2021-02-30' (day is out of range for month)"
    )


def test_an_unquoted_norway_in_a_filter_stays_the_country_code(tmp_path):
    # YAML 1.1 (PyYAML's) reads NO as false: the filter would ask for country = false
    write(tmp_path, "doc.yaml", MEASURED.replace("term: mid_long}", "term: mid_long, country: NO}"))
    (target,) = load_targets(tmp_path)
    assert target.indicator.where == {"direction": "dispatch", "term": "mid_long", "country": "NO"}


def test_plain_values_are_read_as_yaml_1_2_not_1_1(tmp_path):
    # 1.1 has yes/on/off as booleans, 1:30 as 90 (base 60), 010 as octal 8, 1_000 as 1000 and
    # 1e3 as text; in 1.2 only true/false are booleans, 010 is ten and 0o17 is octal 15
    written = {"a": "yes", "b": "on", "c": "off", "d": "y", "e": "1:30", "f": "010", "g": "0o17",
               "h": "0x1F", "i": "1_000", "j": "1e3", "k": "true", "l": "False"}  # fmt: skip
    filters = ", ".join(f"{column}: {value}" for column, value in written.items())
    write(tmp_path, "doc.yaml", MEASURED.replace("term: mid_long}", f"term: mid_long, {filters}}}"))
    (target,) = load_targets(tmp_path)
    read = {k: v for k, v in target.indicator.where.items() if k in written}
    expected = {"a": "yes", "b": "on", "c": "off", "d": "y", "e": "1:30", "f": 10, "g": 15,
                "h": 31, "i": "1_000", "j": 1000.0, "k": True, "l": False}  # fmt: skip
    assert read == expected
    assert [type(v) for v in read.values()] == [type(v) for v in expected.values()]


def test_a_non_finite_target_or_baseline_value_is_reported_with_the_other_problems(tmp_path):
    # YAML's .inf and .nan are numbers, but no progress towards them can be measured
    endless = GOOD.replace("value: 150", "value: .inf")
    unknown = GOOD.replace("demo-level", "unknown-start").replace("value: 100", "value: .nan")
    untitled = GOOD.replace("demo-level", "untitled").replace("  title_en: Example\n", "")
    path = write(tmp_path, "doc.yaml", endless + unknown + untitled)
    with pytest.raises(DefinitionError) as err:
        load_targets(tmp_path)
    assert str(err.value).splitlines() == [
        "3 problems in the target definitions:",
        f"  {path}: target 'demo-level': field target.value: Input should be a finite number",
        f"  {path}: target 'unknown-start': field baseline.value: Input should be a finite number",
        f"  {path}: target 'untitled': field title_en: Field required",
    ]


def test_every_invalid_target_of_every_file_is_reported_at_once(tmp_path, marts):
    # the reviewer's tgH: t1 contradicts itself, t2 lacks title_en and has kind `leve`
    t1 = GOOD.replace("demo-level", "t1").replace("value: 150", "value: 50")
    t2 = GOOD.replace("demo-level", "t2").replace("  title_en: Example\n", "")
    first = write(tmp_path, "a.yaml", t1 + t2.replace("kind: level", "kind: leve"))
    # a bad field and a bad indicator in one target; an unnamed item; a valid target
    both = MEASURED.replace("demo-level", "t3").replace("kind: level", "kind: levels")
    both = both.replace("value: researchers", "value: direction")
    second = write(tmp_path, "b.yaml", both + "- just a string\n" + GOOD)
    broken = write(tmp_path, "c.yaml", "- [unclosed\n")
    with pytest.raises(DefinitionError) as err:
        load_targets(tmp_path, marts)
    lines = str(err.value).splitlines()
    assert lines[0] == "7 problems in the target definitions:"
    expected = [
        f"{first}: target 't1': field direction: increase, but target.value is not above the",
        f"{first}: target 't2': field title_en: Field required",
        f"{first}: target 't2': field kind: Input should be 'level', 'share'",
        f"{second}: target 't3': field kind: Input should be 'level', 'share'",
        f"{second}: target 't3': field indicator.value: column 'direction' is str",
        f"{second}: target #2: each target is a mapping of fields",
        f"{broken}: not valid YAML",
    ]
    assert len(lines) == 1 + len(expected)
    for line, start in zip(lines[1:], expected, strict=True):
        assert line.strip().startswith(start), (line, start)


def _exchange_only(tmp_path: Path, repo: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "exchange.csv").write_bytes((repo / "data" / "exchange.csv").read_bytes())
    return data


def test_cli_names_bad_indicators_instead_of_a_duckdb_traceback(kpi, tmp_path, repo):
    typo = MEASURED.replace("mart: exchange_researchers", "mart: exchange_researcher")
    text_where = MEASURED.replace("demo-level", "text-year").replace(
        WHERE, "{direction: dispatch, term: mid_long, fiscal_year: abc}"
    )
    text_value = MEASURED.replace("demo-level", "text-value").replace(
        "value: researchers", "value: direction"
    )
    path = write(tmp_path / "targets", "doc.yaml", typo + text_where + text_value)
    data = _exchange_only(tmp_path, repo)
    checked = kpi("targets", "--data", data, "--targets", path.parent)
    message = " ".join(checked.stderr.split())
    assert checked.returncode == 1, checked.stderr
    assert "Traceback" not in checked.stderr and "ConversionException" not in checked.stderr
    assert f"{path}: target 'demo-level': field indicator.mart: unknown mart" in message
    assert f"{path}: target 'text-year': field indicator.where.fiscal_year: 'abc'" in message
    assert f"{path}: target 'text-value': field indicator.value: column 'direction'" in message
    # `kpi run` fails the same way and leaves its evidence, without indicator files
    out = tmp_path / "out"
    run = kpi("run", "--data", data, "--targets", path.parent, "--out", out)
    assert run.returncode == 1, run.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    assert manifest["failure"]["type"] == "DefinitionError"
    assert "field indicator.where.fiscal_year" in manifest["failure"]["message"]
    assert not (out / "indicators").exists()
    assert "inputs" not in manifest  # stopped before any input was read
