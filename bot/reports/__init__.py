"""Reports over the stored history: the SLO report (bot.reports.slo), loaded by
bot.reports.history."""
