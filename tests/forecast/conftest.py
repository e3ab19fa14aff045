"""The real app against a FakeSlack, as in tests/slack, for ``/deal report forecast``."""

from tests.slack.conftest import app, slack

__all__ = ["app", "slack"]
