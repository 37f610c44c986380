"""The Prometheus HTTP API client: recorded answers (tests/data/prometheus) through a fake
transport, and the urllib transport against a server on loopback (a real socket, no mock)."""

from __future__ import annotations

import http.server
import math
import socket
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from sot.collect.prometheus_api import (
    PrometheusClient,
    PrometheusError,
    Response,
    Transport,
    promql_string,
    redact_url,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "prometheus"
TOKEN = "s3cr3t-t0ken-value"


class Recorded:
    """A transport answering every request with one recorded response; keeps the requests."""

    def __init__(self, name: str, status: int = 200, content_type: str = "application/json"):
        self.response = Response(status, content_type, (DATA / name).read_bytes())
        self.requests: list[tuple[str, dict[str, str], dict[str, str], float]] = []

    def __call__(
        self, url: str, form: Mapping[str, str], headers: Mapping[str, str], timeout_s: float
    ) -> Response:
        self.requests.append((url, dict(form), dict(headers), timeout_s))
        return self.response


class Raising:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def __call__(
        self, url: str, form: Mapping[str, str], headers: Mapping[str, str], timeout_s: float
    ) -> Response:
        raise self.error


def client(
    transport: Transport, url: str = "http://prom:9090", token: str | None = TOKEN
) -> PrometheusClient:
    return PrometheusClient(url, token=token, transport=transport)


def test_a_vector_becomes_samples_with_sorted_labels() -> None:
    transport = Recorded("node_tick1.json")
    result = client(transport).query('up{job="node"}')
    assert result.result_type == "vector"
    assert result.warnings == ()
    total = [s for s in result.samples if s.label("__name__") == "node_memory_MemTotal_bytes"]
    assert len(total) == 1
    assert total[0].value == 8589934592.0
    assert total[0].timestamp_s == 1764489600.0
    assert [k for k, _ in total[0].labels] == sorted(k for k, _ in total[0].labels)
    url, form, headers, timeout_s = transport.requests[0]
    assert url == "http://prom:9090/api/v1/query"
    assert form == {"query": 'up{job="node"}'}
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert timeout_s == 2.0


def test_query_passes_the_evaluation_time() -> None:
    transport = Recorded("scalar.json")
    result = client(transport).query("1+1", time=1764489600.5)
    assert transport.requests[0][1]["time"] == "1764489600.5"
    assert result.result_type == "scalar"
    assert result.samples[0].labels == ()
    assert result.samples[0].value == 2.0


def test_query_range_reads_a_matrix_with_nan() -> None:
    transport = Recorded("matrix_range.json")
    result = client(transport).query_range("node_load1", 100.0, 130.0, 15.0)
    url, form, _, _ = transport.requests[0]
    assert url.endswith("/api/v1/query_range")
    assert (form["start"], form["end"], form["step"]) == ("100.0", "130.0", "15.0")
    (series,) = result.series
    assert series.label("instance") == "web-1:9100"
    assert [p[1] for p in series.points[:2]] == [0.5, 0.75]
    assert math.isnan(series.points[2][1])


def test_nan_and_infinities_are_read_as_floats() -> None:
    result = client(Recorded("nan_values.json")).query("x")
    values = {s.label("__name__"): s.value for s in result.samples}
    assert math.isnan(values["node_memory_MemTotal_bytes"])
    assert values["node_memory_MemAvailable_bytes"] == math.inf
    assert values["node_memory_MemFree_bytes"] == -math.inf


def test_partial_results_carry_their_warnings() -> None:
    result = client(Recorded("warnings_partial.json")).query("node_load1")
    assert result.samples[0].value == 0.52
    assert result.warnings == ("remote read: store 10.0.0.7:10901 unavailable, partial response",)


def test_label_values_from_the_server_are_sanitized() -> None:
    result = client(Recorded("up.json")).query("up")
    instances = [s.label("instance") for s in result.samples]
    assert "evil]0;pwned:9100" in instances
    assert not any("\x1b" in (i or "") or "\x07" in (i or "") for i in instances)


@pytest.mark.parametrize(
    ("name", "status", "words"),
    [
        ("error_bad_data.json", 400, ("bad_data", "parse error", "HTTP 400")),
        ("error_timeout.json", 503, ("timeout", "query timed out", "HTTP 503")),
    ],
)
def test_api_errors_are_one_line_naming_the_url(
    name: str, status: int, words: tuple[str, ...]
) -> None:
    with pytest.raises(PrometheusError) as caught:
        client(Recorded(name, status)).query("x")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("Prometheus http://prom:9090/api/v1/query: ")
    for word in words:
        assert word in message


def test_an_html_error_page_is_named_not_parsed() -> None:
    with pytest.raises(PrometheusError) as caught:
        client(Recorded("unavailable_503.html", 503, "text/html; charset=utf-8")).query("x")
    message = str(caught.value)
    assert "HTTP 503, not a Prometheus answer (text/html" in message
    assert "\n" not in message and "\r" not in message


def test_a_timeout_names_the_limit() -> None:
    with pytest.raises(PrometheusError, match="no answer within 2 s"):
        client(Raising(TimeoutError("timed out"))).query("x")


def test_malformed_json_answers_are_errors_not_crashes() -> None:
    transport = Recorded("scalar.json")
    transport.response = Response(200, "application/json", b'{"status":"success","data":{}}')
    with pytest.raises(PrometheusError, match="malformed answer"):
        client(transport).query("x")
    transport.response = Response(200, "application/json", b'{"status":"success"')
    with pytest.raises(PrometheusError, match="not a Prometheus answer"):
        client(transport).query("x")


def test_the_token_and_the_password_never_reach_an_error_message() -> None:
    # A server (or proxy) that quotes the request, Authorization header included, back.
    transport = Recorded("scalar.json")
    echo = f'{{"status":"error","errorType":"bad_data","error":"Bearer {TOKEN} hunter2"}}'
    transport.response = Response(400, "application/json", echo.encode())
    url = "https://prom.example:9090/prefix/?x=1"
    with pytest.raises(PrometheusError) as caught:
        client(transport, url).query("x")
    message = str(caught.value)
    assert TOKEN not in message
    assert "https://prom.example:9090/prefix/api/v1/query" in message
    with pytest.raises(PrometheusError) as refused:
        client(Raising(ConnectionRefusedError(f"refused {TOKEN}")), url).query("x")
    assert TOKEN not in str(refused.value)
    basic = PrometheusClient("https://alice@prom.example", password="hunter2", transport=transport)
    with pytest.raises(PrometheusError) as caught:
        basic.query("x")
    assert "hunter2" not in str(caught.value) and f"Bearer {TOKEN} *** (HTTP 400)" in str(
        caught.value
    )  # that client holds no token: only its password is masked


def test_the_urls_user_and_a_password_become_basic_auth() -> None:
    transport = Recorded("scalar.json")
    PrometheusClient("http://alice@prom:9090", password="hunter2", transport=transport).query("x")
    url, _, headers, _ = transport.requests[0]
    assert url == "http://prom:9090/api/v1/query"
    assert headers["Authorization"] == "Basic YWxpY2U6aHVudGVyMg=="
    assert "hunter2" not in repr(PrometheusClient("http://alice@prom:9090", password="hunter2"))


def test_a_url_that_is_not_http_is_refused_at_once() -> None:
    with pytest.raises(PrometheusError, match="not an http"):
        PrometheusClient("ftp://user@prom:21")
    for url in ("prom:9090", "http://[::1", "http://prom:99999", "http://prom:port"):
        with pytest.raises(PrometheusError) as caught:
            PrometheusClient(url)
        assert "\n" not in str(caught.value)


def test_a_missing_ca_file_is_one_line() -> None:
    with pytest.raises(PrometheusError, match="CA file"):
        PrometheusClient("https://prom:9090", ca_file="/nonexistent/ca.pem")


def test_redact_url_and_promql_strings() -> None:
    assert redact_url("https://u:p@h:1/a?token=x#f") == "https://h:1/a"
    assert redact_url("http://[::1]:9090/") == "http://[::1]:9090/"
    assert promql_string('we"b\\1') == '"we\\"b\\\\1"'


# The urllib transport against a real HTTP server on loopback.


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        self.server.seen.append((self.path, form, self.headers.get("Authorization")))  # type: ignore[attr-defined]
        name, status, kind = self.server.answer  # type: ignore[attr-defined]
        body = (DATA / name).read_bytes()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # no access log on the test output


@pytest.fixture
def server() -> Iterator[http.server.HTTPServer]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen = []  # type: ignore[attr-defined]
    httpd.answer = ("scalar.json", 200, "application/json")  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_urllib_transport_posts_the_query_with_the_token(server: http.server.HTTPServer) -> None:
    port = server.server_address[1]
    result = PrometheusClient(f"http://127.0.0.1:{port}/", token=TOKEN).query("up")
    assert result.samples[0].value == 2.0
    assert server.seen == [("/api/v1/query", {"query": ["up"]}, f"Bearer {TOKEN}")]  # type: ignore[attr-defined]


def test_urllib_transport_reads_error_bodies(server: http.server.HTTPServer) -> None:
    port = server.server_address[1]
    server.answer = ("unavailable_503.html", 503, "text/html")  # type: ignore[attr-defined]
    with pytest.raises(PrometheusError, match="HTTP 503, not a Prometheus answer"):
        PrometheusClient(f"http://127.0.0.1:{port}").query("up")
    server.answer = ("error_bad_data.json", 400, "application/json")  # type: ignore[attr-defined]
    with pytest.raises(PrometheusError, match="bad_data"):
        PrometheusClient(f"http://127.0.0.1:{port}").query("up")


def test_connection_refused_is_one_line_without_the_token() -> None:
    with socket.socket() as probe:  # a port nothing listens on: bound, then closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PrometheusError) as caught:
        PrometheusClient(f"http://u@127.0.0.1:{port}", token=TOKEN).query("up")
    message = str(caught.value)
    assert f"Prometheus http://127.0.0.1:{port}/api/v1/query: cannot connect" in message
    assert TOKEN not in message and "\n" not in message
