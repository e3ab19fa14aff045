"""Outage: the database goes away under ``dealdesk serve`` and comes back, while deals,
clicks (retried as Slack retries them) and timeouts on second-long SLAs flow: another
process holds SQLite's write lock, or PostgreSQL is stopped (``pg_ctlcluster … stop -m
fast``) under two serves. Then the books: acked and lost, doubled, applied twice, and how
long after the database returned work flowed again.

    python -m bench.outage                                   # SQLite locked for 30 s
    python -m bench.outage --database postgres --instances 2 # PostgreSQL stopped for 30 s

Exit 1 unless nothing acked was lost, nothing doubled or applied twice, every /healthz
said 503 meanwhile, and a new deal had its card within 5 s of the database's return.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.databases import add_database_options, emptied_postgres
from tests.support.outage_run import OutageFigures, run_outage


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.outage", description=__doc__.split("\n\n")[0]
    )
    add_database_options(parser)
    parser.add_argument("--instances", type=int, default=None, help="serves (default 1 / 2)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long it is away")
    parser.add_argument("--sla", default="8s", help="every approver's SLA")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    if options.instances is None:
        options.instances = 2 if options.database == "postgres" else 1
    if options.instances > 1 and options.database == "sqlite":
        parser.error("several instances need --database postgres (SQLite is for one process)")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    url = emptied_postgres(options)
    with tempfile.TemporaryDirectory(prefix="dealdesk-outage-") as folder:
        figures = asyncio.run(
            run_outage(
                Path(folder),
                seconds=options.seconds,
                instances=options.instances,
                database_url=url,
                sla=options.sla,
            )
        )
    books = figures.books
    values = {
        "away_seconds": round(figures.outage, 1),
        "healthz_503": figures.unhealthy,
        "stayed_up": figures.stayed_up,
        "healthz_ok_after": figures.recovered,
        "card_after": figures.resumed,
        "clicks": books.clicks,
        "acked": books.acked,
        "not_recorded": books.not_recorded,
        "lost": books.lost,
        "doubled": books.doubled,
        "applied_twice": books.applied_twice,
        "passed": figures.clean,
    }
    if options.json:
        print(json.dumps(values))
    else:
        show(figures, f"Outage: {options.database}, {options.instances} serve(s)")
        print(" ".join(f"{name}={value}" for name, value in values.items()))
    return 0 if figures.clean else 1


def show(figures: OutageFigures, title: str) -> None:
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("result", justify="right")
    for row in figures.rows():
        table.add_row(*row)
    Console().print(table)
    for problem in [*figures.books.inconsistent, *figures.books.notes, *figures.notes][:20]:
        Console().print(f"[red]✗[/] {problem}")


if __name__ == "__main__":
    sys.exit(main())
