"""A short chaos run (the long one is ``python -m bench.chaos``): serve SIGKILLed at random
moments while deals arrive, approvers click (Slack retrying what got no answer) and
second-long SLAs remind, reassign and escalate; afterwards nothing is doubled or lost,
nothing applied twice, every approval consistent, and the audit chain verifies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.postgres import postgres_url_or_skip
from tests.support.chaos import run_chaos

pytestmark = pytest.mark.slow


async def test_one_serve_on_sqlite_killed_mid_flow(tmp_path: Path) -> None:
    figures = await run_chaos(tmp_path, kills=4, between=1.0)

    assert figures.kills == 4
    assert figures.acked > 0
    assert figures.decisions > 0
    assert figures.clean, figures


@pytest.fixture
def postgres_url() -> str:
    return postgres_url_or_skip()


@pytest.mark.postgres
async def test_two_serves_on_postgres_killed_mid_flow(tmp_path: Path, postgres_url: str) -> None:
    figures = await run_chaos(
        tmp_path, kills=4, instances=2, database_url=postgres_url, between=1.0
    )

    assert figures.kills == 4
    assert figures.decisions > 0
    assert figures.clean, figures
