"""Why an approval left its holder, or why nobody is left to hold it: the recorded cause,
and the one sentence every surface (cards, thread replies, ``/deal status``, the audit
log and its export) says it with.

A cause is recorded on the approval row when it happens (``approvals.causes``), so what
people read later is what the engine knew then, never a guess from the row's timestamps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class CauseKind(StrEnum):
    TIMEOUT = "timeout"
    """The holder did not answer within their SLA (``detail``: the SLA)."""
    OUT_OF_OFFICE = "out_of_office"
    """The holder's Slack status says they are away (``detail``: what it says)."""
    HANDOVER = "handover"
    """An avatar handed over what exceeds its authority (``detail``: its reasoning)."""
    PASSED_OVER = "passed_over"
    """One person, one approval: ``who`` already has another approval of the deal
    (``detail``: its status, pending or a sign-off; ``stage``: its stage)."""
    OWNER = "owner"
    """``who`` owns the deal, and nobody decides their own deal."""
    ADMIN = "admin"
    """An admin moved it (``by``: the admin, ``detail``: their reason)."""
    DELEGATION = "delegation"
    """The approver delegated to someone (``detail``: until when, or "")."""


@dataclass(frozen=True)
class Cause:
    kind: CauseKind
    who: str
    """The person (or avatar) it is about, by name: "Lisa Wong", "James Rodriguez (avatar)"."""
    detail: str = ""
    stage: str = ""
    by: str = ""

    def to_json(self) -> dict[str, str]:
        return {key: value for key, value in asdict(self).items() if value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Cause:
        return cls(
            kind=CauseKind(data["kind"]),
            who=str(data.get("who", "")),
            detail=str(data.get("detail", "")),
            stage=str(data.get("stage", "")),
            by=str(data.get("by", "")),
        )


def describe(cause: Cause) -> str:
    """The cause as one sentence without its full stop, e.g. "Lisa Wong did not answer
    within the 2h SLA"."""
    match cause.kind:
        case CauseKind.TIMEOUT:
            return f"{cause.who} did not answer within the {cause.detail} SLA"
        case CauseKind.OUT_OF_OFFICE:
            return f"{cause.who}'s Slack status: {cause.detail}"
        case CauseKind.HANDOVER:
            return f"{cause.who} handed it over: {cause.detail}"
        case CauseKind.PASSED_OVER:
            held = (
                f"already approved this deal's {cause.stage} step"
                if cause.detail != "pending"
                else f"already holds this deal's {cause.stage} step"
            )
            return f"{cause.who} {held} — one person, one approval"
        case CauseKind.OWNER:
            return f"{cause.who} owns this deal"
        case CauseKind.ADMIN:
            return f"{cause.by} moved it: {cause.detail}"
        case CauseKind.DELEGATION:
            return f"{cause.who} delegated it{cause.detail}"


def describe_escalation(causes: Sequence[Cause]) -> str:
    """Why nobody is left: what happened to the holder, then each backup passed over."""
    if not causes:
        return "nobody in the backup chain may hold it"
    return "; ".join(describe(cause) for cause in causes)


def sentence(text: str) -> str:
    """``text`` starting with a capital, as the start of a sentence."""
    return text[:1].upper() + text[1:]


def causes_from_json(data: Sequence[Mapping[str, Any]] | None) -> tuple[Cause, ...]:
    return tuple(Cause.from_json(item) for item in data or ())
