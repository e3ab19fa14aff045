"""``dealdesk policy test``: the starter cases passing, a failing case printed with its
expected and actual route side by side, the exit codes, JUnit XML and JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.cli import app
from policies.loader import bundled_policy_path
from tests.policies.test_cases import CASES, POLICY

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")


@pytest.fixture
def board(tmp_path: Path) -> Path:
    policy = tmp_path / "board.yml"
    policy.write_text(POLICY, encoding="utf-8")
    (tmp_path / "board.tests.yml").write_text(CASES, encoding="utf-8")
    return policy


def test_the_example_policy_ships_with_cases_that_pass() -> None:
    result = runner.invoke(app, ["policy", "test", str(bundled_policy_path())])

    assert result.exit_code == 0, result.output
    assert "✓ TechCorp (the seeds' deal) goes to the CFO, then legal and finance" in result.stdout
    assert "✓ all 9 cases pass against" in result.stdout
    assert "Not exercised" not in result.stdout


def test_a_failing_case_shows_the_expected_and_actual_route_side_by_side(
    board: Path, tmp_path: Path
) -> None:
    planted = tmp_path / "planted.tests.yml"
    planted.write_text(
        CASES.replace("Reviews: [legal, finance]", "Reviews: [legal]").replace(
            "finance: approve, legal", "finance: hand_over, legal"
        ),
        encoding="utf-8",
    )

    result = runner.invoke(app, ["policy", "test", str(board), str(planted)])

    assert result.exit_code == 1, result.output
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    at = lines.index(f"✗ a large deal at 12% ({planted}:2)")
    assert lines[at + 1 : at + 6] == [
        "                     Expected                  Actual",
        "  Deal approval      manager                   manager",
        "  Board              lead_a, lead_b, lead_c    lead_a, lead_b, lead_c",
        "  Reviews            legal                     legal, finance",
        "  avatars.finance    hand_over                 approve: 12% discount is within the "
        "15% authority",
    ]
    assert "✓ a small deal at list price" in lines
    assert "1 of 3 cases failed against" in result.stdout


def test_junit_xml_has_what_a_junit_reader_needs(board: Path, tmp_path: Path) -> None:
    planted = tmp_path / "planted.tests.yml"
    planted.write_text(CASES.replace("lead_b: 2 of 3", "lead_b: all 3"), encoding="utf-8")
    junit = tmp_path / "results.xml"

    result = runner.invoke(app, ["policy", "test", str(board), str(planted), "--junit", str(junit)])

    assert result.exit_code == 1, result.output
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == (
        str(planted),
        "3",
        "1",
    )
    for required in ("name", "tests", "failures", "errors", "time", "timestamp", "hostname"):
        assert suite.get(required), required  # what the JUnit XSD requires of a testsuite
    assert suite.find("properties") is not None
    assert suite.find("system-out") is not None
    assert suite.find("system-err") is not None
    cases = suite.findall("testcase")
    assert all(float(case.get("time", "x")) >= 0 for case in cases)
    assert [case.get("name") for case in cases] == [
        "a large deal at 12%",
        "a small deal at list price",
        "a longer term keeps legal's sign-off",
    ]
    assert all(case.get("classname") == "planted.tests" for case in cases)
    [failure] = cases[0].findall("failure")
    assert failure.get("message") == "quorum.lead_b: expected all 3; actual 2 of 3"
    assert [case.findall("failure") for case in cases[1:]] == [[], []]


def test_json_lists_each_case_with_its_route_and_what_no_case_exercised(board: Path) -> None:
    result = runner.invoke(app, ["policy", "test", str(board), "--format", "json"])

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["passed"], body["failed"]) == (3, 0)
    assert body["files"] == [str(board.with_name("board.tests.yml"))]
    first = body["cases"][0]
    assert first["name"] == "a large deal at 12%"
    assert first["route"] == [
        {"stage": "Deal approval", "approvers": ["manager"]},
        {"stage": "Board", "approvers": ["lead_a", "lead_b", "lead_c"]},
        {"stage": "Reviews", "approvers": ["legal", "finance"]},
    ]
    assert body["not_exercised"] == [
        "avatar finance (max_discount 15): no case beyond its limits",
        "avatar legal: no case beyond its limits",
    ]


def test_a_file_that_cannot_be_read_exits_2_with_the_problem_located(
    board: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.tests.yml"
    bad.write_text("cases:\n  - name: one\n    deal: {company: Acme, acv: 5}\n", encoding="utf-8")

    result = runner.invoke(app, ["policy", "test", str(board), str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: 1 problem" in result.output
    assert "line 2: cases[0].expect: `expect` is required" in result.output

    missing = runner.invoke(app, ["policy", "test", str(board), str(tmp_path / "nope.yml")])
    assert missing.exit_code == 2
    assert "no such file" in missing.output

    alone = tmp_path / "alone" / "matrix.yml"
    alone.parent.mkdir()
    alone.write_text(POLICY, encoding="utf-8")
    untested = runner.invoke(app, ["policy", "test", str(alone)])
    assert untested.exit_code == 2
    assert "has no test file; write its cases in" in untested.output
    assert "matrix.tests.yml" in untested.output
