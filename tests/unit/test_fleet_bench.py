"""The fleet benchmark's bookkeeping (benchmarks/fleet.py), without Prometheus or sot: which
query ends a refresh (the window's edges), the query log read as it grows, and the check of
``sot fleet --once --format json`` against the generated hosts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from fleet import QueryLog, check_document, last_of_refresh
from fleet_engine import synthetic_hosts


def entry(query: str, start_s: float, took_s: float = 0.005) -> dict[str, object]:
    """A query log line as Prometheus 2.x writes it: when the query started and ended."""

    def iso(seconds: float) -> str:
        whole = int(seconds)
        return f"2026-11-30T08:{whole // 60:02d}:{whole % 60:02d}.{round(seconds % 1 * 1000):03d}Z"

    return {
        "params": {"query": query, "start": iso(start_s), "end": iso(start_s), "step": 0},
        "ts": iso(start_s + took_s),
    }


def refreshes(queries: list[str], count: int, first_s: float = 0.0) -> list[dict[str, object]]:
    """``count`` refreshes a second apart, each asking ``queries`` one after another."""
    out = []
    for refresh in range(count):
        at = first_s + refresh * 1.0
        for query in queries:
            out.append(entry(query, at, took_s=0.2 if query == "cpu" else 0.005))
            at += 0.2 if query == "cpu" else 0.005
    return out


def test_the_last_query_of_a_refresh_is_the_one_followed_by_the_quiet() -> None:
    # The CPU query takes 200 ms (a quiet log while it runs), but the next query starts as soon
    # as it ends: the quiet that counts is from a query's end to the next one's start.
    assert last_of_refresh(refreshes(["up", "cpu", "memory", "uname"], 3)) == "uname"


def test_start_up_queries_that_come_once_are_never_the_marker() -> None:
    start_up = [entry("up", 0.0), entry("history[1h]", 0.5)]  # then a long pause
    log = start_up + refreshes(["batch"], 3, first_s=5.0)
    assert last_of_refresh(log) == "batch"


def test_the_query_log_is_taken_up_to_a_query_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    path.write_text(json.dumps(entry("old", 0.0)) + "\n")
    log = QueryLog(path)  # from now on: the old line is not read
    lines = refreshes(["up", "cpu", "uname"], 2)
    with path.open("a") as stream:
        stream.write("".join(json.dumps(line) + "\n" for line in lines))
        stream.write('{"params": {"query": "half a line')  # being written
    assert log.take_until("cpu")
    assert log.consumed == 2
    assert log.take_until("cpu")
    assert log.consumed == 5
    assert not log.take_until("cpu")
    assert log.consumed == 6
    with path.open("a") as stream:
        stream.write(' written"}}\n')
    assert [e["params"] for e in log.take_all()] == [{"query": "half a line written"}]


def test_the_fleet_document_must_list_every_host_up_or_down_with_the_contract_s_fields() -> None:
    hosts = synthetic_hosts(40)
    rows = [
        {
            "instance": host.instance,
            "job": host.job,
            "up": not host.down,
            "cpu_percent": None if host.down else 12.5,
            "memory_used_percent": None,
            "fullest_filesystem_percent": None,
            "fullest_filesystem_mount": None,
            "load1_per_core": None,
            "network_rx_bytes_per_s": None,
            "network_tx_bytes_per_s": None,
            "uptime_s": None,
        }
        for host in hosts
    ]
    document = {"schema_version": 1, "prometheus": "u", "time_epoch_s": 0.0, "instances": rows}
    assert check_document(document, hosts) == "lists all 40 instances, 39 up, CPU % known for 39"
    assert check_document({**document, "instances": rows[1:]}, hosts).startswith("39 instances")
    flipped = [{**row, "up": True} for row in rows]
    assert check_document({**document, "instances": flipped}, hosts).startswith("0 instances down")
    partial = [{k: v for k, v in row.items() if k != "uptime_s"} for row in rows]
    assert check_document({**document, "instances": partial}, hosts) == (
        "instances without uptime_s"
    )
    assert check_document({"instances": rows}, hosts).startswith("no schema_version")
