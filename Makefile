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

# Two workers (pytest-xdist), one per core, each with its own PostgreSQL database
# (test_gw0, test_gw1); the slow tests are dealt out first (tests/conftest.py). Four
# workers finished ~15% sooner but starved the deadline tests' second-long timing.
unit: $(VENV)/.installed-test
	$(BIN)/pytest -n 2 --dist worksteal

test: lint typecheck docs unit

serve: $(VENV)/.installed
	$(BIN)/dealdesk serve

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis site
