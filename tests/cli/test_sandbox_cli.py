"""``dealdesk sandbox`` as a newcomer runs it: one command, an address to open, a ready
deal that reaches its approver, Ctrl-C to stop; a busy port or a bad policy says so."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import time
from pathlib import Path

import aiohttp

from tests.support.processes import DEALDESK, free_port

STARTUP = 30.0
STOP = 2.0
"""Ctrl-C or SIGTERM ends the sandbox within this, whatever the page is doing."""


async def test_the_sandbox_serves_the_page_takes_a_deal_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        DEALDESK,
        "sandbox",
        "--port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COLUMNS": "200"},
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), STARTUP)
        url = f"http://127.0.0.1:{port}"
        assert f"open {url} in your browser" in line.decode()
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as page:
                assert page.status == 200
                assert "dealdesk sandbox" in await page.text()
            async with session.post(f"{url}/sandbox/deal", json={"preset": "techcorp"}) as deal:
                assert deal.status == 200
                assert (await deal.json())["said"] == "TechCorp went in as D-1001."
            for _ in range(100):
                async with session.get(f"{url}/sandbox/state?as=U0LISA") as state:
                    messages = (await state.json())["conversation"]["messages"]
                if messages:
                    break
                await asyncio.sleep(0.1)
            assert "TechCorp" in messages[0]["text"]
            async with session.get(f"{url}/sandbox/events"):  # the open page's event stream
                await _stopped_within(process, signal.SIGINT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_sigterm_ends_the_sandbox_while_the_clock_moves_a_day(tmp_path: Path) -> None:
    process, url = await _start(tmp_path)
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(10):
                async with session.post(f"{url}/sandbox/deal", json={"preset": "techcorp"}):
                    pass
            async with session.get(f"{url}/sandbox/events"):
                moving = asyncio.ensure_future(
                    session.post(f"{url}/sandbox/clock", json={"advance": "1d"})
                )
                await asyncio.sleep(0.2)  # the day's timeouts are being moved
                await _stopped_within(process, signal.SIGTERM)
                moving.cancel()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _start(home: Path) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        DEALDESK,
        "sandbox",
        "--port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "COLUMNS": "200"},
    )
    assert process.stdout is not None
    await asyncio.wait_for(process.stdout.readline(), STARTUP)
    return process, f"http://127.0.0.1:{port}"


async def _stopped_within(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    started = time.monotonic()
    process.send_signal(sig)
    _, stderr = await asyncio.wait_for(process.communicate(), 15)
    took = time.monotonic() - started
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert took < STOP, f"{sig.name} took {took:.1f} s to end the sandbox"


def test_a_busy_port_and_a_bad_policy_are_named(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("name: x\napprovers: {}\nstages: []\n", encoding="utf-8")
    bad = subprocess.run(
        [DEALDESK, "sandbox", "--policy", str(policy)], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2
    assert str(policy) in bad.stderr
    assert "Traceback" not in bad.stderr

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = subprocess.run(
            [DEALDESK, "sandbox", "--port", str(port)], capture_output=True, text=True, timeout=60
        )
    assert taken.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in taken.stderr
    assert "Traceback" not in taken.stderr
