"""``dealdesk serve`` as operators run it: a real process, real signals, real HTTP."""

from __future__ import annotations

import logging
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app.cli.serve import LogLevel, configure_logging
from tests.api.conftest import deal, with_people
from tests.support.databases import sqlite_url
from tests.support.fake_slack import FakeSlack
from tests.support.processes import (
    DEALDESK,
    environment,
    free_port,
)
from tests.support.serving import serving


def run_serve(
    tmp_path: Path, *args: str, unset: tuple[str, ...] = (), **variables: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in environment(tmp_path, **variables).items() if k not in unset}
    return subprocess.run(
        [DEALDESK, "serve", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    [line] = error_lines(result.stderr)
    for word in words:
        assert word in line, line


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield with_people(fake)


async def test_serve_takes_a_deal_delivers_its_card_and_stops_on_sigterm(
    tmp_path: Path, slack: FakeSlack
) -> None:
    """``serving`` stops it with SIGTERM and holds it to exit 0 with no traceback."""
    async with serving(tmp_path, slack) as serve:
        submitted = await serve.submit(deal())
        await slack.wait_for(
            "chat.postMessage", timeout=10, where=lambda c: c.params["channel"] == "DU0LISA"
        )

    assert submitted["status"] == "in_review"
    logged = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert f"listening on {serve.url}" in logged
    # A clean start warns of nothing (Bolt's "`token` will be unused" alarmed admins).
    assert [line for line in logged.splitlines() if " WARNING " in line] == []
    card = slack.dm("U0LISA")[0]
    assert "TechCorp" in card.visible_text
    assert "Approve" in card.button_texts


@pytest.mark.parametrize(
    ("missing", "args"),
    [
        ("SLACK_SIGNING_SECRET", []),
        ("SLACK_BOT_TOKEN", []),
        ("SLACK_APP_TOKEN", ["--socket-mode"]),
        ("SLACK_BOT_TOKEN", ["--socket-mode"]),
    ],
    ids=["http-signing-secret", "http-bot-token", "socket-app-token", "socket-bot-token"],
)
def test_a_missing_slack_setting_is_named(tmp_path: Path, missing: str, args: list[str]) -> None:
    extra = {"SLACK_APP_TOKEN": "xapp-test"} if missing != "SLACK_APP_TOKEN" else {}

    result = run_serve(tmp_path, *args, unset=(missing,), **extra)

    assert_one_clear_line(result, missing, "is not set")


def test_socket_mode_does_not_need_the_signing_secret(tmp_path: Path) -> None:
    """It gets past the settings to the database, which here cannot be opened."""
    result = run_serve(
        tmp_path,
        "--socket-mode",
        unset=("SLACK_SIGNING_SECRET",),
        SLACK_APP_TOKEN="xapp-test",
        DATABASE_URL=sqlite_url(tmp_path / "missing"),
    )

    assert_one_clear_line(result, "DATABASE_URL")


def test_a_malformed_setting_is_named(tmp_path: Path) -> None:
    result = run_serve(tmp_path, SLACK_BOT_TOKEN="xoxp-user-token")

    assert_one_clear_line(result, "SLACK_BOT_TOKEN", "xoxb-")


def closed_postgres_url() -> str:
    return f"postgresql+asyncpg://dealdesk:hunter2@127.0.0.1:{free_port()}/dealdesk"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://dealdesk@localhost/dealdesk", "driver 'mysql' is not supported"),
        ("not a url", "is not a database URL"),
        ("missing-directory", "cannot reach"),
        ("closed-port", "cannot reach"),
    ],
)
def test_a_bad_database_url_is_named(tmp_path: Path, url: str, says: str) -> None:
    url = {
        "missing-directory": sqlite_url(tmp_path / "missing"),
        "closed-port": closed_postgres_url(),
    }.get(url, url)

    result = run_serve(tmp_path, DATABASE_URL=url)

    assert_one_clear_line(result, "DATABASE_URL", says)
    assert "hunter2" not in result.stderr


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_a_port_in_use_stops_with_exit_1(tmp_path: Path, busy_port: int) -> None:
    result = run_serve(tmp_path, "--port", str(busy_port))

    assert result.returncode == 1
    assert_one_clear_line(result, f"cannot listen on 127.0.0.1:{busy_port}", "in use")


def test_a_bad_policy_file_stops_with_exit_1(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("name: broken\nstages: 3\n", encoding="utf-8")

    result = run_serve(tmp_path, DEALDESK_POLICY=str(policy))

    assert result.returncode == 1
    assert_one_clear_line(result, "DEALDESK_POLICY", str(policy), "dealdesk policy check")


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield root
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_log_records_are_one_line_each_on_stderr(
    root_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(LogLevel.WARNING)
    log = logging.getLogger("dealdesk.test")
    log.info("not shown below the level")
    try:
        raise ValueError("first line\nsecond line")
    except ValueError:
        log.exception("delivery failed")

    lines = capsys.readouterr().err.splitlines()

    assert len(lines) == 1
    assert "ERROR dealdesk.test: delivery failed" in lines[0]
    assert "Traceback" in lines[0]
    assert "ValueError: first line\\nsecond line" in lines[0]
