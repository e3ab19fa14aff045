"""Loading scenario files: what someone writing a scenario sees when it is right, and when not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.simulation import (
    LoadedScenario,
    ScenarioError,
    bundled_scenario_path,
    load_scenario_file,
)
from policies.loader import PolicyError, bundled_policy_path
from policies.vocabulary import Decision
from tests.simulation.conftest import scenario_text

POLICY = bundled_policy_path()
CFO_APPROVES = "      cfo: {after: 5m, decision: approve}\n"


def load(path: Path, override: Path | None = None) -> LoadedScenario:
    return load_scenario_file(path, default_policy=POLICY, policy_override=override)


@pytest.mark.parametrize("name", ["techcorp.yml", "cfo-on-holiday.yml"])
def test_bundled_scenarios_load(name: str) -> None:
    loaded = load_scenario_file(bundled_scenario_path(name), default_policy=POLICY)
    assert loaded.policy_path == POLICY.resolve()
    assert loaded.scenario.start == datetime(2026, 11, 17, 17, 30, tzinfo=UTC)
    (deal,) = loaded.scenario.deals
    assert deal.at == timedelta(0)
    assert deal.deal.company == "TechCorp"
    assert deal.deal.external_id is None  # re-running the demo must add a new deal


def test_techcorp_scripts_the_cfo_and_legal() -> None:
    loaded = load_scenario_file(bundled_scenario_path(), default_policy=POLICY)
    deal = loaded.scenario.deals[0]
    cfo = deal.answer_for("cfo")
    assert cfo is not None
    assert (cfo.after, cfo.decision) == (timedelta(minutes=5), Decision.APPROVE)
    assert deal.answer_for("ceo") is None


def test_silent_is_a_scripted_silence(write_scenario: Callable[[str], Path]) -> None:
    path = write_scenario(
        scenario_text("      cfo: silent\n      legal: {after: 0s, decision: approve}\n")
    )
    deal = load_scenario_file(path, default_policy=POLICY).scenario.deals[0]
    assert "cfo" in deal.responses
    assert deal.answer_for("cfo") is None
    legal = deal.answer_for("legal")
    assert legal is not None
    assert legal.after == timedelta(0)


def test_policy_is_relative_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    policy = tmp_path / "policies" / "mine.yml"
    policy.write_text(POLICY.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "scenarios").mkdir()
    path = tmp_path / "scenarios" / "s.yml"
    text = scenario_text(CFO_APPROVES).replace(f"policy: {POLICY}", "policy: ../policies/mine.yml")
    path.write_text(text, encoding="utf-8")
    assert load_scenario_file(path, default_policy=POLICY).policy_path == policy.resolve()


def test_policy_override_wins(write_scenario: Callable[[str], Path], tmp_path: Path) -> None:
    path = write_scenario(scenario_text(CFO_APPROVES).replace(f"{POLICY}", "nowhere.yml"))
    with pytest.raises(ScenarioError, match="no policy file"):
        load(path)
    assert load(path, override=POLICY).policy_path == POLICY


def test_without_policy_the_default_is_used(write_scenario: Callable[[str], Path]) -> None:
    path = write_scenario(scenario_text(CFO_APPROVES).replace(f"policy: {POLICY}\n", ""))
    assert load(path).policy_path == POLICY


def test_a_bad_policy_is_a_policy_error(
    write_scenario: Callable[[str], Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad-policy.yml"
    bad.write_text("name: x\napprovers: {}\nstages: []\n", encoding="utf-8")
    path = write_scenario(scenario_text(CFO_APPROVES))
    with pytest.raises(PolicyError) as raised:
        load(path, override=bad)
    assert raised.value.issues


# (responses or whole-file edit, key path, line, words the message must contain)
ERRORS = [
    pytest.param(
        "      cfoo: {after: 5m, decision: approve}\n",
        "deals[0].responses.cfoo",
        17,
        "did you mean 'cfo'?",
        id="unknown-approver",
    ),
    pytest.param(
        "      manager: {after: 5m, decision: approve}\n",
        "deals[0].responses.manager",
        17,
        "is an avatar and decides on its own",
        id="avatar-scripted",
    ),
    pytest.param(
        "      cfo: {after: 5m, decision: reject}\n",
        "deals[0].responses.cfo",
        17,
        "decision reject needs a `comment`",
        id="reject-without-comment",
    ),
    pytest.param(
        "      cfo: {after: 5m, decision: request_changes, comment: '   '}\n",
        "deals[0].responses.cfo",
        17,
        "needs a `comment`",
        id="blank-comment",
    ),
    pytest.param(
        "      cfo: {after: 5m, decision: aprove}\n",
        "deals[0].responses.cfo.decision",
        17,
        "did you mean 'approve'?",
        id="unknown-decision",
    ),
    pytest.param(
        "      cfo: {after: 5, decision: approve}\n",
        "deals[0].responses.cfo.after",
        17,
        "has no unit",
        id="after-without-unit",
    ),
    pytest.param(
        "      cfo: {decision: approve}\n",
        "deals[0].responses.cfo.after",
        17,
        "`after` is required",
        id="after-missing",
    ),
    pytest.param(
        "      cfo: later\n",
        "deals[0].responses.cfo",
        17,
        "write `silent`",
        id="not-an-answer",
    ),
    pytest.param(
        "      cfo: {after: 5m, decision: approve, coment: ok}\n",
        "deals[0].responses.cfo.coment",
        17,
        "did you mean 'comment'?",
        id="unknown-answer-key",
    ),
]


@pytest.mark.parametrize(("responses", "path", "line", "words"), ERRORS)
def test_bad_responses_are_located(
    write_scenario: Callable[[str], Path], responses: str, path: str, line: int, words: str
) -> None:
    scenario = write_scenario(scenario_text(responses))
    with pytest.raises(ScenarioError) as raised:
        load(scenario)
    (issue,) = raised.value.issues
    assert (issue.path, issue.line) == (path, line)
    assert words in issue.message


DEAL_ERRORS = [
    pytest.param("discount: 12", "discount: 120", "deals[0].deal.discount", 9, "100", id="range"),
    pytest.param(
        "discount: 12", "discount: lots", "deals[0].deal.discount", 9, "decimal", id="type"
    ),
    pytest.param(
        "owner: U0SARAH", "owner: sarah", "deals[0].deal.owner", 15, "Slack user id", id="owner"
    ),
    pytest.param(
        "discount: 12",
        "discont: 12",
        "deals[0].deal.discont",
        9,
        "did you mean 'discount'",
        id="typo",
    ),
    pytest.param(
        "      company: TechCorp\n", "", "deals[0].deal.company", 6, "required", id="missing"
    ),
]


@pytest.mark.parametrize(("old", "new", "path", "line", "words"), DEAL_ERRORS)
def test_bad_deals_are_located_in_the_intake_api_words(
    write_scenario: Callable[[str], Path], old: str, new: str, path: str, line: int, words: str
) -> None:
    scenario = write_scenario(scenario_text(CFO_APPROVES).replace(old, new, 1))
    with pytest.raises(ScenarioError) as raised:
        load(scenario)
    (issue,) = raised.value.issues
    assert (issue.path, issue.line) == (path, line)
    assert words in issue.message


def test_every_problem_at_once_sorted_by_line(write_scenario: Callable[[str], Path]) -> None:
    text = scenario_text(
        "      cfoo: {after: 5m, decision: approve}\n      legal: {after: 1h, decision: reject}\n"
    )
    text = text.replace("start: 2026-11-17T17:30:00Z", "start: 2026-11-17T17:30:00")
    text = text.replace("discount: 12", "discount: -1").replace("name: Test", "name: Test\nfoo: 1")
    with pytest.raises(ScenarioError) as raised:
        load(write_scenario(text))
    issues = raised.value.issues
    assert [issue.path for issue in issues] == [
        "foo",
        "start",
        "deals[0].deal.discount",
        "deals[0].responses.cfoo",
        "deals[0].responses.legal",
    ]
    assert "time zone" in issues[1].message
    assert [issue.line for issue in issues] == sorted(issue.line or 0 for issue in issues)
    assert str(raised.value).startswith(f"{raised.value.source}: 5 problems")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("name: x\ndeals:\n  - at: 0s\n   deal: {}\n", 4, "not valid YAML"),
        ("name: x\ndeals:\n\t- at: 0s\n", 3, "tabs"),
        ("", None, "empty"),
        ("- just a list\n", 1, "mapping"),
        ("name: x\ndeals: []\n", 2, "`deals` is empty"),
        ("deals:\n  - deal: {company: A, acv: 1, owner: U0A1}\n", 1, "`name` is required"),
        ("name: x\nname: y\ndeals:\n  - deal: {company: A, acv: 1, owner: U0A1}\n", 2, "duplicate"),
        ("name: x\ndeals:\n  - at: 1h\n", 3, "`deal` is required"),
        (
            "name: x\nstart: tomorrow\ndeals:\n  - deal: {company: A, acv: 1, owner: U0A1}\n",
            2,
            "date",
        ),
    ],
)
def test_malformed_files_are_located(
    write_scenario: Callable[[str], Path], text: str, line: int | None, words: str
) -> None:
    with pytest.raises(ScenarioError) as raised:
        load(write_scenario(text))
    assert any(words in issue.message for issue in raised.value.issues)
    assert any(issue.line == line for issue in raised.value.issues)


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "directory"),
        (lambda p: p.write_bytes(b"name: \xff\n"), "UTF-8"),
    ],
)
def test_unreadable_files(tmp_path: Path, setup: Callable[[Path], object], words: str) -> None:
    path = tmp_path / "scenario.yml"
    setup(path)
    with pytest.raises(ScenarioError, match=words):
        load(path)


def test_offsets_have_limits(write_scenario: Callable[[str], Path]) -> None:
    text = scenario_text(CFO_APPROVES).replace("at: 0s", "at: 99999999999999d")
    with pytest.raises(ScenarioError, match="longer than ten years"):
        load(write_scenario(text))
