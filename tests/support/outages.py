"""The database going away, for the tests and bench/outage.py: another process holding
SQLite's write lock, and a TCP proxy in front of PostgreSQL that can be cut (every
connection dropped, new ones refused) and restored, as a server stop does to the app,
without stopping the server the rest of the suite uses."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import make_url

HOLD_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
connection.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
"""


class SqliteWriteLock:
    """Another process holding ``path``'s write lock until :meth:`release`. Both wait for
    the other process: call them off the event loop (``asyncio.to_thread``) when the app
    shares it, or a write the app has begun can never finish and the holder never gets
    the lock."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._process: subprocess.Popen[str] | None = None

    def hold(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(self._path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        if self._process.stdout.readline().strip() != "held":
            _, said = self._process.communicate(timeout=30)
            self._process = None
            raise RuntimeError(f"the lock holder did not get the lock: {said.strip()[-300:]}")

    def release(self) -> None:
        if self._process is None:
            return
        self._process.communicate("\n", timeout=30)  # also closes its pipes
        self._process = None


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    assert database, database_url
    return Path(database)


class TcpCut:
    """A TCP proxy to ``host:port``; :meth:`cut` drops every connection and refuses new
    ones (as a stopped server does), :meth:`restore` lets them through again."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def restore(self) -> None:
        await self.start()

    def url_for(self, database_url: str) -> str:
        """``database_url`` through the proxy."""
        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._open.update({writer, upstream_writer})

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(copy(reader, upstream_writer), copy(upstream_reader, writer))
        self._open.difference_update({writer, upstream_writer})


@contextlib.asynccontextmanager
async def proxied(database_url: str) -> AsyncIterator[tuple[TcpCut, str]]:
    """A TcpCut in front of ``database_url``'s server, and the URL through it."""
    parsed = make_url(database_url)
    cut = TcpCut(parsed.host or "127.0.0.1", parsed.port or 5432)
    await cut.start()
    try:
        yield cut, cut.url_for(database_url)
    finally:
        await cut.cut()
