# The two front-door commands: `make run` and `make test`. Both do all their own set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck format template package install system-deps bench loadtest clean lock

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'pip<26.3'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# requirements.in (direct runtime dependencies) -> requirements.txt (every runtime package, transitive ones
# included, pinned): resolved by pip itself in a clean venv and frozen, so the lock is what pip installs from
# requirements.in on this Python, with no second resolver to keep in step with pip (docs/deploy.md).
LOCK_VENV := $(or $(TMPDIR),/tmp)/cinema-booking-lock-venv
lock:
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'pip<26.3'
	$(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.in
	{ echo "# The runtime lock: generated from requirements.in by \`make lock\` (pip freeze in a clean venv). Do not edit."; \
	  $(LOCK_VENV)/bin/python -m pip freeze --disable-pip-version-check; } > requirements.txt
	rm -rf $(LOCK_VENV)

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: $(STAMP)
	$(BIN)/python -m scripts.localcloud

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy: strict on chalicelib/domain and chalicelib/services, its defaults on the rest of chalicelib (pyproject.toml).
typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP) system-deps lint typecheck package
	$(BIN)/python -m pytest

# Regenerate infrastructure/resources.json and .chalice/policy-*.json from the models, queues and app, then package.
template: $(STAMP)
	$(BIN)/python -m infrastructure.build
	$(MAKE) --no-print-directory package

# `chalice package` the dev stage with our merge template into out/ (git-ignored) and lint it (docs/deploy.md).
package: $(STAMP)
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/chalice package --stage dev \
		--merge-template infrastructure/resources.json out/
	$(BIN)/cfn-lint out/sam.json

# The load test (docs/performance.md): users racing for seats against a local cloud of its own, or
# ARGS="--base-url URL --ws-url URL --aws-endpoint URL"; ARGS="--scenario surge --requests 1000" for a short run.
# Writes out/loadtest/report.{json,md} and latency.png.
loadtest: $(STAMP)
	$(BIN)/python -m scripts.loadtest $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
