"""``dealdesk serve``: the Slack app, the intake API, /healthz and /metrics, until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import sys
from enum import StrEnum
from typing import Annotated, NoReturn

import typer
from sqlalchemy.engine import make_url

from bot.app.cli.common import fail
from bot.app.settings import Settings, SettingsError, load_settings
from policies.loader import PolicyError
from store.db import Database

log = logging.getLogger(__name__)

HTTP_NEEDS = {
    "slack_bot_token": "the bot token (xoxb-…, OAuth & Permissions in your app's settings)",
    "slack_signing_secret": "it verifies every request from Slack (Basic Information → "
    "Signing Secret); or run with --socket-mode and SLACK_APP_TOKEN",
}
SOCKET_MODE_NEEDS = {
    "slack_bot_token": HTTP_NEEDS["slack_bot_token"],
    "slack_app_token": "Socket Mode connects with an app-level token (xapp-…, Basic "
    "Information → App-Level Tokens, scope connections:write)",
}


_BIND_ERRORS = (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""
    app.command(name="serve")(serve)


def serve(
    socket_mode: Annotated[
        bool,
        typer.Option(
            "--socket-mode", help="Connect to Slack with SLACK_APP_TOKEN instead of HTTP events."
        ),
    ] = False,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: HOST, else 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: PORT, else 3000).")
    ] = None,
    log_level: Annotated[
        LogLevel, typer.Option("--log-level", case_sensitive=False, help="Least severe to log.")
    ] = LogLevel.INFO,
) -> None:
    """Run the Slack app, the deal intake API, /healthz and /metrics.

    HTTP mode on HOST:PORT, or Socket Mode with `--socket-mode`, until SIGINT or
    SIGTERM. Upgrades the database first; SIGHUP re-reads the policy."""
    config = _settings(socket_mode, host, port)
    configure_logging(log_level)
    with contextlib.suppress(KeyboardInterrupt):  # interrupted while starting: stop quietly
        asyncio.run(_run(config, socket_mode))


def _settings(socket_mode: bool, host: str | None, port: int | None) -> Settings:
    overrides = {
        name: value for name, value in (("host", host), ("port", port)) if value is not None
    }
    try:
        config = load_settings(**overrides)
    except SettingsError as error:
        fail(str(error), code=2)
    mode = "Socket Mode" if socket_mode else "HTTP mode"
    for name, why in (SOCKET_MODE_NEEDS if socket_mode else HTTP_NEEDS).items():
        if getattr(config, name) is None:
            fail(f"{name.upper()} is not set; {mode} needs it: {why}", code=2)
    return config


async def _run(config: Settings, socket_mode: bool) -> None:
    # Imported here: Bolt and aiohttp take a third of a second to import, which every
    # other command (audit verify in a cron job, say) would pay for nothing.
    from bot.app import server

    await _check_database(config.database_url)
    try:
        await server.serve(config, socket_mode=socket_mode)
    except PolicyError as error:
        _stop(f"DEALDESK_POLICY: {_policy_problem(error)}")
    except Exception as error:  # one line, never a traceback; the details at debug level
        if isinstance(error, OSError) and error.errno in _BIND_ERRORS:
            _stop(f"cannot listen on {config.host}:{config.port}: {os.strerror(error.errno)}")
        log.debug("start-up failed", exc_info=True)
        _stop(f"dealdesk could not start: {_describe(error)} (--log-level debug for details)")


async def _check_database(url: str) -> None:
    """Fail with one line naming DATABASE_URL when the database cannot be reached."""
    database = Database.connect(url)
    try:
        await database.ping()
    except Exception as error:  # asyncpg, aiosqlite and OS errors all mean "cannot reach"
        shown = make_url(url).render_as_string(hide_password=True)
        _stop(f"DATABASE_URL: cannot reach {shown}: {_describe(error)}")
    finally:
        await database.dispose()


def configure_logging(level: LogLevel) -> None:
    """One line per record on stderr (a traceback's line breaks are written as ``\\n``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", "\\n")


def _stop(message: str) -> NoReturn:
    fail(message.replace("\n", " "), code=1)


def _policy_problem(error: PolicyError) -> str:
    first = error.issues[0] if error.issues else "invalid"
    more = len(error.issues) - 1
    hint = f" (and {more} more; run: dealdesk policy check {error.source})" if more > 0 else ""
    return f"{error.source}: {first}{hint}"


def _describe(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    text = " ".join(str(cause).split())
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__
