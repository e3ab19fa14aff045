"""``dealdesk policy check``, ``policy explain`` and ``policy graph``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from bot.app.cli.common import console, errors, fail, load_policy_or_exit, settings
from policies.deal import DealTerms, field_errors
from policies.explain import Explanation, explain_plan

app = typer.Typer(help="Check and explain authority-matrix policies.", no_args_is_help=True)

PolicyFile = Annotated[Path, typer.Argument(help="The policy file (YAML).", show_default=False)]


@app.command()
def check(file: PolicyFile) -> None:
    """Validate a policy file.

    Exit 0 when it is valid, 1 with every problem located by key path and line."""
    loaded = load_policy_or_exit(file)
    policy = loaded.policy
    console.print(
        f"[green]✓[/] {file} is valid: {len(policy.approvers)} approvers, "
        f"{len(policy.stages)} stages (version {loaded.version[:12]})",
        highlight=False,
    )
    for warning in loaded.warnings:
        errors.print(f"  [yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    svg = "svg"


@app.command()
def graph(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The policy file (default: DEALDESK_POLICY, else the bundled example).",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        GraphFormat, typer.Option("--format", help="mermaid (text) or svg (a picture).")
    ] = GraphFormat.mermaid,
    deal: Annotated[
        Path | None,
        typer.Option(
            "--deal", help="A deal as JSON: highlight the route it takes.", show_default=False
        ),
    ] = None,
) -> None:
    """Draw the policy as a picture.

    Stages left to right, each approval with its condition, avatar, limits and backup
    chain, groups with their quorum, the escalation at the end of every chain; with
    `--deal`, the route that deal takes. Mermaid text renders in GitHub, GitLab and most
    docs tools (in a mermaid code block); the SVG is drawn by dealdesk itself. Both go
    to standard output: `dealdesk policy graph my-policy.yml --format svg > policy.svg`."""
    from policies.graph import policy_graph  # here: every other command would pay for it
    from policies.graph_mermaid import to_mermaid
    from policies.graph_svg import to_svg

    loaded = load_policy_or_exit(file or settings().dealdesk_policy)
    drawn = policy_graph(loaded.policy, _read_deal(deal) if deal is not None else None)
    typer.echo(to_svg(drawn) if format is GraphFormat.svg else to_mermaid(drawn), nl=False)


@app.command()
def explain(
    file: PolicyFile,
    deal: Annotated[
        Path,
        typer.Option(
            "--deal", help="The deal as JSON (CONTRACT.md, Deal JSON).", show_default=False
        ),
    ],
    was: Annotated[
        Path | None,
        typer.Option(
            "--was",
            help="The deal as it was signed off (JSON): show which sign-offs a change to "
            "--deal keeps and which it asks for again.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Print the approval plan for a deal.

    Each stage, who approves, and which rule put them there."""
    loaded = load_policy_or_exit(file)
    terms = _read_deal(deal)
    explanation = explain_plan(loaded, terms, _read_deal(was) if was else None)
    if as_json:
        typer.echo(json.dumps(explanation.to_json(), indent=2))
        return
    _print(explanation)


def _read_deal(path: Path) -> DealTerms:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}")
    except json.JSONDecodeError as error:
        fail(f"{path} is not JSON: {error.msg} at line {error.lineno}, column {error.colno}")
    if not isinstance(data, dict):
        fail(f"{path} must hold one deal as a JSON object")
    try:
        return DealTerms.model_validate(data)
    except ValidationError as error:
        problems = field_errors(error)
        errors.print(
            f"[bold red]{path}: {len(problems)} problem(s) in the deal[/]", highlight=False
        )
        for field, message in problems:
            errors.print(f"  {field}: {message}", highlight=False)
        raise typer.Exit(1) from None


def _print(explanation: Explanation) -> None:
    console.print(f"[bold]{explanation.headline}[/]", highlight=False)
    console.print(
        f"Policy: {explanation.policy_name} (version {explanation.version[:12]})", highlight=False
    )
    for stage in explanation.stages:
        if not stage.approvals:
            console.print(
                f"\n[dim]{stage.index + 1}. {stage.name}: skipped, no rule applies[/]",
                highlight=False,
            )
        else:
            table = Table(
                title=f"{stage.index + 1}. {stage.name}", title_justify="left", show_lines=False
            )
            revised = any(row.revision for row in stage.approvals)
            columns = ("Approver", "Who", "Why", "Avatar", "Then", "After the change")
            for column in columns if revised else columns[:-1]:
                table.add_column(column, overflow="fold")
            for row in stage.approvals:
                cells = (row.approver, row.who, row.why, row.avatar, row.then, row.revision)
                table.add_row(*(cells if revised else cells[:-1]))
            console.print()
            console.print(table)
        for rule in stage.not_required:
            console.print(f"   [dim]not required: {rule}[/]", highlight=False)
