"""Every surface compared with its golden JSON (UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import pytest

from sandbox.blockkit import block_kit_problems
from tests.cards.golden import assert_golden
from tests.cards.surfaces import all_surfaces, build_world

SURFACES = all_surfaces(build_world())


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_surface_matches_golden(name: str) -> None:
    built = SURFACES[name]()
    assert_golden(name, built.payload)


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_surface_is_accepted_by_slack(name: str) -> None:
    built = SURFACES[name]()
    assert block_kit_problems(built.surface, built.payload) == []


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_every_message_has_a_fallback_text(name: str) -> None:
    built = SURFACES[name]()
    if built.surface == "message":
        assert built.payload["text"].strip()
