"""The fuzzing itself; ``python -m bench.fuzz`` runs it once the test extras are there."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from rich.console import Console
from rich.table import Table
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from bot.web.openapi import openapi_document
from policies.loader import bundled_policy_path
from tests.crm.conftest import HUBSPOT_SECRET, INTAKE, SALESFORCE_SECRET
from tests.support.app_server import API_TOKEN, SIGNING_SECRET
from tests.support.slack_fuzz import Forged, slack_requests
from tests.support.threaded_app import ThreadedApp


@dataclass
class Tally:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    stored_from_refused: int = 0
    decided_by_stranger: int = 0
    unsigned_accepted: int = 0
    seconds: float = 0.0

    def add(self, status: int) -> None:
        self.sent += 1
        self.statuses[status] += 1
        self.server_errors += status >= 500


def generated(count: int) -> settings:
    """``count`` fresh examples: no shrinking, no example database, no deadline."""
    return settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def fuzz_slack(app: ThreadedApp, session: requests.Session, count: int) -> Tally:
    tally = Tally()
    approvals = "SELECT id, status, decided_by FROM approvals ORDER BY id"
    before = app.rows(approvals)

    @generated(count)
    @given(forged=slack_requests(SIGNING_SECRET, app.response_url))
    def one(forged: Forged) -> None:
        answer = session.post(
            f"{app.url}/slack/events", data=forged.body, headers=forged.headers, timeout=30
        )
        tally.add(answer.status_code)
        tally.unsigned_accepted += not forged.signed and answer.status_code != 401

    started = time.monotonic()
    one()
    tally.seconds = time.monotonic() - started
    tally.decided_by_stranger = sum(1 for row in app.rows(approvals) if row not in before)
    return tally


def fuzz_api(app: ThreadedApp, session: requests.Session, count: int) -> Tally:
    tally = Tally()
    schema = schemathesis.openapi.from_dict(openapi_document())
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    per_operation = max(1, count // (2 * len(operations)))
    started = time.monotonic()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run_cases(
                app, session, operation.as_strategy(generation_mode=mode), per_operation, tally
            )
    tally.seconds = time.monotonic() - started
    return tally


def run_cases(
    app: ThreadedApp, session: requests.Session, strategy: Any, count: int, tally: Tally
) -> None:
    @generated(count)
    @given(case=strategy)
    def one(case: Any) -> None:
        before = app.count("deals")
        bearer = {"Authorization": f"Bearer {API_TOKEN}"}
        headers = {} if case.path == "/api/intake/hubspot" else bearer
        answer = case.call(base_url=app.url, session=session, headers=headers)
        tally.add(answer.status_code)
        if answer.status_code >= 400 and app.count("deals") != before:
            tally.stored_from_refused += 1

    one()


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fuzz", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--requests", type=int, default=10_000, help="requests in all")
    parser.add_argument(
        "--slack-share", type=float, default=0.7, help="share sent to Slack's endpoint"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    warnings.simplefilter("ignore")  # hypothesis's notes on strategies, not findings
    os.environ["DEALDESK_TEST_HUBSPOT_SECRET"] = HUBSPOT_SECRET
    os.environ["DEALDESK_TEST_SALESFORCE_SECRET"] = SALESFORCE_SECRET
    slack_count = int(options.requests * options.slack_share)
    with tempfile.TemporaryDirectory(prefix="dealdesk-fuzz-") as directory:
        folder = Path(directory)
        policy = folder / "policy.yml"
        policy.write_text(bundled_policy_path().read_text(encoding="utf-8") + INTAKE, "utf-8")
        with ThreadedApp(folder / "dealdesk.db", policy) as app, requests.Session() as session:
            session.post(
                f"{app.url}/api/deals",
                json={"company": "TechCorp", "acv": 500000, "discount": 12, "owner": "U0SARAH"},
                headers={"Authorization": f"Bearer {API_TOKEN}"},
                timeout=10,
            ).raise_for_status()
            slack = fuzz_slack(app, session, slack_count)
            api = fuzz_api(app, session, options.requests - slack_count)
            tracebacks = len(app.tracebacks)
    show(slack, api, tracebacks)
    harm = (
        slack.server_errors
        + api.server_errors
        + tracebacks
        + api.stored_from_refused
        + slack.decided_by_stranger
        + slack.unsigned_accepted
    )
    return 0 if harm == 0 else 1


def show(slack: Tally, api: Tally, tracebacks: int) -> None:
    table = Table(title="Bad input")
    table.add_column("measure")
    table.add_column("/slack/events", justify="right")
    table.add_column("intake API", justify="right")
    for name, left, right in [
        ("requests", f"{slack.sent:,}", f"{api.sent:,}"),
        ("answers by status", _statuses(slack), _statuses(api)),
        ("5xx answers", str(slack.server_errors), str(api.server_errors)),
        ("not signed by Slack, yet not 401", str(slack.unsigned_accepted), "–"),
        ("decisions by a stranger", str(slack.decided_by_stranger), "–"),
        ("deals stored from a refused request", "–", str(api.stored_from_refused)),
        ("time", f"{slack.seconds:.0f} s", f"{api.seconds:.0f} s"),
    ]:
        table.add_row(name, left, right)
    Console().print(table)
    Console().print(f"tracebacks in the log: {tracebacks}")


def _statuses(tally: Tally) -> str:
    return ", ".join(f"{status}: {n:,}" for status, n in sorted(tally.statuses.items()))
