"""Changing the matrix with deals in flight: ``policy diff`` (rules, and ``--deals``: the
deals in review a hand check finds), ``policy apply`` (a bad file refused, nothing
changed), ``policy migrate`` (deals moved onto the new version, audited), and ``serve``
reloading on SIGHUP (a broken file logged and the old policy kept)."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.app.cli import app
from bot.core.clock import VirtualClock
from bot.core.deps import open_deps
from policies.loader import load_policy_file
from policies.vocabulary import Decision
from store import policy_versions
from store import repositories as repo
from tests.api.conftest import deal, with_people
from tests.conftest import START
from tests.support.deals import approvals_of, audit_events, decide_as, pending_for, submit, techcorp
from tests.support.fake_slack import FakeSlack
from tests.support.matrix import LISA, REVOPS
from tests.support.serving import serving

runner = CliRunner()

STRICTER = {
    "limits: {max_discount: 15}": "limits: {max_discount: 10}",  # finance's avatar
    "sla: 2h": "sla: 4h",  # the CFO's SLA
    "        when: discount > 0": "        when: discount > 5",  # when finance reviews
}


@pytest.fixture
def new_policy(tmp_path: Path) -> Path:
    text = REVOPS.read_text(encoding="utf-8")
    for old, new in STRICTER.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "new.yml"
    path.write_text(text, encoding="utf-8")
    return path


async def _seed(url: str) -> None:
    """In review: D-1001 at 12% (finance's avatar approves at 15%, not at 10%), D-1002 at
    4% (finance reviews above 0%, not above 5%), D-1003 at 0% (untouched). D-1004 at 4%
    was rejected: not in flight."""
    async with open_deps(url, REVOPS, VirtualClock(START)) as deps:
        await submit(deps, techcorp(external_id="A", discount=12))
        await submit(deps, techcorp(external_id="B", discount=4, company="Globex"))
        await submit(deps, techcorp(external_id="C", discount=0, company="Initech"))
        done = await submit(deps, techcorp(external_id="D", discount=4, company="Umbrella"))
        cfo = await pending_for(deps, done.deal_id, "cfo")
        await decide_as(deps, cfo.id, LISA, Decision.REJECT, "Not this quarter")


@pytest.fixture
def seeded(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    asyncio.run(_seed(database_url))
    return database_url


def test_diff_lists_the_rule_changes(new_policy: Path) -> None:
    result = runner.invoke(
        app, ["policy", "diff", str(REVOPS), str(new_policy), "--format", "json"]
    )

    assert result.exit_code == 0, result.output
    rules = json.loads(result.stdout)["rules"]
    assert rules == [
        {"where": "approvers.finance.limits.max_discount", "before": "15", "after": "10"},
        {"where": "approvers.cfo.sla", "before": "2h", "after": "4h"},
        {"where": "stages.Reviews.finance.when", "before": "discount > 0", "after": "discount > 5"},
    ]


def test_diff_with_deals_lists_exactly_the_deals_a_hand_check_finds(
    seeded: str, new_policy: Path
) -> None:
    result = runner.invoke(
        app, ["policy", "diff", str(REVOPS), str(new_policy), "--deals", "--format", "json"]
    )

    assert result.exit_code == 0, result.output
    found = {d["deal"]: d["changes"] for d in json.loads(result.stdout)["deals"]}
    assert set(found) == {"D-1001", "D-1002"}
    [a] = found["D-1001"]
    assert (a["stage"], a["approver"]) == ("Reviews", "finance")
    assert a["change"] == "its avatar would hand over (was approve)"
    [b] = found["D-1002"]
    assert (b["stage"], b["approver"], b["change"]) == ("Reviews", "finance", "no longer required")

    table = runner.invoke(app, ["policy", "diff", str(REVOPS), str(new_policy), "--deals"])
    assert table.exit_code == 0, table.output
    assert "Deals in review whose plan would differ (2)" in table.stdout
    assert "approvers.cfo.sla" in table.stdout


def test_diff_lists_the_test_cases_whose_outcome_changes(new_policy: Path) -> None:
    """The new policy has no test file: the old one's cases (revops.tests.yml) run
    under both. Finance's avatar now stops at 10%, and reviews only above 5%."""
    result = runner.invoke(
        app, ["policy", "diff", str(REVOPS), str(new_policy), "--format", "json"]
    )

    assert result.exit_code == 0, result.output
    cases = {case["name"]: case for case in json.loads(result.stdout)["cases"]}
    assert sorted(cases) == [
        "TechCorp (the seeds' deal) goes to the CFO, then legal and finance",
        "a $50K deal at 5% never reaches the CFO",
    ]
    techcorp = cases["TechCorp (the seeds' deal) goes to the CFO, then legal and finance"]
    assert techcorp["old"].startswith("passes: Qualification: sdr → Deal approval: manager")
    assert techcorp["new"].endswith(
        "(avatars.finance is hand_over: 12% discount exceeds the 10% finance authority)"
    )
    small = cases["a $50K deal at 5% never reaches the CFO"]
    assert small["new"] == (
        "fails: Qualification: sdr → Deal approval: manager → Reviews: legal "
        "(avatars.finance is not asked)"
    )

    table = runner.invoke(app, ["policy", "diff", str(REVOPS), str(new_policy)])
    assert "Test cases whose outcome changes (2)" in table.stdout


def test_apply_refuses_a_policy_whose_test_cases_fail_and_names_them(
    seeded: str, new_policy: Path
) -> None:
    cases = REVOPS.with_name("revops.tests.yml").read_text(encoding="utf-8")
    new_policy.with_name("new.tests.yml").write_text(cases, encoding="utf-8")

    refused = runner.invoke(app, ["policy", "apply", str(new_policy)])

    assert refused.exit_code == 1
    assert "2 test case(s) fail" in refused.output
    assert "✗ TechCorp (the seeds' deal) goes to the CFO, then legal and finance: " in (
        refused.output
    )
    assert "✗ a $50K deal at 5% never reaches the CFO: stages is" in refused.output
    assert "not applied" in refused.output
    assert asyncio.run(_latest(seeded)) is None


def test_apply_refuses_a_bad_file_and_records_a_good_one(
    seeded: str, new_policy: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        new_policy.read_text(encoding="utf-8").replace("sla: 4h", "sla: soon"), encoding="utf-8"
    )

    bad = runner.invoke(app, ["policy", "apply", str(broken)])
    assert bad.exit_code == 1
    assert "sla" in bad.output
    assert "soon" in bad.output
    assert asyncio.run(_latest(seeded)) is None

    good = runner.invoke(app, ["policy", "apply", str(new_policy)])
    assert good.exit_code == 0, good.output
    assert asyncio.run(_latest(seeded)) == load_policy_file(new_policy).version


async def _latest(url: str) -> str | None:
    async with open_deps(url, REVOPS, migrate=False) as deps, deps.db.read() as session:
        found = await policy_versions.latest_applied(session)
    return found[0] if found else None


def test_migrate_moves_deals_in_review_onto_the_new_version(seeded: str, new_policy: Path) -> None:
    result = runner.invoke(app, ["policy", "migrate", "--to", str(new_policy), "--deal", "D-1002"])
    assert result.exit_code == 0, result.output
    assert "1 deal(s) moved onto version" in result.stdout

    again = runner.invoke(app, ["policy", "migrate", "--to", str(new_policy)])
    assert again.exit_code == 0, again.output
    assert "D-1001, D-1003" in again.stdout
    assert "1 already on it" in again.stdout

    moved = asyncio.run(_moved(seeded, new_policy))
    version = load_policy_file(new_policy).version
    assert moved["versions"] == {1: version, 2: version, 3: version, 4: moved["old"]}
    revised = moved["revised"]
    assert revised["source"] == "policy"
    assert revised["policy_version_was"] == moved["old"]
    assert moved["lisa"] == ["cancelled", "pending"]  # asked again under the new policy


async def _moved(url: str, policy: Path) -> dict[str, Any]:
    async with open_deps(url, policy, migrate=False) as deps:
        async with deps.db.read() as session:
            deals = {d.id: d.policy_version for d in await repo.list_deals(session, [1, 2, 3, 4])}
        events = [e for e in await audit_events(deps) if e.action == "deal_revised"]
        lisa = [a.status for a in await approvals_of(deps, 2) if a.approver == "cfo"]
    return {
        "versions": deals,
        "old": load_policy_file(REVOPS).version,
        "revised": json.loads(events[0].details),
        "lisa": lisa,
    }


@pytest.fixture
def stricter(new_policy: Path) -> str:
    return new_policy.read_text(encoding="utf-8")


async def test_serve_reloads_on_sighup_and_keeps_the_old_policy_when_the_new_one_is_broken(
    tmp_path: Path, new_policy: Path, stricter: str
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(REVOPS.read_text(encoding="utf-8"), encoding="utf-8")
    async with FakeSlack() as slack, serving(tmp_path, with_people(slack), policy) as serve:
        policy.write_text("name: broken\napprovers: {}\nstages: []\n", encoding="utf-8")
        serve.process.send_signal(signal.SIGHUP)
        await asyncio.sleep(1.0)
        first = await serve.submit(deal(external_id="OPP-1"))
        cases = tmp_path / "policy.tests.yml"  # the example's cases, which stricter breaks
        cases.write_text(REVOPS.with_name("revops.tests.yml").read_text("utf-8"), "utf-8")
        policy.write_text(stricter, encoding="utf-8")
        serve.process.send_signal(signal.SIGHUP)
        await asyncio.sleep(1.0)
        kept = await serve.submit(deal(external_id="OPP-3"))
        cases.unlink()
        serve.process.send_signal(signal.SIGHUP)
        await asyncio.sleep(1.0)
        second = await serve.submit(deal(external_id="OPP-2"))
    stderr = (tmp_path / "serve.log").read_text(encoding="utf-8")
    old, new = load_policy_file(REVOPS).version, load_policy_file(new_policy).version
    assert f"not reloaded (2 problems); still serving version {old[:12]}" in stderr
    assert "approvers" in stderr
    assert "stages" in stderr
    assert first["policy_version"] == old  # the broken file changed nothing
    assert "not reloaded: 2 test case(s) fail; still serving version" in stderr
    assert "test case a $50K deal at 5% never reaches the CFO: stages is" in stderr
    assert kept["policy_version"] == old  # nor did the one that breaks its cases
    assert f"version {new[:12]} applied" in stderr
    assert second["policy_version"] == new
