# Two commands on a fresh machine: `make run` serves the explorer, `make test` checks everything.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench load screenshot clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

run: $(VENV)/.installed
	@echo "BPTT Explorer: open http://$(HOST):$(PORT)/"
	$(VENV)/bin/bptt-explorer serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/hadolint Dockerfile

# scripts/ensure-system.sh installs Chromium, a CJK font, nginx and wrk (root and apt-get); where it cannot, the
# tests that need them skip, naming the package (never under CI=true).
test: lint
	scripts/ensure-system.sh || { test "$${CI:-}" != true && echo "The tests that need them will skip."; }
	$(VENV)/bin/pytest

# The engine beside a NumPy loop and PyTorch autograd, browser latency and bytes (about 8 minutes; not part
# of test). BENCH_ARGS="--quick --no-browser" for a short run.
$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	touch $@

bench: $(VENV)/.installed-bench
	scripts/ensure-system.sh
	$(PY) -m scripts.bench $(BENCH_ARGS)

# Two uvicorn workers, then nginx with its cache in front of them, under the same request mix (wrk, on loopback):
# req/s, p50/p99 latency, errors and the cache hit ratio (about a minute). LOAD_ARGS="--seconds 10" for less.
load: $(VENV)/.installed
	scripts/ensure-system.sh
	$(PY) -m scripts.load $(LOAD_ARGS)

# Regenerates docs/screenshot.png from a running server (make run in another shell).
screenshot: $(VENV)/.installed-test
	$(PY) -m scripts.screenshot "http://$(HOST):$(PORT)/" docs/screenshot.png 1400 1400

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
