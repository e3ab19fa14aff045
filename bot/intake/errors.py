"""What the intake API and the CRM endpoints answer when a request cannot go in: each
error has the code of its JSON answer (``{"error": code, "message": ...}``); the HTTP
status is the handler's (handlers/api.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from bot.core.errors import DealdeskError


class IntakeError(DealdeskError):
    code: ClassVar[str]

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


class ApiDisabled(IntakeError):
    code = "api_disabled"


class Unauthorized(IntakeError):
    code = "unauthorized"


class BodyTooLarge(IntakeError):
    code = "body_too_large"


class NotJson(IntakeError):
    code = "invalid_json"


class UnreadableBody(IntakeError):
    code = "bad_request"


class MissingParameter(IntakeError):
    code = "missing_parameter"


class UnknownDeal(IntakeError):
    code = "not_found"


class Conflict(IntakeError):
    code = "conflict"


class InvalidDeal(IntakeError):
    code = "invalid_deal"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        first: dict[str, str] = {}
        for field, message in problems:
            first.setdefault(field, message)  # one entry per field: its first problem
        self.errors = [{"field": field, "message": message} for field, message in first.items()]
        fields = ", ".join(first)
        super().__init__(f"the deal has {len(first)} invalid field(s): {fields}")

    def body(self) -> dict[str, Any]:
        return {**super().body(), "errors": self.errors}


class InvalidRecords(IntakeError):
    code = "invalid_record"

    def __init__(self, errors: list[dict[str, Any]], message: str | None = None) -> None:
        self.errors = errors
        fields = ", ".join(dict.fromkeys(f"{e['crm_field']} → {e['field']}" for e in errors))
        super().__init__(message or f"{len(errors)} field(s) could not be read: {fields}")

    def body(self) -> dict[str, Any]:
        return {**super().body(), "errors": self.errors}


class SlackUnavailable(IntakeError):
    code = "slack_unavailable"
    retry_after = 60
