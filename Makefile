# The verbs a newcomer types. Everything installs into .venv from pip wheels: no Docker, no root.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROTOS := $(shell find protos third_party/protos -name '*.proto')
BUF_VERSION := 1.75.0

.PHONY: setup lock proto run test browser test-chaos test-unit test-integration test-e2e lint fmt bench-engine bench-ingest bench-e2e bench-compare bench-registry bench-api bench-scale clean deploy-render install-cli

setup: $(STAMP) gen/.stamp

# The venv, from the lock only: every package pinned with its hashes (pip refuses anything else), the project
# itself added without dependencies. The locked pip first (the venv's own may be old and slower), then the rest;
# the code generators come with the lock, so gen/ exists before the editable install maps it.
# The locks are refreshed with `make lock`.
$(STAMP): pyproject.toml requirements/build.lock requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r requirements/build.lock
	$(PY) -m pip install -q --require-hashes -r requirements/dev.lock
	$(PY) scripts/gen_protos.py
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

gen/.stamp: $(PROTOS) scripts/gen_protos.py | $(STAMP)
	$(PY) scripts/gen_protos.py

proto: $(STAMP)
	$(PY) scripts/gen_protos.py

# `loglens` on PATH for this user: a two-line script in ~/.local/bin (no root, no pipx) that runs the venv's CLI.
# The other way: `source .venv/bin/activate` in each shell.
BIN_DIR ?= $(HOME)/.local/bin
install-cli: setup
	mkdir -p $(BIN_DIR)
	printf '#!/bin/sh\nexec "%s" "$$@"\n' "$(abspath $(VENV))/bin/loglens" > $(BIN_DIR)/loglens
	chmod 755 $(BIN_DIR)/loglens
	@echo "installed $(BIN_DIR)/loglens (it runs $(abspath $(VENV))/bin/loglens; keep this checkout)"
	@case ":$$PATH:" in *":$(BIN_DIR):"*) ;; *) echo "$(BIN_DIR) is not on your PATH: add it, e.g. echo 'export PATH=\"$(BIN_DIR):\$$PATH\"' >> ~/.profile";; esac

run: setup
	$(PY) -m loglens_devstack run

test: setup browser
	$(PY) -m pytest -q -p no:cacheprovider

# A headless Chromium for the browser tests (tests/e2e/browser.py), unpacked into the venv from the npm package
# @sparticuz/chromium, which ships the binary: no root, no browser download; about 8 s once per venv.
CHROMIUM_NPM_VERSION := 153.0.0
BROWSER_STAMP := $(VENV)/chromium/.installed-$(CHROMIUM_NPM_VERSION)
browser: $(BROWSER_STAMP)

$(BROWSER_STAMP): scripts/install_browser.sh
	scripts/install_browser.sh $(VENV)/chromium $(CHROMIUM_NPM_VERSION)
	if [ -x $(VENV)/chromium/chromium ]; then touch $@; fi

# Faults, hostile files, fuzzing and load at full counts, plus the tenant-isolation, token-forgery, per-client
# rate-limit and session suites;
# the figures (counts, latencies, RSS) are printed in the summary. `make test` runs the same at small counts.
test-chaos: setup
	LOGLENS_CHAOS_SCALE=full $(PY) -m pytest -q -p no:cacheprovider tests/chaos tests/e2e/test_isolation.py \
		tests/integration/test_auth.py tests/integration/test_auth_tokens.py tests/integration/test_rest_schemathesis.py \
		tests/integration/test_auth_clients.py tests/integration/test_auth_sessions.py \
		tests/integration/test_rest_malformed.py tests/e2e/test_secrets_in_logs.py tests/unit/test_redaction.py

test-unit: setup
	$(PY) -m pytest -q -m unit

test-integration: setup
	$(PY) -m pytest -q -m integration

test-e2e: setup
	$(PY) -m pytest -q -m e2e

lint: setup
	npx --yes @bufbuild/buf@$(BUF_VERSION) lint
	$(PY) scripts/audit_deps.py requirements/services.lock requirements/codegen.lock --dev requirements/dev.lock
	$(VENV)/bin/ruff check services tests tools scripts
	$(VENV)/bin/ruff format --check services tests tools scripts
	$(VENV)/bin/mypy services tools

# Re-resolve the lock files from pyproject.toml and requirements/*.in (universal: any OS, Python >= 3.11), with
# hashes. Pins already in a lock are kept unless UPGRADE=1 moves everything to its latest release. The image's,
# the code generators' and the tools' locks are constrained to the development lock's pins. uv resolves (about a
# second); it is installed here, from its own lock, rather than by make setup (a 20 MB wheel few need).
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet $(if $(UPGRADE),--upgrade)
UV := $(VENV)/bin/uv pip compile $(LOCK_FLAGS)
lock: $(STAMP)
	$(PY) -m pip install -q --require-hashes -r requirements/uv.lock
	$(UV) pyproject.toml requirements/build.in --extra local --extra dev -o requirements/dev.lock
	$(UV) pyproject.toml requirements/build.in -c requirements/dev.lock -o requirements/services.lock
	$(UV) requirements/codegen.in requirements/build.in -c requirements/dev.lock -o requirements/codegen.lock
	$(UV) requirements/build.in -c requirements/dev.lock -o requirements/build.lock
	$(UV) requirements/uv.in -o requirements/uv.lock

fmt: setup
	$(VENV)/bin/ruff check --fix services tests tools scripts
	$(VENV)/bin/ruff format services tests tools scripts

bench-engine: setup
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) tests/bench/bench_engine.py

clean:
	rm -rf gen .pytest_cache .mypy_cache .ruff_cache

# Print the Kubernetes manifests of one overlay (dev or prod): make deploy-render OVERLAY=prod
OVERLAY ?= dev
deploy-render:
	kubectl kustomize deploy/k8s/overlays/$(OVERLAY)

bench-ingest: setup
	$(PY) tests/bench/bench_ingest.py $(ARGS)

bench-e2e: setup
	$(PY) tests/bench/bench_e2e.py $(ARGS)

# A run compared with 5 baseline runs of 5,000 templates each through the gateway: prints compare_p95_ms=<x>.
bench-compare: setup
	$(PY) tests/bench/bench_compare.py $(ARGS)

# A 5,000-template run's registry update and ListPatterns on 20,000 patterns, on a real PostgreSQL:
# prints registry_update_ms=<x> list_patterns_p95_ms=<y>.
bench-registry: setup
	$(PY) tests/bench/bench_registry.py $(ARGS)

# Point reads through the gateway (GetLogFile, ListLogFiles, GetAnalysisRun) at 1 and 20 clients on a local stack:
# prints calls/s, p50, p99 per method and last api_calls_per_s=<x> api_p50_ms=<y>. LOGLENS_BENCH_API_SECONDS per step.
bench-api: setup
	$(PY) tests/bench/bench_api.py $(ARGS)

# One generated 1 GiB log (cached in build/bench-scale/) uploaded once through the gateway of a local stack, then
# analysed with 1 and with 2 analysis workers, chunking on (64 MiB chunks): prints seconds, lines/s, MiB/s and peak
# RSS per worker count, and last scale_speedup_2w=<x> scale_same_report=<0|1>. LOGLENS_BENCH_SCALE_FILE=any plain log.
bench-scale: setup
	$(PY) tests/bench/bench_scale.py $(ARGS)
