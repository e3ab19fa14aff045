"""What people are told while the database is away: nothing they did was half-done,
and what to do. One home for the words, so a click, a command and the intake API say it
alike."""

from __future__ import annotations

import logging
import sys

from store.availability import is_unavailable

NOT_RECORDED = (
    "dealdesk cannot record decisions right now; your click was not recorded, try again "
    "in a minute."
)
NOT_DONE = (
    "dealdesk cannot reach its database right now, so that could not be done and nothing "
    "was changed; try again in a minute."
)
RETRY_AFTER = 30
"""Seconds the intake API tells a CRM to wait before sending again."""


class NotRecorded(Exception):
    """The database did not take a click in time: it is not in the journal (and never
    will be), so the clicker must be told to click again."""


def database_down(error: BaseException) -> bool:
    """The database did not take the work (unreachable, locked, or too slow to answer in
    time): nothing was written, and trying again later is the fix."""
    return isinstance(error, NotRecorded) or is_unavailable(error)


def log_failure(log: logging.Logger, message: str, *args: object) -> None:
    """In an ``except`` block: the traceback for a bug; nothing for the database being
    away, which store.availability already logs once a minute."""
    error = sys.exc_info()[1]
    if error is not None and database_down(error):
        return
    log.exception(message, *args)
