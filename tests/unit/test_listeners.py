"""sot ps's readings: /proc/net sockets and their owners from a fake /proc tree, the dev-server
classifier, and the collector taking them only when asked."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from sot.collect.collector import Collector
from sot.collect.devservers import GO, classify, group_dev_servers
from sot.collect.listeners import READING_DEV_SERVERS, READING_PORTS
from sot.collect.procfs import ProcNetSockets
from sot.collect.procfs_parsers import parse_net_sockets, socket_inode
from sot.collect.records import OwnedSocket
from sot.collect.replay import ReplaySource
from sot.model import ListeningPort
from tests.fakes import process, readings, with_process

HEADER = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
    "   uid  timeout inode\n"
)
# 127.0.0.1:8080 listening (inode 111), 0.0.0.0:22 listening (222), an established
# connection (333, not listed).
TCP = HEADER + (
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 111 1\n"
    "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0 0 222 1\n"
    "   2: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000 0 333 1\n"
)
# [::]:8080 listening (444) and [::1]:8081 listening (555).
TCP6 = HEADER + (
    "   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A"
    " 00000000:00000000 00:00000000 00000000  1000 0 444 1\n"
    "   1: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A"
    " 00000000:00000000 00:00000000 00000000  1000 0 555 1\n"
)
# 0.0.0.0:68 bound (666), a connected socket (777, not listed), port 0 (888, not listed).
UDP = HEADER + (
    "   0: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 666 2\n"
    "   1: 0100007F:A000 0100007F:0035 01 00000000:00000000 00:00000000 00000000 0 0 777 2\n"
    "   2: 00000000:0000 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 888 2\n"
)
UDP6 = HEADER + (
    "   0: 00000000000000000000000000000000:0044 00000000000000000000000000000000:0000 07"
    " 00000000:00000000 00:00000000 00000000 0 0 999 2\n"
)


def fake_proc(root: Path, owners: dict[int, list[int]]) -> Path:
    """A /proc tree: the four socket tables, and per PID fd links to socket inodes."""
    net = root / "net"
    net.mkdir(parents=True)
    for name, text in (("tcp", TCP), ("tcp6", TCP6), ("udp", UDP), ("udp6", UDP6)):
        (net / name).write_text(text)
    for pid, inodes in owners.items():
        fd = root / str(pid) / "fd"
        fd.mkdir(parents=True)
        os.symlink("/dev/null", fd / "0")
        for number, inode in enumerate(inodes, start=3):
            os.symlink(f"socket:[{inode}]", fd / str(number))
    return root


@pytest.mark.skipif(sys.byteorder != "little", reason="the fixture is little-endian")
def test_ports_ipv4_and_ipv6_on_the_same_port_are_two_entries() -> None:
    found = parse_net_sockets(TCP.encode(), "tcp") + parse_net_sockets(TCP6.encode(), "tcp6")
    assert [(s.protocol, s.address, s.port, s.inode) for s in found] == [
        ("tcp", "127.0.0.1", 8080, 111),
        ("tcp", "0.0.0.0", 22, 222),
        ("tcp6", "::", 8080, 444),
        ("tcp6", "::1", 8081, 555),
    ]


def test_udp_bound_sockets_only() -> None:
    udp = parse_net_sockets(UDP.encode(), "udp")
    udp6 = parse_net_sockets(UDP6.encode(), "udp6")
    assert [(s.protocol, s.address, s.port) for s in udp + udp6] == [
        ("udp", "0.0.0.0", 68),
        ("udp6", "::", 68),
    ]


def test_garbage_lines_are_skipped() -> None:
    assert parse_net_sockets(b"header\n0: zz:zz 00:00 0A 0 0 0 0 0 x\n\x1b[2J\n", "tcp") == []


def test_socket_inode() -> None:
    assert socket_inode("socket:[12345]") == 12345
    assert socket_inode("pipe:[12345]") is None
    assert socket_inode("socket:[x]") is None


def test_inode_to_pid_from_fd_links_lowest_pid_wins(tmp_path: Path) -> None:
    # 300 and 200 share inode 111 (a prefork server): the lower PID is its owner. 555's owner
    # is not visible (another user's fds): None.
    root = fake_proc(tmp_path, {300: [111, 666], 200: [111, 444], 50: [222], 7: [999]})
    sockets = ProcNetSockets(str(root)).listening_sockets()
    assert sockets is not None
    owners = {(s.protocol, s.port): s.pid for s in sockets}
    assert owners == {
        ("tcp", 8080): 200,
        ("tcp", 22): 50,
        ("tcp6", 8080): 200,
        ("tcp6", 8081): None,
        ("udp", 68): 300,
        ("udp6", 68): 7,
    }


def test_no_socket_tables_is_unknown(tmp_path: Path) -> None:
    assert ProcNetSockets(str(tmp_path)).listening_sockets() is None


@pytest.mark.parametrize(
    ("name", "cmdline", "kind", "program"),
    [
        ("cargo", "cargo run --release", "Rust", "cargo run"),
        ("mongod", "/usr/bin/mongod --config /etc/mongod.conf", "Database", "mongod"),
        ("python3", "python3 -m http.server 8000", "Python", "http.server"),
        ("python3.11", "/usr/bin/python3.11 -u manage.py runserver", "Python", "manage.py"),
        ("node", "node /srv/app/server.js", "Node", "node server.js"),
        ("bun", "bun run dev", "Node", "bun run"),
        ("nginx", "nginx: worker process", "Web server", "nginx"),
        ("postgres", "postgres: checkpointer", "Database", "postgres"),
        ("valkey-server", "valkey-server *:6379", "Database", "valkey-server"),
        ("java", "java -cp app.jar com.example.Main", "Java/JVM", "com.example.Main"),
        ("java", "java -Xmx1g -jar /opt/app/service.jar", "Java/JVM", "service.jar"),
        ("go", "go run ./cmd/server", GO, "go run ./cmd/server"),
        ("dockerd", "/usr/bin/dockerd -H fd://", "Containers", "dockerd"),
        ("php-fpm8.2", "php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)", "PHP", "php-fpm"),
        ("uvicorn", "/v/bin/python /v/bin/uvicorn main:app", "Python", "uvicorn"),
    ],
)
def test_classifier_knows(name: str, cmdline: str, kind: str, program: str) -> None:
    found = classify(name, cmdline)
    assert found is not None and (found.kind, found.program) == (kind, program)


@pytest.mark.parametrize(
    ("name", "cmdline"),
    [
        ("repair", "repair --all"),  # contains "pai", never "python": no substring guesses
        ("nextcloud", "nextcloud"),  # "node"? no
        ("main", "/tmp/go-build123/b001/exe/main"),  # a built Go binary: not guessable
        ("cargo-watch", "cargo-watch"),
        ("gopher", "gopher"),
        ("python3", "/home/u/.venv/bin/python3 /home/u/.venv/bin/sot ps"),  # sot itself
        ("python3", "python3 -m sot"),
        ("", ""),
    ],
)
def test_classifier_ignores(name: str, cmdline: str) -> None:
    assert classify(name, cmdline) is None


def test_groups_count_processes_ports_cpu_and_memory_without_sot() -> None:
    rows = [
        process(10, "node", cpu=5.0, rss=100, cmdline="node a.js"),
        process(11, "node", cpu=None, rss=50, cmdline="node b.js"),
        process(20, "python3", cpu=1.0, rss=10, cmdline="python3 -m http.server"),
        process(30, "python3", cpu=9.0, rss=99, cmdline="python3 app.py"),  # sot: own pid
        process(40, "repair", cpu=1.0, rss=1, cmdline="repair"),
    ]
    ports = [
        ListeningPort("tcp", "127.0.0.1", 3000, 10, "node"),
        ListeningPort("tcp6", "::", 3000, 10, "node"),
        ListeningPort("tcp", "0.0.0.0", 8000, 20, "python3"),
        ListeningPort("tcp", "0.0.0.0", 22, None, None),
    ]
    groups = group_dev_servers(rows, ports, own_pid=30)
    assert [(g.kind, g.programs, g.process_count, g.pids, g.ports) for g in groups] == [
        ("Node", ("node a.js", "node b.js"), 2, (10, 11), (3000,)),
        ("Python", ("http.server",), 1, (20,), (8000,)),
    ]
    assert groups[0].cpu_percent == 5.0 and groups[0].rss_bytes == 150


class FakePorts:
    def __init__(self) -> None:
        self.reads = 0

    def listening_sockets(self) -> list[OwnedSocket]:
        self.reads += 1
        return [OwnedSocket("tcp", "127.0.0.1", 8080, 4242), OwnedSocket("tcp", "::", 1, None)]


def test_collector_reads_ports_only_when_wanted_and_on_a_slow_schedule() -> None:
    source = ReplaySource(
        with_process(readings(), 4242, "python3", cmdline="python3 -m http.server")
    )
    ports = FakePorts()
    collector = Collector(source, ports=ports, own_pid=1, ports_period_s=3.0)
    plain = collector.sample(0.0, 1000.0)
    assert plain.ports is None and plain.dev_servers is None and ports.reads == 0
    wanted = frozenset({READING_PORTS, READING_DEV_SERVERS})
    first = collector.sample(1.0, 1001.0, wanted)
    collector.sample(2.0, 1002.0, wanted)
    assert ports.reads == 1  # within the period: the same reading
    collector.sample(4.0, 1004.0, wanted)
    assert ports.reads == 2
    assert first.ports is not None
    assert first.ports[-1] == ListeningPort("tcp", "127.0.0.1", 8080, 4242, "python3")
    assert first.ports[0].pid is None and first.ports[0].name is None
    assert first.dev_servers is not None and first.dev_servers[0].ports == (8080,)


def test_collector_without_a_port_source_says_unknown() -> None:
    collector = Collector(ReplaySource(readings()))
    assert collector.sample(0.0, 1.0, frozenset({READING_PORTS})).ports is None
