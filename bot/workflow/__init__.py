"""The workflow engine: every change to a deal goes through these functions.

They work inside a UnitOfWork (bot.core.uow) and know nothing of Slack: what they change
is announced as domain events (bot.core.events).
"""

from bot.workflow.deadlines import remind, time_out
from bot.workflow.decide import decide
from bot.workflow.results import DecisionResult, Refusal, SubmitResult
from bot.workflow.revise import RevisionResult, resubmit_deal, revise_deal, withdraw_deal
from bot.workflow.submit import submit_deal, submit_deals

__all__ = [
    "DecisionResult",
    "Refusal",
    "RevisionResult",
    "SubmitResult",
    "decide",
    "remind",
    "resubmit_deal",
    "revise_deal",
    "submit_deal",
    "submit_deals",
    "time_out",
    "withdraw_deal",
]
