"""A quarter-end rush: how soon does each approval card reach its approver?

    python -m bench.burst [--deals 1000] [--approvers 50] [--instances 1]
                          [--database sqlite|postgres] [--postgres-url URL] [--json]

Starts a fake Slack Web API that paces posts like Slack (one a second per channel; a
post too soon is answered 429), one or more ``dealdesk serve`` processes on one database,
submits ``--deals`` deals through the intake API at once (``--concurrency`` at a time),
their first approvals spread over ``--approvers`` people and every deal threaded in the
deal channel, and waits until every first approval card has arrived. It prints the
time from each submission to its card (p50, p99, max), how long after the last
submission the last card came, the most posts any channel got in one second, and the
429s Slack had to answer.

The bound (issue 10): each approver gets deals/approvers cards at one a second, so with
1,000 deals over 50 approvers the last card is due within 25 s of the last submission.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.databases import add_database_options, empty_postgres
from bot.outbox.work import POST_INTERVAL
from tests.support.burst import (
    BurstResult,
    add_people,
    burst_policy,
    measure,
    submit_burst,
    wait_for_cards,
)
from tests.support.databases import sqlite_url
from tests.support.fake_slack import FakeSlack
from tests.support.serving import serving


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.burst", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--deals", type=int, default=1000, help="deals submitted at once")
    parser.add_argument("--approvers", type=int, default=50, help="people the deals go to")
    parser.add_argument("--concurrency", type=int, default=20, help="submissions in flight")
    parser.add_argument("--instances", type=int, default=1, help="serve processes (PostgreSQL)")
    add_database_options(parser)
    parser.add_argument("--patience", type=float, default=300.0, help="seconds to wait")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    if options.instances > 1 and options.database == "sqlite":
        parser.error("several instances need --database postgres (SQLite is for one process)")
    return options


async def run(options: argparse.Namespace, directory: Path) -> BurstResult:
    policy = directory / "burst.yml"
    policy.write_text(burst_policy(options.approvers), encoding="utf-8")
    url = await empty_postgres(options) or sqlite_url(directory)
    async with FakeSlack() as slack, AsyncExitStack() as stack:
        add_people(slack, options.approvers)
        slack.pace_posts(POST_INTERVAL)
        servers = [
            await stack.enter_async_context(
                serving(directory, slack, policy, url, name=f"serve-{n}")
            )
            for n in range(options.instances)
        ]
        submitted = await submit_burst(
            [server.url for server in servers], options.deals, options.concurrency
        )
        await wait_for_cards(slack, options.deals, options.patience)
        return measure(slack, submitted)


def show(result: BurstResult, options: argparse.Namespace) -> None:
    table = Table(
        title=(
            f"{options.deals:,} deals over {options.approvers} approvers, "
            f"{options.instances} × serve on {options.database}"
        )
    )
    table.add_column("measure")
    table.add_column("result", justify="right")
    rows = [
        ("deals submitted", f"{result.deals:,} in {result.submitted_in:.1f} s"),
        ("approval cards arrived", f"{result.cards:,} ({result.missing} missing)"),
        ("cards doubled", str(result.doubled)),
        ("submission → card, p50", f"{result.percentile(0.5):.1f} s"),
        ("submission → card, p99", f"{result.percentile(0.99):.1f} s"),
        ("submission → card, max", f"{max(result.to_card, default=float('nan')):.1f} s"),
        ("last card after last submission", f"{result.last_card_after_submissions:.1f} s"),
        ("posts per channel per second, max", str(result.posts_per_second)),
        ("429s from Slack", str(result.rate_limited)),
        ("deal channel posts so far (1/s)", f"{result.deal_channel_posts:,}"),
    ]
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="dealdesk-burst-") as directory:
        result = asyncio.run(run(options, Path(directory)))
    if options.json:
        print(json.dumps(result.summary(), indent=2))
    else:
        show(result, options)
    return 0 if result.missing == 0 and result.doubled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
