"""The real app with a FakeSlack on an event loop of its own thread, for tests that call
it synchronously over HTTP: hypothesis and schemathesis, which do not drive asyncio.

It watches the log for tracebacks (a record with ``exc_info``) and can count rows in its
SQLite file while it runs."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path

from tests.api.conftest import with_people
from tests.support.app_server import running_app
from tests.support.fake_slack import FakeSlack


class ThreadedApp:
    def __init__(self, database: Path, policy: Path) -> None:
        self.url = ""
        self.response_url = ""
        """Where the app answers commands and clicks: a FakeSlack hook that answers."""
        self.tracebacks: list[str] = []
        self._database = database
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(
            target=self._loop.run_until_complete,
            args=(self._run(f"sqlite+aiosqlite:///{database}", policy),),
        )
        self._watch = _Tracebacks(self.tracebacks)

    def count(self, table: str) -> int:
        with sqlite3.connect(self._database) as connection:
            [(count,)] = connection.execute(f"SELECT count(*) FROM {table}").fetchall()
        return int(count)

    def rows(self, query: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self._database) as connection:
            return list(connection.execute(query).fetchall())

    async def _run(self, database_url: str, policy: Path) -> None:
        self._stop = asyncio.Event()
        async with (
            FakeSlack() as slack,
            running_app(database_url, policy, with_people(slack)) as app,
        ):
            self.url = app.url
            self.response_url = slack.response_url("fuzz")
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> ThreadedApp:
        logging.getLogger().addHandler(self._watch)
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the app did not start")
        return self

    def __exit__(self, *_: object) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        self._loop.close()
        logging.getLogger().removeHandler(self._watch)


class _Tracebacks(logging.Handler):
    """Every log record that carries a traceback."""

    def __init__(self, found: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self._found = found

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self._found.append(self.format(record))
