"""Work that runs on a clock: the deadline scheduler (reminders, timeouts, delegation
ends, the morning round) and what is due at a given moment (run_due), each piece in its
own unit of work."""
