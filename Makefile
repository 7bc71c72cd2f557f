# The two commands: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test gui bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/labmem reproduce --out out

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

gui: $(STAMP)
	$(BIN)/labmem gui

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_reproduce.py
	$(BIN)/python benchmarks/bench_programme.py
	$(BIN)/python benchmarks/bench_instruments.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/bench_gui.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m labmem.gui.screenshots docs/screenshots

clean:
	rm -rf $(VENV) out .pytest_cache
