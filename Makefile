# spacemimo — top-level entry points. Every target that runs Python does its own set-up first
# (scripts/setup.sh is idempotent), so `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
VENV  ?= .venv
PY    := $(VENV)/bin/python
SPACEMIMO := $(VENV)/bin/spacemimo
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k channels -x"
PYTEST_ARGS ?=
RESULTS ?= results

.PHONY: help setup demo test lint bench freeze wheel clean

help:
	@echo "make demo    set up, then run the main job on a small default (scenario + baseline table)"
	@echo "make test    set up, then lint and run the test suite (what CI runs)"
	@echo "make bench   set up, then run the slow benchmarks (results/bench, results/baselines)"
	@echo "make lint    ruff over the Python sources"
	@echo "make wheel   build a wheel into dist/"
	@echo "make freeze  rewrite requirements/constraints.txt from the current venv"
	@echo "make clean   remove build outputs (keeps .venv and results/)"

setup:
	@scripts/setup.sh

demo: setup
	$(SPACEMIMO) baselines --scenario gsm --samples 100 --out $(RESULTS)/baselines
	$(SPACEMIMO) baselines --scenario rayleigh --samples 100 --out $(RESULTS)/baselines

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(SPACEMIMO) bench baselines --scenario rayleigh --out $(RESULTS)/bench
	$(SPACEMIMO) bench baselines --scenario gsm --out $(RESULTS)/bench
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

wheel: setup
	$(PY) -m build --wheel --outdir dist .

freeze: setup
	{ head -2 requirements/constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v '^spacemimo'; } > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache
