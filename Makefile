# Two commands for a newcomer: `make run` and `make test`. Everything else is set up on the way.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
PORT ?= 5000
export PORT

.PHONY: run test setup assets translations messages browser bench clean

setup: $(VENV)/.installed assets translations

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error --ignore-scripts
	touch $@

static/vendor/htmx.min.js: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

# Hashed names and the .br/.gz copies of everything in static/ are made when the portal starts
# (portal/static_files.py), into instance/static/: nothing built is committed.
assets: static/vendor/htmx.min.js

# Compile every feature's Norwegian catalog (English is the source language).
translations: $(VENV)/.installed
	@for po in $$(find portal -path '*/translations/*/LC_MESSAGES/messages.po'); do \
	  $(BIN)/pybabel compile --statistics -i $$po -o $${po%.po}.mo 2>&1 | grep -v '^$$' || exit 1; \
	done

# Headless Chromium for the browser tests, and a Java runtime for the Nu Html Checker
# (node_modules/vnu-jar), come from Debian's packages.
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)
	@command -v java >/dev/null || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless)

run: setup
	$(BIN)/python -m portal.dev

test: setup browser
	$(BIN)/bandit -q -c pyproject.toml -r portal jobs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench
	$(BIN)/python -m bench.staff
	$(BIN)/python -m bench.audit
	$(BIN)/python -m bench.retention

clean:
	rm -rf $(VENV) node_modules static/vendor instance/static

# Refresh the Norwegian catalogs from the sources: each feature package owns its words
# (portal/<feature>/translations from portal/<feature> and templates/<feature>);
# portal/translations holds the shared layout, the catalog and the error pages.
messages: $(VENV)/.installed
	@for dir in portal/translations $$(ls -d portal/*/translations 2>/dev/null); do \
	  if [ $$dir = portal/translations ]; then \
	    src="$$(ls portal/*.py) portal/web $$(ls templates/*.html) templates/web templates/errors"; \
	  else f=$$(basename $$(dirname $$dir)); src="portal/$$f $$(ls -d templates/$$f 2>/dev/null)"; fi; \
	  $(BIN)/pybabel extract --no-location --omit-header -F babel.cfg -k _l -o $$dir/messages.pot $$src >/dev/null || exit 1; \
	  if [ -f $$dir/nb/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching -i $$dir/messages.pot -d $$dir -l nb >/dev/null; \
	  else $(BIN)/pybabel init -i $$dir/messages.pot -d $$dir -l nb >/dev/null; fi; \
	  rm $$dir/messages.pot; \
	done
	@echo "catalogs updated: fill in the empty msgstr lines, then make translations"
