"""Avatars: automated approvers with transparent, deterministic rules.

Each avatar is a pure function of the deal's terms and the approver's limits that
returns an :class:`AvatarDecision`: approve, reject, or hand to a backup, with a
one-line reasoning a person can check, a confidence, and the facts it used.
No randomness, no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable

from policies.avatars import cfo, finance, legal, manager, qualification
from policies.avatars.decision import AvatarDecision, Outcome
from policies.deal import DealTerms
from policies.model import AvatarKind, Limits

AvatarFunction = Callable[[DealTerms, Limits], AvatarDecision]

AVATARS: dict[AvatarKind, AvatarFunction] = {
    AvatarKind.QUALIFICATION: qualification.decide_qualification,
    AvatarKind.MANAGER: manager.decide_manager,
    AvatarKind.LEGAL: legal.decide_legal,
    AvatarKind.FINANCE: finance.decide_finance,
    AvatarKind.CFO: cfo.decide_cfo,
}

AVATAR_READS: dict[AvatarKind, frozenset[str]] = {
    AvatarKind.QUALIFICATION: qualification.READS,
    AvatarKind.MANAGER: manager.READS,
    AvatarKind.LEGAL: legal.READS,
    AvatarKind.FINANCE: finance.READS,
    AvatarKind.CFO: cfo.READS,
}
"""The deal fields each avatar reads (what a change must touch to change its decision)."""


def run_avatar(kind: AvatarKind, deal: DealTerms, limits: Limits) -> AvatarDecision:
    """Ask the avatar ``kind`` about ``deal``."""
    return AVATARS[kind](deal, limits)


__all__ = ["AVATARS", "AVATAR_READS", "AvatarDecision", "Outcome", "run_avatar"]
