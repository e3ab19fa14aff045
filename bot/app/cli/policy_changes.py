"""``dealdesk policy apply``, ``policy diff`` and ``policy migrate``: changing the matrix
while deals are in flight (bot.jobs.policy_watch, policies.diff)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.app.cli.common import (
    console,
    errors,
    fail,
    load_policy_or_exit,
    run,
    settings,
    show_policy_error,
)
from bot.app.wiring import add_planners
from bot.core.clock import SystemClock
from bot.core.deps import open_deps
from bot.core.policy_book import PolicyBook
from bot.workflow.revise import migrate_deal
from bot.workflow.terms import terms_of
from policies.case_suite import CaseChange, case_changes, failing_cases
from policies.cases import CaseFileError
from policies.diff import PlanChange, RuleChange, deal_changes, policy_changes
from policies.loader import LoadedPolicy
from policies.routing import Plan
from policies.vocabulary import deal_ref, parse_deal_ref
from store import policy_versions
from store import repositories as repo
from store.db import Database

PolicyFile = Annotated[Path, typer.Argument(help="The policy file (YAML).", show_default=False)]
ACTOR = "policy-cli"
"""Who the audit log says moved deals onto a new policy."""


class DiffFormat(StrEnum):
    table = "table"
    json = "json"


def apply(file: PolicyFile) -> None:
    """Check FILE and make it the policy of every running serve.

    Within seconds and without a restart, new deals and revisions route under it; deals
    in flight keep theirs. A bad file is refused with every problem located, and nothing
    changes; so is one whose test cases (`dealdesk policy test`) fail, naming them. FILE
    is also copied to DEALDESK_POLICY, so a restart keeps it."""
    loaded = load_policy_or_exit(file)
    _refuse_failing_cases(loaded, file)
    config = settings()
    target = config.dealdesk_policy
    if os.environ.get("DEALDESK_POLICY") and target.resolve() != file.resolve():
        _copy(file, target)
    run(_record_applied(config.database_url, loaded))
    console.print(
        f"[green]✓[/] applied {escape(str(file))} (version {loaded.version[:12]}): running "
        "instances switch within 5 seconds. Deals in flight keep the version they were "
        "routed under; `dealdesk policy diff OLD NEW --deals` shows what would change for "
        "them, `dealdesk policy migrate --to FILE` moves them.",
        highlight=False,
    )
    if not os.environ.get("DEALDESK_POLICY"):
        console.print(
            "[yellow]note:[/] DEALDESK_POLICY is not set, so a restarted `serve` goes back "
            "to the bundled example; set it to your policy file.",
            highlight=False,
        )


def diff(
    old: PolicyFile,
    new: PolicyFile,
    deals: Annotated[
        bool, typer.Option("--deals", help="Also list each deal in review whose plan would differ.")
    ] = False,
    format: Annotated[
        DiffFormat, typer.Option("--format", help="table or json.")
    ] = DiffFormat.table,
) -> None:
    """Show what changes from policy OLD to NEW.

    The rule changes (approvers, limits, conditions, SLAs, backups), the test cases
    whose outcome changes (NEW's test files, else OLD's), and with `--deals`
    every deal in review whose plan would differ under NEW, approval by approval (it
    reads DATABASE_URL; nothing is changed)."""
    before, after = load_policy_or_exit(old), load_policy_or_exit(new)
    rules = policy_changes(before.policy, after.policy)
    try:
        cases = case_changes(before, after, new, old)
    except CaseFileError as error:
        show_policy_error(error)
        fail(f"the test cases do not load against {new}")
    impact = run(_impact(settings().database_url, after)) if deals else None
    if format is DiffFormat.json:
        body: dict[str, Any] = {
            "old": before.version,
            "new": after.version,
            "rules": [change.to_json() for change in rules],
            "cases": [change.to_json() for change in cases],
        }
        if impact is not None:
            body["deals"] = [
                {"deal": ref, "company": company, "changes": [c.to_json() for c in changes]}
                for ref, company, changes in impact
            ]
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    _print_rules(rules, old, new)
    _print_cases(cases)
    if impact is not None:
        _print_impact(impact)


def migrate(
    to: Annotated[
        Path, typer.Option("--to", help="The policy to move deals onto.", show_default=False)
    ],
    deal: Annotated[
        str | None, typer.Option("--deal", help="Only this deal (D-1001).", show_default=False)
    ] = None,
) -> None:
    """Move deals in review onto the policy TO.

    Each is routed again as its next revision with the same values, keeping every
    sign-off TO still requires and asking for the rest (new cards go out through the
    running `serve`). Audited."""
    loaded = load_policy_or_exit(to)
    deal_id = None
    if deal is not None:
        deal_id = parse_deal_ref(deal)
        if deal_id is None:
            fail(f"--deal: {deal!r} is not a deal id; deal ids look like D-1001")
    moved, kept = run(_migrate(settings().database_url, to, deal_id))
    if deal_id is not None and not moved and not kept:
        fail(f"{deal_ref(deal_id)} is not in review, so there is nothing to move")
    console.print(
        f"[green]✓[/] {len(moved)} deal(s) moved onto version {loaded.version[:12]}"
        + (f": {', '.join(moved)}" if moved else "")
        + (f"; {len(kept)} already on it" if kept else ""),
        highlight=False,
    )


def _refuse_failing_cases(loaded: LoadedPolicy, file: Path) -> None:
    try:
        failing = failing_cases(loaded, file)
    except CaseFileError as error:
        show_policy_error(error)
        fail(f"not applied: the test cases of {file} cannot be read")
    if failing:
        errors.print(
            f"[bold red]{escape(str(file))}: {len(failing)} test case(s) fail[/]", highlight=False
        )
        for line in failing:
            errors.print(f"  ✗ {escape(line)}", highlight=False, soft_wrap=True)
        fail(
            "not applied; fix the policy or the cases (`dealdesk policy test` shows each "
            "route side by side)"
        )


def _copy(source: Path, target: Path) -> None:
    """Replace ``target`` with ``source`` in one step (a reader never sees half a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.NamedTemporaryFile("wb", dir=target.parent, delete=False) as staged,
        source.open("rb") as original,
    ):
        shutil.copyfileobj(original, staged)
    os.replace(staged.name, target)


async def _record_applied(url: str, loaded: LoadedPolicy) -> None:
    database = Database.connect(url)
    try:
        async with database.transaction() as session:
            await policy_versions.mark_applied(
                session, loaded.version, loaded.policy.name, loaded.content, SystemClock().now()
            )
    except (OperationalError, ProgrammingError):
        fail("this database has no dealdesk tables yet; run `dealdesk db upgrade` first")
    finally:
        await database.dispose()


async def _impact(url: str, new: LoadedPolicy) -> list[tuple[str, str, list[PlanChange]]]:
    """Each deal in review whose plan differs under ``new``: (ref, company, changes)."""
    database = Database.connect(url)
    book = PolicyBook(new)
    found = []
    try:
        async with database.read() as session:
            for deal in await repo.list_in_review(session):
                routed = await book.get(session, deal.policy_version)
                changes = deal_changes(
                    routed, new.policy, Plan.from_json(deal.plan), terms_of(deal)
                )
                if changes:
                    found.append((deal_ref(deal.id), deal.company, changes))
    except (OperationalError, ProgrammingError):
        fail("this database has no dealdesk tables yet; run `dealdesk db upgrade` first")
    finally:
        await database.dispose()
    return found


async def _migrate(url: str, policy: Path, deal_id: int | None) -> tuple[list[str], list[str]]:
    moved: list[str] = []
    kept: list[str] = []
    async with open_deps(url, policy) as deps:
        add_planners(deps)
        async with deps.db.read() as session:
            ids = [deal.id for deal in await repo.list_in_review(session, deal_id)]
        for each in ids:
            async with deps.unit_of_work() as uow:
                (moved if await migrate_deal(uow, each, ACTOR) else kept).append(deal_ref(each))
    return moved, kept


def _print_rules(rules: list[RuleChange], old: Path, new: Path) -> None:
    if not rules:
        console.print(f"{escape(str(old))} and {escape(str(new))} have the same rules.")
        return
    table = Table(title=f"Rule changes: {old.name} → {new.name}", title_justify="left")
    for column in ("Where", "Before", "After"):
        table.add_column(column, overflow="fold")
    for change in rules:
        table.add_row(
            escape(change.where),
            escape(change.before) if change.before is not None else "[dim](none)[/]",
            escape(change.after) if change.after is not None else "[dim](removed)[/]",
        )
    console.print(table)


def _print_cases(cases: list[CaseChange]) -> None:
    if not cases:
        return
    table = Table(title=f"Test cases whose outcome changes ({len(cases)})", title_justify="left")
    for column in ("Case", "Under OLD", "Under NEW"):
        table.add_column(column, overflow="fold")
    for change in cases:
        table.add_row(escape(change.name), escape(change.old), escape(change.new))
    console.print()
    console.print(table)


def _print_impact(impact: list[tuple[str, str, list[PlanChange]]]) -> None:
    console.print()
    if not impact:
        console.print("No deal in review would get a different plan.")
        return
    table = Table(
        title=f"Deals in review whose plan would differ ({len(impact)})", title_justify="left"
    )
    for column in ("Deal", "Stage", "Approver", "Change", "Why"):
        table.add_column(column, overflow="fold")
    for ref, company, changes in impact:
        for n, change in enumerate(changes):
            table.add_row(
                f"{ref} {escape(company)}" if n == 0 else "",
                escape(change.stage),
                escape(change.approver),
                escape(change.change),
                escape(change.why),
            )
    console.print(table)
