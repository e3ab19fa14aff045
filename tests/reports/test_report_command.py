"""`/deal report slo [7d|30d]` through the real app: signed like Slack, answered ephemerally."""

from __future__ import annotations

import pytest

from sandbox.block_reading import visible_text
from sandbox.blockkit import block_kit_problems
from tests.conftest import START
from tests.reports.history import seed_history
from tests.reports.test_avatar_report import seed as seed_avatars
from tests.slack.flows import LISA, OWNER
from tests.support.app_server import RunningApp


async def _ask(app: RunningApp, text: str) -> str:
    reply = await app.requests.command("/deal", text, user=OWNER)
    assert reply.status == 200, reply.text
    assert reply.body["response_type"] == "ephemeral"
    assert block_kit_problems("message", reply.body) == []
    assert reply.body["text"]
    return visible_text(reply.body["blocks"])


async def test_report_slo_shows_the_last_7_days(app: RunningApp) -> None:
    await seed_history(app.deps, START)

    for text in ("report slo", "report slo 7d", "REPORT SLO 7D"):
        shown = await _ask(app, text)
        assert "SLO report · last 7 days" in shown
        assert "*10 decisions* in the last 7 days, *73% within SLA* (8 of 11)." in shown
        assert "• Decision time: median 45m, p90 7h 30m" in shown
        assert "median 2d 2h, p90 3d 14h (2 deals)" in shown
        assert "• Automation: 40% of decisions made by avatars (4 of 10)" in shown
        assert "• Escalations: 2" in shown
        assert (
            "*Lisa Wong* · SLA 2h · 4 decided · 60% within SLA (3/5) · median 1h 15m, "
            "p90 2h 33m · 1 escalation"
        ) in shown
        assert "*Deal approval* · SLA 2h–24h · 5 decided · 67% within SLA (4/6)" in shown
        assert "`dealdesk report slo --since 7d --format csv` has every figure" in shown
    approvers = shown[shown.index("By approver") :].splitlines()[1:7]
    # Least on time first: Priya (0%), Lisa (60%), then the rest; Omar decided nothing.
    assert [line.split("*")[1] for line in approvers] == [
        "Priya Patel",
        "Lisa Wong",
        "Daniel Kim",
        "James Rodriguez (avatar)",
        "Sarah Chen (avatar)",
        "Omar Haddad",
    ]


async def test_report_slo_30d_reaches_further_back(app: RunningApp) -> None:
    await seed_history(app.deps, START)

    shown = await _ask(app, "report slo 30d")

    assert "SLO report · last 30 days" in shown
    assert "*Lisa Wong* · SLA 2h · 5 decided · 67% within SLA (4/6)" in shown
    assert "(3 deals)" in shown


async def test_an_empty_history_says_so(app: RunningApp) -> None:
    shown = await _ask(app, "report slo")

    assert "Nothing was decided in the last 7 days." in shown
    assert "By approver" not in shown


@pytest.mark.parametrize("text", ["report", "report slo 14d", "report sla", "report slo 7d x"])
async def test_anything_else_answers_with_the_usage(app: RunningApp, text: str) -> None:
    shown = await _ask(app, text)

    assert "Usage: `/deal report slo [7d|30d]`" in shown
    assert "SLO report ·" not in shown


async def test_only_the_asker_sees_it(app: RunningApp) -> None:
    await seed_history(app.deps, START)
    reply = await app.requests.command("/deal", "report slo", user=LISA)

    assert reply.body["response_type"] == "ephemeral"
    assert not app.slack.calls_to("chat.postMessage")


async def test_report_avatars_shows_agreement_and_disagreements(app: RunningApp) -> None:
    await seed_avatars(app.deps, app.deps.clock.now())

    shown = await _ask(app, "report avatars 30d")

    assert "Avatar report · last 30 days" in shown
    assert (
        "*Lisa Wong's avatar (cfo)* shadowed 5 · agreed 50% (2 of 4) · would have automated 80%"
    ) in shown
    assert "said approve: 1 approve, 1 reject, 1 changes" in shown
    assert "chose *reject* (Too deep a discount); the avatar said *approve*" in shown
