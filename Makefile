# plantrack — the two commands of the README: `make run` and `make test`.
# Each installs what it needs by itself (a machine needs only Python ≥ 3.11 and make).

PYTHON ?= python3
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
VENV   := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME := $(CURDIR)
export PLANTRACK_DAGSTER_STORAGE ?= $(CURDIR)/.dagster

.PHONY: install browser spark run test test-fast test-spark bench bench-year dev clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

## The whole build on sample data: write the sample deliveries, run the nightly job (paths: the
## data folder, PLANTRACK_DATA or ./data, and PLANTRACK_LANDING/_WAREHOUSE/_EXPORTS; see
## orchestration/core/layout.py).
run: install
	$(VENV)/bin/plantrack sample
	$(VENV)/bin/plantrack run

## Debian's chromium and a CJK font, for the browser test of the bulletin (needs root or sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if ! [ -x /usr/bin/chromium ] || ! fc-list :lang=zh family 2>/dev/null | grep -q .; then \
	  echo "installing Debian's chromium and fonts-noto-cjk (browser test of the bulletin)"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	fi

## The Spark engine (`plantrack run --engine spark`): a Java runtime from Debian when there is
## none of version 17 or later (needs root or sudo), and PySpark with dbt-spark, the lock's optional group `spark`.
## After `make install` (which syncs without the group), this syncs it again.
$(VENV)/.spark-installed: $(VENV)/.installed
	@if ! java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; then \
	  echo "installing Debian's Java 17 runtime (openjdk-17-jre-headless) for Spark 4 (needs Java 17 or later)"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; \
	fi
	$(UV) sync --locked --group spark --python $(PYTHON)
	touch $@

spark: install $(VENV)/.spark-installed

## The test suite (the Spark test included: it installs the Spark engine first).
test: install browser spark
	$(VENV)/bin/pytest

## The fast tier: every test but those marked slow (the integration tests build warehouses,
## the Spark test among them).
test-fast: install
	$(VENV)/bin/pytest -m "not slow"

## The Spark engine's tests: the same sample built on DuckDB and on Spark, every mart compared.
test-spark: spark
	$(VENV)/bin/pytest -m spark

## Benchmarks, as ratios: monitoring-feed ingest against a bare DuckDB read_csv (20M rows; CPU
## and wall); a night with one new day, and one with nothing new, against the full build of the
## same deliveries (CPU of the whole process tree), at the sample's 24 outlets and at 600.
bench: install
	$(VENV)/bin/python -m tests.bench.bench_ingest
	$(VENV)/bin/python -m tests.bench.bench_nightly

## A province's year of hourly monitoring end to end (sample → run) in bounded memory:
## wall time and peak RSS of the whole process tree. OUTLETS=2400 is ~100 M hourly rows
## (tens of minutes on 2 cores); e.g. `make bench-year OUTLETS="240 720 2400"` for several sizes.
OUTLETS ?= 2400
bench-year: install
	$(VENV)/bin/python -m tests.bench.bench_year --outlets $(OUTLETS)

## The Dagster UI on the project's instance (dagster.yaml).
dev: install
	$(VENV)/bin/dagster dev -m orchestration.definitions

clean:
	rm -rf data .dagster bench-data test-artifacts
