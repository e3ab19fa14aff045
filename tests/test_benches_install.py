"""Every bench starts in the environment ``make demo`` makes (no test extras): each
prints its help, and the one that needs the extras says so in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = ("pytest", "_pytest", "hypothesis", "schemathesis", "time_machine", "playwright")
RUN_WITHOUT_TEST_EXTRAS = f"""
import runpy, sys
sys.modules.update(dict.fromkeys({TEST_ONLY!r}))  # None: "No module named ..."
module = sys.argv[1]
sys.argv = [module, "--help"]
runpy.run_module(module, run_name="__main__")
"""
BENCHES = (
    "bench.briefings",
    "bench.burst",
    "bench.chaos",
    "bench.clicks",
    "bench.deadlines",
    "bench.outage",
)


def run_without_test_extras(module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_TEST_EXTRAS, module],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("module", BENCHES)
def test_bench_runs_without_the_test_extras(module: str) -> None:
    result = run_without_test_extras(module)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_the_fuzz_bench_names_the_missing_extras_in_one_line() -> None:
    result = run_without_test_extras("bench.fuzz")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "bench.fuzz needs the test extras (pytest, hypothesis, schemathesis missing): "
        "run `make test` once, or `.venv/bin/pip install -e '.[test]'`"
    ]
