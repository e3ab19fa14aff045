"""``dealdesk sandbox``: try dealdesk in a browser, with a local Slack workspace."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from bot.app.cli.common import console, errors, fail
from bot.app.cli.serve import LogLevel, configure_logging
from policies.loader import PolicyError, bundled_policy_path, load_policy_file


def register(app: typer.Typer) -> None:
    app.command(name="sandbox")(sandbox)


def sandbox(
    policy: Annotated[
        Path | None,
        typer.Option(help="The policy to try (default: the bundled example policy)."),
    ] = None,
    port: Annotated[int, typer.Option(help="Port of the page.")] = 8080,
    host: Annotated[str, typer.Option(help="Address of the page.")] = "127.0.0.1",
    database: Annotated[
        str | None,
        typer.Option(help="DATABASE_URL to use (default: a fresh SQLite file, gone on exit)."),
    ] = None,
    log_level: Annotated[
        LogLevel, typer.Option("--log-level", case_sensitive=False, help="Least severe to log.")
    ] = LogLevel.WARNING,
) -> None:
    """Try dealdesk in your browser, with a local Slack workspace.

    The real app with the policy's people, their DMs, the deal channel, App Home, slash
    commands, and a clock you can move ahead. Nothing leaves this machine. Stop it with
    Ctrl-C."""
    path = policy or bundled_policy_path()
    try:
        load_policy_file(path)
    except PolicyError as error:
        fail(f"{path}: {error.issues[0] if error.issues else 'invalid'}", code=2)
    configure_logging(log_level)
    with contextlib.suppress(KeyboardInterrupt):
        if host not in LOOPBACK:
            errors.print(
                f"[yellow]warning:[/] the sandbox has no sign-in: anyone who can reach "
                f"{host}:{port} can act as every person in it. Leave out --host to keep it "
                "on this machine (127.0.0.1).",
                highlight=False,
            )
        asyncio.run(_run(path, host, port, database))


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


async def _run(policy: Path, host: str, port: int, database: str | None) -> None:
    from bot.app import interpreter
    from bot.app.sandbox import running_sandbox
    from bot.app.server import until_signalled

    interpreter.tune()  # the app inside runs as serve runs it
    with tempfile.TemporaryDirectory(prefix="dealdesk-sandbox-") as folder:
        url = database or f"sqlite+aiosqlite:///{Path(folder) / 'sandbox.db'}"
        try:
            async with running_sandbox(policy, url, host=host, port=port) as running:
                interpreter.started()
                console.print(
                    f"[bold green]dealdesk sandbox[/] is running: open [bold]{running.url}[/] "
                    "in your browser. Ctrl-C stops it."
                )
                await until_signalled()
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
                fail(f"cannot listen on {host}:{port}: {os.strerror(error.errno)}; try --port")
            raise
