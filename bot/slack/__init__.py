"""Slack delivery: domain events become outbox rows, delivered after commit with retries."""
