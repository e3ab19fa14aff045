"""The morning round: briefings, the channel digest and stalled-deal nudges.

Every minute (bot.jobs.scheduler) :func:`bot.briefings.morning.run_morning` finds who is due
a briefing at their own local time, composes all of them in bulk
(:func:`bot.briefings.compose.compose_briefings`), claims each in the database in the
same transaction that queues its message in the outbox, then does the same for the
deal channel's digest and for stalled deals' nudges. Each is claimed by one conditional
write, so restarts and a second ``serve`` process never send anything twice.
"""
