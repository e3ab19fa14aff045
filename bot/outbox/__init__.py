"""The outbox: work written in the transaction of the change that caused it, delivered after
commit by one loop (its order, pace and retries) to its senders, Slack's (bot.slack) and
the webhook receivers' (bot.webhooks)."""
