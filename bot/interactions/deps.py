"""What the listeners of ``dealdesk serve`` (Slack's and the HTTP API's) and their helpers
get: the engine's Deps, plus the Slack gateway, the decision journal, the metrics and the
intake API's token. Built once by the composition root (bot.app.wiring)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr

from bot.core.deps import Deps
from bot.core.secrets import NamedSecret
from bot.slack.gateway import SlackGateway
from bot.web.monitoring import Metrics
from bot.workflow.journal import DecisionJournal
from bot.workflow.submissions import Submissions


@dataclass(kw_only=True)
class ServeDeps(Deps):
    gateway: SlackGateway
    journal: DecisionJournal
    submissions: Submissions = field(init=False)
    """Deals posted to the intake API, stored together (bot.workflow.submissions), through
    these deps."""
    metrics: Metrics
    secret: NamedSecret
    """The secrets the policy names (a CRM's ``secret_env``): ``Settings.secret``."""
    api_token: SecretStr | None = None
    """DEALDESK_API_TOKEN: None answers the intake API with 503."""

    def __post_init__(self) -> None:
        self.submissions = Submissions(self)
