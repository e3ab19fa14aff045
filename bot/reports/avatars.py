"""The avatar report: each avatar measured against the people it shadows.

For a person with an avatar in shadow mode, the avatar decides silently on every approval
the person gets (``approvals.recommendation``). Over a window, per avatar:

- **Shadowed**: approvals the person decided (approved, approved with changes, rejected
  or sent back for changes) in the window. Decisions carried over from an earlier
  revision have no time of their own and are left out (policies.sla.carried_over).
- **Would have decided**: those where the avatar's verdict was approve or reject; a hand
  over means it would have asked a person anyway. **Automation rate** = would have
  decided / shadowed: the share it would have taken off the person's desk, live.
- **Agreed**: the avatar said approve and the person approved (as asked), or both
  rejected. **Agreement rate** = agreed / would have decided. Approved with changes is
  not agreement with a plain approve: the person wanted something different.
- **Confusion table**: the avatar's verdict (approve, reject, hand over) against the
  person's decision (approve, reject, changes: request changes or approve with changes).
- **Disagreements**: every approval where the avatar would have decided and the person
  decided otherwise, with both reasonings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from bot.reports.slo import share_percent
from policies.avatars.decision import Outcome
from policies.sla import carried_over
from policies.vocabulary import ApprovalStatus, deal_ref

VERDICTS: Final = (Outcome.APPROVE.value, Outcome.REJECT.value, Outcome.HAND_OVER.value)
DECISIONS: Final = ("approve", "reject", "changes")
_PERSON: Final = {
    ApprovalStatus.APPROVED: "approve",
    ApprovalStatus.REJECTED: "reject",
    ApprovalStatus.CHANGES_REQUESTED: "changes",
    ApprovalStatus.COUNTERED: "changes",
}


@dataclass(frozen=True)
class Shadowed:
    """One approval a person decided with their avatar's verdict beside it."""

    deal_id: int
    approver: str
    decided_by: str
    status: str
    comment: str | None
    verdict: str
    """approve, reject or hand_over."""
    reasoning: str
    assigned_at: datetime
    decided_at: datetime

    @property
    def decision(self) -> str:
        return _PERSON[ApprovalStatus(self.status)]

    @property
    def would_decide(self) -> bool:
        return self.verdict != Outcome.HAND_OVER.value

    @property
    def agrees(self) -> bool:
        return (
            self.would_decide
            and self.verdict == self.decision
            and (self.status != ApprovalStatus.COUNTERED)
        )


@dataclass(frozen=True)
class AvatarFigures:
    approver: str
    name: str
    shadowed: int
    would_decide: int
    agreed: int
    confusion: dict[str, dict[str, int]]
    """Avatar verdict → person's decision → count."""
    disagreements: tuple[Shadowed, ...] = field(default=())

    @property
    def automation_rate(self) -> float | None:
        return _rate(self.would_decide, self.shadowed)

    @property
    def agreement_rate(self) -> float | None:
        return _rate(self.agreed, self.would_decide)

    @property
    def agreement_text(self) -> str:
        """ "50% (2 of 4)"; "—" when it would have decided nothing."""
        return _share(self.agreement_rate, self.agreed, self.would_decide)

    @property
    def automation_text(self) -> str:
        """ "80% (4 of 5)"."""
        return _share(self.automation_rate, self.would_decide, self.shadowed)

    def to_json(self) -> dict[str, Any]:
        return {
            "approver": self.approver,
            "name": self.name,
            "shadowed": self.shadowed,
            "would_have_decided": self.would_decide,
            "automation_rate": self.automation_rate,
            "agreed": self.agreed,
            "agreement_rate": self.agreement_rate,
            "confusion": self.confusion,
            "disagreements": [
                {
                    "deal": deal_ref(d.deal_id),
                    "decided_by": d.decided_by,
                    "person": d.decision,
                    "person_comment": d.comment,
                    "avatar": d.verdict,
                    "avatar_reasoning": d.reasoning,
                    "decided_at": d.decided_at.isoformat(),
                }
                for d in self.disagreements
            ],
        }


@dataclass(frozen=True)
class AvatarReport:
    since: datetime
    until: datetime
    avatars: tuple[AvatarFigures, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "avatars": [figures.to_json() for figures in self.avatars],
        }


def shadowed_rows(rows: Iterable[Any]) -> list[Shadowed]:
    """Rows of store.report_reads.list_shadowed that count (carried-over ones do not)."""
    found = []
    for deal_id, approver, by, status, comment, advice, assigned, decided in rows:
        if not advice or decided is None or carried_over(assigned, decided):
            continue
        found.append(
            Shadowed(
                deal_id,
                approver,
                by or "",
                status,
                comment,
                str(advice.get("outcome")),
                str(advice.get("reasoning", "")),
                assigned,
                decided,
            )
        )
    return found


def compute_avatar_report(
    since: datetime, until: datetime, rows: Iterable[Shadowed], names: Mapping[str, str]
) -> AvatarReport:
    """Per approver id (their avatar), the figures above; ``names`` maps ids to names."""
    by_approver: dict[str, list[Shadowed]] = {}
    for row in rows:
        by_approver.setdefault(row.approver, []).append(row)
    avatars = []
    for approver, shadowed in sorted(by_approver.items()):
        confusion = {verdict: dict.fromkeys(DECISIONS, 0) for verdict in VERDICTS}
        for row in shadowed:
            confusion.setdefault(row.verdict, dict.fromkeys(DECISIONS, 0))[row.decision] += 1
        deciding = [row for row in shadowed if row.would_decide]
        avatars.append(
            AvatarFigures(
                approver=approver,
                name=names.get(approver, approver),
                shadowed=len(shadowed),
                would_decide=len(deciding),
                agreed=sum(1 for row in deciding if row.agrees),
                confusion=confusion,
                disagreements=tuple(row for row in deciding if not row.agrees),
            )
        )
    return AvatarReport(since, until, tuple(avatars))


def _share(rate: float | None, part: int, whole: int) -> str:
    return "—" if rate is None else f"{share_percent(rate)}% ({part} of {whole})"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
