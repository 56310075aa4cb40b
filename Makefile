# CliniGlobal CRM — `make run` serves everything on embedded defaults; `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= python3
BACKEND_VENV := backend/.venv
AI_VENV := ai/.venv

.PHONY: help prereqs setup run test test-backend test-ai test-web test-e2e lint client bench eval clean

help:
	@echo "make run    set up and serve the CRM at http://127.0.0.1:8000 (demo data on first run)"
	@echo "make test   set up and run every test suite, linter and type check"
	@echo "make bench  run the benchmarks in bench/;  make eval  evaluate the AI models"

prereqs:
	@scripts/check-prereqs.sh

$(BACKEND_VENV)/.installed: backend/pyproject.toml backend/requirements.lock
	@scripts/check-prereqs.sh
	$(PY) -m venv $(BACKEND_VENV)
	$(BACKEND_VENV)/bin/pip install -q --upgrade pip
	$(BACKEND_VENV)/bin/pip install -q -r backend/requirements.lock
	$(BACKEND_VENV)/bin/pip install -q --no-deps -e backend
	@touch $@

$(AI_VENV)/.installed: ai/pyproject.toml ai/requirements.lock
	@scripts/check-prereqs.sh
	$(PY) -m venv $(AI_VENV)
	$(AI_VENV)/bin/pip install -q --upgrade pip
	# torch first and alone: this exact CPU build is what pip finds; anything looser pulls CUDA.
	$(AI_VENV)/bin/pip install -q torch==2.13.0
	$(AI_VENV)/bin/pip install -q -r ai/requirements.lock
	$(AI_VENV)/bin/pip install -q --no-deps -e ai
	@touch $@

web/node_modules/.installed: web/package.json web/package-lock.json
	@scripts/check-prereqs.sh
	cd web && npm ci --no-audit --no-fund
	@touch $@

web/dist/index.html: web/node_modules/.installed $(shell find web/src web/index.html web/vite.config.ts -type f 2>/dev/null)
	cd web && npm run --silent build

setup: $(BACKEND_VENV)/.installed $(AI_VENV)/.installed web/node_modules/.installed web/dist/index.html

run: setup
	$(BACKEND_VENV)/bin/crm run

lint: $(BACKEND_VENV)/.installed $(AI_VENV)/.installed web/node_modules/.installed
	cd backend && .venv/bin/ruff check crm tests migrations && .venv/bin/ruff format --check crm tests migrations
	cd backend && .venv/bin/mypy
	cd ai && .venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy
	cd web && npm run --silent lint && npm run --silent typecheck
	@mkdir -p .data && $(BACKEND_VENV)/bin/crm openapi > .data/openapi.json
	@cmp -s .data/openapi.json web/openapi.json || { echo "web/openapi.json is stale: run make client"; exit 1; }
	cd web && OPENAPI_FILE=../.data/openapi.json npm run --silent check:client

client: $(BACKEND_VENV)/.installed web/node_modules/.installed
	$(BACKEND_VENV)/bin/crm openapi > web/openapi.json
	cd web && npm run --silent gen:client

OIDC_PROVIDER := backend/tests/oidc/provider
$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-backend: $(BACKEND_VENV)/.installed $(OIDC_PROVIDER)/node_modules/.installed
	cd backend && CRM_REQUIRE_SERVICES=$${CRM_REQUIRE_SERVICES:-1} .venv/bin/pytest -q

test-ai: $(AI_VENV)/.installed
	cd ai && .venv/bin/pytest -q

test-web: web/node_modules/.installed
	cd web && npm run --silent test

test-e2e: setup
	@scripts/check-prereqs.sh --browser
	scripts/e2e.sh

test: setup lint test-backend test-ai test-web test-e2e
	@echo "all checks passed"

bench: setup
	$(BACKEND_VENV)/bin/python bench/run_all.py

eval: $(AI_VENV)/.installed
	@command -v espeak-ng >/dev/null || { echo "the transcription eval needs espeak-ng: apt-get install espeak-ng"; exit 1; }
	cd ai && .venv/bin/python -m evals.sentiment_eval && .venv/bin/python -m evals.scoring_eval \
		&& .venv/bin/python -m evals.forecast_eval && .venv/bin/python -m evals.search_eval \
		&& .venv/bin/python -m evals.transcription_eval && .venv/bin/python -m evals.embedding_speed --texts 512

clean:
	rm -rf $(BACKEND_VENV) $(AI_VENV) web/node_modules web/dist
