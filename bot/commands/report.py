"""``/deal report slo|avatars [7d|30d]``: the SLO report, or each avatar against the people
it shadows, over the last 7 (or 30) days, for the asker; ``/deal report forecast``: the
quarter's forecast with whom to nudge, for admins."""

from __future__ import annotations

from datetime import timedelta

from bot.cards.avatar_report import build_avatar_report_reply
from bot.cards.blocks import SlackMessage
from bot.cards.forecast import build_forecast_reply
from bot.cards.report import build_slo_report_reply
from bot.core.deps import Deps
from bot.core.errors import UserInputError
from bot.forecast.load import load_forecast
from bot.interactions.payloads import SlashCommand
from bot.reports.history import load_avatar_report, load_slo_report
from bot.reports.slo import Window
from bot.workflow.admin import require_admin

PERIODS = {"7d": timedelta(days=7), "30d": timedelta(days=30)}
DEFAULT_PERIOD = "7d"
USAGE = (
    "usage: `/deal report slo [7d|30d]` or `/deal report avatars [7d|30d]` (the last 7 "
    "days unless you ask for 30d), or `/deal report forecast` (admins: the quarter's "
    "forecast)"
)
KINDS = ("slo", "avatars", "forecast")


async def report(deps: Deps, command: SlashCommand) -> SlackMessage:
    kind, period = parse_report_argument(command.argument)
    if kind == "forecast":
        policy = deps.policies.current.policy
        require_admin(command.user, policy.admins)
        async with deps.db.read() as session:
            forecast = await load_forecast(
                session, deps.policies, deps.clock.now(), absences=deps.absences
            )
        return build_forecast_reply(forecast, policy)
    window = Window.ending(deps.clock.now(), PERIODS[period])
    async with deps.db.read() as session:
        if kind == "avatars":
            return build_avatar_report_reply(
                await load_avatar_report(session, deps.policies, window)
            )
        slo = await load_slo_report(session, deps.policies, window)
    return build_slo_report_reply(slo)


def parse_report_argument(argument: str) -> tuple[str, str]:
    """``slo``, ``avatars 30d``… → (the report, the period); anything else is a usage error."""
    words = argument.lower().split()
    if not words or words[0] not in KINDS or len(words) > 2:
        raise UserInputError("report", USAGE)
    if words[0] == "forecast":
        if len(words) > 1:
            raise UserInputError("report", USAGE)
        return "forecast", DEFAULT_PERIOD
    period = words[1] if len(words) == 2 else DEFAULT_PERIOD
    if period not in PERIODS:
        raise UserInputError("report", USAGE)
    return words[0], period
