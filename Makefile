# The two commands: `make run` and `make test`. Everything else is set-up they share.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run test setup assets translations migrate serve extract lock upgrade clean lighthouse

run: setup migrate
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# The quick checks and the JS unit tests first; pytest gets a Chromium and, where the
# machine has PostgreSQL's server, a throwaway cluster from scripts/with-test-services.
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/biome ci --colors=off
	npm test --silent
	PLAYWRIGHT=$(BIN)/playwright scripts/with-test-services $(BIN)/pytest

# Lighthouse 12 on the duty log (mobile) and the office's review (desktop), three runs
# each; reports in test-results/lighthouse/. Lighthouse comes through npx, not our packages.
lighthouse: setup
	$(BIN)/python bench/lighthouse.py

setup: $(VENV)/.installed node_modules/.installed assets translations

# Exactly the versions in the lock files; `pip check` fails if pyproject.toml asks for
# something the lock does not hold (then run `make lock`).
$(VENV)/.installed: requirements.txt requirements-test.txt pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: node_modules/.installed
	npm run --silent build

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations 2>&1 | grep -v "^compiling catalog" || true

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

# Re-collect the interface strings after changing templates or code.
extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --project kefu --version 0.1.0 -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

# Production: several workers against KEFU_DATABASE_URL; TLS when KEFU_TLS_CERT/KEY are set.
WORKERS ?= 4
BIND ?= 0.0.0.0:8443
serve: setup migrate
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(BIND) \
	  $${KEFU_TLS_CERT:+--certfile "$$KEFU_TLS_CERT" --keyfile "$$KEFU_TLS_KEY"} \
	  'app:create_app()'

# The Python lock files, resolved from pyproject.toml for every platform by uv, which lives
# in a venv of its own. `make lock` keeps the pins it can; `make upgrade` takes the newest.
LOCK_VENV := .venv-lock
UV := $(LOCK_VENV)/bin/uv
UV_VERSION := 0.13.8
LOCK = $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
  --custom-compile-command 'make lock' $(LOCK_FLAGS) pyproject.toml
lock: $(UV)
	$(LOCK) -o requirements.txt
	$(LOCK) --extra test -c requirements.txt -o requirements-test.txt

upgrade: LOCK_FLAGS = --upgrade
upgrade: lock

$(UV):
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet uv==$(UV_VERSION)

clean:
	rm -rf $(VENV) $(LOCK_VENV) node_modules static/dist translations/*/LC_MESSAGES/*.mo
