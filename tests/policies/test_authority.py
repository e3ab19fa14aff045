"""Who may decide an approval, as a truth table: the assignee, their delegate or an admin,
and never the deal's owner in any of those capacities."""

from __future__ import annotations

import pytest

from policies.authority import Capacity, authority_to_decide

ASSIGNEE, DELEGATE, ADMIN, OWNER, STRANGER = "U0LISA", "U0BOB", "U0REVOPS", "U0SARAH", "U0EVE"


@pytest.mark.parametrize(
    ("actor", "delegators", "owner", "capacity", "owns_deal"),
    [
        (ASSIGNEE, [], OWNER, Capacity.ASSIGNEE, False),
        (DELEGATE, [ASSIGNEE], OWNER, Capacity.DELEGATE, False),
        (DELEGATE, ["U0MARCUS"], OWNER, None, False),  # a delegate of someone else
        (ADMIN, [], OWNER, Capacity.ADMIN, False),
        (STRANGER, [], OWNER, None, False),
        (ASSIGNEE, [], ASSIGNEE, None, True),  # the owner as assignee
        (DELEGATE, [ASSIGNEE], DELEGATE, None, True),  # as delegate
        (ADMIN, [], ADMIN, None, True),  # as admin
        (OWNER, [], OWNER, None, True),
    ],
)
def test_who_may_decide(
    actor: str, delegators: list[str], owner: str, capacity: Capacity | None, owns_deal: bool
) -> None:
    authority = authority_to_decide(actor, ASSIGNEE, [ADMIN], delegators, owner=owner)

    assert (authority.capacity, authority.owns_deal) == (capacity, owns_deal)
    assert authority.allowed == (capacity is not None)
