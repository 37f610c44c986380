# Every target installs uv when it is missing, then works from the locked environment.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
endif
SYNC = $(UV) sync --locked --dev

.PHONY: run test lint format bench uv sync tmux

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

# The end-to-end tests drive a real terminal through tmux: install it where we can (root with
# apt-get, as on CI and fresh Debian machines); elsewhere those tests say how to get it.
tmux:
	@command -v tmux >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null; } \
		|| echo "note: tmux is not installed; the tmux end-to-end tests will be skipped"

test: lint tmux
	$(UV) run --locked pytest

bench: sync
	$(UV) run --locked python benchmarks/stages.py
	$(UV) run --locked python benchmarks/bench.py $(ARGS)
