"""The avatar report on a fixed history, against figures worked out by hand.

Under the bundled policy, Lisa (cfo) and Priya (legal) each have an avatar in shadow
mode. In the 30 days before ``now``:

- Lisa: (1) avatar approve, she approved: agreed. (2) approve, she rejected: disagreed.
  (3) reject, she rejected: agreed. (4) hand over, she approved: not a verdict.
  (5) approve, she approved with changes: disagreed.
  → shadowed 5, would have decided 4 (automation 80%), agreed 2 of 4 (50%).
- Priya: (6) approve, she asked for changes: disagreed. (7) hand over, she approved.
  → shadowed 2, would have decided 1 (50%), agreed 0 of 1 (0%).

Left out: Lisa's approval carried over from an earlier revision, her decision 40 days
ago, a pending one, and the qualification avatar's own decision (no person decided).
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.app.cli import app
from bot.core.deps import Deps, open_deps
from bot.reports.history import load_avatar_report
from bot.reports.slo import Window
from policies.loader import bundled_policy_path
from policies.vocabulary import ApprovalStatus, DealStatus
from store.models import Approval
from tests.conftest import START
from tests.reports.history import deal_row

H = timedelta(hours=1)
APPROVED, REJECTED = ApprovalStatus.APPROVED, ApprovalStatus.REJECTED
CHANGES, COUNTERED = ApprovalStatus.CHANGES_REQUESTED, ApprovalStatus.COUNTERED
PENDING = ApprovalStatus.PENDING


def advice(outcome: str, reasoning: str) -> dict[str, Any]:
    return {"outcome": outcome, "reasoning": reasoning, "confidence": 0.9, "facts": {}}


async def seed(deps: Deps, now: datetime) -> None:
    t0 = now - timedelta(days=3)
    async with deps.db.transaction() as session:
        deal = deal_row(
            deps.policies.current.version,
            "Acme",
            DealStatus.IN_REVIEW,
            t0,
            None,
            acv=Decimal(300000),
            discount=Decimal(10),
            stage_index=1,
        )
        session.add(deal)
        await session.flush()

        def row(
            approver: str,
            who: str,
            outcome: str,
            status: ApprovalStatus,
            assigned: datetime,
            took: timedelta | None,
            comment: str | None = None,
        ) -> Approval:
            return Approval(
                deal_id=deal.id,
                revision=1,
                stage_index=1,
                stage_name="Deal approval",
                slot=approver,
                approver=approver,
                assignee=who,
                status=status,
                reason="always required",
                assigned_at=assigned,
                decided_at=assigned + took if took is not None else None,
                decided_by=who if took is not None else None,
                comment=comment,
                recommendation=advice(outcome, f"{approver} avatar says {outcome}"),
            )

        lisa, priya = "U0LISA", "U0PRIYA"
        session.add_all(
            [
                row("cfo", lisa, "approve", APPROVED, t0, H),
                row("cfo", lisa, "approve", REJECTED, t0 + H, H, "Too deep a discount"),
                row("cfo", lisa, "reject", REJECTED, t0 + 2 * H, H, "No budget"),
                row("cfo", lisa, "hand_over", APPROVED, t0 + 3 * H, H),
                row("cfo", lisa, "approve", COUNTERED, t0 + 4 * H, H, "Yes at 8%"),
                row("legal", priya, "approve", CHANGES, t0 + 5 * H, H, "Needs our DPA"),
                row("legal", priya, "hand_over", APPROVED, t0 + 6 * H, H),
                # left out
                row("cfo", lisa, "approve", APPROVED, t0 + 7 * H, -H),  # carried over
                row("cfo", lisa, "approve", APPROVED, now - timedelta(days=40), H),
                row("cfo", lisa, "approve", PENDING, t0 + 8 * H, None),
                row("sdr", "avatar:sdr", "approve", APPROVED, t0, timedelta(0)),
            ]
        )


async def test_agreement_and_automation_match_the_hand_count(deps: Deps) -> None:
    await seed(deps, START)

    async with deps.db.read() as session:
        report = await load_avatar_report(
            session, deps.policies, Window.ending(START, timedelta(days=30))
        )

    cfo, legal = report.avatars
    assert (cfo.approver, cfo.name) == ("cfo", "Lisa Wong's avatar (cfo)")
    assert (cfo.shadowed, cfo.would_decide, cfo.agreed) == (5, 4, 2)
    assert (cfo.automation_rate, cfo.agreement_rate) == (0.8, 0.5)
    assert cfo.confusion == {
        "approve": {"approve": 1, "reject": 1, "changes": 1},
        "reject": {"approve": 0, "reject": 1, "changes": 0},
        "hand_over": {"approve": 1, "reject": 0, "changes": 0},
    }
    assert [(d.decision, d.comment, d.verdict) for d in cfo.disagreements] == [
        ("reject", "Too deep a discount", "approve"),
        ("changes", "Yes at 8%", "approve"),
    ]
    assert (legal.shadowed, legal.would_decide, legal.agreed) == (2, 1, 0)
    assert (legal.automation_rate, legal.agreement_rate) == (0.5, 0.0)
    [disagreement] = legal.to_json()["disagreements"]
    assert disagreement["person_comment"] == "Needs our DPA"
    assert disagreement["avatar_reasoning"] == "legal avatar says approve"


async def _seed_now(url: str) -> None:
    async with open_deps(url, bundled_policy_path()) as deps:
        await seed(deps, datetime.now(UTC))


def test_the_cli_prints_the_same_figures(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    asyncio.run(_seed_now(database_url))

    table = CliRunner().invoke(app, ["report", "avatars", "--since", "30d"], env={"COLUMNS": "200"})
    rows = CliRunner().invoke(app, ["report", "avatars", "--format", "csv"])

    assert table.exit_code == 0, table.output
    assert "Lisa Wong's avatar (cfo)" in table.stdout
    assert "shadowed 5 · agreed 50% (2 of 4) · would have automated 80% (4 of 5)" in table.stdout
    assert "Too deep a discount" in table.stdout
    assert rows.exit_code == 0, rows.output
    [cfo, legal] = list(csv.DictReader(io.StringIO(rows.stdout)))
    assert (cfo["approver"], cfo["shadowed"], cfo["agreed"], cfo["agreement_rate"]) == (
        "cfo",
        "5",
        "2",
        "0.5",
    )
    assert (cfo["approve_reject"], cfo["hand_over_approve"]) == ("1", "1")
    assert (legal["approver"], legal["automation_rate"]) == ("legal", "0.5")
