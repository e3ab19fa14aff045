"""Deal intake at quarter end: how many deals a second does one ``dealdesk serve`` take in,
and how long does a Salesforce batch of 200 Opportunities take?

    python -m bench.intake [--deals 1000] [--records 200] [--approvers 50]
                           [--concurrency 20] [--database sqlite|postgres] [--json]

Starts a fake Slack Web API that paces posts like Slack (one a second per channel) and
one ``dealdesk serve``, then (1) posts ``--deals`` deals to ``POST /api/deals``,
``--concurrency`` at a time, while their approval cards go out, and (2) sends one
Salesforce trigger batch of ``--records`` new Opportunities to
``POST /api/intake/salesforce``, each record a new deal. It prints deals per second
(target ≥ 100), the batch's answer time (target < 2 s), and checks that every deal of
both got its card and none got two.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp
from rich.console import Console
from rich.table import Table

from bench.databases import add_database_options, empty_postgres
from bot.outbox.work import POST_INTERVAL
from tests.support.burst import add_people, burst_policy, card_company, owner, submit_burst
from tests.support.databases import sqlite_url
from tests.support.fake_slack import FakeSlack
from tests.support.processes import API_TOKEN
from tests.support.serving import serving

DEALS_PER_SECOND = 100.0
BATCH_SECONDS = 2.0
SALESFORCE = """
intake:
  salesforce:
    fields:
      company: Account.Name
      acv: Amount
      discount: Discount__c
      term_months: Term_Months__c
      industry: Account.Industry
      employees: Account.NumberOfEmployees
      use_case: Use_Case__c
      budget_indicated: Budget_Confirmed__c
      owner: Owner.Slack_User_Id__c
"""


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.intake", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--deals", type=int, default=1000, help="deals posted to /api/deals")
    parser.add_argument("--records", type=int, default=200, help="Opportunities in the batch")
    parser.add_argument("--approvers", type=int, default=50, help="people the deals go to")
    parser.add_argument("--concurrency", type=int, default=20, help="submissions in flight")
    add_database_options(parser)
    parser.add_argument("--patience", type=float, default=300.0, help="seconds to wait for cards")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def opportunity(number: int) -> dict[str, Any]:
    """A new Opportunity as a Salesforce trigger sends it; ``employees`` routes it."""
    return {
        "attributes": {"type": "Opportunity"},
        "Id": f"006BENCH{number:06d}AAB",
        "Name": f"Batch {number:05d} - New logo",
        "Amount": 90000.0,
        "Discount__c": 5.0,
        "Term_Months__c": 12,
        "Budget_Confirmed__c": True,
        "Use_Case__c": "Replace spreadsheets with one pipeline",
        "Account": {
            "attributes": {"type": "Account"},
            "Name": f"Batch {number:05d}",
            "Industry": "Technology",
            "NumberOfEmployees": number,
        },
        "Owner": {"attributes": {"type": "User"}, "Slack_User_Id__c": owner(number)},
    }


@dataclass(frozen=True)
class IntakeResult:
    deals: int
    deals_in_s: float
    deals_per_s: float
    records: int
    batch_s: float
    batch_status: int
    cards: int
    doubled: int

    @property
    def passed(self) -> bool:
        return (
            self.deals_per_s >= DEALS_PER_SECOND
            and self.batch_s < BATCH_SECONDS
            and self.batch_status == 200
            and self.cards == self.deals + self.records
            and self.doubled == 0
        )


async def send_batch(url: str, records: int) -> tuple[int, float]:
    """The batch's HTTP status and how long its answer took."""
    body = [opportunity(number) for number in range(records)]
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.monotonic()
        async with session.post(f"{url}/api/intake/salesforce", json=body, headers=headers) as r:
            await r.read()
            return r.status, time.monotonic() - started


def first_cards(slack: FakeSlack) -> Counter[str]:
    return Counter(
        company
        for call in slack.delivered("chat.postMessage")
        if (company := card_company(call)) is not None
    )


async def run(options: argparse.Namespace, directory: Path) -> IntakeResult:
    policy = directory / "intake.yml"
    policy.write_text(burst_policy(options.approvers) + SALESFORCE, encoding="utf-8")
    url = await empty_postgres(options) or sqlite_url(directory)
    async with FakeSlack() as slack, serving(directory, slack, policy, url) as server:
        add_people(slack, options.approvers)
        slack.pace_posts(POST_INTERVAL)
        submitted = await submit_burst([server.url], options.deals, options.concurrency)
        took = submitted.last - submitted.first
        status, batch_s = await send_batch(server.url, options.records)
        expected = options.deals + options.records
        deadline = time.monotonic() + options.patience
        while sum(first_cards(slack).values()) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        cards = first_cards(slack)
        return IntakeResult(
            deals=options.deals,
            deals_in_s=round(took, 2),
            deals_per_s=round(options.deals / took, 1),
            records=options.records,
            batch_s=round(batch_s, 3),
            batch_status=status,
            cards=len(cards),
            doubled=sum(1 for n in cards.values() if n > 1),
        )


def show(result: IntakeResult, options: argparse.Namespace) -> None:
    table = Table(title=f"Intake, one serve on {options.database}")
    table.add_column("measure")
    table.add_column("result", justify="right")
    table.add_column("target", justify="right")
    rows = [
        (
            f"{result.deals:,} deals through POST /api/deals",
            f"{result.deals_per_s:,.1f} deals/s ({result.deals_in_s:.1f} s)",
            f"≥ {DEALS_PER_SECOND:.0f}/s",
        ),
        (
            f"a Salesforce batch of {result.records} Opportunities",
            f"{result.batch_s:.2f} s (HTTP {result.batch_status})",
            f"< {BATCH_SECONDS:.0f} s",
        ),
        ("approval cards arrived", f"{result.cards:,}", f"{result.deals + result.records:,}"),
        ("cards doubled", str(result.doubled), "0"),
        ("target", "PASS" if result.passed else "FAIL", ""),
    ]
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="dealdesk-intake-") as directory:
        result = asyncio.run(run(options, Path(directory)))
    if options.json:
        print(json.dumps({**asdict(result), "passed": result.passed}, indent=2))
    else:
        show(result, options)
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
