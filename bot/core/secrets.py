"""How code that signs or verifies finds a secret the policy names by its variable."""

from __future__ import annotations

from collections.abc import Callable

NamedSecret = Callable[[str], str]
"""The value of the variable a policy names for a secret (``secret_env``), "" when it is
set nowhere: ``Settings.secret``, which reads the environment and then ``.env``."""
