"""``dealdesk policy test``: the policy's test cases, run against its routing and avatars."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.app.cli.common import console, errors, settings, show_policy_error
from policies.case_run import CaseResult, CaseRun
from policies.case_suite import PolicySuite, load_suite
from policies.cases import CaseFileError
from policies.loader import PolicyError

EXIT_FAILED, EXIT_UNREADABLE = 1, 2


class CaseFormat(StrEnum):
    table = "table"
    json = "json"


def run_tests(
    policy: Annotated[
        Path | None,
        typer.Argument(
            help="The policy file (default: DEALDESK_POLICY, else the bundled example).",
            show_default=False,
        ),
    ] = None,
    tests: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Test files (default: the policy's tests:, else NAME.tests.yml or "
            "policy.tests.yml beside it).",
            show_default=False,
        ),
    ] = None,
    junit: Annotated[
        Path | None,
        typer.Option("--junit", help="Also write the results as JUnit XML, for CI systems."),
    ] = None,
    format: Annotated[
        CaseFormat, typer.Option("--format", help="table or json.")
    ] = CaseFormat.table,
) -> None:
    """Run the policy's test cases.

    Each case's deal is routed and decided as dealdesk would (no database, no Slack) and
    compared with what the case expects: the stages and who is asked, who is not, what
    avatars decide, where an approval would move, the quorum, which sign-offs a
    revision keeps. A failing case shows its expected and actual route side by side;
    what no case exercised is listed after the results. Exit 0 when every case
    passes, 1 when one fails, 2 when a file cannot be read."""
    path = policy or settings().dealdesk_policy
    suite = _load_or_exit(path, tests or [])
    run = suite.run()
    if junit is not None:
        write_junit(suite, run, junit)
    if format is CaseFormat.json:
        typer.echo(json.dumps(suite.to_json(run), indent=2, ensure_ascii=False))
    else:
        _print(suite, run)
    if run.failed:
        raise typer.Exit(EXIT_FAILED)


def _load_or_exit(policy: Path, tests: list[Path]) -> PolicySuite:
    try:
        suite = load_suite(policy, tests)
    except (PolicyError, CaseFileError) as error:
        show_policy_error(error)
        raise typer.Exit(EXIT_UNREADABLE) from None
    if not suite.files:
        errors.print(
            f"[bold red]error:[/] {escape(str(policy))} has no test file; write its cases in "
            f"{escape(str(policy.with_name(policy.stem + '.tests.yml')))} (see "
            "policies/examples/revops.tests.yml), or list files after the policy",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_UNREADABLE)
    return suite


def _print(suite: PolicySuite, run: CaseRun) -> None:
    for result in run.results:
        if result.passed:
            console.print(f"[green]✓[/] {escape(result.case.name)}", highlight=False)
        else:
            _print_failure(result, [stage.name for stage in suite.loaded.policy.stages])
    failed, total = len(run.failed), len(run.results)
    console.print()
    if failed:
        console.print(
            f"[bold red]{failed} of {total} cases failed[/] against {escape(suite.source)} "
            f"(version {suite.version[:12]})",
            highlight=False,
        )
    else:
        console.print(
            f"[green]✓ all {total} cases pass[/] against {escape(suite.source)} "
            f"(version {suite.version[:12]})",
            highlight=False,
        )
    if run.gaps:
        console.print("\n[bold]Not exercised by any case:[/]", highlight=False)
        for gap in run.gaps:
            console.print(f"  [yellow]•[/] {escape(gap)}", highlight=False, soft_wrap=True)


def _print_failure(result: CaseResult, stages: list[str]) -> None:
    """The case's expected and actual route side by side, a stage a row (a mismatch in
    red), then every other expectation that does not hold."""
    case = result.case
    where = f"{case.source}:{case.line}" if case.line is not None else case.source
    console.print(
        f"[red]✗ {escape(case.name)}[/] [dim]({escape(where)})[/]", highlight=False, soft_wrap=True
    )
    if result.error is not None:
        console.print(f"  {escape(result.error)}", highlight=False)
        return
    table = Table(box=None, padding=(0, 2, 0, 2))
    for column in ("", "Expected", "Actual"):
        table.add_column(column, overflow="fold")
    expected = dict(result.expected_route or ())
    actual = dict(result.route)
    for name in stages:
        if name not in actual and name not in expected:
            continue
        now = ", ".join(actual.get(name, ())) or "skipped"
        if result.expected_route is None:
            table.add_row(escape(name), "[dim]·[/]", escape(now))
            continue
        wanted = ", ".join(expected.get(name, ())) or "skipped"
        same = sorted(expected.get(name, ())) == sorted(actual.get(name, ()))
        style = "" if same else "red"
        table.add_row(
            f"[{style}]{escape(name)}[/]" if style else escape(name),
            escape(wanted),
            f"[{style}]{escape(now)}[/]" if style else escape(now),
        )
    for mismatch in result.mismatches:
        if mismatch.what != "stages":
            table.add_row(
                f"[red]{escape(mismatch.what)}[/]",
                escape(mismatch.expected),
                f"[red]{escape(mismatch.actual)}[/]",
            )
    console.print(table)


def write_junit(suite: PolicySuite, run: CaseRun, path: Path) -> None:
    """The results as JUnit XML: one testsuite per test file, a testcase per case, with
    the attributes the JUnit schema requires."""
    root = ET.Element("testsuites", name=f"dealdesk policy test {suite.source}")
    by_file: dict[str, list[tuple[CaseResult, float]]] = {}
    seconds = run.seconds or (0.0,) * len(run.results)
    for result, took in zip(run.results, seconds, strict=True):
        by_file.setdefault(result.case.source, []).append((result, took))
    stamp = datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat()
    for number, (source, results) in enumerate(by_file.items()):
        failures = [result for result, _ in results if not result.passed]
        element = ET.SubElement(
            root,
            "testsuite",
            name=source,
            tests=str(len(results)),
            failures=str(len(failures)),
            errors="0",
            skipped="0",
            time=f"{sum(took for _, took in results):.6f}",
            timestamp=stamp,
            hostname=socket.gethostname() or "localhost",
            id=str(number),
            package=Path(source).stem,
        )
        ET.SubElement(element, "properties")
        for result, took in results:
            case = ET.SubElement(
                element,
                "testcase",
                name=result.case.name,
                classname=Path(source).stem,
                time=f"{took:.6f}",
            )
            if result.passed:
                continue
            lines = [
                f"{m.what}: expected {m.expected}; actual {m.actual}" for m in result.mismatches
            ]
            if result.error is not None:
                lines.append(result.error)
            failure = ET.SubElement(case, "failure", message=lines[0], type="PolicyCaseFailed")
            failure.text = "\n".join(lines)
        ET.SubElement(element, "system-out")
        ET.SubElement(element, "system-err")
    root.set("tests", str(len(run.results)))
    root.set("failures", str(len(run.failed)))
    root.set("errors", "0")
    ET.indent(root)
    path.write_text(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n", "utf-8")
