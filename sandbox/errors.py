"""The one error of the sandbox page's requests."""


class SandboxError(Exception):
    """A page request the sandbox cannot do; the message says why (HTTP 400)."""
