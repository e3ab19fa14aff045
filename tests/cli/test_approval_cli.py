"""`dealdesk approval reassign` and `dealdesk approval decide`: an admin's hand on a deal from
the command line, against a real database, queueing the Slack work for `serve`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.app.cli import app
from bot.core.clock import VirtualClock
from bot.core.deps import open_deps
from store.models import OutboxMessage
from tests.conftest import START
from tests.support.deals import approvals_of, audit_events, details, submit
from tests.support.matrix import ADMIN, DANIEL, LISA, REVOPS, STRANGER

runner = CliRunner()


async def _seed(url: str) -> int:
    async with open_deps(url, REVOPS, VirtualClock(START)) as deps:
        return (await submit(deps)).deal_id


@pytest.fixture
def deal_id(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> int:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DEALDESK_POLICY", str(REVOPS))
    return asyncio.run(_seed(database_url))


async def _state(
    url: str, deal_id: int
) -> tuple[list[tuple[str, str, str]], list[dict[str, object]], int]:
    async with open_deps(url, REVOPS, VirtualClock(START)) as deps:
        rows = [(r.approver, r.assignee, r.status) for r in await approvals_of(deps, deal_id)]
        events = [
            {"action": e.action, "actor": e.actor, **details(e)}
            for e in await audit_events(deps)
            if e.actor == ADMIN
        ]
        async with deps.db.read() as session:
            kinds = (await session.execute(select(OutboxMessage.kind))).scalars().all()
        return rows, events, sum(kind == "card.post" for kind in kinds)


def test_reassign_then_decide_as_an_admin(deal_id: int, database_url: str) -> None:
    moved = runner.invoke(
        app,
        [
            "approval",
            "reassign",
            "D-1001",
            "manager",
            DANIEL,
            "--as",
            ADMIN,
            "--reason",
            "board day",
        ],
    )
    assert moved.exit_code == 0, moved.output
    assert "D-1001: manager now waits for U0DANIEL" in moved.stdout

    decided = runner.invoke(
        app, ["approval", "decide", "D-1001", "manager", "approve", "--as", ADMIN, "--reason", "ok"]
    )
    assert decided.exit_code == 0, decided.output

    rows, events, cards = asyncio.run(_state(database_url, deal_id))
    assert ("cfo", LISA, "reassigned") in rows
    assert ("cfo", DANIEL, "approved") in rows
    assert [(e["action"], e.get("on_behalf_of")) for e in events] == [
        ("approval_reassigned", None),
        ("approval_decided", DANIEL),
    ]
    assert cards >= 2  # Lisa's first card, and Daniel's: serve delivers them


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["decide", "D-1001", "manager", "approve", "--as", STRANGER, "--reason", "x"],
            "Only a deal desk admin",
        ),
        (
            ["decide", "D-1001", "manager", "approve", "--as", ADMIN, "--reason", " "],
            "give --reason",
        ),
        (
            ["decide", "D-1001", "legal", "approve", "--as", ADMIN, "--reason", "x"],
            "no pending approval for “legal”",
        ),
        (["reassign", "D-9999", "manager", DANIEL, "--as", ADMIN], "There is no deal D-9999"),
        (["reassign", "nope", "manager", DANIEL, "--as", ADMIN], "is not a deal id"),
    ],
)
def test_mistakes_are_one_clear_line(deal_id: int, args: list[str], says: str) -> None:
    result = runner.invoke(app, ["approval", *args])

    assert result.exit_code == 1
    assert says in result.output
    assert "Traceback" not in result.output
