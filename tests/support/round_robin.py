"""The generated policy of the load and chaos runs: one stage whose deal n goes to
approver n mod ``approvers`` (chosen by the deal's ``employees``)."""

from __future__ import annotations

from collections.abc import Callable


def round_robin_policy(
    name: str,
    approvers: int,
    slack_user: Callable[[int], str],
    *,
    sla: str,
    timezone: str,
    settings: str = "",
    backed_up: bool = False,
) -> str:
    """``settings``: top-level lines after the time zone (channels, admins, reminders).
    ``backed_up``: each approver's backup is the next one (the last has none)."""
    people = "".join(
        f"  a{n}: {{name: Approver {n}, slack_user: {slack_user(n)}, sla: {sla}"
        + (f", backups: [a{n + 1}]}}\n" if backed_up and n + 1 < approvers else "}\n")
        for n in range(approvers)
    )
    rules = "".join(
        f"      - {{approver: a{n}, when: 'employees % {approvers} == {n}'}}\n"
        for n in range(approvers)
    )
    return (
        f"name: {name}\ntimezone: {timezone}\n{settings}approvers:\n{people}stages:\n"
        f"  - name: Deal approval\n    approvals:\n{rules}"
    )
