"""Avatars: automated approvers with transparent, deterministic rules.

Each avatar is a pure function of the deal's terms and the approver's limits that
returns an :class:`AvatarDecision`: approve, reject, or hand to a backup, with a
one-line reasoning a person can check, a confidence, and the facts it used.
No randomness, no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable

from policies.avatars.cfo import decide_cfo
from policies.avatars.decision import AvatarDecision, Outcome
from policies.avatars.finance import decide_finance
from policies.avatars.legal import decide_legal
from policies.avatars.manager import decide_manager
from policies.avatars.qualification import decide_qualification
from policies.deal import DealTerms
from policies.model import AvatarKind, Limits

AvatarFunction = Callable[[DealTerms, Limits], AvatarDecision]

AVATARS: dict[AvatarKind, AvatarFunction] = {
    AvatarKind.QUALIFICATION: decide_qualification,
    AvatarKind.MANAGER: decide_manager,
    AvatarKind.LEGAL: decide_legal,
    AvatarKind.FINANCE: decide_finance,
    AvatarKind.CFO: decide_cfo,
}


def run_avatar(kind: AvatarKind, deal: DealTerms, limits: Limits) -> AvatarDecision:
    """Ask the avatar ``kind`` about ``deal``."""
    return AVATARS[kind](deal, limits)


__all__ = ["AVATARS", "AvatarDecision", "Outcome", "run_avatar"]
