"""The Prometheus HTTP API client: recorded answers (tests/data/prometheus) through a fake
transport, and the urllib transport against a server on loopback (a real socket, no mock)."""

from __future__ import annotations

import base64
import http.server
import json
import math
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sot.collect.prometheus_api import (
    MAX_RESPONSE_BYTES,
    PrometheusClient,
    PrometheusError,
    Response,
    Transport,
    promql_string,
    redact_url,
)
from tests.property import examples

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


# Whatever the server sends becomes a result or one PrometheusError, never another exception.

SUCCESS = '{"status":"success","data":{"resultType":"vector","result":[%s]}}'
HUGE = "1" * 400  # an integer beyond a float's range: float() raises OverflowError
LONGER = "1" * 5000  # beyond the 4,300 digits json.loads converts: ValueError


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (SUCCESS % f'{{"metric":{{"instance":"a"}},"value":[{HUGE},"1"]}}', "sample time"),
        (SUCCESS % f'{{"metric":{{"instance":"a"}},"value":[1,{HUGE}]}}', "sample value"),
        (SUCCESS % f'{{"metric":{{"instance":"a"}},"value":[1,{LONGER}]}}', "not a Prometheus"),
        ('{"status":"success","data":null}', "null where an object"),
        (SUCCESS % '{"metric":{"instance":"a"},"value":"12"}', "not a [time, value] pair"),
        (SUCCESS % '{"metric":{"instance":7},"value":[1,"1"]}', "label 'instance' is a number"),
        (SUCCESS % '{"metric":[],"value":[1,"1"]}', "metric is a list"),
        (SUCCESS % '{"metric":{},"value":[true,"1"]}', "sample time is a boolean"),
        ('{"status":"success","data":{"resultType":7,"result":[]}}', "result type 'a number'"),
        ('{"status":"success","warnings":5,"data":{"resultType":"vector","result":[]}}', "warn"),
        (f'{{"status":"error","errorType":{LONGER},"error":[1]}}', "not a Prometheus"),
        (f'{{"status":"error","errorType":{HUGE},"error":[1]}}', "error: no reason given"),
    ],
)
def test_bad_input_from_the_server_is_one_prometheus_error(body: str, words: str) -> None:
    transport = Recorded("scalar.json")
    transport.response = Response(200, "application/json", body.encode())
    with pytest.raises(PrometheusError) as caught:
        client(transport).query("x")
    message = str(caught.value)
    assert words in message and "\n" not in message and len(message) < 400


def _json(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=12,
    )


_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["NaN", "+Inf", "1.5", "__HUGE__", "__LONGER__"])
)
_ANY = _json(_LEAVES)
# Near the API's shape, so that the parser's deeper branches are reached, with any JSON anywhere.
_PAIR = st.lists(_LEAVES, min_size=2, max_size=2) | _ANY
_METRIC = st.dictionaries(st.text(max_size=5), st.text(max_size=5) | _LEAVES, max_size=3) | _ANY
_ELEMENT = st.fixed_dictionaries({"metric": _METRIC, "value": _PAIR, "values": st.lists(_PAIR)})
_DOC = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["success", "error"]) | _ANY,
        "data": st.fixed_dictionaries(
            {
                "resultType": st.sampled_from(["vector", "matrix", "scalar"]) | _ANY,
                "result": st.lists(_ELEMENT, max_size=3) | _PAIR | _ANY,
            }
        )
        | _ANY,
    },
    optional={"warnings": st.lists(_LEAVES, max_size=2) | _ANY, "error": _ANY, "errorType": _ANY},
)


@settings(max_examples=examples(500))
@given(_DOC)
def test_any_json_answer_is_a_result_or_one_prometheus_error(doc: dict[str, Any]) -> None:
    text = json.dumps(doc).replace('"__HUGE__"', HUGE).replace('"__LONGER__"', LONGER)
    transport = Recorded("scalar.json")
    transport.response = Response(200, "application/json", text.encode())
    try:
        result = client(transport).query("x")
    except PrometheusError as err:
        assert "\n" not in str(err)
    else:
        assert result.result_type in ("vector", "matrix", "scalar")
        assert all(isinstance(s.value, float) for s in result.samples)


def _read_request(connection: socket.socket) -> None:
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = connection.recv(65536)
        if not chunk:
            return
        request += chunk
    head, _, body = request.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += connection.recv(65536)


def raw_server(answer: Callable[[socket.socket], None]) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that reads a request's head, then lets ``answer`` write what
    it likes to the connection: what no HTTP library would send."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    listener.settimeout(0.05)  # closing the listener would not wake a blocked accept()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(10)
                try:
                    _read_request(connection)
                    answer(connection)
                    # Closing with the client's bytes unread would reset the connection: the
                    # client would see that instead of the answer.
                    connection.shutdown(socket.SHUT_WR)
                    while connection.recv(65536):
                        pass
                except OSError:
                    pass  # the client gave up first

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=10)


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n", "not an HTTP answer (BadStatusLine: SSH-2.0-OpenSSH_9.6"),
        (b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70000 + b"\r\n\r\n", "(LineTooLong: got more"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            b'{"status":"success","data":{"resultType":"vector","result":[]}}',
            "IncompleteRead",  # valid JSON, but not all the server promised
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "not an HTTP answer (IncompleteRead",  # a chunk size that is no number
        ),
    ],
)
def test_what_is_not_http_is_one_prometheus_error(payload: bytes, words: str) -> None:
    def answer(connection: socket.socket) -> None:
        connection.sendall(payload)

    for port in raw_server(answer):
        with pytest.raises(PrometheusError) as caught:
            PrometheusClient(f"http://127.0.0.1:{port}", token=TOKEN).query("up")
        assert words in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_server_trickling_its_answer_fails_the_query_at_the_timeout(where: str) -> None:
    """urllib's timeout bounds each read; a byte every 0.1 s would pass it for ever."""
    body = b'{"status":"success","data":{"resultType":"vector","result":[]}}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    head += b"Content-Length: %d\r\n\r\n" % len(body)
    done = threading.Event()

    def answer(connection: socket.socket) -> None:
        if where == "body":
            connection.sendall(head)
        for byte in head + body if where == "headers" else body:
            if done.wait(0.1):
                return
            connection.sendall(bytes([byte]))

    for port in raw_server(answer):
        started = time.monotonic()
        with pytest.raises(PrometheusError, match=r"no answer within 0\.5 s"):
            PrometheusClient(f"http://127.0.0.1:{port}", timeout_s=0.5).query("up")
        took_s = time.monotonic() - started
        done.set()
        assert 0.4 < took_s < 1.5


def test_an_answer_larger_than_the_cap_is_refused_without_reading_it_all() -> None:
    def answer(connection: socket.socket) -> None:
        size = 4 * MAX_RESPONSE_BYTES  # what a file server handing out an ISO might say
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        zeros = bytes(1024 * 1024)
        for _ in range(size // len(zeros)):
            connection.sendall(zeros)  # until the client stops reading: OSError

    for port in raw_server(answer):
        with pytest.raises(PrometheusError, match=f"answer larger than {MAX_RESPONSE_BYTES} bytes"):
            PrometheusClient(f"http://127.0.0.1:{port}", timeout_s=30).query("up")


class _Redirecting(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.server.seen.append(self.headers.get("Authorization"))  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Location", self.server.location)  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_refused_and_the_token_never_reaches_the_other_host(status: int) -> None:
    servers = [http.server.HTTPServer(("127.0.0.1", 0), _Redirecting) for _ in range(2)]
    first, other = servers
    for server in servers:
        server.seen = []  # type: ignore[attr-defined]
        server.status = status  # type: ignore[attr-defined]
    first.location = f"http://u:pw@localhost:{other.server_address[1]}/x?token=1"  # type: ignore[attr-defined]
    other.location = "/"  # type: ignore[attr-defined]
    threads = [threading.Thread(target=s.serve_forever, args=(0.05,), daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        with pytest.raises(PrometheusError) as caught:
            PrometheusClient(f"http://127.0.0.1:{first.server_address[1]}", token=TOKEN).query("up")
    finally:
        for server, thread in zip(servers, threads, strict=True):
            server.shutdown()
            server.server_close()
            thread.join()
    assert first.seen == [f"Bearer {TOKEN}"]  # type: ignore[attr-defined]
    assert other.seen == []  # type: ignore[attr-defined]
    message = str(caught.value)
    port = other.server_address[1]
    assert f"HTTP {status}, redirected to http://localhost:{port} (not followed: give" in message
    assert "pw" not in message and "token" not in message


def test_a_redirect_within_the_server_names_the_url_to_give() -> None:
    transport = Recorded("scalar.json")
    transport.response = Response(302, "text/html", b"", "/prometheus/api/v1/query")
    with pytest.raises(PrometheusError, match="redirected to http://prom:9090/prometheus "):
        client(transport).query("x")
    transport.response = Response(301, "text/html", b"", "gopher://[::1")
    with pytest.raises(PrometheusError, match=r"HTTP 301, a redirect .* to no usable URL"):
        client(transport).query("x")


def test_a_refused_header_is_not_quoted() -> None:
    """http.client's ValueError quotes the header it refuses: the Authorization header."""
    refused = ValueError(f"Invalid header value b'Bearer {TOKEN}\\r\\nX'")
    with pytest.raises(PrometheusError) as caught:
        client(Raising(refused), token=None).query("x")
    assert "not valid HTTP (ValueError)" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_only_the_password_and_the_token_are_masked_in_every_form() -> None:
    transport = Recorded("scalar.json")
    password = "p@ss word"
    basic = base64.b64encode(f"alice:{password}".encode()).decode()
    echo = {
        "status": "error",
        "errorType": "bad_data",
        "error": f"user alice: {password} / p%40ss%20word / Basic {basic} not subscriptable",
    }
    transport.response = Response(401, "application/json", json.dumps(echo).encode())
    user = PrometheusClient("http://alice@prom", password=password, transport=transport)
    with pytest.raises(PrometheusError) as caught:
        user.query("x")
    assert str(caught.value).endswith(
        "bad_data: user alice: *** / *** / Basic *** not subscriptable (HTTP 401)"
    )
    # Too short to mask without garbling the message (and narrowing the guess).
    short = PrometheusClient("http://u@prom", password="ub", transport=transport)
    with pytest.raises(PrometheusError, match="not subscriptable"):
        short.query("x")
    warned = {
        "status": "success",
        "warnings": [f"shard said {password}"],
        "data": {"resultType": "vector", "result": []},
    }
    transport.response = Response(200, "application/json", json.dumps(warned).encode())
    assert user.query("x").warnings == ("shard said ***",)


def test_a_password_goes_with_a_user_and_not_with_a_token() -> None:
    with pytest.raises(PrometheusError, match="no password in the URL") as caught:
        PrometheusClient("http://alice:hunter2@prom:9090")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(PrometheusError, match="needs the user in the URL"):
        PrometheusClient("http://prom:9090", password="hunter2")
    with pytest.raises(PrometheusError, match="give one of them"):
        PrometheusClient("http://alice@prom:9090", token=TOKEN, password="hunter2")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_https_with_the_given_ca_file_and_a_deadline(tmp_path: Path) -> None:
    """The https handler (the deadline's connection, with the CA file's context) on a real TLS
    server: the CA file is trusted, the system store alone is not."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen = []  # type: ignore[attr-defined]
    httpd.answer = ("scalar.json", 200, "application/json")  # type: ignore[attr-defined]
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{httpd.server_address[1]}"
    try:
        result = PrometheusClient(url, token=TOKEN, ca_file=str(cert)).query("up")
        with pytest.raises(PrometheusError, match=r"cannot connect .*CERTIFICATE_VERIFY_FAILED"):
            PrometheusClient(url, token=TOKEN).query("up")
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
    assert result.samples[0].value == 2.0
    assert httpd.seen[0][2] == f"Bearer {TOKEN}"  # type: ignore[attr-defined]
