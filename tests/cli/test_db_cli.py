"""`dealdesk db upgrade`, and what every command does with a DATABASE_URL it cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.cli import app
from store.migrate import head_revision
from tests.support.databases import sqlite_url

runner = CliRunner()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_upgrade_twice(database_url: str, environment: pytest.MonkeyPatch) -> None:
    environment.setenv("DATABASE_URL", database_url)

    first = runner.invoke(app, ["db", "upgrade"])
    second = runner.invoke(app, ["db", "upgrade"])

    assert first.exit_code == 0, first.output
    assert "applied 0001" in first.stdout
    assert f"schema at {head_revision()}" in first.stdout
    assert second.exit_code == 0, second.output
    assert f"already up to date (schema {head_revision()})" in second.stdout


def test_upgrade_then_verify_an_empty_log(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    environment.setenv("DATABASE_URL", sqlite_url(tmp_path))

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["audit", "verify"])

    assert result.exit_code == 0, result.output
    assert "audit chain intact: 0 events" in result.stdout


MALFORMED = [
    ("mysql://dealdesk@localhost/dealdesk", "driver 'mysql' is not supported"),
    ("not a url at all", "is not a database URL"),
    ("sqlite:///dealdesk.db", "driver 'sqlite' is not supported"),
]

COMMANDS = [["db", "upgrade"], ["audit", "verify"], ["audit", "export", "--format", "json"]]


@pytest.mark.parametrize(("url", "says"), MALFORMED, ids=["mysql", "garbage", "sync-sqlite"])
@pytest.mark.parametrize("args", COMMANDS, ids=["db-upgrade", "audit-verify", "audit-export"])
def test_a_malformed_database_url_stops_with_one_line_naming_it(
    environment: pytest.MonkeyPatch, url: str, says: str, args: list[str]
) -> None:
    environment.setenv("DATABASE_URL", url)

    result = runner.invoke(app, args)

    assert result.exit_code not in (0, None)
    assert isinstance(result.exception, SystemExit)
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: DATABASE_URL: ")
    assert says in line
    assert "Traceback" not in result.output
    assert not (Path.cwd() / "dealdesk.db").exists()
