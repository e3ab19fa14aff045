"""Slack, outbound only: the Web API gateway, the planner that turns domain events into
outbox rows, and the sender that renders and sends one row (the outbox delivers it)."""
