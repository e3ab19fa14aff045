"""Every error dealdesk shows to a person, in one tree.

- ``DealdeskError``: the base; ``str(error)`` is the message for the user.
  - ``UserInputError(field, message)``: a bad value in a deal, command or modal field.
  - ``InvalidTerms(errors)``: several bad deal fields at once, ``(field, message)`` each.
  - ``NotFound``: no such deal or approval.
  - ``NotAuthorized``: this person may not do this.
  - ``InvalidTransition``: the thing is not in a state that allows it (a decided
    approval, a finished deal).

Handlers map these to an ephemeral message or a modal field error; anything else is a
bug: logged with its traceback and shown to the user as a short correlation id.
"""

from __future__ import annotations


class DealdeskError(Exception):
    """Base of the errors a person is shown."""


class UserInputError(DealdeskError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidTerms(DealdeskError):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))
        self.errors = errors


class NotFound(DealdeskError):
    pass


class NotAuthorized(DealdeskError):
    pass


class InvalidTransition(DealdeskError):
    pass
