"""`dealdesk policy check` and `dealdesk policy explain`, as a RevOps admin runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.cli import app
from tests.support.deals import TECHCORP_JSON
from tests.support.matrix import CONTRACT, REVOPS

runner = CliRunner()

THREE_MISTAKES = """\
name: Broken matrix
timezone: America/New_York
admins: [U0REVOPS]
approvers:
  sdr:
    name: Sarah Chen
    avatar: qualifier
  manager:
    name: Marcus Thompson
    slack_user: U0MARCUS
    sla: two days
    backups: [cfo]
  cfo:
    name: Lisa Wong
    slack_user: U0LISA
stages:
  - name: Qualification
    approvals:
      - approver: sdr
  - name: Deal approval
    approvals:
      - approver: manager
      - approver: ceo
"""


@pytest.fixture
def deal_file(tmp_path: Path) -> Callable[[object], Path]:
    def write(content: object) -> Path:
        path = tmp_path / "deal.json"
        text = content if isinstance(content, str) else json.dumps(content)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.mark.parametrize("policy", [REVOPS, CONTRACT], ids=["revops", "contract"])
def test_check_accepts_the_examples(policy: Path) -> None:
    result = runner.invoke(app, ["policy", "check", str(policy)])

    assert result.exit_code == 0, result.output
    assert "is valid: " in result.stdout


def test_check_reports_every_mistake_with_its_line(write_policy: Callable[[str], Path]) -> None:
    result = runner.invoke(app, ["policy", "check", str(write_policy(THREE_MISTAKES))])

    assert result.exit_code == 1
    assert "policy.yml: 3 problems" in " ".join(result.stderr.split())
    lines = [line.strip() for line in result.stderr.splitlines() if "line " in line]
    assert [line.split(":")[0] for line in lines] == ["line 7", "line 11", "line 23"]
    assert "approvers.sdr.avatar: unknown avatar 'qualifier'" in lines[0]
    assert "approvers.manager.sla: 'two days' is not a duration" in lines[1]
    assert "stages[1].approvals[1].approver: 'ceo' is not a defined approver" in lines[2]
    assert "Traceback" not in result.output


def test_check_names_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy", "check", str(tmp_path / "nowhere.yml")])

    assert result.exit_code == 1
    assert "nowhere.yml" in result.output
    assert "Traceback" not in result.output


def test_explain_shows_the_techcorp_plan(deal_file: Callable[[object], Path]) -> None:
    result = runner.invoke(
        app, ["policy", "explain", str(REVOPS), "--deal", str(deal_file(TECHCORP_JSON))]
    )

    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Approval plan for TechCorp: $500,000 ACV, 12% discount, 36 months" in text
    positions = [text.index(title) for title in ("Qualification", "Deal approval", "Reviews")]
    assert positions == sorted(positions)
    for approver in ("sdr", "manager", "legal", "finance"):
        assert f"│ {approver} " in text


def test_explain_as_json_says_why_each_approval_is_there(
    deal_file: Callable[[object], Path],
) -> None:
    args = ["policy", "explain", str(CONTRACT), "--deal", str(deal_file(TECHCORP_JSON)), "--json"]
    result = runner.invoke(app, args)

    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["headline"].startswith("Approval plan for TechCorp")
    stages = {stage["name"]: stage for stage in plan["stages"]}
    assert list(stages) == ["Qualification", "Deal approval", "Reviews"]
    (cfo,) = stages["Deal approval"]["approvals"]
    assert (cfo["approver"], cfo["why"]) == ("cfo", "acv > 250000 or discount > 15")
    assert cfo["then"].startswith("card in Slack; SLA 2h")
    assert stages["Deal approval"]["not_required"] == ["manager (when acv <= 250000)"]
    finance = stages["Reviews"]["approvals"][1]
    assert (finance["why"], finance["then"]) == ("discount > 0", "decides at once")


def test_explain_revops_says_the_manager_avatar_hands_over(
    deal_file: Callable[[object], Path],
) -> None:
    args = ["policy", "explain", str(REVOPS), "--deal", str(deal_file(TECHCORP_JSON)), "--json"]
    plan = json.loads(runner.invoke(app, args).stdout)

    (manager,) = plan["stages"][1]["approvals"]
    assert manager["then"] == "hands over to cfo"
    assert manager["avatar"].startswith("hand over: ACV $500,000 exceeds")


def test_explain_was_says_which_sign_offs_a_change_keeps(tmp_path: Path) -> None:
    """The contract policy: the CFO (`acv > 250000 or discount > 15`, no limit of her own)
    is asked again when the discount goes from 12% to 18%; legal keeps its sign-off."""
    was, now = tmp_path / "was.json", tmp_path / "now.json"
    was.write_text(json.dumps(TECHCORP_JSON), encoding="utf-8")
    now.write_text(json.dumps({**TECHCORP_JSON, "discount": 18}), encoding="utf-8")
    args = ["policy", "explain", str(CONTRACT), "--deal", str(now), "--was", str(was), "--json"]

    result = runner.invoke(app, args)

    assert result.exit_code == 0, result.output
    stages = {stage["name"]: stage for stage in json.loads(result.stdout)["stages"]}
    (cfo,) = stages["Deal approval"]["approvals"]
    assert cfo["revision"] == "asked again: discount 12% → 18% crosses discount > 15"
    legal, finance = stages["Reviews"]["approvals"]
    assert legal["revision"].startswith("asked again: discount 12% → 18% changed")
    assert finance["revision"] == "decides again on the new values"
    table = runner.invoke(app, args[:-1])
    assert "After" in table.stdout
    assert "asked" in table.stdout


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"discount": 150}, "discount", "less than or equal to 100"),
        ({"acv": "lots"}, "acv", "acv"),
        ({"owner": "sarah"}, "owner", "Slack user id"),
        ({"discont": 5}, "discont", "did you mean 'discount'"),
        ({"owner": None}, "owner", "owner"),
    ],
    ids=["discount-over-100", "acv-not-a-number", "owner-not-slack-id", "typo", "owner-null"],
)
def test_explain_names_a_bad_deal_field(
    deal_file: Callable[[object], Path], change: dict[str, object], field: str, says: str
) -> None:
    deal = {**TECHCORP_JSON, **change}

    result = runner.invoke(app, ["policy", "explain", str(REVOPS), "--deal", str(deal_file(deal))])

    assert result.exit_code == 1
    assert f"  {field}: " in result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "says"),
    [("{not json", "is not JSON"), ("[1, 2]", "must hold one deal as a JSON object")],
    ids=["not-json", "not-an-object"],
)
def test_explain_refuses_a_file_that_is_not_a_deal(
    deal_file: Callable[[object], Path], content: str, says: str
) -> None:
    result = runner.invoke(
        app, ["policy", "explain", str(REVOPS), "--deal", str(deal_file(content))]
    )

    assert result.exit_code == 1
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
