"""``dealdesk simulate [SCENARIO.yml]``: deals through the policy in virtual time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.app.cli.common import console, errors, fail, run, settings, show_policy_error
from policies.loader import PolicyError, bundled_policy_path
from store.db import DatabaseUrlError, parse_database_url

if TYPE_CHECKING:
    from bot.simulation import LoadedScenario, Report

# The simulator is imported by the command that runs it, not by every `dealdesk` start
# (`serve` among them): a dozen modules and 4 MB that only `simulate` needs.


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command to ``app``."""
    app.command(name="simulate")(simulate)


def simulate(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="The scenario (YAML). Default: the TechCorp deal from the seeds.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of tables.")
    ] = False,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Database to run in instead of DATABASE_URL (upgraded first).",
            show_default=False,
        ),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy", help="Policy file to use instead of the scenario's.", show_default=False
        ),
    ] = None,
    write_quarter: Annotated[
        Path | None,
        typer.Option(
            "--write-quarter",
            help="Write a generated quarter (300 deals over 13 weeks for the bundled policy, "
            "approvers of different speeds, some away) to this file and stop; then simulate it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run deals through the policy in virtual time.

    Avatars decide; scripted people answer after their delays, or stay silent until
    their SLA passes and a backup takes over.

    Prints the timeline, each approval's SLA target against the time it took, SLO
    compliance and cycle time. The simulated deals are stored in the database like real
    ones (no Slack message is sent), so `dealdesk audit verify` and `dealdesk audit
    export` show them afterwards.
    """
    from bot.simulation import bundled_scenario_path
    from bot.simulation.render import render_report

    if write_quarter is not None:
        _write_quarter(write_quarter)
        return
    config = settings()
    url = database_url or config.database_url
    _check_database_url(url)
    loaded = _load(scenario or bundled_scenario_path(), config.dealdesk_policy, policy)
    report = run(_simulate(loaded, url))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        render_report(console, report)


def _write_quarter(path: Path) -> None:
    from bot.simulation.quarter import quarter_scenario

    scenario = quarter_scenario()
    scenario["policy"] = str(bundled_policy_path())
    try:
        path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror}")
    console.print(
        f"Wrote {path}: {len(scenario['deals'])} deals from {scenario['start']}. Run it with "
        f"`dealdesk simulate {path} --database-url …`",
        highlight=False,
    )


def _check_database_url(url: str) -> None:
    """A SQLite file needs its directory: say so before aiosqlite fails less clearly."""
    try:
        parsed = parse_database_url(url)
    except DatabaseUrlError as error:
        fail(str(error))
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        directory = Path(str(parsed.database)).parent
        if not directory.is_dir():
            fail(f"the SQLite database's directory {directory} does not exist ({url})")


def _load(path: Path, default_policy: Path, override: Path | None) -> LoadedScenario:
    from bot.simulation import ScenarioError, load_scenario_file

    try:
        return load_scenario_file(path, default_policy=default_policy, policy_override=override)
    except ScenarioError as error:
        count = len(error.issues)
        errors.print(
            f"[bold red]{escape(error.source)}: {count} problem{'s' if count != 1 else ''}[/]",
            highlight=False,
        )
        for issue in error.issues:
            errors.print(f"  {issue}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except PolicyError as error:
        show_policy_error(error)
        raise typer.Exit(1) from None


async def _simulate(loaded: LoadedScenario, database_url: str) -> Report:
    from bot.simulation.simulator import simulate as run_simulation

    try:
        return await run_simulation(loaded, database_url)
    except DBAPIError as error:
        shown = make_url(database_url).render_as_string(hide_password=True)
        fail(f"the database {shown} cannot be used: {error.orig}")
