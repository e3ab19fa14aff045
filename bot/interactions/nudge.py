"""The Nudge button of ``/deal report forecast``: an admin reminds one approver now."""

from __future__ import annotations

from bot.core.deps import Deps
from bot.core.errors import DealdeskError
from bot.interactions.payloads import ButtonClick, parse_id
from bot.workflow.nudge import nudge

BROKEN = "This button is out of date: ask `/deal report forecast` again."


async def nudge_from_button(deps: Deps, click: ButtonClick) -> tuple[str, bool]:
    """(what to tell the clicker, whether it is a warning: nobody was reminded)."""
    parts = (click.value or "").split(",")
    ids = [found for part in parts if (found := parse_id(part)) is not None]
    if not ids or len(ids) != len(parts):
        return BROKEN, True
    try:
        async with deps.unit_of_work() as uow:
            result = await nudge(uow, ids, click.user)
    except DealdeskError as error:
        return str(error), True
    if not result.nudged:
        return (
            "Nobody was reminded: these approvals were nudged today already, or have been "
            "decided since the forecast.",
            True,
        )
    count = len(result.nudged)
    skipped = f" ({result.skipped} nudged today already or decided since)" if result.skipped else ""
    return (
        f"👋 Reminded them about {count} approval{'s' if count != 1 else ''} now{skipped}. "
        "It is in the deal's audit trail.",
        False,
    )
