"""Briefing tests run under their own small policy (tests.briefings.world.POLICY)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.briefings.world import POLICY


@pytest.fixture
def policy_file(write_policy: Callable[[str], Path]) -> Path:
    return write_policy(POLICY)
