"""``dealdesk report forecast``: which deals in review will clear approval before the
quarter closes, and whom to nudge (bot.forecast)."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime, time
from typing import IO, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.app.cli.common import console, fail, run, settings
from bot.app.cli.report import Format, FormatOption, report_session
from bot.app.settings import Settings
from bot.availability.absences import SlackAbsences
from bot.availability.statuses import StatusBook
from bot.core.clock import SystemClock
from bot.core.policy_book import PolicyBook
from bot.forecast.backtest import Backtest, run_backtest
from bot.forecast.desk import Forecast
from bot.forecast.load import load_forecast
from bot.forecast.simulate import RUNS
from bot.slack.gateway import SlackGateway, web_client
from policies.loader import load_policy_file
from policies.model import Policy
from policies.quarters import Quarter

CSV_COLUMNS = (
    "deal",
    "company",
    "acv",
    "p_clear",
    "p50_finish",
    "p90_finish",
    "waiting_on",
    "slowest",
)

QuarterOption = Annotated[
    str | None,
    typer.Option(
        "--quarter",
        help="The quarter, such as 2026-Q4 (fiscal, as the policy's fiscal_year_starts "
        "says); default: the current one.",
    ),
]
RunsOption = Annotated[
    int, typer.Option("--runs", min=100, max=100_000, help="Simulated runs per deal.")
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Forecast from an earlier moment, from what was known then: a date "
        "(YYYY-MM-DD, its start in the policy's time zone) or an ISO time. Default: now.",
    ),
]
BacktestOption = Annotated[
    str | None,
    typer.Option(
        "--backtest",
        help="Measure the forecast on a quarter that has closed (YYYY-QN): forecast at each "
        "week of it from what was known then, and compare with what happened.",
    ),
]
SeedOption = Annotated[
    int, typer.Option("--seed", help="The random seed: the same seed and history, the same answer.")
]


def forecast(
    quarter: QuarterOption = None,
    as_of: AsOfOption = None,
    backtest: BacktestOption = None,
    format: FormatOption = Format.table,
    runs: RunsOption = RUNS,
    seed: SeedOption = 0,
) -> None:
    """Which deals in review will clear before the quarter closes.

    Each deal's remaining route (its stages in order, parallel approvals, groups, backups
    after a timeout) is simulated from how each approver has answered over the last 180
    days, counted in their working time when their SLA is in business time. Printed:
    each deal's chance to clear before the quarter closes, its median and 90th percentile
    finish, and the approval it most often waits for last, least likely first; the ACV
    expected to clear and at risk; and whom to nudge, with the ACV that would likely clear
    if they answered today.

    With --backtest, a calibration table instead: of the forecasts that gave 20-30%, how
    many cleared, and the Brier score."""
    config = settings()
    if backtest is not None:
        tested, policy = run(_backtest(config, backtest, runs, seed))
        if format is Format.json:
            typer.echo(json.dumps(tested.to_json(), indent=2, ensure_ascii=False))
        else:
            _print_backtest(tested, policy)
        return
    result, policy = run(_load(config, quarter, as_of, runs, seed))
    if format is Format.json:
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    elif format is Format.csv:
        write_csv(result, sys.stdout)
    else:
        _print(result, policy)


def _quarter(policy: Policy, label: str | None) -> Quarter | None:
    if label is None:
        return None
    try:
        return policy.fiscal_calendar.quarter(label)
    except ValueError as error:
        fail(f"--quarter: {error}", code=2)


async def _load(
    config: Settings, label: str | None, as_of: str | None, runs: int, seed: int
) -> tuple[Forecast, Policy]:
    policies = PolicyBook(load_policy_file(config.dealdesk_policy))
    policy = policies.current.policy
    quarter = _quarter(policy, label)
    clock = SystemClock()
    moment = _moment(policy, as_of, clock.now())
    token = config.slack_bot_token.get_secret_value() if config.slack_bot_token else ""
    # Who is away is known for now, not for an earlier --as-of; and only with Slack.
    gateway = SlackGateway(web_client(token, config.slack_api_url)) if token and not as_of else None
    try:
        absences = SlackAbsences(StatusBook(gateway, clock), clock) if gateway else None
        async with report_session(config) as session:
            found = await load_forecast(
                session, policies, moment, quarter, runs=runs, seed=seed, absences=absences
            )
    finally:
        if gateway is not None:
            await gateway.close()
    return found, policy


async def _backtest(config: Settings, label: str, runs: int, seed: int) -> tuple[Backtest, Policy]:
    policies = PolicyBook(load_policy_file(config.dealdesk_policy))
    policy = policies.current.policy
    quarter = _quarter(policy, label)
    assert quarter is not None
    now = SystemClock().now()
    if quarter.closes_at(policy.zone) > now:
        fail(f"--backtest: {quarter.label} has not closed yet; pick a quarter that has", code=2)
    async with report_session(config) as session:
        tested = await run_backtest(session, policies, quarter, now, runs=runs, seed=seed)
    return tested, policy


def _moment(policy: Policy, text: str | None, now: datetime) -> datetime:
    """``--as-of``: a date (its start in the policy's zone) or an ISO time; never ahead."""
    if text is None:
        return now
    try:
        if len(text.strip()) == 10:
            moment = datetime.combine(date.fromisoformat(text.strip()), time.min, policy.zone)
        else:
            moment = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"--as-of: write a date (2026-12-01) or an ISO time; got {text!r}", code=2)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=policy.zone)
    if moment > now:
        fail("--as-of: that moment has not come yet; the forecast reads what was known", code=2)
    return moment


def write_csv(result: Forecast, stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in result.to_json()["deals"]:
        writer.writerow(
            {
                "deal": row["ref"],
                "company": row["company"],
                "acv": row["acv"],
                "p_clear": row["p_clear"],
                "p50_finish": row["p50_finish"] or "",
                "p90_finish": row["p90_finish"] or "",
                "waiting_on": " ".join(row["waiting_on"]),
                "slowest": row["slowest"] or "",
            }
        )


def _print_backtest(tested: Backtest, policy: Policy) -> None:
    zone = policy.zone
    brier = tested.brier
    console.print(
        f"[bold]Backtest of {tested.quarter.label}[/]: {len(tested.scored):,} forecasts at "
        f"{len(tested.as_ofs)} weekly moments, each from what was known then",
        highlight=False,
    )
    if brier is None:
        console.print("No deal was in review at any of those moments: nothing to score.")
        return
    table = Table(title="Calibration", title_justify="left")
    for column in ("Forecast said", "Forecasts", "Mean forecast", "Cleared"):
        table.add_column(column, justify="left" if column == "Forecast said" else "right")
    for found in tested.bins:
        table.add_row(
            f"{found.low:.0%}–{found.high:.0%}",
            f"{found.count:,}",
            f"{found.predicted:.0%}",
            f"{found.cleared:.0%}",
        )
    console.print(table)
    console.print(
        f"Brier score: [bold]{brier:.3f}[/] (0 is perfect; always saying 50% scores 0.250)",
        highlight=False,
    )
    worst = Table(title="Furthest from what happened", title_justify="left")
    for column in ("As of", "Deal", "Forecast", "Cleared"):
        worst.add_column(column)
    for scored in tested.worst():
        worst.add_row(
            f"{scored.as_of.astimezone(zone):%a %d %b}",
            f"{scored.ref} {escape(scored.company)}",
            f"{scored.p_clear:.0%}",
            "yes" if scored.cleared else "no",
        )
    console.print(worst)


def _print(result: Forecast, policy: Policy) -> None:
    zone = policy.zone
    names = {a.slack_user: a.name for a in policy.approvers.values() if a.slack_user}

    def who(assignee: str | None) -> str:
        if assignee is None:
            return "—"
        return escape(names.get(assignee, assignee.removeprefix("avatar:")))

    def when(moment: datetime | None) -> str:
        return "not by then" if moment is None else f"{moment.astimezone(zone):%a %d %b %H:%M}"

    deals = len(result.deals)
    console.print(
        f"[bold]Forecast for {result.quarter.label}[/]: closes at the end of "
        f"{result.quarter.ends_on:%a %d %b %Y} ({policy.timezone}); "
        f"{deals} deal{'' if deals == 1 else 's'} in review; "
        f"{result.runs:,} runs each (seed {result.seed})",
        highlight=False,
    )
    if not result.deals:
        console.print("No deal is in review.")
        return
    table = Table(title_justify="left")
    for column, justify in (
        ("Deal", "left"),
        ("ACV", "right"),
        ("Clears in time", "right"),
        ("Median finish", "left"),
        ("90% finish", "left"),
        ("Waits most on", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for item in result.deals:
        table.add_row(
            f"{item.deal.ref} {escape(item.deal.company)}",
            f"${item.deal.acv:,.0f}",
            f"{item.p_clear:.0%}",
            when(item.p50_finish),
            when(item.p90_finish),
            who(item.slowest),
        )
    console.print(table)
    console.print(
        f"ACV expected to clear: [bold]${result.acv_expected:,.0f}[/]; "
        f"at risk: [bold]${result.acv_at_risk:,.0f}[/]",
        highlight=False,
    )
    if result.away:
        console.print(
            "Out of office (Slack status), simulated as dealdesk treats them: "
            + ", ".join(
                f"{who(user)} ({'back ' + when(back) if back else 'no return date'})"
                for user, back in sorted(result.away.items())
            ),
            highlight=False,
        )
    if not result.nudge:
        console.print("Nobody to nudge: every deal in review is likely to clear in time.")
    else:
        nudges = Table(title="Whom to nudge", title_justify="left")
        nudges.add_column("Approver")
        for column in ("ACV at risk", "Likely to clear if they answer today", "Approvals"):
            nudges.add_column(column, justify="right")
        for nudge in result.nudge:
            nudges.add_row(
                who(nudge.assignee),
                f"${nudge.acv_at_risk:,.0f}",
                f"${nudge.acv_if_answered:,.0f} (now ${nudge.acv_now:,.0f})",
                str(len(nudge.approvals)),
            )
        console.print(nudges)
