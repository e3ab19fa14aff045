"""Decisions from clicks: journaled (durably) before Slack gets its answer.

Approve is journaled straight from the click. Reject and Request changes first ask for
a reason in a modal; its submission is journaled the same way. The decision inbox
(bot.workflow.journal) applies journaled decisions exactly once and tells anyone refused
why; the outbox then updates the card, the thread and Home.
"""

from __future__ import annotations

import json

from bot.cards.ids import DECISION_OF_ACTION, OverrideInput, ReasonInput
from bot.cards.modals import (
    build_override_modal,
    build_reason_modal,
    parse_override_modal,
    parse_reason_metadata,
    parse_reason_modal,
)
from bot.core.deps import Deps
from bot.core.outage import database_down
from bot.interactions.answer import tell
from bot.interactions.deps import ServeDeps
from bot.interactions.payloads import ButtonClick, ViewSubmission, parse_id
from bot.read_models.loaders import load_approval
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from bot.workflow.journal import Click
from policies.vocabulary import Decision

BROKEN_BUTTON = (
    "That button does not point at an approval I know, so nothing was decided. "
    "Use the latest card in your DMs or the App Home tab."
)
EMPTY_REASON = "Give a reason: it cannot be empty or only spaces."
STALE_FORM = "This form is out of date. Close it and click the button on the card again."


async def clicked_approval(
    deps: Deps, click: ButtonClick
) -> tuple[DealSnapshot, ApprovalSnapshot] | None:
    """The approval (with its deal) a button's value points at; None for a malformed one."""
    approval_id = parse_id(click.value)
    if approval_id is None:
        return None
    async with deps.db.read() as session:
        return await load_approval(session, approval_id, deps.policies)


async def journal_click(deps: ServeDeps, click: ButtonClick) -> str | None:
    """Journal an Approve click; what to tell the clicker when the button is malformed."""
    approval_id = parse_id(click.value)
    if approval_id is None or click.action_id not in DECISION_OF_ACTION:
        return BROKEN_BUTTON
    await deps.journal.record(
        Click(
            dedup_key=click.dedup_key,
            approval_id=approval_id,
            actor=click.user,
            decision=DECISION_OF_ACTION[click.action_id],
            channel=click.channel,
            message_ts=click.message_ts,
            response_url=click.response_url,
        )
    )
    deps.metrics.decisions.inc()
    return None


async def open_reason_modal(deps: ServeDeps, click: ButtonClick) -> None:
    """Reject / Request changes: ask for the reason (the click's origin rides along in
    the modal's metadata, so a refusal is told where the click came from)."""
    decision = DECISION_OF_ACTION.get(click.action_id)
    found = await clicked_approval(deps, click)
    if found is None or decision is None:
        await tell(deps, click, BROKEN_BUTTON)
        return
    deal, approval = found
    if not approval.is_pending:
        await tell(deps, click, f"{deal.ref} no longer waits for this decision: it is settled.")
        return
    view = build_reason_modal(approval.id, decision.value, deal)
    origin = {"channel": click.channel, "ts": click.message_ts, "url": click.response_url}
    view.private_metadata = json.dumps({**json.loads(view.private_metadata or "{}"), **origin})
    await deps.gateway.open_view(click.trigger_id, view.to_dict())


async def journal_reason(deps: ServeDeps, submission: ViewSubmission) -> dict[str, str] | None:
    """Journal the decision the reason modal carries; field errors when it cannot be."""
    reason = parse_reason_modal(submission.state_values).strip()
    if not reason:
        return {ReasonInput.BLOCK.value: EMPTY_REASON}
    try:
        approval_id, decision = parse_reason_metadata(submission.private_metadata)
        origin = json.loads(submission.private_metadata)
    except (ValueError, KeyError, TypeError):
        return {ReasonInput.BLOCK.value: STALE_FORM}
    click = Click(
        dedup_key=submission.dedup_key,
        approval_id=approval_id,
        actor=submission.user,
        decision=decision,
        comment=reason,
        channel=origin.get("channel"),
        message_ts=origin.get("ts"),
        response_url=origin.get("url"),
    )
    if not await _recorded(deps, click):
        return {ReasonInput.BLOCK.value: NOT_RECORDED_FORM}
    deps.metrics.decisions.inc()
    return None


NOT_RECORDED_FORM = (
    "dealdesk cannot record decisions right now, so this was not recorded; your reason is "
    "still here: press Submit again in a minute."
)


async def _recorded(deps: ServeDeps, click: Click) -> bool:
    """Journal ``click``; False when the database could not take it (nothing recorded)."""
    try:
        await deps.journal.record(click)
    except Exception as error:
        if not database_down(error):
            raise
        return False
    return True


NOT_ADMIN = "Only a deal desk admin (the policy's `admins:`) can decide for someone else."
NO_DECISION = "Choose Approve, Reject or Request changes."


async def open_override_modal(deps: ServeDeps, click: ButtonClick) -> str | None:
    """An admin's "Decide for them" on /deal status: the override modal, or why not."""
    if click.user not in deps.policies.current.policy.admins:
        return NOT_ADMIN
    found = await clicked_approval(deps, click)
    if found is None:
        return BROKEN_BUTTON
    deal, approval = found
    if not approval.is_pending:
        return f"{deal.ref} no longer waits for this decision: it is settled."
    await deps.gateway.open_view(click.trigger_id, build_override_modal(deal, approval).to_dict())
    return None


async def journal_override(deps: ServeDeps, submission: ViewSubmission) -> dict[str, str] | None:
    """Journal the admin's decision for the holder, with its required reason; field errors
    when either is missing. The journal applies it as any decision (refusals told)."""
    chosen, reason = parse_override_modal(submission.state_values)
    errors = {}
    if chosen not in {decision.value for decision in Decision}:
        errors[OverrideInput.DECISION.value] = NO_DECISION
    if not reason.strip():
        errors[OverrideInput.REASON.value] = "Give a reason: an override says why."
    try:
        approval_id = int(json.loads(submission.private_metadata)["approval_id"])
    except (ValueError, KeyError, TypeError):
        errors[OverrideInput.REASON.value] = STALE_FORM
    if errors:
        return errors
    click = Click(
        dedup_key=submission.dedup_key,
        approval_id=approval_id,
        actor=submission.user,
        decision=Decision(chosen),
        comment=reason.strip(),
    )
    if not await _recorded(deps, click):
        return {OverrideInput.REASON.value: NOT_RECORDED_FORM}
    deps.metrics.decisions.inc()
    return None
