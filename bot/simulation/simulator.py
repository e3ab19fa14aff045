"""One simulation from start to report: open the database, run the scenario, read it back."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.clock import VirtualClock
from bot.core.deps import open_deps
from bot.simulation.reading import read_report
from bot.simulation.report import Report
from bot.simulation.runner import MAX_STEPS, run_scenario
from bot.simulation.scenario_file import LoadedScenario


async def simulate(
    loaded: LoadedScenario,
    database_url: str,
    *,
    now: datetime | None = None,
    max_steps: int = MAX_STEPS,
) -> Report:
    """Run ``loaded`` against the database at ``database_url`` (upgraded first).

    The deals are stored like real ones; no Slack message is sent (nothing subscribes
    to the events). Virtual time starts at the scenario's ``start``, else at ``now``
    (default: the wall clock, to the second).
    """
    start = loaded.scenario.start or now or datetime.now(UTC).replace(microsecond=0)
    clock = VirtualClock(start)
    async with open_deps(database_url, loaded.policy_path, clock) as deps:
        run = await run_scenario(deps, clock, loaded.scenario, max_steps=max_steps)
        return await read_report(deps, loaded, run, database_url)
