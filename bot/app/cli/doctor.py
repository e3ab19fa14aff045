"""``dealdesk doctor``: is this installation ready? One line per check, with the fix.

It reads the same settings ``serve`` does and asks Slack and the database what ``serve``
will need: the bot token (``auth.test``) and its scopes, the signing secret (or the
Socket Mode token), the database reachable and migrated, the policy valid, every Slack
user the policy names a real person, the channels it posts in joined, each CRM it takes
deals from with its secret set, and each webhook receiver reachable with its secret set.
Exit 1 when anything fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

import aiohttp
import typer
from rich.markup import escape
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.cli.common import console, run
from bot.app.settings import Settings, SettingsError, load_settings
from policies.loader import PolicyError, load_policy_file
from policies.model import Policy
from store.db import Database
from store.migrate import current_revision, head_revision

SCOPES: Final = frozenset(
    {
        "channels:history",
        "chat:write",
        "commands",
        "groups:history",
        "im:history",
        "im:write",
        "users:read",
        "users:read.email",
    }
)
"""The bot scopes manifest.yml asks for (tests/slack/test_manifest.py holds them equal)."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None
    """None: could not be checked (not a failure)."""
    said: str
    fix: str = ""


def doctor(
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="Check for Socket Mode instead of HTTP.")
    ] = False,
) -> None:
    """Check that this installation is ready, with what to do.

    The Slack token and its scopes, the signing secret (or Socket Mode token), the
    database, the policy, every Slack user the policy names and the channels it posts
    in: one line each, with the fix. Exit 1 when anything fails."""
    try:
        config = load_settings()
    except SettingsError as error:
        _show([Check("settings", False, str(error), "fix that variable (or .env) and run again")])
        raise typer.Exit(1) from None
    checks = run(_checks(config, socket_mode))
    _show(checks)
    if any(check.ok is False for check in checks):
        raise typer.Exit(1)


async def _checks(config: Settings, socket_mode: bool) -> list[Check]:
    checks = [_secrets(config, socket_mode), await _database(config.database_url)]
    policy_check, policy = _policy(config)
    checks.append(policy_check)
    if policy is not None:
        checks += _intake(policy, config)
        checks += await _webhooks(policy, config)
    token = config.slack_bot_token.get_secret_value() if config.slack_bot_token else ""
    if not token:
        checks.append(
            Check(
                "Slack token",
                False,
                "SLACK_BOT_TOKEN is not set",
                "copy the Bot User OAuth Token (OAuth & Permissions) into SLACK_BOT_TOKEN",
            )
        )
        return checks
    client = AsyncWebClient(token=token, base_url=config.slack_api_url, timeout=10)
    try:
        slack = await _token(client)
        checks += slack
        if policy is not None and slack[0].ok:  # the token works: ask Slack about the rest
            checks += await _people(client, policy)
            checks += await _channels(client, policy)
    finally:
        if client.session is not None:
            await client.session.close()
    return checks


def _secrets(config: Settings, socket_mode: bool) -> Check:
    if socket_mode:
        if config.slack_app_token is None:
            return Check(
                "Socket Mode token",
                False,
                "SLACK_APP_TOKEN is not set",
                "create an app-level token with connections:write (Basic Information → "
                "App-Level Tokens) and set SLACK_APP_TOKEN",
            )
        return Check("Socket Mode token", True, "SLACK_APP_TOKEN is set")
    if config.slack_signing_secret is None:
        return Check(
            "signing secret",
            False,
            "SLACK_SIGNING_SECRET is not set: requests from Slack cannot be verified",
            "copy Basic Information → App Credentials → Signing Secret into it "
            "(or run with --socket-mode)",
        )
    return Check("signing secret", True, "SLACK_SIGNING_SECRET is set")


async def _database(url: str) -> Check:
    database = Database.connect(url)
    try:
        await database.ping()
        at = await current_revision(database)
    except Exception as error:  # any driver's "cannot reach" is the same answer here
        return Check(
            "database",
            False,
            f"cannot reach it: {' '.join(str(error).split())[:160]}",
            "check DATABASE_URL, and that the database server runs",
        )
    finally:
        await database.dispose()
    head = head_revision()
    if at != head:
        return Check(
            "database",
            False,
            f"reachable, at schema {at or 'none'}, not {head}",
            "run `dealdesk db upgrade` (serve also upgrades it when it starts)",
        )
    return Check("database", True, f"reachable and migrated (schema {head})")


def _policy(config: Settings) -> tuple[Check, Policy | None]:
    path = config.dealdesk_policy
    try:
        loaded = load_policy_file(path)
    except PolicyError as error:
        first = error.issues[0] if error.issues else "invalid"
        return (
            Check(
                "policy",
                False,
                f"{path}: {len(error.issues)} problem(s), the first: {first}",
                f"run `dealdesk policy check {path}` for all of them",
            ),
            None,
        )
    policy = loaded.policy
    said = (
        f"{path}: {len(policy.approvers)} approvers, {len(policy.stages)} stages "
        f"(version {loaded.version[:12]})"
    )
    return Check("policy", True, said), policy


async def _token(client: AsyncWebClient) -> list[Check]:
    try:
        answer = await client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error") or f"HTTP {error.response.status_code}"
        return [
            Check(
                "Slack token",
                False,
                f"Slack refused it ({code})",
                "copy the Bot User OAuth Token (xoxb-…, OAuth & Permissions) into "
                "SLACK_BOT_TOKEN (reinstall the app if it was revoked), then restart serve "
                "or send it SIGHUP: what waited for Slack goes out then, once",
            )
        ]
    except Exception as error:  # network trouble of any kind
        return [
            Check(
                "Slack token",
                False,
                f"Slack did not answer: {type(error).__name__}",
                "check SLACK_API_URL and this machine's way out to slack.com",
            )
        ]
    token = Check(
        "Slack token",
        True,
        f"the bot @{answer.get('user')} ({answer.get('user_id')}) in {answer.get('team')}",
    )
    granted = {s.strip() for s in answer.headers.get("x-oauth-scopes", "").split(",") if s}
    if not granted:
        return [token, Check("scopes", None, "Slack did not list the token's scopes")]
    missing = sorted(SCOPES - granted)
    if missing:
        return [
            token,
            Check(
                "scopes",
                False,
                f"the token lacks {', '.join(missing)}",
                "add them under OAuth & Permissions → Bot Token Scopes (manifest.yml has "
                "them all) and reinstall the app",
            ),
        ]
    return [token, Check("scopes", True, ", ".join(sorted(SCOPES)))]


async def _people(client: AsyncWebClient, policy: Policy) -> list[Check]:
    """Every Slack user the policy names: a person of this workspace, not deleted or a bot."""
    named = [
        (f"approvers.{approver_id}", approver.slack_user)
        for approver_id, approver in policy.approvers.items()
        if approver.slack_user
    ] + [("admins", admin) for admin in policy.admins]
    problems = []
    for where, user in named:
        assert user is not None
        try:
            found = (await client.users_info(user=user))["user"]
        except SlackApiError as error:
            code = error.response.get("error")
            if code == "missing_scope":
                return [Check("people", None, "not checked (that needs users:read)")]
            problems.append(f"{where}: {user} ({code})")
            continue
        if found.get("deleted") or found.get("is_bot"):
            problems.append(
                f"{where}: {user} is {'deactivated' if found.get('deleted') else 'a bot'}"
            )
    if problems:
        return [
            Check(
                "people",
                False,
                "; ".join(problems),
                "use each person's member ID (their Slack profile → ⋮ → Copy member ID)",
            )
        ]
    return [Check("people", True, f"all {len(named)} Slack users the policy names are people")]


async def _channels(client: AsyncWebClient, policy: Policy) -> list[Check]:
    checks = []
    for key, channel in (
        ("deal_channel", policy.deal_channel),
        ("escalation_channel", policy.escalation_channel),
    ):
        if channel is None:
            continue
        try:
            found = (await client.conversations_info(channel=channel))["channel"]
        except SlackApiError as error:
            code = error.response.get("error")
            if code == "missing_scope":
                checks.append(
                    Check(key, None, f"{channel}: not checked (that needs channels:read)")
                )
            else:
                checks.append(Check(key, False, f"{channel}: {code}", "use the channel's ID (C…)"))
            continue
        if not found.get("is_member"):
            checks.append(
                Check(
                    key,
                    False,
                    f"{channel}: the bot is not in it, so it cannot post there",
                    "in Slack, open the channel and type /invite @dealdesk",
                )
            )
        else:
            checks.append(Check(key, True, f"{channel}: joined"))
    return checks


def _intake(policy: Policy, config: Settings) -> list[Check]:
    """Each CRM the policy takes deals from: the secret its requests are verified with."""
    checks = []
    hubspot, salesforce = policy.intake.hubspot, policy.intake.salesforce
    if hubspot is not None:
        env = hubspot.secret_env
        ok = bool(config.secret(env))
        said = f"{env} is set" if ok else f"{env} is not set: every request will get 503"
        checks.append(
            Check("HubSpot intake", ok, said, "set it to the HubSpot app's client secret")
        )
    if salesforce is not None:
        ways = [
            name
            for name, present in (
                ("DEALDESK_API_TOKEN", config.dealdesk_api_token is not None),
                (salesforce.secret_env or "", bool(config.secret(salesforce.secret_env or ""))),
            )
            if name and present
        ]
        checks.append(
            Check(
                "Salesforce intake",
                bool(ways),
                f"requests verified with {' or '.join(ways)}" if ways else "nothing to verify with",
                "set DEALDESK_API_TOKEN (a bearer token), or the shared secret in "
                "intake.salesforce.secret_env",
            )
        )
    return checks


async def _webhooks(policy: Policy, config: Settings) -> list[Check]:
    """Each receiver: its secret set here, and its URL answering at all (any HTTP status:
    it is reached; only a connection that fails is a problem)."""
    checks = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        for hook in policy.webhooks:
            name = f"webhook {hook.url}"
            if not config.secret(hook.secret_env):
                checks.append(
                    Check(
                        name, False, f"{hook.secret_env} is not set", "set it to the shared secret"
                    )
                )
                continue
            try:
                async with session.head(hook.url) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError, OSError) as error:
                checks.append(
                    Check(
                        name,
                        False,
                        f"not reached ({type(error).__name__})",
                        "check the URL and that the receiver runs; deliveries wait meanwhile",
                    )
                )
                continue
            checks.append(Check(name, True, f"answers (HTTP {status})"))
    return checks


def _show(checks: list[Check]) -> None:
    marks = {True: "[green]✓[/]", False: "[bold red]✗[/]", None: "[yellow]–[/]"}
    for check in checks:
        fix = f" [dim]→ {escape(check.fix)}[/]" if check.fix and check.ok is False else ""
        console.print(
            f"{marks[check.ok]} {escape(check.name)}: {escape(check.said)}{fix}",
            highlight=False,
            soft_wrap=True,
        )
    failed = sum(1 for check in checks if check.ok is False)
    console.print(f"[bold red]{failed} check(s) failed.[/]" if failed else "[green]Ready.[/]")
