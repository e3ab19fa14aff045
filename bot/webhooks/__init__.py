"""Deal events for other systems: the policy's ``webhooks:`` receive signed JSON, from the
outbox after commit, at least once, in order per deal, retried for a day."""
