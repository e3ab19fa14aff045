"""`dealdesk audit verify` and `dealdesk audit export` against a real database."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.cli import app
from bot.core.clock import VirtualClock
from bot.core.deps import open_deps
from tests.conftest import START
from tests.support.databases import sqlite_url
from tests.support.deals import audit_events, decide_as, pending_for, submit, techcorp
from tests.support.matrix import LISA, REVOPS

runner = CliRunner()

COLUMNS = [
    "seq",
    "at",
    "deal_id",
    "actor",
    "action",
    "details",
    "policy_version",
    "prev_hash",
    "hash",
]
"""CONTRACT.md, Audit log."""


async def _seed(url: str) -> int:
    """TechCorp (D-1001) decided by the CFO, and a second deal (D-1002); the event count."""
    async with open_deps(url, REVOPS, VirtualClock(START)) as deps:
        deal = await submit(deps)
        await decide_as(deps, (await pending_for(deps, deal.deal_id, "cfo")).id, LISA)
        await submit(deps, techcorp(external_id="OPP-0043", company="Initech"))
        return len(await audit_events(deps))


@pytest.fixture
def seeded(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> int:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return asyncio.run(_seed(database_url))


@pytest.fixture
def sqlite_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path))
    asyncio.run(_seed(sqlite_url(tmp_path)))
    return tmp_path / "dealdesk.db"


def test_verify_passes_on_an_intact_log(seeded: int) -> None:
    result = runner.invoke(app, ["audit", "verify"])

    assert result.exit_code == 0, result.output
    assert f"audit chain intact: {seeded} events verified" in result.stdout


@pytest.mark.parametrize(
    ("sql", "broken"),
    [
        ("UPDATE audit_events SET actor = 'U0MALLORY' WHERE seq = 5", 5),
        ("UPDATE audit_events SET details = '{}' WHERE seq = 7", 7),
        ("DELETE FROM audit_events WHERE seq = 3", 3),
    ],
    ids=["edit", "edit-details", "delete"],
)
def test_verify_fails_naming_the_first_tampered_event(
    sqlite_file: Path, sql: str, broken: int
) -> None:
    with sqlite3.connect(sqlite_file) as connection:
        connection.execute(sql)
    connection.close()

    result = runner.invoke(app, ["audit", "verify"])

    assert result.exit_code == 1
    assert f"audit chain broken at event {broken}" in result.stdout
    assert f"{broken - 1} events before it verified" in result.stdout
    assert "Traceback" not in result.output


def test_verify_on_a_database_without_the_schema_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path, "empty.db"))

    result = runner.invoke(app, ["audit", "verify"])

    assert result.exit_code == 1
    assert "dealdesk db upgrade" in result.stderr
    assert "Traceback" not in result.output


def test_export_json_has_every_event_with_the_contract_keys(seeded: int) -> None:
    result = runner.invoke(app, ["audit", "export", "--format", "json"])

    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    assert len(events) == seeded
    assert [event["seq"] for event in events] == list(range(1, seeded + 1))
    assert all(list(event) == COLUMNS for event in events)
    assert events[0]["action"] == "deal_submitted"
    assert events[0]["details"]["terms"]["company"] == "TechCorp"
    assert events[0]["at"] == "2026-11-23T13:00:00.000000Z"
    assert all(e["prev_hash"] == d["hash"] for d, e in itertools.pairwise(events))


def test_export_csv_has_the_same_columns_and_rows(seeded: int) -> None:
    result = runner.invoke(app, ["audit", "export", "--format", "csv"])

    assert result.exit_code == 0, result.output
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert reader.fieldnames == COLUMNS
    rows = list(reader)
    assert len(rows) == seeded
    assert json.loads(rows[0]["details"])["terms"]["company"] == "TechCorp"
    assert rows[-1]["seq"] == str(seeded)


@pytest.mark.parametrize("deal", ["D-1002", "1002", "d-1002"])
def test_export_one_deal(seeded: int, deal: str) -> None:
    result = runner.invoke(app, ["audit", "export", "--deal", deal, "--format", "json"])

    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    assert events
    assert {event["deal_id"] for event in events} == {"D-1002"}
    assert events[0]["details"]["terms"]["company"] == "Initech"


def test_export_to_a_file(seeded: int, tmp_path: Path) -> None:
    target = tmp_path / "audit.csv"

    result = runner.invoke(app, ["audit", "export", "--format", "csv", "--output", str(target)])

    assert result.exit_code == 0, result.output
    assert f"wrote {seeded} events" in result.stdout
    with target.open(encoding="utf-8", newline="") as stream:
        assert len(list(csv.DictReader(stream))) == seeded


def test_export_refuses_an_unknown_format(seeded: int) -> None:
    result = runner.invoke(app, ["audit", "export", "--format", "xml"])

    assert result.exit_code == 2
    assert "xml" in result.output
