"""Slack, outbound only: the Web API gateway, the kinds of outbox work, the planner that
turns domain events into outbox rows, the sender that renders and sends one row, and the
delivery worker that claims rows fairly and keeps Slack's pace."""
