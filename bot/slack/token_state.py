"""Slack refusing the bot token (revoked, the app uninstalled, the workspace gone): stop
calling it, keep everything queued, say so once a minute and on ``/healthz``, try the
token once a minute (an admin may have reactivated it), and go on at once when a new
token is configured."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger("dealdesk.slack")

AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
TRY_EVERY = 60.0
"""Seconds between two tries of a refused token (and between two log lines about it)."""
FIX = (
    "set a new SLACK_BOT_TOKEN (Slack app → OAuth & Permissions → Bot User OAuth Token) "
    "and restart serve (or, with the token in .env, send it SIGHUP); everything queued "
    "goes out then"
)


class TokenState:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.refused: str | None = None
        """Slack's error for the token, while it refuses it."""
        self._since = 0.0
        self._tried = 0.0
        self._calls_held = 0

    def may_call(self) -> bool:
        """False while the token is refused, except for one try a minute."""
        if self.refused is None:
            return True
        now = self._clock()
        if now - self._tried >= TRY_EVERY:
            self._tried = now
            return True
        self._calls_held += 1
        return False

    def refused_with(self, error: str) -> None:
        now = self._clock()
        first = self.refused is None
        if first:
            self._since = now
        self.refused = error
        if first or now - self._tried >= TRY_EVERY - 1 or self._tried == 0.0:
            log.error(
                "Slack refuses the bot token (%s) for %.0f s; %d calls held back, nothing "
                "is lost: %s",
                error,
                now - self._since,
                self._calls_held,
                FIX,
            )
        self._tried = now

    def accepted(self) -> None:
        if self.refused is not None:
            log.warning(
                "Slack accepts the bot token again after %.0f s", self._clock() - self._since
            )
            self.refused = None
            self._calls_held = 0

    @property
    def problem(self) -> str | None:
        if self.refused is None:
            return None
        return f"Slack refuses the bot token ({self.refused}): {FIX}"
