"""Who is there to decide: Slack statuses read for out of office, before a card or a
reminder goes to someone."""
