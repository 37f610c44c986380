"""The fleet source: recorded API answers (tests/data/prometheus/fleet_*.json, one answer per
query) through a counting transport, an injected clock, no network. A refresh is the same
fixed number of queries for 4 instances or 1,000."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from sot.collect.fleet_source import FLEET_QUERIES, FleetSource, fleet_rows
from sot.collect.prometheus_api import PrometheusClient, Response
from sot.fleet_model import FleetRow
from sot.oneshot_fleet import fleet_to_json
from tests.unit.test_prometheus_source import Clock

DATA = Path(__file__).resolve().parents[1] / "data" / "prometheus"
TOKEN = "s3cr3t-t0ken-value"
NAMES = {expr: name for name, expr in FLEET_QUERIES.items()}


class Server:
    """Answers each of the fleet's queries from a recorded file (query name -> API answer);
    counts what it is sent, by endpoint."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = answers
        self.down = False
        self.failing: str | None = None  # a query name answered with an error
        self.requests: list[tuple[str, str]] = []

    @classmethod
    def recorded(cls, name: str) -> Server:
        return cls(json.loads((DATA / name).read_text(encoding="utf-8")))

    def __call__(
        self, url: str, form: Mapping[str, str], headers: Mapping[str, str], timeout_s: float
    ) -> Response:
        self.requests.append((url, form["query"]))
        if self.down:
            raise ConnectionRefusedError(111, "Connection refused")
        name = NAMES[form["query"]]
        if name == self.failing:
            body = (DATA / "error_bad_data.json").read_bytes().replace(b"parse", TOKEN.encode())
            return Response(400, "application/json", body)
        return Response(200, "application/json", json.dumps(self.answers[name]).encode())


def source_for(server: Server, clock: Clock) -> FleetSource:
    client = PrometheusClient("http://prom:9090", token=TOKEN, transport=server)
    return FleetSource(client, clock, wall=clock, interval_s=1.0)


def rows_by_instance(source: FleetSource) -> dict[str, FleetRow]:
    return {row.instance: row for row in source.snapshot().rows}


def test_one_refresh_is_one_query_per_figure_for_all_instances() -> None:
    server = Server.recorded("fleet_mixed.json")
    source = source_for(server, Clock())
    assert source.fetch_once() == 1.0
    assert len(server.requests) == len(FLEET_QUERIES) == 9
    assert {url for url, _ in server.requests} == {"http://prom:9090/api/v1/query"}
    assert source.queries == 9 and len(source.snapshot().rows) == 4


def _many(count: int) -> dict[str, Any]:
    """Answers for ``count`` instances, every figure present."""

    def vector(value: str, extra: Mapping[str, str] | None = None) -> dict[str, Any]:
        result: list[dict[str, Any]] = []
        for i in range(count):
            metric = {"instance": f"node-{i}:9100", "job": "node", **(extra or {})}
            result.append({"metric": metric, "value": [1764489600.0, value]})
        return {"status": "success", "data": {"resultType": "vector", "result": result}}

    answers = {name: vector("1") for name in FLEET_QUERIES}
    answers["filesystem"] = vector("50", {"fstype": "ext4", "mountpoint": "/"})
    return answers


def test_a_thousand_instances_cost_the_same_nine_queries() -> None:
    server = Server(_many(1000))
    source = source_for(server, Clock())
    source.fetch_once()
    assert len(server.requests) == 9
    rows = source.snapshot().rows
    assert len(rows) == 1000 and all(row.up and row.cpu_percent == 1.0 for row in rows)


def test_figures_are_joined_by_instance_and_job() -> None:
    source = source_for(Server.recorded("fleet_mixed.json"), Clock())
    source.fetch_once()
    web = rows_by_instance(source)["web-1:9100"]
    assert (web.job, web.up, web.cpu_percent, web.memory_used_percent) == ("node", True, 37.5, 50)
    # The fullest of the real filesystems: a container's overlay (not at /) is no disk.
    assert (web.fullest_filesystem_percent, web.fullest_filesystem_mount) == (77.25, "/srv/data")
    assert (web.load1_per_core, web.network_rx_bytes_per_s, web.network_tx_bytes_per_s) == (
        0.25,
        1048576.0,
        524288.0,
    )
    assert web.uptime_s == 90061.0  # the sample's time less node_boot_time_seconds
    assert (web.nodename, web.kernel_release) == ("web-1", "6.8.0-49-generic")


def test_a_down_instance_keeps_its_name_and_loses_its_figures() -> None:
    source = source_for(Server.recorded("fleet_mixed.json"), Clock())
    source.fetch_once()
    down = rows_by_instance(source)["web-2:9100"]
    # irate still finds its CPU samples from before it went down: not shown as current.
    assert down.up is False and down.cpu_percent is None and down.uptime_s is None
    assert down.fullest_filesystem_percent is None and down.nodename == "web-2"


def test_nan_inf_and_missing_series_are_unknown_and_percents_are_clamped() -> None:
    source = source_for(Server.recorded("fleet_mixed.json"), Clock())
    source.fetch_once()
    rows = rows_by_instance(source)
    db = rows["db-1:9100"]
    assert db.job == "db" and db.cpu_percent is None  # NaN
    assert db.fullest_filesystem_percent is None and db.nodename is None  # no series
    assert (db.memory_used_percent, db.load1_per_core, db.uptime_s) == (91.25, 1.5, 3600.0)
    evil = next(row for name, row in rows.items() if name.startswith("evil"))
    assert "\x1b" not in evil.instance and evil.job == "日本語ジョブ"
    assert (evil.cpu_percent, evil.memory_used_percent) == (100.0, 0.0)
    assert evil.load1_per_core is None  # +Inf
    # A NaN filesystem (0 bytes) is skipped; an overlay at / is a container's root disk.
    assert (evil.fullest_filesystem_percent, evil.fullest_filesystem_mount) == (12.5, "/")


def test_partial_answers_show_the_server_s_warning() -> None:
    source = source_for(Server.recorded("fleet_partial.json"), Clock())
    source.fetch_once()
    snapshot = source.snapshot()
    assert snapshot.status is not None
    assert snapshot.status.startswith("prometheus: warning: remote read: store 10.0.0.7")
    assert rows_by_instance(source)["db-1:9100"].memory_used_percent is None


def test_a_failed_query_fails_the_refresh_blanks_the_figures_and_backs_off() -> None:
    clock = Clock()
    server = Server.recorded("fleet_mixed.json")
    source = source_for(server, clock)
    source.fetch_once()
    clock.now_s += 5
    server.failing = "memory"
    assert source.fetch_once() == 1.0  # the back-off: 1 s, then doubling
    snapshot = source.snapshot()
    assert [row.up for row in snapshot.rows] == [None] * 4  # instances stay, figures go
    assert all(row.cpu_percent is None for row in snapshot.rows)
    assert snapshot.status is not None
    # What failed first (the URL is the screen's title and in the log, not here).
    assert snapshot.status.startswith("prometheus: bad_data: invalid parameter")
    assert snapshot.status.endswith("; last success 5 s ago")
    assert TOKEN not in snapshot.status  # the server quoted it back: redacted
    server.failing = None
    server.down = True
    assert [source.fetch_once() for _ in range(7)] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert "cannot connect" in (source.snapshot().status or "")
    server.down = False
    assert source.fetch_once() == 1.0
    assert source.snapshot().status is None and source.snapshot().up_count == 3


def test_figures_older_than_the_timeout_and_an_interval_turn_unknown() -> None:
    clock = Clock()
    source = source_for(Server.recorded("fleet_mixed.json"), clock)
    source.fetch_once()
    source.start(spawn=False)  # the worker's: freshness applies
    clock.now_s += 2.9  # 2 intervals of 1 s, but the 2 s query timeout + 1 interval is longer
    assert source.snapshot().up_count == 3
    clock.now_s += 0.2
    snapshot = source.snapshot()
    assert snapshot.up_count == 0 and snapshot.rows[0].instance == "web-1:9100"
    assert snapshot.status == "prometheus: no fresh data (slow server?); last success 3 s ago"


def test_json_has_the_contract_s_fields_with_units_and_null_for_unknown() -> None:
    source = source_for(Server.recorded("fleet_mixed.json"), Clock())
    source.fetch_once()
    document = json.loads(fleet_to_json(source.snapshot()))
    assert document["schema_version"] == 1 and document["prometheus"] == "http://prom:9090"
    assert document["queries_per_refresh"] == 9 and document["time_epoch_s"] == 100.0
    assert "source_status" not in document
    by_name = {item["instance"]: item for item in document["instances"]}
    web = by_name["web-1:9100"]
    assert set(web) >= {
        "instance", "job", "up", "cpu_percent", "memory_used_percent",
        "fullest_filesystem_percent", "fullest_filesystem_mount", "load1_per_core",
        "network_rx_bytes_per_s", "network_tx_bytes_per_s", "uptime_s",
    }  # fmt: skip
    assert web["up"] is True and by_name["web-2:9100"]["up"] is False
    assert by_name["web-2:9100"]["cpu_percent"] is None
    assert [item["instance"] for item in document["instances"]][:3] == [
        "db-1:9100",
        "evil[2J:9100",
        "web-1:9100",
    ]


def test_rows_come_in_the_order_of_the_up_series() -> None:
    rows = fleet_rows({})
    assert rows == ()


@pytest.mark.parametrize("url", ["ftp://prom", "prom:9090", "http://:9090"])
def test_a_bad_url_is_one_line_and_exit_2(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from sot.cli import main

    assert main(["fleet", "--prometheus", url, "--once"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not an http:// or https:// URL" in err


def test_a_recorded_answer_of_the_real_engine() -> None:
    """fleet_engine.json: the nine answers of Prometheus 2.42 scraping node_exporter 1.5
    every second (recorded from tests/e2e/prometheus_engine.py)."""
    source = source_for(Server.recorded("fleet_engine.json"), Clock())
    source.fetch_once()
    (row,) = source.snapshot().rows
    assert (row.instance, row.job, row.up, row.nodename) == ("127.0.0.1:41217", "node", True, "vm")
    assert row.cpu_percent is not None and 0 < row.cpu_percent < 100
    assert row.memory_used_percent is not None and 0 < row.memory_used_percent < 100
    assert row.fullest_filesystem_mount == "/" and row.uptime_s is not None
    assert row.network_rx_bytes_per_s == 0.0  # only lo moves data here, and lo is left out


def test_the_worker_stops_while_a_dashboard_is_open_and_starts_again_at_once() -> None:
    import time

    def wait_for(condition: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.01)
        return condition()

    server = Server.recorded("fleet_mixed.json")
    source = FleetSource(PrometheusClient("http://prom:9090", transport=server), interval_s=60)
    source.fetch_once()  # the first frame's, before the worker
    source.start()
    assert source.fetches == 1  # the next one is an interval (60 s) away
    source.close()
    source.start(now=True)  # back from a dashboard: at once
    assert wait_for(lambda: source.fetches == 2)
    source.close()
    assert len(server.requests) == 18
