"""``sot --prometheus URL --instance NAME``: options, the token, and the real ``sot`` against
an HTTP server on loopback answering with recorded node_exporter responses."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from sot import cli
from sot.collect.prometheus_api import PrometheusError, read_password, read_token
from sot.commands import dashboard
from sot.config import ConfigError
from sot.log import DebugLog
from tests.unit.test_prometheus_api import raw_server

DATA = Path(__file__).resolve().parents[1] / "data" / "prometheus"
TOKEN = "s3cr3t-t0ken-value"


def test_the_token_comes_from_the_file_or_the_environment(tmp_path: Path) -> None:
    assert read_token({}, None) is None
    assert read_token({"SOT_PROMETHEUS_TOKEN": f" {TOKEN}\n"}, None) == TOKEN
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    assert read_token({"SOT_PROMETHEUS_TOKEN": TOKEN}, str(token_file)) == "from-file"


def test_a_bad_token_file_is_named_without_its_contents(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(f"{TOKEN}\nsecond line\n")
    with pytest.raises(PrometheusError) as caught:
        read_token({}, str(token_file))
    assert "not one token on one line" in str(caught.value) and TOKEN not in str(caught.value)
    with pytest.raises(PrometheusError, match="--prometheus-token-file"):
        read_token({}, str(tmp_path / "missing"))


def test_a_token_with_a_line_break_in_the_environment_is_refused_without_its_value() -> None:
    with pytest.raises(PrometheusError) as caught:
        read_token({"SOT_PROMETHEUS_TOKEN": f"{TOKEN}\r\nsecond-line"}, None)
    message = str(caught.value)
    assert message == "SOT_PROMETHEUS_TOKEN: not one token on one line (a control character)"
    with pytest.raises(PrometheusError, match="SOT_PROMETHEUS_PASSWORD"):
        read_password({"SOT_PROMETHEUS_PASSWORD": "pass\x1bword"}, None)


def test_the_password_comes_from_the_file_or_the_environment(tmp_path: Path) -> None:
    assert read_password({}, None) is None
    # Spaces belong to a password; the line break that ends a file does not.
    assert read_password({"SOT_PROMETHEUS_PASSWORD": " hunter 2 "}, None) == " hunter 2 "
    password_file = tmp_path / "password"
    password_file.write_text("from file\n")
    assert read_password({"SOT_PROMETHEUS_PASSWORD": "env"}, str(password_file)) == "from file"
    password_file.write_text("hunter2\nsecond line\n")
    with pytest.raises(PrometheusError) as caught:
        read_password({}, str(password_file))
    assert "--prometheus-password-file" in str(caught.value) and "hunter2" not in str(caught.value)


def test_options_parse_and_the_url_stays_out_of_the_config_repr() -> None:
    config = cli.parse_config(
        ["--prometheus", "http://u:pw@prom:9090", "--instance", "web-1:9100"], {}
    )  # parsed; refused where the client is built (test_a_password_in_the_url_is_refused)
    assert config.prometheus_url == "http://u:pw@prom:9090"
    assert config.prometheus_instance == "web-1:9100"
    assert "pw@" not in repr(config)  # the debug log writes the config
    assert config.prometheus_job is None
    with_job = ["--prometheus", "http://prom:9090", "--instance", "web-1", "--job", "node"]
    assert cli.parse_config(with_job, {}).prometheus_job == "node"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--prometheus", "http://prom:9090"], "go together"),
        (["--instance", "web-1"], "go together"),
        (["--prometheus-ca", "ca.pem"], "need --prometheus"),
        (["--prometheus-password-file", "pw"], "need --prometheus"),
        (["--job", "node"], "--job NAME needs --prometheus"),
        (["--prometheus", "http://p", "--instance", "a", "--replay", "f"], "choose one"),
    ],
)
def test_option_mistakes_are_config_errors(args: list[str], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        cli.parse_config(args, {})


class _Prometheus(http.server.BaseHTTPRequestHandler):
    """``up`` answers the instance list (and, with no sample times, the queries of the scrape
    interval and the clock: unknown, so the source reads latest samples); any other query the
    node batch, tick 1 then tick 2."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        query = urllib.parse.parse_qs(self.rfile.read(length).decode())["query"][0]
        server = self.server
        server.tokens.add(self.headers.get("Authorization"))  # type: ignore[attr-defined]
        if query in ("up", "time()") or query.startswith("up{"):
            name = "up.json"  # the instances; the scrape interval and the clock: unknown here
        else:
            server.batches += 1  # type: ignore[attr-defined]
            name = "node_tick1.json" if server.batches == 1 else "node_tick2.json"  # type: ignore[attr-defined]
        body = (DATA / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def prometheus() -> Iterator[http.server.HTTPServer]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Prometheus)
    httpd.tokens = set()  # type: ignore[attr-defined]
    httpd.batches = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def run_sot(
    *args: str, token_file: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "SOT_PROMETHEUS_TOKEN": TOKEN, "COLUMNS": "100", "LINES": "30"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "sot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environ,
    )


def test_once_json_reads_the_instance_through_prometheus(
    prometheus: http.server.HTTPServer, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{prometheus.server_address[1]}"
    log = tmp_path / "sot.log"
    result = run_sot(
        "--prometheus", url, "--instance", "web-1:9100", "--once", "--format", "json",
        "-i", "0.2", "--log", str(log),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["memory"]["total_bytes"] == 8589934592
    assert document["cpu"]["total_percent"] == pytest.approx(30.0)
    assert prometheus.tokens == {f"Bearer {TOKEN}"}  # type: ignore[attr-defined]
    assert prometheus.batches == 2  # type: ignore[attr-defined]  # one query per sample
    assert TOKEN not in log.read_text()


def test_an_unknown_instance_names_the_known_ones_exit_2(
    prometheus: http.server.HTTPServer,
) -> None:
    url = f"http://127.0.0.1:{prometheus.server_address[1]}"
    result = run_sot("--prometheus", url, "--instance", "nope", "--once")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "unknown instance 'nope'; Prometheus knows: db-1:9100, evil]0;pwned:9100" in line
    assert "\x1b" not in line


def test_a_job_that_does_not_scrape_the_instance_names_its_jobs_exit_2(
    prometheus: http.server.HTTPServer,
) -> None:
    url = f"http://127.0.0.1:{prometheus.server_address[1]}"
    result = run_sot("--prometheus", url, "--instance", "web-1:9100", "--job", "nope", "--once")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "no job 'nope' scrapes 'web-1:9100'; its jobs: node" in line
    narrowed = run_sot(
        "--prometheus", url, "--instance", "web-1:9100", "--job", "node", "--once",
        "--format", "json",
    )  # fmt: skip
    assert narrowed.returncode == 0, narrowed.stderr
    assert json.loads(narrowed.stdout)["memory"]["total_bytes"] == 8589934592


def test_an_unreachable_prometheus_is_one_line_exit_2() -> None:
    result = run_sot("--prometheus", "http://u@127.0.0.1:1", "--instance", "a", "--once")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "http://127.0.0.1:1/api/v1/query: cannot connect" in line
    assert TOKEN not in line


def test_record_of_the_remote_host_replays_with_its_figures(
    prometheus: http.server.HTTPServer, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{prometheus.server_address[1]}"
    recording = tmp_path / "web-1.json"
    result = run_sot("--prometheus", url, "--instance", "web-1:9100", "--record", str(recording))
    assert result.returncode == 0, result.stderr
    assert f"recorded web-1:9100's readings, 0 processes to {recording}" in result.stderr
    assert prometheus.batches == 1  # type: ignore[attr-defined]  # one query, one scrape
    document = json.loads(recording.read_text())
    assert document["host"]["hostname"] == "web-1"
    assert document["memory"]["total"] == 8589934592
    assert sorted(document["nics"]) == ["eth0", "lo"]
    assert TOKEN not in recording.read_text()

    replayed = run_sot("--replay", str(recording), "--once", "--format", "json", "-i", "0.2")
    assert replayed.returncode == 0, replayed.stderr
    shown = json.loads(replayed.stdout)
    assert shown["host"]["hostname"] == "web-1"
    assert shown["memory"]["total_bytes"] == 8589934592
    assert [d["mount_point"] for d in shown["disks"]] == ["/", "/boot"]


@pytest.mark.parametrize(
    "args",
    [
        ["--once", "--format", "json"],
        ["--format", "ndjson", "--count", "2"],
        ["--format", "csv", "--count", "1"],
        [],  # no terminal: one frame
    ],
)
def test_one_shots_and_streams_leave_no_worker_thread(
    prometheus: http.server.HTTPServer, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    """Only the dashboard runs the worker: the others query in their own loop, and nothing of
    sot's is left running when they return."""
    url = f"http://127.0.0.1:{prometheus.server_address[1]}"
    argv = ["--prometheus", url, "--instance", "web-1:9100", "-i", "0.2", *args]
    assert dashboard.run(cli.parse_config(argv, {}), DebugLog(None)) == 0
    out = capsys.readouterr().out
    assert "web-1" in out or "csv" in args, out  # the remote host's (CSV has no host name)
    assert [t.name for t in threading.enumerate() if t.name.startswith("sot")] == []


@pytest.mark.parametrize("command", [[], ["fleet"]])
def test_a_password_in_the_url_is_refused_exit_2(command: list[str]) -> None:
    """ps shows argv to every user: the password goes in the environment or a file."""
    instance = [] if command else ["--instance", "a"]
    result = run_sot(*command, "--prometheus", "http://u:hunter2@127.0.0.1:1", *instance, "--once")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "no password in the URL" in line and "SOT_PROMETHEUS_PASSWORD" in line
    assert "--prometheus-password-file" in line and "hunter2" not in line


def test_basic_auth_sends_the_urls_user_with_the_password_file(
    prometheus: http.server.HTTPServer, tmp_path: Path
) -> None:
    password_file = tmp_path / "password"
    password_file.write_text("hunter2\n")
    log = tmp_path / "sot.log"
    url = f"http://alice@127.0.0.1:{prometheus.server_address[1]}"
    result = run_sot(
        "--prometheus", url, "--instance", "web-1:9100", "--once", "--format", "json",
        "-i", "0.2", "--prometheus-password-file", str(password_file), "--log", str(log),
        env={"SOT_PROMETHEUS_TOKEN": ""},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert prometheus.tokens == {"Basic YWxpY2U6aHVudGVyMg=="}  # type: ignore[attr-defined]
    assert "hunter2" not in log.read_text() and "YWxpY2U6aHVudGVyMg" not in log.read_text()


def test_the_fleet_sends_basic_auth_with_the_password_from_the_environment(
    prometheus: http.server.HTTPServer,
) -> None:
    url = f"http://alice@127.0.0.1:{prometheus.server_address[1]}"
    environ = {"SOT_PROMETHEUS_TOKEN": "", "SOT_PROMETHEUS_PASSWORD": "hunter2"}
    result = run_sot("fleet", "--prometheus", url, "--once", "--format", "json", env=environ)
    assert result.returncode == 0, result.stderr
    assert prometheus.tokens == {"Basic YWxpY2U6aHVudGVyMg=="}  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", [["--instance", "a"], ["fleet"]])
def test_a_port_that_is_not_http_is_one_line_exit_2_at_start(command: list[str]) -> None:
    """An SSH server on the port: one line naming what answered, never a traceback."""

    def answer(connection: socket.socket) -> None:
        connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    for port in raw_server(answer):
        fleet = command[:1] if command == ["fleet"] else []
        rest = [] if fleet else command
        result = run_sot(*fleet, "--prometheus", f"http://127.0.0.1:{port}", *rest, "--once")
        assert result.returncode == 2
        assert result.stderr.splitlines() == [
            f"sot: --prometheus: Prometheus http://127.0.0.1:{port}/api/v1/query:"
            " not an HTTP answer (BadStatusLine: SSH-2.0-OpenSSH_9.6)"
        ]
