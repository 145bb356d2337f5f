# Commands for a fresh machine with only Python and the package registries:
#   make demo   set up a virtual environment, run the connector against the embedded
#               simulated FMC over real mutual TLS, print where the CEF files went
#   make test   set up the same environment and run the whole test suite
#   make bench  set up the same environment and run the throughput benchmark
#               (benchmarks/bench.py; options in BENCH_ARGS, e.g.
#               make bench BENCH_ARGS="--events-scale 100000 1000000")
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test bench venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/cef-connector demo --out demo-output

test: $(STAMP)
	$(PY) -m pytest -q

BENCH_ARGS ?= --events-scale 100000
bench: $(STAMP)
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) demo-output build dist *.egg-info .pytest_cache .hypothesis
