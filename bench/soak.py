"""Soak: ``dealdesk sandbox`` (the real app and a local Slack workspace, one process) under
a steady mix of deals, decisions, reasons, edits, ``/deal`` commands and Home visits,
its clock moved an hour a round (SLAs pass, backups and admins take over) and to every
morning's briefing; resident memory and open file descriptors sampled every minute.

    python -m bench.soak --minutes 60        # months of virtual time in an hour
    python -m bench.soak --database postgres # the same on PostgreSQL

Exit 1 unless resident memory grew less than 10% from minute 10 (a sixth of a shorter
run) to the end, no file descriptor leaked, and ``dealdesk audit verify`` passes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.databases import add_database_options, emptied_postgres
from tests.support.soak_run import SoakFigures, run_soak

GROWTH_TARGET = 0.10
FDS_SLACK = 5
"""Descriptors the end may hold beyond the baseline (a connection being opened)."""


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--minutes", type=float, default=60.0, help="how long to run")
    parser.add_argument("--sample", type=float, default=60.0, help="seconds between samples")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pace", type=float, default=1.2, help="least seconds a round takes")
    parser.add_argument(
        "--deal-every", type=int, default=4, help="rounds per new deal (Slack's channel pace)"
    )
    add_database_options(parser)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    if options.minutes <= 0 or options.sample <= 0 or options.deal_every < 1:
        parser.error("--minutes, --sample and --deal-every must be positive")
    return options


def baseline_seconds(minutes: float) -> float:
    """Minute 10 of an hour's run; a sixth of a shorter one (start-up and warm-up aside)."""
    return min(600.0, minutes * 60 / 6)


def verdict(figures: SoakFigures, minutes: float) -> tuple[bool, float, int]:
    """Passed, memory growth (a fraction) and descriptors gained since the baseline."""
    first, last, growth = figures.growth(baseline_seconds(minutes))
    gained = last.fds - first.fds
    passed = (
        not figures.failures and figures.verified and growth < GROWTH_TARGET and gained <= FDS_SLACK
    )
    return passed, growth, gained


def show(figures: SoakFigures, minutes: float) -> None:
    console = Console()
    samples = Table(title="dealdesk sandbox under a steady mix")
    for column in ("minute", "RSS", "open fds", "rounds", "virtual days"):
        samples.add_column(column, justify="right")
    for sample in figures.samples:
        samples.add_row(
            f"{sample.seconds / 60:.1f}",
            f"{sample.rss_mb:.1f} MB",
            str(sample.fds),
            f"{sample.rounds:,}",
            f"{sample.virtual_days:,.0f}",
        )
    console.print(samples)
    done = Table(title="what was done")
    done.add_column("driver")
    done.add_column("count", justify="right")
    for name, count in sorted(figures.done.items()):
        done.add_row(name, f"{count:,}")
    for action, count in sorted(figures.audit.items()):
        done.add_row(f"audit: {action}", f"{count:,}")
    done.add_row("clicks refused (the card had changed)", f"{figures.refused:,}")
    console.print(done)
    passed, growth, _ = verdict(figures, minutes)
    first, last, _ = figures.growth(baseline_seconds(minutes))
    console.print(
        f"RSS {first.rss_mb:.1f} MB at minute {first.seconds / 60:.1f} → {last.rss_mb:.1f} MB "
        f"at minute {last.seconds / 60:.1f}: {growth:+.1%} (target < {GROWTH_TARGET:.0%}); "
        f"open fds {first.fds} → {last.fds}; audit verify "
        f"{'passes' if figures.verified else 'FAILS'}",
        highlight=False,
    )
    for failure in figures.failures:
        console.print(f"[red]✗[/] {failure}", highlight=False)
    console.print("[green]PASS[/]" if passed else "[red]FAIL[/]")


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    url = emptied_postgres(options)
    with tempfile.TemporaryDirectory(prefix="dealdesk-soak-") as folder:
        figures = asyncio.run(
            run_soak(
                Path(folder),
                seconds=options.minutes * 60,
                sample_every=options.sample,
                seed=options.seed,
                database_url=url,
                pace=options.pace,
                deal_every=options.deal_every,
            )
        )
    if options.json:
        print(figures_json(figures, options.minutes))
    else:
        show(figures, options.minutes)
    return 0 if verdict(figures, options.minutes)[0] else 1


def figures_json(figures: SoakFigures, minutes: float) -> str:
    """The figures and the verdict as JSON. ``done`` is given as a plain dict: ``asdict``
    rebuilds a Counter from its (key, count) pairs, counting the pairs."""
    passed, growth, gained = verdict(figures, minutes)
    summary = {"growth": round(growth, 4), "fds_gained": gained, "passed": passed}
    figured = {**asdict(figures), "done": dict(figures.done), **summary}
    return json.dumps(figured, indent=2, default=str)


if __name__ == "__main__":
    sys.exit(main())
