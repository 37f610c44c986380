import os
import time

import pytest

# Render output shows local times (clock, process start): pin the zone so goldens are stable.
os.environ["TZ"] = "UTC"
time.tzset()


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
