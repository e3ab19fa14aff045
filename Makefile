# `make demo` and `make test` do all set-up themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo sandbox test lint typecheck docs unit serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/dealdesk simulate

# The real app with a local Slack workspace in your browser: http://127.0.0.1:8080
sandbox: $(VENV)/.installed
	$(BIN)/dealdesk sandbox

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# The documentation site (docs/, mkdocs.yml): any broken link or anchor fails the build.
docs: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $(VENV)/site

# Three workers (pytest-xdist) on the two cores, each with its own PostgreSQL database
# (test_gw0, test_gw1, test_gw2); the slow tests are dealt out first (tests/conftest.py).
# Much of the suite waits (Slack's one post a second, second-long SLAs), so a third
# worker fills the waits: 350 s -> 280 s. Four starved the deadline tests' timing.
unit: $(VENV)/.installed-test
	$(BIN)/pytest -n 3 --dist worksteal

test: lint typecheck docs unit

serve: $(VENV)/.installed
	$(BIN)/dealdesk serve

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis site
