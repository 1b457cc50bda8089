# podfit: the two set-up commands are `make demo` and `make test`; both work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit system bench readme clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

## demo: install podfit and lint the bundled example (it has real findings on purpose)
demo: $(STAMP)
	@echo "+ podfit check examples/demo"
	@$(BIN)/podfit check examples/demo; rc=$$?; \
	  if [ $$rc -gt 1 ]; then exit $$rc; fi; \
	  echo; echo "podfit check exited $$rc (1 = findings, as expected for this example)"

## system: install the real components the tests use (apt packages, base image) when root
system:
	bash scripts/setup-system.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench harness scripts
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

## test: everything the suite needs, then lint, types, layers and the whole suite
test: system $(STAMP)
	$(MAKE) lint typecheck unit

## bench: side-by-side benchmarks against peers; results in bench/results/ and the README
bench: system $(STAMP)
	$(BIN)/python bench/run.py

readme: $(STAMP)
	$(BIN)/python scripts/gen_readme.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .pytest_cache .ruff_cache
