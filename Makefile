# The two commands a new user needs: `make run` and `make test` (see README.md).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 5000
# Development settings: a secret key kept under instance/ (never committed) and mail to the log.
DEV_ENV = QUIZAPP_ENV=development SECRET_KEY="$$(cat instance/secret_key)"

.PHONY: run admin ecg-strips test test-pg screenshots serve bench bench-examday bench-items bench-imports bench-uploads bench-reports bench-sqlite-writers bench-readiness bench-calibrate bench-review lint format chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

instance/secret_key: | $(BIN)/python
	mkdir -p instance
	$(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > $@
	chmod 600 $@

## ecg-strips: redraw the ECG pictures of the clinical bank (question_banks/media/ecg-*.png)
ecg-strips: $(VENV)/.installed
	$(BIN)/python tools/draw_ecg_strips.py question_banks/media

## run: install, migrate the SQLite database and serve on http://127.0.0.1:5000
run: $(VENV)/.installed instance/secret_key
	$(DEV_ENV) $(BIN)/flask --app wsgi db upgrade
	$(DEV_ENV) $(BIN)/flask --app wsgi banks sync
	$(DEV_ENV) $(BIN)/flask --app wsgi optimize-db
	@echo
	@echo "  MA Exam Prep is starting on http://$(HOST):$(PORT)"
	@echo "  Create the first administrator from another terminal in this folder with:"
	@echo "      make admin EMAIL=you@school.edu"
	@echo "  Stop the server with Ctrl+C; your data stays in instance/."
	@echo
	$(DEV_ENV) PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)}" \
	  $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

## admin: create an administrator account (asks for the password)
admin: $(VENV)/.installed instance/secret_key
	@test -n "$(EMAIL)" || { echo "usage: make admin EMAIL=you@example.org"; exit 2; }
	$(DEV_ENV) $(BIN)/flask --app wsgi db upgrade
	$(DEV_ENV) $(BIN)/flask --app wsgi users create "$(EMAIL)" --role admin

## serve: gunicorn as in production (settings in gunicorn.conf.py, from the environment)
serve: $(VENV)/.installed instance/secret_key
	$(DEV_ENV) $(BIN)/flask --app wsgi db upgrade
	$(DEV_ENV) $(BIN)/flask --app wsgi banks sync
	$(DEV_ENV) $(BIN)/flask --app wsgi optimize-db
	QUIZAPP_ENV=production SECRET_KEY="$${SECRET_KEY:-$$(cat instance/secret_key)}" \
	  SESSION_COOKIE_SECURE="$${SESSION_COOKIE_SECURE:-0}" \
	  $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

## test: install what the tests need (Debian's chromium included), lint, audit and run the suite
test: $(VENV)/.installed-dev chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --severity-level medium -r quizapp config.py wsgi.py
	$(BIN)/python tools/audit_dependencies.py
	$(BIN)/pytest

## bench: load benchmark under gunicorn with wrk, against hello world and a same-work peer
## (DATABASE_URL=postgresql://... for PostgreSQL; BENCH_ARGS="--rounds 1 --duration 3s" to try)
bench: $(VENV)/.installed-dev
	@command -v wrk >/dev/null 2>&1 || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
	$(BIN)/python bench/load.py $(BENCH_ARGS)

## bench-examday: 300 students sign in, answer a 50-question exam with autosave and submit;
## lost answers and double gradings (BENCH_ARGS="--students 30 --questions 10 --minutes 2")
bench-examday: $(VENV)/.installed-dev
	$(BIN)/python bench/examday.py $(BENCH_ARGS)

## bench-items: time cold item analysis over 10k, 100k and 1M responses (goal: 1M under 200 ms)
bench-items: $(VENV)/.installed-dev
	$(BIN)/python bench/item_analysis.py

## bench-imports: time and memory of a preview at the import cap and of refusing 50,000 questions
## in every format (budget: < 5 s, < 150 MiB); importing 10,000 GIFT and CSV questions (< 5 s)
bench-imports: $(VENV)/.installed-dev
	$(BIN)/python bench/imports.py

## bench-reports: class report and progress page times as students and attempts grow
bench-reports: $(VENV)/.installed-dev
	$(BIN)/python bench/report_scale.py

## bench-sqlite-writers: SQLite write transactions from 5 processes, polling against taking turns
bench-sqlite-writers: $(VENV)/.installed-dev
	$(BIN)/python bench/sqlite_writers.py $(BENCH_ARGS)

## bench-readiness: simulations behind docs/readiness.md: calibration recovery and cost (1M
## responses), readiness calibration by decile, adaptive check against the full form (~6 min;
## BENCH_ARGS=--quick for a smaller run)
bench-readiness: $(VENV)/.installed-dev
	$(BIN)/python bench/readiness_sim.py $(BENCH_ARGS)

## bench-review: count one student's due review cards among 100,000, cold and warm (goal: under
## 100 ms; ~45 s, most of it seeding)
bench-review: $(VENV)/.installed-dev
	$(BIN)/python bench/review_due.py

## bench-calibrate: time `flask stats calibrate` on SQLite databases of 100,000 and 1,000,000
## responses, cold and warm (~3 min, most of it seeding)
bench-calibrate: $(VENV)/.installed-dev
	$(BIN)/python bench/calibrate_db.py $(BENCH_ARGS)

## bench-uploads: /healthz latency under gunicorn while huge files are uploaded and previews paged
bench-uploads: $(VENV)/.installed-dev
	$(BIN)/python bench/upload_pressure.py

## test-pg: the same suite against PostgreSQL (TEST_DATABASE_URL=postgresql://user:pw@host/db)
test-pg: $(VENV)/.installed-dev chromium
	@test -n "$(TEST_DATABASE_URL)" || { echo "set TEST_DATABASE_URL=postgresql://USER:PASSWORD@HOST/DB (an empty database the tests may fill and drop)"; exit 2; }
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest

## screenshots: photograph the main screens of a seeded demo site into docs/screenshots/
screenshots: $(VENV)/.installed-dev chromium
	PYTHONPATH=. $(BIN)/python docs/screenshots/capture.py

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
