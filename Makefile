# The two commands: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
XVFB_PACKAGES := xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 libxcb-image0 \
	libxcb-randr0 libxcb-render-util0 libxkbcommon-x11-0

.PHONY: demo test gui bench screenshots clean xvfb

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# After installing, a sweep and a pulse run on the simulated bench compile the device model's
# numba kernels into their on-disk cache, so the first command or test run does not pay for it
# (a failure there is left for the tests to report).
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@$(MAKE) --no-print-directory xvfb
	-$(BIN)/labmem run IVSweep --cycles 1 --quiet --data $(VENV)/warm-up >/dev/null
	-$(BIN)/labmem run PulseTrain --quiet --data $(VENV)/warm-up >/dev/null
	rm -rf $(VENV)/warm-up
	touch $(STAMP)

# The real-window smoke test (tests/gui/test_real_window.py) needs an X server: Xvfb and the X
# libraries Qt's xcb plugin loads, installed where the platform allows (apt-get, as root);
# elsewhere the test is skipped with that reason.
xvfb:
	@command -v Xvfb >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y --no-install-recommends $(XVFB_PACKAGES) >/dev/null 2>&1 || \
	    { apt-get update >/dev/null 2>&1 && \
	      apt-get install -y --no-install-recommends $(XVFB_PACKAGES) >/dev/null 2>&1; }; }; } || \
	  echo "Xvfb not installed here: the real-window smoke test will be skipped"

demo: $(STAMP)
	$(BIN)/labmem reproduce --out out

# The whole suite on two workers; the tests of each expensive shared fixture on one of them.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadgroup

gui: $(STAMP)
	$(BIN)/labmem gui

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_reproduce.py
	$(BIN)/python benchmarks/bench_programme.py
	$(BIN)/python benchmarks/bench_instruments.py
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_record.py
	$(BIN)/python benchmarks/bench_endurance.py
	$(BIN)/python benchmarks/bench_fit.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/bench_gui.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/bench_gui_views.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m labmem.gui.screenshots docs/screenshots

clean:
	rm -rf $(VENV) out .pytest_cache
