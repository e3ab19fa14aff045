"""The approvals of the deals a unit of work has locked, held in memory.

A deal has a handful of rows, and the engine asks the same few questions of them many
times in one move (who has held this slot, what is pending, the stage's current rows,
an earlier revision's sign-off). Once a unit of work has locked a deal it loads all of
its rows in one statement, and every later question is answered here instead of by a
query: a batch of fifty timeouts then reads once, not five hundred times. Rows the unit
of work adds are added here too, and status changes are seen because these are the
session's own objects. Each answer is the query in store.repositories.approvals, in the
same order (by id).
"""

from __future__ import annotations

from collections.abc import Iterable

from policies.vocabulary import DECISIONS, SIGN_OFFS, ApprovalStatus
from store.models import Approval, Deal

_ENDED = (ApprovalStatus.REASSIGNED, ApprovalStatus.CANCELLED)
_HELD = (ApprovalStatus.PENDING, *SIGN_OFFS)


class DealRows:
    def __init__(self) -> None:
        self._rows: dict[int, list[Approval]] = {}
        self._found: dict[int, tuple[Deal, Approval]] = {}

    def track(self, deal: Deal, rows: Iterable[Approval]) -> None:
        """Hold all of ``deal``'s rows (every revision), as loaded under its lock."""
        self._rows[deal.id] = sorted(rows, key=lambda row: row.id)
        for row in self._rows[deal.id]:
            self._found[row.id] = (deal, row)

    def knows(self, deal_id: int) -> bool:
        return deal_id in self._rows

    def add(self, deal: Deal, row: Approval) -> None:
        """A row this unit of work created (its id already allocated: the highest yet)."""
        if deal.id in self._rows:
            self._rows[deal.id].append(row)
            self._found[row.id] = (deal, row)

    def find(self, approval_id: int) -> tuple[Deal, Approval] | None:
        """The approval with its deal, when its deal is held here."""
        return self._found.get(approval_id)

    def slot_approvers(self, row: Approval) -> set[str]:
        """Every approver who has held ``row``'s slot (repo.list_slot_approvers)."""
        return {
            other.approver
            for other in self._rows[row.deal_id]
            if (other.revision, other.stage_index, other.slot)
            == (row.revision, row.stage_index, row.slot)
        }

    def stage(self, deal: Deal, stage_index: int) -> list[Approval]:
        """The stage's current rows (repo.list_stage)."""
        return [
            row
            for row in self._rows[deal.id]
            if row.revision == deal.revision
            and row.stage_index == stage_index
            and row.status not in _ENDED
        ]

    def pending(self, deal: Deal) -> list[Approval]:
        """The current revision's pending rows (repo.list_pending)."""
        return [
            row
            for row in self._rows[deal.id]
            if row.revision == deal.revision and row.status == ApprovalStatus.PENDING
        ]

    def carried(self, deal: Deal, stage_index: int, slot: str) -> Approval | None:
        """A person's sign-off of the slot from an earlier revision (repo.get_carried_approval)."""
        earlier = [
            row
            for row in self._rows[deal.id]
            if row.revision < deal.revision
            and row.stage_index == stage_index
            and row.slot == slot
            and row.status in DECISIONS
            and not row.is_avatar
        ]
        if not earlier:
            return None
        latest = max(earlier, key=lambda row: (row.revision, row.id))
        return latest if latest.status in SIGN_OFFS else None

    def other_held(self, deal: Deal, person: str, slot: str) -> Approval | None:
        """An approval of the current revision, not ``slot``'s, that ``person`` holds or
        gave, a sign-off first (repo.other_approval_held)."""
        held = [
            row
            for row in self._rows[deal.id]
            if row.revision == deal.revision
            and row.assignee == person
            and row.slot != slot
            and row.status in _HELD
        ]
        return min(
            held, key=lambda row: (row.status == ApprovalStatus.PENDING, row.id), default=None
        )
