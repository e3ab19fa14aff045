"""The ``dealdesk`` command line (CONTRACT.md, CLI)."""

from __future__ import annotations

import typer

from bot.app.cli import (
    approval,
    audit,
    db,
    doctor,
    policy,
    policy_changes,
    policy_test,
    report,
    report_avatars,
    report_forecast,
    sandbox,
    serve,
    simulate,
    webhooks,
)

app = typer.Typer(
    name="dealdesk",
    help="dealdesk: a Slack deal desk that routes deals through your authority matrix.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    add_completion=False,
)
for name, command in (
    ("apply", policy_changes.apply),
    ("diff", policy_changes.diff),
    ("migrate", policy_changes.migrate),
    ("test", policy_test.run_tests),
):
    policy.app.command(name=name)(command)
app.add_typer(policy.app, name="policy")
app.add_typer(audit.app, name="audit")
app.add_typer(db.app, name="db")
report.app.command(name="avatars")(report_avatars.avatars)
report.app.command(name="forecast")(report_forecast.forecast)
app.add_typer(report.app, name="report")
app.add_typer(approval.app, name="approval")
app.add_typer(webhooks.app, name="webhooks")
simulate.register(app)
serve.register(app)
sandbox.register(app)
app.command(name="doctor")(doctor.doctor)


def main() -> None:
    app()
