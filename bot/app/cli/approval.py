"""``dealdesk approval reassign`` and ``dealdesk approval decide``: an admin's hand on a deal
in review, for scripts and incidents. Each is the same workflow step as in Slack, recorded
under the admin named by ``--as``; a running ``serve`` then updates the cards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Annotated, TypeVar

import typer

from bot.app.cli.common import app_deps, console, fail, run, settings
from bot.app.wiring import add_planners
from bot.core.deps import Deps
from bot.workflow import decide
from bot.workflow.admin import admin_reassign, pending_approval, require_admin
from bot.workflow.revise import locked_deal
from policies.vocabulary import Decision, parse_deal_ref

T = TypeVar("T")

app = typer.Typer(help="Act on a deal's approvals as a deal desk admin.", no_args_is_help=True)

DealRef = Annotated[str, typer.Argument(help="The deal, such as D-1001.", show_default=False)]
ApproverId = Annotated[
    str, typer.Argument(help="The approver on the policy, such as cfo.", show_default=False)
]
Admin = Annotated[
    str,
    typer.Option(
        "--as", help="Your Slack user id; it must be in the policy's admins.", show_default=False
    ),
]


class Choice(StrEnum):
    approve = "approve"
    reject = "reject"
    changes = "changes"


DECISIONS = {
    Choice.approve: Decision.APPROVE,
    Choice.reject: Decision.REJECT,
    Choice.changes: Decision.REQUEST_CHANGES,
}


@app.command()
def reassign(
    deal: DealRef,
    approver: ApproverId,
    user: Annotated[str, typer.Argument(help="Who takes it: a Slack user id.", show_default=False)],
    admin: Admin,
    reason: Annotated[str, typer.Option("--reason", help="Why it moves.")] = "moved by an admin",
) -> None:
    """Give a pending approval to someone else.

    Its old card says where it went and why."""
    deal_id = _deal_id(deal)

    async def go(deps: Deps) -> str:
        async with deps.unit_of_work() as uow:
            row = await admin_reassign(uow, deal_id, approver, user, admin, reason)
        return row.assignee

    to = run(_with_deps(go))
    console.print(f"[green]✓[/] {deal.upper()}: {approver} now waits for {to}", highlight=False)


@app.command(name="decide")
def decide_for(
    deal: DealRef,
    approver: ApproverId,
    decision: Annotated[Choice, typer.Argument(help="approve, reject or changes.")],
    admin: Admin,
    reason: Annotated[
        str,
        typer.Option("--reason", help="Why you decide it for them (required).", show_default=False),
    ],
) -> None:
    """Decide a pending approval on its holder's behalf.

    An override, audited as such."""
    deal_id = _deal_id(deal)
    if not reason.strip():
        fail("give --reason: an override says why")

    async def go(deps: Deps) -> str:
        async with deps.unit_of_work() as uow:
            found = await locked_deal(uow, deal_id)
            require_admin(admin, (await uow.policy_for(found)).admins)
            row = await pending_approval(uow, found, approver)
            result = await decide(uow, row.id, admin, DECISIONS[decision], reason)
        if not result.applied:
            fail(result.message)
        return result.message

    message = run(_with_deps(go))
    console.print(f"[green]✓[/] {message}", highlight=False)


async def _with_deps(step: Callable[[Deps], Awaitable[T]]) -> T:
    """Run ``step`` on the configured database and policy, its Slack work queued for
    ``serve`` to deliver."""
    config = settings()
    async with app_deps(config) as deps:
        add_planners(deps)
        return await step(deps)


def _deal_id(ref: str) -> int:
    deal_id = parse_deal_ref(ref)
    if deal_id is None:
        fail(f"“{ref}” is not a deal id; they look like D-1001")
    return deal_id
