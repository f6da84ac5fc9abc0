# newsflow: every target has a `## description`; `make` alone lists them.

CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
RELEASE_BIN := target/release/newsflow
DEBUG_BIN := target/debug/newsflow
OUT ?= out
THREADS ?= 0

.DEFAULT_GOAL := help
.PHONY: help build pipeline eval test test-rust test-python python lint fmt bench bench-run bench-records golden venv clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build the release binary (target/release/newsflow)
	$(CARGO) build --release -p newsflow-cli

pipeline: build ## Build, run on seeds/ into out/ (Parquet + CSV), print the eval of the samples
	$(RELEASE_BIN) run seeds/ -o $(OUT) --threads $(THREADS)
	$(RELEASE_BIN) eval --gold tests/expected/seeds-gold.jsonl $(OUT)

test: test-rust test-python ## Run every test: Rust unit, doc and end-to-end tests, then the Python checks

test-rust: ## Rust tests of every crate (unit, doc, end-to-end)
	$(CARGO) build -p newsflow-cli
	$(CARGO) test --workspace --no-fail-fast

$(VPY): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -r requirements-dev.txt
	touch $(VPY)

venv: $(VPY) ## Create .venv with the pinned Python packages (pyarrow, pandas, polars, duckdb, pytest)

python: $(VPY) ## Build the Python bindings (crates/python, module `newsflow`) with maturin and install them into .venv
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(VENV)/bin/maturin develop --release --quiet -m crates/python/Cargo.toml

test-python: $(VPY) python ## Python checks: the output loads in pandas, polars and DuckDB; examples/explore.ipynb runs; report.html renders in headless Chromium (apt-get install chromium); the example external stage works; the Python bindings and the Ray pipeline (local Ray, 2 CPUs) give the rows of `newsflow run`
	$(CARGO) build -p newsflow-cli
	NEWSFLOW_BIN=$(CURDIR)/$(DEBUG_BIN) $(VPY) -m pytest -q tests/python

lint: ## Format check and clippy with warnings denied
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

BENCH_ARGS ?=

bench: build $(VPY) ## Benchmarks: divan micro-benchmarks of each stage (ingest, normalize, tag, export), then the whole-run benchmark (bench-run)
	$(CARGO) bench -p newsflow-ingest -p newsflow-normalize -p newsflow-tag -p newsflow-export
	$(VPY) bench/run_bench.py $(BENCH_ARGS)

bench-records: build ## Per-document memory: peak RSS of runs over 200k and 2M short JSONL records (bench/records_corpus.py; about 4 minutes, 1 GB of disk)
	$(PYTHON) bench/records_corpus.py check --bin $(RELEASE_BIN)

bench-run: build $(VPY) ## Whole-run benchmark only: newsflow (2 and 1 threads) vs Python baseline vs I/O floor on 20k generated docs, into bench-out/ (BENCH_ARGS="--large" adds 200k, "--reps 3")
	$(VPY) bench/run_bench.py $(BENCH_ARGS)

golden: ## Rewrite the golden end-to-end outputs in tests/golden (review the diff before committing)
	$(CARGO) build -p newsflow-cli
	NEWSFLOW_UPDATE_GOLDEN=1 $(CARGO) test -p newsflow-e2e --test e2e golden

clean: ## Remove build outputs, out/ and the venv
	$(CARGO) clean
	rm -rf $(OUT) $(VENV)
