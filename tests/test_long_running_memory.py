"""What keeps a long-running process's memory from creeping up below Python's objects:
free heap pages handed back to the system, and the database pool reusing its warm
connection instead of warming every one in turn."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import event, text

from bot.app import interpreter
from store.db import Database

linux_glibc = pytest.mark.skipif(
    interpreter._glibc() is None, reason="malloc_trim is glibc's (Linux)"
)

_FRAGMENTED = textwrap.dedent(
    """
    from pathlib import Path
    from bot.app import interpreter

    def resident_mb() -> float:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmRSS:")[1].split()[0]) / 1024

    interpreter.tune()
    buffers = [bytearray(4096) for _ in range(20_000)]  # 80 MB, malloc's, not pymalloc's
    pinned = bytearray(4096)  # allocated above them: the heap's top cannot shrink
    del buffers
    before = resident_mb()
    interpreter.release_memory()
    print(before, resident_mb())
    """
)


@linux_glibc
def test_released_memory_leaves_the_process_though_the_heap_top_is_in_use() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _FRAGMENTED], capture_output=True, text=True, check=True
    )
    before, after = map(float, done.stdout.split())
    assert before - after > 50, (before, after)


async def test_the_trimming_worker_stops_when_told() -> None:
    stop = asyncio.Event()
    worker = asyncio.create_task(interpreter.trim_memory(stop, every=0.01))
    await asyncio.sleep(0.05)  # a few rounds of releasing
    assert not worker.done()
    stop.set()
    await asyncio.wait_for(worker, 1)


async def test_sequential_reads_reuse_the_connection_returned_last(tmp_path: Path) -> None:
    db = Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}")
    used: list[int] = []
    event.listen(
        db.reader.sync_engine,
        "checkout",
        lambda dbapi_connection, _record, _proxy: used.append(id(dbapi_connection)),
    )
    try:

        async def read() -> None:
            async with db.read() as session:
                await session.execute(text("SELECT 1"))
                await asyncio.sleep(0.01)

        await asyncio.gather(*(read() for _ in range(5)))  # five connections open
        assert len(set(used)) == 5
        used.clear()
        for _ in range(10):
            await read()
        assert len(set(used)) == 1  # first in, first out would have gone round all five
    finally:
        await db.dispose()
