"""Every id a listener matches on: action ids, callback ids and block ids, one enum per surface.

Values are part of the interface between the cards and ``handlers/``: keep them stable.
A button's ``value`` is the approval id (or, for Resubmit, the deal id) as a string.
"""

from __future__ import annotations

from enum import StrEnum

from policies.vocabulary import Decision


class CardAction(StrEnum):
    """Buttons on the approval card (a DM) and on the escalation message."""

    APPROVE = "approval_approve"
    REJECT = "approval_reject"
    REQUEST_CHANGES = "approval_request_changes"
    COUNTER = "approval_counter_open"
    """Approve with changes: opens the counter-offer modal; the value is the approval id."""
    SNOOZE = "approval_snooze"
    """I'm on it: pushes the timeout back once; the value is the approval id."""


class CardBlock(StrEnum):
    ACTIONS = "approval_actions"
    OUTCOME = "approval_outcome"
    CHANGES = "approval_changes"
    """What changed since the approver last saw the deal (a re-approval card)."""


class CounterAction(StrEnum):
    """The owner's answer to a counter-offer; the value is the counter-offer's id."""

    ACCEPT = "counter_accept"
    DECLINE = "counter_decline"


class CounterBlock(StrEnum):
    ACTIONS = "counter_actions"
    OUTCOME = "counter_outcome"


class CounterInput(StrEnum):
    """The counter-offer modal's inputs (block ids; the action id adds ``_input``)."""

    ACV = "counter_acv"
    DISCOUNT = "counter_discount"
    TERM_MONTHS = "counter_term_months"
    NOTE = "counter_note"

    @property
    def action_id(self) -> str:
        return f"{self.value}_input"

    @property
    def field(self) -> str:
        """The deal field it proposes (``note`` for the note)."""
        return self.value.removeprefix("counter_")


class EscalationBlock(StrEnum):
    ACTIONS = "escalation_actions"
    OUTCOME = "escalation_outcome"


class HomeAction(StrEnum):
    """Buttons on the App Home tab. Decisions made here republish Home, not a card."""

    APPROVE = "home_approve"
    REJECT = "home_reject"
    REQUEST_CHANGES = "home_request_changes"
    NEW_DEAL = "home_new_deal"
    BULK_APPROVE = "home_bulk_approve"
    """Approve the approvals ticked in the bulk checkboxes, each as its own decision."""


class HomeBlock(StrEnum):
    TOP_ACTIONS = "home_top_actions"
    WAITING_ACTIONS = "home_waiting_actions"
    """Followed by ``:<approval id>``: one actions block per waiting approval."""
    DELEGATED_ACTIONS = "home_delegated_actions"
    ESCALATED_ACTIONS = "home_escalated_actions"
    """Followed by ``:<approval id>``: an admin's "Decide for …" on an escalated approval."""
    BULK = "home_bulk"
    """The checkboxes (``home_bulk_select_<n>``, ten approvals each) and Approve selected."""


BULK_SELECT = "home_bulk_select_"
"""Prefix of the bulk checkboxes' action ids: ``home_bulk_select_0``, ``_1``…"""


class BriefingBlock(StrEnum):
    ACTIONS = "briefing_actions"
    """Followed by ``:<approval id>``: the card's decision buttons, once per approval."""


class ForecastAction(StrEnum):
    """Buttons on a ``/deal report forecast`` reply (admins only)."""

    NUDGE = "forecast_nudge"
    """Remind that approver now; the value is the approval ids, comma-separated."""


class StatusAction(StrEnum):
    """Buttons on a ``/deal status`` reply an admin asked for."""

    OVERRIDE = "status_override_open"
    """Decide for them: opens the override modal; the value is the approval id."""


class OverrideInput(StrEnum):
    """The override modal's inputs (block ids; the action id adds ``_input``)."""

    DECISION = "override_decision"
    REASON = "override_reason"

    @property
    def action_id(self) -> str:
        return f"{self.value}_input"


class OwnerAction(StrEnum):
    RESUBMIT = "deal_resubmit_open"
    """Opens the deal modal prefilled; the button's value is the deal id."""
    WITHDRAW = "deal_withdraw"
    """Withdraws the deal (after a confirm dialog); the button's value is the deal id."""


class OwnerBlock(StrEnum):
    ACTIONS = "owner_actions"


class ModalCallback(StrEnum):
    REASON = "approval_reason"
    NEW_DEAL = "deal_new"
    RESUBMIT = "deal_resubmit"
    EDIT = "deal_edit"
    COUNTER = "approval_counter"
    OVERRIDE = "approval_override"
    PREVIEW = "deal_preview"


class ReasonInput(StrEnum):
    """The reason modal's one input."""

    BLOCK = "reason"
    ACTION = "reason_input"


REASON_INPUT = ReasonInput


class DealField(StrEnum):
    """The deal modal's inputs. Values are DealTerms field names, except ``FLAGS``."""

    COMPANY = "company"
    ACV = "acv"
    DISCOUNT = "discount"
    TERM_MONTHS = "term_months"
    INDUSTRY = "industry"
    EMPLOYEES = "employees"
    USE_CASE = "use_case"
    FLAGS = "flags"
    """One checkboxes input: ``budget_indicated`` and ``custom_terms``."""
    EXTERNAL_ID = "external_id"

    @property
    def block_id(self) -> str:
        return f"deal_{self.value}"

    @property
    def action_id(self) -> str:
        return f"deal_{self.value}_input"


FLAG_OPTIONS = ("budget_indicated", "custom_terms")
"""The values of the deal modal's checkboxes, which are also DealTerms field names."""

DecisionIds = tuple[str, str, str]
"""The action ids of one surface's Approve, Reject and Request changes buttons."""

CARD_DECISIONS: DecisionIds = (
    CardAction.APPROVE,
    CardAction.REJECT,
    CardAction.REQUEST_CHANGES,
)
HOME_DECISIONS: DecisionIds = (
    HomeAction.APPROVE,
    HomeAction.REJECT,
    HomeAction.REQUEST_CHANGES,
)

DECISION_OF_ACTION: dict[str, Decision] = {
    CardAction.APPROVE: Decision.APPROVE,
    CardAction.REJECT: Decision.REJECT,
    CardAction.REQUEST_CHANGES: Decision.REQUEST_CHANGES,
    HomeAction.APPROVE: Decision.APPROVE,
    HomeAction.REJECT: Decision.REJECT,
    HomeAction.REQUEST_CHANGES: Decision.REQUEST_CHANGES,
}
"""The decision a button's action id stands for, on every surface that has decision buttons."""
