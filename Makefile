# SEKAP: `make run` serves the whole system, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := chromium xmlsec1 softhsm2 gettext fonts-dejavu-core clamav-daemon nginx-light libnginx-mod-http-js wrk \
  ceph-mon ceph-osd radosgw

.PHONY: run test fuzz lint worker beat demo system-deps messages setup clean-var bench drills

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# Debian packages the system and its tests use (installed when running as root).
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || { echo "error: could not install$$missing"; exit 1; }; \
	  else echo "warning: missing Debian packages (run as root to install):$$missing"; fi; \
	fi

messages: $(STAMP)
	@$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

setup: system-deps $(STAMP) node_modules/.installed messages

run: setup
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_offices
	$(PY) manage.py seed_platform
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

demo: setup
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_offices
	$(PY) manage.py seed_platform
	$(PY) manage.py seed_demo

test: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Fault drills (docs/operations.md): the worker SIGKILLed, Redis stopped, PostgreSQL restarted
# under a load of submissions, on a private PostgreSQL, Redis, gunicorn and Celery worker.
# CI's second pass runs them inside `make test`.
drills: setup
	SEKAP_DRILLS=1 REQUIRE_SERVICES=1 $(VENV)/bin/pytest tests/drills -q $(PYTEST_ARGS)

# The same Hypothesis properties as `make test`, with random seeds and ten times the examples.
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz HYPOTHESIS_EXAMPLES_SCALE=$${HYPOTHESIS_EXAMPLES_SCALE:-10} \
	  $(VENV)/bin/pytest -q $$(grep -rl --include='*.py' '^from hypothesis' sekap offices forms_platform documents payments signatures certauth portal tests | grep '/test_')

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --fail-on-warn --validate --file /dev/null

worker: $(STAMP)
	$(VENV)/bin/celery -A sekap worker --loglevel=INFO --concurrency=2

beat: $(STAMP)
	$(VENV)/bin/celery -A sekap beat --loglevel=INFO --schedule=var/celerybeat-schedule

bench: setup
	@ls bench/*.py | sed 's/^/  $(PY) /'
