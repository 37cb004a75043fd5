# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEMO_DATE = 2026-11-26
LEDGER  = example-ledger/main.beancount

.PHONY: demo test lint bench bench-fava clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/bean-check $(LEDGER)
	$(BIN)/bean-ar aging $(LEDGER) --as-of $(DEMO_DATE)
	@echo
	$(BIN)/bean-ar overdue $(LEDGER) --as-of $(DEMO_DATE)
	@echo
	$(BIN)/bean-ar worklist $(LEDGER) --as-of $(DEMO_DATE)

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py --sizes 10000,100000

# The Collections page at 100k invoices, and wrk against it (apt-get install wrk).
bench-fava: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_fava.py --invoices 100000

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -prune -exec rm -rf {} +
