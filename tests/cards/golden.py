"""Golden files: a surface's ``to_dict()`` compared with JSON under ``tests/cards/golden/``.

``UPDATE_GOLDEN=1 pytest tests/cards`` rewrites the files; review the diff before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden"


def render(payload: Any) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def assert_golden(name: str, payload: Any) -> None:
    path = GOLDEN / f"{name}.json"
    actual = render(payload)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path.name} is missing: run with UPDATE_GOLDEN=1 to write it"
    expected = path.read_text(encoding="utf-8")
    assert json.loads(actual) == json.loads(expected), (
        f"{path.name} differs from what the builder makes now; "
        "if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff"
    )
