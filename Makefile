# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEMO_DATE = 2026-11-26
LEDGER  = example-ledger/main.beancount

.PHONY: demo test lint bench bench-fava clean system-check

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
	@echo
	$(BIN)/bean-ar forecast $(LEDGER) --as-of $(DEMO_DATE) --weeks 6

# The system packages the tests need (PDFs: Pango and fonts; the browser
# test: Chromium), checked first, with the one line that installs them.
system-check:
	@missing=""; \
	ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	[ -d /usr/share/fonts/truetype/dejavu ] || missing="$$missing fonts-dejavu-core"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "The tests need Debian packages that are missing. Install them with:"; \
	  echo "  sudo apt-get install -y$$missing"; \
	  exit 1; \
	fi

test: system-check $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py --sizes 10000,100000
	$(BIN)/python benchmarks/bench_index.py --invoices 250000

# The Collections page at 20k invoices: server-side times, each view's load in
# headless Chromium next to Fava's Balance Sheet (apt-get install chromium),
# and wrk against it when installed (apt-get install wrk).
bench-fava: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_fava.py --invoices 20000 --browser

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -prune -exec rm -rf {} +
