"""Scenario files written for one test, next to a copy-free reference to the bundled policy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from policies.loader import bundled_policy_path

TECHCORP_DEAL = """\
    deal:
      company: TechCorp
      acv: 500000
      discount: 12
      term_months: 36
      industry: Technology
      employees: 5000
      use_case: Consolidate regional CRMs onto one platform
      budget_indicated: true
      owner: U0SARAH
"""
"""The seeds' deal, indented as the first deal of a scenario's ``deals:`` list."""


def scenario_text(responses: str, *, name: str = "Test", extra: str = "") -> str:
    """A scenario with the TechCorp deal at 0s under the bundled policy."""
    return (
        f"name: {name}\n"
        f"policy: {bundled_policy_path()}\n"
        "start: 2026-11-17T17:30:00Z\n"
        f"{extra}"
        "deals:\n"
        "  - at: 0s\n"
        f"{TECHCORP_DEAL}"
        "    responses:\n"
        f"{responses}"
    )


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "scenario.yml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
