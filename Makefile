# Set-up on a fresh machine needs only Python 3.11+: each target builds .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-deep bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/.installed  ## run the bundled digits classifier
	$(BIN)/tinyq run

test: $(BIN)/.installed  ## the default test tier (CI)
	$(BIN)/python -m pytest -q

test-deep: $(BIN)/.installed  ## many more hypothesis examples per property
	$(BIN)/python -m pytest -q --deep

bench: $(BIN)/.installed  ## tinyq beside LiteRT and TFLite Micro on the shared real models
	$(BIN)/python tools/bench.py

clean:
	rm -rf $(VENV) build *.egg-info
