"""The sandbox in a real headless Chromium (Debian's ``chromium``), driven by Playwright.

The page and the app run in the test's event loop (bot.app.sandbox.running_sandbox); the
browser is the only thing outside it. Without Chromium the tests are skipped, unless
DEALDESK_REQUIRE_BROWSER=1 (CI), where that fails the run. Each test leaves a
screenshot of the page as it ended in ``artifacts/screenshots/`` (not committed).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from bot.app.sandbox import RunningSandbox, running_sandbox
from policies.loader import bundled_policy_path
from tests.support.databases import sqlite_url

CHROMIUM = (
    os.environ.get("DEALDESK_CHROMIUM")
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
)
REQUIRE_BROWSER = os.environ.get("DEALDESK_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(bundled_policy_path(), sqlite_url(tmp_path), port=0) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if CHROMIUM is None:
        message = "no Chromium: install Debian's chromium package (or set DEALDESK_CHROMIUM)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(
    browser: Browser, sandbox: RunningSandbox, request: pytest.FixtureRequest
) -> AsyncIterator[Page]:
    """The sandbox page, opened fresh; fails the test on any JavaScript error."""
    context = await browser.new_context(
        viewport={"width": 1400, "height": 900}, timezone_id="America/New_York"
    )
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    await opened.goto(sandbox.url)
    try:
        yield opened
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        await opened.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
        await context.close()
    assert errors == []
