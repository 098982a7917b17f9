# The two commands: `make run` and `make test`. Everything else is set-up they share.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
CHROMIUM_DEB := /usr/lib/chromium/chromium

.PHONY: run test setup assets translations browser migrate serve extract clean

run: setup migrate
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/biome ci --colors=off
	$(BIN)/pytest

setup: $(VENV)/.installed node_modules/.installed assets translations

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: node_modules/.installed
	npm run --silent build

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations 2>&1 | grep -v "^compiling catalog" || true

# Debian's Chromium where it is installed, else Playwright's own download.
browser: $(VENV)/.installed
	@if [ -x $(CHROMIUM_DEB) ] || [ -n "$$KEFU_CHROMIUM" ]; then :; \
	 else $(BIN)/playwright install chromium; fi

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

# Re-collect the interface strings after changing templates or code.
extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project kefu --version 0.1.0 -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

# Production: several workers against KEFU_DATABASE_URL; TLS when KEFU_TLS_CERT/KEY are set.
WORKERS ?= 4
BIND ?= 0.0.0.0:8443
serve: setup migrate
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(BIND) \
	  $${KEFU_TLS_CERT:+--certfile "$$KEFU_TLS_CERT" --keyfile "$$KEFU_TLS_KEY"} \
	  'app:create_app()'

clean:
	rm -rf $(VENV) node_modules static/dist translations/*/LC_MESSAGES/*.mo
