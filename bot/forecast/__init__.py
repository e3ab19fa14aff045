"""The quarter-end forecast: which deals in review will clear approval before the quarter
closes, simulated from how each approver has actually answered (bot.forecast.speeds),
and whom to nudge (bot.forecast.desk)."""
