"""The README's pictures of the sandbox: an approval card and App Home, taken from the real
app in Debian's Chromium. Run: ``.venv/bin/python docs/screenshots.py`` (writes
docs/images/sandbox-card.png and docs/images/sandbox-home.png)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from playwright.async_api import Page, async_playwright, expect

from bot.app.sandbox import running_sandbox
from policies.loader import bundled_policy_path

IMAGES = Path(__file__).resolve().parent / "images"


async def take(page: Page, name: str) -> None:
    await page.wait_for_timeout(300)
    await page.evaluate("document.querySelectorAll('.toast').forEach((t) => t.remove())")
    await page.screenshot(path=str(IMAGES / name))


async def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium package")
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite+aiosqlite:///{folder}/sandbox.db"
        async with (
            running_sandbox(bundled_policy_path(), database, port=0) as sandbox,
            async_playwright() as playwright,
        ):
            browser = await playwright.chromium.launch(executable_path=chromium)
            page = await browser.new_page(viewport={"width": 1280, "height": 760})
            await page.goto(sandbox.url)
            await page.select_option("#preset", "techcorp")
            await page.select_option("#preset", "northwind")
            await page.locator("#people button", has_text="Lisa Wong").click()
            await expect(page.locator("#conversation .block.header")).to_have_count(1)
            await take(page, "sandbox-card.png")
            await page.locator("#people button", has_text="Priya Patel").click()
            await page.locator("#sidebar button.conversation", has_text="Home").click()
            await expect(page.locator("#conversation .home")).to_contain_text("Northwind")
            await take(page, "sandbox-home.png")
            await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
