"""What every command shares: settings, the database, errors as one clear line."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from bot.app.settings import Settings, SettingsError, load_settings
from bot.core.clock import Clock
from bot.core.deps import Deps, open_deps
from bot.core.errors import DealdeskError
from policies.loader import LoadedPolicy, PolicyError, load_policy_file
from policies.problems import FileProblems
from store.db import DatabaseUrlError

T = TypeVar("T")

console = Console(emoji=False)
errors = Console(stderr=True, emoji=False, soft_wrap=True)
"""Soft-wrapped: a path or a message is never broken by an inserted newline (the terminal
wraps it where it must, and a pasted error stays one piece)."""


def fail(message: str, code: int = 1) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        fail(str(error), code=2)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; turn the errors a person can fix into one line and exit 1."""
    try:
        return asyncio.run(coroutine)
    except PolicyError as error:
        show_policy_error(error)
        raise typer.Exit(1) from None
    except (DealdeskError, DatabaseUrlError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"{error.strerror or error}: {getattr(error, 'filename', '') or ''}".rstrip(": "))


def show_policy_error(error: FileProblems) -> None:
    """Every problem of a file a person wrote (a policy, its test cases), located."""
    count = len(error.issues)
    errors.print(
        f"[bold red]{error.source}: {count} problem{'s' if count != 1 else ''}[/]", highlight=False
    )
    for issue in error.issues:
        errors.print(f"  {issue}", highlight=False, soft_wrap=True)


@asynccontextmanager
async def app_deps(
    config: Settings,
    clock: Clock | None = None,
    database_url: str | None = None,
    policy: Path | None = None,
) -> AsyncIterator[Deps]:
    async with open_deps(
        database_url or config.database_url, policy or config.dealdesk_policy, clock
    ) as deps:
        yield deps


def load_policy_or_exit(file: Path) -> LoadedPolicy:
    """The policy in ``file``, or exit 1 after printing every problem, located."""
    try:
        return load_policy_file(file)
    except PolicyError as error:
        show_policy_error(error)
        raise typer.Exit(1) from None
