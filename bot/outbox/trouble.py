"""What a sender raises when a row did not go: the delivery loop's one signal for retry
later, give up, or slow down, whoever the receiver is."""

from __future__ import annotations

RATE_LIMITED = "ratelimited"
"""The error of a receiver that asked us to slow down (Slack's name for its 429)."""


class DeliveryTrouble(Exception):
    """A delivery that did not work: whether trying again can help, after how long the
    receiver asked to wait, and which method it called (``chat.postMessage``, ``webhook``)."""

    def __init__(
        self,
        error: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        method: str | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.retryable = retryable
        self.retry_after = retry_after
        self.method = method

    @property
    def rate_limited(self) -> bool:
        return self.error == RATE_LIMITED
