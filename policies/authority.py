"""Who may decide an approval, and who may change a deal."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum


class Capacity(StrEnum):
    ASSIGNEE = "assignee"
    DELEGATE = "delegate"
    ADMIN = "admin"


@dataclass(frozen=True)
class Authority:
    capacity: Capacity | None
    owns_deal: bool = False
    """Refused because the actor owns the deal (whatever else they are)."""

    @property
    def allowed(self) -> bool:
        return self.capacity is not None


def authority_to_decide(
    actor: str,
    assignee: str,
    admins: Collection[str],
    delegators_of_actor: Collection[str],
    owner: str,
) -> Authority:
    """The assignee, an active delegate of the assignee, or a policy admin may decide;
    the deal's owner never may, in any of those capacities.

    ``delegators_of_actor`` are the people who currently delegate to ``actor``.
    An avatar's approval can only be decided by an admin (it is escalated to them).
    """
    if actor == owner:
        return Authority(None, owns_deal=True)
    if actor == assignee:
        return Authority(Capacity.ASSIGNEE)
    if assignee in delegators_of_actor:
        return Authority(Capacity.DELEGATE)
    if actor in admins:
        return Authority(Capacity.ADMIN)
    return Authority(None)


def may_act_on_deal(actor: str, owner: str, admins: Collection[str]) -> bool:
    """Whether ``actor`` may change a deal itself (resubmit, withdraw): its owner, or an
    admin of the policy."""
    return actor == owner or actor in admins
