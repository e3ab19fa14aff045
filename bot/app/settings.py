"""Settings, read once at start-up from the environment (and a ``.env`` file)."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import dotenv_values
from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from policies.loader import bundled_policy_path
from store.db import DatabaseUrlError, parse_database_url

ENV_FILE = ".env"


class SettingsError(Exception):
    """A missing or malformed setting; the message is one line naming the variable."""


class Settings(BaseSettings):
    """The environment of CONTRACT.md. Names are the variables' names, case-insensitive."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite+aiosqlite:///dealdesk.db"
    dealdesk_policy: Path = Field(default_factory=bundled_policy_path)
    dealdesk_api_token: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=1, le=65535)
    _dotenv: dict[str, str | None] | None = PrivateAttr(default=None)

    def secret(self, name: str) -> str:
        """A secret the policy names by its variable (a webhook's or a CRM's
        ``secret_env``), found as every setting is: in the environment, else in ``.env``."""
        if name in os.environ:
            return os.environ[name]
        if self._dotenv is None:  # read once, when a secret is first asked for
            self._dotenv = dotenv_values(ENV_FILE) if Path(ENV_FILE).is_file() else {}
        return self._dotenv.get(name) or ""

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        try:
            parse_database_url(value)
        except DatabaseUrlError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError(
                "a bot token starts with xoxb- (OAuth & Permissions in your app's settings)"
            )
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError(
                "an app-level token starts with xapp- (Basic Information, App-Level Tokens)"
            )
        return value


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise SettingsError with one line naming the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{variable}: {message}") from None
