"""The soak bench's fast version: twenty seconds of the steady mix against a real
``dealdesk sandbox`` process. Every kind of work happens, nothing the page sends is
answered with a 5xx, no file descriptor leaks and the audit log verifies after it.
(Memory is judged by ``python -m bench.soak`` over an hour: twenty seconds is warm-up.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.soak import figures_json
from tests.support.soak_run import run_soak

pytestmark = pytest.mark.slow

FDS_CEILING = 80

DRIVEN = (
    "deals",
    "approve",
    "reject",
    "request changes",
    "reasons",
    "edits",
    "commands",
    "home visits",
    "hours passed",
    "briefing mornings",
)


async def test_twenty_seconds_of_the_steady_mix(tmp_path: Path, database_url: str) -> None:
    figures = await run_soak(tmp_path, seconds=20, sample_every=5, database_url=database_url)

    assert figures.failures == []
    assert figures.verified
    assert {name: figures.done[name] > 0 for name in DRIVEN} == dict.fromkeys(DRIVEN, True)
    printed = json.loads(figures_json(figures, minutes=20 / 60))  # what --json prints
    assert printed["done"] == dict(figures.done)
    for action in ("deal_submitted", "approval_decided", "approval_reassigned", "deal_resubmitted"):
        assert figures.audit.get(action, 0) > 0, (action, figures.audit)
    # Connections (the reader pool, WAL files, sockets) come to about fifty descriptors;
    # thousands of page calls and Slack calls with one leaking each would pass it.
    assert max(sample.fds for sample in figures.samples) <= FDS_CEILING
    assert figures.samples[-1].virtual_days > 2
