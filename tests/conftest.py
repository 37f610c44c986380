import os
import time
from pathlib import Path

import pytest
from hypothesis import is_hypothesis_test, settings

from tests.property import PROFILE

# Render output shows local times (clock, process start): pin the zone so goldens are stable.
os.environ["TZ"] = "UTC"
time.tzset()

# Property tests run the same examples on every clone and every run (`make test`, CI): no random
# seed, no example database replaying a failure found elsewhere, no deadline (a loaded machine is
# slow, not wrong). `make fuzz` searches with random seeds and ten times the examples instead.
settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
settings.register_profile(
    "fuzz", derandomize=False, database=None, deadline=None, max_examples=1000, print_blob=True
)
settings.load_profile(PROFILE)


@pytest.fixture(scope="session")
def _empty_config_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("empty-xdg-config-home")


@pytest.fixture(autouse=True)
def _no_developer_settings(_empty_config_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's own config file or their SOT_THEME, SOT_READ_ONLY: the
    default file is looked for in an empty directory (a test that wants a file passes its own
    environ, or writes one under its own tmp_path). COLORTERM is the themes tests' to set."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(_empty_config_home))
    for name in ("SOT_THEME", "SOT_READ_ONLY"):
        monkeypatch.delenv(name, raising=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.Function) and is_hypothesis_test(item.obj):
            item.add_marker(pytest.mark.property)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: it means a tool the tests need was not installed."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and session.exitstatus == 0:
        session.exitstatus = 1
        if reporter is not None:
            reporter.write_line(f"CI: {len(skipped)} test(s) skipped; failing the run", red=True)
