"""Benches that need the test extras say so in one line instead of a traceback."""

from __future__ import annotations

import importlib.util
import sys


def require_test_extras(bench: str, *modules: str) -> None:
    """Exit 2 with one line naming what is missing and how to install it."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        print(
            f"{bench} needs the test extras ({', '.join(missing)} missing): run `make test` "
            "once, or `.venv/bin/pip install -e '.[test]'`",
            file=sys.stderr,
        )
        raise SystemExit(2)
