# Every target installs uv when it is missing, then works from the locked environment.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
endif
SYNC = $(UV) sync --locked --dev

.PHONY: run test lint format bench uv sync

uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user --break-system-packages uv

sync: uv
	@$(SYNC) --quiet

run: sync
	$(UV) run --locked sot $(ARGS)

lint: sync
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .
	$(UV) run --locked mypy

format: sync
	$(UV) run --locked ruff format .
	$(UV) run --locked ruff check --fix .

test: lint
	$(UV) run --locked pytest

bench: sync
	$(UV) run --locked python benchmarks/stages.py
	$(UV) run --locked python benchmarks/bench.py $(ARGS)
