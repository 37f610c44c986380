# Every target installs uv when it is missing, then works from the locked environment.
PYTHON ?= python3
# uv from PATH when there is one; otherwise a private copy in .tools/, a venv of this checkout's
# own, so neither the system's nor the user's site-packages are touched (PEP 668 stays happy).
TOOLS := $(CURDIR)/.tools
UV := $(or $(shell command -v uv 2>/dev/null),$(TOOLS)/bin/uv)
SYNC = $(UV) sync --locked --dev
# uv trusts the system's certificate store, as pip, curl and git do: behind a proxy whose CA is
# installed there (common in companies and sandboxes), uv's own bundle would refuse PyPI.
export UV_SYSTEM_CERTS ?= 1

.PHONY: run test fuzz lint format bench bench-fio uv sync tmux

uv: $(UV)

$(TOOLS)/bin/uv:
	@$(PYTHON) -m venv "$(TOOLS)" >/dev/null 2>&1 && "$(TOOLS)/bin/python" -m pip install \
		--quiet --disable-pip-version-check uv \
		|| { rm -rf "$(TOOLS)"; echo "make: could not install uv into .tools/ with '$(PYTHON) -m venv'" \
		"(Debian: apt-get install python3-venv; or install uv: https://docs.astral.sh/uv/)" >&2; exit 2; }

sync: uv
	@$(SYNC) --quiet

# No echo of the command: `make run ARGS="--once --format json" | jq` gets JSON only.
run: sync
	@$(UV) run --locked --quiet sot $(ARGS)

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

# Same examples on every run (see tests/conftest.py): the verdict never depends on the clone.
test: lint tmux
	$(UV) run --locked pytest -p no:cacheprovider

# The property tests with random seeds and ten times the examples: a search, not a gate.
fuzz: sync
	SOT_HYPOTHESIS=fuzz $(UV) run --locked pytest -p no:cacheprovider -m property

bench: sync
	$(UV) run --locked python benchmarks/stages.py
	$(UV) run --locked python benchmarks/gpu.py
	$(UV) run --locked python benchmarks/info.py
	$(UV) run --locked python benchmarks/line.py
	$(UV) run --locked python benchmarks/bench.py $(ARGS)
	$(UV) run --locked python benchmarks/keys.py
	$(UV) run --locked python benchmarks/fleet.py $(FLEET_ARGS)

# sot bench beside fio (same jobs, same directory, O_DIRECT, queue depth 1): issue 15's accuracy
# check. FIO_ARGS: a directory, --size, --duration, --rounds (see benchmarks/bench_vs_fio.py).
bench-fio: sync
	$(UV) run --locked python benchmarks/bench_vs_fio.py $(FIO_ARGS)
