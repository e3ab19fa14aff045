"""Real server processes for tests and benchmarks: a free port, and waiting for /healthz."""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp

STARTUP = 30.0
"""Seconds a process gets to answer /healthz (imports and migrations included)."""


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
) -> None:
    """Return once ``url``/healthz answers 200; kill the process and say why otherwise."""
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        if process.returncode is not None:
            break
        try:
            async with session.get(f"{url}/healthz") as response:
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
