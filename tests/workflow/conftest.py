"""Workflow tests run under the test matrix (tests.support.matrix) unless they ask for another
policy by parametrizing ``policy_file``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.matrix import MATRIX


@pytest.fixture
def policy_file(write_policy: Callable[[str], Path]) -> Path:
    return write_policy(MATRIX)
