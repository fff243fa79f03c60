# Two entry points for a fresh machine: `make run` and `make test`.
# Everything else here is what those two need.

PYTHON ?= $(shell command -v python3.13 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# settings.py derives SITE_URL (links in emails and calendars) from the port served.
export PORT

# Tests run on PostgreSQL and Redis on localhost unless told otherwise.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/hashtag_commons)
TEST_REDIS_URL    ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/15)

.PHONY: run test lint format install install-dev worker serve clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files keep re-installs to the times the pinned requirements change.
$(VENV)/.base-installed: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $(VENV)/.base-installed $@

install: $(VENV)/.base-installed
install-dev: $(VENV)/.dev-installed

# The site with demo data on the embedded default: SQLite and a Celery worker
# (with embedded beat) on kombu's filesystem transport, so no server is needed. The site
# runs in demo mode too: posting from the live page goes to a stand-in for X.
run: install
	$(BIN)/python manage.py migrate --noinput
	ARCHIVE_DEMO_REPLAY=true $(BIN)/python manage.py seed_demo
	@echo "Serving Hashtag Commons at http://127.0.0.1:$(PORT)/ (Ctrl-C, or kill -TERM the make process, stops the site and its worker)"
	@# Both in the background and the shell in `wait`: a shell defers its traps until a
	@# foreground child exits, so SIGTERM (which make passes on) would otherwise hang.
	@trap 'trap - EXIT INT TERM; kill 0' EXIT INT TERM; \
	ARCHIVE_DEMO_REPLAY=true $(BIN)/celery -A config worker --beat --pool=solo --loglevel=INFO & \
	ARCHIVE_DEMO_REPLAY=true $(BIN)/python manage.py runserver 127.0.0.1:$(PORT) & \
	wait

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The browser tests drive Debian's Chromium. Installed here where we may (root with
# apt-get, as in CI); otherwise stop before any test runs, with the command to run.
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium at $(CHROMIUM). Install it with:"; \
	    echo "    sudo apt-get install chromium"; \
	    exit 1; \
	  fi; \
	fi

test: install-dev lint chromium
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache var
