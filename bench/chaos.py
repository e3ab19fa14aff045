"""Chaos: a stream of deals and clicks (retried as Slack retries them), with reminders and
timeouts on second-long SLAs, against ``dealdesk serve`` processes SIGKILLed at random
moments and restarted; then the books: kills, clicks, decisions, cards, doubled, lost.

    python -m bench.chaos                                   # 100 kills, one serve, SQLite
    python -m bench.chaos --database postgres --instances 2 # two serves sharing PostgreSQL

Exit 1 unless nothing was doubled or lost, nothing applied twice, every approval is
consistent and ``dealdesk audit verify`` passes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.databases import add_database_options, emptied_postgres
from tests.support.chaos import Figures, run_chaos


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaos", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--kills", type=int, default=100, help="SIGKILLs, each followed by a restart"
    )
    parser.add_argument("--instances", type=int, default=1, help="serve processes (PostgreSQL)")
    add_database_options(parser)
    parser.add_argument("--sla", default="6s", help="every approver's SLA (reminders at half)")
    parser.add_argument("--between", type=float, default=1.0, help="mean seconds between kills")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(argv)
    if options.instances > 1 and options.database == "sqlite":
        parser.error("several instances need --database postgres (SQLite is for one process)")
    return options


def show(figures: Figures, title: str) -> None:
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("result", justify="right")
    for row in figures.rows():
        table.add_row(*row)
    Console().print(table)
    for problem in [*figures.inconsistent, *figures.notes][:20]:
        Console().print(f"[red]✗[/] {problem}")


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="dealdesk-chaos-") as directory:
        database_url = emptied_postgres(options)
        figures = asyncio.run(
            run_chaos(
                Path(directory),
                kills=options.kills,
                instances=options.instances,
                database_url=database_url,
                sla=options.sla,
                between=options.between,
                seed=options.seed,
            )
        )
    show(figures, f"{options.kills} kills, {options.instances} × serve on {options.database}")
    return 0 if figures.clean else 1


if __name__ == "__main__":
    sys.exit(main())
