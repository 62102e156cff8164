"""The audit report: one self-contained HTML file that shows a run's evidence and definitions."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from kpi.contracts import load_contracts
from kpi.report import render

REPORT = Path("report") / "audit.html"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def good_run(exchange_only_run) -> Path:
    return exchange_only_run[1]


class _Resources(HTMLParser):
    """Every tag and every attribute that could make a browser fetch something."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.fetching: list[tuple[str, str, str]] = []
        self.inline: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action", "xlink:href"):
                self.fetching.append((tag, name, value or ""))
        self._in = tag if tag in ("style", "script") else None

    def handle_data(self, data):
        if self._in:
            self.inline.append(data)


def _report(out: Path) -> str:
    return (out / REPORT).read_text(encoding="utf-8")


def test_report_is_written_and_listed_in_the_manifest(good_run):
    record = json.loads((good_run / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = [o for o in record["outputs"] if o["path"] == REPORT.as_posix()]
    assert entry["sha256"] == hashlib.sha256((good_run / REPORT).read_bytes()).hexdigest()


def test_report_is_self_contained(good_run):
    parser = _Resources()
    parser.feed(_report(good_run))
    assert "link" not in parser.tags and "img" not in parser.tags and "iframe" not in parser.tags
    # only in-page anchors may be linked; nothing is loaded from anywhere
    assert all(value.startswith("#") for _tag, _name, value in parser.fetching), parser.fetching
    inline = "\n".join(parser.inline)
    for marker in ("@import", "url(", "http:", "https:", "fetch(", "XMLHttpRequest", "@font-face"):
        assert marker not in inline


def test_report_shows_the_manifest_contracts_and_hashes(good_run, repo):
    text = _report(good_run)
    record = json.loads((good_run / "manifest.json").read_text(encoding="utf-8"))
    assert record["run_id"] in text and record["code_version"] in text
    for entry in record["inputs"] + record["seeds"]:
        assert entry["sha256"] in text
    for entry in record["outputs"]:
        if entry["path"] != REPORT.as_posix():
            assert entry["sha256"] in text
    inputs, marts = load_contracts(repo / "schemas"), load_contracts(repo / "sql" / "marts")
    anchored = [(f"contract-{n}", c) for n, c in inputs.items()]
    anchored += [(f"mart-contract-{n}", c) for n, c in marts.items()]
    for anchor, contract in anchored:
        assert f'id="{anchor}"' in text
        assert contract.title.en in html.unescape(text)
    for audit in record["audits"]:
        assert audit["name"] in text
    exported = {Path(o["path"]).stem for o in record["outputs"] if o["path"].endswith(".parquet")}
    assert exported and exported <= set(record["lineage"])  # every published table is traced
    for mart, trace in record["lineage"].items():
        assert f'id="lineage-{mart}"' in text
        for path in trace["files"]:
            assert path in text


def test_report_gives_every_indicator_definition_in_japanese_and_english(good_run, repo):
    text = html.unescape(_report(good_run))
    marts = load_contracts(repo / "sql" / "marts")
    defined = [(m, c) for m in marts.values() for c in m.columns.values() if c.definition]
    assert defined
    for mart, column in defined:
        for part in (column.definition.ja, column.definition.en, column.description.ja):
            assert part in text, (mart.dataset, part)
        if column.unit:
            assert column.unit in text


def test_report_lists_every_target_the_run_checked(good_run):
    import polars as pl

    path = good_run / "indicators" / "target_status.parquet"
    if not path.is_file():
        pytest.skip("this run exported no target_status table")
    text = _report(good_run)
    assert 'id="targets"' in text
    for target_id in pl.read_parquet(path).get_column("target_id"):
        assert f"<code>{html.escape(target_id)}</code>" in text


def test_failed_run_gets_a_report_with_escaped_failure_samples(kpi, tmp_path, repo):
    data = tmp_path / "data"
    data.mkdir()
    lines = (repo / "data" / "exchange.csv").read_text(encoding="utf-8").splitlines()
    # row 2 carries markup in a category column: it must be shown, never interpreted
    lines[2] = lines[2].replace(",accept,", ",<script>alert(1)</script>,", 1)
    (data / "exchange.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = kpi("run", "--data", data, "--out", tmp_path / "out")
    assert result.returncode == 1
    text = _report(tmp_path / "out")
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Run failed" in text and "ValidationFailed" in text
    assert 'id="contract-exchange" open' in text  # the failing contract is unfolded


def test_synthetic_inputs_raise_a_banner(kpi, tmp_path, repo):
    data = tmp_path / "data"
    data.mkdir()
    table = pacsv.read_csv(repo / "data" / "exchange.csv")
    table = table.replace_schema_metadata({"synthetic": "true", "generator": "test"})
    pq.write_table(table, data / "exchange.parquet")
    assert kpi("run", "--data", data, "--out", tmp_path / "out").returncode == 0
    text = _report(tmp_path / "out")
    assert 'id="synthetic-banner"' in text and "SYNTHETIC DATA" in text
    assert "Parquet metadata synthetic=true" in text


def test_rules_proven_by_parquet_statistics_are_named_in_the_report(kpi, tmp_path, repo):
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(pacsv.read_csv(repo / "data" / "exchange.csv"), data / "exchange.parquet")
    out = tmp_path / "out"
    env = {"KPI_VALIDATION__ENGINE": "duckdb"}
    assert kpi("run", "--data", data, "--out", out, env=env).returncode == 0
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    result = record["validation"]["datasets"]["exchange"]
    assert result["checked_by"] == "duckdb"
    proven = result["proven_by_statistics"]
    assert proven  # pyarrow records null counts: at least the not_nullable rules
    text = html.unescape(_report(out))
    assert f"{len(proven)} rules proven by the file's Parquet statistics" in text
    assert ", ".join(proven) in text
    assert "(DuckDB SQL over the file)" in text


def test_real_inputs_raise_no_banner(good_run):
    assert 'id="synthetic-banner"' not in _report(good_run)


def test_render_shows_targets_and_copes_with_a_run_that_stopped_early(tmp_path):
    record = {
        "status": "failed",
        "failure": {"type": "DefinitionError", "message": "broken <contract>"},
        "targets": {"evaluated": 2, "flagged": 1, "flagged_ids": ["plan7-a", "plan7-b"]},
        "config": {"sql": str(tmp_path / "nowhere"), "schemas": str(tmp_path / "nowhere")},
    }
    text = render(record, tmp_path)
    assert 'id="targets"' in text and "plan7-a, plan7-b" in text
    assert "broken &lt;contract&gt;" in text
    assert "No input file was read" in text


def _offline_prefix() -> list[str]:
    """Run in a network namespace with no interfaces when the system allows it."""
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return ["unshare", "-n"] if probe.returncode == 0 else []


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed")
def test_report_renders_in_headless_chromium_without_network(good_run, tmp_path, repo):
    prefix = _offline_prefix()
    # without a namespace, a proxy that refuses every connection stands in for "no network"
    no_net = (
        [] if prefix else ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
    )
    command = [
        *prefix, CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", *no_net,
        "--virtual-time-budget=2000", "--dump-dom", (good_run / REPORT).resolve().as_uri(),
    ]  # fmt: skip
    shown = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    dom = shown.stdout
    record = json.loads((good_run / "manifest.json").read_text(encoding="utf-8"))
    assert f'<code id="run-id">{record["run_id"]}</code>' in dom
    # the definitions reached the rendered page in both languages
    mart = load_contracts(repo / "sql" / "marts")["exchange_researchers"]
    for column in (c for c in mart.columns.values() if c.definition):
        assert column.definition.ja in html.unescape(dom)
        assert column.definition.en in html.unescape(dom)
    assert 'id="definitions"' in dom and "</footer>" in dom


def test_every_anchor_is_unique_and_every_link_finds_its_anchor(tmp_path):
    # author_flows_published is an input and a mart: its two contracts shared one id, so the
    # mart's link opened the input's contract
    from tests.conftest import run_kpi

    done = run_kpi("run", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    page = _report(tmp_path / "out")
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    links = set(re.findall(r'href="#([^"]+)"', page))
    assert links and links <= set(ids), links - set(ids)
    assert 'id="mart-contract-author_flows_published"' in page


def test_targets_section_states_the_as_of_date_or_its_absence(tmp_path):
    nowhere = {"sql": str(tmp_path / "nowhere"), "schemas": str(tmp_path / "nowhere")}
    record = {
        "status": "success",
        "targets": {"as_of": "2025-06-30", "evaluated": 6, "not_yet_adopted": ["plan7-a"]},
        "config": {**nowhere, "target_eval": {"as_of": "2025-06-30"}},
    }
    text = html.unescape(render(record, tmp_path))
    section = text[text.index('<section id="targets">') :]
    assert "targets evaluated as known on 2025-06-30; indicator tables are not filtered" in section
    assert "2025-06-30 時点" in section and "Not yet adopted on that date" in section
    assert "plan7-a" in section
    record["targets"]["as_of"] = record["config"]["target_eval"]["as_of"] = None
    text = html.unescape(render(record, tmp_path))
    section = text[text.index('<section id="targets">') :]
    assert "targets use every observation available" in section
    assert "known on" not in section and "Not yet adopted" not in section
