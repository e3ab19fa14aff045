"""Counter-offers: the modal behind "Approve with changes", and the owner's direct message
with the proposed values beside the current ones, Accept and Decline."""

from __future__ import annotations

import json
from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    InputInteractiveElement,
    NumberInputElement,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from bot.cards import limits
from bot.cards.blocks import (
    SlackMessage,
    actions,
    button,
    confirm_dialog,
    context,
    header,
    message,
    plain,
    section,
)
from bot.cards.ids import CounterAction, CounterBlock, CounterInput, ModalCallback
from bot.cards.modals import StateValues, number_value
from bot.cards.parts import COMMENT_MAX, blockquote, company, deal_context
from bot.cards.revision import LABELS, shown
from bot.read_models.revisions import CounterSnapshot
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from bot.text.mrkdwn import ON_DATE, mention, quote, slack_date
from policies.limits import shown_value
from policies.vocabulary import CounterStatus

NOTE_MAX = 3000


def build_counter_modal(deal: DealSnapshot, approval: ApprovalSnapshot) -> View:
    """ "Approve with changes": the values the approver may change, prefilled, and a note."""
    metadata = json.dumps({"approval_id": approval.id, "revision": deal.revision})
    return View(
        type="modal",
        callback_id=ModalCallback.COUNTER,
        title=plain("Approve with changes", limits.MODAL_TITLE_MAX),
        submit=plain("Send to owner", limits.MODAL_SUBMIT_MAX),
        close=plain("Cancel", limits.MODAL_CLOSE_MAX),
        private_metadata=metadata,
        blocks=[
            section(
                f"*{company(deal)}* · {deal.ref} · revision {deal.revision}\n"
                "Change what you would approve. The owner accepts your values (your approval "
                "then counts for them) or keeps theirs."
            ),
            _number(CounterInput.ACV, "ACV (USD)", deal.acv, decimal=True, low="0"),
            _number(
                CounterInput.DISCOUNT,
                "Discount (%)",
                deal.discount,
                decimal=True,
                low="0",
                high="100",
            ),
            _number(
                CounterInput.TERM_MONTHS, "Term (months)", deal.term_months, low="1", high="120"
            ),
            InputBlock(
                block_id=CounterInput.NOTE,
                label=plain("Note to the owner", limits.INPUT_LABEL_MAX),
                hint=plain(
                    "Why these values: the account executive sees it.", limits.INPUT_HINT_MAX
                ),
                element=PlainTextInputElement(
                    action_id=CounterInput.NOTE.action_id,
                    multiline=True,
                    min_length=1,
                    max_length=NOTE_MAX,
                ),
            ),
        ],
    )


def parse_counter_modal(state_values: StateValues) -> tuple[dict[str, str], str]:
    """(the proposed values by deal field, as typed; the note, as typed)."""
    values: dict[str, str] = {}
    note = ""
    for field in CounterInput:
        value = state_values.get(field, {}).get(field.action_id, {}).get("value")
        if field is CounterInput.NOTE:
            note = value or ""
        elif isinstance(value, str) and value.strip():
            values[field.field] = value.strip()
    return values, note


def parse_counter_metadata(private_metadata: str) -> tuple[int, int]:
    """(approval id, the revision the modal showed)."""
    data = json.loads(private_metadata)
    return int(data["approval_id"]), int(data["revision"])


def build_counter_offer_dm(
    deal: DealSnapshot, counter: CounterSnapshot, now: datetime
) -> SlackMessage:
    """To the deal's owner: who proposes what, beside today's values, and why; Accept and
    Decline while it is open, its outcome after."""
    who = f"{mention(counter.created_by)} ({quote(counter.approver_name, 80)})"
    lines = [
        f"*{LABELS[field]}*\n~{shown(field, counter.current.get(field))}~ → *{shown(field, value)}*"
        for field, value in counter.proposed.items()
    ]
    blocks: list[Block] = [
        header(f"Counter-offer: {deal.company}"),
        section(
            f"{who} would approve *{company(deal)}* ({deal.ref}, revision {counter.revision}) "
            "with these changes:",
            fields=lines,
        ),
        section(f"*Note*\n{blockquote(quote(counter.note, COMMENT_MAX))}"),
    ]
    if counter.status == CounterStatus.OPEN:
        accept_confirm = confirm_dialog(
            title="Accept the counter-offer?",
            text="The deal takes these values as a new revision and goes back into review.",
            yes="Accept",
            no="Cancel",
        )
        value = str(counter.id)
        blocks += [
            actions(
                CounterBlock.ACTIONS,
                button(
                    "Accept", CounterAction.ACCEPT, value, style="primary", confirm=accept_confirm
                ),
                button("Decline", CounterAction.DECLINE, value),
            ),
            context(
                "Accept: the deal takes these values, and this approval counts for them. "
                "Decline: your values stay, and the deal waits for you to change and resubmit it."
            ),
        ]
    else:
        blocks.append(section(_outcome(counter), block_id=CounterBlock.OUTCOME))
    blocks.append(context(deal_context(deal)))
    summary = ", ".join(
        f"{LABELS[field].lower()} {shown_value(field, value)}"
        for field, value in counter.proposed.items()
    )
    return message(f"Counter-offer on {deal.ref}: {summary}.", blocks)


def build_counter_declined_notice(deal: DealSnapshot, counter: CounterSnapshot) -> str:
    """To the approver who countered, when the owner keeps their own values."""
    by = mention(counter.resolved_by or deal.owner)
    return (
        f"↩️ {by} declined your counter-offer on *{company(deal)}* ({deal.ref}). The deal stays "
        "with its owner to change and resubmit; you will get a new card if you are needed again."
    )


def _outcome(counter: CounterSnapshot) -> str:
    when = f" on {slack_date(counter.resolved_at, ON_DATE)}" if counter.resolved_at else ""
    by = mention(counter.resolved_by) if counter.resolved_by else "someone"
    if counter.status == CounterStatus.ACCEPTED:
        return f"✅ Accepted by {by}{when}: the deal has these values now, back in review."
    if counter.status == CounterStatus.DECLINED:
        return f"↩️ Declined by {by}{when}: the deal keeps its values and waits for changes."
    return "🚫 No longer applies: the deal changed another way before it was answered."


def _number(
    field: CounterInput,
    label: str,
    initial: object,
    *,
    decimal: bool = False,
    low: str | None = None,
    high: str | None = None,
) -> InputBlock:
    element: InputInteractiveElement = NumberInputElement(
        action_id=field.action_id,
        is_decimal_allowed=decimal,
        min_value=low,
        max_value=high,
        initial_value=number_value(initial),
    )
    return InputBlock(
        block_id=field, label=plain(label, limits.INPUT_LABEL_MAX), element=element, optional=True
    )
