"""The ``/deal report slo`` reply: its golden JSON, Slack's limits with a large team, and
names that cannot ping anyone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.cards.report import APPROVERS_SHOWN, build_slo_report_reply
from bot.reports.slo import ApprovalFacts, FinishedDeal, SloReport, Window, compute_slo
from sandbox.block_reading import visible_text
from sandbox.blockkit import block_kit_problems
from tests.cards.golden import assert_golden

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
WINDOW = Window.ending(NOW, timedelta(days=7))
H = timedelta(hours=1)


def _decision(approver: str, stage: str, took: timedelta, sla: timedelta = 24 * H) -> ApprovalFacts:
    assigned = NOW - 48 * H
    return ApprovalFacts(
        stage=stage,
        stage_index=0 if stage == "Qualification" else 1,
        approver=approver,
        status="approved",
        assigned_at=assigned,
        due_at=assigned + sla,
        decided_at=assigned + took,
        decided_by="U0LISA",
        escalated_at=None,
        sla=sla,
    )


def _small() -> SloReport:
    return compute_slo(
        WINDOW,
        [
            _decision("cfo", "Deal approval", H, 2 * H),
            _decision("cfo", "Deal approval", 3 * H, 2 * H),
            _decision("legal", "Reviews", 5 * H),
        ],
        [FinishedDeal(NOW - 30 * H, NOW - 2 * H)],
        {"cfo": "Lisa Wong", "legal": "Priya Patel"},
    )


def test_golden() -> None:
    assert_golden("slo_report", build_slo_report_reply(_small()).to_dict())


def test_a_large_team_fits_in_one_message() -> None:
    facts = [
        _decision(f"a{n:04}", f"Stage {n % 40:02} " + "x" * 60, n * timedelta(seconds=50))
        for n in range(3000)
    ]
    names = {f"a{n:04}": f"Approver {n:04} " + "y" * 80 for n in range(3000)}
    report = compute_slo(WINDOW, facts, [], names)

    payload = build_slo_report_reply(report).to_dict()

    assert block_kit_problems("message", payload) == []
    shown = visible_text(payload["blocks"])
    assert f"…and {3000 - APPROVERS_SHOWN} more" in shown
    assert "…and 25 more" in shown  # of the 40 stages, 15 are shown
    # Least on time first: those who took over 24h (n > 1728) lead, by name.
    assert "Approver 1729" in shown
    assert "Approver 0000" not in shown


def test_names_cannot_ping_anyone() -> None:
    report = compute_slo(
        WINDOW,
        [_decision("cfo", "<!channel> & co", H)],
        [],
        {"cfo": "<@U0BOSS> <!here>"},
    )

    payload = build_slo_report_reply(report).to_dict()

    shown = visible_text(payload["blocks"])
    assert "&lt;!channel&gt; &amp; co" in shown
    assert "&lt;@U0BOSS&gt; &lt;!here&gt;" in shown
    assert "<!channel>" not in shown
    assert "<@U0BOSS>" not in shown
