"""A long run of ``dealdesk sandbox`` (the real app beside a local Slack workspace, in one
process, on a clock the page moves ahead): a steady mix of deals, decisions, reasons,
edits, ``/deal`` commands, Home visits, and the clock moving an hour at a time (SLAs pass,
backups take over, admins are asked) and to each morning's briefing. The process's
resident memory and open file descriptors are sampled as it goes.

Used by ``bench/soak.py`` (an hour) and by tests/outage/test_soak.py (a minute).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from sandbox.requests import state_values
from tests.support.processes import DEALDESK, free_port, run_dealdesk, wait_until_healthy

PRESETS = ("techcorp", "northwind", "tinyco")
OWNER = "U0SARAH"
DECISIONS = (("approval_approve", 0.8), ("approval_reject", 0.1), ("approval_request_changes", 0.1))
REASON = {"reason_input": "Soak: the numbers do not work for this quarter."}
HOME_APPROVE = "home_approve"
MODAL_CHECKS, MODAL_CHECK_EVERY = 30, 0.1
COMMANDS = ("/deal inbox", "/deal status", "/deal help", "/deal audit {deal}")


@dataclass(frozen=True)
class Sample:
    seconds: float
    rss_mb: float
    fds: int
    rounds: int
    virtual_days: float


@dataclass
class SoakFigures:
    seconds: float
    samples: list[Sample]
    done: Counter[str]
    """What the driver did: deals, decisions by kind, reasons, edits, commands, clock moves."""
    audit: dict[str, int]
    """The audit log's events by action, read from the database after the run."""
    refused: int
    """Page actions the sandbox refused (a card changed under the click): not errors."""
    failures: list[str] = field(default_factory=list)
    verified: bool = False

    def growth(self, baseline_at: float) -> tuple[Sample, Sample, float]:
        """The sample at ``baseline_at`` seconds (or the first after it), the last one, and
        the resident memory's growth between them as a fraction."""
        later = [sample for sample in self.samples if sample.seconds >= baseline_at]
        first = later[0] if later else self.samples[0]
        last = self.samples[-1]
        return first, last, last.rss_mb / first.rss_mb - 1


def resident(pid: int) -> tuple[float, int]:
    """Resident memory (MB) and open file descriptors of process ``pid``."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    rss_kb = int(status.split("VmRSS:")[1].split()[0])
    return rss_kb / 1024, len(os.listdir(f"/proc/{pid}/fd"))


def prefilled(view: dict[str, Any]) -> dict[str, str]:
    """What a form shows when it opens, as ``state_values`` takes typed inputs."""
    typed: dict[str, str] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if block.get("type") != "input" or "action_id" not in element:
            continue
        if element.get("type") == "checkboxes":
            chosen = element.get("initial_options") or []
            typed[element["action_id"]] = ",".join(option["value"] for option in chosen)
        elif element.get("initial_value"):
            typed[element["action_id"]] = str(element["initial_value"])
    return typed


class Driver:
    """Acts as the policy's people on the sandbox page, one round at a time."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, seed: int, *, deal_every: int = 1
    ) -> None:
        self._session = session
        self._deal_every = deal_every
        self._url = url
        self._random = random.Random(seed)
        self.done: Counter[str] = Counter()
        self.refused = 0
        self.rounds = 0
        self._people: list[str] = []
        self._deals: list[str] = []
        self._answered: deque[str] = deque(maxlen=200)
        """Change requests the owner has answered (their Resubmit buttons stay)."""
        self.virtual_start: datetime | None = None
        self.virtual_now: datetime | None = None

    async def page(self, path: str, body: Any = None) -> Any:
        """One call to the page's API; a refusal (4xx) is counted, a 5xx raises."""
        call = self._session.get if body is None else self._session.post
        async with call(f"{self._url}{path}", json=body) as response:
            answer = await response.json(content_type=None)
            if response.status >= 500:
                raise AssertionError(f"{path}: HTTP {response.status}: {answer}")
            if response.status >= 400:
                self.refused += 1
                return None
            return answer

    async def start(self) -> None:
        state = await self.page(f"/sandbox/state?as={OWNER}")
        self._people = [person["id"] for person in state["people"] if person["id"] != OWNER]

    async def round(self) -> None:
        """A deal, a few decisions, the owner's edits, a command, a Home visit, an hour."""
        self.rounds += 1
        if self.rounds % self._deal_every == 0:
            sent = await self.page("/sandbox/deal", {"preset": self._random.choice(PRESETS)})
            if sent is not None:
                self._deals.append(str(sent["deal"]["id"]))
                self._deals = self._deals[-50:]
                self.done["deals"] += 1
        for person in self._random.sample(self._people, k=min(3, len(self._people))):
            await self._decide(person, f"D{person}", cards=2)
        await self._edit()
        await self._command(self._random.choice([OWNER, *self._people]))
        if self.rounds % 2 == 0:  # Home lists all that waits, however old its card
            await self._decide_on_home(self._random.choice(self._people), cards=3)
        step = "briefing" if self.rounds % 24 == 0 else "1h"
        moved = await self.page("/sandbox/clock", {"advance": step})
        if moved is not None:
            self.virtual_now = datetime.fromisoformat(moved["now"])
            self.virtual_start = self.virtual_start or self.virtual_now
        self.done["briefing mornings" if step == "briefing" else "hours passed"] += 1

    @property
    def virtual_days(self) -> float:
        """Days the sandbox's clock has moved on since the first round."""
        if self.virtual_start is None or self.virtual_now is None:
            return 0.0
        return (self.virtual_now - self.virtual_start) / timedelta(days=1)

    async def _decide(self, person: str, where: str, *, cards: int) -> None:
        state = await self.page(f"/sandbox/state?as={person}&in={where}")
        if state is None:
            return
        waiting = [m for m in state["conversation"]["messages"] if _button(m, DECISIONS[0][0])]
        for message in waiting[-cards:]:
            action = self._random.choices(
                [name for name, _ in DECISIONS], [weight for _, weight in DECISIONS]
            )[0]
            found = _button(message, action) or _button(message, DECISIONS[0][0])
            assert found is not None
            block_id, element = found
            asks_reason = action != DECISIONS[0][0]
            told = await self._last_told(person, where) if asks_reason else 0.0
            clicked = await self._click(person, where, message["ts"], block_id, element)
            if not clicked:
                continue
            self.done[action.removeprefix("approval_").replace("_", " ")] += 1
            if asks_reason:
                await self._submit_open_form(person, where, told, lambda _: dict(REASON), "reasons")

    async def _decide_on_home(self, person: str, *, cards: int) -> None:
        """Open Home and approve its oldest waiting approvals (cards that scrolled out of
        the DM's history are decided here, so nothing piles up)."""
        if await self.page("/sandbox/home", {"as": person}) is None:
            return
        self.done["home visits"] += 1
        state = await self.page(f"/sandbox/state?as={person}&in=home")
        home = (state or {}).get("home") or {}
        waiting = [
            (str(block.get("block_id") or ""), element)
            for block in home.get("blocks") or []
            for element in block.get("elements") or []
            if isinstance(element, dict) and element.get("action_id") == HOME_APPROVE
        ]
        for block_id, element in waiting[:cards]:
            body = {
                "as": person,
                "container": {"type": "view", "view_id": home["id"]},
                "block_id": block_id,
                "action": {"action_id": HOME_APPROVE, "value": element.get("value")},
            }
            if await self.page("/sandbox/act", body) is not None:
                self.done["approve on Home"] += 1

    async def _edit(self) -> None:
        """The owner answers a change request: opens the deal again and lowers the discount."""
        state = await self.page(f"/sandbox/state?as={OWNER}&in=D{OWNER}")
        if state is None:
            return
        asked = [
            m
            for m in state["conversation"]["messages"]
            if _button(m, "deal_resubmit_open") and m["ts"] not in self._answered
        ]
        if not asked:
            return
        message = asked[-1]
        self._answered.append(message["ts"])  # its button stays; a person does not press it again
        found = _button(message, "deal_resubmit_open")
        assert found is not None
        block_id, element = found
        if await self._click(OWNER, f"D{OWNER}", message["ts"], block_id, element):
            await self._submit_open_form(
                OWNER, f"D{OWNER}", _told_in(state), _lower_discount, "edits"
            )

    async def _command(self, person: str) -> None:
        text = self._random.choice(COMMANDS)
        if "{deal}" in text:
            if not self._deals:
                return
            text = text.format(deal=self._random.choice(self._deals))
        if await self.page("/sandbox/command", {"as": person, "text": text}) is not None:
            self.done["commands"] += 1

    async def _click(
        self, person: str, where: str, ts: str, block_id: str, element: dict[str, Any]
    ) -> bool:
        body = {
            "as": person,
            "container": {"type": "message", "channel": where, "ts": ts},
            "block_id": block_id,
            "action": {"action_id": element["action_id"], "value": element.get("value")},
        }
        return await self.page("/sandbox/act", body) is not None

    async def _submit_open_form(
        self,
        person: str,
        where: str,
        told: float,
        inputs: Callable[[dict[str, Any]], dict[str, str]],
        counted: str,
    ) -> None:
        """Fill in and submit the form a click opened, once it is open: the app opens it
        after answering the click, or tells the clicker in ``where`` why not."""
        modal = await self._modal_of(person, where, told)
        if modal is None:
            return
        view = modal["view"]
        values = state_values(view, inputs(view))
        submitted = {"as": person, "view_id": view["id"], "state": values}
        if await self.page("/sandbox/submit", submitted) is not None:
            self.done[counted] += 1

    async def _last_told(self, person: str, where: str) -> float:
        state = await self.page(f"/sandbox/state?as={person}&in={where}")
        return _told_in(state) if state is not None else 0.0

    async def _modal_of(self, person: str, where: str, told: float) -> dict[str, Any] | None:
        """The modal open for ``person``; None once the app says why not (a message only
        they see, newer than ``told``) or the click's trigger has expired."""
        for _ in range(MODAL_CHECKS):
            state = await self.page(f"/sandbox/state?as={person}&in={where}")
            if modal := (state or {}).get("modal"):
                return dict(modal)
            if state is None or _told_in(state) > told:
                return None
            await asyncio.sleep(MODAL_CHECK_EVERY)
        return None


def _told_in(state: dict[str, Any]) -> float:
    """When the app last told the person something only they see, in this conversation."""
    return max((float(e["ts"]) for e in state["conversation"]["ephemerals"]), default=0.0)


def _button(message: dict[str, Any], action_id: str) -> tuple[str, dict[str, Any]] | None:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return str(block.get("block_id") or ""), element
    return None


def _lower_discount(view: dict[str, Any]) -> dict[str, str]:
    typed = prefilled(view)
    discount = float(typed.get("deal_discount_input") or 0)
    typed["deal_discount_input"] = f"{max(0.0, discount - 2):g}"
    return typed


async def run_soak(
    directory: Path,
    *,
    seconds: float,
    sample_every: float,
    seed: int = 7,
    database_url: str | None = None,
    pace: float = 0.0,
    deal_every: int = 1,
) -> SoakFigures:
    """Run the sandbox for ``seconds`` under the driver; sample it every ``sample_every``.
    ``database_url``: an empty database to run on (default: a SQLite file in ``directory``).
    ``pace``: the least seconds a round takes; ``deal_every``: rounds per new deal. Slack
    takes one post a second in a channel and a deal makes about four in the deal
    channel: faster than that, the outbox only grows, which a long run must not measure."""
    url = database_url or f"sqlite+aiosqlite:///{directory / 'soak.db'}"
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(directory), "COLUMNS": "200"}
    log = (directory / "sandbox.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        DEALDESK, "sandbox", "--port", str(port), "--database", url, "--log-level", "warning",
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    page = f"http://127.0.0.1:{port}"
    samples: list[Sample] = []
    failures: list[str] = []
    started = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        driver = Driver(session, page, seed, deal_every=deal_every)
        try:
            await wait_until_healthy(session, page, process, path="/sandbox/state")
            await driver.start()
            started = time.monotonic()
            next_sample = 0.0
            while (elapsed := time.monotonic() - started) < seconds:
                if elapsed >= next_sample:
                    rss, fds = resident(process.pid)
                    samples.append(Sample(elapsed, rss, fds, driver.rounds, driver.virtual_days))
                    next_sample += sample_every
                began = time.monotonic()
                await driver.round()
                await asyncio.sleep(max(0.0, pace - (time.monotonic() - began)))
            rss, fds = resident(process.pid)
            at = time.monotonic() - started
            samples.append(Sample(at, rss, fds, driver.rounds, driver.virtual_days))
        except AssertionError as error:
            failures.append(str(error))
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)
            log.close()
    code, printed = await run_dealdesk({**env, "DATABASE_URL": url}, "audit", "verify")
    if code != 0:
        failures.append(f"dealdesk audit verify: {printed.strip()}")
    return SoakFigures(
        seconds=time.monotonic() - started,
        samples=samples,
        done=driver.done,
        audit=await _audit_actions(url),
        refused=driver.refused,
        failures=failures,
        verified=code == 0,
    )


async def _audit_actions(url: str) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            query = text("SELECT action, count(*) FROM audit_events GROUP BY action")
            return {str(action): int(count) for action, count in await connection.execute(query)}
    finally:
        await engine.dispose()
