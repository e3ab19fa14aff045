"""The HTTP endpoints beside Slack's: the deal intake API, and health and metrics."""
