"""Review fixes of the Prometheus source, its worker and the fleet (issue 14): a worker that
survives anything, untrusted values read as unknown, steady rates whatever the read schedule,
freshness counted from the answer, and the status line's wording. Fake transports, no network."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping

from sot.collect.fleet_source import FleetSource
from sot.collect.prometheus_api import PrometheusClient, QueryResult, Response
from sot.collect.prometheus_source import PrometheusSource, run_fetches


def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def vector(*series: tuple[Mapping[str, str], str]) -> bytes:
    result = [{"metric": dict(labels), "value": [1.0, value]} for labels, value in series]
    return json.dumps(
        {"status": "success", "data": {"resultType": "vector", "result": result}}
    ).encode()


UP = vector(({"__name__": "up", "instance": "a"}, "1"))


class Flaky(PrometheusClient):
    """A client whose queries raise ``error`` while ``failing`` is set (anything a bug or a
    strange answer could raise, not a PrometheusError)."""

    def __init__(self, error: Exception) -> None:
        super().__init__("http://h:1", transport=lambda *a: Response(200, "application/json", UP))
        self.error = error
        self.failing = threading.Event()
        self.calls = 0

    def query(self, expr: str, time: float | None = None) -> QueryResult:
        self.calls += 1
        if self.failing.is_set():
            raise self.error
        return super().query(expr, time)


def test_an_unexpected_exception_is_a_failed_fetch_and_the_worker_goes_on() -> None:
    client = Flaky(OverflowError("int too large to convert to float"))
    source = PrometheusSource(client, "a", time.monotonic, interval_s=0.05)
    source.fetch_once()
    client.failing.set()
    source.start()
    try:
        assert wait_for(lambda: source.last_error is not None)
        message = source.status_message()
        assert message is not None and "\n" not in message
        assert "OverflowError: int too large" in message
        assert source.running
        calls = client.calls
        client.failing.clear()
        # Backed off (1 s after the first failure), then fetching again.
        assert wait_for(lambda: source.last_error is None)
        assert client.calls > calls and source.running and source.status_message() is None
    finally:
        source.close()
    assert not source.running


def test_the_history_job_raising_does_not_end_the_worker() -> None:
    client = Flaky(RuntimeError("boom"))
    source = PrometheusSource(client, "a", time.monotonic, interval_s=0.05)

    def first() -> None:
        raise RuntimeError("the past")

    source.start(first=first)
    try:
        assert wait_for(lambda: client.calls >= 2)
        assert source.running and source.last_error is None
    finally:
        source.close()


def test_run_fetches_survives_a_fetch_that_raises() -> None:
    stop = threading.Event()
    calls: list[int] = []

    def fetch_once() -> float:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("a bug")
        stop.set()
        return 0.0

    worker = threading.Thread(target=run_fetches, args=(stop, 0.0, fetch_once), daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive() and len(calls) == 2


class FleetServer:
    """Answers the fleet's queries: ``up`` of one instance, nothing else; ``raising`` makes
    the transport raise something that is no PrometheusError in the query's own thread."""

    def __init__(self) -> None:
        self.raising: Exception | None = None
        self.delay_s = 0.0

    def __call__(
        self, url: str, form: Mapping[str, str], headers: Mapping[str, str], timeout_s: float
    ) -> Response:
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.raising is not None and form["query"] != "up":
            raise self.raising
        series: list[tuple[Mapping[str, str], str]] = []
        if form["query"] == "up":
            series.append(({"__name__": "up", "instance": "web-1:9100", "job": "node"}, "1"))
        return Response(200, "application/json", vector(*series))


def test_an_exception_in_a_fleet_query_thread_fails_the_refresh_not_the_worker() -> None:
    server = FleetServer()
    server.raising = RuntimeError("strange")
    source = FleetSource(PrometheusClient("http://h:1", transport=server), interval_s=0.05)
    assert source.fetch_once() == 1.0  # the back-off, as after any failed refresh
    message = source.snapshot().status
    assert message is not None and "RuntimeError: strange" in message and "\n" not in message
    server.raising = None
    source.start(now=True)
    try:
        assert wait_for(lambda: source.last_error is None)
        assert source.snapshot().rows[0].up is True
    finally:
        source.close()
