"""``/deal``: one slash command, its subcommands in a table (bot.commands.dispatch)."""

from bot.commands.dispatch import COMMAND, SUBCOMMANDS, run_deal_command

__all__ = ["COMMAND", "SUBCOMMANDS", "run_deal_command"]
