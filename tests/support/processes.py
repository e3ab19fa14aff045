"""Real server processes for tests and benchmarks: the ``dealdesk`` command, a clean
environment for it, a free port, and waiting for /healthz."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path

import aiohttp

from tests.support.databases import sqlite_url

DEALDESK = str(Path(sys.executable).with_name("dealdesk"))
API_TOKEN = "serve-test-token"

STARTUP = 30.0
"""Seconds a process gets to answer /healthz (imports and migrations included)."""


def environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """A clean environment: only what serve needs, nothing inherited from the test run."""
    base = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "serve-test-signing-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DATABASE_URL": sqlite_url(tmp_path),
        "DEALDESK_API_TOKEN": API_TOKEN,
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
    }
    return {**base, **variables}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_until_healthy(
    session: aiohttp.ClientSession,
    url: str,
    process: asyncio.subprocess.Process,
    startup: float = STARTUP,
    path: str = "/healthz",
) -> None:
    """Return once ``url`` + ``path`` answers 200; kill the process and say why otherwise."""
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        if process.returncode is not None:
            break
        try:
            async with session.get(f"{url}{path}") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    if process.returncode is None:
        process.kill()
    _, stderr = await process.communicate()
    output = stderr.decode() if stderr else "(its output went to the terminal)"
    raise AssertionError(f"{url} did not become healthy:\n{output}")


async def run_dealdesk(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run ``dealdesk *args`` with ``env`` (wide, so tables do not wrap); its exit code and
    everything it printed, stdout and stderr together."""
    process = await asyncio.create_subprocess_exec(
        DEALDESK,
        *args,
        env={**env, "COLUMNS": "250"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()
